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
	// Compiled on first use, not at start-up: most runs never need it.
	patToken = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`dapi[0-9a-fA-F]{8,}(-[0-9]+)?`) })
	// Credential headers as the SDK's debug log prints them, and anything
	// sent as a bearer credential.
	credHeader = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)((?:authorization|x-[\w-]*-token)\s*:\s*(?:bearer\s+|basic\s+)?)[^\s"',;]+`)
	})
	bearer = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(bearer\s+)[^\s"',;]+`) })
)

var (
	mu    sync.Mutex
	known = map[string]bool{}
	// replacer scrubs every known secret in one pass over the text (a
	// run over 500 profiles knows 500 secrets: one pass per secret made
	// printing cost profiles x output). It is rebuilt after an Add.
	replacer *strings.Replacer
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
	if !known[secret] {
		known[secret] = true
		replacer = nil
	}
}

// knownReplacer is the replacer for the secrets known now.
func knownReplacer() *strings.Replacer {
	mu.Lock()
	defer mu.Unlock()
	if replacer == nil {
		secrets := make([]string, 0, len(known))
		for k := range known {
			secrets = append(secrets, k)
		}
		// Longest first, so that a secret containing another is scrubbed
		// whole (the replacer tries its patterns in this order).
		sort.Slice(secrets, func(i, j int) bool {
			if len(secrets[i]) != len(secrets[j]) {
				return len(secrets[i]) > len(secrets[j])
			}
			return secrets[i] < secrets[j]
		})
		pairs := make([]string, 0, 2*len(secrets))
		for _, k := range secrets {
			pairs = append(pairs, k, Placeholder)
		}
		replacer = strings.NewReplacer(pairs...)
	}
	return replacer
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
	s = knownReplacer().Replace(s)
	// Each pattern runs only where its fixed part occurs: a regular
	// expression over 100 MB of token list costs seconds, a substring
	// search milliseconds.
	if strings.Contains(s, "dapi") {
		s = patToken().ReplaceAllString(s, Placeholder)
	}
	if containsFold(s, "authorization") || containsFold(s, "-token") {
		s = credHeader().ReplaceAllString(s, "${1}"+Placeholder)
	}
	if containsFold(s, "bearer") {
		s = bearer().ReplaceAllString(s, "${1}"+Placeholder)
	}
	return s
}

// kelvin is the one letter outside ASCII that (?i) matches with an ASCII
// letter of the patterns ("k" in "token").
const kelvin = "\u212a"

// containsFold reports whether s might match sub (lower-case ASCII)
// case-insensitively, as the patterns' (?i) would.
func containsFold(s, sub string) bool {
	if strings.Contains(sub, "k") && strings.Contains(s, kelvin) {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
