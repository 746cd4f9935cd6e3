package output

import (
	"bytes"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-runewidth"
)

// gap is the space between columns of a terminal table.
const gap = 2

// minFlex is the narrowest a flexible column gets: room for a few
// characters and the ellipsis.
const minFlex = 6

// renderTable is the "table" format (and "wide"): a summary for single
// objects, otherwise the result's table.
func renderTable(out *Rendered, v any, c *Context) error {
	if s, ok := v.(Summarized); ok {
		writeSummary(&out.Stdout, s.Summary(), c)
	} else if t, ok := v.(Tabular); ok {
		tab := t.Table()
		if len(tab.Rows) == 0 {
			if tab.Empty != "" {
				out.Notes = append(out.Notes, tab.Empty)
			}
		} else {
			writeTable(&out.Stdout, tab, c)
		}
	} else {
		return errNoForm("table", v)
	}
	if n, ok := v.(Noted); ok {
		out.Notes = append(out.Notes, n.Notes(c)...)
	}
	return nil
}

func renderWide(out *Rendered, v any, c *Context) error {
	wide := *c
	wide.Wide = true
	return renderTable(out, v, &wide)
}

// visible is the columns a layout shows, by index.
func visible(columns []Column, c *Context) []int {
	var idx []int
	for i, col := range columns {
		if !col.Wide || c.Wide {
			idx = append(idx, i)
		}
	}
	return idx
}

// rowSource is a table's rows, one at a time: a Table's own, or those of
// a long list that is never held as cells all at once.
type rowSource struct {
	n  int
	at func(i int) Row
}

// writeTable lays t out for a person (aligned, cut to the terminal's width,
// coloured) or, off a terminal, as tab-separated lines without a header
// that grep, cut and awk can take apart.
func writeTable(b *bytes.Buffer, t Table, c *Context) {
	_ = writeRows(b, t.Columns, rowSource{n: len(t.Rows), at: func(i int) Row { return t.Rows[i] }}, c, nil)
}

// writeRows is writeTable over any rows; after, when set, runs after each
// row, so that a long table can be written out as it goes. On a terminal
// the rows are visited twice: once for the column widths, once to print.
func writeRows(b *bytes.Buffer, columns []Column, rows rowSource, c *Context, after func() error) error {
	cols := visible(columns, c)
	cellsOf := func(row Row) []string {
		line := make([]string, len(cols))
		for i, ci := range cols {
			if ci < len(row.Cells) {
				line[i] = row.Cells[ci].String(c)
			}
		}
		return line
	}
	done := func() error {
		if after == nil {
			return nil
		}
		return after()
	}
	if !c.TTY {
		for r := 0; r < rows.n; r++ {
			b.WriteString(strings.Join(cellsOf(rows.at(r)), "\t"))
			b.WriteByte('\n')
			if err := done(); err != nil {
				return err
			}
		}
		return nil
	}
	widths := make([]int, len(cols))
	values := make([]int, len(cols)) // the widest value of each column
	flex := make([]bool, len(cols))
	header := make([]string, len(cols))
	for r := 0; r < rows.n; r++ {
		for i, s := range cellsOf(rows.at(r)) {
			values[i] = max(values[i], runewidth.StringWidth(s))
		}
	}
	for i, ci := range cols {
		header[i] = columns[ci].Header
		widths[i] = max(values[i], runewidth.StringWidth(header[i]))
		flex[i] = columns[ci].Flex
	}
	if c.Width > 0 && !c.Wide {
		// Too wide: first the short headers, where a header is wider than
		// its column's values, then the flexible columns give way.
		for i, ci := range cols {
			if short := columns[ci].Short; short != "" && values[i] < runewidth.StringWidth(header[i]) && tableWidth(widths) > c.Width {
				header[i] = short
				widths[i] = max(values[i], runewidth.StringWidth(short))
			}
		}
		fit(widths, flex, c.Width)
		for i, ci := range cols {
			// A flexible column squeezed below its header takes the short
			// one if that fits better.
			if short := columns[ci].Short; short != "" && widths[i] < runewidth.StringWidth(header[i]) {
				header[i] = short
			}
		}
	}
	writeRow := func(line []string, style Style, styles []Style) {
		var lb strings.Builder
		for i, s := range line {
			text := runewidth.Truncate(s, widths[i], "…")
			st := style
			if styles != nil && styles[i] != Plain {
				st = styles[i]
			}
			// Paint only the text, not the padding, so that escape codes
			// never count towards alignment.
			lb.WriteString(paint(c, st, text))
			if i < len(line)-1 {
				lb.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(text)+gap))
			}
		}
		line0 := lb.String()
		if c.Width > 0 && !c.Wide && runewidth.StringWidth(stripANSI(line0)) > c.Width {
			// Still too wide after every flexible column gave way: cut the
			// line rather than let the terminal wrap it.
			line0 = runewidth.Truncate(stripANSI(line0), c.Width, "…")
		}
		b.WriteString(strings.TrimRight(line0, " "))
		b.WriteByte('\n')
	}
	writeRow(header, Plain, nil)
	for r := 0; r < rows.n; r++ {
		row := rows.at(r)
		styles := make([]Style, len(cols))
		for i, ci := range cols {
			if ci < len(row.Cells) {
				styles[i] = row.Cells[ci].style
			}
		}
		writeRow(cellsOf(row), row.Style, styles)
		if err := done(); err != nil {
			return err
		}
	}
	return nil
}

// tableWidth is the width of a table with these column widths.
func tableWidth(widths []int) int {
	total := gap * (len(widths) - 1)
	for _, w := range widths {
		total += w
	}
	return total
}

// fit narrows the flexible columns, widest first, until the table fits
// max or none can give more.
func fit(widths []int, flex []bool, max int) {
	for over := tableWidth(widths) - max; over > 0; over-- {
		widest := -1
		for i, w := range widths {
			if flex[i] && w > minFlex && (widest < 0 || w > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return
		}
		widths[widest]--
	}
}

func paint(c *Context, s Style, text string) string {
	if !c.Color || s == Plain || text == "" {
		return text
	}
	attr := map[Style]color.Attribute{Good: color.FgGreen, Warn: color.FgYellow, Bad: color.FgRed}[s]
	p := color.New(attr)
	p.EnableColor()
	return p.Sprint(text)
}

func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// writeSummary prints "Label:    value" lines.
func writeSummary(b *bytes.Buffer, fields []Field, c *Context) {
	for _, f := range fields {
		parts := make([]string, 0, len(f.Cells))
		for _, cell := range f.Cells {
			parts = append(parts, paint(c, cell.style, cell.String(c)))
		}
		line := strings.Join(parts, " ")
		switch {
		case f.Label == "" && len(f.Cells) == 0:
			b.WriteByte('\n')
			continue
		case f.Label == "":
		default:
			line = padRight(f.Label, 10) + " " + line
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
}

func padRight(s string, n int) string {
	if w := runewidth.StringWidth(s); w < n {
		return s + strings.Repeat(" ", n-w)
	}
	return s
}
