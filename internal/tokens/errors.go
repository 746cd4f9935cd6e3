package tokens

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/databricks/databricks-sdk-go/apierr"
)

// Kind says what went wrong in terms a command can act on.
type Kind int

const (
	KindOther       Kind = iota
	KindAuth             // the credentials were refused (401, or 403 "Invalid access token")
	KindPermission       // authenticated, but not allowed (403 PERMISSION_DENIED)
	KindNotFound         // 404 RESOURCE_DOES_NOT_EXIST
	KindInvalid          // 400: the workspace rejected the request's values
	KindQuota            // 400 QUOTA_EXCEEDED
	KindRateLimited      // 429, still failing after the SDK's retries
	KindUnavailable      // 5xx, still failing after the SDK's retries
	KindUnreachable      // no HTTP answer at all: DNS, refused, reset
	KindTimeout          // --timeout ran out
	KindCanceled         // interrupted by the user
	KindProtocol         // an answer that is not the API's (HTML, bad JSON)
)

// Error is an API failure, classified. Message is one line, safe to show.
type Error struct {
	Kind    Kind
	Status  int    // HTTP status, 0 when there was no response
	Code    string // the API's error_code, when it sent one
	Message string
	Err     error
	// MaybeApplied is set when a request that changes something reached
	// the server and failed without a clear answer: it may have happened.
	MaybeApplied bool
}

// mayHaveApplied is false for answers that say the server did nothing:
// refusals and 429. A 5xx can come after the work was done, so it may.
func (e *Error) mayHaveApplied() bool {
	switch e.Kind {
	case KindAuth, KindPermission, KindInvalid, KindQuota, KindRateLimited, KindNotFound:
		return false
	}
	return true
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, KindOther if it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// classify turns what the SDK returned into an *Error. ctx tells a timeout
// or an interrupt apart from a network failure: both surface as I/O errors.
func classify(ctx context.Context, err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	ctxErr := ctx.Err()
	if errors.Is(ctxErr, context.Canceled) {
		return &Error{Kind: KindCanceled, Message: "interrupted", Err: err}
	}
	// When time runs out between retries the SDK returns the last answer it
	// got, which says more (429, 503) than "no answer in time".
	var apiErr *apierr.APIError
	if errors.As(err, &apiErr) {
		return fromAPIError(apiErr)
	}
	if ctxErr != nil {
		return &Error{Kind: KindTimeout, Message: "no answer in time", Err: err}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		var dnsErr *net.DNSError
		switch {
		case errors.As(err, &dnsErr):
			return &Error{Kind: KindUnreachable, Message: "unknown host " + dnsErr.Name, Err: err}
		case urlErr.Timeout(), strings.Contains(urlErr.Err.Error(), "timed out"):
			// The SDK's own inactivity timeout reads "request timed out
			// after ...": the same thing to the user as --timeout.
			return &Error{Kind: KindTimeout, Message: "no answer in time", Err: err}
		case strings.Contains(urlErr.Err.Error(), "empty response"):
			return &Error{Kind: KindProtocol, Message: "the answer was empty", Err: err}
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return &Error{Kind: KindUnreachable, Message: "the server closed the connection without answering", Err: err}
		}
		return &Error{Kind: KindUnreachable, Message: oneLine(urlErr.Err.Error()), Err: err}
	}
	msg := oneLine(err.Error())
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(msg, "unexpected EOF"), strings.Contains(msg, "connection reset"):
		return &Error{Kind: KindUnreachable, Message: "the connection was cut off in the middle of the answer", Err: err}
	case strings.Contains(msg, "timed out"):
		return &Error{Kind: KindTimeout, Message: msg, Err: err}
	case strings.Contains(msg, "HTML response"):
		return &Error{Kind: KindProtocol, Message: "an HTML page came back instead of an API response", Err: err}
	case strings.Contains(msg, "empty response"):
		return &Error{Kind: KindProtocol, Message: "the answer was empty", Err: err}
	case strings.Contains(msg, "unmarshal"), strings.Contains(msg, "invalid character"), strings.Contains(msg, "unexpected end of JSON"):
		return &Error{Kind: KindProtocol, Message: "the response is not valid JSON", Err: err}
	}
	return &Error{Kind: KindOther, Message: msg, Err: err}
}

func fromAPIError(e *apierr.APIError) *Error {
	out := &Error{Status: e.StatusCode, Code: e.ErrorCode, Message: oneLine(e.Message), Err: e}
	if out.Message == "" {
		out.Message = fmt.Sprintf("HTTP %d", e.StatusCode)
	}
	switch {
	case e.ErrorCode == "QUOTA_EXCEEDED":
		out.Kind = KindQuota
	case e.StatusCode == 401:
		out.Kind = KindAuth
	case e.StatusCode == 403 && e.ErrorCode == "PERMISSION_DENIED":
		out.Kind = KindPermission
	case e.StatusCode == 403:
		// Databricks answers a bad or revoked token with 403 and a numeric code.
		out.Kind = KindAuth
	case e.StatusCode == 404 && e.ErrorCode == "RESOURCE_DOES_NOT_EXIST":
		out.Kind = KindNotFound
	case e.StatusCode == 404:
		// A 404 without the API's error shape means the URL is not a
		// workspace API at all (wrong host, proxy page).
		out.Kind = KindProtocol
	case e.StatusCode == 429:
		out.Kind = KindRateLimited
	case e.StatusCode >= 500:
		out.Kind = KindUnavailable
	case e.StatusCode == 400:
		out.Kind = KindInvalid
	}
	if looksLikeHTML(e.Message) {
		out.Kind = KindProtocol
		out.Message = fmt.Sprintf("HTTP %d with an HTML page instead of an API response", e.StatusCode)
	}
	return out
}

func looksLikeHTML(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html")
}

// oneLine keeps server-provided text to one short line: it goes to a
// terminal and must not break the "one line per error" promise.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 300
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
