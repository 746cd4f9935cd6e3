package glob

import "testing"

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "github/actions", true},
		{"github*", "github/actions", true},
		{"ci-*", "ci-team/prod", true},
		{"ci-*", "xci-a", false},
		{"ci-?", "ci-1", true},
		{"ci-?", "ci-12", false},
		{"prod-[eu][us]", "prod-eu", true},
		{"prod-[!e]*", "prod-eu", false},
		{"prod-[!e]*", "prod-us", true},
		{"a.b", "axb", false},
		{"a.b", "a.b", true},
		{`\*`, "*", true},
		{`\*`, "x", false},
		{"日本*", "日本語", true},
		{"", "", true},
		{"", "x", false},
	} {
		p, err := Compile(c.pattern)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if got := p.Match(c.s); got != c.want {
			t.Errorf("%q ~ %q = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
	for _, bad := range []string{"[ci", `ci\`, "[z-a]"} {
		if _, err := Compile(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

func FuzzCompile(f *testing.F) {
	f.Add("ci-*", "ci-1")
	f.Add("[!a-z]?\\*", "B1*")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		p, err := Compile(pattern)
		if err != nil {
			return
		}
		p.Match(s)
	})
}
