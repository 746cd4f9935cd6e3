package tokens_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

// changeAsker is a person who answers one way and remembers what they
// were shown and asked.
type changeAsker struct {
	can      bool
	answer   bool
	err      error
	shown    *tokens.ChangePlan
	question string
}

func (a *changeAsker) CanAsk() bool { return a.can }
func (a *changeAsker) ShowChanges(p *tokens.ChangePlan) error {
	a.shown = p
	return nil
}
func (a *changeAsker) Confirm(_ context.Context, q string) (bool, error) {
	a.question = q
	return a.answer, a.err
}

var (
	prod = tokens.Place{Profile: "prod", Host: "https://prod.example.com"}
	dev  = tokens.Place{Profile: "dev", Host: "https://dev.example.com"}
)

func offPlan(places ...tokens.Place) *tokens.ChangePlan {
	p := &tokens.ChangePlan{What: "turn personal access tokens off"}
	for _, pl := range places {
		p.Changes = append(p.Changes, tokens.Change{
			Place: pl, Subject: "personal access tokens", From: "enabled", To: "disabled",
			Effect: "every personal access token in " + pl.String() + " stops working",
			Apply:  func(context.Context) error { return nil },
		})
	}
	return p
}

func TestChangePlanConfirm(t *testing.T) {
	ctx := context.Background()
	t.Run("--yes goes ahead without asking", func(t *testing.T) {
		a := &changeAsker{can: true}
		if err := offPlan(prod).Confirm(ctx, true, a); err != nil || a.question != "" {
			t.Fatalf("err %v, asked %q", err, a.question)
		}
	})
	t.Run("an empty plan needs no one", func(t *testing.T) {
		if err := (&tokens.ChangePlan{}).Confirm(ctx, false, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no terminal is refused", func(t *testing.T) {
		for _, a := range []tokens.ChangeAsker{nil, &changeAsker{can: false}} {
			err := offPlan(prod).Confirm(ctx, false, a)
			if failure.Code(err) != failure.Usage || !strings.Contains(err.Error(), "refusing to turn personal access tokens off in profile prod (https://prod.example.com) without confirmation: there is no terminal to ask on; pass --yes") {
				t.Errorf("err %v", err)
			}
		}
	})
	t.Run("yes", func(t *testing.T) {
		a := &changeAsker{can: true, answer: true}
		p := offPlan(prod, dev)
		if err := p.Confirm(ctx, false, a); err != nil {
			t.Fatal(err)
		}
		if a.shown != p {
			t.Error("the plan was not shown")
		}
		want := "Turn personal access tokens off in 2 workspaces (profiles prod and dev)? Every personal access token in profile prod (https://prod.example.com) stops working. Every personal access token in profile dev (https://dev.example.com) stops working."
		if a.question != want {
			t.Errorf("question\n%q\nwant\n%q", a.question, want)
		}
	})
	t.Run("no", func(t *testing.T) {
		err := offPlan(prod).Confirm(ctx, false, &changeAsker{can: true})
		if !errors.Is(err, tokens.ErrDeclined) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("ctrl-c", func(t *testing.T) {
		err := offPlan(prod).Confirm(ctx, false, &changeAsker{can: true, err: context.Canceled})
		if failure.KindOf(err) != failure.KindCanceled {
			t.Fatalf("err %v", err)
		}
	})
}

func TestChangePlanWhereAndEffects(t *testing.T) {
	p := offPlan(prod, prod)
	if got := p.Where(); got != "profile prod (https://prod.example.com)" {
		t.Errorf("Where %q", got)
	}
	if got := p.Effects(); len(got) != 1 {
		t.Errorf("Effects %q: the same effect twice", got)
	}
	env := tokens.Place{Host: "https://env.example.com"}
	if got := offPlan(env, dev).Where(); got != "2 workspaces (profiles https://env.example.com and dev)" {
		t.Errorf("Where %q", got)
	}
	if got := (&tokens.ChangePlan{}).Where(); got != "no workspace" {
		t.Errorf("Where %q", got)
	}
}

func TestChangePlanApply(t *testing.T) {
	var applied atomic.Int32
	boom := errors.New("boom")
	p := &tokens.ChangePlan{What: "x"}
	for i := range 5 {
		p.Changes = append(p.Changes, tokens.Change{Place: prod, Apply: func(context.Context) error {
			applied.Add(1)
			if i == 2 {
				return boom
			}
			return nil
		}})
	}
	out := p.Apply(context.Background(), 2)
	if applied.Load() != 5 || len(out) != 5 {
		t.Fatalf("applied %d, %d outcomes: every change is tried", applied.Load(), len(out))
	}
	for i, o := range out {
		if (o.Err != nil) != (i == 2) {
			t.Errorf("outcome %d: %v", i, o.Err)
		}
	}

	// After Ctrl-C, changes not started fail as interrupted (one may
	// still start: the engine does not pick between a free slot and the
	// cancellation).
	applied.Store(0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	canceled := 0
	for _, o := range p.Apply(ctx, 1) {
		if failure.KindOf(o.Err) == failure.KindCanceled {
			canceled++
		}
	}
	if int(applied.Load())+canceled != 5 {
		t.Errorf("after Ctrl-C: %d applied, %d interrupted", applied.Load(), canceled)
	}
}

func TestGuessPrincipal(t *testing.T) {
	for name, want := range map[string]tokens.PrincipalKind{
		"bob@example.com":                      tokens.User,
		"6f1c0f5e-1111-2222-3333-444455556666": tokens.ServicePrincipal,
		"6F1C0F5E-1111-2222-3333-444455556666": tokens.ServicePrincipal,
		"data-eng":                             tokens.Group,
		"users":                                tokens.Group,
		"etl-app":                              tokens.Group,
		"6f1c0f5e-1111-2222-3333-44445555666":  tokens.Group,
	} {
		if got := tokens.GuessPrincipal(name); got.Kind != want || got.Name != name {
			t.Errorf("%s: %+v, want %s", name, got, want)
		}
	}
	if s := (tokens.Principal{Kind: tokens.ServicePrincipal, Name: "x"}).String(); s != "service principal x" {
		t.Errorf("String %q", s)
	}
}

func TestMaxLifetimeAdvice(t *testing.T) {
	ctx := context.Background()
	over := &failure.APIError{Kind: failure.KindInvalid, Status: 400, Code: "INVALID_PARAMETER_VALUE", Message: "Token lifetime exceeds the maximum"}
	day := int64(86400)
	tests := []struct {
		name      string
		err       error
		max       int
		requested int64
		readFails bool
		want      string
	}{
		{name: "over the workspace maximum", err: over, max: 90, requested: 100 * day, want: "the workspace allows at most 90 days: use --lifetime 90d"},
		{name: "one day", err: over, max: 1, requested: 2 * day, want: "the workspace allows at most 1 day: use --lifetime 1d"},
		{name: "over the platform cap", err: over, requested: 1000 * day, want: "Databricks allows at most 730 days: use --lifetime 730d"},
		{name: "within the maximum: about something else", err: over, max: 90, requested: 30 * day},
		{name: "no lifetime asked for", err: over, max: 90},
		{name: "not a 400", err: tokenstest.PermissionDenied(), max: 90, requested: 100 * day},
		{name: "another 400", err: &failure.APIError{Kind: failure.KindInvalid, Code: "QUOTA_EXCEEDED", Message: "lifetime quota"}, max: 90, requested: 100 * day},
		{name: "a 400 about something else", err: &failure.APIError{Kind: failure.KindInvalid, Code: "INVALID_PARAMETER_VALUE", Message: "Invalid scope: x"}, max: 90, requested: 100 * day},
		{name: "the maximum cannot be read", err: over, max: 90, requested: 100 * day, readFails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tokenstest.NewPolicy()
			p.SetSettings(tokens.Settings{MaxLifetimeDays: tt.max, Enabled: true})
			if tt.readFails {
				p.Fail(tokenstest.GetSettings, tokenstest.PermissionDenied())
			}
			if got := tokens.MaxLifetimeAdvice(ctx, tt.err, p, tt.requested); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			reads := len(p.Calls())
			if wantRead := tt.want != "" || tt.readFails || strings.Contains(tt.name, "within"); (reads == 1) != wantRead {
				t.Errorf("%d reads of the settings", reads)
			}
		})
	}
	if tokens.MaxLifetimeAdvice(ctx, over, nil, 100*day) != "" {
		t.Error("advice without a settings API")
	}
}

func TestPolicyRefusal(t *testing.T) {
	if msg, ok := tokens.PolicyRefusal(tokenstest.PermissionDenied()); !ok || msg != "workspace admin rights are needed (HTTP 403); use the profile of a workspace admin" {
		t.Errorf("%q %v", msg, ok)
	}
	off := &failure.APIError{Kind: failure.KindPermission, Status: 403, Code: "PERMISSION_DENIED", Message: "Personal access tokens are disabled for this workspace."}
	if msg, ok := tokens.PolicyRefusal(off); !ok || !strings.Contains(msg, "turned off there") || !strings.Contains(msg, "dbtok settings set tokens-enabled true") {
		t.Errorf("%q %v", msg, ok)
	}
	if _, ok := tokens.PolicyRefusal(tokenstest.AuthError()); ok {
		t.Error("a refused credential is not a refusal of rights")
	}
	if tokens.DescribeMaxLifetime(0) != "none" || tokens.DescribeMaxLifetime(2) != "2 days" || tokens.DescribeEnabled(false) != "disabled" {
		t.Error("descriptions")
	}
}
