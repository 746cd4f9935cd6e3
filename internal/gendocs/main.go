// Command gendocs writes dbtok's Markdown command reference (docs/) and
// man pages from the command tree, so that they never drift from --help.
//
//	go run ./internal/gendocs -markdown docs -man manpages -version v0.1.0
//
// Man pages carry the version they document in their footer (-version,
// which the release and `make man` pass; by default the version of gendocs
// itself, "(devel)" under go run) and the date SOURCE_DATE_EPOCH names.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/cmd/root"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/spf13/cobra/doc"
)

func main() {
	markdown := flag.String("markdown", "", "write the Markdown reference into this folder")
	man := flag.String("man", "", "write man pages into this folder")
	version := flag.String("version", "", "the dbtok version the man pages document (default: gendocs' own)")
	flag.Parse()
	if *version == "" {
		*version = build.Version
	}
	if err := run(*markdown, *man, *version); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(markdown, man, version string) error {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(root.NewFactory(ios))
	// No "generated on <date>" line: the files are committed and compared.
	cmd.DisableAutoGenTag = true
	if markdown != "" {
		if err := os.MkdirAll(markdown, 0o755); err != nil {
			return err
		}
		if err := doc.GenMarkdownTree(cmd, markdown); err != nil {
			return err
		}
	}
	if man != "" {
		if err := os.MkdirAll(man, 0o755); err != nil {
			return err
		}
		// Reproducible builds: the date comes from SOURCE_DATE_EPOCH (set by
		// the release from the commit), not from the clock.
		date := time.Unix(0, 0).UTC()
		if s, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
			date = time.Unix(s, 0).UTC()
		}
		// No Title: cobra then titles each page after its command
		// (DBTOK-TOKEN-CREATE(1)), as the file is named.
		header := &doc.GenManHeader{Section: "1", Date: &date, Source: "dbtok " + version, Manual: "dbtok manual"}
		if err := doc.GenManTree(cmd, header, man); err != nil {
			return err
		}
	}
	return nil
}
