// Command gendocs writes dbtok's Markdown command reference (docs/) and
// man pages from the command tree, so that they never drift from --help.
//
//	go run ./internal/gendocs -markdown docs -man manpages
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
	flag.Parse()
	if err := run(*markdown, *man); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(markdown, man string) error {
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
		header := &doc.GenManHeader{Title: "DBTOK", Section: "1", Date: &date, Source: "dbtok " + build.Version, Manual: "dbtok manual"}
		if err := doc.GenManTree(cmd, header, man); err != nil {
			return err
		}
	}
	return nil
}
