package output

import (
	"fmt"
	"time"
)

// Relative renders t against now the way a person scans a list: "in 12d",
// "3h ago". Precision drops as the distance grows.
func Relative(now, t time.Time) string {
	d := t.Sub(now)
	if d > -justNow && d < justNow {
		// Clocks of client and workspace differ by a little: a token
		// created a moment ago must not read "in 0s".
		return "just now"
	}
	if d >= 0 {
		return "in " + Span(d)
	}
	return Span(-d) + " ago"
}

// justNow is how close to now a time reads "just now".
const justNow = 5 * time.Second

// Span renders a duration in its largest sensible unit, rounded to the
// nearest: a 100-day token created a moment ago expires "in 100d", not
// "in 99d".
func Span(d time.Duration) string {
	round := func(unit time.Duration) int { return int((d + unit/2) / unit) }
	switch {
	case d < time.Minute-time.Second/2:
		return fmt.Sprintf("%ds", round(time.Second))
	case d < time.Hour-time.Minute/2:
		return fmt.Sprintf("%dm", round(time.Minute))
	case d < 48*time.Hour-time.Hour/2:
		return fmt.Sprintf("%dh", round(time.Hour))
	default:
		return fmt.Sprintf("%dd", round(24*time.Hour))
	}
}

// Count is "1 token", "2 tokens".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Timestamp is the absolute form used off-terminal and in JSON.
func Timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
