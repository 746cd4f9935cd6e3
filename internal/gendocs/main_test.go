package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The repository's root, from this package's folder.
const repo = "../.."

// manPages writes the man pages into a temporary folder and returns it.
// (That docs/ and completions/ are current is tested in package root.)
func manPages(t *testing.T) string {
	t.Helper()
	man := t.TempDir()
	if err := run("", man, "test"); err != nil {
		t.Fatal(err)
	}
	return man
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

// Every man page gendocs writes is packaged: the rpm and the Homebrew cask
// list them one by one (neither expands a glob), so a new command must be
// added to both lists.
func TestReleasePackagesEveryManPage(t *testing.T) {
	man := manPages(t)
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
