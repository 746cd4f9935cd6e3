// Package userconfig resolves dbtok's own preferences with viper: a command
// line flag beats a DBTOK_* environment variable, which beats
// $XDG_CONFIG_HOME/dbtok/config.yaml, which beats the built-in default.
package userconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/xdg"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Keys are both flag names and config-file keys; the environment variable
// is DBTOK_ plus the key in upper case.
const (
	KeyOutput  = "output"
	KeyTimeout = "timeout"
)

// KnownKeys lists the settings, for messages.
func KnownKeys() string { return KeyOutput + ", " + KeyTimeout }

// Path is dbtok's config file: $XDG_CONFIG_HOME/dbtok/config.yaml, or
// ~/.config/dbtok/config.yaml when XDG_CONFIG_HOME is unset.
func Path() string {
	return xdg.Config("config.yaml")
}

type Settings struct {
	v     *viper.Viper
	flags *pflag.FlagSet
	path  string
}

// Load binds the flags and the environment and, when readFile is set,
// reads the config file (a missing one is fine).
func Load(flags *pflag.FlagSet, readFile bool) (*Settings, error) {
	v := viper.New()
	v.SetEnvPrefix("DBTOK")
	s := &Settings{v: v, flags: flags, path: Path()}
	for _, key := range []string{KeyOutput, KeyTimeout} {
		if f := flags.Lookup(key); f != nil {
			if err := v.BindPFlag(key, f); err != nil {
				return nil, err
			}
		}
		_ = v.BindEnv(key)
	}
	if s.path == "" || !readFile {
		return s, nil
	}
	if st, err := os.Stat(s.path); err == nil && !st.Mode().IsRegular() {
		// A FIFO would block the read.
		return nil, fmt.Errorf("cannot read dbtok config %s: not a regular file", s.path)
	}
	v.SetConfigFile(s.path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		msg := strings.Join(strings.Fields(err.Error()), " ")
		return nil, fmt.Errorf("cannot read dbtok config %s: %s", s.path, msg)
	}
	return s, nil
}

// Unknown lists the config file's keys that dbtok does not know: typos,
// which would otherwise be ignored without a word.
func (s *Settings) Unknown() []string {
	var out []string
	for _, k := range s.v.AllKeys() {
		if k != KeyOutput && k != KeyTimeout {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Path is the config file's path ("" when there is no home folder).
func (s *Settings) Path() string { return s.path }

// Source names where a setting came from, for error messages.
func (s *Settings) Source(key string) string {
	if f := s.flags.Lookup(key); f != nil && f.Changed {
		return "--" + key
	}
	env := "DBTOK_" + strings.ToUpper(key)
	// viper ignores an empty variable, and so does this.
	if os.Getenv(env) != "" {
		return env
	}
	if s.v.InConfig(key) {
		return s.path
	}
	return "default"
}

func (s *Settings) String(key string) string { return s.v.GetString(key) }

// Duration reads a duration setting, rejecting values viper would turn into 0.
func (s *Settings) Duration(key string) (time.Duration, error) {
	raw := strings.TrimSpace(s.v.GetString(key))
	d, err := time.ParseDuration(raw)
	if err != nil && raw != "" && strings.Trim(raw, "0123456789") == "" {
		return 0, fmt.Errorf("invalid %s %q (from %s): add a unit (%ss)", key, raw, s.Source(key), raw)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid %s %q (from %s): use a positive duration such as 30s or 2m", key, raw, s.Source(key))
	}
	return d, nil
}
