// Package delivery hands a new token's value to the places the user named
// (a file, profiles of the config file) before anything old is revoked:
// each destination is checked before the token exists, and a failed
// delivery is undone where it can be.
package delivery

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/secretfile"
	"github.com/dbtok/dbtok/internal/tokens"
)

// Destination is one place a new token's value goes.
type Destination interface {
	// String names the destination in messages.
	String() string
	// Deliver hands the value over; on failure nothing is left there.
	Deliver(ctx context.Context, value tokens.Secret) error
	// Undo takes a delivered value back where that is possible, after a
	// later step failed and the token was revoked.
	Undo()
	// Close releases what Prepare reserved (temp files, locks).
	Close()
}

// File is --out FILE: mode 0600, atomic, never through a symlink.
type File struct {
	pending *secretfile.Pending
	what    string
}

// PrepareFile reserves path before the token exists: a token must never be
// created that cannot be delivered. what names the token in messages
// ("the token", "the new token").
func PrepareFile(path string, force bool, what string) (*File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, failure.Usagef("--out %s: %v", path, err)
	}
	p, err := secretfile.Prepare(abs, force)
	if err != nil {
		return nil, &failure.UsageError{Err: err}
	}
	return &File{pending: p, what: what}, nil
}

func (f *File) String() string { return f.pending.Path() }

// Path is the absolute path written.
func (f *File) Path() string { return f.pending.Path() }

func (f *File) Deliver(_ context.Context, value tokens.Secret) error {
	if err := f.pending.Commit([]byte(value.Reveal() + "\n")); err != nil {
		return fmt.Errorf("cannot write %s to %s: %w", f.what, f.pending.Path(), err)
	}
	return nil
}

// Undo leaves the file: it holds a revoked token, harmless, and removing
// a file the user named after replacing it (--force) would lose both.
func (f *File) Undo() {}

func (f *File) Close() { f.pending.Abort() }

// All delivers value to every destination in order, stopping at the first
// failure and undoing the ones already done.
func All(ctx context.Context, dests []Destination, value tokens.Secret) error {
	for i, d := range dests {
		if err := d.Deliver(ctx, value); err != nil {
			for _, done := range dests[:i] {
				done.Undo()
			}
			return err
		}
	}
	return nil
}
