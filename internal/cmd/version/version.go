// Package version implements `dbtok version`.
package version

import (
	"context"
	"fmt"

	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/spf13/cobra"
)

type Options struct {
	Printer func() (*output.Printer, error)
}

func NewCmdVersion(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Printer: f.Printer}
	return &cobra.Command{
		Use:     "version",
		Short:   "Show dbtok's version",
		Long:    "Show the version, commit and build date of this dbtok binary.",
		Example: cmdutil.Examples("$ dbtok version\n$ dbtok version -o json --jq .version"),
		Args:    cmdutil.NoArgs,
		// Text unless -o says otherwise, even piped; and no config file is
		// read, so a broken one cannot stop `dbtok version`.
		Annotations: map[string]string{cmdutil.DefaultOutputAnnotation: "table", cmdutil.NoConfigAnnotation: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return versionRun(cmd.Context(), opts)
		},
	}
}

func versionRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	return printer.Print(ctx, result{Version: build.Version, Commit: build.Commit, Date: build.Date})
}

// result is {"version", "commit", "date"}; people read one line.
type result struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

func (r result) Summary() []output.Field {
	return []output.Field{{Cells: []output.Cell{output.Text(Format())}}}
}

func (r result) Table() output.Table {
	return output.Table{
		Columns: []output.Column{{Header: "VERSION"}, {Header: "COMMIT"}, {Header: "DATE"}},
		Rows:    []output.Row{{Cells: []output.Cell{output.Text(r.Version), output.Text(r.Commit), output.Text(r.Date)}}},
	}
}

// Format is the one-line version text, also used for --version.
func Format() string {
	s := "dbtok version " + build.Version
	switch {
	case build.Commit != "" && build.Date != "":
		s += fmt.Sprintf(" (commit %s, built %s)", short(build.Commit), build.Date)
	case build.Commit != "":
		s += fmt.Sprintf(" (commit %s)", short(build.Commit))
	}
	return s
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
