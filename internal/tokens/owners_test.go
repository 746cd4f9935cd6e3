package tokens_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const etlApp = "6f1c0f5e-1111-2222-3333-444455556666"

// ownersWorkspace holds an admin's token, bob's, an on-behalf-of token the
// admin made for the etl service principal, and a token that service
// principal created itself.
func ownersWorkspace(t *testing.T) (*tokenstest.Fake, []tokens.Token) {
	t.Helper()
	f := &tokenstest.Fake{Me: "admin@example.com"}
	f.AddServicePrincipal(etlApp, "etl")
	f.AddServicePrincipal("other-app", "nightly")
	f.Add(tokenstest.Seed{Comment: "mine"})
	f.Add(tokenstest.Seed{Comment: "bob's", Owner: "bob@example.com"})
	f.Add(tokenstest.Seed{Comment: "obo", Owner: etlApp, CreatedBy: "admin@example.com"})
	f.Add(tokenstest.Seed{Comment: "its own", Owner: "other-app"})
	list, err := f.ListAll(context.Background(), tokens.ListAllRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return f, list
}

func byComment(list []tokens.Token, c string) tokens.Token {
	for _, t := range list {
		if t.Comment == c {
			return t
		}
	}
	return tokens.Token{}
}

// Only the owners that are not their tokens' creators are looked up, in
// one request; the column shows them by display name and application ID.
func TestResolveForeignOwners(t *testing.T) {
	f, list := ownersWorkspace(t)
	if !tokens.ForeignOwners(list) {
		t.Fatal("an on-behalf-of token has a foreign owner")
	}
	if err := tokens.ResolveOwners(context.Background(), f, list, false); err != nil {
		t.Fatal(err)
	}
	calls := f.CallsTo(tokenstest.ServicePrincipals)
	if len(calls) != 1 || !slices.Equal(calls[0].IDs, []int64{tokenstest.UserID(etlApp)}) {
		t.Fatalf("directory calls %+v, want one for the etl principal", calls)
	}
	if n := len(f.CallsTo(tokenstest.Users)); n != 0 {
		t.Errorf("%d user lookups: the owner is a service principal", n)
	}
	obo := byComment(list, "obo")
	if obo.OwnerText() != "etl ("+etlApp+")" || obo.Owner.CreatedByUsername != "admin@example.com" {
		t.Errorf("on-behalf-of owner %q, creator %q", obo.OwnerText(), obo.Owner.CreatedByUsername)
	}
	if got := byComment(list, "bob's").OwnerText(); got != "bob@example.com" {
		t.Errorf("bob's token's owner %q", got)
	}
	if !obo.OwnedBy(etlApp) || !obo.OwnedBy("ETL") || obo.OwnedBy("admin@example.com") {
		t.Error("the on-behalf-of token is owned by the principal, by application ID or display name, not by its creator")
	}

	// Nothing more to look up: no request.
	if err := tokens.ResolveOwners(context.Background(), f, list, false); err != nil {
		t.Fatal(err)
	}
	if n := len(f.CallsTo(tokenstest.ServicePrincipals)); n != 1 {
		t.Errorf("%d lookups after everything was resolved, want still 1", n)
	}
}

// --owner needs every owner named: a service principal's own token is
// matched by its display name too, and users stay users.
func TestFilterByOwner(t *testing.T) {
	f, list := ownersWorkspace(t)
	var filter tokens.Filter
	if err := filter.SetOwner("nightly"); err != nil {
		t.Fatal(err)
	}
	if !filter.NeedsOwners() || filter.Describe() != "owned by nightly" {
		t.Errorf("filter %q", filter.Describe())
	}
	if err := tokens.ResolveOwners(context.Background(), f, list, filter.NeedsOwners()); err != nil {
		t.Fatal(err)
	}
	if calls := f.CallsTo(tokenstest.ServicePrincipals); len(calls) != 1 || len(calls[0].IDs) != 4 {
		t.Fatalf("directory calls %+v, want one for all four owners", calls)
	}
	now := time.Now()
	comments := func(fl tokens.Filter) []string {
		var out []string
		for _, t := range fl.Apply(list, now) {
			out = append(out, t.Comment)
		}
		return out
	}
	if got := comments(filter); !slices.Equal(got, []string{"its own"}) {
		t.Errorf("owned by nightly: %v", got)
	}
	for name, want := range map[string][]string{
		etlApp:              {"obo"},
		"etl":               {"obo"},
		"BOB@example.com":   {"bob's"},
		"admin@example.com": {"mine"},
		"nobody":            nil,
	} {
		var fl tokens.Filter
		_ = fl.SetOwner(name)
		if got := comments(fl); !slices.Equal(got, want) {
			t.Errorf("owned by %s: %v, want %v", name, got, want)
		}
	}
	if own, _ := byComment(list, "mine").OwnerIdentity(); own.Kind != tokens.User {
		t.Errorf("the admin's own token's owner is %+v, want a user", own)
	}
	var fl tokens.Filter
	if err := fl.SetOwner(" "); err == nil {
		t.Error("an empty owner must be refused")
	}
}

// An owner the directory does not know (deleted since) keeps its number;
// a user owner that is not its creator is asked for among users.
func TestResolveUnknownOwners(t *testing.T) {
	f := &tokenstest.Fake{Me: "admin@example.com"}
	f.Add(tokenstest.Seed{Comment: "gone", Owner: "deleted-app", CreatedBy: "admin@example.com"})
	f.Add(tokenstest.Seed{Comment: "odd", Owner: "carol@example.com", CreatedBy: "admin@example.com"})
	f.Forget("deleted-app")
	list, _ := f.ListAll(context.Background(), tokens.ListAllRequest{})
	if err := tokens.ResolveOwners(context.Background(), f, list, false); err != nil {
		t.Fatal(err)
	}
	if n := len(f.CallsTo(tokenstest.Users)); n != 1 {
		t.Errorf("%d user lookups, want 1 for the owners that are not service principals", n)
	}
	if got := byComment(list, "odd").OwnerText(); got != "carol@example.com" {
		t.Errorf("owner %q", got)
	}
	gone := byComment(list, "gone")
	if _, ok := gone.OwnerIdentity(); ok || gone.OwnerText() != "#"+itoa(tokenstest.UserID("deleted-app")) {
		t.Errorf("unknown owner reads %q", gone.OwnerText())
	}

	f.Fail(tokenstest.ServicePrincipals, tokenstest.PermissionDenied())
	list, _ = f.ListAll(context.Background(), tokens.ListAllRequest{})
	if err := tokens.ResolveOwners(context.Background(), f, list, false); err == nil {
		t.Error("a failed lookup must be reported")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
