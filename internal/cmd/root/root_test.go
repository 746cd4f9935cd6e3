package root

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dbtok/dbtok/internal/cmd/completion"
	"github.com/dbtok/dbtok/internal/iostreams"
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
