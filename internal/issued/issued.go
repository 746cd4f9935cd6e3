// Package issued is dbtok's record of the tokens it delivered, kept by a
// SHA-256 digest of the value (never the value), and of the workspaces
// known to derive token IDs from values: how dbtok tells which token a
// profile signs in with.
package issued

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/dbtok/dbtok/internal/safefile"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/xdg"
)

// Path is $XDG_STATE_HOME/dbtok/issued.json, else ~/.local/state/dbtok/issued.json.
func Path() string { return xdg.State("issued.json") }

type entry struct {
	TokenID string    `json:"token_id"`
	Created time.Time `json:"created"`
}

type host struct {
	// DigestIDs is set once a token of this workspace was seen whose ID is
	// its value's SHA-256.
	DigestIDs bool             `json:"digest_ids,omitempty"`
	Tokens    map[string]entry `json:"tokens,omitempty"` // digest -> entry
}

type file struct {
	Version int              `json:"version"`
	Hosts   map[string]*host `json:"hosts"`
}

// Store reads and changes the record. Reads are cached for the run;
// every change re-reads the file under its lock, so concurrent runs never
// lose each other's records.
type Store struct {
	path string
	// Timeout bounds the wait for another run's lock.
	Timeout time.Duration

	mu     sync.Mutex
	cached *file
}

// Open returns the record at Path().
func Open() *Store { return &Store{path: Path(), Timeout: 30 * time.Second} }

// At returns the record at path (for tests).
func At(path string) *Store { return &Store{path: path, Timeout: 30 * time.Second} }

func (s *Store) read() *file {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == nil {
		s.cached = load(s.path)
	}
	return s.cached
}

// Lookup returns the ID of the token with this value on host, if dbtok
// delivered it. A missing or unreadable record is simply "unknown".
func (s *Store) Lookup(hostURL, value string) (string, bool) {
	h := s.read().Hosts[tokens.HostKey(hostURL)]
	if h == nil {
		return "", false
	}
	e, ok := h.Tokens[tokens.NewSecret(value).Digest()]
	return e.TokenID, ok
}

// UsesDigestIDs reports whether host is known to derive token IDs from values.
func (s *Store) UsesDigestIDs(hostURL string) bool {
	h := s.read().Hosts[tokens.HostKey(hostURL)]
	return h != nil && h.DigestIDs
}

// NoteDigestIDs remembers that host derives token IDs from values.
// Failing to remember costs only a question later, so errors are dropped.
func (s *Store) NoteDigestIDs(hostURL string) {
	_ = s.change(func(f *file) bool {
		h := f.host(tokens.HostKey(hostURL))
		if h.DigestIDs {
			return false
		}
		h.DigestIDs = true
		return true
	})
}

// Record remembers a delivered token and forgets the ones given as
// revoked.
func (s *Store) Record(hostURL, value, tokenID string, revoked ...string) error {
	return s.change(func(f *file) bool {
		key := tokens.HostKey(hostURL)
		h := f.host(key)
		if h.Tokens == nil {
			h.Tokens = map[string]entry{}
		}
		h.Tokens[tokens.NewSecret(value).Digest()] = entry{TokenID: tokenID, Created: time.Now().UTC()}
		forget(h, revoked...)
		return true
	})
}

// Forget drops the records of revoked tokens.
func (s *Store) Forget(hostURL string, tokenIDs ...string) error {
	if len(tokenIDs) == 0 {
		return nil
	}
	return s.change(func(f *file) bool {
		h := f.Hosts[tokens.HostKey(hostURL)]
		return h != nil && forget(h, tokenIDs...)
	})
}

// change applies edit to the file under its lock, reading it afresh.
func (s *Store) change(edit func(*file) bool) error {
	if s.path == "" {
		return errors.New("no home folder to keep dbtok's state in")
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	unlock, err := safefile.Lock(ctx, s.path)
	if err != nil {
		return err
	}
	defer unlock()
	f := load(s.path)
	if edit(f) {
		b, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return err
		}
		if err := safefile.Write(s.path, b, 0o600); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.cached = f
	s.mu.Unlock()
	return nil
}

func (f *file) host(key string) *host {
	h := f.Hosts[key]
	if h == nil {
		h = &host{}
		f.Hosts[key] = h
	}
	return h
}

func forget(h *host, ids ...string) bool {
	changed := false
	for digest, e := range h.Tokens {
		for _, id := range ids {
			if e.TokenID == id {
				delete(h.Tokens, digest)
				changed = true
			}
		}
	}
	return changed
}

func load(path string) *file {
	empty := &file{Version: 2, Hosts: map[string]*host{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return empty
	}
	var probe struct {
		Version int `json:"version"`
	}
	// A corrupt file is ignored: it only costs a question to the user.
	if json.Unmarshal(b, &probe) != nil {
		return empty
	}
	if probe.Version < 2 {
		// Version 1 mapped host -> digest -> entry.
		var v1 struct {
			Hosts map[string]map[string]entry `json:"hosts"`
		}
		if json.Unmarshal(b, &v1) != nil {
			return empty
		}
		for h, m := range v1.Hosts {
			empty.host(tokens.HostKey(h)).Tokens = m
		}
		return empty
	}
	f := &file{}
	if json.Unmarshal(b, f) != nil || f.Hosts == nil {
		return empty
	}
	for k, h := range f.Hosts {
		if h == nil {
			delete(f.Hosts, k)
		}
	}
	f.Version = 2
	return f
}
