package issued

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRecordLookupForget(t *testing.T) {
	s := At(filepath.Join(t.TempDir(), "dbtok", "issued.json"))
	const v1, v2 = "dapiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dapibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	if _, ok := s.Lookup("https://h", v1); ok {
		t.Fatal("found before recording")
	}
	if err := s.Record("https://H/", v1, "id1"); err != nil {
		t.Fatal(err)
	}
	if id, ok := s.Lookup("https://h:443", v1); !ok || id != "id1" {
		t.Fatalf("Lookup = %q %v", id, ok)
	}
	if _, ok := s.Lookup("https://other", v1); ok {
		t.Fatal("records are per host")
	}
	if err := s.Record("https://h", v2, "id2", "id1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("https://h", v1); ok {
		t.Fatal("a revoked token is still remembered")
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), v2) || strings.Contains(string(b), v1) {
		t.Fatal("the state file holds a token value")
	}
	st, _ := os.Stat(s.path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %o", st.Mode().Perm())
	}
	if err := s.Forget("https://h", "id2"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("https://h", v2); ok {
		t.Fatal("Forget kept it")
	}
	// A fresh reader sees what was written.
	if s2 := At(s.path); s2.UsesDigestIDs("https://h") {
		t.Fatal("digest IDs noted without being seen")
	}
	s.NoteDigestIDs("https://h/")
	if !At(s.path).UsesDigestIDs("https://h") {
		t.Fatal("digest IDs not remembered")
	}
}

func TestCorruptStateIsIgnored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "issued.json")
	os.WriteFile(path, []byte("{not json"), 0o600)
	s := At(path)
	if _, ok := s.Lookup("h", "v"); ok {
		t.Fatal("found in a corrupt file")
	}
	if err := s.Record("h", "v", "id"); err != nil {
		t.Fatal(err)
	}
	if id, ok := At(path).Lookup("h", "v"); !ok || id != "id" {
		t.Fatal("could not start over from a corrupt file")
	}
}

func TestVersion1IsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "issued.json")
	digest := "0f4a9c2e6a4b1d0f2e8d1e0a56fd9ac9e5d9bd3f4d4cd7d9d8a9f6a3b4c7e1d2"
	v1 := fmt.Sprintf(`{"version":1,"hosts":{"https://h":{%q:{"token_id":"id9","created":"2026-01-01T00:00:00Z"}}}}`, digest)
	os.WriteFile(path, []byte(v1), 0o600)
	f := load(path)
	if f.Hosts["https://h"] == nil || f.Hosts["https://h"].Tokens[digest].TokenID != "id9" {
		t.Fatalf("version 1 record lost: %+v", f.Hosts)
	}
}

// Concurrent runs must not lose each other's records (they did before the
// lock: 7 of 10 parallel creates recorded).
func TestConcurrentRecordsAllKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "issued.json")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate stores, as separate processes would have.
			if err := At(path).Record("https://h", fmt.Sprintf("dapi%032d", i), fmt.Sprintf("id%d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s := At(path)
	for i := 0; i < 20; i++ {
		if id, ok := s.Lookup("https://h", fmt.Sprintf("dapi%032d", i)); !ok || id != fmt.Sprintf("id%d", i) {
			t.Errorf("record %d lost", i)
		}
	}
}
