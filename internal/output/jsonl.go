package output

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"sync"
)

// JSON Lines (-o jsonl): one compact JSON object per line, for tools that
// read a record at a time (jq -c, log shippers). A list prints one line
// per element; an enveloped list (an --all-profiles listing) its elements,
// then each element of the envelope's other lists (the workspaces that
// failed); anything else one line.

func renderJSONL(out *Rendered, v any, c *Context) error {
	return writeJSONL(&out.Stdout, jsonForm(v))
}

// writeJSONL writes v as JSON Lines.
func writeJSONL(b *bytes.Buffer, v any) error {
	if e, ok := v.(envelope); ok {
		for _, item := range e.items {
			if err := jsonLine(b, item); err != nil {
				return err
			}
		}
		for _, k := range e.restKeys() {
			if err := writeJSONL(b, e.rest[k]); err != nil {
				return err
			}
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		for i := 0; i < rv.Len(); i++ {
			if err := jsonLine(b, rv.Index(i).Interface()); err != nil {
				return err
			}
		}
		return nil
	}
	return jsonLine(b, v)
}

// jsonLine writes v compactly on one line. The encoder escapes control
// characters and line separators, so a record never spans two lines.
func jsonLine(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Enveloped lists print their JSON as an object: the elements under a
// key, beside other fields (an --all-profiles listing: its tokens, and the
// workspaces that failed). ok is false when the list prints as a plain
// array (one workspace).
type Enveloped interface {
	Envelope() (key string, rest map[string]any, ok bool)
}

// envelope is an Enveloped list's JSON form: the elements first, then the
// other fields in key order.
type envelope struct {
	key   string
	items []any
	rest  map[string]any
}

func (e envelope) restKeys() []string {
	keys := make([]string, 0, len(e.rest))
	for k := range e.rest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (e envelope) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	field := func(k string, v any) error {
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		var vb bytes.Buffer
		enc := json.NewEncoder(&vb)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		b.Write(bytes.TrimSuffix(vb.Bytes(), []byte("\n")))
		return nil
	}
	items := e.items
	if items == nil {
		items = []any{}
	}
	if err := field(e.key, items); err != nil {
		return nil, err
	}
	for _, k := range e.restKeys() {
		b.WriteByte(',')
		if err := field(k, e.rest[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Records prints records as soon as each is ready, in the order they come,
// for formats whose records stand alone: JSON Lines. ok is false for every
// other format, which needs the whole list, in order, first.
func (p *Printer) Records(ctx context.Context) (*Records, bool) {
	if p.f.name != "jsonl" {
		return nil, false
	}
	return &Records{s: &streamer{p: p, ctx: ctx}}, true
}

// Records is output being printed a record at a time, from several
// goroutines at once.
type Records struct {
	mu sync.Mutex
	s  *streamer
	n  int
}

// Add prints records together, at once.
func (r *Records) Add(records ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range records {
		if err := jsonLine(&r.s.buf, v); err != nil {
			return err
		}
		r.n++
	}
	return r.s.flush()
}

// Len is how many records were printed.
func (r *Records) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}
