package workspace

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/dbtok/dbtok/internal/failure"
)

// classify turns what the SDK returned into a *failure.APIError. ctx tells
// a timeout or an interrupt apart from a network failure: both surface as
// I/O errors. waited is the per-call limit, for the timeout message.
func classify(ctx context.Context, err error, waited time.Duration) *failure.APIError {
	if err == nil {
		return nil
	}
	var e *failure.APIError
	if errors.As(err, &e) {
		return e
	}
	ctxErr := ctx.Err()
	if errors.Is(ctxErr, context.Canceled) || errors.Is(context.Cause(ctx), context.Canceled) && ctxErr != nil {
		return &failure.APIError{Kind: failure.KindCanceled, Message: "interrupted", Err: err}
	}
	// When time runs out between retries the SDK returns the last answer it
	// got, which says more (429, 503) than "no answer in time".
	var apiErr *apierr.APIError
	if errors.As(err, &apiErr) {
		return fromAPIError(apiErr)
	}
	if ctxErr != nil {
		return &failure.APIError{Kind: failure.KindTimeout, Message: timeoutMessage(waited), Err: err, Waited: waited}
	}
	if n := network(err); n != nil {
		if n.Kind == failure.KindTimeout {
			n.Waited = waited
			n.Message = timeoutMessage(waited)
		}
		return n
	}
	msg := oneLine(err.Error())
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(msg, "unexpected EOF"), strings.Contains(msg, "connection reset"):
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "the connection was cut off in the middle of the answer", Err: err}
	case strings.Contains(msg, "timed out"):
		return &failure.APIError{Kind: failure.KindTimeout, Message: timeoutMessage(waited), Err: err, Waited: waited}
	case strings.Contains(msg, "HTML response"):
		return &failure.APIError{Kind: failure.KindProtocol, Message: "an HTML page came back instead of an API response", Err: err}
	case strings.Contains(msg, "empty response"):
		return &failure.APIError{Kind: failure.KindProtocol, Message: "the answer was empty", Err: err}
	case strings.Contains(msg, "unmarshal"), strings.Contains(msg, "invalid character"), strings.Contains(msg, "unexpected end of JSON"):
		return &failure.APIError{Kind: failure.KindProtocol, Message: "the response is not valid JSON", Err: err}
	}
	return &failure.APIError{Kind: failure.KindOther, Message: msg, Err: err}
}

func timeoutMessage(waited time.Duration) string {
	if waited > 0 {
		return fmt.Sprintf("no answer within %s", waited)
	}
	return "no answer in time"
}

// network classifies a failure to talk to the server at all: DNS, refused
// connections, TLS, timeouts, cut connections and redirects elsewhere.
// It is nil for anything else.
func network(err error) *failure.APIError {
	if err == nil {
		return nil
	}
	var redirect *redirectError
	var dnsErr *net.DNSError
	var refused *refusedError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.As(err, &redirect):
		return &failure.APIError{Kind: failure.KindProtocol, Status: redirect.status, Message: redirect.Error(), Err: err}
	case errors.As(err, &dnsErr):
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "unknown host " + dnsErr.Name, Err: err}
	case errors.As(err, &refused), errors.Is(err, syscall.ECONNREFUSED):
		msg := "the connection was refused"
		if refused != nil {
			msg = refused.Error()
		}
		return &failure.APIError{Kind: failure.KindUnreachable, Message: msg, Err: err}
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "the server's TLS certificate is not trusted: " + oneLine(tlsReason(err)), Err: err}
	case errors.As(err, &recordErr):
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "the server does not speak TLS (is the host http:// rather than https://?)", Err: err}
	case strings.Contains(err.Error(), "tls: "):
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "the TLS handshake failed: " + oneLine(tlsReason(err)), Err: err}
	case strings.Contains(err.Error(), "empty response"):
		return &failure.APIError{Kind: failure.KindProtocol, Message: "the answer was empty", Err: err}
	case errors.As(err, &netErr) && netErr.Timeout(), strings.Contains(err.Error(), "request timed out"):
		// The SDK's own inactivity timeout reads "request timed out
		// after ...": the same thing to the user as --timeout.
		return &failure.APIError{Kind: failure.KindTimeout, Message: "no answer in time", Err: err}
	case errors.As(err, new(*url.Error)) && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		// While sending the request or reading the status line; an EOF in
		// the body is a cut-off answer (see classify).
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "the server closed the connection without answering", Err: err}
	case errors.Is(err, syscall.ECONNRESET), strings.Contains(err.Error(), "connection reset"):
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "the connection was reset", Err: err}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return &failure.APIError{Kind: failure.KindUnreachable, Message: "no route to the host", Err: err}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		var op *net.OpError
		if errors.As(err, &op) {
			return &failure.APIError{Kind: failure.KindUnreachable, Message: oneLine(op.Err.Error()), Err: err}
		}
	}
	return nil
}

func tlsReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg[:i], "tls") {
		return msg[i+2:]
	}
	return msg
}

func fromAPIError(e *apierr.APIError) *failure.APIError {
	out := &failure.APIError{Status: e.StatusCode, Code: e.ErrorCode, Message: oneLine(e.Message), Err: e}
	if out.Message == "" {
		out.Message = fmt.Sprintf("HTTP %d", e.StatusCode)
	}
	switch {
	case e.ErrorCode == "QUOTA_EXCEEDED":
		out.Kind = failure.KindQuota
	case e.StatusCode == 401:
		out.Kind = failure.KindAuth
	case e.StatusCode == 403 && e.ErrorCode == "PERMISSION_DENIED":
		out.Kind = failure.KindPermission
	case e.StatusCode == 403:
		// Databricks answers a bad or revoked token with 403 and a numeric code.
		out.Kind = failure.KindAuth
	case e.StatusCode == 404 && e.ErrorCode == "RESOURCE_DOES_NOT_EXIST":
		out.Kind = failure.KindNotFound
	case e.StatusCode == 404:
		// A 404 without the API's error shape means the URL is not a
		// workspace API at all (wrong host, proxy page).
		out.Kind = failure.KindProtocol
	case e.StatusCode == 429:
		out.Kind = failure.KindRateLimited
	case e.StatusCode >= 500:
		out.Kind = failure.KindUnavailable
	case e.StatusCode == 400:
		out.Kind = failure.KindInvalid
	}
	if looksLikeHTML(e.Message) {
		out.Kind = failure.KindProtocol
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
