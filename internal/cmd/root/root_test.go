package root

import (
	"bytes"
	"os"
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
