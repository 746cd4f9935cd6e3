package rotate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
)

// job is the rotation in one workspace.
type job struct {
	profile string // "" for the single, implicitly selected workspace
	ws      *workspace.Workspace
	listed  []tokens.Token
	old     []tokens.Token
	// holders are the profiles whose token line gets the new value (with
	// --update-profile): every profile that signs in with the old token.
	holders []string
	// current is the profile's token value, for --update-profile.
	current tokens.Secret
	// picked is set when a person chose the old token from a list.
	picked bool

	// owner is the service principal whose token is replaced (--all-users).
	owner *tokens.Identity

	comment   string
	lifetime  int64
	scopes    []string
	autoscope bool
	profiles  *delivery.Profiles
	// dests are where the new token goes, in delivery order.
	dests   []delivery.Destination
	created *tokens.Created
	revoked []string
	failed  map[string]error
	// creds is what signs in with which token, for the checks before a
	// new token that was not delivered is revoked again.
	creds   *tokens.Credentials
	err     error  // the step that stopped this rotation
	skipped string // why nothing was done here, when that is no failure
	// notDue says why a conditional rotation left the old token alone
	// (then skipped is set too).
	notDue string
}

// jobs lists the workspaces to rotate in; with --update-profile profiles
// that share one token are one job, since they must be updated together.
func jobs(opts *Options, file *databrickscfg.File) []*job {
	if opts.Profiles == nil {
		return []*job{{}}
	}
	var out []*job
	byToken := map[string]*job{}
	for _, name := range opts.Profiles {
		if opts.UpdateProfile && file != nil {
			p, _ := file.Get(name)
			if v := p.Keys["token"]; v != "" {
				key := tokens.HostKey(p.Host()) + "\x00" + v
				if j, ok := byToken[key]; ok {
					j.holders = append(j.holders, name)
					continue
				}
				j := &job{profile: name}
				byToken[key] = j
				out = append(out, j)
				continue
			}
		}
		out = append(out, &job{profile: name})
	}
	return out
}

// open signs in and lists the workspace's tokens.
func (j *job) open(ctx context.Context, opts *Options) error {
	ws, err := opts.Workspace(j.profile)
	if err != nil {
		return err
	}
	j.ws = ws
	if opts.UpdateProfile {
		if ws.Profile == "" {
			return failure.Usagef("--update-profile needs a profile: the workspace comes from environment variables")
		}
		if ws.Credential.IsZero() {
			return failure.Usagef("profile %s does not sign in with a personal access token (auth type %s): there is no token line to rotate", ws.Profile, ws.AuthType)
		}
		j.profile = ws.Profile
		j.current = ws.Credential
	}
	if j.listed, err = opts.scope().List(ctx, ws.Tokens); err != nil {
		return listFailed(ws, opts, err)
	}
	return nil
}

// selectOld finds the tokens the new one replaces.
func (j *job) selectOld(ctx context.Context, opts *Options, creds *tokens.Credentials) error {
	switch {
	case opts.TokenID != "":
		found, _, err := tokens.Resolve(j.listed, []string{opts.TokenID})
		var amb *tokens.AmbiguousError
		if errors.As(err, &amb) {
			return failure.Usagef("token ID prefix %s matches %d tokens in %s: give more of the ID", amb.Prefix, amb.Matches, j.ws)
		}
		if len(found) == 0 {
			return failure.NotFoundf("no token %s in %s: nothing rotated (see `%s%s`)", opts.TokenID, j.ws, opts.scope().ListCommand(), j.ws.ProfileFlag())
		}
		j.old = found
	case opts.UpdateProfile:
		t, err := j.profileToken(ctx, opts, creds)
		if err != nil {
			return err
		}
		j.old = []tokens.Token{t}
	default:
		if opts.Select.NeedsOwners() {
			if err := tokens.ResolveOwners(ctx, j.ws.Directory, j.listed, true); err != nil {
				return j.ws.Fail("look up who owns the tokens (for --owner)", err)
			}
		}
		j.old = opts.Select.Apply(j.listed, opts.Now())
		if len(j.old) == 0 {
			if opts.Profiles != nil {
				j.skipped = fmt.Sprintf("no token matches (%s) in %s: nothing to rotate there", opts.Select.Describe(), j.ws)
				return nil
			}
			return failure.NotFoundf("no token matches (%s) in %s: nothing rotated (see `%s%s`)", opts.Select.Describe(), j.ws, opts.scope().ListCommand(), j.ws.ProfileFlag())
		}
	}
	if opts.AllUsers {
		if err := j.settleOwner(ctx); err != nil {
			return err
		}
	}
	return j.settle(opts)
}

// settle decides the new token's comment and lifetime.
func (j *job) settle(opts *Options) error {
	switch {
	case opts.NewComment != nil:
		j.comment = *opts.NewComment
	default:
		comments := map[string]bool{}
		for _, t := range j.old {
			comments[t.Comment] = true
		}
		if len(comments) > 1 {
			var list []string
			for c := range comments {
				list = append(list, strconv.Quote(c))
			}
			sort.Strings(list)
			return failure.Usagef("the tokens to replace in %s have different comments (%s): the new token can have only one; pass --new-comment TEXT, or rotate them one at a time", j.ws, strings.Join(list, ", "))
		}
		j.comment = j.old[0].Comment
	}
	// The new token may call exactly what the old one could: a rotated
	// scoped token must not come back unscoped, which would widen it.
	j.scopes, j.autoscope = slices.Clone(j.old[0].Scopes), j.old[0].Autoscoped()
	for _, t := range j.old[1:] {
		if !slices.Equal(sortedCopy(t.Scopes), sortedCopy(j.scopes)) || t.Autoscoped() != j.autoscope {
			return failure.Usagef("the tokens to replace in %s have different scopes (%s and %s): the new token can have only one set; rotate them one at a time", j.ws, scopesWords(j.old[0]), scopesWords(t))
		}
	}
	// Creating tokens needs a credential allowed to: say so before
	// anything is created, rather than fail half-way.
	if !j.ws.Credential.IsZero() {
		for _, t := range j.listed {
			if t.ID == j.ws.Credential.Digest() && !t.CanCreateTokens() {
				return failure.Usagef("%s signs in with a token limited to the scopes %s, which cannot create tokens (that needs the authentication scope): sign in with a token that has it", j.ws, strings.Join(t.Scopes, ","))
			}
		}
	}
	// --lifetime, else the lifetime the replaced token had (the newest
	// one's, if several), else the workspace's default: a rotated 30-day
	// token should not come back as a 2-year one.
	j.lifetime = opts.LifetimeSeconds
	if j.lifetime == 0 {
		newest := j.old[0]
		for _, t := range j.old[1:] {
			if t.CreationTime > newest.CreationTime {
				newest = t
			}
		}
		j.lifetime = newest.Lifetime()
	}
	return nil
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// scopesWords names a token's scopes for messages.
func scopesWords(t tokens.Token) string {
	switch {
	case len(t.Scopes) > 0:
		return "scopes " + strings.Join(t.Scopes, ",")
	case t.Autoscoped():
		return "autoscope"
	}
	return "every API"
}

// profileToken works out which listed token the profile signs in with:
// by its ID (derived from the value), dbtok's record, or a person's pick.
func (j *job) profileToken(ctx context.Context, opts *Options, creds *tokens.Credentials) (tokens.Token, error) {
	if id, ok := creds.IDFor(j.ws.Key(), j.profile); ok {
		for _, t := range j.listed {
			if t.ID == id {
				return t, nil
			}
		}
		return tokens.Token{}, failure.NotFoundf("the token profile %s signs in with (%s) is not among its tokens in %s: it may belong to another user or be an OAuth token; nothing rotated", j.profile, id, j.ws)
	}
	if opts.Profiles != nil {
		return tokens.Token{}, failure.Usagef("cannot tell which token profile %s signs in with (the workspace does not derive IDs from values, and dbtok did not create it): rotate it on its own, `dbtok rotate -p %s --update-profile --token-id ID` (see `dbtok list -p %s`)", j.profile, j.profile, j.profile)
	}
	if !opts.IO.CanPrompt() {
		return tokens.Token{}, failure.Usagef("cannot tell which token profile %s signs in with (the workspace does not derive IDs from values, and dbtok did not create it): pass --token-id ID (see `dbtok list -p %s`)", j.profile, j.profile)
	}
	t, err := j.pick(ctx, opts)
	if err != nil {
		return t, err
	}
	j.picked = true
	return t, nil
}

var promptMu sync.Mutex

// pick asks a person which token the profile signs in with, re-asking on
// an answer that is not a row number, and confirms the choice.
func (j *job) pick(ctx context.Context, opts *Options) (tokens.Token, error) {
	promptMu.Lock()
	defer promptMu.Unlock()
	list := slices.Clone(j.listed)
	tokens.Sort(list, "created")
	term, err := opts.IO.Terminal()
	if err != nil {
		return tokens.Token{}, err
	}
	now := opts.Now()
	printer, err := output.NewPrinter(output.Choice{Format: "table"}, output.Context{
		TTY: true, Width: opts.IO.TerminalWidth(), Color: opts.IO.ColorEnabled(), Now: now,
	}, term, term)
	if err != nil {
		return tokens.Token{}, err
	}
	fmt.Fprintf(term, "Which token does profile %s sign in with in %s? dbtok did not create it, so it cannot tell.\n", j.profile, output.Sanitize(j.ws.Host))
	if err := printer.Print(ctx, pickList{tokens: list, now: now}); err != nil {
		return tokens.Token{}, err
	}
	for {
		answer, err := opts.IO.Ask(ctx, fmt.Sprintf("Number for profile %s (%s), Enter to cancel: ", j.profile, output.Sanitize(j.ws.Host)))
		if err != nil {
			return tokens.Token{}, failure.Wrap("interrupted: nothing rotated", failure.Interrupted(err))
		}
		answer = strings.TrimSpace(answer)
		if answer == "" {
			return tokens.Token{}, failure.Usagef("no token chosen: nothing rotated")
		}
		n, err := strconv.Atoi(answer)
		if err != nil || n < 1 || n > len(list) {
			fmt.Fprintf(term, "%q is not one of the numbers 1 to %d.\n", output.Sanitize(answer), len(list))
			continue
		}
		t := list[n-1]
		ok, err := opts.IO.Confirm(ctx, fmt.Sprintf("Replace token %s (%s) in profile %s (%s) and revoke it?", t.ID, output.Sanitize(t.Comment), j.profile, output.Sanitize(j.ws.Host)))
		if err != nil {
			return tokens.Token{}, failure.Wrap("interrupted: nothing rotated", failure.Interrupted(err))
		}
		if !ok {
			return tokens.Token{}, failure.Usagef("not confirmed: nothing rotated")
		}
		return t, nil
	}
}

// pickList is the numbered list the picker shows.
type pickList struct {
	tokens []tokens.Token
	now    time.Time
}

// openAll signs in to every job's workspace and lists its tokens, several
// at once; then it selects what each replaces (one at a time when a
// person may be asked).
func openAll(ctx context.Context, opts *Options, js []*job) {
	fanout.Each(ctx, js, opts.Parallel, func(ctx context.Context, j *job) {
		j.err = j.open(ctx, opts)
	})
}

// pending are the jobs still under way: not failed, not skipped.
func pending(js []*job) []*job {
	var out []*job
	for _, j := range js {
		if j.err == nil && j.skipped == "" {
			out = append(out, j)
		}
	}
	return out
}

func succeeded(js []*job) []*job {
	var out []*job
	for _, j := range js {
		if j.err == nil && j.created != nil {
			out = append(out, j)
		}
	}
	return out
}

// notDue leaves alone the jobs whose tokens are not due for a conditional
// rotation: none of them ends within the window or is old enough.
func notDue(opts *Options, js []*job) {
	if !opts.Due.Active() {
		return
	}
	now := opts.Now()
	for _, j := range pending(js) {
		var whys []string
		due := false
		for _, t := range j.old {
			ok, why := opts.Due.Check(t, now)
			due = due || ok
			whys = append(whys, fmt.Sprintf("token %s: %s", t.ID, why))
		}
		if !due {
			j.notDue = strings.Join(whys, "; ")
			j.skipped = fmt.Sprintf("in %s, %s: not rotated", j.ws, j.notDue)
		}
	}
}

// notDueJobs are the jobs a conditional rotation left alone.
func notDueJobs(js []*job) []*job {
	var out []*job
	for _, j := range js {
		if j.notDue != "" && j.err == nil {
			out = append(out, j)
		}
	}
	return out
}

// skipDuplicates drops a rotation that another profile on the same
// workspace, for the same user, already covers: it would replace the same
// tokens a second time.
func skipDuplicates(js []*job) {
	seen := map[string]string{}
	for _, j := range pending(js) {
		ids := tokens.IDs(j.old)
		sort.Strings(ids)
		key := j.ws.Key() + "\x00" + strings.Join(ids, ",")
		if first, ok := seen[key]; ok {
			j.skipped = fmt.Sprintf("%s reaches the same tokens as profile %s: rotated once, there", j.ws, first)
			continue
		}
		seen[key] = j.ws.Profile
	}
}
