package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/itchyny/gojq"
	"github.com/mattn/go-runewidth"
)

// Filter is --jq or --template: a view of the JSON form, as gh offers.
type Filter struct {
	jq   *gojq.Code
	tmpl string
}

// NewFilter compiles the expressions, so that a typo is a usage error
// before any request is made.
func NewFilter(jq, tmpl string) (*Filter, error) {
	if jq != "" && tmpl != "" {
		return nil, fmt.Errorf("use either --jq or --template, not both")
	}
	f := &Filter{}
	if jq != "" {
		q, err := gojq.Parse(jq)
		if err != nil {
			return nil, fmt.Errorf("--jq %q: %v", jq, err)
		}
		if f.jq, err = gojq.Compile(q); err != nil {
			return nil, fmt.Errorf("--jq %q: %v", jq, err)
		}
	}
	if tmpl != "" {
		// Parsed once here to report syntax errors early; executed with
		// helpers bound to the run's context.
		if _, err := template.New("output").Funcs(templateFuncs(&Context{}, nil)).Parse(tmpl); err != nil {
			return nil, fmt.Errorf("--template: %v", strings.TrimPrefix(err.Error(), "template: "))
		}
		f.tmpl = tmpl
	}
	return f, nil
}

// apply writes v's JSON form through the filter. On a terminal, strings
// from the data are escaped (see Sanitize); into a pipe they stay byte-exact.
func (f *Filter) apply(w *bytes.Buffer, v any, c *Context) error {
	if f.tmpl != "" {
		// Numbers stay json.Number so that epoch milliseconds print as
		// written, not as 1.795e+12.
		data, err := toGeneric(v, true)
		if err != nil {
			return err
		}
		if c.TTY {
			data = sanitizeData(data)
		}
		var tab tableRows
		t, err := template.New("output").Option("missingkey=zero").Funcs(templateFuncs(c, &tab)).Parse(f.tmpl)
		if err != nil {
			return fmt.Errorf("--template: %v", err)
		}
		if err := t.Execute(w, data); err != nil {
			return fmt.Errorf("--template: %v", strings.TrimPrefix(err.Error(), "template: "))
		}
		// Rows added with tablerow and never rendered are rendered at the end.
		w.WriteString(tab.render())
		return nil
	}
	data, err := toGeneric(v, false)
	if err != nil {
		return err
	}
	iter := f.jq.Run(data)
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := r.(error); isErr {
			return fmt.Errorf("--jq: %v", err)
		}
		switch r := r.(type) {
		case string:
			// Strings print raw, one per line, like `jq -r`.
			if c.TTY {
				r = Sanitize(r)
			}
			w.WriteString(r)
		default:
			b, err := gojq.Marshal(r)
			if err != nil {
				return err
			}
			if c.TTY {
				b = sanitizeJSON(b)
			}
			w.Write(b)
		}
		w.WriteByte('\n')
	}
}

// sanitizeData escapes every string in generic JSON data.
func sanitizeData(v any) any {
	switch v := v.(type) {
	case string:
		return Sanitize(v)
	case []any:
		for i := range v {
			v[i] = sanitizeData(v[i])
		}
	case map[string]any:
		for k, x := range v {
			v[k] = sanitizeData(x)
		}
	}
	return v
}

// tableRows collects tablerow calls for tablerender, as gh's templates do.
type tableRows [][]string

func (t *tableRows) render() string {
	if len(*t) == 0 {
		return ""
	}
	widths := map[int]int{}
	for _, r := range *t {
		for i, c := range r {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range *t {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(c)+gap))
			}
		}
		b.WriteByte('\n')
	}
	*t = nil
	return b.String()
}

// templateFuncs are the helpers --template offers: gh's, for the same habits.
func templateFuncs(c *Context, tab *tableRows) template.FuncMap {
	return template.FuncMap{
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
		// timeago turns an RFC 3339 time into "3d ago" / "in 12d".
		"timeago": func(v any) (string, error) {
			s := fmt.Sprint(v)
			if v == nil || s == "" {
				return "", nil
			}
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return "", fmt.Errorf("timeago: %q is not an RFC 3339 time", s)
			}
			return Relative(c.Now, t), nil
		},
		// truncate cuts text to a display width, with an ellipsis.
		"truncate": func(n int, v any) string {
			return runewidth.Truncate(fmt.Sprint(v), n, "…")
		},
		// color paints text ("red", "green", "yellow") when colour is on.
		"color": func(name string, v any) string {
			s := fmt.Sprint(v)
			st := map[string]Style{"red": Bad, "green": Good, "yellow": Warn}[strings.ToLower(name)]
			return paint(c, st, s)
		},
		// tablerow adds a row to a table that tablerender (or the end of
		// the template) prints aligned.
		"tablerow": func(fields ...any) string {
			if tab == nil {
				return ""
			}
			row := make([]string, len(fields))
			for i, f := range fields {
				row[i] = fmt.Sprint(f)
				if f == nil {
					row[i] = ""
				}
			}
			*tab = append(*tab, row)
			return ""
		},
		"tablerender": func() string {
			if tab == nil {
				return ""
			}
			return tab.render()
		},
	}
}
