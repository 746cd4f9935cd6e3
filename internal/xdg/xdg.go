// Package xdg places dbtok's own files under the XDG base directories, on
// every OS, so that they are where the README says: config in
// $XDG_CONFIG_HOME (~/.config), state in $XDG_STATE_HOME (~/.local/state),
// cache in $XDG_CACHE_HOME (~/.cache), each in a "dbtok" folder.
package xdg

import (
	"os"
	"path/filepath"
)

// Config is a file in dbtok's config folder; "" without a home folder.
func Config(name string) string { return path("XDG_CONFIG_HOME", ".config", name) }

// State is a file in dbtok's state folder.
func State(name string) string { return path("XDG_STATE_HOME", filepath.Join(".local", "state"), name) }

// Cache is a file or folder in dbtok's cache folder.
func Cache(name string) string { return path("XDG_CACHE_HOME", ".cache", name) }

func path(env, fallback, name string) string {
	dir := os.Getenv(env)
	if dir == "" || !filepath.IsAbs(dir) {
		// The spec says a relative value is to be ignored.
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, fallback)
	}
	return filepath.Join(dir, "dbtok", name)
}
