package root

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/cmd/completion"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The completion scripts shipped in completions/ must match what the
// binary generates; `make completions` regenerates them.
func TestCommittedCompletionsAreCurrent(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(NewFactory(ios))
	for _, shell := range completion.Shells {
		var want bytes.Buffer
		if err := completion.Generate(root, shell, &want); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", "..", "..", "completions", completion.FileName(shell))
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run `make completions`)", shell, err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s is stale: run `make completions` and commit the result", path)
		}
	}
}

// The Markdown reference in docs/ must match the command tree; `make docs`
// regenerates it.
func TestCommittedDocsAreCurrent(t *testing.T) {
	dir := t.TempDir()
	gen := exec.Command("go", "run", "../../gendocs", "-markdown", dir)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("gendocs: %v\n%s", err, out)
	}
	want, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	// Only the generated pages: docs/ also holds hand-written ones
	// (releasing.md).
	got, _ := filepath.Glob(filepath.Join("..", "..", "..", "docs", "dbtok*.md"))
	if len(got) != len(want) {
		t.Fatalf("docs/ has %d pages, the command tree %d: run `make docs`", len(got), len(want))
	}
	for _, w := range want {
		b, _ := os.ReadFile(w)
		c, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", filepath.Base(w)))
		if err != nil || !bytes.Equal(b, c) {
			t.Errorf("docs/%s is stale: run `make docs` and commit the result", filepath.Base(w))
		}
	}
}

// Backticks in a flag's usage name its value in --help (--comment TEXT):
// anything else in them (a command, say) would show up as the value's
// name. And completion descriptions carry no backticks at all.
func TestFlagUsagePlaceholders(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdRoot(NewFactory(ios))
	placeholder := regexp.MustCompile("^[A-Z][A-Z0-9_]*(/[A-Z][A-Z0-9_]*)*$")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(fl *pflag.Flag) {
			name, _ := pflag.UnquoteUsage(fl)
			if strings.Contains(fl.Usage, "`") && !placeholder.MatchString(name) {
				t.Errorf("%s --%s: %q between backticks is not a value's name", c.CommandPath(), fl.Name, name)
			}
		}
		c.LocalFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
	plainFlagUsage(cmd)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if strings.Contains(fl.Usage, "`") {
				t.Errorf("%s --%s: completion description keeps backticks: %q", c.CommandPath(), fl.Name, fl.Usage)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
}
