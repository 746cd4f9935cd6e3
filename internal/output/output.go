// Package output renders what commands return: one format, chosen once
// from -o, turns a result value into stdout. Commands never branch on the
// format; a result offers its JSON form (its struct and tags, which are
// the contract), a table of semantic cells, and for single objects a
// summary, and the printer picks what the format needs.
package output

import (
	"time"
)

// Context is what a format knows about where its output goes.
type Context struct {
	// TTY selects the layout for people: aligned columns cut to Width,
	// short IDs, relative times. Off a terminal tables are tab-separated
	// and complete, for grep and cut.
	TTY bool
	// Width is the terminal's width; 0 means unlimited.
	Width int
	// Color paints styled cells.
	Color bool
	// Absolute shows times as timestamps even on a terminal.
	Absolute bool
	// Wide shows every column, uncut (-o wide).
	Wide bool
	// Now is what relative times are relative to.
	Now time.Time
	// Filter is --jq or --template, applied to the JSON form.
	Filter *Filter
}

// JSONer results have a JSON form other than themselves (a list result is
// a JSON array). Results without it are their own JSON form.
type JSONer interface{ JSONValue() any }

// jsonForm is v's JSON form.
func jsonForm(v any) any {
	if j, ok := v.(JSONer); ok {
		return j.JSONValue()
	}
	return v
}

// Tabular results render as a table, and as CSV.
type Tabular interface{ Table() Table }

// Summarized results are single objects shown to people as "Label: value"
// lines rather than as a one-row table.
type Summarized interface{ Summary() []Field }

// Noted results have lines for people on stderr (table formats only):
// "3 tokens matched.", "Copy the token now".
type Noted interface{ Notes(c *Context) []string }

// Table is rows of semantic cells: the format decides how an ID, a time
// or an expiry reads.
type Table struct {
	Columns []Column
	Rows    []Row
	// Empty is said on stderr, instead of an empty table, when there are
	// no rows.
	Empty string
}

// Column describes one column.
type Column struct {
	Header string
	// Flex columns (comments, names) give up width first when the table
	// is wider than the terminal.
	Flex bool
	// Wide columns appear only with -o wide (and in CSV).
	Wide bool
	// Short is a narrower header ("USED" for "LAST USED") for a terminal
	// too narrow for the full one: a column is never wider than its
	// values only to fit its header.
	Short string
}

// Row is one table row; Style colours it on a terminal.
type Row struct {
	Cells []Cell
	Style Style
}

// Field is one line of a summary: a label and its value. A Field without
// a label prints its cells joined by spaces; a zero Field is a blank line.
type Field struct {
	Label string
	Cells []Cell
}

// F is a Field with one value.
func F(label string, c Cell) Field { return Field{Label: label, Cells: []Cell{c}} }

// Style is a row's or a cell's meaning, shown as colour on a terminal.
type Style int

const (
	Plain Style = iota
	Good        // green: done
	Warn        // yellow: needs attention soon
	Bad         // red: expired, failed
)
