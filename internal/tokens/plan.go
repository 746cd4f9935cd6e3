package tokens

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
)

// Every destructive command goes through the same four steps: plan (find
// every target in every selected workspace, and mark those some profile of
// the config file signs in with), show (--dry-run prints the plan),
// confirm (ask a person, or require --yes) and apply (tokens profiles sign
// in with last, and only when asked for).

// Target is one token a plan revokes or replaces.
type Target struct {
	Place Place
	API   API
	Scope Scope
	Token Token
	// Listed is set when the token's details are known; a token named by
	// its full ID is revoked without listing, and only its ID is known.
	Listed bool
	// SignsIn names what signs in with this token (profiles, or
	// DATABRICKS_TOKEN): revoking it locks them out.
	SignsIn []string
}

// Key names the token across profiles: one workspace, one ID.
func (t Target) Key() string { return t.Place.Key() + "\x00" + t.Token.ID }

// Plan is what a destructive command is about to do.
type Plan struct {
	// Verb is what happens to each target: "revoke" or "replace".
	Verb    string
	Targets []Target
	// Unidentified names what signs in, to a workspace the plan touches,
	// with a token dbtok cannot identify: it may be among the targets.
	Unidentified []string
	// Selected is set when the targets were chosen by a filter or a
	// question rather than named one by one: such plans are always shown
	// and confirmed.
	Selected bool

	keys map[string]bool
}

// Add adds a target unless the same token (same workspace and ID) is
// already planned, as happens when two profiles reach one workspace.
func (p *Plan) Add(t Target) bool {
	// The keys planned, kept beside Targets: comparing with every target
	// made a plan over 500 profiles cost 500 x 500 host parsings. Rebuilt
	// when Targets was changed by other means (LeaveOut).
	if p.keys == nil || len(p.keys) != len(p.Targets) {
		p.keys = make(map[string]bool, len(p.Targets))
		for _, have := range p.Targets {
			p.keys[have.Key()] = true
		}
	}
	k := t.Key()
	if p.keys[k] {
		return false
	}
	p.keys[k] = true
	p.Targets = append(p.Targets, t)
	return true
}

// Mark notes, for every target, what signs in with it, and which
// credentials of the workspaces involved cannot be identified.
func (p *Plan) Mark(c *Credentials) {
	hosts := map[string]bool{}
	for i := range p.Targets {
		t := &p.Targets[i]
		t.SignsIn = c.ProfilesUsing(t.Place.Key(), t.Token.ID)
		hosts[t.Place.Key()] = true
	}
	var unknown []string
	for h := range hosts {
		unknown = append(unknown, c.Unidentified(h)...)
	}
	p.Unidentified = uniqueSorted(unknown)
}

// Credentials are the targets something signs in with.
func (p *Plan) Credentials() []Target {
	var out []Target
	for _, t := range p.Targets {
		if len(t.SignsIn) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// LeaveOutCredentials drops the targets something signs in with and
// returns them, for commands that keep them unless --include-own.
func (p *Plan) LeaveOutCredentials() []Target {
	return p.LeaveOut(func(t Target) bool { return len(t.SignsIn) > 0 })
}

// LeaveOut drops the targets out selects and returns them.
func (p *Plan) LeaveOut(out func(Target) bool) []Target {
	var kept, left []Target
	for _, t := range p.Targets {
		if out(t) {
			left = append(left, t)
		} else {
			kept = append(kept, t)
		}
	}
	p.Targets = kept
	return left
}

// ExpiredOwn selects listed tokens of the caller's own that have expired:
// they no longer sign in, and the Token API cannot delete them (only the
// Token Management API, for admins, can), so revoking them is pointless.
func ExpiredOwn(now time.Time) func(Target) bool {
	return func(t Target) bool { return !t.Scope.AllUsers && t.Listed && t.Token.ExpiredAt(now) }
}

// NeedsConfirmation reports whether a person must agree (or --yes): more
// than one token, any token something signs in with, or a selection.
// Revoking one token named by its ID, or replacing one token nothing signs
// in with, goes ahead.
func (p *Plan) NeedsConfirmation() bool {
	return p.Selected || len(p.Targets) > 1 || len(p.Credentials()) > 0
}

// Consent is what the command line says about confirmation.
type Consent struct {
	Yes        bool // --yes: no question
	IncludeOwn bool // --include-own: tokens that profiles sign in with may go
}

// Asker is a person at the controlling terminal, if there is one.
type Asker interface {
	CanAsk() bool
	// ShowPlan shows the plan on the terminal, whatever -o says.
	ShowPlan(p *Plan) error
	Confirm(ctx context.Context, question string) (bool, error)
}

// ErrDeclined is a person answering no: nothing was done, and that is
// not a failure.
var ErrDeclined = errors.New("declined")

// Confirm decides whether the plan may be applied. It returns nil to go
// ahead, ErrDeclined when the person said no, and a usage error when no
// one can be asked and the command line did not agree in advance.
func (p *Plan) Confirm(ctx context.Context, consent Consent, ask Asker) error {
	canAsk := ask != nil && ask.CanAsk()
	var question []string
	if len(p.Unidentified) > 0 && !consent.IncludeOwn {
		if !canAsk {
			return failure.Usagef("cannot tell whether the tokens to %s include the one %s (dbtok did not create it, and the workspace does not derive token IDs from values): run it on a terminal to be asked, or pass --include-own to go ahead anyway", p.Verb, SignsIn(p.Unidentified))
		}
		question = append(question, fmt.Sprintf("dbtok cannot tell which token %s; it may be among these.", SignsIn(p.Unidentified)))
	}
	if p.NeedsConfirmation() && !consent.Yes {
		if !canAsk {
			return failure.Usagef("refusing to %s %s without confirmation: there is no terminal to ask on; pass --yes (or --dry-run to see the plan)", p.Verb, p.what())
		}
		question = append(question, p.question())
	} else if len(question) > 0 {
		question = append(question, "Go ahead?")
	}
	if len(question) == 0 {
		return nil
	}
	if err := ask.ShowPlan(p); err != nil {
		return err
	}
	ok, err := ask.Confirm(ctx, strings.Join(question, " "))
	if err != nil {
		return failure.Interrupted(err)
	}
	if !ok {
		return ErrDeclined
	}
	return nil
}

// what is "token X in profile p (host)" or "3 tokens".
func (p *Plan) what() string {
	if len(p.Targets) == 1 {
		t := p.Targets[0]
		s := "token " + t.Token.ID
		if t.Token.Comment != "" {
			s += fmt.Sprintf(" (%s)", t.Token.Comment)
		}
		return s + " in " + t.Place.String()
	}
	places := map[string]bool{}
	for _, t := range p.Targets {
		places[t.Place.String()] = true
	}
	s := countTokens(len(p.Targets))
	if len(places) == 1 {
		s += " in " + p.Targets[0].Place.String()
	} else {
		s += fmt.Sprintf(" in %d workspaces", len(places))
	}
	return s
}

// question asks about the whole plan, naming what stops working.
func (p *Plan) question() string {
	q := fmt.Sprintf("%s %s?", capitalize(p.Verb), p.what())
	for _, t := range p.Credentials() {
		verb := "stops"
		if len(t.SignsIn) > 1 {
			verb = "stop"
		}
		q += fmt.Sprintf(" %s token %s and %s working.", capitalize(SignsIn(t.SignsIn)), short(t.Token.ID), verb)
	}
	return q
}

func describeSigners(names []string) string {
	var profiles []string
	env := false
	for _, n := range names {
		if n == EnvCredential {
			env = true
			continue
		}
		profiles = append(profiles, n)
	}
	var parts []string
	switch len(profiles) {
	case 0:
	case 1:
		parts = append(parts, "profile "+profiles[0])
	default:
		parts = append(parts, "profiles "+Names(profiles))
	}
	if env {
		parts = append(parts, EnvCredential)
	}
	return strings.Join(parts, " and ")
}

// EnvCredential names the token in the environment when it is what the
// workspace signs in with.
const EnvCredential = "DATABRICKS_TOKEN"

// DescribeSigners is "profile a", "profiles a and b", "DATABRICKS_TOKEN".
func DescribeSigners(names []string) string { return describeSigners(names) }

// SignsIn is "profile a signs in with", "profiles a and b sign in with".
func SignsIn(names []string) string {
	if len(names) == 1 {
		return describeSigners(names) + " signs in with"
	}
	return describeSigners(names) + " sign in with"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func countTokens(n int) string {
	if n == 1 {
		return "1 token"
	}
	return fmt.Sprintf("%d tokens", n)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Outcome is what became of one target.
type Outcome struct {
	Target
	Err error
}

// Revoke applies a revocation plan, parallel calls at a time. Tokens that
// something signs in with go last, one at a time, each after every other
// revocation has finished: until then they all still sign in. Among those,
// a token is revoked through its own profile as late as possible. Targets
// never started because ctx ended fail as interrupted.
func Revoke(ctx context.Context, targets []Target, parallel int) []Outcome {
	var rest, creds []Target
	for _, t := range targets {
		if len(t.SignsIn) > 0 {
			creds = append(creds, t)
		} else {
			rest = append(rest, t)
		}
	}
	sort.SliceStable(creds, func(i, j int) bool {
		return !signsInOwn(creds[i]) && signsInOwn(creds[j])
	})
	out := revokeEach(ctx, rest, parallel)
	return append(out, revokeEach(ctx, creds, 1)...)
}

func signsInOwn(t Target) bool { return slices.Contains(t.SignsIn, t.Place.Profile) }

func revokeEach(ctx context.Context, targets []Target, parallel int) []Outcome {
	out := make([]Outcome, len(targets))
	started := make([]bool, len(targets))
	idx := make([]int, len(targets))
	for i := range idx {
		idx[i] = i
	}
	fanout.Each(ctx, idx, parallel, func(ctx context.Context, i int) {
		started[i] = true
		t := targets[i]
		out[i] = Outcome{Target: t, Err: t.Scope.Revoke(ctx, t.API, t.Token.ID)}
	})
	for i := range out {
		if !started[i] {
			out[i] = Outcome{Target: targets[i], Err: failure.Interrupted(ctx.Err())}
		}
	}
	return out
}
