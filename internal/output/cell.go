package output

import (
	"strings"
	"time"
)

// ShortIDLen is how much of a token ID a terminal table shows: a 64-digit
// ID would leave no room for the comment. Commands accept such prefixes.
const ShortIDLen = 12

// Cell is one value of a table or summary; its kind decides how it reads
// on a terminal and off it.
type Cell struct {
	kind  cellKind
	text  string
	t     time.Time
	style Style
}

type cellKind int

const (
	textCell   cellKind = iota
	idCell              // shortened on a terminal
	timeCell            // relative on a terminal, RFC 3339 otherwise
	expiryCell          // a time, "never" when zero, "expired" once past (on a terminal)
	dayCell             // a day: "today", "12d ago" on a terminal, YYYY-MM-DD otherwise; "never" when zero
	stampCell           // a timestamp, with the relative time after it on a terminal
)

// Text is a cell shown as it is (escaped for a terminal).
func Text(s string) Cell { return Cell{kind: textCell, text: s} }

// ID is a token ID.
func ID(s string) Cell { return Cell{kind: idCell, text: s} }

// Time is a point in time.
func Time(t time.Time) Cell { return Cell{kind: timeCell, t: t} }

// Expiry is an expiry time; the zero time means the token never expires.
func Expiry(t time.Time) Cell { return Cell{kind: expiryCell, t: t} }

// Day is a calendar day (UTC); the zero time means never.
func Day(t time.Time) Cell { return Cell{kind: dayCell, t: t} }

// Stamp is a timestamp that also says how far away it is, for summaries;
// the zero time reads "never".
func Stamp(t time.Time) Cell { return Cell{kind: stampCell, t: t} }

// Styled gives the cell its own colour.
func (c Cell) Styled(s Style) Cell { c.style = s; return c }

// Join is several texts as one cell.
func Join(sep string, parts []string) Cell { return Text(strings.Join(parts, sep)) }

// String renders the cell for c, uncut and unpainted.
func (cell Cell) String(c *Context) string {
	human := c.TTY && !c.Absolute
	switch cell.kind {
	case idCell:
		if c.TTY && !c.Wide && len(cell.text) > ShortIDLen {
			return Sanitize(cell.text[:ShortIDLen])
		}
		return Sanitize(cell.text)
	case timeCell:
		if cell.t.IsZero() {
			return ""
		}
		if human {
			return Relative(c.Now, cell.t)
		}
		return Timestamp(cell.t)
	case expiryCell:
		switch {
		case cell.t.IsZero():
			return "never"
		case !human:
			return Timestamp(cell.t)
		case !cell.t.After(c.Now):
			return "expired"
		}
		return Relative(c.Now, cell.t)
	case dayCell:
		switch {
		case cell.t.IsZero():
			return "never"
		case !human:
			return cell.t.UTC().Format(time.DateOnly)
		case c.Now.Sub(cell.t) < 24*time.Hour:
			return "today"
		}
		return Relative(c.Now, cell.t)
	case stampCell:
		if cell.t.IsZero() {
			return "never"
		}
		s := Timestamp(cell.t)
		if c.TTY {
			s += " (" + Relative(c.Now, cell.t) + ")"
		}
		return s
	}
	if c.TTY {
		return Sanitize(cell.text)
	}
	// Off a terminal, tables are tab-separated: a tab or newline inside a
	// value would break the row.
	return tsvEscaper.Replace(cell.text)
}

// tsvEscaper is built once: building a Replacer costs more than using it,
// and a table of 200,000 tokens has a million cells.
var tsvEscaper = strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`)

// Raw is the cell's complete value for machine formats (CSV): full IDs,
// timestamps, text as it is.
func (cell Cell) Raw() string {
	switch cell.kind {
	case timeCell, stampCell:
		if cell.t.IsZero() {
			return ""
		}
		return Timestamp(cell.t)
	case expiryCell:
		if cell.t.IsZero() {
			return "never"
		}
		return Timestamp(cell.t)
	case dayCell:
		if cell.t.IsZero() {
			return ""
		}
		return cell.t.UTC().Format(time.DateOnly)
	}
	return cell.text
}
