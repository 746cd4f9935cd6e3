package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
)

// Exit codes are part of dbtok's interface: scripts branch on them.
const (
	ExitOK       = 0
	ExitError    = 1   // an API or other failure
	ExitUsage    = 2   // bad flags or arguments, or unusable configuration
	ExitAuth     = 3   // no credentials, credentials refused, or permission denied
	ExitNotFound = 4   // the token (or other object) does not exist
	ExitMatched  = 5   // list --fail-if-any: something matched
	ExitCanceled = 130 // interrupted (Ctrl-C), as shells report SIGINT
)

// FlagError is a usage error: the user typed something dbtok cannot accept.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// SilentError carries an exit code for a failure the command has already
// reported in full (for example, per-token lines from revoke).
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode maps an error to the documented exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var silent *SilentError
	var flagErr *FlagError
	var cfgErr *workspace.ConfigError
	var authErr *workspace.AuthError
	switch {
	case errors.As(err, &silent):
		return silent.Code
	case errors.As(err, &flagErr), errors.As(err, &cfgErr):
		return ExitUsage
	case errors.As(err, &authErr):
		return ExitAuth
	}
	// The classified kind decides: the error chain below it may hold a
	// context.Canceled from an inner HTTP timeout that is not a Ctrl-C.
	var te *tokens.Error
	if errors.As(err, &te) {
		switch te.Kind {
		case tokens.KindAuth, tokens.KindPermission:
			return ExitAuth
		case tokens.KindNotFound:
			return ExitNotFound
		case tokens.KindCanceled:
			return ExitCanceled
		}
		return ExitError
	}
	if errors.Is(err, context.Canceled) {
		return ExitCanceled
	}
	return ExitError
}

// apiFailure keeps the classified cause reachable (for ExitCode) while its
// message says what failed, where, and what to do about it.
type apiFailure struct {
	msg string
	err error
}

func (e *apiFailure) Error() string { return e.msg }
func (e *apiFailure) Unwrap() error { return e.err }

// WrapAPIError gives err a message of the caller's own, keeping its kind.
func WrapAPIError(msg string, err error) error { return &apiFailure{msg: msg, err: err} }

// APIError describes a failed API call: "cannot <action> in <workspace>:
// <cause>; <what to do>".
func APIError(action string, ws *workspace.Workspace, err error, timeout time.Duration) error {
	return &apiFailure{msg: fmt.Sprintf("cannot %s in %s: %s", action, ws, Cause(ws, err, timeout)), err: err}
}

// Brief is an API error's message and status, without hints.
func Brief(err error) string {
	var e *tokens.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
	}
	return e.Message
}

// Cause renders an API error's cause and a hint, without the action.
func Cause(ws *workspace.Workspace, err error, timeout time.Duration) string {
	var e *tokens.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	msg := e.Message
	if e.Status != 0 {
		msg = fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
	}
	switch e.Kind {
	case tokens.KindAuth:
		if ws.Profile != "" {
			return msg + fmt.Sprintf("; check the credentials of profile %s in %s", ws.Profile, ws.ConfigFile)
		}
		return msg + "; check DATABRICKS_TOKEN or your other credentials"
	case tokens.KindPermission:
		return msg + "; your user lacks the permission for this"
	case tokens.KindTimeout:
		return fmt.Sprintf("no answer within %s; try again, or raise --timeout", timeout)
	case tokens.KindCanceled:
		return "interrupted"
	case tokens.KindUnreachable:
		return msg + "; check the host and your network"
	case tokens.KindUnavailable:
		return msg + "; the workspace is having trouble, try again later"
	case tokens.KindRateLimited:
		return msg + "; too many requests, try again later"
	case tokens.KindQuota:
		return msg + "; revoke unused tokens with `dbtok revoke`"
	case tokens.KindProtocol:
		return msg + "; check that the host is a Databricks workspace"
	}
	return msg
}

// PrintError writes err as dbtok's one-line error: "Error: " and the
// message, control characters escaped, whitespace folded and secrets
// scrubbed. Every error dbtok reports goes through here.
func PrintError(w io.Writer, err error) {
	msg := strings.Join(strings.Fields(output.Sanitize(err.Error())), " ")
	fmt.Fprintf(w, "Error: %s\n", redact.String(msg))
}
