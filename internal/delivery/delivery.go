// Package delivery hands a new token's value to the places the user named
// (a file, profiles of the config file, a command's standard input, a
// Databricks secret) before anything old is revoked: each destination is
// checked before the token exists, and a delivery that reached none of
// them is reported so that the token can be revoked again.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/secretfile"
	"github.com/dbtok/dbtok/internal/tokens"
)

// Item is what is delivered: the value, and the token it belongs to (which
// a command may want to know, never the value).
type Item struct {
	Value tokens.Secret
	Token tokens.Token
	Place tokens.Place
}

// Destination is one place a new token's value goes.
type Destination interface {
	// String names the destination in messages.
	String() string
	// Target describes the destination in JSON output.
	Target() Target
	// Deliver hands the value over; on failure it says what is left there.
	Deliver(ctx context.Context, item Item) error
	// Close releases what Prepare reserved (temp files, locks).
	Close()
}

// Target is a destination in JSON output ("delivered_to"): its type and
// the fields that say where it is. Never the value.
type Target struct {
	Type       string   `json:"type"` // stdout, file, profiles, command, secret
	Path       string   `json:"path,omitempty"`
	ConfigFile string   `json:"config_file,omitempty"`
	Profiles   []string `json:"profiles,omitempty"`
	Command    string   `json:"command,omitempty"`
	Scope      string   `json:"scope,omitempty"`
	Key        string   `json:"key,omitempty"`
	Profile    string   `json:"profile,omitempty"`
	Host       string   `json:"host,omitempty"`
}

// StdoutTarget is the value printed on stdout.
var StdoutTarget = Target{Type: "stdout"}

// Stdout stands for the printed output in messages about a delivery: the
// commands print the value themselves, through their printer, and check
// that it is in what they printed.
var Stdout Destination = stdoutDest{}

type stdoutDest struct{}

func (stdoutDest) String() string                      { return "stdout" }
func (stdoutDest) Target() Target                      { return StdoutTarget }
func (stdoutDest) Deliver(context.Context, Item) error { return nil }
func (stdoutDest) Close()                              {}

// Label is a short human description, for a table cell.
func (t Target) Label() string {
	switch t.Type {
	case "file":
		return t.Path
	case "profiles":
		return "profile " + strings.Join(t.Profiles, ", ")
	case "command":
		return "| " + t.Command
	case "secret":
		s := "secret " + t.Scope + "/" + t.Key
		if t.Profile != "" {
			s += " (" + t.Profile + ")"
		}
		return s
	}
	return t.Type
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

func (f *File) Target() Target { return Target{Type: "file", Path: f.pending.Path()} }

// Path is the absolute path written.
func (f *File) Path() string { return f.pending.Path() }

func (f *File) Deliver(_ context.Context, item Item) error {
	if err := f.pending.Commit([]byte(item.Value.Reveal() + "\n")); err != nil {
		return fmt.Errorf("cannot write %s to %s: %w", f.what, f.pending.Path(), err)
	}
	return nil
}

func (f *File) Close() { f.pending.Abort() }

// PartialError is a delivery that stopped at one destination after others
// already hold the value. Those keep it: the token must stay live for them,
// and nothing can take a value back from a command or a secret store.
type PartialError struct {
	Done   []Destination
	Failed Destination
	Err    error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("delivered to %s, but not to %s: %v", Names(e.Done), e.Failed, e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }

// Names lists destinations for a message.
func Names(ds []Destination) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.String()
	}
	return strings.Join(names, " and ")
}

// Targets describes destinations for JSON output.
func Targets(ds []Destination) []Target {
	out := make([]Target, len(ds))
	for i, d := range ds {
		out[i] = d.Target()
	}
	return out
}

// All delivers item to every destination in order and stops at the first
// failure. When no destination holds the value the error is the
// destination's own; when some do, it is a *PartialError.
func All(ctx context.Context, dests []Destination, item Item) error {
	for i, d := range dests {
		if err := d.Deliver(ctx, item); err != nil {
			if i == 0 {
				return err
			}
			return &PartialError{Done: dests[:i], Failed: d, Err: err}
		}
	}
	return nil
}

// Reached returns the destinations that hold the value after err from
// All: none unless it is a *PartialError.
func Reached(err error) []Destination {
	var p *PartialError
	if errors.As(err, &p) {
		return p.Done
	}
	return nil
}

// CloseAll closes every destination.
func CloseAll(ds []Destination) {
	for _, d := range ds {
		d.Close()
	}
}
