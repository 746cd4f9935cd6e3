// Package xdg places dbtok's own files under the XDG base directories.
package xdg

import (
	"os"
	"path/filepath"
)

// Path joins elem onto the directory named by the environment variable env,
// or, when env is unset, onto fallback under the home directory (the XDG
// default, used on every OS so the files are where the docs say). It is ""
// when neither can be found.
func Path(env, fallback string, elem ...string) string {
	dir := os.Getenv(env)
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, fallback)
	}
	return filepath.Join(append([]string{dir}, elem...)...)
}
