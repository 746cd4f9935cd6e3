package workspace

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// hostLimiter paces the requests of a whole run per host: a run over many
// profiles of one workspace (or a bulk revoke) must not keep hammering a
// host that answers 429. Requests to a host go out as fast as they come
// until it answers 429; then every request to that host waits out the
// Retry-After it named, and the host's requests in flight are halved and
// grow again by one per answer that was not 429 (additive increase,
// multiplicative decrease, as TCP does). Hosts never limit each other.
type hostLimiter struct {
	mu    sync.Mutex
	hosts map[string]*hostState
}

type hostState struct {
	pausedUntil time.Time
	// limit is the requests allowed in flight; 0 while the host has never
	// answered 429.
	limit    int
	inflight int
	// wake is closed (and replaced) whenever a waiter may proceed.
	wake chan struct{}
}

func newHostLimiter() *hostLimiter { return &hostLimiter{hosts: map[string]*hostState{}} }

func (l *hostLimiter) state(host string) *hostState {
	h := l.hosts[host]
	if h == nil {
		h = &hostState{wake: make(chan struct{})}
		l.hosts[host] = h
	}
	return h
}

// acquire waits until host accepts another request, or ctx ends.
func (l *hostLimiter) acquire(ctx context.Context, host string) error {
	for {
		l.mu.Lock()
		h := l.state(host)
		wait := time.Until(h.pausedUntil)
		if wait <= 0 && (h.limit == 0 || h.inflight < h.limit) {
			h.inflight++
			l.mu.Unlock()
			return nil
		}
		wake := h.wake
		l.mu.Unlock()
		var timer *time.Timer
		var fired <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			fired = timer.C
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return ctx.Err()
		case <-wake:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// release ends a request; retryAfter > 0 says the host answered 429.
func (l *hostLimiter) release(host string, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.state(host)
	h.inflight--
	if retryAfter > 0 {
		if until := time.Now().Add(retryAfter); until.After(h.pausedUntil) {
			h.pausedUntil = until
		}
		if half := max(1, (h.inflight+1)/2); h.limit == 0 || half < h.limit {
			h.limit = half
		}
	} else if h.limit > 0 {
		h.limit++
	}
	close(h.wake)
	h.wake = make(chan struct{})
}

// retryAfter reads a 429's Retry-After (seconds, or an HTTP date); a 429
// without one waits a second, as the SDK would at first.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	const fallback = time.Second
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return fallback
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s <= 0 {
			return fallback
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return fallback
}

// maxRateLimitedTries bounds how often one request is turned away by 429
// before the answer is handed to the SDK (and the command's deadline ends
// the rest).
const maxRateLimitedTries = 8

// paced sends req when its host accepts it, and sends it again after the
// Retry-After of a 429, which says the request was turned away untouched,
// for as long as the request's deadline leaves time to wait. A 429 that
// cannot be waited out is returned as it came.
func (t *transport) paced(req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	host := req.URL.Host
	for try := 1; ; try++ {
		if err := t.hosts.acquire(req.Context(), host); err != nil {
			return nil, err
		}
		resp, err := send(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			t.hosts.release(host, 0)
			return resp, err
		}
		wait := retryAfter(resp, time.Now())
		t.hosts.release(host, wait)
		next, ok := rewind(req)
		if d, has := req.Context().Deadline(); try == maxRateLimitedTries || !ok || has && time.Until(d) < wait {
			return resp, nil
		}
		// Read what little a 429 says, so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		req = next
	}
}

// rewind is req ready to be sent again, with a fresh body.
func rewind(req *http.Request) (*http.Request, bool) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	r := req.Clone(req.Context())
	r.Body = body
	return r, true
}
