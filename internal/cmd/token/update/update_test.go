package update

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const host = "https://a.example.com"

func TestNewCmdUpdate(t *testing.T) {
	for _, c := range []struct {
		args    []string
		wantErr string
		check   func(t *testing.T, o *Options)
	}{
		{args: []string{"abcdef0123", "--comment", "ci-eu"}, check: func(t *testing.T, o *Options) {
			if o.Change.Comment == nil || *o.Change.Comment != "ci-eu" || o.Change.Scopes != nil {
				t.Errorf("change %+v", o.Change)
			}
		}},
		{args: []string{"abcdef0123", "--scope", "sql", "--scope", "jobs,sql"}, check: func(t *testing.T, o *Options) {
			if o.Change.Scopes == nil || !slices.Equal(*o.Change.Scopes, []string{"sql", "jobs"}) || o.Change.Comment != nil {
				t.Errorf("change %+v", o.Change)
			}
		}},
		{args: []string{"abcdef0123", "--comment", ""}, check: func(t *testing.T, o *Options) {
			if o.Change.Comment == nil || *o.Change.Comment != "" {
				t.Errorf("clearing a comment is a change: %+v", o.Change)
			}
		}},
		{args: []string{"abcdef0123", "--narrow-to-inferred", "--all-users"}, check: func(t *testing.T, o *Options) {
			if !o.NarrowToInferred || !o.Scope.AllUsers {
				t.Errorf("options %+v", o)
			}
		}},
		{args: []string{"abcdef0123"}, wantErr: "nothing to change"},
		{args: []string{"abcdef0123", "--scope", ""}, wantErr: "--scope is empty"},
		{args: []string{"abcdef0123", "--scope", "sql", "--narrow-to-inferred"}, wantErr: "either --scope or --narrow-to-inferred"},
		{args: []string{"abcdef0123", "--comment", "two\nlines"}, wantErr: "control character"},
		{args: []string{"abcdef0123", "--autoscope"}, wantErr: "autoscope is chosen when a token is created"},
		{args: []string{"--comment", "x"}, wantErr: "name one token"},
		{args: []string{"abc", "--comment", "x"}, wantErr: "too short"},
	} {
		e := cmdtest.New(t)
		var got *Options
		err := e.Exec(NewCmdUpdate(e.Factory(), func(_ context.Context, o *Options) error { got = o; return nil }), c.args...)
		if c.wantErr != "" {
			cmdtest.Code(t, err, failure.Usage)
			cmdtest.Contains(t, "error", err.Error(), c.wantErr)
			continue
		}
		if err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		c.check(t, got)
	}
}

func TestUpdateSendsOnlyWhatChanges(t *testing.T) {
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", host)
	fake := e.Fake(host)
	tok, _ := fake.Add(tokenstest.Seed{Comment: "ci", Lifetime: 30 * 24 * time.Hour, Scopes: []string{"sql"}})
	comment := "ci-eu"
	e.Output = output.Choice{Format: "json"}
	if err := updateRun(context.Background(), &Options{Deps: e.Deps(), ID: tok.ID[:10], Change: tokens.Update{Comment: &comment}}); err != nil {
		t.Fatal(err)
	}
	upd := fake.CallsTo(tokenstest.Update)
	if len(upd) != 1 || upd[0].TokenID != tok.ID || !slices.Equal(upd[0].Update.Fields(), []string{"comment"}) {
		t.Fatalf("update calls %+v", upd)
	}
	var got struct {
		Token struct {
			Comment string   `json:"comment"`
			Scopes  []string `json:"scopes"`
		} `json:"token"`
		Updated []string `json:"updated"`
	}
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Token.Comment != "ci-eu" || !slices.Equal(got.Token.Scopes, []string{"sql"}) || !slices.Equal(got.Updated, []string{"comment"}) {
		t.Errorf("result %+v (read back after the PATCH)", got)
	}
}

func TestNarrowToInferred(t *testing.T) {
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", host)
	fake := e.Fake(host)
	running, _ := fake.Add(tokenstest.Seed{Comment: "new", AutoscopeState: "AUTOSCOPE_STATE_RUNNING"})
	done, _ := fake.Add(tokenstest.Seed{Comment: "done", AutoscopeState: tokens.AutoscopeCompleted, InferredScopes: []string{"jobs", "sql"}})

	err := updateRun(context.Background(), &Options{Deps: e.Deps(), ID: running.ID, NarrowToInferred: true})
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "has no completed autoscope to adopt (autoscope: running)")
	if len(fake.CallsTo(tokenstest.Update)) != 0 {
		t.Fatal("updated a token whose autoscope had not completed")
	}

	e.IO.SetStdoutTTY(true)
	e.Output = output.Choice{Format: "table"}
	if err := updateRun(context.Background(), &Options{Deps: e.Deps(), ID: done.ID, NarrowToInferred: true}); err != nil {
		t.Fatal(err)
	}
	upd := fake.CallsTo(tokenstest.Update)
	if len(upd) != 1 || upd[0].Update.Scopes == nil || !slices.Equal(*upd[0].Update.Scopes, []string{"jobs", "sql"}) {
		t.Fatalf("update %+v", upd)
	}
	cmdtest.Contains(t, "stdout", e.Stdout.String(), "Updated:   scopes", "Scopes:    jobs, sql")
}

func TestUpdateFailuresAndWarnings(t *testing.T) {
	e := cmdtest.New(t)
	cred := e.AddProfile("DEFAULT", host)
	fake := e.Fake(host)

	// Narrowing the profile's own credential away from authentication: it
	// is done (the user asked) and the consequence is said.
	scopes := []string{"sql"}
	if err := updateRun(context.Background(), &Options{Deps: e.Deps(), ID: cred.ID, Change: tokens.Update{Scopes: &scopes}}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "is the credential profile DEFAULT signs in with; its new scopes do not include authentication")

	x := "x"
	err := updateRun(context.Background(), &Options{Deps: e.Deps(), ID: "0000000000000000000000000000000000000000000000000000000000000000", Change: tokens.Update{Comment: &x}})
	cmdtest.Code(t, err, failure.NotFound)

	tok, _ := fake.Add(tokenstest.Seed{Comment: "other", Owner: "bob@example.com"})
	fake.Fail(tokenstest.UpdateAny, tokenstest.PermissionDenied())
	err = updateRun(context.Background(), &Options{Deps: e.Deps(), ID: tok.ID, Scope: tokens.Scope{AllUsers: true}, Change: tokens.Update{Comment: &x}})
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "error", err.Error(), "workspace admin rights are needed for --all-users")

	fake.Fail(tokenstest.UpdateAny, tokenstest.Unavailable())
	err = updateRun(context.Background(), &Options{Deps: e.Deps(), ID: tok.ID, Scope: tokens.Scope{AllUsers: true}, Change: tokens.Update{Comment: &x}})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "error", err.Error(), "cannot update token "+tok.ID)
}
