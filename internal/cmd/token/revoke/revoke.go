// Package revoke implements `dbtok token revoke`: revoke tokens by ID or by
// filter, in one workspace or many, through the safety engine: plan, show
// (--dry-run), confirm, then apply, with tokens that profiles sign in with
// left out unless --include-own.
package revoke

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	// hints say where to check each workspace's credentials.
	hints map[tokens.Place]string
	// unlisted are the workspaces that could not be listed, for the
	// output's "failed".
	unlisted []failedJSON

	IDs []string
	// Value is a token value read from stdin (--value-stdin): the token
	// to revoke is the one whose ID is its digest.
	Value    tokens.Secret
	Filter   tokens.Filter
	Scope    tokens.Scope
	Consent  tokenflags.Consent
	Parallel int
	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
}

func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var filter tokenflags.Filter
	var sel tokenflags.Profiles
	var valueStdin bool
	cmd := &cobra.Command{
		Use:     "revoke [TOKEN_ID... | -]",
		Aliases: []string{"delete", "rm"},
		Short:   "Revoke personal access tokens",
		Long: heredoc.Doc(`
			Revoke tokens by ID (or unique ID prefix), or every token that
			matches filters, in one workspace or, with filters, in several
			(--all-profiles, --profiles).

			Nothing is revoked that you did not ask for. dbtok first works out
			the whole plan; --dry-run shows it and stops. A plan with more than
			one token, chosen by filter, or holding a token that a profile of
			your config file signs in with is shown and confirmed on the
			terminal (also when stdout is piped); without a terminal it is
			refused unless --yes. A token a profile signs in with is left out
			of filters, and refused by ID, unless --include-own; it is then
			revoked last, and the profiles it breaks are named.

			Every token is tried even when some fail; each failure is one line
			on stderr, and the exit code is 4 if the only failures were unknown
			IDs, or that of the first other failure. With -o json, stdout gets
			{"revoked": [...], "failed": [...]}. With --all-users, a workspace
			admin revokes any user's tokens through the Token Management API,
			and --owner NAME selects one owner's (a user name, or a service
			principal's application ID or display name): on-behalf-of tokens
			belong to the service principal they were created for.

			"-" reads the IDs (or prefixes) from standard input, one per line.
			--value-stdin revokes a leaked token given its value on standard
			input (never as an argument, which would land in your shell's
			history): workspaces derive a token's ID from its value (SHA-256),
			so dbtok finds it among your tokens, or any user's with --all-users,
			and says so clearly when none matches.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok revoke 5f3a0c9e81d2
			$ dbtok revoke --comment 'ci-*' --created-before 90d --dry-run
			$ dbtok revoke --expired --all-profiles --yes
			$ dbtok revoke --all-users --created-by bob@example.com --yes
			$ dbtok list -o json --jq '.[] | select(.comment == "old") | .token_id' | dbtok revoke - --yes
			$ echo "$LEAKED_TOKEN" | dbtok revoke --value-stdin --all-users
		`)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Filter, err = filter.Parse(cmd, opts.Now()); err != nil {
				return err
			}
			if err := tokenflags.NeedAllUsers(&opts.Filter, opts.Scope.AllUsers); err != nil {
				return err
			}
			if err := sel.Validate(f.Globals.Profile); err != nil {
				return err
			}
			selecting := opts.Filter.Active() || opts.Scope.CreatedBy != ""
			fromStdin := len(args) > 0 && slices.Contains(args, "-")
			switch {
			case fromStdin && len(args) > 1:
				return failure.Usagef("- reads the token IDs from stdin: give no other IDs")
			case valueStdin && (len(args) > 0 || selecting):
				return failure.Usagef("--value-stdin names the token by its value: give no IDs or filters")
			case valueStdin && sel.Active():
				return failure.Usagef("--value-stdin looks in one workspace: select it with --profile")
			case valueStdin:
				v, err := readValue(opts.IO.In)
				if err != nil {
					return err
				}
				opts.Value = v
			case fromStdin:
				if args, err = readIDs(opts.IO.In); err != nil {
					return err
				}
			}
			switch {
			case len(args) > 0 && selecting:
				return failure.Usagef("give token IDs or filters, not both")
			case len(args) > 0 && sel.Active():
				return failure.Usagef("token IDs belong to one workspace: with --all-profiles or --profiles, select tokens with filters")
			case len(args) == 0 && !selecting && opts.Value.IsZero():
				return failure.Usagef("no token ID given: pass the IDs to revoke, or filters such as --comment (see `dbtok list`)")
			case opts.Scope.CreatedBy != "" && !opts.Scope.AllUsers:
				return failure.Usagef("--created-by goes with --all-users")
			}
			if err := tokenflags.ValidateIDs(args); err != nil {
				return err
			}
			opts.IDs = args
			opts.Parallel = sel.Parallel
			if sel.Active() {
				if opts.Profiles, err = f.SelectProfiles(sel); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
		ValidArgsFunction: f.CompleteTokenIDs,
	}
	filter.Register(cmd)
	_ = cmd.RegisterFlagCompletionFunc("comment", f.CompleteComments)
	_ = cmd.RegisterFlagCompletionFunc("comment-exact", f.CompleteComments)
	sel.Register(cmd, f.CompleteProfiles)
	opts.Consent.Register(cmd, "revoke")
	cmd.Flags().BoolVar(&opts.Scope.AllUsers, "all-users", false, "revoke any user's tokens, through the Token Management API (workspace admins)")
	cmd.Flags().BoolVar(&valueStdin, "value-stdin", false, "revoke the token whose value is on standard input (a leaked token)")
	cmd.Flags().StringVar(&opts.Scope.CreatedBy, "created-by", "", "with --all-users, only tokens created by `USER` (name or numeric ID); a filter on its own")
	_ = cmd.RegisterFlagCompletionFunc("owner", f.CompleteOwners)
	return cmd
}

func revokeRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	var plan *tokens.Plan
	var listFailed error
	if !opts.Value.IsZero() {
		if plan, err = planByValue(ctx, opts); err != nil {
			return err
		}
	} else if len(opts.IDs) > 0 {
		if plan, err = planByID(ctx, opts); err != nil {
			return err
		}
	} else if plan, listFailed, err = planByFilter(ctx, opts); err != nil {
		return err
	}

	skipped := skipExpired(opts, plan.LeaveOut(tokens.ExpiredOwn(opts.Now())))
	if len(plan.Targets) == 0 {
		if len(skipped) > 0 {
			res := result{Revoked: []revokedJSON{}, Failed: opts.failed(nil), Skipped: skipped}
			if err := printer.Print(ctx, res); err != nil {
				return err
			}
			return failure.AsReported(listFailed)
		}
		opts.IO.Infof("No tokens match (%s): nothing to revoke.", describe(opts))
		var res any = result{Revoked: []revokedJSON{}, Failed: opts.failed(nil)}
		if opts.Consent.DryRun {
			res = dryRun{DryRun: true, WouldRevoke: nil, Failed: opts.unlisted}
		}
		if err := printer.Print(ctx, res); err != nil {
			return err
		}
		return failure.AsReported(listFailed)
	}
	if opts.Consent.DryRun {
		d := newDryRun(plan, opts.Profiles != nil, opts.Now())
		d.Failed = opts.unlisted
		if err := printer.Print(ctx, d); err != nil {
			return err
		}
		return failure.AsReported(listFailed)
	}
	if err := plan.Confirm(ctx, opts.Consent.Tokens(), opts.Asker()); err != nil {
		if errors.Is(err, tokens.ErrDeclined) {
			opts.IO.Infof("Nothing revoked.")
			return failure.AsReported(listFailed)
		}
		if failure.KindOf(err) == failure.KindCanceled {
			return failure.Wrap("interrupted: nothing was revoked", err)
		}
		return err
	}

	outcomes := tokens.Revoke(ctx, plan.Targets, opts.Parallel)
	outcomes = findExpired(ctx, opts, outcomes)
	res, worst := report(opts, outcomes)
	for _, o := range outcomes {
		if errors.Is(o.Err, errExpired) {
			skipped = append(skipped, skipExpired(opts, []tokens.Target{o.Target})...)
		}
	}
	res.Skipped = skipped
	res.Failed = opts.failed(res.Failed)
	forgetRevoked(opts, outcomes)
	// What was done is reported even after Ctrl-C; a second Ctrl-C still
	// ends dbtok at once.
	if err := printer.Print(context.WithoutCancel(ctx), res); err != nil {
		return err
	}
	for _, o := range outcomes {
		if o.Err == nil && len(o.SignsIn) > 0 {
			opts.IO.Warnf("token %s was the credential %s; %s no longer works until it gets a new token (`dbtok create --comment ... --out ...`, then edit the profile).", o.Token.ID, tokens.SignsIn(o.SignsIn), pronoun(o.SignsIn))
		}
	}
	return failure.AsReported(errors.Join(listFailed, worst))
}

// failed puts the workspaces that could not be listed before the tokens
// that could not be revoked; never null.
func (opts *Options) failed(tokens []failedJSON) []failedJSON {
	return append(append([]failedJSON{}, opts.unlisted...), tokens...)
}

func describe(opts *Options) string {
	d := opts.Filter.Describe()
	if opts.Scope.CreatedBy != "" {
		if d != "" {
			d += ", "
		}
		d += "created by " + opts.Scope.CreatedBy
	}
	return d
}

// planByID resolves IDs in the one workspace. Full IDs cost no request;
// prefixes are expanded from one listing, and a prefix that matches
// several tokens stops everything before anything is revoked.
func planByID(ctx context.Context, opts *Options) (*tokens.Plan, error) {
	ws, err := opts.Workspace("")
	if err != nil {
		return nil, err
	}
	opts.hint(ws)
	creds := opts.Credentials(nil, ws)
	plan := &tokens.Plan{Verb: "revoke"}
	listed := false
	var list []tokens.Token
	listOnce := func() error {
		if listed {
			return nil
		}
		listed = true
		if list, err = opts.Scope.List(ctx, ws.Tokens); err != nil {
			return err
		}
		creds.Learn(ws.Key(), list)
		return nil
	}
	needList := opts.Consent.DryRun
	for _, id := range opts.IDs {
		needList = needList || !tokens.IsFullID(id)
	}
	if needList {
		if err := listOnce(); err != nil {
			return nil, ws.Fail("list tokens (to expand short token IDs)", err)
		}
	}
	add := func() error {
		plan.Targets = nil
		found, missing, err := tokens.Resolve(list, opts.IDs)
		var amb *tokens.AmbiguousError
		if errors.As(err, &amb) {
			return failure.Usagef("token ID prefix %s matches %d tokens in %s: give more of the ID; nothing was revoked", amb.Prefix, amb.Matches, ws)
		}
		for _, t := range found {
			plan.Add(tokens.Target{Place: ws.Place, API: ws.Tokens, Scope: opts.Scope, Token: t, Listed: true})
		}
		// Unknown IDs are passed on as given: the workspace answers "not
		// found", and each is reported like any unknown ID.
		for _, id := range missing {
			plan.Add(tokens.Target{Place: ws.Place, API: ws.Tokens, Scope: opts.Scope, Token: tokens.Token{ID: id}})
		}
		plan.Mark(creds)
		return nil
	}
	if err := add(); err != nil {
		return nil, err
	}
	if len(plan.Unidentified) > 0 && !listed {
		// A profile's credential cannot be told apart from the tokens
		// named: one listing may prove that the workspace derives IDs
		// from values, which settles it (and is remembered).
		if err := listOnce(); err != nil {
			return nil, ws.Fail("revoke "+describeIDs(opts.IDs), err)
		}
		if err := add(); err != nil {
			return nil, err
		}
	}
	return plan, refuseCredentials(plan, opts)
}

// refuseCredentials stops a plan that names a token a profile signs in
// with, unless --include-own.
func refuseCredentials(plan *tokens.Plan, opts *Options) error {
	if creds := plan.Credentials(); len(creds) > 0 && !opts.Consent.IncludeOwn {
		t := creds[0]
		return failure.Usagef("token %s is the credential %s: revoking it locks %s out; pass --include-own to revoke it anyway (it goes last); nothing was revoked",
			t.Token.ID, tokens.SignsIn(t.SignsIn), pronoun(t.SignsIn))
	}
	return nil
}

// planByValue finds the token whose ID is the digest of the value, in one
// listing of the workspace (any user's with --all-users).
func planByValue(ctx context.Context, opts *Options) (*tokens.Plan, error) {
	ws, err := opts.Workspace("")
	if err != nil {
		return nil, err
	}
	opts.hint(ws)
	list, err := opts.Scope.List(ctx, ws.Tokens)
	if err != nil {
		return nil, ws.Fail("list tokens (to find the token with that value)", err)
	}
	creds := opts.Credentials(nil, ws)
	creds.Learn(ws.Key(), list)
	id := opts.Value.Digest()
	plan := &tokens.Plan{Verb: "revoke"}
	for _, t := range list {
		if t.ID == id {
			plan.Add(tokens.Target{Place: ws.Place, API: ws.Tokens, Scope: opts.Scope, Token: t, Listed: true})
		}
	}
	if len(plan.Targets) == 0 {
		whose := "of yours"
		other := "; a workspace admin can look among every user's tokens with --all-users"
		if opts.Scope.AllUsers {
			whose, other = "of any user", ""
		}
		unsure := ""
		if !creds.UsesDigestIDs(ws.Key()) {
			unsure = fmt.Sprintf(" (dbtok cannot tell whether %s derives token IDs from values; if it does not, find the token by its comment or creation time with `%s%s` and revoke it by ID)", ws.Host, opts.Scope.ListCommand(), ws.ProfileFlag())
		}
		return nil, failure.NotFoundf("no token %s in %s has this value (its ID would be %s): it is revoked already, or belongs to another workspace%s%s; nothing was revoked",
			whose, ws, id, other, unsure)
	}
	plan.Mark(creds)
	return plan, refuseCredentials(plan, opts)
}

// maxStdin bounds what is read from standard input: IDs or one value.
const maxStdin = 1 << 20

// readIDs reads token IDs (or prefixes) from r, one per line; blank lines
// are skipped.
func readIDs(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxStdin+1))
	if err != nil {
		return nil, failure.Usagef("cannot read token IDs from stdin: %v", err)
	}
	if len(data) > maxStdin {
		return nil, failure.Usagef("stdin holds more than %d bytes of token IDs: revoke them in batches", maxStdin)
	}
	var ids []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			ids = append(ids, line)
		}
	}
	if len(ids) == 0 {
		return nil, failure.Usagef("no token IDs on stdin: give one per line")
	}
	return ids, nil
}

// readValue reads one token value from r. It is masked in every message
// from here on.
func readValue(r io.Reader) (tokens.Secret, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return tokens.Secret{}, failure.Usagef("cannot read the token value from stdin: %v", err)
	}
	v := strings.TrimSpace(string(data))
	redact.Add(v)
	switch {
	case v == "":
		return tokens.Secret{}, failure.Usagef("no token value on stdin: pipe it in, e.g. pbpaste | dbtok revoke --value-stdin")
	case strings.ContainsAny(v, " \t\r\n"):
		return tokens.Secret{}, failure.Usagef("stdin holds more than one word: give exactly one token value")
	}
	return tokens.NewSecret(v), nil
}

func describeIDs(ids []string) string {
	if len(ids) == 1 {
		return "token " + ids[0]
	}
	return "tokens " + strings.Join(ids, ", ")
}

func pronoun(names []string) string {
	if len(names) == 1 {
		return "it"
	}
	return "them"
}

// planByFilter lists every selected workspace and plans what the filters
// match. A workspace that cannot be listed is reported and skipped.
func planByFilter(ctx context.Context, opts *Options) (*tokens.Plan, error, error) {
	profiles := opts.Profiles
	if profiles == nil {
		profiles = []string{""}
	}
	now := opts.Now()
	type listing struct {
		ws   *workspace.Workspace
		list []tokens.Token
	}
	results := fanout.Run(ctx, profiles, opts.Parallel, func(ctx context.Context, profile string) (listing, error) {
		ws, err := opts.Workspace(profile)
		if err != nil {
			return listing{}, err
		}
		list, err := opts.Scope.List(ctx, ws.Tokens)
		if err != nil {
			return listing{}, ws.Fail("list tokens", err)
		}
		if opts.Scope.AllUsers {
			// The plan shows whom on-behalf-of tokens belong to; --owner
			// needs every owner named.
			if err := opts.NameOwners(ctx, ws, tokens.Tokens(list), opts.Filter.NeedsOwners()); err != nil {
				return listing{}, err
			}
		}
		return listing{ws: ws, list: list}, nil
	})
	if opts.Profiles == nil && results[0].Err != nil {
		return nil, nil, results[0].Err
	}
	var opened []*workspace.Workspace
	for _, r := range results {
		if r.Err == nil {
			opened = append(opened, r.Value.ws)
		}
	}
	creds := opts.Credentials(nil, opened...)
	plan := &tokens.Plan{Verb: "revoke", Selected: true}
	var failed error
	for _, r := range results {
		if r.Err != nil {
			opts.IO.Errorf("%v", r.Err)
			failed = errors.Join(failed, r.Err)
			opts.unlisted = append(opts.unlisted, failedJSON{
				WorkspaceJSON: &tokenview.WorkspaceJSON{Profile: r.Profile, Host: opts.HostOf(r.Profile)},
				Error:         r.Err.Error(), ExitCode: failure.Code(r.Err),
			})
			continue
		}
		ws := r.Value.ws
		opts.hint(ws)
		creds.Learn(ws.Key(), r.Value.list)
		matched := opts.Filter.Apply(r.Value.list, now)
		tokens.Sort(matched, "expiry")
		for _, t := range matched {
			plan.Add(tokens.Target{Place: ws.Place, API: ws.Tokens, Scope: opts.Scope, Token: t, Listed: true})
		}
	}
	plan.Mark(creds)
	if !opts.Consent.IncludeOwn {
		for _, t := range plan.LeaveOutCredentials() {
			opts.IO.Notef("left out token %s, which %s (--include-own to revoke it too).", t.Token.ID, tokens.SignsIn(t.SignsIn))
		}
	}
	return plan, failed, nil
}

// report turns outcomes into the result and one stderr line per failure,
// and picks the failure whose exit code wins: anything beats "not found".
func report(opts *Options, outcomes []tokens.Outcome) (result, error) {
	multi := opts.Profiles != nil
	res := result{Revoked: []revokedJSON{}, Failed: []failedJSON{}, multi: multi}
	var worst error
	interrupted := 0
	for _, o := range outcomes {
		ws := workspaceJSON(o.Place, multi)
		if o.Err == nil {
			r := revokedJSON{WorkspaceJSON: ws, TokenID: o.Token.ID, place: o.Place}
			if o.Listed {
				c := o.Token.Comment
				r.Comment = &c
			}
			res.Revoked = append(res.Revoked, r)
			continue
		}
		if errors.Is(o.Err, errExpired) {
			continue
		}
		err := explain(o, opts.hints[o.Place])
		if failure.KindOf(o.Err) == failure.KindCanceled {
			// After Ctrl-C every remaining token fails the same way: one
			// line says so, not one per token.
			interrupted++
		} else {
			opts.IO.Errorf("%v", err)
		}
		id := o.Token.ID
		f := failedJSON{WorkspaceJSON: ws, TokenID: &id, Error: err.Error(), ExitCode: failure.Code(err)}
		var ae *failure.APIError
		if errors.As(o.Err, &ae) {
			f.ErrorCode = ae.Code
		}
		res.Failed = append(res.Failed, f)
		if worst == nil || failure.Code(worst) == failure.NotFound && failure.Code(err) != failure.NotFound {
			worst = err
		}
	}
	if interrupted > 0 {
		opts.IO.Errorf("interrupted: %s not revoked (those that were are listed above)", output.Count(interrupted, "token"))
	}
	return res, worst
}

// explain words one failed revocation.
func explain(o tokens.Outcome, hint string) error {
	where := fmt.Sprintf("%s%s", o.Scope.ListCommand(), o.Place.ProfileFlag())
	switch failure.KindOf(o.Err) {
	case failure.KindNotFound:
		return failure.Wrapf(o.Err, "token %s not found in %s (see `%s`)", o.Token.ID, o.Place, where)
	case failure.KindPermission:
		if o.Scope.AllUsers {
			return failure.Wrapf(o.Err, "cannot revoke token %s in %s: workspace admin rights are needed for --all-users (HTTP 403); use the profile of a workspace admin", o.Token.ID, o.Place)
		}
	}
	msg := fmt.Sprintf("cannot revoke token %s in %s: %s", o.Token.ID, o.Place, failure.Cause(o.Err, hint))
	if failure.MaybeApplied(o.Err) {
		msg += fmt.Sprintf("; it may have been revoked anyway: check with `%s`", where)
	}
	return failure.Wrap(msg, o.Err)
}

func (opts *Options) hint(ws *workspace.Workspace) {
	if opts.hints == nil {
		opts.hints = map[tokens.Place]string{}
	}
	opts.hints[ws.Place] = ws.CredentialsHint()
}

// errExpired marks a revocation the workspace refused because the token
// had expired already.
var errExpired = errors.New("expired already")

// findExpired looks again at tokens the workspace said it does not have:
// one named by ID that has in fact expired is still listed, and no "not
// found" is the honest answer for it.
func findExpired(ctx context.Context, opts *Options, outcomes []tokens.Outcome) []tokens.Outcome {
	listed := map[tokens.Place][]tokens.Token{}
	for i, o := range outcomes {
		if failure.KindOf(o.Err) != failure.KindNotFound || o.Scope.AllUsers || o.Listed {
			continue
		}
		list, ok := listed[o.Place]
		if !ok {
			list, _ = o.API.List(ctx)
			listed[o.Place] = list
		}
		for _, t := range list {
			if t.ID == o.Token.ID && t.ExpiredAt(opts.Now()) {
				outcomes[i].Token, outcomes[i].Listed, outcomes[i].Err = t, true, errExpired
			}
		}
	}
	return outcomes
}

// skipExpired says, for each expired token left out, why nothing was done.
func skipExpired(opts *Options, targets []tokens.Target) []skippedJSON {
	var out []skippedJSON
	for _, t := range targets {
		opts.IO.Notef("token %s (%s) expired on %s: it no longer works, but the workspace lists it until a workspace admin deletes it (`dbtok revoke --all-users %s%s`).",
			t.Token.ID, t.Token.Comment, output.Timestamp(t.Token.ExpiryOrZero()), t.Token.ID, t.Place.ProfileFlag())
		c := t.Token.Comment
		out = append(out, skippedJSON{WorkspaceJSON: workspaceJSON(t.Place, opts.Profiles != nil), TokenID: t.Token.ID, Comment: &c, Reason: "expired"})
	}
	return out
}

// forgetRevoked drops revoked tokens from dbtok's record of delivered ones.
func forgetRevoked(opts *Options, outcomes []tokens.Outcome) {
	byHost := map[string][]string{}
	for _, o := range outcomes {
		if o.Err == nil {
			byHost[o.Place.Host] = append(byHost[o.Place.Host], o.Token.ID)
		}
	}
	for host, ids := range byHost {
		_ = opts.Record().Forget(host, ids...)
	}
}
