// Package redact scrubs secrets from everything dbtok prints, as a last
// line of defence behind code that never puts them there.
package redact

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

const Placeholder = "[REDACTED]"

// These match credentials by shape, so that even a value dbtok never
// learned about (one echoed by a server, say) is caught.
var (
	// Databricks PATs: dapi + 32 hex, sometimes with a -N suffix. A shorter
	// run still counts: a response cut off mid-token must not leak its start.
	patToken = regexp.MustCompile(`dapi[0-9a-fA-F]{8,}(-[0-9]+)?`)
	// Credential headers as the SDK's debug log prints them, and anything
	// sent as a bearer credential.
	credHeader = regexp.MustCompile(`(?i)((?:authorization|x-[\w-]*-token)\s*:\s*(?:bearer\s+|basic\s+)?)[^\s"',;]+`)
	bearer     = regexp.MustCompile(`(?i)(bearer\s+)[^\s"',;]+`)
)

var (
	mu    sync.RWMutex
	known []string
)

// Add registers an exact secret value (a configured token, an OAuth access
// token, a created token) to be scrubbed wherever it appears.
func Add(secret string) {
	if len(secret) < 8 {
		// Too short to be a credential, and scrubbing it would mangle text.
		return
	}
	mu.Lock()
	defer mu.Unlock()
	for _, k := range known {
		if k == secret {
			return
		}
	}
	known = append(known, secret)
	// Longest first, so that a secret containing another is scrubbed whole.
	sort.Slice(known, func(i, j int) bool { return len(known[i]) > len(known[j]) })
}

// String returns s with every known or recognisable secret replaced.
func String(s string) string { return scrub(s) }

// Except is String for output that exists to deliver secrets: the keep
// values stay, everything else is scrubbed.
func Except(s string, keep ...string) string {
	// Each kept value is swapped for a marker no pattern matches (NUL
	// bytes never occur in text dbtok prints), the rest scrubbed, and the
	// values put back.
	var back []string
	for i, k := range keep {
		if k == "" || !strings.Contains(s, k) {
			continue
		}
		marker := fmt.Sprintf("\x00keep%d\x00", i)
		s = strings.ReplaceAll(s, k, marker)
		back = append(back, marker, k)
	}
	s = scrub(s)
	if len(back) > 0 {
		s = strings.NewReplacer(back...).Replace(s)
	}
	return s
}

func scrub(s string) string {
	mu.RLock()
	for _, k := range known {
		s = strings.ReplaceAll(s, k, Placeholder)
	}
	mu.RUnlock()
	s = patToken.ReplaceAllString(s, Placeholder)
	s = credHeader.ReplaceAllString(s, "${1}"+Placeholder)
	s = bearer.ReplaceAllString(s, "${1}"+Placeholder)
	return s
}
