package root

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// No command imports another command: what two commands share lives in a
// package whose name says its job (tokens, delivery, tokenview, ...). A
// command group may import the commands under it (root all of them, token
// its subcommands), and nothing else under internal/cmd.
func TestNoCommandImportsAnother(t *testing.T) {
	const module = "github.com/dbtok/dbtok/"
	cmdDir := filepath.Join("..")
	err := filepath.WalkDir(cmdDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		from := filepath.ToSlash(filepath.Join("internal/cmd", filepath.Dir(strings.TrimPrefix(path, cmdDir+string(filepath.Separator)))))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			to, ok := strings.CutPrefix(p, module)
			if !ok || !strings.HasPrefix(to, "internal/cmd/") {
				continue
			}
			if from != "internal/cmd/root" && !strings.HasPrefix(to, from+"/") {
				t.Errorf("%s imports %s: move what they share out of the command packages", path, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
