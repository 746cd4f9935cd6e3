// Package failure defines the failures dbtok reports and the documented
// exit code of each: a command returns what went wrong, and the root
// command turns it into one line on stderr and that code.
package failure

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes are part of dbtok's interface: scripts branch on them.
const (
	OK         = 0   // success
	Error      = 1   // an API or other failure
	Usage      = 2   // bad flags or arguments, or unusable configuration: nothing was sent
	Auth       = 3   // no credentials, credentials refused, or permission denied
	NotFound   = 4   // the token (or other object) does not exist
	Matched    = 5   // a check found what it looks for (list --fail-if-any, audit --fail-on)
	Canceled   = 130 // interrupted by SIGINT (Ctrl-C), as shells report it
	Terminated = 143 // stopped by SIGTERM
)

// coded is implemented by every failure type: each one states its own
// exit code, so no central switch has to know them all.
type coded interface{ ExitCode() int }

// Code maps err to its exit code. The first error in the chain that knows
// its code decides; a bare context cancellation is an interrupt.
func Code(err error) int {
	if err == nil {
		return OK
	}
	var c coded
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	if errors.Is(err, context.Canceled) {
		return Canceled
	}
	return Error
}

// UsageError is something the user typed that dbtok cannot accept.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }
func (e *UsageError) ExitCode() int { return Usage }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ConfigError is a problem with the user's configuration (no such profile,
// an unreadable config file) rather than with the workspace.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }
func (e *ConfigError) ExitCode() int { return Usage }

// Configf builds a ConfigError.
func Configf(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// AuthError means there are no usable credentials for a workspace.
type AuthError struct{ Msg string }

func (e *AuthError) Error() string { return e.Msg }
func (e *AuthError) ExitCode() int { return Auth }

// NotFoundError is a named object that does not exist.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }
func (e *NotFoundError) ExitCode() int { return NotFound }

// NotFoundf builds a NotFoundError.
func NotFoundf(format string, args ...any) error {
	return &NotFoundError{Msg: fmt.Sprintf(format, args...)}
}

// Reported carries the exit code of failures a command has already
// reported in full (one line per token, say): the root prints nothing more.
type Reported struct{ Code int }

func (e *Reported) Error() string { return fmt.Sprintf("exit status %d", e.Code) }
func (e *Reported) ExitCode() int { return e.Code }

// AsReported turns already-printed failures into their exit code; nil
// stays nil.
func AsReported(err error) error {
	if err == nil {
		return nil
	}
	return &Reported{Code: Code(err)}
}

// wrapped gives an error a message of the caller's own while its exit code
// (and its kind, for errors.As) stays that of the cause.
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// Wrap replaces err's message with msg, keeping err reachable.
func Wrap(msg string, err error) error { return &wrapped{msg: msg, err: err} }

// Wrapf is Wrap with a formatted message.
func Wrapf(err error, format string, args ...any) error {
	return &wrapped{msg: fmt.Sprintf(format, args...), err: err}
}

// IsReported reports whether err was already printed in full.
func IsReported(err error) bool {
	var r *Reported
	return errors.As(err, &r)
}
