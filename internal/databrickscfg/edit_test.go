package databrickscfg

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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

func TestUpdateKeepsModeLinkAndBackup(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "databrickscfg")
	os.MkdirAll(filepath.Dir(real), 0o700)
	os.WriteFile(real, []byte("old"), 0o640)
	link := filepath.Join(dir, ".databrickscfg")
	os.Symlink(real, link)

	u, err := BeginUpdate(context.Background(), link)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if string(u.Raw) != "old" {
		t.Fatalf("read %q", u.Raw)
	}
	backup, err := u.Commit([]byte("new"))
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Holds([]byte("new")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o640 {
		t.Fatalf("mode %o, want the original 640", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(backup); string(b) != "old" || backup != real+".bak" {
		t.Fatalf("backup %s holds %q", backup, b)
	}
	if st, _ := os.Stat(backup); st.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %o", st.Mode().Perm())
	}
	if err := u.Restore(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(link); string(b) != "old" {
		t.Fatalf("restored %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(real))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".dbtok-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

// A second update waits for the first: the lock covers the whole
// read-change-write sequence.
func TestUpdateSerialises(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg")
	os.WriteFile(path, []byte("0"), 0o600)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := BeginUpdate(context.Background(), path)
			if err != nil {
				t.Error(err)
				return
			}
			defer u.Close()
			n, _ := strconv.Atoi(string(u.Raw))
			if _, err := u.Commit([]byte(strconv.Itoa(n + 1))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(path); string(b) != "10" {
		t.Fatalf("10 increments under the lock gave %q: edits were lost", b)
	}
}

func TestUpdateTimesOutOnAHeldLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg")
	os.WriteFile(path, []byte("x"), 0o600)
	u, err := BeginUpdate(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := BeginUpdate(ctx, path); err == nil || !strings.Contains(err.Error(), "another dbtok run is changing it") {
		t.Fatalf("err = %v", err)
	}
}

// An editor that does not take dbtok's lock can still change the file: a
// commit then refuses rather than overwrite the change.
func TestUpdateRefusesAChangedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg")
	os.WriteFile(path, []byte("what we read"), 0o600)
	u, err := BeginUpdate(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	os.WriteFile(path, []byte("edited by someone else"), 0o600)
	if _, err := u.Commit([]byte("new")); err == nil || !strings.Contains(err.Error(), "changed while") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "edited by someone else" {
		t.Fatal("overwrote a file that changed")
	}
	if _, err := os.Stat(path + ".bak"); err == nil {
		t.Fatal("a backup was written for a commit that did not happen")
	}
}
