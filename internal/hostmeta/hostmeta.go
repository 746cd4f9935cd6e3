// Package hostmeta caches workspaces' /.well-known/databricks-config
// answers on disk, per host, so that auth methods which need them do not
// fetch them again on every run.
package hostmeta

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/config"
	"github.com/dbtok/dbtok/internal/safefile"
	"github.com/dbtok/dbtok/internal/xdg"
)

// TTL is how long a cached answer is used. Host metadata (cloud, account
// and workspace IDs, OIDC endpoint) changes only when a workspace moves.
const TTL = 24 * time.Hour

type entry struct {
	Host      string               `json:"host"`
	FetchedAt time.Time            `json:"fetched_at"`
	Metadata  *config.HostMetadata `json:"metadata"`
}

// Dir is $XDG_CACHE_HOME/dbtok/host-metadata, else ~/.cache/dbtok/host-metadata.
func Dir() string { return xdg.Cache("host-metadata") }

func file(host string) string {
	dir := Dir()
	if dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(normalize(host)))
	return filepath.Join(dir, hex.EncodeToString(sum[:8])+".json")
}

func normalize(host string) string { return strings.TrimRight(strings.ToLower(host), "/") }

// Load returns the cached metadata for host if it is there and fresh. A
// missing, stale or corrupt entry is a miss, never an error.
func Load(host string, now time.Time) (*config.HostMetadata, bool) {
	path := file(host)
	if path == "" {
		return nil, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var e entry
	if json.Unmarshal(b, &e) != nil || e.Metadata == nil || e.Host != normalize(host) {
		return nil, false
	}
	if age := now.Sub(e.FetchedAt); age < 0 || age > TTL {
		return nil, false
	}
	return e.Metadata, true
}

// Store caches metadata for host. Concurrent runs each write a whole file
// and rename it into place, so a reader sees one answer or the other,
// never a mix. Failing to cache is harmless, so errors are dropped.
func Store(host string, m *config.HostMetadata, now time.Time) {
	path := file(host)
	if path == "" || m == nil {
		return
	}
	b, err := json.Marshal(entry{Host: normalize(host), FetchedAt: now.UTC(), Metadata: m})
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(path), 0o700) != nil {
		return
	}
	_ = safefile.Write(path, b, 0o600)
}
