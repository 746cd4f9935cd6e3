// Package revoke implements `dbtok token revoke`: revoke tokens by ID or by
// filter, in one workspace or many, carrying on past failures and
// reporting each one.
package revoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmd/token/shared"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/issued"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	IDs        []string
	Filter     shared.Filter
	AllUsers   bool
	CreatedBy  string
	IncludeOwn bool
	Yes        bool
	DryRun     bool
	Parallel   int
	Selection  shared.ProfileSelection
	Profiles   []string // resolved selection; nil means the one workspace
}

// DefaultParallel is how many revocations run at once in one workspace.
const DefaultParallel = 8

func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	// Workspaces are listed DefaultParallel at a time; --parallel here is
	// about revocations.
	opts.Selection.Parallel = fanout.DefaultParallel
	cmd := &cobra.Command{
		Use:     "revoke [TOKEN_ID...]",
		Aliases: []string{"delete", "rm"},
		Short:   "Revoke personal access tokens",
		Long: heredoc.Doc(`
			Revoke tokens by ID, or every token that matches filters.

			By ID, every ID is tried even when some fail; each failure is
			reported on stderr, and the exit code is 4 if the only failures
			were unknown IDs, or that of the first other failure.

			By filter (--comment, --expired, --expiring-within, --created-before,
			--no-expiry), dbtok lists what matches and asks before revoking on a
			terminal. Without a terminal it refuses unless --yes; --dry-run
			only shows what would go. Filters work across workspaces with
			--all-profiles or --profiles.

			Revocations run concurrently (--parallel), through the SDK's rate
			limiter. With -o json, stdout gets {"revoked": [...], "failed": [...]}.
			With --all-users, a workspace admin revokes any user's tokens
			through the Token Management API.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok revoke 5f3a0c9e81d2
			$ dbtok revoke --comment 'ci-*' --created-before 90d --dry-run
			$ dbtok revoke --expired --all-profiles --yes
			$ dbtok revoke --all-users 7d2e41b09c33
			$ dbtok list -o json --jq '.[] | select(.comment == "old") | .token_id' | xargs -r dbtok revoke
		`)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Filter.Parse(); err != nil {
				return err
			}
			if err := opts.Selection.Validate(f); err != nil {
				return err
			}
			switch {
			case len(args) > 0 && opts.Filter.Active():
				return cmdutil.FlagErrorf("give token IDs or filters, not both")
			case len(args) > 0 && opts.Selection.Active():
				return cmdutil.FlagErrorf("token IDs belong to one workspace: with --all-profiles or --profiles, select tokens with filters")
			case len(args) == 0 && !opts.Filter.Active():
				return cmdutil.FlagErrorf("no token ID given: pass the IDs to revoke, or filters such as --comment (see `dbtok list`)")
			case len(args) > 0 && opts.DryRun:
				return cmdutil.FlagErrorf("--dry-run goes with filters; with IDs, `dbtok list` shows the tokens")
			case opts.Parallel < 1:
				return cmdutil.FlagErrorf("--parallel must be at least 1")
			case opts.CreatedBy != "" && (!opts.AllUsers || len(args) > 0):
				return cmdutil.FlagErrorf("--created-by goes with --all-users and filters")
			}
			if err := shared.ValidateIDs(args); err != nil {
				return err
			}
			opts.IDs = dedupe(args)
			if opts.Selection.Active() {
				names, err := f.SelectProfiles(opts.Selection.All, opts.Selection.Patterns)
				if err != nil {
					return err
				}
				opts.Profiles = names
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
		ValidArgsFunction: f.CompleteTokenIDs,
	}
	opts.Filter.AddFlags(cmd.Flags())
	opts.Selection.AddFlags(cmd, f)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "revoke what the filters match without asking")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "only show what the filters match")
	cmd.Flags().BoolVar(&opts.AllUsers, "all-users", false, "revoke any user's tokens, through the Token Management API (workspace admins)")
	cmd.Flags().StringVar(&opts.CreatedBy, "created-by", "", "with --all-users and filters, only tokens created by `USER` (name or numeric ID)")
	cmd.Flags().BoolVar(&opts.IncludeOwn, "include-own", false, "with filters, also revoke the token the profile itself signs in with (revoked last)")
	cmd.Flags().IntVar(&opts.Parallel, "parallel", DefaultParallel, "run `N` revocations at once (workspaces are listed 32 at a time)")
	return cmd
}

// target is one token to revoke.
type target struct {
	ws    *workspace.Workspace
	id    string
	token *tokens.Token // known when selected by filter
}

type revokedJSON struct {
	*shared.WorkspaceJSON
	TokenID string  `json:"token_id"`
	Comment *string `json:"comment,omitempty"`
}

type failedJSON struct {
	*shared.WorkspaceJSON
	TokenID   string `json:"token_id"`
	Error     string `json:"error"`
	ErrorCode string `json:"error_code,omitempty"`
}

type resultJSON struct {
	Revoked []revokedJSON `json:"revoked"`
	Failed  []failedJSON  `json:"failed"`
}

type dryRunJSON struct {
	DryRun      bool             `json:"dry_run"`
	WouldRevoke []shared.RowJSON `json:"would_revoke"`
}

func revokeRun(ctx context.Context, opts *Options) error {
	run, err := opts.Prepare()
	if err != nil {
		return err
	}
	format, printer, timeout := run.Format, run.Printer, run.Timeout

	var targets []target
	var listFailure error
	if len(opts.IDs) > 0 {
		ws, err := opts.Workspace()
		if err != nil {
			return err
		}
		ids, err := resolvePrefixes(ctx, opts, ws, timeout)
		if err != nil {
			return err
		}
		for _, id := range ids {
			targets = append(targets, target{ws: ws, id: id})
		}
	} else {
		targets, listFailure, err = selectTargets(ctx, opts, timeout)
		if err != nil {
			return err
		}
		targets = dedupeTargets(targets)
		if len(targets) == 0 {
			fmt.Fprintf(opts.IO.ErrOut, "No tokens match (%s): nothing to revoke.\n", opts.Filter.Describe())
			if format == output.JSON {
				var empty any = resultJSON{Revoked: []revokedJSON{}, Failed: []failedJSON{}}
				if opts.DryRun {
					empty = dryRunJSON{DryRun: true, WouldRevoke: []shared.RowJSON{}}
				}
				if err := printer.Write(opts.IO.Out, empty); err != nil {
					return err
				}
			}
			return exitFor(listFailure)
		}
		if opts.DryRun {
			if err := showPlan(opts, format, printer, targets, opts.IO.Out, true); err != nil {
				return err
			}
			return exitFor(listFailure)
		}
		if ok, err := confirm(ctx, opts, format, printer, targets); err != nil || !ok {
			return err
		}
	}

	// A workspace's own credential, if revoked at all, goes after every
	// other revocation has finished: until then they all still sign in.
	rest, own := splitOwn(targets)
	results := execute(ctx, opts, rest, timeout)
	results = append(results, execute(ctx, opts, own, timeout)...)
	forgetRevoked(results)
	if err := report(opts, format, printer, results); err != nil {
		return err
	}
	for _, r := range results[len(rest):] {
		if r.err == nil {
			fmt.Fprintf(opts.IO.ErrOut, "Warning: token %s was the credential %s signs in with; that profile no longer works until it gets a new token.\n", r.id, r.ws)
		}
	}
	return exitFor(errors.Join(listFailure, worst(results)))
}

// resolvePrefixes expands IDs shorter than a full token ID (as terminal
// tables show them) to the one token they start. A prefix that matches
// nothing or several tokens is reported and left out; full IDs cost no
// request.
func resolvePrefixes(ctx context.Context, opts *Options, ws *workspace.Workspace, timeout time.Duration) ([]string, error) {
	short := false
	for _, id := range opts.IDs {
		short = short || len(id) < shared.FullIDLen
	}
	if !short {
		return opts.IDs, nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var list []tokens.Token
	var err error
	if opts.AllUsers {
		list, err = ws.Tokens.ListAll(ctx, tokens.ListAllRequest{})
	} else {
		list, err = ws.Tokens.List(ctx)
	}
	if err != nil {
		return nil, cmdutil.APIError("list tokens (to expand short token IDs)", ws, err, timeout)
	}
	var out []string
	for _, id := range opts.IDs {
		if len(id) >= shared.FullIDLen {
			out = append(out, id)
			continue
		}
		var matches []string
		for _, t := range list {
			if strings.HasPrefix(t.ID, id) {
				matches = append(matches, t.ID)
			}
		}
		switch len(matches) {
		case 1:
			out = append(out, matches[0])
		case 0:
			// Passed on as given: the workspace answers "not found", and it
			// is reported like any unknown ID.
			out = append(out, id)
		default:
			// Before anything is revoked: the user meant one token.
			return nil, cmdutil.FlagErrorf("token ID prefix %s matches %d tokens in %s: give more of the ID; nothing was revoked", id, len(matches), ws)
		}
	}
	return dedupe(out), nil
}

// selectTargets lists each workspace's tokens and keeps those the filters
// match. A workspace that cannot be listed is reported and skipped.
func selectTargets(ctx context.Context, opts *Options, timeout time.Duration) ([]target, error, error) {
	open := func(profile string) func() (*workspace.Workspace, error) {
		if opts.Profiles == nil {
			return opts.Workspace
		}
		return func() (*workspace.Workspace, error) { return opts.WorkspaceFor(profile) }
	}
	profiles := opts.Profiles
	if profiles == nil {
		profiles = []string{""}
	}
	now := opts.Now()
	results := fanout.Run(ctx, profiles, opts.Selection.Parallel, func(ctx context.Context, profile string) ([]target, error) {
		ws, err := open(profile)()
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var list []tokens.Token
		if opts.AllUsers {
			list, err = ws.Tokens.ListAll(ctx, tokens.ListAllRequest{CreatedBy: opts.CreatedBy})
		} else {
			list, err = ws.Tokens.List(ctx)
		}
		if err != nil {
			return nil, cmdutil.APIError("list tokens", ws, err, timeout)
		}
		matched := opts.Filter.Apply(list, now)
		matched = leaveOwn(opts, ws, matched)
		shared.Sort(matched, "expiry")
		out := make([]target, len(matched))
		for i := range matched {
			out[i] = target{ws: ws, id: matched[i].ID, token: &matched[i]}
		}
		return out, nil
	})
	if opts.Profiles == nil && results[0].Err != nil {
		return nil, nil, results[0].Err
	}
	var targets []target
	var failure error
	for _, r := range results {
		if r.Err != nil {
			cmdutil.PrintError(opts.IO.ErrOut, r.Err)
			failure = errors.Join(failure, r.Err)
			continue
		}
		targets = append(targets, r.Value...)
	}
	return targets, failure, nil
}

// leaveOwn keeps the token the profile signs in with out of a filtered
// revoke unless --include-own: revoking it half-way would lock dbtok (and
// the user) out for the rest. With --include-own it goes last.
func leaveOwn(opts *Options, ws *workspace.Workspace, list []tokens.Token) []tokens.Token {
	own := ws.OwnTokenID()
	if own == "" {
		return list
	}
	var out []tokens.Token
	var ownTok *tokens.Token
	for i := range list {
		if list[i].ID == own {
			ownTok = &list[i]
			continue
		}
		out = append(out, list[i])
	}
	if ownTok == nil {
		return list
	}
	if !opts.IncludeOwn {
		fmt.Fprintf(opts.IO.ErrOut, "Note: left out token %s, which %s itself signs in with (--include-own to revoke it too).\n", own, ws)
		return out
	}
	return append(out, *ownTok)
}

// forgetRevoked drops revoked tokens from dbtok's record of delivered ones.
func forgetRevoked(results []outcome) {
	byHost := map[string][]string{}
	for _, r := range results {
		if r.err == nil {
			byHost[r.ws.Host] = append(byHost[r.ws.Host], r.id)
		}
	}
	for host, ids := range byHost {
		_ = issued.Forget(host, ids...)
	}
}

// splitOwn separates the tokens that are their workspace's own credential.
func splitOwn(targets []target) (rest, own []target) {
	ownID := map[*workspace.Workspace]string{}
	for _, t := range targets {
		id, ok := ownID[t.ws]
		if !ok {
			id = t.ws.OwnTokenID()
			ownID[t.ws] = id
		}
		if id != "" && t.id == id {
			own = append(own, t)
		} else {
			rest = append(rest, t)
		}
	}
	return rest, own
}

// dedupeTargets drops a token reached twice through two profiles on the
// same workspace (DEFAULT and a named profile for the same user, say).
func dedupeTargets(targets []target) []target {
	seen := map[string]bool{}
	var out []target
	for _, t := range targets {
		key := strings.ToLower(t.ws.Host) + "\x00" + t.id
		if !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
	}
	return out
}

// confirm shows the plan and asks; without a terminal, only --yes goes on.
func confirm(ctx context.Context, opts *Options, format output.Format, printer *output.JSONPrinter, targets []target) (bool, error) {
	if opts.Yes {
		return true, nil
	}
	if !opts.IO.CanPrompt() {
		return false, cmdutil.FlagErrorf("refusing to revoke %s without confirmation: there is no terminal to ask on; pass --yes (or --dry-run to see them)", output.Count(len(targets), "token"))
	}
	if err := showPlan(opts, output.Table, printer, targets, opts.IO.ErrOut, false); err != nil {
		return false, err
	}
	ok, err := opts.IO.Confirm(ctx, fmt.Sprintf("Revoke %s?", output.Count(len(targets), "token")))
	if err != nil {
		return false, cmdutil.WrapAPIError("interrupted: nothing was revoked", &tokens.Error{Kind: tokens.KindCanceled, Message: "interrupted", Err: err})
	}
	if !ok {
		fmt.Fprintln(opts.IO.ErrOut, "Nothing revoked.")
	}
	return ok, nil
}

func showPlan(opts *Options, format output.Format, printer *output.JSONPrinter, targets []target, w io.Writer, dryRun bool) error {
	multi := opts.Profiles != nil
	if format == output.JSON {
		out := dryRunJSON{DryRun: true, WouldRevoke: []shared.RowJSON{}}
		for _, t := range targets {
			var ws *workspace.Workspace
			if multi {
				ws = t.ws
			}
			out.WouldRevoke = append(out.WouldRevoke, shared.Row(*t.token, ws))
		}
		return printer.Write(w, out)
	}
	now := opts.Now()
	tty := opts.IO.IsStdoutTTY()
	header := []string{"ID", "COMMENT", "CREATED", "EXPIRES"}
	if opts.AllUsers {
		header = []string{"ID", "CREATED BY", "COMMENT", "CREATED", "EXPIRES"}
	}
	if multi {
		header = append([]string{"PROFILE"}, header...)
	}
	if dryRun {
		fmt.Fprintf(opts.IO.ErrOut, "Would revoke %s:\n", output.Count(len(targets), "token"))
	}
	tp := output.NewTable(w, opts.IO.TerminalWidth(), header...)
	tp.Truncate = slices.Index(header, "COMMENT")
	for _, t := range targets {
		cells := []string{shared.IDCell(t.id, tty), t.token.Comment, shared.CreatedCell(now, *t.token, tty), shared.ExpiresCell(now, *t.token, tty)}
		if opts.AllUsers && t.token.Owner != nil {
			cells = append([]string{cells[0], t.token.Owner.CreatedByUsername}, cells[1:]...)
		}
		if multi {
			cells = append([]string{t.ws.Profile}, cells...)
		}
		tp.AddRow(nil, cells...)
	}
	return tp.Render()
}

type outcome struct {
	target
	err error
}

// execute revokes every target, at most opts.Parallel at a time; each
// call gets its own timeout so that a long list is not cut short.
func execute(ctx context.Context, opts *Options, targets []target, timeout time.Duration) []outcome {
	results := make([]outcome, len(targets))
	idx := make([]int, len(targets))
	for i := range idx {
		idx[i] = i
	}
	fanout.Each(ctx, idx, opts.Parallel, func(ctx context.Context, i int) {
		t := targets[i]
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var err error
		if opts.AllUsers {
			err = t.ws.Tokens.RevokeAny(ctx, t.id)
		} else {
			err = t.ws.Tokens.Revoke(ctx, t.id)
		}
		results[i] = outcome{target: t, err: describe(t, err, timeout, opts.AllUsers)}
	})
	for i := range results {
		if results[i].ws == nil {
			// Never started: the run was interrupted first.
			results[i] = outcome{target: targets[i], err: describe(targets[i], &tokens.Error{Kind: tokens.KindCanceled, Message: "interrupted"}, timeout, opts.AllUsers)}
		}
	}
	return results
}

func describe(t target, err error, timeout time.Duration, allUsers bool) error {
	switch {
	case err == nil:
		return nil
	case tokens.KindOf(err) == tokens.KindNotFound:
		return cmdutil.WrapAPIError(fmt.Sprintf("token %s not found in %s (see `dbtok list%s`)", t.id, t.ws, shared.ProfileFlag(t.ws)), err)
	case tokens.KindOf(err) == tokens.KindPermission && allUsers:
		return cmdutil.WrapAPIError(fmt.Sprintf("cannot revoke token %s in %s: workspace admin rights are needed for --all-users (HTTP 403); use the profile of a workspace admin", t.id, t.ws), err)
	}
	failure := cmdutil.APIError("revoke token "+t.id, t.ws, err, timeout)
	var te *tokens.Error
	if errors.As(err, &te) && te.MaybeApplied {
		failure = cmdutil.WrapAPIError(fmt.Sprintf("%s; it may have been revoked anyway: check with `dbtok list%s`", failure, shared.ProfileFlag(t.ws)), err)
	}
	return failure
}

func report(opts *Options, format output.Format, printer *output.JSONPrinter, results []outcome) error {
	multi := opts.Profiles != nil
	res := resultJSON{Revoked: []revokedJSON{}, Failed: []failedJSON{}}
	cs := opts.IO.ColorScheme()
	interrupted := 0
	for _, r := range results {
		var wsJSON *shared.WorkspaceJSON
		if multi {
			wsJSON = &shared.WorkspaceJSON{Profile: r.ws.Profile, Host: r.ws.Host}
		}
		if r.err != nil {
			// After Ctrl-C every remaining token fails the same way: one
			// line says so, not one per token.
			if tokens.KindOf(r.err) == tokens.KindCanceled {
				interrupted++
			} else {
				cmdutil.PrintError(opts.IO.ErrOut, r.err)
			}
			f := failedJSON{WorkspaceJSON: wsJSON, TokenID: r.id, Error: r.err.Error()}
			var te *tokens.Error
			if errors.As(r.err, &te) {
				f.ErrorCode = te.Code
			}
			res.Failed = append(res.Failed, f)
			continue
		}
		rj := revokedJSON{WorkspaceJSON: wsJSON, TokenID: r.id}
		if r.token != nil {
			rj.Comment = &r.token.Comment
		}
		res.Revoked = append(res.Revoked, rj)
		if format == output.Table {
			line := fmt.Sprintf("%s Revoked %s", cs.Green("✓"), shared.IDCell(r.id, opts.IO.IsStdoutTTY()))
			if r.token != nil && r.token.Comment != "" {
				line += fmt.Sprintf(" (%s)", output.Sanitize(r.token.Comment))
			}
			if multi {
				line += " in " + r.ws.Profile
			}
			fmt.Fprintln(opts.IO.Out, line)
		}
	}
	if interrupted > 0 {
		cmdutil.PrintError(opts.IO.ErrOut, fmt.Errorf("interrupted: %s not revoked (those that were are listed above)", output.Count(interrupted, "token")))
	}
	if format == output.JSON {
		return printer.Write(opts.IO.Out, res)
	}
	return nil
}

// worst picks the failure whose exit code wins: anything beats "not found".
func worst(results []outcome) error {
	var pick error
	for _, r := range results {
		if r.err == nil {
			continue
		}
		if pick == nil || cmdutil.ExitCode(pick) == cmdutil.ExitNotFound && cmdutil.ExitCode(r.err) != cmdutil.ExitNotFound {
			pick = r.err
		}
	}
	return pick
}

// exitFor turns already-reported failures into their exit code.
func exitFor(err error) error {
	if err == nil {
		return nil
	}
	return &cmdutil.SilentError{Code: cmdutil.ExitCode(err)}
}

// dedupe drops repeated IDs, keeping the first occurrence's position.
func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
