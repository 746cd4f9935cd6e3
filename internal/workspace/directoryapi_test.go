package workspace

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
	"github.com/dbtok/dbtok/internal/tokens"
)

const adminToken = "dapiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// directory signs in to a new emulator with bob, who is no admin (reading
// the directory needs none), and returns its directory and server.
func directory(t *testing.T, sps int) (tokens.DirectoryAPI, *emulator.Server) {
	t.Helper()
	opts := emulator.Options{Users: []emulator.User{
		{Name: "alice@example.com", Token: adminToken, Admin: true},
		{Name: "bob@example.com", Token: "dapibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", DisplayName: "Bob"},
	}}
	for i := range sps {
		opts.ServicePrincipals = append(opts.ServicePrincipals, emulator.ServicePrincipal{ApplicationID: fmt.Sprintf("app-%02d", i), DisplayName: fmt.Sprintf("bot %d", i)})
	}
	srv, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ws, err := OpenPAT(srv.URL, "dapibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return ws.Directory, srv
}

func spIDs(t *testing.T, srv *emulator.Server, names ...string) []int64 {
	t.Helper()
	var out []int64
	for _, n := range names {
		id, ok := srv.PrincipalID(n)
		if !ok {
			t.Fatalf("no principal %s", n)
		}
		out = append(out, id)
	}
	return out
}

// scimQueries are the queries of the SCIM requests the server saw.
func scimQueries(srv *emulator.Server, resource string) []url.Values {
	var out []url.Values
	for _, r := range srv.Requests() {
		if r.Path == "/api/2.0/preview/scim/v2/"+resource {
			q, _ := url.ParseQuery(r.RawQuery)
			out = append(out, q)
		}
	}
	return out
}

func names(ids []tokens.Identity) []string {
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprintf("%s:%s:%s", id.Kind, id.Name, id.DisplayName))
	}
	slices.Sort(out)
	return out
}

func TestDirectoryFewByFilter(t *testing.T) {
	dir, srv := directory(t, 3)
	bob := spIDs(t, srv, "bob@example.com")[0]
	ids := append(spIDs(t, srv, "app-00", "app-02"), bob, 424242)
	got, err := dir.ServicePrincipals(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"service_principal:app-00:bot 0", "service_principal:app-02:bot 2"}; !slices.Equal(names(got), want) {
		t.Errorf("service principals = %v, want %v", names(got), want)
	}
	qs := scimQueries(srv, "ServicePrincipals")
	if len(qs) != 1 {
		t.Fatalf("%d requests, want 1", len(qs))
	}
	if f := qs[0].Get("filter"); f != fmt.Sprintf(`id eq "%d" or id eq "%d" or id eq "%d" or id eq "424242"`, ids[0], ids[1], bob) {
		t.Errorf("filter = %q", f)
	}
	if a := qs[0].Get("attributes"); a != "id,applicationId,displayName" {
		t.Errorf("attributes = %q", a)
	}

	users, err := dir.Users(context.Background(), []int64{bob, ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"user:bob@example.com:Bob"}; !slices.Equal(names(users), want) {
		t.Errorf("users = %v, want %v", names(users), want)
	}
}

// Many owners are one listing of every service principal, with three
// attributes, rather than a filter that would grow without bound.
func TestDirectoryManyByListing(t *testing.T) {
	dir, srv := directory(t, 30)
	var want []string
	var apps []string
	for i := range 25 {
		apps = append(apps, fmt.Sprintf("app-%02d", i))
		want = append(want, fmt.Sprintf("service_principal:app-%02d:bot %d", i, i))
	}
	slices.Sort(want)
	got, err := dir.ServicePrincipals(context.Background(), spIDs(t, srv, apps...))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(got), want) {
		t.Errorf("service principals = %v, want %v", names(got), want)
	}
	qs := scimQueries(srv, "ServicePrincipals")
	if len(qs) != 1 || qs[0].Has("filter") || qs[0].Get("attributes") != "id,applicationId,displayName" {
		t.Errorf("requests = %v, want one listing without a filter", qs)
	}
}

// A workspace that cannot filter by id still answers: one listing more.
func TestDirectoryFilterRefused(t *testing.T) {
	dir, srv := directory(t, 3)
	srv.AddFault(emulator.Fault{Path: "/api/2.0/preview/scim/v2/ServicePrincipals", Status: 400, Count: 1,
		Body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Invalid filter","status":"400","scimType":"invalidFilter"}`})
	got, err := dir.ServicePrincipals(context.Background(), spIDs(t, srv, "app-01"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"service_principal:app-01:bot 1"}; !slices.Equal(names(got), want) {
		t.Errorf("service principals = %v, want %v", names(got), want)
	}
	qs := scimQueries(srv, "ServicePrincipals")
	if len(qs) != 2 || !qs[0].Has("filter") || qs[1].Has("filter") {
		t.Errorf("requests = %v, want a filter, then a listing", qs)
	}
}

func TestDirectoryNothingToAsk(t *testing.T) {
	dir, srv := directory(t, 1)
	if got, err := dir.ServicePrincipals(context.Background(), nil); err != nil || got != nil {
		t.Errorf("no IDs = %v, %v", got, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests for nothing", n)
	}
}
