// Package output renders command results: the -o/--output formats, JSON,
// aligned tables and human times. It knows nothing about tokens.
package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
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
// escaping is off so that comments like "a<b" print as typed. A slice is
// written element by element, so that an admin's 20,000 tokens are never
// all encoded in memory at once; the bytes are the same either way.
func WriteJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.IsNil() || rv.Len() == 0 {
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		return bw.Flush()
	}
	var elem bytes.Buffer
	enc := json.NewEncoder(&elem)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	bw.WriteString("[\n")
	for i := 0; i < rv.Len(); i++ {
		elem.Reset()
		if err := enc.Encode(rv.Index(i).Interface()); err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(bytes.TrimSuffix(elem.Bytes(), []byte("\n")))
		if i < rv.Len()-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}
