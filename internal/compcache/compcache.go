// Package compcache keeps what shell completion offers for tokens: per
// profile, a short-lived list of token IDs, comments, expiry and (for
// admins' listings) owners, so that TAB answers at once and never waits
// on a workspace. It never holds a token's value. Files are mode 0600 in
// a 0700 folder under $XDG_CACHE_HOME/dbtok/completion, one folder per
// workspace, which every change to that workspace's tokens (create,
// revoke, rotate, update) removes.
package compcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/dbtok/dbtok/internal/safefile"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/xdg"
)

// Fresh is how old an entry may be before completion asks for a new one
// in the background; MaxAge is how old it may be before it is not used
// at all.
const (
	Fresh  = 30 * time.Second
	MaxAge = time.Hour
)

// Key names an entry: one profile of one config file (or the
// environment's workspace, with no profile), own or every user's tokens.
type Key struct {
	ConfigFile string
	Profile    string
	Host       string
	AllUsers   bool
}

// Token is what completion shows of a token: never its value.
type Token struct {
	ID         string `json:"id"`
	Comment    string `json:"comment,omitempty"`
	ExpiryTime int64  `json:"expiry_time,omitempty"`
	Owner      string `json:"owner,omitempty"`
}

// Entry is one cached listing.
type Entry struct {
	Host      string    `json:"host"`
	Profile   string    `json:"profile"`
	AllUsers  bool      `json:"all_users"`
	FetchedAt time.Time `json:"fetched_at"`
	Tokens    []Token   `json:"tokens"`
}

// FromTokens is what the cache keeps of a listing.
func FromTokens(list []tokens.Token) []Token {
	out := make([]Token, len(list))
	for i, t := range list {
		out[i] = Token{ID: t.ID, Comment: t.Comment, ExpiryTime: t.ExpiryTime}
		if t.Owner != nil {
			out[i].Owner = t.Owner.CreatedByUsername
		}
	}
	return out
}

// Dir is the cache's folder; "" without a home folder.
func Dir() string { return xdg.Cache("completion") }

func hash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// hostDir is the folder of one workspace's entries.
func hostDir(host string) string {
	dir := Dir()
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, hash(tokens.HostKey(host)))
}

// Path is the entry's file.
func (k Key) Path() string {
	dir := hostDir(k.Host)
	if dir == "" {
		return ""
	}
	scope := "own"
	if k.AllUsers {
		scope = "all"
	}
	return filepath.Join(dir, hash(k.ConfigFile, k.Profile, scope)+".json")
}

// Load returns the entry for k if there is one younger than MaxAge. A
// missing, old or corrupt entry is a miss, never an error.
func Load(k Key, now time.Time) (*Entry, bool) {
	path := k.Path()
	if path == "" {
		return nil, false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var e Entry
	if json.Unmarshal(b, &e) != nil || tokens.HostKey(e.Host) != tokens.HostKey(k.Host) || e.Profile != k.Profile || e.AllUsers != k.AllUsers {
		return nil, false
	}
	if age := now.Sub(e.FetchedAt); age < 0 || age > MaxAge {
		return nil, false
	}
	return &e, true
}

// invalidatedName marks when a workspace's entries were last thrown away.
const invalidatedName = "invalidated"

// Store writes e under k, unless the workspace's entries were invalidated
// after started (when the listing began): a listing that raced with a
// revoke must not bring the revoked token back. Failing to cache is
// harmless, so errors are dropped.
func Store(k Key, e Entry, started time.Time) {
	path := k.Path()
	if path == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return
	}
	if st, err := os.Stat(filepath.Join(filepath.Dir(path), invalidatedName)); err == nil && !st.ModTime().Before(started) {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	_ = safefile.Write(path, b, 0o600)
}

// Invalidate throws away every entry for host: its tokens changed.
func Invalidate(host string) {
	dir := hostDir(host)
	if dir == "" {
		return
	}
	if _, err := os.Stat(Dir()); errors.Is(err, fs.ErrNotExist) {
		return // completion never cached anything
	}
	if os.MkdirAll(dir, 0o700) != nil {
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, d := range entries {
		if filepath.Ext(d.Name()) == ".json" {
			_ = os.Remove(filepath.Join(dir, d.Name()))
		}
	}
	// The mark stops a listing that started before this change from
	// storing what it saw (see Store).
	mark := filepath.Join(dir, invalidatedName)
	now := time.Now()
	if err := os.Chtimes(mark, now, now); err != nil {
		_ = os.WriteFile(mark, nil, 0o600)
	}
}
