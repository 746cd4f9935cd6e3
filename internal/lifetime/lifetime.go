// Package lifetime parses the --lifetime flag: durations with day and week
// units, in whole seconds, as the Token API's lifetime_seconds wants them.
package lifetime

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/xhit/go-str2duration/v2"
)

const hint = "use a duration such as 100d, 2w, 36h, 90m or 1w2d"

// maxLifetime is far beyond any workspace's limit (730 days), but keeps
// arithmetic on the result from overflowing.
const maxLifetime = 100 * 365 * 24 * time.Hour

// LooksLikeDate reports whether s is a date or timestamp rather than a
// duration, so flags can say which form they take.
func LooksLikeDate(s string) bool {
	_, err := ParseDate(s)
	return err == nil
}

// DateShaped reports whether s has a date's shape (a four-digit year,
// then digits and dashes) whatever its values, so that 2026-13-01 can be
// called an invalid date rather than a duration with an odd unit.
func DateShaped(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 8 || s[4] != '-' {
		return false
	}
	for _, r := range s {
		if r != '-' && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// ParseDate accepts YYYY-MM-DD (midnight UTC) and RFC 3339 timestamps.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// Parse returns the lifetime in whole seconds. It rejects anything the API
// would reject or silently round: zero, negative, sub-second and unknown
// units (notably "y" and "mo", whose length is ambiguous).
func Parse(s string) (int64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, fmt.Errorf("lifetime is empty: %s", hint)
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("lifetime %q is negative: %s", s, hint)
	}
	if bad := firstNonASCII(s); bad != 0 {
		return 0, fmt.Errorf("lifetime %q contains %q: %s", s, bad, hint)
	}
	d, err := str2duration.ParseDuration(s)
	if err != nil {
		return 0, explain(s, err)
	}
	if d <= 0 {
		return 0, fmt.Errorf("lifetime %q must be longer than zero: %s", s, hint)
	}
	if d > maxLifetime {
		return 0, fmt.Errorf("lifetime %q is too large", s)
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("lifetime %q is not a whole number of seconds: %s", s, hint)
	}
	return int64(d / time.Second), nil
}

func firstNonASCII(s string) rune {
	for _, r := range s {
		if r > unicode.MaxASCII || unicode.IsSpace(r) {
			return r
		}
	}
	return 0
}

// explain rewords the library's errors, which speak of "time: invalid
// duration", into something that tells the user what to type instead.
func explain(s string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "missing unit"):
		if isDigits(s) {
			// Never suggest seconds: "100" is far likelier meant as days.
			return fmt.Errorf("lifetime %q has no unit: add a unit: %sd for days, %sh for hours", s, s, s)
		}
		return fmt.Errorf("lifetime %q has a number without a unit: %s", s, hint)
	case strings.Contains(msg, "unknown unit"):
		unit := unknownUnit(s)
		switch unit {
		case "y", "yr":
			return fmt.Errorf("lifetime %q: unit %q is ambiguous, use days instead (e.g. 365d)", s, unit)
		case "mo", "M", "mon":
			return fmt.Errorf("lifetime %q: unit %q is ambiguous, use days instead (e.g. 30d)", s, unit)
		}
		return fmt.Errorf("lifetime %q: unknown unit %q (units: w, d, h, m, s)", s, unit)
	}
	if isTooLarge(s) {
		return fmt.Errorf("lifetime %q is too large", s)
	}
	return fmt.Errorf("lifetime %q is not a duration: %s", s, hint)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func unknownUnit(s string) string {
	start := strings.IndexFunc(s, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	if start < 0 {
		return ""
	}
	rest := s[start:]
	end := strings.IndexFunc(rest, func(r rune) bool { return r >= '0' && r <= '9' || r == '.' })
	if end < 0 {
		return rest
	}
	return rest[:end]
}

// wellFormed matches what the library accepts syntactically, so that an
// "invalid duration" error on a well-formed value can only mean overflow.
// Compiled on first use, not at start-up: most runs never need it.
var wellFormed = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|ms|s|m|h|d|w)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|ms|s|m|h|d|w))*$`)
})

func isTooLarge(s string) bool { return wellFormed().MatchString(s) }
