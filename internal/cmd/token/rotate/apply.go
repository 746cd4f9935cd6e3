package rotate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
)

func rotateRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	if opts.Delivery.Printed(opts.UpdateProfile) && opts.IO.IsStdoutDiscarded() && !opts.Consent.DryRun {
		return failure.Usagef("stdout is discarded (/dev/null or closed): the new token would be lost; use --out FILE, --update-profile, --pipe-to or --to-secret")
	}
	var file *delivery.File
	if opts.Delivery.File != "" && !opts.Consent.DryRun {
		if file, err = delivery.PrepareFile(opts.Delivery.File, opts.Delivery.Force, "the new token"); err != nil {
			return err
		}
		defer file.Close()
	}

	// With --update-profile the whole rotation, from reading the profile's
	// token to revoking it, holds the config file's lock: a concurrent run
	// rotating another profile (or the same one) waits, and then sees this
	// run's result instead of overwriting it.
	var update *databrickscfg.Update
	var cfg *databrickscfg.File
	if opts.UpdateProfile && !opts.Consent.DryRun {
		if update, err = opts.UpdateConfig(ctx); err != nil {
			return err
		}
		defer update.Close()
		if cfg, err = databrickscfg.Parse(update.Path, update.Raw); err != nil {
			return &failure.ConfigError{Msg: err.Error()}
		}
	} else if cfg, err = opts.ConfigFile(); err != nil {
		cfg = nil
	}

	js := jobs(opts, cfg)
	openAll(ctx, opts, js)
	var opened []*workspace.Workspace
	for _, j := range js {
		if j.ws != nil {
			opened = append(opened, j.ws)
		}
	}
	creds := opts.Credentials(cfg, opened...)
	for _, j := range pending(js) {
		creds.Learn(j.ws.Key(), j.listed)
		j.creds = creds
	}
	for _, j := range pending(js) {
		j.err = j.selectOld(ctx, opts, creds)
	}
	skipDuplicates(js)
	notDue(opts, js)
	plan := protect(opts, js, creds)

	if len(pending(js)) == 0 {
		var err error
		switch waiting := notDueJobs(js); {
		case opts.Consent.DryRun && len(waiting) > 0:
			// Scripts read an empty plan rather than nothing.
			err = printer.Print(ctx, newDryRun(opts, nil))
		case len(waiting) > 0:
			err = printer.Print(ctx, newResult(opts, waiting, false))
		}
		if err != nil {
			return err
		}
		return summarize(opts, js)
	}
	if opts.Consent.DryRun {
		if err := printer.Print(ctx, newDryRun(opts, pending(js))); err != nil {
			return err
		}
		return summarize(opts, js)
	}
	// Every destination is checked before anything is created, and before
	// a person is asked to confirm a plan that could not be carried out.
	fanout.Each(ctx, pending(js), opts.Parallel, func(ctx context.Context, j *job) {
		j.dests, j.err = prepareDelivery(ctx, opts, j, file)
	})
	if len(pending(js)) == 0 {
		return summarize(opts, js)
	}
	if !opts.KeepOld && !picked(js) {
		if err := plan.Confirm(ctx, opts.Consent.Tokens(), opts.Asker()); err != nil {
			if errors.Is(err, tokens.ErrDeclined) {
				opts.IO.Infof("Nothing rotated.")
				return nil
			}
			if failure.KindOf(err) == failure.KindCanceled {
				return failure.Wrap("interrupted: nothing rotated", err)
			}
			return err
		}
	}
	if opts.UpdateProfile {
		for _, j := range pending(js) {
			if j.profiles, err = delivery.PrepareProfiles(update, j.holders, func(ctx context.Context, profile string) error {
				return signsIn(ctx, opts, profile)
			}); err != nil {
				j.err = &failure.ConfigError{Msg: err.Error()}
				continue
			}
			// Last: the only destination that can be taken back.
			j.dests = append(j.dests, j.profiles)
		}
	}

	// 1. Create the new tokens and prove they work.
	fanout.Each(ctx, pending(js), opts.Parallel, func(ctx context.Context, j *job) {
		j.err = j.create(ctx, opts)
	})
	// 2. Deliver them, all before anything is revoked.
	if err := deliver(ctx, opts, js); err != nil {
		return err
	}
	// 3. Revoke what was replaced, signed in with the new token: the old
	// one may be the very credential the profile was using.
	if !opts.KeepOld {
		fanout.Each(ctx, succeeded(js), opts.Parallel, func(ctx context.Context, j *job) {
			j.revokeOld(ctx, opts)
		})
	}
	for _, j := range js {
		if j.created == nil {
			continue
		}
		// Also a token that reached only some destinations: it is live,
		// and a later rotation must recognise it.
		if err := opts.Record().Record(j.ws.Host, j.created.Value.Reveal(), j.created.Token.ID, j.revoked...); err != nil {
			opts.IO.Warnf("could not remember the new token for later rotations: %v", err)
		}
		creds.LearnCreated(j.ws.Key(), j.created)
	}
	return summarize(opts, js)
}

// protect applies the engine's rule to every job: a token that something
// signs in with is only replaced with --update-profile, which then updates
// every profile holding it. It returns the plan to confirm.
func protect(opts *Options, js []*job, creds *tokens.Credentials) *tokens.Plan {
	plan := &tokens.Plan{Verb: "replace"}
	for _, j := range pending(js) {
		var signers []string
		for _, t := range j.old {
			signers = append(signers, creds.ProfilesUsing(j.ws.Key(), t.ID)...)
		}
		slices.Sort(signers)
		signers = slices.Compact(signers)
		if len(signers) > 0 && !opts.KeepOld {
			switch {
			case slices.Contains(signers, tokens.EnvCredential):
				j.err = failure.Usagef("a token to replace in %s is DATABRICKS_TOKEN, which dbtok cannot update: rotate it with --keep-old and update the variable yourself", j.ws)
				continue
			case !opts.UpdateProfile:
				var named []string
				for _, t := range j.old {
					if p := creds.ProfilesUsing(j.ws.Key(), t.ID); len(p) > 0 {
						named = append(named, fmt.Sprintf("token %s is the credential %s", t.ID, tokens.SignsIn(p)))
					}
				}
				j.err = failure.Usagef("in %s, %s: replacing it elsewhere would lock %s out; run `dbtok rotate --profiles %s --update-profile` to rotate and update the config file (or --keep-old); nothing rotated",
					j.ws, strings.Join(named, ", and "), pronoun(signers), strings.Join(signers, ","))
				continue
			}
		}
		if opts.UpdateProfile {
			holders := append([]string{j.profile}, j.holders...)
			holders = append(holders, creds.SameValue(j.ws.Key(), j.current)...)
			// A profile that holds the old token under another host name
			// is not rewritten: that name may be another workspace.
			elsewhere := map[string]bool{}
			for _, t := range j.old {
				for _, cr := range creds.Elsewhere(j.ws.Key(), t.ID) {
					elsewhere[cr.Profile] = true
					opts.IO.Warnf("profile %s holds the token being replaced under another host name (%s); it is not rewritten, since dbtok cannot tell that it is the same workspace: update it yourself once the rotation is done", cr.Profile, cr.Host)
				}
			}
			for _, p := range signers {
				if !elsewhere[p] {
					holders = append(holders, p)
				}
			}
			slices.Sort(holders)
			j.holders = slices.Compact(holders)
		}
		for _, t := range j.old {
			plan.Add(tokens.Target{Place: j.ws.Place, API: j.ws.Tokens, Scope: opts.scope(), Token: t, Listed: true})
		}
	}
	plan.Mark(creds)
	if opts.UpdateProfile {
		// The token replaced is the profile's own, identified: another
		// profile's token cannot be the same token.
		plan.Unidentified = nil
	}
	return plan
}

func pronoun(names []string) string {
	if len(names) == 1 {
		return "it"
	}
	return "them"
}

func picked(js []*job) bool {
	for _, j := range pending(js) {
		if j.picked {
			return true
		}
	}
	return false
}

// signsIn proves a profile works exactly as the config file on disk says.
func signsIn(ctx context.Context, opts *Options, profile string) error {
	ws, err := opts.Workspace(profile)
	if err != nil {
		return err
	}
	if _, err := ws.Tokens.WhoAmI(ctx); err != nil {
		return errors.New(failure.Cause(err, ws.CredentialsHint()))
	}
	return nil
}

// create makes the new token and proves it signs in.
func (j *job) create(ctx context.Context, opts *Options) error {
	started := opts.Now()
	created, err := j.mint(ctx)
	if err != nil {
		msg := j.createFailed(err).Error()
		if advice := tokens.MaxLifetimeAdvice(ctx, err, j.ws.Settings, j.lifetime); advice != "" {
			msg += "; " + advice
		}
		if failure.MaybeApplied(err) {
			known := map[string]bool{}
			for _, t := range j.listed {
				known[t.ID] = true
			}
			msg += "; " + tokens.ExplainMaybeCreated(ctx, err, j.ws.Place, opts.scope(), j.ws.Tokens, j.comment, started, known)
		}
		return failure.Wrap(msg+"; "+kept(j.old), err)
	}
	redact.Add(created.Value.Reveal())
	j.created = created
	// Proof by SCIM's /Me, which every token may call whatever its scopes.
	api, err := opts.SignIn(j.ws.Host, created.Value)
	if err == nil {
		_, err = api.WhoAmI(ctx)
	}
	if err != nil {
		return j.undo(ctx, fmt.Errorf("the new token %s in %s does not work (%s)", created.Token.ID, j.ws, failure.Brief(err)))
	}
	return nil
}

// prepareDelivery checks a job's destinations before its token exists:
// commands and secrets (in the job's own workspace unless --secret-profile
// names another), then the --out file. The profiles of --update-profile
// come last, once the config file's lock is held.
func prepareDelivery(ctx context.Context, opts *Options, j *job, file *delivery.File) ([]delivery.Destination, error) {
	req := opts.Delivery
	req.File = ""
	dests, err := opts.PrepareDelivery(ctx, req, j.ws, "the new token")
	if err != nil {
		return nil, err
	}
	if file != nil {
		dests = append(dests, file)
	}
	return dests, nil
}

// deliver hands each new token to its destinations, then prints the
// result (with the values, when they are to be printed). It runs before
// anything is revoked. A token that reached no destination is revoked
// again and its job keeps the old token; one that reached some stays live
// for them, and the old token is kept for the others.
func deliver(ctx context.Context, opts *Options, js []*job) error {
	live := succeeded(js)
	if len(live) == 0 {
		return nil
	}
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	for _, j := range live {
		item := delivery.Item{Value: j.created.Value, Token: j.created.Token, Place: j.ws.Place}
		if err := delivery.All(ctx, j.dests, item); err != nil {
			j.undelivered(ctx, delivery.Reached(err), err)
			continue
		}
		if j.profiles != nil {
			opts.IO.Successf("New token %s written to profile %s in %s (previous file kept as %s).",
				j.created.Token.ID, strings.Join(j.profiles.Names(), ", "), j.profiles.Path(), j.profiles.Backup())
		}
	}
	if len(succeeded(js)) == 0 {
		return nil
	}
	printed := opts.Delivery.Printed(opts.UpdateProfile)
	res := newResult(opts, inOrder(js, append(succeeded(js), notDueJobs(js)...)), printed)
	if !printed {
		// The values are where they were sent; only the summary is printed.
		return printer.Print(ctx, res)
	}
	// stdout: every new value must be in what is printed, or it was never
	// delivered (a --jq that leaves it out, a broken pipe).
	var values []string
	for _, j := range succeeded(js) {
		values = append(values, j.created.Value.Reveal())
	}
	rendered, err := printer.Render(ctx, res, values...)
	for _, j := range succeeded(js) {
		switch {
		case err != nil:
			j.undelivered(ctx, j.dests, &delivery.PartialError{Done: j.dests, Failed: delivery.Stdout, Err: err})
		case !rendered.Contains(j.created.Value.Reveal()):
			j.undelivered(ctx, j.dests, &delivery.PartialError{Done: j.dests, Failed: delivery.Stdout,
				Err: errors.New("the output (--jq or --template) does not contain the new token's value, so it was never delivered")})
		}
	}
	if len(succeeded(js)) == 0 {
		return nil
	}
	if err := printer.Write(rendered); err != nil {
		for _, j := range succeeded(js) {
			j.undelivered(ctx, j.dests, &delivery.PartialError{Done: j.dests, Failed: delivery.Stdout, Err: fmt.Errorf("cannot print the new token: %v", err)})
		}
	}
	return nil
}

// inOrder returns the jobs of some in the order of all.
func inOrder(all, some []*job) []*job {
	var out []*job
	for _, j := range all {
		if slices.Contains(some, j) {
			out = append(out, j)
		}
	}
	return out
}

// undelivered stops a job whose new token did not reach every
// destination. When none holds it, it is revoked again; when some do, it
// stays live for them. Either way the old token is kept.
func (j *job) undelivered(ctx context.Context, reached []delivery.Destination, cause error) {
	if len(reached) == 0 {
		var p *delivery.PartialError
		if errors.As(cause, &p) {
			cause = p.Err
		}
		j.err = j.undo(ctx, cause)
		return
	}
	j.err = failure.Wrapf(cause, "in %s, the new token %s was %s; it stays live since %s holds it, and %s",
		j.ws, j.created.Token.ID, cause, delivery.Names(reached), kept(j.old))
}

// revokeOld revokes the replaced tokens, signed in with the new token.
func (j *job) revokeOld(ctx context.Context, opts *Options) {
	j.failed = map[string]error{}
	// Through the new token, since the old one may be the very credential
	// the profile signed in with; unless the new token's scopes do not
	// reach the Token API, and then through the profile's own.
	// A service principal's token is no caller's own: the admin revokes it
	// through Token Management, signed in as before.
	api := j.ws.Tokens
	if j.created.Token.CanCreateTokens() && !opts.AllUsers {
		if a, err := opts.SignIn(j.ws.Host, j.created.Value); err == nil {
			api = a
		}
	}
	for _, t := range j.old {
		if t.ExpiredAt(opts.Now()) && !opts.AllUsers {
			// The Token API cannot delete it, and it no longer works.
			opts.IO.Notef("the old token %s had expired already; the workspace lists it until a workspace admin deletes it (`dbtok revoke --all-users %s%s`).", t.ID, t.ID, j.ws.ProfileFlag())
			continue
		}
		err := opts.scope().Revoke(ctx, api, t.ID)
		switch {
		case failure.KindOf(err) == failure.KindNotFound:
			opts.IO.Notef("the old token %s was gone already.", t.ID)
		case err != nil:
			j.failed[t.ID] = err
			continue
		default:
			opts.IO.Successf("Revoked the old token %s%s in %s.", t.ID, j.ownerWords(), j.ws)
		}
		j.revoked = append(j.revoked, t.ID)
	}
	if j.picked && len(j.revoked) > 0 {
		// A person picked the old token: prove it was the profile's, by
		// its previous value no longer signing in.
		if a, err := opts.SignIn(j.ws.Host, j.current); err == nil {
			if _, err := a.WhoAmI(ctx); err == nil {
				// By now a token was created, the config file rewritten and a
				// token revoked: not a usage error (exit 2, "nothing was sent").
				j.err = fmt.Errorf("the token you picked (%s) was not the one profile %s signed in with: that one still works, outside the config file now; find it with `dbtok list -p %s` and revoke it", j.revoked[0], j.profile, j.profile)
				j.created = nil
			}
		}
	}
}

// undo revokes a new token that was created but not delivered, and says
// what the user still holds.
func (j *job) undo(ctx context.Context, cause error) error {
	created := j.created
	j.created = nil
	scope := tokens.Scope{AllUsers: j.owner != nil}
	t := j.creds.Undelivered(tokens.Target{Place: j.ws.Place, API: j.ws.Tokens, Scope: scope, Token: created.Token}, created.Value)
	return tokens.RevokeUndelivered(ctx, cause, t, j.ws.CredentialsHint(), kept(j.old))
}

func kept(old []tokens.Token) string {
	switch len(old) {
	case 0:
		return "nothing was revoked"
	case 1:
		return fmt.Sprintf("the old token %s was not revoked and still works", old[0].ID)
	}
	return fmt.Sprintf("the old tokens %s were not revoked and still work", strings.Join(tokens.IDs(old), ", "))
}

// summarize reports each workspace's end state and picks the exit code.
func summarize(opts *Options, js []*job) error {
	var first error
	done := false
	for _, j := range js {
		switch {
		case j.err != nil:
			opts.IO.Errorf("%v", j.err)
			if first == nil {
				first = j.err
			}
		case j.notDue != "" && !opts.Consent.DryRun:
			// The printed result says why.
		case j.skipped != "":
			opts.IO.Notef("%s.", j.skipped)
		case len(j.failed) > 0:
			done = true
			for _, id := range slices.Sorted(maps.Keys(j.failed)) {
				err := j.failed[id]
				state := "it still works"
				var apiErr *failure.APIError
				if errors.As(err, &apiErr) && apiErr.MaybeApplied {
					// The request reached the workspace and got no clear
					// answer: the revocation may have happened.
					state = "it may have been revoked or may still work (the workspace gave no clear answer)"
				}
				e := failure.Wrapf(err, "the new token %s is in place, but the old token %s could not be revoked (%s); %s: revoke it with `%s %s%s`",
					j.created.Token.ID, id, failure.Cause(err, j.ws.CredentialsHint()), state, opts.scope().RevokeCommand(), id, j.ws.ProfileFlag())
				opts.IO.Errorf("%v", e)
				if first == nil {
					first = e
				}
			}
		default:
			done = true
		}
	}
	if opts.Profiles != nil && first == nil && !done && !opts.Consent.DryRun {
		return failure.NotFoundf("no token matches (%s) in any of the %d workspaces: nothing rotated", opts.Select.Describe(), len(js))
	}
	if first == nil {
		return nil
	}
	code := failure.Code(first)
	if done && code == failure.Usage {
		// Some rotations happened: "nothing was sent" no longer holds.
		code = failure.Error
	}
	return &failure.Reported{Code: code}
}
