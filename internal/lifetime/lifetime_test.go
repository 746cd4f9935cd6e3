package lifetime

import (
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	for in, want := range map[string]int64{
		"100d":    8640000,
		"2w":      1209600,
		"36h":     129600,
		"90m":     5400,
		"3600s":   3600,
		"1w2d":    777600,
		"1h30m":   5400,
		"1.5h":    5400,
		"2h45m5s": 9905,
		"730d":    63072000,
	} {
		got, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", in, err)
			continue
		}
		if got != want {
			t.Errorf("Parse(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for in, wantMsg := range map[string]string{
		"":              "lifetime is empty",
		"   ":           "lifetime is empty",
		"0":             "longer than zero",
		"0s":            "longer than zero",
		"-1d":           "negative",
		"1.5s":          "whole number of seconds",
		"1500ms":        "whole number of seconds",
		"3600":          "add a unit: 3600d for days, 3600h for hours",
		"1y":            `unit "y" is ambiguous`,
		"2mo":           `unit "mo" is ambiguous`,
		"5x":            `unknown unit "x"`,
		"999999999999d": "too large",
		"١٠d":           "contains",
		"10 d":          "contains",
		"d":             "not a duration",
		"abc":           "not a duration",
		"100D":          `unknown unit "D"`,
	} {
		_, err := Parse(in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error containing %q", in, wantMsg)
			continue
		}
		if !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", in, err, wantMsg)
		}
		if strings.Contains(err.Error(), "time:") {
			t.Errorf("Parse(%q) leaks the library's wording: %q", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"100d", "1w2d", "0", "-1d", "1.5s", "1y", "", "999999999999999d", "٣d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		secs, err := Parse(s)
		if err != nil {
			if secs != 0 {
				t.Fatalf("Parse(%q) returned %d with an error", s, secs)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("Parse(%q) error is not one line: %q", s, err)
			}
			return
		}
		if secs <= 0 {
			t.Fatalf("Parse(%q) = %d, want a positive number of seconds", s, secs)
		}
	})
}
