package hostmeta

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/config"
)

func TestStoreLoadExpiry(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	m := &config.HostMetadata{WorkspaceID: "123", OIDCEndpoint: "https://h/oidc"}
	if _, ok := Load("https://h", now); ok {
		t.Fatal("hit on an empty cache")
	}
	Store("https://H/", m, now)
	got, ok := Load("https://h", now.Add(time.Hour))
	if !ok || got.WorkspaceID != "123" || got.OIDCEndpoint != "https://h/oidc" {
		t.Fatalf("Load = %+v %v", got, ok)
	}
	if _, ok := Load("https://h", now.Add(TTL+time.Minute)); ok {
		t.Fatal("a stale entry was used")
	}
	if _, ok := Load("https://other", now); ok {
		t.Fatal("entries are per host")
	}
}

func TestCorruptEntryIsAMiss(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	os.MkdirAll(Dir(), 0o700)
	os.WriteFile(file("https://h"), []byte("{garbage"), 0o600)
	if _, ok := Load("https://h", time.Now()); ok {
		t.Fatal("a corrupt entry was used")
	}
	Store("https://h", &config.HostMetadata{WorkspaceID: "1"}, time.Now())
	if _, ok := Load("https://h", time.Now()); !ok {
		t.Fatal("could not replace a corrupt entry")
	}
}

func TestConcurrentStoresLeaveAWholeEntry(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Store("https://h", &config.HostMetadata{WorkspaceID: "42"}, time.Now())
			Load("https://h", time.Now())
		}()
	}
	wg.Wait()
	if m, ok := Load("https://h", time.Now()); !ok || m.WorkspaceID != "42" {
		t.Fatalf("after concurrent stores: %+v %v", m, ok)
	}
	left, _ := filepath.Glob(filepath.Join(Dir(), ".meta-*"))
	if len(left) != 0 {
		t.Fatalf("temp files left: %v", left)
	}
}
