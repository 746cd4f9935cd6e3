package output

import (
	"io"
	"strings"
	"unicode"

	"github.com/mattn/go-runewidth"
)

// TablePrinter aligns columns by display width, so wide characters (CJK,
// emoji) line up, which text/tabwriter cannot do as it counts runes.
type TablePrinter struct {
	w        io.Writer
	maxWidth int // terminal width; 0 means never truncate
	header   []string
	rows     [][]cell
	// Truncate names the column that gives up width when the table is
	// wider than the terminal; -1 for none.
	Truncate int
}

type cell struct {
	text  string
	paint func(string) string
}

// NewTable starts a table. maxWidth is the terminal's width, 0 off-terminal.
func NewTable(w io.Writer, maxWidth int, header ...string) *TablePrinter {
	return &TablePrinter{w: w, maxWidth: maxWidth, header: header, Truncate: -1}
}

// AddRow adds a row; paint (may be nil) colours the whole row.
func (t *TablePrinter) AddRow(paint func(string) string, fields ...string) {
	row := make([]cell, len(fields))
	for i, f := range fields {
		row[i] = cell{text: Sanitize(f), paint: paint}
	}
	t.rows = append(t.rows, row)
}

const gap = 2

func (t *TablePrinter) Render() error {
	widths := make([]int, len(t.header))
	measure := func(i int, s string) {
		if i < len(widths) {
			widths[i] = max(widths[i], runewidth.StringWidth(s))
		}
	}
	for i, h := range t.header {
		measure(i, h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			measure(i, c.text)
		}
	}
	t.shrink(widths)

	var b strings.Builder
	writeLine := func(cells []cell) {
		for i, c := range cells {
			if i >= len(widths) {
				break
			}
			text := runewidth.Truncate(c.text, widths[i], "…")
			padded := text
			if i < len(cells)-1 {
				padded = runewidth.FillRight(text, widths[i]+gap)
			}
			if c.paint != nil {
				// Paint only the text, not the padding, so that escape
				// codes never count towards alignment.
				padded = c.paint(text) + padded[len(text):]
			}
			b.WriteString(padded)
		}
		b.WriteString("\n")
	}
	hdr := make([]cell, len(t.header))
	for i, h := range t.header {
		hdr[i] = cell{text: h}
	}
	writeLine(hdr)
	for _, r := range t.rows {
		writeLine(r)
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

func (t *TablePrinter) shrink(widths []int) {
	if t.maxWidth <= 0 || t.Truncate < 0 || t.Truncate >= len(widths) {
		return
	}
	total := 0
	for _, w := range widths {
		total += w + gap
	}
	total -= gap
	if over := total - t.maxWidth; over > 0 {
		const minWidth = 10
		widths[t.Truncate] = max(minWidth, widths[t.Truncate]-over)
	}
}

// Sanitize makes server-supplied text safe for a one-line table cell:
// control characters (newlines, escape sequences) are shown escaped
// instead of moving the cursor or recolouring the terminal.
func Sanitize(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r):
			b.WriteString(`\x`)
			const hex = "0123456789abcdef"
			b.WriteByte(hex[r>>4&0xf])
			b.WriteByte(hex[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
