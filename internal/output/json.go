package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"reflect"
)

// renderJSON is the "json" format: the result's own JSON form, through
// --jq or --template when given.
func renderJSON(out *Rendered, v any, c *Context) error {
	if c.Filter != nil {
		return c.Filter.apply(&out.Stdout, v, c)
	}
	return writeDocument(out, jsonForm(v), c)
}

// writeDocument writes v as indented JSON to stdout; on a terminal its
// strings are made safe to show (escapes neutralised), as everywhere.
func writeDocument(out *Rendered, v any, c *Context) error {
	if err := WriteJSON(&out.Stdout, v); err != nil {
		return err
	}
	if c.TTY {
		b := sanitizeJSON(out.Stdout.Bytes())
		out.Stdout.Reset()
		out.Stdout.Write(b)
	}
	return nil
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

// toGeneric turns v into the maps, slices and scalars gojq, templates and
// YAML work on, by way of its JSON form so that field names match.
func toGeneric(v any, useNumber bool) (any, error) {
	b, err := json.Marshal(jsonForm(v))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if useNumber {
		dec.UseNumber()
	}
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}
