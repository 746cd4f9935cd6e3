package emulator

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket per host name, the way API gateways limit a
// workspace. Requests are admitted or refused at once, never queued, so
// that a refused client sees 429 with Retry-After as it would in
// production. It has its own lock so that the emulator's normal path, with
// no limiter, never pays for one.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64 // tokens added per second
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	b := float64(burst)
	if b <= 0 {
		b = max(perSecond, 1)
	}
	return &rateLimiter{rate: perSecond, burst: b, buckets: make(map[string]*bucket)}
}

// take admits one request from host at now, returning 0, or returns how
// long until one would be admitted.
func (l *rateLimiter) take(host string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[host]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[host] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}
