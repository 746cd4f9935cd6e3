// Package issued remembers which token ID belongs to each token value dbtok
// delivered, by a SHA-256 digest of the value (never the value), so that
// rotate --update-profile can tell which token a profile uses.
package issued

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/xdg"
)

// Path is $XDG_STATE_HOME/dbtok/issued.json, else ~/.local/state/dbtok/issued.json.
func Path() string {
	return xdg.Path("XDG_STATE_HOME", filepath.Join(".local", "state"), "dbtok", "issued.json")
}

type entry struct {
	TokenID string    `json:"token_id"`
	Created time.Time `json:"created"`
}

// file maps host -> digest -> entry.
type file struct {
	Version int                         `json:"version"`
	Hosts   map[string]map[string]entry `json:"hosts"`
}

// Digest is the key a value is remembered under.
func Digest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

func hostKey(host string) string { return strings.TrimRight(strings.ToLower(host), "/") }

// Lookup returns the ID of the token with this value on host, if dbtok
// delivered it. A missing or unreadable record is simply "unknown".
func Lookup(host, value string) (string, bool) {
	f := load(Path())
	e, ok := f.Hosts[hostKey(host)][Digest(value)]
	return e.TokenID, ok
}

// Record remembers a delivered token and forgets the ones given as
// revoked. Failing to record is not an error worth failing a command for:
// the caller may report it.
func Record(host, value, tokenID string, revoked ...string) error {
	path := Path()
	if path == "" {
		return errors.New("no home folder to keep dbtok's state in")
	}
	f := load(path)
	h := hostKey(host)
	if f.Hosts[h] == nil {
		f.Hosts[h] = map[string]entry{}
	}
	f.Hosts[h][Digest(value)] = entry{TokenID: tokenID, Created: time.Now().UTC()}
	forget(f, h, revoked...)
	return save(path, f)
}

// Forget drops the records of revoked tokens.
func Forget(host string, tokenIDs ...string) error {
	path := Path()
	if path == "" || len(tokenIDs) == 0 {
		return nil
	}
	f := load(path)
	if !forget(f, hostKey(host), tokenIDs...) {
		return nil
	}
	return save(path, f)
}

func forget(f *file, host string, ids ...string) bool {
	changed := false
	for digest, e := range f.Hosts[host] {
		for _, id := range ids {
			if e.TokenID == id {
				delete(f.Hosts[host], digest)
				changed = true
			}
		}
	}
	return changed
}

func load(path string) *file {
	f := &file{Version: 1, Hosts: map[string]map[string]entry{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return f
	}
	// A corrupt file is ignored: it only costs a question to the user.
	if json.Unmarshal(b, f) != nil || f.Hosts == nil {
		return &file{Version: 1, Hosts: map[string]map[string]entry{}}
	}
	return f
}

func save(path string, f *file) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".issued-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
