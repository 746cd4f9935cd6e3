package workspace

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dbtok/dbtok/internal/redact"
)

// transport adjusts what the SDK's HTTP client does, for a CLI that holds
// credentials. The SDK decides what to retry by matching substrings of
// error messages ("connection refused", "connection reset by peer",
// "i/o timeout"), so the errors below are reworded on purpose to fall
// outside that list.
type transport struct {
	base  http.RoundTripper
	hosts *hostLimiter
}

// shared holds one transport per --timeout for the whole run: every
// workspace of a run over many profiles shares its connections (a profile
// of a host that another profile already reached reuses the connection)
// and its pacing per host (see hostLimiter).
var shared struct {
	sync.Mutex
	hosts      *hostLimiter
	transports map[time.Duration]*transport
}

func newTransport(timeout time.Duration) http.RoundTripper {
	shared.Lock()
	defer shared.Unlock()
	if t := shared.transports[timeout]; t != nil {
		return t
	}
	if shared.transports == nil {
		shared.transports = map[time.Duration]*transport{}
		shared.hosts = newHostLimiter()
	}
	t := &transport{base: newBase(timeout), hosts: shared.hosts}
	shared.transports[timeout] = t
	return t
}

func newBase(timeout time.Duration) *http.Transport {
	base := http.DefaultTransport.(*http.Transport).Clone()
	// Keep enough idle connections that a run over many profiles of one
	// host (list, then revoke) does not connect twice for each.
	base.MaxIdleConns = 256
	base.MaxIdleConnsPerHost = 64
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
	return base
}

type refusedError struct {
	addr string
	err  error
}

func (e *refusedError) Error() string { return "nothing is listening at " + e.addr + " (refused)" }
func (e *refusedError) Unwrap() error { return e.err }

// redirectError is a redirect dbtok will not follow.
type redirectError struct {
	from, to *url.URL
	status   int
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("the workspace answered HTTP %d, redirecting to %s://%s; dbtok follows no redirect to another scheme, host or port, since it would carry your credentials there", e.status, e.to.Scheme, e.to.Host)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	// Whatever credential the SDK resolved (a PAT, an OAuth access token
	// from a token endpoint or the Databricks CLI) is scrubbed from
	// everything dbtok prints from now on.
	if a := req.Header.Get("Authorization"); a != "" {
		if _, v, ok := strings.Cut(a, " "); ok {
			redact.Add(strings.TrimSpace(v))
		}
	}
	resp, err := t.roundTrip(req)
	if err != nil {
		return nil, err
	}
	markStreamed(req, resp)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc, lerr := resp.Location(); lerr == nil && !sameOrigin(req.URL, loc) {
			// Go's client would carry the Authorization header along to
			// a different port or scheme of the same host, in clear text
			// if the scheme is http. Stop here and say where it pointed.
			resp.Body.Close()
			return nil, &redirectError{from: req.URL, to: loc, status: resp.StatusCode}
		}
	}
	if resp.StatusCode == http.StatusOK && resp.ContentLength == 0 {
		// The API always answers with a JSON object, "{}" at least. The
		// SDK would read an empty body as an empty result: a list with no
		// tokens that hides a broken proxy.
		resp.Body.Close()
		return nil, errEmptyResponse
	}
	return resp, nil
}

// sameOrigin compares scheme, host and port, with default ports filled in.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

var errEmptyResponse = errors.New("the server sent an empty response (HTTP 200 without a body)")

func (t *transport) roundTrip(req *http.Request) (*http.Response, error) {
	return t.paced(req, t.send)
}

func (t *transport) send(req *http.Request) (*http.Response, error) {
	if !createsSomething(req) {
		return t.base.RoundTrip(req)
	}
	// Having a connection means the request may have been sent (see
	// changing for why this is not WroteRequest).
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
