// Package safefile is how dbtok changes files on disk: an exclusive lock
// for every read-modify-write sequence, and atomic replacement (a temp
// file in the same folder, fsync, rename, fsync of the folder) so that a
// reader sees the old contents or the new, never a mix.
package safefile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// LockPath is the lock file guarding path. It sits next to the file (the
// file itself is replaced by rename, so its inode cannot carry the lock)
// and is left in place: removing it would race with the next locker.
func LockPath(path string) string { return path + ".lock" }

// ErrLocked is returned by Lock when another process holds the lock past
// the caller's deadline.
var ErrLocked = errors.New("locked by another dbtok run")

// Lock takes the exclusive lock for path, waiting until ctx ends. The lock
// is advisory: every dbtok run takes it before reading a file it will
// change, so concurrent runs serialise and each sees the other's result.
func Lock(ctx context.Context, path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	l := flock.New(LockPath(path), flock.SetPermissions(0o600))
	ok, err := l.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("cannot lock %s: %w", path, unwrap(err))
	}
	if !ok {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s is %w", path, ErrLocked)
	}
	return func() { _ = l.Unlock() }, nil
}

// Write replaces path's contents with data, atomically, with mode perm.
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	tmp, err := Temp(path)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return unwrap(err)
	}
	if err = tmp.Chmod(perm); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return unwrap(err)
	}
	if err = tmp.Sync(); err != nil {
		return unwrap(err)
	}
	if err = tmp.Close(); err != nil {
		return unwrap(err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return unwrap(err)
	}
	SyncDir(filepath.Dir(path))
	return nil
}

// Temp creates a temp file next to path, opened with O_EXCL and mode 0600
// so that nobody else can have it open and a secret in it is never
// readable by others, not even for a moment. Its name marks it as dbtok's.
func Temp(path string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".dbtok-*.tmp")
	if err != nil {
		return nil, unwrap(err)
	}
	return f, nil
}

// SyncDir flushes a folder's entries, so that a rename survives a crash.
func SyncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// unwrap drops the "open /path:" prefix: callers' messages name the path.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// Unwrap is unwrap for callers that build their own messages.
func Unwrap(err error) error { return unwrap(err) }
