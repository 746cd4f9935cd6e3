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
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

type Options struct {
	cmdutil.Deps

	Check    bool
	Parallel int
	// Warn reports a problem with the config file that does not stop the
	// command.
	Warn func(string)
}

func NewCmdProfiles(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps(), Warn: f.Warn}
	var parallel *pflag.Flag
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
			if err := tokenflags.CheckParallel(parallel, opts.Parallel); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return profilesRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Check, "check", false, "sign in to every profile's workspace and report whether it works")
	parallel = tokenflags.RegisterParallel(cmd.Flags(), &opts.Parallel, "with --check, "+tokenflags.ParallelUsage)
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
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	file, err := opts.ConfigFile()
	if err != nil {
		if errors.Is(err, databrickscfg.ErrNotFound) {
			return failure.Configf("%s; create it with a [DEFAULT] profile (host and token)", err)
		}
		return &failure.ConfigError{Msg: err.Error()}
	}
	if file.ExposedToOthers() && file.HasSecrets() {
		opts.Warn(fmt.Sprintf("%s holds credentials but other users can access it (mode %04o); run: chmod 600 %s", file.Path, file.Mode, file.Path))
	}
	def := workspace.ProfileFromEnv()
	if def == "" {
		def = file.DefaultProfile()
	} else if _, ok := file.Get(def); !ok {
		opts.Warn(fmt.Sprintf("DATABRICKS_CONFIG_PROFILE names profile %q, which %s does not have: commands without --profile will fail", def, file.Path))
	}
	rows := make([]profileJSON, len(file.Profiles))
	for i, p := range file.Profiles {
		rows[i] = profileJSON{Name: p.Name, Host: p.Host(), AuthType: p.AuthType(), Default: p.Name == def}
	}

	var failed error
	if opts.Check {
		results := fanout.Run(ctx, file.Names(), opts.Parallel, func(ctx context.Context, name string) (struct{}, error) {
			ws, err := opts.Workspace(name)
			if err != nil {
				return struct{}{}, err
			}
			if _, err := ws.Tokens.List(ctx); err != nil {
				return struct{}{}, ws.Fail("list tokens", err)
			}
			return struct{}{}, nil
		})
		for i, r := range results {
			rows[i].Check = &checkJSON{OK: r.Err == nil}
			if r.Err != nil {
				rows[i].Check.Error = r.Err.Error()
				if failed == nil {
					failed = r.Err
				}
			}
		}
	}
	if err := printer.Print(ctx, result{rows: rows, check: opts.Check}); err != nil {
		return err
	}
	return failure.AsReported(failed)
}

// result is the profiles: a JSON array, a table for people.
type result struct {
	rows  []profileJSON
	check bool
}

func (r result) JSONValue() any { return r.rows }

func (r result) Table() output.Table {
	cols := []output.Column{{Header: "NAME"}, {Header: "HOST", Flex: true}, {Header: "AUTH"}, {Header: "DEFAULT"}}
	if r.check {
		cols = append(cols, output.Column{Header: "CHECK", Flex: true})
	}
	t := output.Table{Columns: cols, Empty: "No profiles in the config file."}
	for _, p := range r.rows {
		def := ""
		if p.Default {
			def = "*"
		}
		row := output.Row{Cells: []output.Cell{output.Text(p.Name), output.Text(p.Host), output.Text(p.AuthType), output.Text(def)}}
		if p.Check != nil {
			if p.Check.OK {
				row.Cells = append(row.Cells, output.Text("ok").Styled(output.Good))
			} else {
				row.Cells = append(row.Cells, output.Text("failed: "+p.Check.Error))
				row.Style = output.Bad
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
