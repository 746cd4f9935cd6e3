package databrickscfg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dbtok/dbtok/internal/safefile"
)

// Update is a change to a config file in progress. It holds the file's
// lock from BeginUpdate to Close, so that concurrent dbtok runs (a cron
// job and a person, parallel CI jobs) serialise their read-change-write
// sequences and each sees the other's result.
type Update struct {
	Path string // as named by the user
	// Raw is the file as it is now: as read under the lock, then as last
	// committed.
	Raw []byte

	prev      []byte // before the last Commit, for Restore
	backedUp  bool
	backupDst string

	real   string // where the file really lives (symlinks resolved)
	mode   fs.FileMode
	unlock func()
}

// BeginUpdate locks the file at path (waiting until ctx ends) and reads it.
func BeginUpdate(ctx context.Context, path string) (*Update, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("cannot update %s: %w", path, safefile.Unwrap(err))
	}
	unlock, err := safefile.Lock(ctx, real)
	if err != nil {
		if errors.Is(err, safefile.ErrLocked) {
			return nil, fmt.Errorf("cannot update %s: another dbtok run is changing it; try again when it is done", path)
		}
		return nil, fmt.Errorf("cannot update %s: %w", path, err)
	}
	u := &Update{Path: path, real: real, unlock: unlock}
	st, err := os.Stat(real)
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		unlock()
		return nil, fmt.Errorf("cannot update %s: %w", path, safefile.Unwrap(err))
	}
	u.mode = st.Mode().Perm()
	if u.Raw, err = os.ReadFile(real); err != nil {
		unlock()
		return nil, fmt.Errorf("cannot update %s: %w", path, safefile.Unwrap(err))
	}
	return u, nil
}

// Probe checks, before anything is created, that the file's folder takes
// new files: the atomic write needs a temp file there.
func (u *Update) Probe() error {
	tmp, err := safefile.Temp(u.real)
	if err != nil {
		return fmt.Errorf("cannot update %s: folder %s is not writable", u.Path, filepath.Dir(u.real))
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return nil
}

// Commit keeps the previous contents as <file>.bak (mode 0600) and
// replaces the file with data atomically, keeping its mode; a symlinked
// file is rewritten where it lives, so the link survives.
//
// Several commits in one update (profiles rotated one after another) each
// build on the last; the backup is the file as it was before the first.
func (u *Update) Commit(data []byte) (backup string, err error) {
	// Other dbtok runs wait for the lock, but an editor or a script does
	// not: if the file is no longer what was read, leave it alone.
	if now, err := os.ReadFile(u.real); err != nil || !bytes.Equal(now, u.Raw) {
		return "", fmt.Errorf("%s changed while dbtok was working; it was left as it is", u.Path)
	}
	if !u.backedUp {
		u.backupDst = u.real + ".bak"
		if err := safefile.Write(u.backupDst, u.Raw, 0o600); err != nil {
			return "", fmt.Errorf("cannot write the backup %s: %w", u.backupDst, err)
		}
		u.backedUp = true
	}
	if err := safefile.Write(u.real, data, u.mode); err != nil {
		return "", fmt.Errorf("cannot update %s: %w", u.Path, err)
	}
	u.prev, u.Raw = u.Raw, data
	return u.backupDst, nil
}

// Restore undoes the last Commit, leaving the backup as it is.
func (u *Update) Restore() error {
	if u.prev == nil {
		return nil
	}
	if err := safefile.Write(u.real, u.prev, u.mode); err != nil {
		return fmt.Errorf("cannot restore %s: %w", u.Path, err)
	}
	u.Raw, u.prev = u.prev, nil
	return nil
}

// Holds reports whether the file on disk now holds want byte for byte:
// the proof that a write landed and nothing else changed it.
func (u *Update) Holds(want []byte) error {
	got, err := os.ReadFile(u.real)
	if err != nil {
		return fmt.Errorf("cannot read %s back: %w", u.Path, safefile.Unwrap(err))
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s does not hold what was written", u.Path)
	}
	return nil
}

// Close releases the lock.
func (u *Update) Close() {
	if u.unlock != nil {
		u.unlock()
		u.unlock = nil
	}
}
