package rotate

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const etlApp = "6f1c0f5e-1111-2222-3333-444455556666"

// spWorld adds to the world an on-behalf-of token the admin (the profile's
// user) made for the etl service principal: scoped, 30 days, "etl".
func spWorld(t *testing.T) (*world, tokens.Token) {
	t.Helper()
	w := setup(t)
	w.fake.AddServicePrincipal(etlApp, "etl")
	old, _ := w.fake.Add(tokenstest.Seed{Comment: "etl", Owner: etlApp, CreatedBy: tokenstest.DefaultUser,
		Created: cmdtest.Now.Add(-25 * day), Lifetime: 30 * day, Scopes: []string{"sql", "jobs"}})
	w.snapshot()
	return w, old
}

func byOwner(name string) tokens.Filter {
	var f tokens.Filter
	if err := f.SetOwner(name); err != nil {
		panic(err)
	}
	return f
}

type spRotated struct {
	TokenValue *string `json:"token_value"`
	TokenInfo  struct {
		TokenID           string   `json:"token_id"`
		Comment           string   `json:"comment"`
		Scopes            []string `json:"scopes"`
		CreatedByUsername string   `json:"created_by_username"`
		OwnerID           int64    `json:"owner_id"`
		Owner             *string  `json:"owner"`
		OwnerDisplayName  *string  `json:"owner_display_name"`
	} `json:"token_info"`
	Replaces []string `json:"replaces"`
}

func TestRotateServicePrincipalToken(t *testing.T) {
	w, old := spWorld(t)
	if err := w.run(t, func(o *Options) { o.AllUsers = true; o.Select = byOwner(etlApp) }); err != nil {
		t.Fatal(err)
	}
	added := w.added(w.fake)
	if len(added) != 1 {
		t.Fatalf("new tokens %+v", added)
	}
	n := added[0]
	// The same service principal owns it; same comment, lifetime, scopes.
	if n.Owner.OwnerID != tokenstest.UserID(etlApp) || n.Owner.CreatedByUsername != tokenstest.DefaultUser ||
		n.Comment != "etl" || n.ExpiryTime-n.CreationTime != (30*day).Milliseconds() || !slices.Equal(n.Scopes, old.Scopes) {
		t.Errorf("new token %+v owner %+v", n, n.Owner)
	}
	if w.fake.Has(old.ID) || !w.fake.Has(w.ci.ID) || !w.fake.Has(w.cred.ID) {
		t.Error("only the service principal's old token goes")
	}
	c := w.fake.CallsTo(tokenstest.CreateOnBehalfOf)
	if len(c) != 1 || c[0].ApplicationID != etlApp || c[0].LifetimeSeconds != 30*86400 || !slices.Equal(c[0].Scopes, []string{"sql", "jobs"}) {
		t.Errorf("on-behalf-of calls %+v", c)
	}
	if n := len(w.fake.CallsTo(tokenstest.Create)); n != 0 {
		t.Errorf("%d creates of the admin's own tokens", n)
	}
	// Order: every user's tokens, who owns them (one lookup), the new
	// on-behalf-of token, its proof, and the old one revoked through
	// Token Management as the admin.
	got := callOrder(w.fake, n.ID)
	want := []string{"ListAll as profile", "ServicePrincipals as profile", "CreateOnBehalfOf as profile", "WhoAmI as new", "RevokeAny as profile"}
	if !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	var res spRotated
	if err := json.Unmarshal(w.e.Stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	value, _ := w.fake.Value(n.ID)
	ti := res.TokenInfo
	if res.TokenValue == nil || *res.TokenValue != value.Reveal() || ti.Owner == nil || *ti.Owner != etlApp ||
		ti.OwnerDisplayName == nil || *ti.OwnerDisplayName != "etl" || !slices.Equal(res.Replaces, []string{old.ID}) {
		t.Errorf("result %s", w.e.Stdout)
	}
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "✓ Revoked the old token "+old.ID+" of service principal etl ("+etlApp+") in profile DEFAULT")
}

// By ID, into a file, on a terminal: the summary says whose token it is.
func TestRotateServicePrincipalTokenByIDToFile(t *testing.T) {
	w, old := spWorld(t)
	w.e.IO.SetStdoutTTY(true)
	path := filepath.Join(t.TempDir(), "etl-token")
	if err := w.run(t, func(o *Options) {
		o.AllUsers = true
		o.TokenID = old.ID[:12]
		o.Delivery = delivery.Request{File: path}
	}); err != nil {
		t.Fatal(err)
	}
	n := w.added(w.fake)[0]
	value, _ := w.fake.Value(n.ID)
	if b, _ := os.ReadFile(path); string(b) != value.Reveal()+"\n" {
		t.Errorf("file holds %q", b)
	}
	cmdtest.Contains(t, "stdout", w.e.Stdout.String(), "Owner:     service principal etl ("+etlApp+")", "Replaces:  "+old.ID)
	cmdtest.Lacks(t, "stdout", w.e.Stdout.String(), value.Reveal())
}

// A user's token cannot be rotated by an admin: nothing is created.
func TestRotateUserTokenRefused(t *testing.T) {
	w, _ := spWorld(t)
	bob, _ := w.fake.Add(tokenstest.Seed{Comment: "bob-ci", Owner: "bob@example.com", Lifetime: 30 * day})
	for name, mod := range map[string]func(o *Options){
		"by ID":      func(o *Options) { o.TokenID = bob.ID },
		"by comment": func(o *Options) { o.Select = byComment("*") },
	} {
		t.Run(name, func(t *testing.T) {
			w.e.Stderr.Reset()
			err := w.run(t, func(o *Options) { o.AllUsers = true; o.Consent.Yes = true; mod(o) })
			cmdtest.Code(t, err, failure.Usage)
			cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "belongs to user", "no API creates a token for another user", "nothing rotated")
			if n := len(w.fake.CallsTo(tokenstest.CreateOnBehalfOf)) + len(w.fake.CallsTo(tokenstest.Create)); n != 0 {
				t.Errorf("%d creates", n)
			}
			if len(w.fake.Revoked()) != 0 {
				t.Error("something was revoked")
			}
		})
	}
}

// The confirm step and --dry-run apply as to any rotation.
func TestRotateServicePrincipalPlan(t *testing.T) {
	w, old := spWorld(t)
	w.fake.Add(tokenstest.Seed{Comment: "etl", Owner: etlApp, CreatedBy: tokenstest.DefaultUser, Lifetime: 30 * day, Scopes: []string{"sql", "jobs"}})
	w.snapshot()
	// Two tokens: refused without a terminal or --yes.
	err := w.run(t, func(o *Options) { o.AllUsers = true; o.Select = byOwner("etl") })
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "refusing to replace 2 tokens")
	if len(w.added(w.fake)) != 0 {
		t.Fatal("a token was created before the plan was confirmed")
	}

	w.e.Stdout.Reset()
	if err := w.run(t, func(o *Options) { o.AllUsers = true; o.Select = byOwner("etl"); o.Consent.DryRun = true }); err != nil {
		t.Fatal(err)
	}
	var plan struct {
		WouldReplace []struct {
			NewOwner  *string  `json:"new_owner"`
			NewScopes []string `json:"new_scopes"`
			Replaces  []struct {
				TokenID string  `json:"token_id"`
				Owner   *string `json:"owner"`
			} `json:"replaces"`
		} `json:"would_replace"`
	}
	if err := json.Unmarshal(w.e.Stdout.Bytes(), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.WouldReplace) != 1 || *plan.WouldReplace[0].NewOwner != etlApp || len(plan.WouldReplace[0].Replaces) != 2 ||
		plan.WouldReplace[0].Replaces[0].TokenID != old.ID || *plan.WouldReplace[0].Replaces[0].Owner != etlApp {
		t.Errorf("plan %s", w.e.Stdout)
	}
	if len(w.added(w.fake)) != 0 {
		t.Error("a dry run created a token")
	}

	asker := &tokenstest.Asker{Yes: true}
	w.e.Asker = asker
	if err := w.run(t, func(o *Options) { o.AllUsers = true; o.Select = byOwner("etl") }); err != nil {
		t.Fatal(err)
	}
	if len(asker.Questions()) != 1 || len(w.added(w.fake)) != 1 || len(w.fake.Revoked()) != 2 {
		t.Errorf("questions %q, added %d, revoked %v", asker.Questions(), len(w.added(w.fake)), w.fake.Revoked())
	}
}

// The new token does not work: it is revoked again through Token
// Management, and the old one stays.
func TestRotateServicePrincipalUndo(t *testing.T) {
	w, old := spWorld(t)
	w.fake.FailNext(tokenstest.WhoAmI, tokenstest.AuthError())
	err := w.run(t, func(o *Options) { o.AllUsers = true; o.TokenID = old.ID })
	cmdtest.Code(t, err, failure.Error)
	if !w.fake.Has(old.ID) || len(w.added(w.fake)) != 0 {
		t.Error("the old token must stay, and the new one go")
	}
	if any := w.fake.CallsTo(tokenstest.RevokeAny); len(any) != 1 || any[0].TokenID == old.ID {
		t.Errorf("RevokeAny calls %+v", any)
	}
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "was revoked", "the old token "+old.ID+" was not revoked and still works")
}

func TestNewCmdRotateAllUsers(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", hostA)
	var got *Options
	run := func(_ context.Context, o *Options) error { got = o; return nil }
	if err := e.Exec(NewCmdRotate(e.Factory(), run), "--all-users", "--owner", "etl", "--comment", "ci"); err != nil {
		t.Fatal(err)
	}
	if !got.AllUsers || got.Select.Owner() != "etl" || got.Select.Describe() != `comment matching "ci", owned by etl` {
		t.Errorf("options %+v, %q", got, got.Select.Describe())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--owner", "etl"}, "--owner needs --all-users"},
		{[]string{"--all-users", "--update-profile"}, "leave out --all-users"},
		{[]string{"--all-users"}, "say which token to rotate"},
		{[]string{"--all-users", "--owner", ""}, "--owner is empty"},
	} {
		got = nil
		err := e.Exec(NewCmdRotate(e.Factory(), run), tc.args...)
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), tc.want)
		if got != nil {
			t.Errorf("%v: run was called", tc.args)
		}
	}
}
