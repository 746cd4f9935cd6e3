package secretfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Rewrite replaces the contents of an existing file that holds secrets (a
// config file), atomically, keeping its mode, and keeps the previous
// contents in path+".bak" with mode 0600. A symlinked file is rewritten
// where it really lives, so the link survives. expect is what the caller
// read: if the file changed since, nothing is written.
func Rewrite(path string, data, expect []byte) (backup string, err error) {
	return rewrite(path, data, expect, true)
}

// Restore puts back contents that Rewrite replaced, leaving the backup as
// it is: it still holds the good previous file.
func Restore(path string, data, expect []byte) error {
	_, err := rewrite(path, data, expect, false)
	return err
}

func rewrite(path string, data, expect []byte, keepBackup bool) (backup string, err error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("cannot update %s: %w", path, unwrapPathError(err))
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("cannot update %s: %w", path, unwrapPathError(err))
	}
	current, err := os.ReadFile(real)
	if err != nil {
		return "", fmt.Errorf("cannot update %s: %w", path, unwrapPathError(err))
	}
	if !bytes.Equal(current, expect) {
		return "", fmt.Errorf("%s changed while dbtok was working; it was left as it is", path)
	}
	if keepBackup {
		backup = real + ".bak"
		if err := replace(backup, current, 0o600); err != nil {
			return "", fmt.Errorf("cannot write the backup %s: %w", backup, err)
		}
	}
	if err := replace(real, data, st.Mode().Perm()); err != nil {
		return "", fmt.Errorf("cannot update %s: %w", path, err)
	}
	return backup, nil
}

// replace writes data to path through a temp file in the same folder.
func replace(path string, data []byte, perm os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".dbtok-*.tmp")
	if err != nil {
		return unwrapPathError(err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return unwrapPathError(err)
	}
	if err = tmp.Chmod(perm); err != nil {
		return unwrapPathError(err)
	}
	if err = tmp.Sync(); err != nil {
		return unwrapPathError(err)
	}
	if err = tmp.Close(); err != nil {
		return unwrapPathError(err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return unwrapPathError(err)
	}
	syncDir(filepath.Dir(path))
	return nil
}
