package output_test

import (
	"context"
	"fmt"
	"io"

	"bytes"
	"encoding/json"
	"github.com/dbtok/dbtok/internal/output"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// table is a small Tabular for tests.
type table output.Table

func (t table) Table() output.Table { return output.Table(t) }

func render(t *testing.T, format string, c output.Context, v any) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	p, err := output.NewPrinter(output.Choice{Format: format}, c, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Print(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

func sample(comments ...string) table {
	tab := table{Columns: []output.Column{{Header: "ID"}, {Header: "COMMENT", Flex: true}, {Header: "EXPIRES"}}}
	for i, c := range comments {
		style := output.Plain
		if i == 2 {
			style = output.Bad
		}
		tab.Rows = append(tab.Rows, output.Row{Cells: []output.Cell{output.ID(fmt.Sprintf("%064d", i)), output.Text(c), output.Text("in 3d")}, Style: style})
	}
	return tab
}

func TestTableAlignsByDisplayWidth(t *testing.T) {
	out, _ := render(t, "table", output.Context{TTY: true, Color: true}, sample("日本語のコメント", "🚀 deploy", "plain"))
	plain := regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(out, "")
	lines := strings.Split(strings.TrimSuffix(plain, "\n"), "\n")
	col := -1
	for _, l := range lines {
		// The third column starts at the same display column on every line.
		i := strings.LastIndex(l, "  ")
		w := runewidth.StringWidth(l[:i+2])
		if col >= 0 && w != col {
			t.Fatalf("misaligned:\n%s", out)
		}
		col = w
		if !strings.HasPrefix(l, "ID") && strings.Index(l, " ") != output.ShortIDLen {
			t.Errorf("ID not shortened on a terminal: %q", l)
		}
	}
	if !strings.Contains(out, "\x1b[31mplain\x1b[0m   ") {
		t.Errorf("paint must wrap the cell text, not its padding: %q", out)
	}
}

func TestTableOffTerminalIsTabSeparated(t *testing.T) {
	out, _ := render(t, "table", output.Context{}, sample("a\tb", "c"))
	want := fmt.Sprintf("%064d\ta\\tb\tin 3d\n%064d\tc\tin 3d\n", 0, 1)
	if out != want {
		t.Errorf("piped table:\n%q\nwant\n%q", out, want)
	}
}

func TestTableFitsTheTerminal(t *testing.T) {
	for _, width := range []int{40, 80, 200} {
		out, _ := render(t, "table", output.Context{TTY: true, Width: width}, sample(strings.Repeat("long comment ", 30)))
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if w := runewidth.StringWidth(l); w > width {
				t.Errorf("line is %d wide, terminal is %d: %q", w, width, l)
			}
		}
		if width < 200 && !strings.Contains(out, "…") {
			t.Errorf("truncation at %d columns is not marked", width)
		}
	}
	wide, _ := render(t, "wide", output.Context{TTY: true, Width: 40}, sample(strings.Repeat("long comment ", 30)))
	if !strings.Contains(wide, fmt.Sprintf("%064d", 0)) || strings.Contains(wide, "…") {
		t.Errorf("-o wide cut something:\n%s", wide)
	}
}

func TestEmptyTableIsANote(t *testing.T) {
	tab := table{Columns: []output.Column{{Header: "ID"}}, Empty: "No tokens."}
	out, errOut := render(t, "table", output.Context{TTY: true}, tab)
	if out != "" || errOut != "No tokens.\n" {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
	if out, _ := render(t, "json", output.Context{}, listJSON{}); out != "[]\n" {
		t.Errorf("json of an empty list: %q", out)
	}
}

type listJSON struct{}

func (listJSON) JSONValue() any { return []int{} }

func TestCSVAndYAMLAreOneFileEach(t *testing.T) {
	out, _ := render(t, "csv", output.Context{TTY: true}, sample("a,b", "c"))
	want := fmt.Sprintf("ID,COMMENT,EXPIRES\n%064d,\"a,b\",in 3d\n%064d,c,in 3d\n", 0, 1)
	if out != want {
		t.Errorf("csv:\n%s\nwant\n%s", out, want)
	}
	type obj struct {
		B string `json:"b"`
		A []int  `json:"a"`
	}
	y, _ := render(t, "yaml", output.Context{}, obj{B: "x: y", A: []int{1}})
	if y != "b: 'x: y'\na:\n  - 1\n" {
		t.Errorf("yaml keeps JSON key order and block style:\n%s", y)
	}
}

func TestUnknownFormatAndJQWithTable(t *testing.T) {
	if _, err := output.NewPrinter(output.Choice{Format: "xml", Source: "--output"}, output.Context{}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "use one of table, wide, json, jsonl, yaml, csv") {
		t.Errorf("err = %v", err)
	}
	if _, err := output.NewPrinter(output.Choice{Format: "table", Source: "--output", JQ: "."}, output.Context{}, io.Discard, io.Discard); err == nil {
		t.Error("--jq with -o table accepted")
	}
}

func TestJQAndTemplateOnATerminalAreEscaped(t *testing.T) {
	type obj struct {
		C string `json:"c"`
	}
	v := obj{C: "evil\x1b[31m\u202e"}
	for _, c := range []struct {
		jq, tmpl string
		tty      bool
		want     string
	}{
		{jq: ".c", tty: true, want: `evil\x1b[31m\u202e` + "\n"},
		{jq: ".c", tty: false, want: "evil\x1b[31m\u202e\n"},
		{tmpl: "{{.c}}", tty: true, want: `evil\x1b[31m\u202e`},
		{jq: ".", tty: true, want: `{"c":"evil\u001b[31m\u202e"}` + "\n"},
	} {
		var out bytes.Buffer
		p, err := output.NewPrinter(output.Choice{JQ: c.jq, Template: c.tmpl}, output.Context{TTY: c.tty}, &out, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Print(context.Background(), v); err != nil {
			t.Fatal(err)
		}
		if out.String() != c.want {
			t.Errorf("jq %q tmpl %q tty %v: %q, want %q", c.jq, c.tmpl, c.tty, out.String(), c.want)
		}
	}
}

func TestTemplateHelpers(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	p, err := output.NewPrinter(output.Choice{Template: `{{range .}}{{tablerow .id (timeago .at) (truncate 5 .c)}}{{end}}`}, output.Context{Now: now}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	data := []map[string]string{{"id": "a", "at": "2026-11-20T12:00:00Z", "c": "a long comment"}, {"id": "bbb", "at": "2026-12-03T12:00:00Z", "c": "x"}}
	if err := p.Print(context.Background(), data); err != nil {
		t.Fatal(err)
	}
	want := "a    3d ago  a lo…\nbbb  in 10d  x\n"
	if out.String() != want {
		t.Errorf("got\n%q\nwant\n%q", out.String(), want)
	}
}

func TestStdoutIsScrubbedButForTheDeliveredValue(t *testing.T) {
	const delivered, other = "dapi11111111111111111111111111111111", "dapi22222222222222222222222222222222"
	var out bytes.Buffer
	p, _ := output.NewPrinter(output.Choice{Format: "json"}, output.Context{}, &out, io.Discard)
	r, err := p.Render(context.Background(), map[string]string{"new": delivered, "echo": "Bearer " + other}, delivered)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Contains(delivered) || r.Contains(other) {
		t.Errorf("rendered %q", r.Stdout.String())
	}
}

func TestSanitize(t *testing.T) {
	Sanitize := output.Sanitize
	for in, want := range map[string]string{
		"plain":          "plain",
		"two\nlines":     `two\nlines`,
		"tab\there":      `tab\there`,
		"esc\x1b[31mred": `esc\x1b[31mred`,
		"bell\a":         `bell\x07`,
		"日本 🚀":           "日本 🚀",
		"rtl\u202eabc":   `rtl\u202eabc`,
		"del\x7f":        `del\x7f`,
		"c1\u0085":       `c1\x85`,
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRelative(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		30 * time.Second:               "in 30s",
		-5 * time.Minute:               "5m ago",
		36 * time.Hour:                 "in 36h",
		12*24*time.Hour + 1:            "in 12d",
		-400 * 24 * time.Hour:          "400d ago",
		100*24*time.Hour - time.Second: "in 100d",
		3*24*time.Hour - time.Second:   "in 3d",
		time.Hour - time.Second:        "in 1h",
		90*time.Minute - time.Second:   "in 1h",
		400 * time.Millisecond:         "just now",
		-4 * time.Second:               "just now",
		6 * time.Second:                "in 6s",
	} {
		if got := output.Relative(now, now.Add(d)); got != want {
			t.Errorf("Relative(%v) = %q, want %q", d, got, want)
		}
	}
}

// FuzzTable: no input makes the table panic or break a row across lines.
func FuzzTable(f *testing.F) {
	f.Add("id", "comment", "in 3d", 0)
	f.Add("x", "日本語\n🚀\x1b[0m", "", 20)
	f.Add("", "\t\r\x00", "never", 1)
	f.Fuzz(func(t *testing.T, a, b, c string, width int) {
		tab := table{Columns: []output.Column{{Header: "ID"}, {Header: "COMMENT", Flex: true}, {Header: "EXPIRES"}}}
		tab.Rows = append(tab.Rows,
			output.Row{Cells: []output.Cell{output.ID(a), output.Text(b), output.Text(c)}},
			output.Row{Cells: []output.Cell{output.Text(c), output.Text(a), output.Text(b)}, Style: output.Bad})
		for _, tty := range []bool{true, false} {
			var buf bytes.Buffer
			p, err := output.NewPrinter(output.Choice{Format: "table"}, output.Context{TTY: tty, Width: width % 200, Color: true}, &buf, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Print(context.Background(), tab); err != nil {
				t.Fatal(err)
			}
			want := 3
			if !tty {
				want = 2 // no header off a terminal
			}
			if n := strings.Count(buf.String(), "\n"); n != want {
				t.Fatalf("tty=%v: %d rows became %d lines:\n%q", tty, want, n, buf.String())
			}
		}
	})
}

// FuzzWriteJSON: whatever the strings, the JSON parses back to them.
func FuzzWriteJSON(f *testing.F) {
	f.Add("ci", "5f3a", int64(1))
	f.Add("<b>&\"\\\n\x00🚀", "", int64(-1))
	f.Fuzz(func(t *testing.T, comment, id string, n int64) {
		type obj struct {
			ID      string `json:"token_id"`
			Comment string `json:"comment"`
			N       int64  `json:"n"`
		}
		var buf bytes.Buffer
		in := obj{ID: id, Comment: comment, N: n}
		if err := output.WriteJSON(&buf, []obj{in}); err != nil {
			t.Fatal(err)
		}
		var out []obj
		if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
			t.Fatalf("output does not parse: %v\n%s", err, buf.String())
		}
		if len(out) != 1 || out[0].N != n {
			t.Fatalf("round trip: %+v, want %+v", out, in)
		}
		// encoding/json replaces invalid UTF-8 with U+FFFD, so only valid
		// text must come back byte for byte.
		if utf8.ValidString(id) && utf8.ValidString(comment) && out[0] != in {
			t.Fatalf("round trip: %+v, want %+v", out, in)
		}
	})
}

func TestWriteJSONStreamsSlicesIdentically(t *testing.T) {
	type row struct {
		ID      string  `json:"id"`
		Comment string  `json:"comment"`
		Never   *string `json:"never"`
		Nested  []int   `json:"nested"`
	}
	for _, v := range []any{
		[]row{{ID: "a", Comment: "x<y & z", Nested: []int{1, 2}}, {ID: "b"}},
		[]row{},
		[]row(nil),
		map[string]any{"k": []row{{ID: "c"}}},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		var got bytes.Buffer
		if err := output.WriteJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("streamed:\n%s\nwant:\n%s", got.String(), want.String())
		}
	}
}

// A header wider than its column's values gives way to its short form on a
// narrow terminal, before any value is cut; with room, the full header.
func TestShortHeadersOnANarrowTerminal(t *testing.T) {
	tab := table{Columns: []output.Column{
		{Header: "ID"}, {Header: "CREATED BY", Short: "BY", Flex: true}, {Header: "LAST USED", Short: "USED"}, {Header: "COMMENT", Flex: true},
	}}
	tab.Rows = []output.Row{{Cells: []output.Cell{output.Text("1"), output.Text("alice@example.com"), output.Text("today"), output.Text("a comment")}}}
	wide, _ := render(t, "table", output.Context{TTY: true, Width: 120}, tab)
	if !strings.HasPrefix(wide, "ID  CREATED BY         LAST USED  COMMENT\n") {
		t.Errorf("with room, full headers:\n%s", wide)
	}
	narrow, _ := render(t, "table", output.Context{TTY: true, Width: 36}, tab)
	lines := strings.Split(strings.TrimSuffix(narrow, "\n"), "\n")
	if lines[0] != "ID  CREATED BY      USED   COMMENT" || lines[1] != "1   alice@example…  today  a comment" {
		t.Errorf("at 36 columns:\n%s", narrow)
	}
	tight, _ := render(t, "table", output.Context{TTY: true, Width: 28}, tab)
	if !strings.HasPrefix(tight, "ID  BY       USED   COMMENT\n1   alice@…  today  a comme…\n") {
		t.Errorf("at 28 columns, the squeezed column takes its short header:\n%s", tight)
	}
	for _, out := range []string{narrow, tight} {
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if w := runewidth.StringWidth(line); w > 36 {
				t.Errorf("line of %d columns: %q", w, line)
			}
		}
	}
}

// enveloped is a list that prints as {"items": [...], "failed": [...]}.
type enveloped struct {
	items  []string
	failed []map[string]any
}

func (e enveloped) ListHeader() output.Table {
	return output.Table{Columns: []output.Column{{Header: "ITEM"}}}
}
func (e enveloped) Len() int         { return len(e.items) }
func (e enveloped) JSONAt(i int) any { return map[string]string{"item": e.items[i]} }
func (e enveloped) RowAt(i int) output.Row {
	return output.Row{Cells: []output.Cell{output.Text(e.items[i])}}
}
func (e enveloped) Envelope() (string, map[string]any, bool) {
	return "items", map[string]any{"failed": e.failed}, true
}

// An enveloped list prints the same JSON streamed and whole (YAML, --jq
// see it too), and as JSON Lines a line per element, then per failure.
func TestEnvelopedListInEveryJSONForm(t *testing.T) {
	v := enveloped{items: []string{"a", "b"}, failed: []map[string]any{{"profile": "x", "exit_code": 3}}}
	streamed, _ := render(t, "json", output.Context{}, v)
	want := "{\n  \"items\": [\n    {\n      \"item\": \"a\"\n    },\n    {\n      \"item\": \"b\"\n    }\n  ],\n  \"failed\": [\n    {\n      \"exit_code\": 3,\n      \"profile\": \"x\"\n    }\n  ]\n}\n"
	if streamed != want {
		t.Errorf("streamed JSON:\n%s\nwant:\n%s", streamed, want)
	}
	var out bytes.Buffer
	p, err := output.NewPrinter(output.Choice{Format: "json", JQ: ".failed[0].profile, (.items | length)"}, output.Context{}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Print(context.Background(), v); err != nil || out.String() != "x\n2\n" {
		t.Errorf("--jq: %q %v", out.String(), err)
	}
	yml, _ := render(t, "yaml", output.Context{}, v)
	if !strings.HasPrefix(yml, "items:\n") || !strings.Contains(yml, "failed:\n") {
		t.Errorf("yaml:\n%s", yml)
	}
	lines, _ := render(t, "jsonl", output.Context{}, v)
	if lines != "{\"item\":\"a\"}\n{\"item\":\"b\"}\n{\"exit_code\":3,\"profile\":\"x\"}\n" {
		t.Errorf("jsonl:\n%s", lines)
	}
	empty, _ := render(t, "json", output.Context{}, enveloped{})
	if empty != "{\n  \"items\": [],\n  \"failed\": null\n}\n" {
		t.Errorf("empty: %q", empty)
	}
}

// JSON Lines: a list a line per element, anything else one line; a value
// with a newline stays on its line.
func TestJSONLines(t *testing.T) {
	out, _ := render(t, "jsonl", output.Context{}, []map[string]string{{"c": "a\nb"}, {"c": "x"}})
	if out != "{\"c\":\"a\\nb\"}\n{\"c\":\"x\"}\n" {
		t.Errorf("list: %q", out)
	}
	out, _ = render(t, "jsonl", output.Context{}, map[string]int{"n": 1})
	if out != "{\"n\":1}\n" {
		t.Errorf("object: %q", out)
	}
}
