package permissions

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type ChangeOptions struct {
	cmdutil.Deps
	// Ask is the person at the terminal who confirms the change.
	Ask func() tokens.ChangeAsker

	// Revoke takes CAN_USE away; otherwise it is granted.
	Revoke bool
	// Principal is whom the change is for. Kind is empty when no flag
	// said it: revoke then looks the name up among the grants, and grant
	// applies tokens.GuessPrincipal.
	Principal tokens.Principal
	// Guessed is set when grant took the kind from the rule of thumb.
	Guessed bool

	Yes    bool
	DryRun bool
	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
	Parallel int
}

// NewCmdGrant is `dbtok permissions grant`.
func NewCmdGrant(f *cmdutil.Factory, runF func(context.Context, *ChangeOptions) error) *cobra.Command {
	return newCmdChange(f, false, runF)
}

// NewCmdRevoke is `dbtok permissions revoke`.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *ChangeOptions) error) *cobra.Command {
	return newCmdChange(f, true, runF)
}

// kindRule is how a name is taken, for help.
const kindRule = "A name with @ is a user, a UUID is a service principal (by its\n" +
	"application ID), anything else a group; --user, --group or\n" +
	"--service-principal say so explicitly."

func newCmdChange(f *cmdutil.Factory, revoke bool, runF func(context.Context, *ChangeOptions) error) *cobra.Command {
	opts := &ChangeOptions{Deps: f.Deps(), Revoke: revoke, Ask: func() tokens.ChangeAsker { return cmdutil.NewChangeAsker(f.IOStreams, f.Now) }}
	var sel tokenflags.Profiles
	var asUser, asGroup, asSP bool
	cmd := &cobra.Command{
		Use:   "grant USER_OR_GROUP",
		Short: "Let a user, group or service principal use tokens (workspace admins)",
		Long: heredoc.Docf(`
			Grant CAN_USE on tokens to a user, group or service principal:
			they may then create and use personal access tokens. Every other
			grant is kept.

			%s

			The change is planned first (the current grants are read), then
			shown and confirmed on the terminal (also when stdout is piped);
			without a terminal it is refused unless --yes, and --dry-run shows
			it and stops. With --all-profiles or --profiles, every selected
			workspace gets the grant, confirmed once; a workspace where the
			principal already has it is left alone.

			With -o json, stdout gets {"dry_run": false, "changes":
			[{"profile", "host", "principal_kind", "name", "old_level",
			"new_level", "status"}]}: levels are CAN_USE, CAN_MANAGE or null,
			and status is changed, unchanged, would_change (--dry-run) or
			failed (with "error").
		`, kindRule),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok permissions grant data-eng --yes
			$ dbtok permissions grant someone@example.com --dry-run
			$ dbtok permissions grant 6f1c0f5e-1111-2222-3333-444455556666 --all-profiles --yes
			$ dbtok permissions grant etl-app --service-principal --yes
		`)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return failure.Usagef("give one user, group or service principal, e.g. `%s data-eng`", cmd.CommandPath())
			}
			name := strings.TrimSpace(args[0])
			if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
				return failure.Usagef("%q is not a user, group or service principal name", args[0])
			}
			flags := 0
			for _, b := range []bool{asUser, asGroup, asSP} {
				if b {
					flags++
				}
			}
			switch {
			case flags > 1:
				return failure.Usagef("use at most one of --user, --group and --service-principal")
			case asUser:
				opts.Principal = tokens.Principal{Kind: tokens.User, Name: name}
			case asGroup:
				opts.Principal = tokens.Principal{Kind: tokens.Group, Name: name}
			case asSP:
				opts.Principal = tokens.Principal{Kind: tokens.ServicePrincipal, Name: name}
			case !opts.Revoke:
				opts.Principal, opts.Guessed = tokens.GuessPrincipal(name), true
			default:
				opts.Principal = tokens.Principal{Name: name}
			}
			if opts.Principal.Name == tokens.AdminsGroup && opts.Principal.Kind != tokens.User && opts.Principal.Kind != tokens.ServicePrincipal {
				if opts.Revoke {
					return failure.Usagef("the admins group's CAN_MANAGE on tokens is built in: it cannot be revoked (workspace admins always manage tokens)")
				}
				return failure.Usagef("workspace admins (group admins) always manage tokens: there is nothing to grant")
			}
			if opts.Yes && opts.DryRun {
				return failure.Usagef("use either --yes or --dry-run, not both")
			}
			profiles, parallel, err := f.Selection(sel)
			if err != nil {
				return err
			}
			opts.Profiles, opts.Parallel = profiles, parallel
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return changeRun(cmd.Context(), opts)
		},
		ValidArgsFunction: cobra.NoFileCompletions,
	}
	if revoke {
		cmd.Use = "revoke USER_OR_GROUP"
		cmd.Short = "Stop a user, group or service principal from using tokens (workspace admins)"
		cmd.Long = heredoc.Docf(`
			Take CAN_USE on tokens away from a user, group or service principal
			(its grant of its own; every other grant is kept).

			Taking it away makes that principal's tokens unusable: the workspace
			revokes the personal access tokens of everyone who can no longer use
			tokens, at once, and they cannot create new ones. For a group, that
			is every member without a grant of its own or through another group
			(for the users group: everyone but workspace admins). A user or
			service principal that the users group still covers keeps using
			tokens; dbtok says so.

			The name is looked up among the grants of each workspace, so a
			service principal or a user without @ needs no flag when it has a
			grant; otherwise the rule of grant applies:

			%s

			The admins group's built-in CAN_MANAGE, and grants a principal
			inherits, cannot be revoked here. The change is planned, shown and
			confirmed (or --yes, or --dry-run) as for grant; a workspace where
			the principal has no grant is skipped, and none anywhere is exit 4.
			The JSON is grant's.
		`, kindRule)
		cmd.Example = cmdutil.Examples(heredoc.Doc(`
			$ dbtok permissions revoke data-eng --yes
			$ dbtok permissions revoke users --dry-run
			$ dbtok permissions revoke 6f1c0f5e-1111-2222-3333-444455556666 --all-profiles --dry-run
		`))
		cmd.ValidArgsFunction = completeGranted(f)
	}
	cmd.Flags().BoolVar(&asUser, "user", false, "the name is a user name")
	cmd.Flags().BoolVar(&asGroup, "group", false, "the name is a group name")
	cmd.Flags().BoolVar(&asSP, "service-principal", false, "the name is a service principal's application ID")
	verb := "grant"
	if revoke {
		verb = "revoke"
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, verb+" without asking (needed without a terminal)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show the plan, change nothing")
	sel.Register(cmd, f.CompleteProfiles)
	return cmd
}

// planned is one change of the plan and the workspace it changes.
type planned struct {
	ws   *workspace.Workspace
	json changeJSON
	// note is said once the change is made.
	note string
}

func changeRun(ctx context.Context, opts *ChangeOptions) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	readings, failed, err := readAll(ctx, opts.Deps, opts.Profiles, opts.Parallel)
	if err != nil {
		return err
	}
	single := opts.Profiles == nil

	res := changeResult{DryRun: opts.DryRun, multi: !single}
	plan := &tokens.ChangePlan{}
	var changes []planned
	var absent []string
	refused := failed
	// Two profiles that reach one workspace change it once.
	through := map[string]string{}
	for _, r := range readings {
		if first, ok := through[r.ws.Key()]; ok {
			opts.IO.Notef("profile %s reaches the same workspace as profile %s: it is changed once, through %s.", r.ws.Profile, first, first)
			continue
		}
		through[r.ws.Key()] = r.ws.Profile
		c, p, err := opts.change(r)
		switch {
		case err != nil && single:
			return err
		case err != nil && failure.Code(err) == failure.NotFound:
			// Across several workspaces, those without a grant are skipped.
			absent = append(absent, r.ws.String())
			continue
		case err != nil:
			opts.IO.Errorf("%v", err)
			if refused == nil {
				refused = err
			}
			continue
		case c == nil:
			res.Changes = append(res.Changes, p.json)
			continue
		}
		if plan.What == "" {
			plan.What = opts.what(p.json.principal())
		}
		plan.Changes = append(plan.Changes, *c)
		changes = append(changes, p)
	}
	if len(absent) > 0 {
		if len(changes) == 0 && len(res.Changes) == 0 && refused == nil {
			return failure.NotFoundf("%s has no grant on tokens in any selected workspace: nothing to revoke (see `dbtok permissions --all-profiles`)", describeName(opts.Principal))
		}
		opts.IO.Notef("%s has no grant on tokens in %s: skipped.", describeName(opts.Principal), strings.Join(absent, ", "))
	}

	if len(plan.Changes) == 0 || opts.DryRun {
		for _, c := range changes {
			c.json.Status = "would_change"
			res.Changes = append(res.Changes, c.json)
		}
		if err := printer.Print(ctx, res); err != nil {
			return err
		}
		// What the plan would break is said whatever the format: stderr
		// keeps JSON on stdout clean.
		for i, c := range plan.Changes {
			if c.Effect != "" {
				opts.IO.Warnf("%s.", c.Effect)
			} else if changes[i].note != "" {
				opts.IO.Notef("%s", changes[i].note)
			}
		}
		return failure.AsReported(refused)
	}

	if err := plan.Confirm(ctx, opts.Yes, opts.Ask()); err != nil {
		if errors.Is(err, tokens.ErrDeclined) {
			opts.IO.Infof("Nothing changed.")
			return failure.AsReported(refused)
		}
		if failure.KindOf(err) == failure.KindCanceled {
			return failure.Wrap("interrupted: nothing was changed", err)
		}
		return err
	}

	worst := refused
	outcomes := plan.Apply(ctx, opts.Parallel)
	for i, o := range outcomes {
		c := changes[i]
		if o.Err != nil {
			err := opts.applyFailed(c.ws, c.json.principal(), o.Err)
			opts.IO.Errorf("%v", err)
			c.json.Status, c.json.Error = "failed", err.Error()
			var ae *failure.APIError
			if errors.As(o.Err, &ae) {
				c.json.ErrorCode = ae.Code
			}
			if worst == nil {
				worst = err
			}
		} else {
			c.json.Status = "changed"
		}
		res.Changes = append(res.Changes, c.json)
	}
	// What was done is reported even after Ctrl-C.
	if err := printer.Print(context.WithoutCancel(ctx), res); err != nil {
		return err
	}
	for i, o := range outcomes {
		switch {
		case o.Err != nil:
		case o.Effect != "":
			opts.IO.Warnf("%s.", o.Effect)
		case changes[i].note != "":
			opts.IO.Notef("%s", changes[i].note)
		}
	}
	return failure.AsReported(worst)
}

// what is the plan in a few words, for the question.
func (opts *ChangeOptions) what(p tokens.Principal) string {
	if opts.Revoke {
		return "take CAN_USE on tokens away from " + p.String()
	}
	return "grant CAN_USE on tokens to " + p.String()
}

// resolve settles whom the name denotes in one workspace: the flag's
// kind, else (revoke) the only kind with a grant of that name, else the
// rule of thumb.
func (opts *ChangeOptions) resolve(grants []tokens.Grant) tokens.Principal {
	if opts.Principal.Kind != "" {
		return opts.Principal
	}
	kinds := map[tokens.PrincipalKind]bool{}
	for _, g := range grants {
		if g.Principal.Name == opts.Principal.Name {
			kinds[g.Principal.Kind] = true
		}
	}
	if len(kinds) == 1 {
		for k := range kinds {
			return tokens.Principal{Kind: k, Name: opts.Principal.Name}
		}
	}
	return tokens.GuessPrincipal(opts.Principal.Name)
}

// change plans the change to one workspace: nil when there is nothing to
// do, an error when it cannot be done (not found: exit 4; inherited).
func (opts *ChangeOptions) change(r reading) (*tokens.Change, planned, error) {
	ws := r.ws
	p := opts.resolve(r.grants)
	var direct, inherited []string
	usersCanUse := false
	for _, g := range r.grants {
		if g.Principal == p {
			if g.Inherited {
				inherited = append(inherited, g.Level)
			} else {
				direct = append(direct, g.Level)
			}
		}
		if g.Principal == (tokens.Principal{Kind: tokens.Group, Name: tokens.UsersGroup}) && !g.Inherited && g.Level == tokens.CanUse {
			usersCanUse = true
		}
	}
	j := changeJSON{Profile: ws.Profile, Host: ws.Host, PrincipalKind: string(p.Kind), Name: p.Name, place: ws.Place}
	pl := planned{ws: ws}
	c := &tokens.Change{Place: ws.Place, Subject: "CAN_USE of " + p.String()}
	if !opts.Revoke {
		if len(direct) > 0 {
			j.OldLevel, j.NewLevel, j.Status = &direct[0], &direct[0], "unchanged"
			j.from, j.to = direct[0], direct[0]
			pl.json = j
			return nil, pl, nil
		}
		level := tokens.CanUse
		j.NewLevel = &level
		j.from, j.to = "none", level
		if len(inherited) > 0 {
			j.from = inherited[0] + " (inherited)"
		}
		c.Apply = func(ctx context.Context) error { return ws.Permissions.Grant(ctx, p, tokens.CanUse) }
	} else {
		switch {
		case len(direct) == 0 && len(inherited) > 0:
			return nil, pl, failure.Usagef("%s inherits %s on tokens in %s: an inherited grant cannot be revoked here; change it where it comes from (its group, or workspace admin rights)", p, inherited[0], ws)
		case len(direct) == 0:
			hint := ""
			if opts.Principal.Kind == "" {
				hint = fmt.Sprintf(" (a name %s is taken as a %s: pass --user, --group or --service-principal if it is not one)", nameShape(p.Name), strings.ReplaceAll(string(p.Kind), "_", " "))
			}
			return nil, pl, failure.NotFoundf("%s has no grant on tokens in %s: nothing to revoke (see `dbtok permissions%s`)%s", p, ws, ws.ProfileFlag(), hint)
		}
		j.OldLevel = &direct[0]
		j.from, j.to = direct[0], "none"
		c.Apply = func(ctx context.Context) error { return ws.Permissions.Revoke(ctx, p) }
		switch {
		case p.Kind == tokens.Group && p.Name == tokens.UsersGroup:
			c.Effect = fmt.Sprintf("every user and service principal in %s without a grant of its own or through another group loses its personal access tokens (the workspace revokes them at once) and cannot create new ones; workspace admins keep theirs", ws.Place)
		case p.Kind == tokens.Group:
			c.Effect = fmt.Sprintf("every member of group %s in %s without another grant loses its personal access tokens (the workspace revokes them at once) and cannot create new ones", p.Name, ws.Place)
		case usersCanUse:
			// Every user and service principal is in the users group:
			// nothing stops working.
			pl.note = fmt.Sprintf("%s still may use tokens in %s through group users, which has CAN_USE.", capitalize(p.String()), ws.Place)
		default:
			c.Effect = fmt.Sprintf("%s loses its personal access tokens in %s (the workspace revokes them at once, unless a group still grants CAN_USE) and cannot create new ones", p, ws.Place)
		}
	}
	c.From, c.To = j.from, j.to
	pl.json = j
	return c, pl, nil
}

// nameShape says why the rule of thumb chose the kind it did.
func nameShape(name string) string {
	switch tokens.GuessPrincipal(name).Kind {
	case tokens.User:
		return "with @"
	case tokens.ServicePrincipal:
		return "that is a UUID"
	}
	return "without @"
}

// describeName is the principal as given: "user bob", or just the name
// when its kind was left to each workspace.
func describeName(p tokens.Principal) string {
	if p.Kind == "" {
		return p.Name
	}
	return p.String()
}

// applyFailed words a change that failed.
func (opts *ChangeOptions) applyFailed(ws *workspace.Workspace, p tokens.Principal, err error) error {
	action := "grant CAN_USE on tokens to " + p.String()
	if opts.Revoke {
		action = "take CAN_USE on tokens away from " + p.String()
	}
	wrapped := fail(ws, action, err)
	switch {
	case failure.KindOf(err) == failure.KindInvalid && opts.Guessed:
		// Most often the wrong kind: a service principal or a user
		// without @ taken for a group.
		return failure.Wrapf(err, "%s (a name %s is taken as a %s: pass --user, --group or --service-principal if it is not one)", wrapped, nameShape(p.Name), strings.ReplaceAll(string(p.Kind), "_", " "))
	case failure.MaybeApplied(err):
		return failure.Wrapf(err, "%s; it may have changed anyway: check with `dbtok permissions%s`", wrapped, ws.ProfileFlag())
	}
	return wrapped
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
