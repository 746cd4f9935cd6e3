// Package output renders command results: the -o/--output formats, JSON,
// aligned tables and human times. It knows nothing about tokens.
package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
)

// Formats lists the accepted --output values, for help and completion.
var Formats = []string{string(Table), string(JSON)}

// ParseFormat validates a user-supplied format; empty means "choose for me".
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case Table, JSON, "":
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q: use table or json", s)
}

// Default is what a format left unset means: tables for people at a
// terminal, JSON for pipes and scripts.
func Default(f Format, stdoutTTY bool) Format {
	if f != "" {
		return f
	}
	if stdoutTTY {
		return Table
	}
	return JSON
}

// WriteJSON writes v as indented JSON with a trailing newline. HTML
// escaping is off so that comments like "a<b" print as typed.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
