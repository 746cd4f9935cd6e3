package failure

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says what went wrong with a call to a workspace, in terms a command
// can act on.
type Kind int

const (
	KindOther       Kind = iota
	KindAuth             // the credentials were refused (401, or 403 "Invalid access token")
	KindPermission       // authenticated, but not allowed (403 PERMISSION_DENIED)
	KindNotFound         // 404 RESOURCE_DOES_NOT_EXIST
	KindInvalid          // 400: the workspace rejected the request's values
	KindQuota            // 400 QUOTA_EXCEEDED
	KindRateLimited      // 429, still failing after retries
	KindUnavailable      // 5xx, still failing after retries
	KindUnreachable      // no HTTP answer at all: DNS, refused, reset, TLS
	KindTimeout          // --timeout ran out
	KindCanceled         // interrupted by the user
	KindProtocol         // an answer that is not the API's (HTML, bad JSON, a redirect elsewhere)
)

// APIError is a failed call to a workspace, classified. Message is one
// line, safe to show.
type APIError struct {
	Kind    Kind
	Status  int    // HTTP status, 0 when there was no response
	Code    string // the API's error_code, when it sent one
	Message string
	Err     error
	// MaybeApplied is set when a request that changes something reached
	// the server and failed without a clear answer: it may have happened.
	MaybeApplied bool
	// Waited is how long dbtok waited, for a timeout.
	Waited time.Duration
}

func (e *APIError) Error() string { return e.Message }
func (e *APIError) Unwrap() error { return e.Err }

func (e *APIError) ExitCode() int {
	switch e.Kind {
	case KindAuth, KindPermission:
		return Auth
	case KindNotFound:
		return NotFound
	case KindCanceled:
		return Canceled
	}
	return Error
}

// Refused reports whether the answer says the server did nothing: a
// refusal or a 429. A 5xx or a lost connection may come after the work was
// done.
func (e *APIError) Refused() bool {
	if e.Status >= 300 && e.Status < 400 {
		// A redirect: the request was not carried out where it was sent,
		// and dbtok did not follow it.
		return true
	}
	switch e.Kind {
	case KindAuth, KindPermission, KindInvalid, KindQuota, KindRateLimited, KindNotFound:
		return true
	}
	return false
}

// KindOf returns the Kind of err, KindOther if it is not an *APIError.
func KindOf(err error) Kind {
	var e *APIError
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// MaybeApplied reports whether err is a failed change that may have
// happened anyway.
func MaybeApplied(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.MaybeApplied
}

// Interrupted is the failure of work the user stopped.
func Interrupted(err error) error {
	return &APIError{Kind: KindCanceled, Message: "interrupted", Err: err}
}

// Brief is an API error's message and status, without hints.
func Brief(err error) string {
	var e *APIError
	if !errors.As(err, &e) {
		return err.Error()
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s (HTTP %d)", e.Message, e.Status)
	}
	return e.Message
}

// Cause renders an API error's cause with a hint about what to do; where
// says how to fix credentials ("check the credentials of profile p in f").
func Cause(err error, credentials string) string {
	var e *APIError
	if !errors.As(err, &e) {
		return err.Error()
	}
	msg := Brief(err)
	switch e.Kind {
	case KindAuth:
		return msg + "; " + credentials
	case KindPermission:
		if strings.Contains(e.Message, "required scopes") {
			// A scoped token: the user may be allowed, the token is not.
			return msg + "; the token you sign in with is limited to API scopes that do not cover this (creating and listing tokens needs the authentication scope)"
		}
		return msg + "; your user lacks the permission for this"
	case KindTimeout:
		if e.Waited > 0 {
			return fmt.Sprintf("no answer within %s; try again, or raise --timeout", e.Waited)
		}
		return "no answer in time; try again, or raise --timeout"
	case KindCanceled:
		return "interrupted"
	case KindUnreachable:
		return msg + "; check the host and your network"
	case KindUnavailable:
		return msg + "; the workspace is having trouble, try again later"
	case KindRateLimited:
		return msg + "; too many requests, try again later"
	case KindQuota:
		return msg + "; revoke unused tokens with `dbtok revoke`"
	case KindProtocol:
		return msg + "; check that the host is a Databricks workspace"
	}
	return msg
}
