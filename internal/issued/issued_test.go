package issued

import (
	"os"
	"strings"
	"testing"
)

func TestRecordLookupForget(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	const v1, v2 = "dapiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dapibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	if _, ok := Lookup("https://h", v1); ok {
		t.Fatal("found before recording")
	}
	if err := Record("https://H/", v1, "id1"); err != nil {
		t.Fatal(err)
	}
	if id, ok := Lookup("https://h", v1); !ok || id != "id1" {
		t.Fatalf("Lookup = %q %v", id, ok)
	}
	if _, ok := Lookup("https://other", v1); ok {
		t.Fatal("records are per host")
	}
	if err := Record("https://h", v2, "id2", "id1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := Lookup("https://h", v1); ok {
		t.Fatal("a revoked token is still remembered")
	}
	b, err := os.ReadFile(Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), v2) || strings.Contains(string(b), v1) {
		t.Fatal("the state file holds a token value")
	}
	st, _ := os.Stat(Path())
	if st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %o", st.Mode().Perm())
	}
	if err := Forget("https://h", "id2"); err != nil {
		t.Fatal(err)
	}
	if _, ok := Lookup("https://h", v2); ok {
		t.Fatal("Forget kept it")
	}
}

func TestCorruptStateIsIgnored(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	os.MkdirAll(strings.TrimSuffix(Path(), "/issued.json"), 0o700)
	os.WriteFile(Path(), []byte("{not json"), 0o600)
	if _, ok := Lookup("h", "v"); ok {
		t.Fatal("found in a corrupt file")
	}
	if err := Record("h", "v", "id"); err != nil {
		t.Fatal(err)
	}
	if id, ok := Lookup("h", "v"); !ok || id != "id" {
		t.Fatal("could not start over from a corrupt file")
	}
}
