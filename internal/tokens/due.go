package tokens

import (
	"fmt"
	"strings"
	"time"
)

// Due is a conditional rotation's test (rotate --if-expiring-within,
// --if-older-than), as cron runs it daily: a token is due when it stops
// working (expiry, or the unused-token rule when last use is listed)
// within Within, or when it was created more than OlderThan ago. Either
// is enough; a zero duration is not asked.
type Due struct {
	Within    time.Duration
	OlderThan time.Duration
}

// Active reports whether the rotation is conditional at all.
func (d Due) Active() bool { return d.Within > 0 || d.OlderThan > 0 }

// Check reports whether t is due at now, and why (or why not) in words.
func (d Due) Check(t Token, now time.Time) (bool, string) {
	due := false
	var why []string
	if d.Within > 0 {
		at, byUnused, ok := t.Ends()
		what := "expires"
		if byUnused {
			what = "is revoked by the 90-day unused-token rule"
		}
		switch {
		case !ok:
			why = append(why, "it never expires")
		case !at.After(now):
			due = true
			why = append(why, fmt.Sprintf("it expired on %s", day(at)))
		case !at.After(now.Add(d.Within)):
			due = true
			why = append(why, fmt.Sprintf("it %s in %s (%s), within %s", what, roughly(at.Sub(now)), day(at), span(d.Within)))
		default:
			why = append(why, fmt.Sprintf("it %s in %s (%s), not within %s", what, roughly(at.Sub(now)), day(at), span(d.Within)))
		}
	}
	if d.OlderThan > 0 && t.CreationTime > 0 {
		age := now.Sub(t.Created())
		if age > d.OlderThan {
			due = true
			why = append(why, fmt.Sprintf("it was created %s ago, more than %s", roughly(age), span(d.OlderThan)))
		} else {
			why = append(why, fmt.Sprintf("it was created %s ago, not more than %s", roughly(age), span(d.OlderThan)))
		}
	}
	return due, strings.Join(why, "; ")
}

// roughly is a duration in words, in whole days (smaller units below two
// of the next).
func roughly(d time.Duration) string {
	unit, name := 24*time.Hour, "day"
	switch {
	case d < 2*time.Minute:
		unit, name = time.Second, "second"
	case d < 2*time.Hour:
		unit, name = time.Minute, "minute"
	case d < 48*time.Hour:
		unit, name = time.Hour, "hour"
	}
	n := int(d / unit)
	if n == 1 {
		return "1 " + name
	}
	return fmt.Sprintf("%d %ss", n, name)
}
