package output

import (
	"fmt"
	"time"
)

// Relative renders t against now the way a person scans a list: "in 12d",
// "3h ago". Precision drops as the distance grows.
func Relative(now, t time.Time) string {
	d := t.Sub(now)
	if d >= 0 {
		return "in " + Span(d)
	}
	return Span(-d) + " ago"
}

// Span renders a duration in its largest sensible unit.
func Span(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
}

// Timestamp is the absolute form used off-terminal and in JSON.
func Timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
