// Package profiles implements `dbtok profiles`: the workspaces in the
// config file, and with --check whether each one authenticates.
package profiles

import (
	"context"
	"errors"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	Check    bool
	Parallel int
}

func NewCmdProfiles(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the workspace profiles in your config file",
		Long: heredoc.Doc(`
			List the profiles in your Databricks config file: name, host, how
			each authenticates, and which one is used when no profile is named
			(DATABRICKS_CONFIG_PROFILE, else the file's default_profile, else
			DEFAULT). No secret is ever shown.

			With --check, dbtok signs in to every workspace at once and lists
			your tokens there, to prove the credentials work; the exit code is
			that of the first failure.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok profiles
			$ dbtok profiles --check
			$ dbtok profiles -o json --jq '.[] | select(.auth_type == "pat") | .name'
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Parallel < 1 {
				return cmdutil.FlagErrorf("--parallel must be at least 1")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return profilesRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Check, "check", false, "sign in to every profile's workspace and report whether it works")
	cmd.Flags().IntVar(&opts.Parallel, "parallel", fanout.DefaultParallel, "with --check, try `N` workspaces at once")
	return cmd
}

type checkJSON struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

type profileJSON struct {
	Name     string     `json:"name"`
	Host     string     `json:"host"`
	AuthType string     `json:"auth_type"`
	Default  bool       `json:"default"`
	Check    *checkJSON `json:"check,omitempty"`
}

func profilesRun(ctx context.Context, opts *Options) error {
	run, err := opts.Prepare()
	if err != nil {
		return err
	}
	format, printer, timeout := run.Format, run.Printer, run.Timeout
	file, err := opts.ConfigFile()
	if err != nil {
		if errors.Is(err, databrickscfg.ErrNotFound) {
			return &workspace.ConfigError{Msg: fmt.Sprintf("%s; create it with a [DEFAULT] profile (host and token)", err)}
		}
		return &workspace.ConfigError{Msg: err.Error()}
	}
	def := workspace.ProfileFromEnv()
	if def == "" {
		def = file.DefaultProfile()
	}
	rows := make([]profileJSON, len(file.Profiles))
	for i, p := range file.Profiles {
		rows[i] = profileJSON{Name: p.Name, Host: p.Host(), AuthType: p.AuthType(), Default: p.Name == def}
	}

	var failure error
	if opts.Check {
		results := fanout.Run(ctx, file.Names(), opts.Parallel, func(ctx context.Context, name string) (struct{}, error) {
			ws, err := opts.WorkspaceFor(name)
			if err != nil {
				return struct{}{}, err
			}
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if _, err := ws.Tokens.List(ctx); err != nil {
				return struct{}{}, cmdutil.APIError("list tokens", ws, err, timeout)
			}
			return struct{}{}, nil
		})
		for i, r := range results {
			rows[i].Check = &checkJSON{OK: r.Err == nil}
			if r.Err != nil {
				rows[i].Check.Error = r.Err.Error()
				if failure == nil {
					failure = r.Err
				}
			}
		}
	}

	if format == output.JSON {
		if err := printer.Write(opts.IO.Out, rows); err != nil {
			return err
		}
	} else if err := renderTable(opts, rows); err != nil {
		return err
	}
	if failure != nil {
		return &cmdutil.SilentError{Code: cmdutil.ExitCode(failure)}
	}
	return nil
}

func renderTable(opts *Options, rows []profileJSON) error {
	if len(rows) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No profiles in the config file.")
		return nil
	}
	cs := opts.IO.ColorScheme()
	header := []string{"NAME", "HOST", "AUTH", "DEFAULT"}
	if opts.Check {
		header = append(header, "CHECK")
	}
	tp := output.NewTable(opts.IO.Out, opts.IO.TerminalWidth(), header...)
	tp.Truncate = len(header) - 1
	for _, r := range rows {
		def := ""
		if r.Default {
			def = "*"
		}
		cells := []string{r.Name, r.Host, r.AuthType, def}
		var paint func(string) string
		if r.Check != nil {
			if r.Check.OK {
				cells = append(cells, "ok")
			} else {
				cells = append(cells, "failed: "+r.Check.Error)
				paint = cs.Red
			}
		}
		tp.AddRow(paint, cells...)
	}
	return tp.Render()
}
