package emulator

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/settings"
	"github.com/databricks/databricks-sdk-go/service/workspace"
)

// Smaller paths: go accessors, SCIM details, seeded autoscope state,
// secret ACLs.

func TestGrantTokenPermissionAndGroups(t *testing.T) {
	srv := start(t, Options{
		Users:             append(testUsers(), User{Name: "dana", Token: "dapidddddddddddddddddddddddddddddddd", Groups: []string{"eng"}}),
		ServicePrincipals: []ServicePrincipal{{ApplicationID: "app-1", Groups: []string{"eng"}}},
		State:             &State{TokenPermissions: []TokenPermission{{GroupName: "eng", PermissionLevel: "CAN_USE"}}},
	})
	ctx := context.Background()
	if srv.TokenPermissionsAllow("bob") || !srv.TokenPermissionsAllow("dana") || !srv.TokenPermissionsAllow("app-1") {
		t.Fatal("the state's ACL (eng only) is not in force")
	}
	if n := len(srv.Tokens("bob")); n != 1 {
		t.Errorf("bob's bootstrap token was revoked by loading a state: %d", n)
	}
	if _, err := settings.NewTokens(sdkClient(t, srv, bobToken)).ListAll(ctx); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("bob without CAN_USE: %v", err)
	}
	if err := srv.GrantTokenPermission(TokenPermission{UserName: "bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.NewTokens(sdkClient(t, srv, bobToken)).ListAll(ctx); err != nil {
		t.Errorf("bob after the grant: %v", err)
	}
	if err := srv.GrantTokenPermission(TokenPermission{GroupName: "nobody"}); err == nil {
		t.Error("a grant to a missing group succeeded")
	}

	// SCIM creates a user in an existing group, found by name or ID.
	users := iam.NewUsers(sdkClient(t, srv, aliceToken))
	u, err := users.Create(ctx, iam.User{UserName: "erin", Groups: []iam.ComplexValue{{Value: groupID("eng")}}})
	if err != nil || len(u.Groups) != 1 || u.Groups[0].Display != "eng" {
		t.Fatalf("create in a group = %+v, %v", u, err)
	}
	if _, err := users.Create(ctx, iam.User{UserName: "fay", Groups: []iam.ComplexValue{{Display: "ghosts"}}}); !errors.Is(err, apierr.ErrBadRequest) {
		t.Errorf("create in a missing group: %v", err)
	}
	for _, tc := range []struct {
		filter string
		want   int
	}{
		{`userName ne "alice"`, 3},
		{`userName gt "d"`, 2},
		{`displayName pr`, 4},
		{`active eq true`, 4},
		{`applicationId pr`, 0},
		{`emails.value co "@"`, 0},
	} {
		got, err := users.ListAll(ctx, iam.ListUsersRequest{Filter: tc.filter})
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: %d users, %v; want %d", tc.filter, len(got), err, tc.want)
		}
	}
	desc, err := users.ListAll(ctx, iam.ListUsersRequest{SortBy: "userName", SortOrder: iam.ListSortOrderDescending, ExcludedAttributes: "emails"})
	if err != nil || desc[0].UserName != "erin" || desc[0].Emails != nil {
		t.Errorf("sorted descending without emails = %+v, %v", desc, err)
	}
	sps := iam.NewServicePrincipals(sdkClient(t, srv, bobToken))
	id, _ := srv.PrincipalID("app-1")
	sp, err := sps.GetById(ctx, fmtID(id))
	if err != nil || sp.ApplicationId != "app-1" || len(sp.Groups) != 1 {
		t.Errorf("GetById(service principal) = %+v, %v", sp, err)
	}
	bobID, _ := srv.PrincipalID("bob")
	if _, err := sps.GetById(ctx, fmtID(bobID)); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("a user's ID as a service principal: %v", err)
	}
}

func fmtID(id int64) string { return strconv.FormatInt(id, 10) }

func TestSeededAutoscopeAndSecretACLs(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	info, _, err := srv.SeedToken(TokenSeed{Owner: "bob", AutoscopeEnabled: true, AutoscopeState: "AUTOSCOPE_STATE_BACKFILLED", InferredScopes: []string{"sql"}})
	if err != nil || info.AutoscopeState != "AUTOSCOPE_STATE_BACKFILLED" || !slices.Equal(info.InferredScopes, []string{"sql"}) {
		t.Errorf("seeded autoscope = %+v, %v", info, err)
	}
	if _, _, err := srv.SeedToken(TokenSeed{Owner: "bob", AutoscopeState: "SOMETHING"}); err == nil {
		t.Error("an unknown autoscope state was seeded")
	}

	secrets := workspace.NewSecrets(sdkClient(t, srv, bobToken))
	if err := secrets.CreateScope(ctx, workspace.CreateScope{Scope: "mine"}); err != nil {
		t.Fatal(err)
	}
	if err := secrets.PutSecret(ctx, workspace.PutSecret{Scope: "mine", Key: "k", StringValue: "v"}); err != nil {
		t.Fatal(err)
	}
	if at, ok := srv.SecretUpdated("mine", "k"); !ok || !at.Equal(fixedNow) {
		t.Errorf("SecretUpdated = %v, %v", at, ok)
	}
	if _, ok := srv.SecretUpdated("mine", "nope"); ok {
		t.Error("SecretUpdated of a missing key")
	}
	acls, err := secrets.ListAclsAll(ctx, workspace.ListAclsRequest{Scope: "mine"})
	if err != nil || len(acls) != 1 || acls[0].Principal != "bob" || acls[0].Permission != workspace.AclPermissionManage {
		t.Errorf("ListAcls = %+v, %v", acls, err)
	}
}
