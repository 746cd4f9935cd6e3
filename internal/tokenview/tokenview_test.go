package tokenview

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

func TestToJSONNeverExpires(t *testing.T) {
	for _, exp := range []int64{-1, 0} {
		j := ToJSON(tokens.Token{ID: "x", CreationTime: 1795444336858, ExpiryTime: exp})
		if j.ExpiryTime != -1 || j.ExpiresAt != nil {
			t.Errorf("expiry %d: got %d %v, want -1 and null", exp, j.ExpiryTime, j.ExpiresAt)
		}
		if j.CreatedAt != "2026-11-23T14:32:16Z" {
			t.Errorf("created_at = %q", j.CreatedAt)
		}
	}
}

func TestExpiryCellOnAndOffTerminal(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) tokens.Token {
		return tokens.Token{ExpiryTime: now.Add(d).UnixMilli(), CreationTime: now.UnixMilli()}
	}
	for _, c := range []struct {
		tok  tokens.Token
		tty  bool
		want string
	}{
		{tokens.Token{ExpiryTime: -1}, true, "never"},
		{at(-time.Hour), true, "expired"},
		{at(12 * 24 * time.Hour), true, "in 12d"},
		{at(12 * 24 * time.Hour), false, "2026-12-05T12:00:00Z"},
	} {
		row := Columns{}.Row(tokens.Place{}, c.tok, nil, now)
		got := row.Cells[3].String(&output.Context{TTY: c.tty, Now: now})
		if got != c.want {
			t.Errorf("expiry %v, tty=%v: %q, want %q", c.tok.ExpiryTime, c.tty, got, c.want)
		}
	}
}

func TestStyle(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]output.Style{
		-time.Hour: output.Bad, 3 * 24 * time.Hour: output.Warn, 30 * 24 * time.Hour: output.Plain,
	} {
		if got := Style(tokens.Token{ExpiryTime: now.Add(d).UnixMilli()}, now); got != want {
			t.Errorf("Style(in %v) = %v, want %v", d, got, want)
		}
	}
	if Style(tokens.Token{ExpiryTime: -1}, now) != output.Plain {
		t.Error("a token that never expires is highlighted")
	}
}

// FuzzTokenJSON: every token renders to JSON with all keys present, that
// parses back, with null expires_at exactly when it never expires.
func FuzzTokenJSON(f *testing.F) {
	f.Add("5f3a", "ci", int64(1795444336858), int64(1804084336858))
	f.Add("", "\x00\n🚀", int64(0), int64(-1))
	f.Add("id", "c", int64(-62135596800001), int64(253402300800000))
	f.Fuzz(func(t *testing.T, id, comment string, created, expiry int64) {
		var buf bytes.Buffer
		j := ToJSON(tokens.Token{ID: id, Comment: comment, CreationTime: created, ExpiryTime: expiry})
		if err := output.WriteJSON(&buf, j); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatalf("does not parse: %v\n%s", err, buf.String())
		}
		for _, k := range []string{"token_id", "comment", "creation_time", "expiry_time", "created_at", "expires_at"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("key %q missing: %s", k, buf.String())
			}
		}
		if (m["expires_at"] == nil) != (expiry <= 0) {
			t.Fatalf("expires_at = %v for expiry_time %d", m["expires_at"], expiry)
		}
	})
}
