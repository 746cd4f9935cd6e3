package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/cmd/root"
	"github.com/dbtok/dbtok/internal/iostreams"
	"go.yaml.in/yaml/v3"
)

// The repository's root, from this package's folder.
const repo = "../.."

// generated writes the reference and the man pages into temporary folders
// and returns both folders.
func generated(t *testing.T) (markdown, man string) {
	t.Helper()
	markdown, man = t.TempDir(), t.TempDir()
	if err := run(markdown, man, "test"); err != nil {
		t.Fatal(err)
	}
	return markdown, man
}

func names(t *testing.T, dir, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		out = append(out, filepath.Base(f))
	}
	slices.Sort(out)
	return out
}

// docs/ holds exactly what `make docs` writes now: a command added or a
// flag reworded without regenerating fails here, not in a user's browser.
func TestMarkdownReferenceIsCurrent(t *testing.T) {
	markdown, _ := generated(t)
	want := names(t, markdown, "dbtok*.md")
	if got := names(t, filepath.Join(repo, "docs"), "dbtok*.md"); !slices.Equal(got, want) {
		t.Fatalf("docs/ has %v, the command tree makes %v: run make docs", got, want)
	}
	for _, name := range want {
		fresh, _ := os.ReadFile(filepath.Join(markdown, name))
		committed, err := os.ReadFile(filepath.Join(repo, "docs", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("docs/%s is stale: run make docs", name)
		}
	}
}

// Every man page gendocs writes is packaged: the rpm and the Homebrew cask
// list them one by one (neither expands a glob), so a new command must be
// added to both lists.
func TestReleasePackagesEveryManPage(t *testing.T) {
	_, man := generated(t)
	var want []string
	for _, page := range names(t, man, "*.1") {
		want = append(want, "manpages/"+page+".gz")
	}
	raw, err := os.ReadFile(filepath.Join(repo, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		Nfpms []struct {
			ID       string `yaml:"id"`
			Contents []struct {
				Src string `yaml:"src"`
			} `yaml:"contents"`
		} `yaml:"nfpms"`
		Casks []struct {
			Manpages []string `yaml:"manpages"`
		} `yaml:"homebrew_casks"`
	}
	if err := yaml.Unmarshal(raw, &config); err != nil {
		t.Fatal(err)
	}
	check := func(where string, got []string) {
		t.Helper()
		if slices.Contains(got, "manpages/*.1.gz") {
			return // a glob the packager expands itself
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s in .goreleaser.yaml lists %v\nbut gendocs writes %v", where, got, want)
		}
	}
	for _, p := range config.Nfpms {
		var pages []string
		for _, c := range p.Contents {
			if strings.HasPrefix(c.Src, "manpages/") {
				pages = append(pages, c.Src)
			}
		}
		check("nfpms "+p.ID, pages)
	}
	if len(config.Casks) == 0 {
		t.Fatal("no homebrew_casks in .goreleaser.yaml")
	}
	for _, c := range config.Casks {
		check("homebrew_casks manpages", c.Manpages)
	}
}

// completions/ holds what `make completions` writes now.
func TestCompletionScriptsAreCurrent(t *testing.T) {
	for shell, file := range map[string]string{
		"bash": "dbtok.bash", "zsh": "_dbtok", "fish": "dbtok.fish", "powershell": "dbtok.ps1",
	} {
		ios, _, stdout, _ := iostreams.Test()
		cmd := root.NewCmdRoot(root.NewFactory(ios))
		cmd.SetArgs([]string{"completion", shell})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join(repo, "completions", file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stdout.Bytes(), committed) {
			t.Errorf("completions/%s is stale: run make completions", file)
		}
	}
}
