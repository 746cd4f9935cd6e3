package list

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const etlApp = "6f1c0f5e-1111-2222-3333-444455556666"

// ownersSetup adds an on-behalf-of token the caller (an admin) made for
// the etl service principal, and one the nightly principal made itself.
func ownersSetup(t *testing.T) (*cmdtest.Env, *tokenstest.Fake) {
	t.Helper()
	e, fake := setup(t)
	fake.AddServicePrincipal(etlApp, "etl")
	fake.AddServicePrincipal("nightly-app", "nightly")
	fake.Add(tokenstest.Seed{Comment: "etl", Owner: etlApp, CreatedBy: tokenstest.DefaultUser, Created: cmdtest.Now.Add(-day), Lifetime: 30 * day})
	fake.Add(tokenstest.Seed{Comment: "own", Owner: "nightly-app", Created: cmdtest.Now.Add(-day), Lifetime: 30 * day})
	return e, fake
}

type ownerRow struct {
	Comment           string  `json:"comment"`
	CreatedByUsername string  `json:"created_by_username"`
	OwnerID           int64   `json:"owner_id"`
	Owner             *string `json:"owner"`
	OwnerDisplayName  *string `json:"owner_display_name"`
}

func ownerRows(t *testing.T, b []byte) map[string]ownerRow {
	t.Helper()
	var rows []ownerRow
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("%v:\n%s", err, b)
	}
	out := map[string]ownerRow{}
	for _, r := range rows {
		out[r.Comment] = r
	}
	return out
}

func TestListOwners(t *testing.T) {
	e, fake := ownersSetup(t)
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1, Scope: tokens.Scope{AllUsers: true}}); err != nil {
		t.Fatal(err)
	}
	// One lookup, of the one owner that is not its token's creator.
	calls := fake.CallsTo(tokenstest.ServicePrincipals)
	if len(calls) != 1 || len(calls[0].IDs) != 1 || calls[0].IDs[0] != tokenstest.UserID(etlApp) {
		t.Fatalf("directory calls %+v", calls)
	}
	rows := ownerRows(t, e.Stdout.Bytes())
	etl := rows["etl"]
	if etl.CreatedByUsername != tokenstest.DefaultUser || etl.Owner == nil || *etl.Owner != etlApp ||
		etl.OwnerDisplayName == nil || *etl.OwnerDisplayName != "etl" || etl.OwnerID != tokenstest.UserID(etlApp) {
		t.Errorf("on-behalf-of token %+v", etl)
	}
	// A creator's own token: owned by its creator, no lookup needed.
	if own := rows["own"]; own.Owner == nil || *own.Owner != "nightly-app" || own.OwnerDisplayName != nil {
		t.Errorf("a service principal's own token %+v", own)
	}

	// On a terminal: an OWNER column, "-" where the creator owns the token.
	e2, _ := ownersSetup(t)
	e2.IO.SetStdoutTTY(true)
	e2.IO.SetTerminalWidth(200)
	if err := listRun(context.Background(), &Options{Deps: e2.Deps(), Sort: "comment", Parallel: 1, Scope: tokens.Scope{AllUsers: true}}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(e2.Stdout.String(), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 0:
		case f[0] == "ID":
			cmdtest.Contains(t, "header", line, "ID            CREATED BY      OWNER   ")
		case strings.Contains(line, "etl ("):
			cmdtest.Contains(t, "on-behalf-of row", line, tokenstest.DefaultUser+"  etl ("+etlApp+")  etl ")
		default:
			// The creator owns the rest.
			if f[2] != "-" {
				t.Errorf("row %q: OWNER is not -", line)
			}
		}
	}
}

// No on-behalf-of token: no column, and no request.
func TestListNoForeignOwners(t *testing.T) {
	e, fake := setup(t)
	e.IO.SetStdoutTTY(true)
	e.IO.SetTerminalWidth(200)
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1, Scope: tokens.Scope{AllUsers: true}}); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.CallsTo(tokenstest.ServicePrincipals)) + len(fake.CallsTo(tokenstest.Users)); n != 0 {
		t.Errorf("%d directory calls", n)
	}
	cmdtest.Lacks(t, "table", e.Stdout.String(), "OWNER")
}

func TestListByOwner(t *testing.T) {
	for name, want := range map[string]string{etlApp: "etl", "ETL": "etl", "nightly": "own", "nightly-app": "own"} {
		e, fake := ownersSetup(t)
		opts := &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1, Scope: tokens.Scope{AllUsers: true}}
		if err := opts.Filter.SetOwner(name); err != nil {
			t.Fatal(err)
		}
		if err := listRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		rows := ownerRows(t, e.Stdout.Bytes())
		if _, ok := rows[want]; len(rows) != 1 || !ok {
			t.Errorf("--owner %s: %v, want only %q", name, rows, want)
		}
		if n := len(fake.CallsTo(tokenstest.ServicePrincipals)); n != 1 {
			t.Errorf("--owner %s: %d lookups, want 1", name, n)
		}
	}
}

// A failed lookup costs the names (a note) unless --owner needs them.
func TestListOwnersLookupFails(t *testing.T) {
	e, fake := ownersSetup(t)
	fake.Fail(tokenstest.ServicePrincipals, tokenstest.PermissionDenied())
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1, Scope: tokens.Scope{AllUsers: true}}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "cannot look up who owns the on-behalf-of tokens", "numeric principal IDs")
	if etl := ownerRows(t, e.Stdout.Bytes())["etl"]; etl.Owner != nil || etl.OwnerID != tokenstest.UserID(etlApp) {
		t.Errorf("unnamed owner %+v", etl)
	}

	e2, fake2 := ownersSetup(t)
	fake2.Fail(tokenstest.ServicePrincipals, tokenstest.PermissionDenied())
	opts := &Options{Deps: e2.Deps(), Sort: "expiry", Parallel: 1, Scope: tokens.Scope{AllUsers: true}}
	_ = opts.Filter.SetOwner("etl")
	err := listRun(context.Background(), opts)
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "error", err.Error(), "cannot look up who owns the tokens (for --owner)")
	if e2.Stdout.Len() != 0 {
		t.Errorf("stdout %q", e2.Stdout.String())
	}
}

func TestNewCmdListOwner(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", hostA)
	var got *Options
	run := func(_ context.Context, o *Options) error { got = o; return nil }
	if err := e.Exec(NewCmdList(e.Factory(), run), "--all-users", "--owner", "etl"); err != nil {
		t.Fatal(err)
	}
	if got.Filter.Owner() != "etl" || !got.Filter.NeedsOwners() {
		t.Errorf("filter %q", got.Filter.Describe())
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--owner", "etl"}, "--owner needs --all-users"},
		{[]string{"--all-users", "--owner", " "}, "--owner is empty"},
		{[]string{"--never-used", "--owner", "x"}, "--unused-for and --never-used need --all-users"},
	} {
		args, want := tc.args, tc.want
		got = nil
		err := e.Exec(NewCmdList(e.Factory(), run), args...)
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), want)
		if got != nil {
			t.Errorf("%s: run was called", args)
		}
	}
}
