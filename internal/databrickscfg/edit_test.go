package databrickscfg

import (
	"strings"
	"testing"
)

const newTok = "dapi11111111111111111111111111111111"

func TestSetTokenKeepsEverythingElse(t *testing.T) {
	for name, c := range map[string]struct{ in, profile, want string }{
		"plain": {
			in:      "; my config\n[DEFAULT]\nhost = https://a\ntoken = dapiold\n\n[prod]\nhost = https://p\ntoken=dapiprod\n",
			profile: "prod",
			want:    "; my config\n[DEFAULT]\nhost = https://a\ntoken = dapiold\n\n[prod]\nhost = https://p\ntoken=" + newTok + "\n",
		},
		"inline comment and spacing": {
			in:      "[p]\nhost = https://p\ntoken   =   dapiold   # rotated by hand\n",
			profile: "p",
			want:    "[p]\nhost = https://p\ntoken   =   " + newTok + "   # rotated by hand\n",
		},
		"hash inside the old value": {
			in:      "[p]\nhost = https://p\ntoken = dapi#old\n",
			profile: "p",
			want:    "[p]\nhost = https://p\ntoken = " + newTok + "\n",
		},
		"quoted": {
			in:      "[p]\nhost = https://p\ntoken = \"dapiold\"\n",
			profile: "p",
			want:    "[p]\nhost = https://p\ntoken = \"" + newTok + "\"\n",
		},
		"crlf and no final newline": {
			in:      "[p]\r\nhost = https://p\r\ntoken = dapiold\r\n[q]\r\ntoken = x",
			profile: "p",
			want:    "[p]\r\nhost = https://p\r\ntoken = " + newTok + "\r\n[q]\r\ntoken = x",
		},
		"keys before any section are DEFAULT": {
			in:      "host = https://d\ntoken = dapiold\n[other]\ntoken = keep\n",
			profile: "DEFAULT",
			want:    "host = https://d\ntoken = " + newTok + "\n[other]\ntoken = keep\n",
		},
		"dotted name, duplicate sections: the last token line wins": {
			in:      "[acme.prod]\nhost = https://p\ntoken = first\n[x]\ntoken = y\n[acme.prod]\ntoken = second\n",
			profile: "acme.prod",
			want:    "[acme.prod]\nhost = https://p\ntoken = first\n[x]\ntoken = y\n[acme.prod]\ntoken = " + newTok + "\n",
		},
		"case-sensitive profile names": {
			in:      "[Prod]\ntoken = a\n[prod]\ntoken = b\n",
			profile: "prod",
			want:    "[Prod]\ntoken = a\n[prod]\ntoken = " + newTok + "\n",
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := SetToken([]byte(c.in), c.profile, newTok)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got:\n%q\nwant:\n%q", got, c.want)
			}
		})
	}
}

func TestSetTokenRefuses(t *testing.T) {
	for name, c := range map[string]struct{ in, profile, want string }{
		"no such profile":  {"[a]\ntoken = x\n", "b", "has no token line"},
		"no token line":    {"[a]\nhost = h\nclient_id = c\n", "a", "has no token line"},
		"multi-line value": {"[a]\ntoken = \"\"\"x\ny\"\"\"\n", "a", "multi-line"},
		"upper-case key":   {"[a]\nTOKEN = x\n", "a", "has no token line"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := SetToken([]byte(c.in), c.profile, newTok)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	if _, err := SetToken([]byte("[a]\ntoken = x\n"), "a", "bad value#"); err == nil {
		t.Error("a value with # was accepted")
	}
}

// FuzzSetToken: whatever the file, an edit either fails or changes exactly
// the profile's token (SetToken verifies that itself; this checks it never
// panics and that a success really holds the new value).
func FuzzSetToken(f *testing.F) {
	f.Add("[DEFAULT]\nhost = https://a\ntoken = dapiold # c\n", "DEFAULT")
	f.Add("token=x\n[p]\r\ntoken = `q`\r\n", "p")
	f.Fuzz(func(t *testing.T, in, profile string) {
		out, err := SetToken([]byte(in), profile, newTok)
		if err != nil {
			return
		}
		s, err := parseSections(out)
		if err != nil || s[profile]["token"] != newTok {
			t.Fatalf("edit succeeded but the file reads %v, %v", s[profile], err)
		}
	})
}
