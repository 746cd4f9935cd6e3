package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/itchyny/gojq"
)

// JSONPrinter writes JSON output as is, or through a jq expression or a Go
// template, as gh's --jq and --template do.
type JSONPrinter struct {
	jq   *gojq.Code
	tmpl *template.Template
}

// NewJSONPrinter compiles the expressions; empty ones mean plain JSON.
func NewJSONPrinter(jq, tmpl string) (*JSONPrinter, error) {
	p := &JSONPrinter{}
	if jq != "" && tmpl != "" {
		return nil, fmt.Errorf("use either --jq or --template, not both")
	}
	if jq != "" {
		q, err := gojq.Parse(jq)
		if err != nil {
			return nil, fmt.Errorf("--jq %q: %v", jq, err)
		}
		if p.jq, err = gojq.Compile(q); err != nil {
			return nil, fmt.Errorf("--jq %q: %v", jq, err)
		}
	}
	if tmpl != "" {
		t, err := template.New("output").Option("missingkey=zero").Funcs(templateFuncs).Parse(tmpl)
		if err != nil {
			return nil, fmt.Errorf("--template: %v", strings.TrimPrefix(err.Error(), "template: "))
		}
		p.tmpl = t
	}
	return p, nil
}

var templateFuncs = template.FuncMap{
	// json renders a value as compact JSON, e.g. {{json .}}.
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join": func(sep string, v []any) string {
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, sep)
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

// Write renders v to w. Results of --jq that are strings print raw (one
// per line), anything else as compact JSON, like `jq -r`.
func (p *JSONPrinter) Write(w io.Writer, v any) error {
	if p == nil || p.jq == nil && p.tmpl == nil {
		return WriteJSON(w, v)
	}
	if p.tmpl != nil {
		// Numbers stay json.Number so that epoch milliseconds print as
		// written, not as 1.795e+12.
		generic, err := toGeneric(v, true)
		if err != nil {
			return err
		}
		return p.tmpl.Execute(w, generic)
	}
	generic, err := toGeneric(v, false)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	iter := p.jq.Run(generic)
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := r.(error); isErr {
			return fmt.Errorf("--jq: %v", err)
		}
		switch r := r.(type) {
		case string:
			buf.WriteString(r)
		default:
			b, err := gojq.Marshal(r)
			if err != nil {
				return err
			}
			buf.Write(b)
		}
		buf.WriteByte('\n')
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// toGeneric turns v into the maps, slices and scalars gojq and templates
// work on, by way of its JSON form so that field names match the output.
func toGeneric(v any, useNumber bool) (any, error) {
	b, err := json.Marshal(v)
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
