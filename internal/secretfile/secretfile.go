// Package secretfile writes a secret to a file the user named: mode 0600,
// atomically, never through a symlink, and never leaving a temp file behind.
package secretfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/dbtok/dbtok/internal/safefile"
)

// Pending is a reserved temp file next to the target. Reserving it before
// the secret exists proves the folder is writable, so a token is only
// created when it can be delivered.
type Pending struct {
	path      string
	tmp       *os.File
	overwrite bool
	done      bool
}

// Prepare validates path and reserves a temp file in its folder. The caller
// must call Commit or Abort.
func Prepare(path string, overwrite bool) (*Pending, error) {
	if path == "" {
		return nil, errors.New("no file name given")
	}
	if err := checkTarget(path, overwrite); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("cannot write %s: folder %s does not exist", path, dir)
	case err != nil:
		return nil, fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	case !st.IsDir():
		return nil, fmt.Errorf("cannot write %s: %s is not a folder", path, dir)
	}
	// CreateTemp opens with O_EXCL and mode 0600, so nobody else can have
	// the file open and the secret is never readable by others, not even
	// for a moment.
	tmp, err := safefile.Temp(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: folder %s is not writable: %w", path, dir, err)
	}
	return &Pending{path: path, tmp: tmp, overwrite: overwrite}, nil
}

func checkTarget(path string, overwrite bool) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// Nothing there (or a parent is not a folder, which Prepare reports).
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, unwrapPathError(err))
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: refusing to follow it; name the file it points to instead", path)
	case st.IsDir():
		return fmt.Errorf("%s is a folder: name a file to write the token to", path)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file: refusing to write a token to it", path)
	case !overwrite:
		return fmt.Errorf("%s already exists: use --force to replace it", path)
	}
	return nil
}

// Path is the file the secret will end up in.
func (p *Pending) Path() string { return p.path }

// Commit writes data, flushes it to disk and moves it into place. On
// failure the temp file is removed and the target is left as it was.
func (p *Pending) Commit(data []byte) (err error) {
	if p.done {
		return errors.New("secretfile: already committed or aborted")
	}
	defer func() {
		if err != nil {
			p.Abort()
		}
	}()
	if _, err = p.tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write %s: %w", p.path, unwrapPathError(err))
	}
	// Chmod again in case the file system ignored the mode at creation.
	if err = p.tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("cannot set mode 0600 on %s: %w", p.path, unwrapPathError(err))
	}
	if err = p.tmp.Sync(); err != nil {
		return fmt.Errorf("cannot flush %s to disk: %w", p.path, unwrapPathError(err))
	}
	if err = p.tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", p.path, unwrapPathError(err))
	}
	if err = p.place(); err != nil {
		return err
	}
	p.done = true
	safefile.SyncDir(filepath.Dir(p.path))
	return nil
}

// place moves the temp file to the target. Without overwrite it uses a hard
// link, which fails if the target appeared since Prepare, instead of rename,
// which would silently replace it.
func (p *Pending) place() error {
	tmp := p.tmp.Name()
	if p.overwrite {
		if err := checkTarget(p.path, true); err != nil {
			return err
		}
		if err := os.Rename(tmp, p.path); err != nil {
			return fmt.Errorf("cannot write %s: %w", p.path, unwrapPathError(err))
		}
		return nil
	}
	err := os.Link(tmp, p.path)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists (it appeared while the token was being created): use --force to replace it", p.path)
	}
	if err != nil {
		// Some file systems have no hard links: fall back to check-then-rename.
		if cerr := checkTarget(p.path, false); cerr != nil {
			return cerr
		}
		if rerr := os.Rename(tmp, p.path); rerr != nil {
			return fmt.Errorf("cannot write %s: %w", p.path, unwrapPathError(rerr))
		}
		return nil
	}
	_ = os.Remove(tmp)
	return nil
}

// Abort removes the temp file. It is safe to call more than once and after Commit.
func (p *Pending) Abort() {
	if p.done {
		return
	}
	p.done = true
	_ = p.tmp.Close()
	_ = os.Remove(p.tmp.Name())
}

func unwrapPathError(err error) error { return safefile.Unwrap(err) }
