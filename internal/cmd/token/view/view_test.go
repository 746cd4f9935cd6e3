package view

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const host = "https://a.example.com"

func TestNewCmdView(t *testing.T) {
	for _, c := range []struct {
		args    []string
		wantErr string
		all     bool
	}{
		{args: []string{"abcdef0123"}},
		{args: []string{"abcdef0123", "--all-users"}, all: true},
		{args: nil, wantErr: "name one token"},
		{args: []string{"a", "b"}, wantErr: "name one token"},
		{args: []string{"abc"}, wantErr: "too short"},
		{args: []string{"../etc/passwd"}, wantErr: "invalid token ID"},
	} {
		e := cmdtest.New(t)
		var got *Options
		err := e.Exec(NewCmdView(e.Factory(), func(_ context.Context, o *Options) error { got = o; return nil }), c.args...)
		if c.wantErr != "" {
			cmdtest.Code(t, err, failure.Usage)
			cmdtest.Contains(t, "error", err.Error(), c.wantErr)
			continue
		}
		if err != nil || got.ID != c.args[0] || got.Scope.AllUsers != c.all {
			t.Errorf("%v: err %v, options %+v", c.args, err, got)
		}
	}
}

func TestViewShowsEverything(t *testing.T) {
	e := cmdtest.New(t)
	cred := e.AddProfile("DEFAULT", host)
	fake := e.Fake(host)
	tok, _ := fake.Add(tokenstest.Seed{Comment: "bi", Lifetime: 30 * 24 * time.Hour, Scopes: []string{"sql", "jobs"},
		AutoscopeState: "AUTOSCOPE_STATE_COMPLETED", InferredScopes: []string{"sql"}, LastUsed: cmdtest.Now.Add(-48 * time.Hour)})

	// A person: every field, by prefix, with relative times.
	e.IO.SetStdoutTTY(true)
	e.Output = output.Choice{Format: "table"}
	if err := viewRun(context.Background(), &Options{Deps: e.Deps(), ID: tok.ID[:12]}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", e.Stdout.String(), "Token ID:  "+tok.ID, "Comment:   bi", "(in 30d)", "Scopes:    sql, jobs", "Autoscope: completed", "Inferred:  sql")
	cmdtest.Lacks(t, "stdout", e.Stdout.String(), "Last used:", "Signs in:")

	// An admin: creator, last use and the 90-day rule; JSON for scripts.
	e.Stdout.Reset()
	e.Output = output.Choice{Format: "json"}
	if err := viewRun(context.Background(), &Options{Deps: e.Deps(), ID: tok.ID, Scope: allUsers()}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["token_id"] != tok.ID || got["created_by_username"] != tokenstest.DefaultUser || got["unused_revocation_at"] == "" || got["last_used_at"] == nil {
		t.Errorf("json %v", got)
	}
	if calls := fake.CallsTo(tokenstest.Get); len(calls) != 1 {
		t.Errorf("a full ID with --all-users is one GET: %+v", fake.Calls())
	}

	// The profile's own credential says so.
	e.Stdout.Reset()
	e.Output = output.Choice{Format: "table"}
	if err := viewRun(context.Background(), &Options{Deps: e.Deps(), ID: cred.ID}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", e.Stdout.String(), "Signs in:  profile DEFAULT")
}

func allUsers() tokens.Scope { return tokens.Scope{AllUsers: true} }

func TestViewFailures(t *testing.T) {
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", host)
	fake := e.Fake(host)
	fake.Add(tokenstest.Seed{ID: "abcdef1200000000000000000000000000000000000000000000000000000001"})
	fake.Add(tokenstest.Seed{ID: "abcdef1200000000000000000000000000000000000000000000000000000002"})
	err := viewRun(context.Background(), &Options{Deps: e.Deps(), ID: "abcdef12"})
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "token ID prefix abcdef12 matches 2 tokens")
	err = viewRun(context.Background(), &Options{Deps: e.Deps(), ID: "0000000000000000000000000000000000000000000000000000000000000000"})
	cmdtest.Code(t, err, failure.NotFound)
	cmdtest.Contains(t, "error", err.Error(), "not found in profile DEFAULT", "see `dbtok list -p DEFAULT`")
	fake.Fail(tokenstest.Get, tokenstest.PermissionDenied())
	err = viewRun(context.Background(), &Options{Deps: e.Deps(), ID: "0000000000000000000000000000000000000000000000000000000000000000", Scope: allUsers()})
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "error", err.Error(), "workspace admin rights are needed for --all-users")
	fake.Fail(tokenstest.List, tokenstest.Unavailable())
	err = viewRun(context.Background(), &Options{Deps: e.Deps(), ID: "abcdef12"})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "error", err.Error(), "cannot read token abcdef12 in profile DEFAULT")
}
