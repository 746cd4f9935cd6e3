// Package settings implements `dbtok settings`: a workspace's token
// settings (the maximum lifetime of new tokens, and whether personal
// access tokens are enabled at all), shown for one workspace or many, and
// changed by admins through the safety engine's confirm step.
package settings

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
	Parallel int
}

func NewCmdSettings(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var sel tokenflags.Profiles
	cmd := &cobra.Command{
		Use:   "settings",
		Short: "Show or change a workspace's token settings",
		Long: heredoc.Doc(`
			Show the workspace's token settings: the maximum lifetime of new
			tokens (maxTokenLifetimeDays; none means any lifetime up to
			Databricks' 730 days) and whether personal access tokens are
			enabled (enableTokensConfig), for the selected profile or, with
			--all-profiles or --profiles, for several workspaces at once. A
			workspace that cannot be read is reported on stderr while the
			others print.

			With -o json, one workspace prints
			{"profile", "host", "max_token_lifetime_days", "tokens_enabled"}
			(max_token_lifetime_days is null when no maximum is set); several
			print an array of them.

			Workspace admins change the settings with ` + "`dbtok settings set`" + `.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok settings
			$ dbtok settings --all-profiles
			$ dbtok settings -o json --jq .max_token_lifetime_days
			$ dbtok settings set max-lifetime 90d --yes
		`)),
		Args: cmdutil.NoSubcommand,
		RunE: func(cmd *cobra.Command, args []string) error {
			profiles, parallel, err := f.Selection(sel)
			if err != nil {
				return err
			}
			opts.Profiles, opts.Parallel = profiles, parallel
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	sel.Register(cmd, f.CompleteProfiles)
	cmd.AddCommand(NewCmdSet(f, nil))
	return cmd
}

// reading is one workspace's settings.
type reading struct {
	ws       *workspace.Workspace
	settings tokens.Settings
}

// read signs in to profile's workspace and reads its token settings.
func read(ctx context.Context, open func(string) (*workspace.Workspace, error), profile string) (reading, error) {
	ws, err := open(profile)
	if err != nil {
		return reading{}, err
	}
	s, err := ws.Settings.Settings(ctx)
	if err != nil {
		return reading{}, fail(ws, "read the token settings", err)
	}
	return reading{ws: ws, settings: s}, nil
}

// fail words a failed settings call; a refusal says whether admin
// rights are missing or tokens are off.
func fail(ws *workspace.Workspace, action string, err error) error {
	if why, ok := tokens.PolicyRefusal(err); ok {
		return failure.Wrapf(err, "cannot %s in %s: %s", action, ws, why)
	}
	return ws.Fail(action, err)
}

// readAll reads every selected workspace at once. With one workspace its
// failure is returned; with several, each failure is reported on stderr
// and the others go on, and failed is the first.
func readAll(ctx context.Context, deps cmdutil.Deps, profiles []string, parallel int) (readings []reading, failed error, err error) {
	if profiles == nil {
		r, err := read(ctx, deps.Workspace, "")
		if err != nil {
			return nil, nil, err
		}
		return []reading{r}, nil, nil
	}
	for _, r := range fanout.Run(ctx, profiles, parallel, func(ctx context.Context, p string) (reading, error) {
		return read(ctx, deps.Workspace, p)
	}) {
		if r.Err != nil {
			// One unreachable workspace must not hide the others.
			deps.IO.Errorf("%v", r.Err)
			if failed == nil {
				failed = r.Err
			}
			continue
		}
		readings = append(readings, r.Value)
	}
	return readings, failed, nil
}

func showRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	readings, failed, err := readAll(ctx, opts.Deps, opts.Profiles, opts.Parallel)
	if err != nil {
		return err
	}
	var res any
	if opts.Profiles == nil {
		res = one{toJSON(readings[0].ws.Place, readings[0].settings)}
	} else {
		all := several{}
		for _, r := range readings {
			all.rows = append(all.rows, toJSON(r.ws.Place, r.settings))
		}
		res = all
	}
	if err := printer.Print(ctx, res); err != nil {
		return err
	}
	return failure.AsReported(failed)
}
