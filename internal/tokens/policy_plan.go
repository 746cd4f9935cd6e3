package tokens

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
)

// A change to what a workspace allows (its token settings, who may use
// tokens) is not a list of tokens, but it can break more than revoking
// many: turning tokens off stops every PAT in the workspace, taking
// CAN_USE away revokes a principal's tokens. So it goes through the same
// steps as a token plan: plan (read what is there now, so each change
// shows old and new), show (--dry-run), confirm (always: a person agrees,
// or --yes), apply.

// Change is one change to one workspace.
type Change struct {
	Place Place
	// Subject is what changes, as a person reads it: "maximum token
	// lifetime", "CAN_USE of group data-eng".
	Subject string
	// From and To are the value before and after, as a person reads them.
	From, To string
	// Effect is what the change does to tokens, for the question and
	// for warnings: "every personal access token there stops working".
	Effect string
	// Apply makes the change.
	Apply func(ctx context.Context) error
}

// ChangePlan is every change a command is about to make.
type ChangePlan struct {
	// What is the whole plan in a few words, for the question: "turn
	// personal access tokens off", "grant CAN_USE on tokens to group
	// data-eng".
	What    string
	Changes []Change
}

// ChangeAsker is a person at the controlling terminal, if there is one,
// who is shown a change plan and asked about it.
type ChangeAsker interface {
	CanAsk() bool
	// ShowChanges shows the plan on the terminal, whatever -o says.
	ShowChanges(p *ChangePlan) error
	Confirm(ctx context.Context, question string) (bool, error)
}

// Confirm decides whether the plan may be applied: every change plan is
// confirmed, by a person on the terminal (also when stdout is piped) or
// by --yes in advance. It returns nil to go ahead, ErrDeclined when the
// person said no, and a usage error when no one can be asked. Unlike a
// token plan, there is no "one named token goes ahead": a workspace's
// settings and permissions are everybody's.
func (p *ChangePlan) Confirm(ctx context.Context, yes bool, ask ChangeAsker) error {
	if yes || len(p.Changes) == 0 {
		return nil
	}
	if ask == nil || !ask.CanAsk() {
		return failure.Usagef("refusing to %s in %s without confirmation: there is no terminal to ask on; pass --yes (or --dry-run to see the plan)", p.What, p.Where())
	}
	if err := ask.ShowChanges(p); err != nil {
		return err
	}
	ok, err := ask.Confirm(ctx, p.question())
	if err != nil {
		return failure.Interrupted(err)
	}
	if !ok {
		return ErrDeclined
	}
	return nil
}

// Where names the workspaces the plan changes: "profile p (host)" for
// one, "2 workspaces (profiles a and b)" for several.
func (p *ChangePlan) Where() string {
	var places []Place
	seen := map[Place]bool{}
	for _, c := range p.Changes {
		if !seen[c.Place] {
			seen[c.Place] = true
			places = append(places, c.Place)
		}
	}
	switch len(places) {
	case 0:
		return "no workspace"
	case 1:
		return places[0].String()
	}
	names := make([]string, len(places))
	for i, pl := range places {
		names[i] = pl.Profile
		if names[i] == "" {
			names[i] = pl.Host
		}
	}
	return fmt.Sprintf("%d workspaces (profiles %s)", len(places), Names(names))
}

// Effects are the distinct effects of the changes, in plan order.
func (p *ChangePlan) Effects() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range p.Changes {
		if c.Effect != "" && !seen[c.Effect] {
			seen[c.Effect] = true
			out = append(out, c.Effect)
		}
	}
	return out
}

// question asks about the whole plan, saying what stops working.
func (p *ChangePlan) question() string {
	q := fmt.Sprintf("%s in %s?", capitalize(p.What), p.Where())
	for _, e := range p.Effects() {
		q += " " + sentence(e)
	}
	return q
}

// sentence makes an effect a sentence of the question.
func sentence(s string) string {
	s = capitalize(strings.TrimSpace(s))
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// ChangeOutcome is what became of one change.
type ChangeOutcome struct {
	Change
	Err error
}

// Apply makes every change, parallel at a time; each is tried even when
// others fail. Changes never started because ctx ended fail as
// interrupted.
func (p *ChangePlan) Apply(ctx context.Context, parallel int) []ChangeOutcome {
	out := make([]ChangeOutcome, len(p.Changes))
	started := make([]bool, len(p.Changes))
	idx := make([]int, len(p.Changes))
	for i := range idx {
		idx[i] = i
	}
	fanout.Each(ctx, idx, parallel, func(ctx context.Context, i int) {
		started[i] = true
		out[i] = ChangeOutcome{Change: p.Changes[i], Err: p.Changes[i].Apply(ctx)}
	})
	for i := range out {
		if !started[i] {
			out[i] = ChangeOutcome{Change: p.Changes[i], Err: failure.Interrupted(ctx.Err())}
		}
	}
	return out
}
