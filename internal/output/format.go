package output

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/redact"
)

// format renders a result into out. Human formats also say things on
// stderr (notes) and show nothing for an empty list but a note.
type format struct {
	name   string
	help   string
	render func(out *Rendered, v any, c *Context) error
	// json formats take --jq and --template.
	json bool
	// only names the commands that render the format, when it fits one
	// kind of result (SARIF: findings). Every other command refuses it
	// when the printer is chosen, before anything is sent.
	only string
}

// formats is every -o value. A new format is one file with its render
// function and one line here.
var formats = []format{
	{name: "table", help: "aligned columns on a terminal, tab-separated otherwise", render: renderTable},
	{name: "wide", help: "a table with every column, uncut", render: renderWide},
	{name: "json", help: "the stable JSON documented in the README", render: renderJSON, json: true},
	{name: "jsonl", help: "JSON Lines: one compact JSON object per line, a list's elements as they are ready", render: renderJSONL},
	{name: "yaml", help: "the JSON form as YAML", render: renderYAML},
	{name: "csv", help: "every column, with a header row", render: renderCSV},
	{name: "sarif", help: "SARIF 2.1.0 for code scanning (dbtok audit only)", render: renderSARIF, only: "dbtok audit"},
}

// Formats lists the accepted -o values, for help and completion.
func Formats() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.name
	}
	return names
}

// FormatsFor lists the -o values a command accepts: every general format
// and those reserved for commands it names in renders (e.g. "sarif").
func FormatsFor(renders []string) []string {
	var names []string
	for _, f := range formats {
		if f.only == "" || slices.Contains(renders, f.name) {
			names = append(names, f.name)
		}
	}
	return names
}

// FormatHelp describes the formats for --help and completion.
func FormatHelp() map[string]string {
	m := map[string]string{}
	for _, f := range formats {
		m[f.name] = f.help
	}
	return m
}

func lookup(name string) (format, bool) {
	for _, f := range formats {
		if f.name == name {
			return f, true
		}
	}
	return format{}, false
}

// Choice is what the user asked for: -o (or its default), --jq, --template.
type Choice struct {
	Format   string // "" means table on a terminal, JSON otherwise
	Source   string // where Format came from, for messages ("--output", "DBTOK_OUTPUT")
	JQ       string
	Template string
	// Command is the running command ("dbtok list"); Renders names the
	// formats with an "only" restriction it renders.
	Command string
	Renders []string
}

// Printer renders results in the format chosen once per run.
type Printer struct {
	f      format
	ctx    Context
	out    io.Writer
	errOut io.Writer
}

// NewPrinter validates the choice (a bad -o, --jq or --template is a usage
// error before anything is sent) and returns the printer. defaultTTY says
// what an unset format means: a table for people, JSON for pipes.
func NewPrinter(ch Choice, c Context, out, errOut io.Writer) (*Printer, error) {
	name := strings.ToLower(strings.TrimSpace(ch.Format))
	if ch.JQ != "" || ch.Template != "" {
		if name != "" && name != "json" && ch.Source == "--output" {
			return nil, failure.Usagef("--jq and --template work on JSON output; drop -o %s", name)
		}
		// --jq and --template work on JSON, as in gh.
		name = "json"
	}
	if name == "" {
		name = "json"
		if c.TTY {
			name = "table"
		}
	}
	f, ok := lookup(name)
	if !ok {
		from := ""
		if ch.Source != "" {
			from = " (from " + ch.Source + ")"
		}
		return nil, failure.Usagef("unknown output format %q: use one of %s%s", ch.Format, strings.Join(Formats(), ", "), from)
	}
	if f.only != "" && !slices.Contains(ch.Renders, f.name) {
		from := ""
		if ch.Source != "" && ch.Source != "--output" {
			from = " (from " + ch.Source + ")"
		}
		var general []string
		for _, g := range formats {
			if g.only == "" {
				general = append(general, g.name)
			}
		}
		last := len(general) - 1
		return nil, failure.Usagef("output format %s%s is only for %s; for %s use %s or %s", f.name, from, f.only, cmp.Or(ch.Command, "this command"), strings.Join(general[:last], ", "), general[last])
	}
	if ch.JQ != "" || ch.Template != "" {
		filter, err := NewFilter(ch.JQ, ch.Template)
		if err != nil {
			return nil, &failure.UsageError{Err: err}
		}
		c.Filter = filter
	}
	return &Printer{f: f, ctx: c, out: out, errOut: errOut}, nil
}

// Context is the printer's view of the output, for results that need it.
func (p *Printer) Context() *Context { return &p.ctx }

// Rendered is a result's output, ready to write.
type Rendered struct {
	Stdout bytes.Buffer
	// Notes go to stderr, one line each, after stdout.
	Notes []string
}

// Contains reports whether stdout will hold s: how create and rotate know
// that a --jq or --template really delivers the new token's value.
func (r *Rendered) Contains(s string) bool { return bytes.Contains(r.Stdout.Bytes(), []byte(s)) }

// Render renders v. Every credential dbtok knows is scrubbed from the
// output except reveal, the values this output exists to deliver.
// Rendering runs under ctx: a runaway --jq stops at Ctrl-C.
func (p *Printer) Render(ctx context.Context, v any, reveal ...string) (*Rendered, error) {
	type result struct {
		r   *Rendered
		err error
	}
	done := make(chan result, 1)
	go func() {
		r := &Rendered{}
		err := p.f.render(r, asValue(v), &p.ctx)
		done <- result{r, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, failure.Interrupted(ctx.Err())
	}
	if res.err != nil {
		return nil, res.err
	}
	scrubbed := redact.Except(res.r.Stdout.String(), reveal...)
	res.r.Stdout.Reset()
	res.r.Stdout.WriteString(scrubbed)
	return res.r, nil
}

// Write sends rendered output to stdout and its notes to stderr.
func (p *Printer) Write(r *Rendered) error {
	if r.Stdout.Len() > 0 {
		if _, err := p.out.Write(r.Stdout.Bytes()); err != nil {
			return err
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(p.errOut, redact.String(Sanitize(n)))
	}
	return nil
}

// Print renders v and writes it; a long list (Lister) is written as it is
// rendered.
func (p *Printer) Print(ctx context.Context, v any) error {
	if l, ok := p.streams(v); ok {
		return p.stream(ctx, l, v)
	}
	r, err := p.Render(ctx, v)
	if err != nil {
		return err
	}
	return p.Write(r)
}

func errNoForm(format string, v any) error {
	return fmt.Errorf("output: %T has no %s form", v, format)
}
