// Package version implements `dbtok version`.
package version

import (
	"fmt"
	"io"

	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/spf13/cobra"
)

func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Show dbtok's version",
		Long:    "Show the version, commit and build date of this dbtok binary.",
		Example: cmdutil.Examples("$ dbtok version\n$ dbtok version -o json | jq -r .version"),
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The same checks as every command; but only an explicit -o json
			// (or DBTOK_OUTPUT, or --jq/--template) switches format: a piped
			// `dbtok version` should still read as text.
			if _, err := f.OutputFormat(); err != nil {
				return err
			}
			s, err := f.Settings()
			if err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			explicit, _ := output.ParseFormat(s.String("output"))
			if explicit == output.JSON || f.Globals.JQ != "" || f.Globals.Template != "" {
				printer, err := f.JSONPrinter()
				if err != nil {
					return err
				}
				return printer.Write(f.IOStreams.Out, versionJSON{Version: build.Version, Commit: build.Commit, Date: build.Date})
			}
			_, err = io.WriteString(f.IOStreams.Out, Format())
			return err
		},
	}
}

type versionJSON struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
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
	return s + "\n"
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
