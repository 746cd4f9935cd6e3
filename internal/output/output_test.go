package output

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

func TestTableAlignsByDisplayWidth(t *testing.T) {
	var b bytes.Buffer
	tp := NewTable(&b, 0, "ID", "COMMENT", "EXPIRES")
	tp.AddRow(nil, "a1", "日本語のコメント", "in 3d")
	tp.AddRow(nil, "b2", "🚀 deploy", "never")
	red := func(s string) string { return "\x1b[31m" + s + "\x1b[0m" }
	tp.AddRow(red, "c3", "plain", "expired")
	if err := tp.Render(); err != nil {
		t.Fatal(err)
	}
	plain := regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(b.String(), "")
	lines := strings.Split(strings.TrimSuffix(plain, "\n"), "\n")
	col := -1
	for _, l := range lines {
		// The third column starts at the same display column on every line.
		i := strings.LastIndex(l, "  ")
		w := runewidth.StringWidth(l[:i+2])
		if col >= 0 && w != col {
			t.Fatalf("misaligned:\n%s", b.String())
		}
		col = w
	}
	if !strings.Contains(b.String(), "\x1b[31mplain\x1b[0m   ") {
		t.Errorf("paint must wrap the cell text, not its padding: %q", b.String())
	}
}

func TestTableTruncatesOneColumnToFit(t *testing.T) {
	var b bytes.Buffer
	tp := NewTable(&b, 40, "ID", "COMMENT", "EXPIRES")
	tp.Truncate = 1
	tp.AddRow(nil, "abcdef", strings.Repeat("long comment ", 10), "in 3d")
	tp.Render()
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if w := runewidth.StringWidth(l); w > 40 {
			t.Errorf("line is %d wide, terminal is 40: %q", w, l)
		}
	}
	if !strings.Contains(b.String(), "…") {
		t.Error("truncation is not marked")
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"two\nlines":     `two\nlines`,
		"tab\there":      `tab\there`,
		"esc\x1b[31mred": `esc\x1b[31mred`,
		"bell\a":         `bell\x07`,
		"日本 🚀":           "日本 🚀",
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
	} {
		if got := Relative(now, now.Add(d)); got != want {
			t.Errorf("Relative(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	if f, err := ParseFormat(" JSON "); err != nil || f != JSON {
		t.Errorf("ParseFormat(JSON) = %q, %v", f, err)
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("yaml accepted")
	}
	if Default("", true) != Table || Default("", false) != JSON || Default(JSON, true) != JSON {
		t.Error("Default picks the wrong format")
	}
}

// FuzzTable: no input makes the table panic or break a row across lines.
func FuzzTable(f *testing.F) {
	f.Add("id", "comment", "in 3d", 0)
	f.Add("x", "日本語\n🚀\x1b[0m", "", 20)
	f.Add("", "\t\r\x00", "never", 1)
	f.Fuzz(func(t *testing.T, a, b, c string, width int) {
		var buf bytes.Buffer
		tp := NewTable(&buf, width%200, "ID", "COMMENT", "EXPIRES")
		tp.Truncate = 1
		tp.AddRow(nil, a, b, c)
		tp.AddRow(strings.ToUpper, c, a, b)
		if err := tp.Render(); err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(buf.String(), "\n"); n != 3 {
			t.Fatalf("3 rows became %d lines:\n%q", n, buf.String())
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
		if err := WriteJSON(&buf, []obj{in}); err != nil {
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
		if err := WriteJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("streamed:\n%s\nwant:\n%s", got.String(), want.String())
		}
	}
}
