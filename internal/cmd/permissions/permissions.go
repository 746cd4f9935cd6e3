// Package permissions implements `dbtok permissions`: who may create and
// use personal access tokens in a workspace (the CAN_USE and CAN_MANAGE
// grants on /authorization/tokens), shown for one workspace or many, and
// granted or revoked by admins through the safety engine's confirm step.
package permissions

import (
	"context"
	"time"

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

func NewCmdPermissions(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var sel tokenflags.Profiles
	cmd := &cobra.Command{
		Use:   "permissions",
		Short: "Show or change who may use personal access tokens",
		Long: heredoc.Doc(`
			Show who may create and use personal access tokens in the workspace
			(the permissions on tokens; workspace admins only): each user,
			group or service principal with its level, CAN_USE or CAN_MANAGE
			(workspace admins, built in), and whether the grant is inherited.
			With --all-profiles or --profiles, several workspaces at once, with
			a PROFILE column; a workspace that cannot be read is reported on
			stderr while the others print.

			With -o json, stdout gets an array of {"principal_kind" (user,
			group or service_principal), "name" (user name, group name or
			application ID), "display_name", "level", "inherited"}; with
			several profiles each object also has profile and host.

			Admins change them with ` + "`dbtok permissions grant`" + ` and
			` + "`dbtok permissions revoke`" + `.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok permissions
			$ dbtok permissions --all-profiles
			$ dbtok permissions -o json --jq '.[] | select(.level == "CAN_USE") | .name'
			$ dbtok permissions grant data-eng --yes
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
			return listRun(cmd.Context(), opts)
		},
	}
	sel.Register(cmd, f.CompleteProfiles)
	cmd.AddCommand(NewCmdGrant(f, nil))
	cmd.AddCommand(NewCmdRevoke(f, nil))
	return cmd
}

// reading is one workspace's grants.
type reading struct {
	ws     *workspace.Workspace
	grants []tokens.Grant
}

func read(ctx context.Context, open func(string) (*workspace.Workspace, error), profile string) (reading, error) {
	ws, err := open(profile)
	if err != nil {
		return reading{}, err
	}
	g, err := ws.Permissions.Grants(ctx)
	if err != nil {
		return reading{}, fail(ws, "read the token permissions", err)
	}
	return reading{ws: ws, grants: g}, nil
}

// fail words a failed permissions call; a refusal says whether admin
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

func listRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	readings, failed, err := readAll(ctx, opts.Deps, opts.Profiles, opts.Parallel)
	if err != nil {
		return err
	}
	res := listed{multi: opts.Profiles != nil, rows: []grantJSON{}}
	for _, r := range readings {
		for _, g := range r.grants {
			res.rows = append(res.rows, toJSON(r.ws.Place, g, res.multi))
		}
	}
	if len(readings) == 1 {
		res.empty = "No one may use tokens in " + readings[0].ws.String() + " but workspace admins."
	} else {
		res.empty = "No grants in any workspace that could be read."
	}
	if err := printer.Print(ctx, res); err != nil {
		return err
	}
	return failure.AsReported(failed)
}

// completionTimeout keeps a TAB press from hanging on a slow workspace.
const completionTimeout = 5 * time.Second

// completeGranted offers the principals with a grant of their own that
// can be revoked (one request to the selected workspace).
func completeGranted(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		f.Quiet = true
		f.MaxTimeout = completionTimeout
		ws, err := f.Workspace("")
		if err != nil {
			cobra.CompDebugln(err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		grants, err := ws.Permissions.Grants(context.Background())
		if err != nil {
			cobra.CompDebugln(err.Error(), false)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return revocable(grants), cobra.ShellCompDirectiveNoFileComp
	}
}

// revocable are completion candidates for revoke: direct grants, not the
// admins' built-in one, each described by kind and level.
func revocable(grants []tokens.Grant) []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range grants {
		if g.Inherited || g.Principal == (tokens.Principal{Kind: tokens.Group, Name: tokens.AdminsGroup}) || seen[g.Principal.Name] {
			continue
		}
		seen[g.Principal.Name] = true
		desc := kindText(g.Principal.Kind) + ", " + g.Level
		if g.DisplayName != "" && g.DisplayName != g.Principal.Name {
			desc += " (" + g.DisplayName + ")"
		}
		out = append(out, cmdutil.Candidate(g.Principal.Name, desc))
	}
	return out
}
