package output

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/redact"
)

// Lister results are long lists (an admin's 200,000 tokens are 80 MB of
// JSON): JSON, table and CSV output ask for one element at a time and
// write it out as they go, so that output never holds the whole list, as
// text or as cells. Other formats (YAML, --jq, --template) see the list
// as an ordinary JSON array and table.
type Lister interface {
	// ListHeader is the table's columns and its Empty note; no rows.
	ListHeader() Table
	Len() int
	// JSONAt is element i's JSON form; RowAt its table row.
	JSONAt(i int) any
	RowAt(i int) Row
}

// streamChunk is how much output is gathered, at element boundaries,
// before it is scrubbed and written: a secret never spans two elements,
// so scrubbing chunk by chunk misses nothing.
const streamChunk = 64 << 10

// streamer writes a Lister's output in chunks.
type streamer struct {
	p   *Printer
	ctx context.Context
	buf bytes.Buffer
	n   int
}

// element ends an element: the chunk is written out once it is large
// enough, and a Ctrl-C stops the output between elements.
func (s *streamer) element() error {
	if s.n++; s.n%1024 == 0 {
		if err := s.ctx.Err(); err != nil {
			return failure.Interrupted(err)
		}
	}
	if s.buf.Len() < streamChunk {
		return nil
	}
	return s.flush()
}

func (s *streamer) flush() error {
	if s.buf.Len() == 0 {
		return nil
	}
	b := s.buf.Bytes()
	if s.p.f.name == "json" && s.p.ctx.TTY {
		b = sanitizeJSON(b)
	}
	_, err := s.p.out.Write([]byte(redact.String(string(b))))
	s.buf.Reset()
	return err
}

// streams reports whether v is printed element by element.
func (p *Printer) streams(v any) (Lister, bool) {
	l, ok := v.(Lister)
	if !ok {
		return nil, false
	}
	switch p.f.name {
	case "json":
		return l, p.ctx.Filter == nil
	case "table", "wide", "csv", "jsonl":
		return l, true
	}
	return nil, false
}

// stream prints l in the printer's format, then its notes.
func (p *Printer) stream(ctx context.Context, l Lister, v any) error {
	s := &streamer{p: p, ctx: ctx}
	c := &p.ctx
	var err error
	var notes []string
	switch p.f.name {
	case "json":
		err = s.json(l)
	case "jsonl":
		err = s.jsonl(l)
	case "csv":
		err = s.csv(l, c)
	default:
		if p.f.name == "wide" {
			wide := *c
			wide.Wide = true
			c = &wide
		}
		head := l.ListHeader()
		if l.Len() == 0 {
			if head.Empty != "" {
				notes = append(notes, head.Empty)
			}
			break
		}
		err = writeRows(&s.buf, head.Columns, rowSource{n: l.Len(), at: l.RowAt}, c, s.element)
	}
	if err == nil {
		err = s.flush()
	}
	if err != nil {
		return err
	}
	if n, ok := v.(Noted); ok && p.human() {
		notes = append(notes, n.Notes(c)...)
	}
	return p.Write(&Rendered{Notes: notes})
}

// human reports whether the format is for people (a table), whose notes
// go to stderr; machine formats carry everything in their output.
func (p *Printer) human() bool {
	switch p.f.name {
	case "json", "jsonl", "csv":
		return false
	}
	return true
}

// jsonl writes l as JSON Lines, an element at a time.
func (s *streamer) jsonl(l Lister) error {
	for i := 0; i < l.Len(); i++ {
		if err := jsonLine(&s.buf, l.JSONAt(i)); err != nil {
			return err
		}
		if err := s.element(); err != nil {
			return err
		}
	}
	if e, ok := l.(Enveloped); ok {
		if _, rest, ok := e.Envelope(); ok {
			return writeJSONL(&s.buf, envelope{rest: rest})
		}
	}
	return nil
}

// json writes the bytes WriteJSON would write for the array, or for an
// Enveloped list's object.
func (s *streamer) json(l Lister) error {
	indent := ""
	var env envelope
	if e, ok := l.(Enveloped); ok {
		if key, rest, ok := e.Envelope(); ok {
			env = envelope{key: key, rest: rest}
			// The object's first field: the elements, a level deeper.
			kb, _ := json.Marshal(key)
			s.buf.WriteString("{\n  " + string(kb) + ": ")
			indent = "  "
		}
	}
	if l.Len() == 0 {
		s.buf.WriteString("[]")
	} else {
		var elem bytes.Buffer
		enc := json.NewEncoder(&elem)
		enc.SetIndent(indent+"  ", "  ")
		enc.SetEscapeHTML(false)
		s.buf.WriteString("[\n")
		for i := 0; i < l.Len(); i++ {
			elem.Reset()
			if err := enc.Encode(l.JSONAt(i)); err != nil {
				return err
			}
			s.buf.WriteString(indent + "  ")
			s.buf.Write(bytes.TrimSuffix(elem.Bytes(), []byte("\n")))
			if i < l.Len()-1 {
				s.buf.WriteString(",")
			}
			s.buf.WriteString("\n")
			if err := s.element(); err != nil {
				return err
			}
		}
		s.buf.WriteString(indent + "]")
	}
	if indent != "" {
		for _, k := range env.restKeys() {
			b, err := json.MarshalIndent(env.rest[k], "  ", "  ")
			if err != nil {
				return err
			}
			kb, _ := json.Marshal(k)
			s.buf.WriteString(",\n  " + string(kb) + ": ")
			s.buf.Write(b)
		}
		s.buf.WriteString("\n}")
	}
	s.buf.WriteString("\n")
	return nil
}

func (s *streamer) csv(l Lister, c *Context) error {
	head := l.ListHeader()
	w := csv.NewWriter(&s.buf)
	if err := w.Write(csvHeader(head.Columns)); err != nil {
		return err
	}
	for i := 0; i < l.Len(); i++ {
		if err := w.Write(csvRecord(head.Columns, l.RowAt(i), c)); err != nil {
			return err
		}
		w.Flush()
		if err := s.element(); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// listValue is a Lister as an ordinary result, for the formats that need
// the whole list at once.
type listValue struct {
	Lister
	v any
}

func (l listValue) JSONValue() any {
	out := make([]any, l.Len())
	for i := range out {
		out[i] = l.JSONAt(i)
	}
	if e, ok := l.Lister.(Enveloped); ok {
		if key, rest, ok := e.Envelope(); ok {
			return envelope{key: key, items: out, rest: rest}
		}
	}
	return out
}

func (l listValue) Table() Table {
	t := l.ListHeader()
	t.Rows = make([]Row, l.Len())
	for i := range t.Rows {
		t.Rows[i] = l.RowAt(i)
	}
	return t
}

func (l listValue) Notes(c *Context) []string {
	if n, ok := l.v.(Noted); ok {
		return n.Notes(c)
	}
	return nil
}

// asValue turns a Lister into what the whole-output formats take.
func asValue(v any) any {
	if l, ok := v.(Lister); ok {
		if _, ok := v.(JSONer); !ok {
			return listValue{Lister: l, v: v}
		}
	}
	return v
}

// Feed prints a list as its elements arrive, without holding them: for
// the formats that need nothing of a later element to print an earlier
// one (JSON without --jq or --template, CSV, and a table off a terminal,
// which is tab-separated). ok is false for the others, which need the
// whole list (a terminal table's column widths, YAML, filters).
func (p *Printer) Feed(ctx context.Context, header Table) (feed *Feed, ok bool) {
	switch {
	case p.f.name == "json" && p.ctx.Filter == nil:
	case p.f.name == "csv":
	case (p.f.name == "table" || p.f.name == "wide") && !p.ctx.TTY:
	default:
		return nil, false
	}
	c := p.ctx
	if p.f.name == "wide" {
		c.Wide = true
	}
	return &Feed{s: &streamer{p: p, ctx: ctx}, header: header, c: &c}, true
}

// Feed is a list being printed as it arrives.
type Feed struct {
	s      *streamer
	header Table
	c      *Context
	n      int
	elem   bytes.Buffer
}

// Len is how many elements have been printed.
func (f *Feed) Len() int { return f.n }

// Add prints one element; of its forms, only the one the format needs is
// asked for.
func (f *Feed) Add(jsonForm func() any, row func() Row) error {
	b := &f.s.buf
	switch f.s.p.f.name {
	case "json":
		f.elem.Reset()
		enc := json.NewEncoder(&f.elem)
		enc.SetIndent("  ", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(jsonForm()); err != nil {
			return err
		}
		if f.n == 0 {
			b.WriteString("[\n  ")
		} else {
			b.WriteString(",\n  ")
		}
		b.Write(bytes.TrimSuffix(f.elem.Bytes(), []byte("\n")))
	case "csv":
		w := csv.NewWriter(b)
		if f.n == 0 {
			_ = w.Write(csvHeader(f.header.Columns))
		}
		_ = w.Write(csvRecord(f.header.Columns, row(), f.c))
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
	default:
		r := row()
		_ = writeRows(b, f.header.Columns, rowSource{n: 1, at: func(int) Row { return r }}, f.c, nil)
	}
	f.n++
	return f.s.element()
}

// Close ends the output (the JSON array's end, a CSV's header when
// nothing came) and prints the notes: the table's Empty note when nothing
// came, and v's notes for tables.
func (f *Feed) Close(v any) error {
	var notes []string
	switch name := f.s.p.f.name; {
	case name == "json" && f.n == 0:
		f.s.buf.WriteString("[]\n")
	case name == "json":
		f.s.buf.WriteString("\n]\n")
	case name == "csv" && f.n == 0:
		w := csv.NewWriter(&f.s.buf)
		_ = w.Write(csvHeader(f.header.Columns))
		w.Flush()
	case f.n == 0 && f.header.Empty != "":
		notes = append(notes, f.header.Empty)
	}
	if err := f.s.flush(); err != nil {
		return err
	}
	if n, ok := v.(Noted); ok && f.s.p.f.name != "json" && f.s.p.f.name != "csv" {
		notes = append(notes, n.Notes(f.c)...)
	}
	return f.s.p.Write(&Rendered{Notes: notes})
}
