package workspace

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// transport adjusts two SDK retry behaviours that hurt a CLI. The SDK decides
// what to retry by matching substrings of error messages ("connection
// refused", "connection reset by peer", "i/o timeout"), so the errors below
// are reworded on purpose to fall outside that list.
type transport struct {
	base http.RoundTripper
}

func newTransport(timeout time.Duration) http.RoundTripper {
	base := http.DefaultTransport.(*http.Transport).Clone()
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if errors.Is(err, syscall.ECONNREFUSED) {
			// Retrying a refused connection for minutes is how the SDK
			// waits out a restarting server; for a person at a prompt it is
			// a hang. Nothing listening at the host is a configuration
			// problem: report it at once.
			return nil, &refusedError{addr: addr, err: err}
		}
		return c, err
	}
	return &transport{base: base}
}

type refusedError struct {
	addr string
	err  error
}

func (e *refusedError) Error() string { return "nothing is listening at " + e.addr + " (refused)" }
func (e *refusedError) Unwrap() error { return e.err }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.roundTrip(req)
	if err == nil && resp.StatusCode == http.StatusOK && resp.ContentLength == 0 {
		// The API always answers with a JSON object, "{}" at least. The
		// SDK would read an empty body as an empty result: a list with no
		// tokens that hides a broken proxy.
		resp.Body.Close()
		return nil, errEmptyResponse
	}
	return resp, err
}

var errEmptyResponse = errors.New("the server sent an empty response (HTTP 200 without a body)")

func (t *transport) roundTrip(req *http.Request) (*http.Response, error) {
	if !createsSomething(req) {
		return t.base.RoundTrip(req)
	}
	// Having a connection means the request may have been sent (see
	// tokens.Create for why this is not WroteRequest).
	var wrote atomic.Bool
	ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { wrote.Store(true) },
	})
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil && wrote.Load() && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		// The server may already have created the token. A retry would
		// create a second one that nobody ever sees: fail instead, and let
		// the command tell the user to check.
		return nil, &afterSendError{err: err}
	}
	return resp, err
}

// createsSomething reports whether a request is not safe to repeat.
func createsSomething(req *http.Request) bool {
	return req.Method == http.MethodPost &&
		(strings.HasSuffix(req.URL.Path, "/token/create") || strings.HasSuffix(req.URL.Path, "/on-behalf-of/tokens"))
}

type afterSendError struct{ err error }

func (e *afterSendError) Error() string {
	msg := e.err.Error()
	for old, repl := range map[string]string{
		"connection reset by peer": "reset by the server",
		"i/o timeout":              "read timeout",
		"connection refused":       "refused",
	} {
		msg = strings.ReplaceAll(msg, old, repl)
	}
	return fmt.Sprintf("connection lost after the request was sent: %s", msg)
}

func (e *afterSendError) Unwrap() error { return e.err }
