package emulator

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/settings"
)

// Tests of SCIM (Me, Users, ServicePrincipals) and on-behalf-of tokens
// through the SDK.

func TestSDKCurrentUser(t *testing.T) {
	const appID = "6f1c0f5e-1111-2222-3333-444455556666"
	const spToken = "dapi5555555555555555555555555555555a"
	srv := start(t, Options{
		Users:             append(testUsers(), User{Name: "dana@example.com", Token: "dapidddddddddddddddddddddddddddddddd", DisplayName: "Dana", Groups: []string{"data-eng"}}),
		ServicePrincipals: []ServicePrincipal{{ApplicationID: appID, DisplayName: "CI bot", Token: spToken}},
	})
	ctx := context.Background()

	me, err := iam.NewCurrentUser(sdkClient(t, srv, aliceToken)).Me(ctx, iam.MeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	aliceID, _ := srv.PrincipalID("alice")
	if me.UserName != "alice" || me.Id != strconv.FormatInt(aliceID, 10) || !me.Active ||
		len(me.Groups) != 1 || me.Groups[0].Display != "admins" ||
		len(me.Emails) != 1 || me.Emails[0].Value != "alice" || !me.Emails[0].Primary ||
		!slices.Contains(me.Schemas, iam.UserSchemaUrnIetfParamsScimSchemasCore20User) {
		t.Errorf("alice's Me = %+v", me)
	}
	me, err = iam.NewCurrentUser(sdkClient(t, srv, "dapidddddddddddddddddddddddddddddddd")).Me(ctx, iam.MeRequest{})
	if err != nil || me.DisplayName != "Dana" || len(me.Groups) != 1 || me.Groups[0].Display != "data-eng" {
		t.Errorf("dana's Me = %+v, %v", me, err)
	}
	// A service principal is described by its application ID.
	me, err = iam.NewCurrentUser(sdkClient(t, srv, spToken)).Me(ctx, iam.MeRequest{})
	if err != nil || me.UserName != appID || me.DisplayName != "CI bot" || len(me.Emails) != 0 {
		t.Errorf("service principal's Me = %+v, %v", me, err)
	}
	// attributes narrows the answer; id and schemas always stay.
	me, err = iam.NewCurrentUser(sdkClient(t, srv, aliceToken)).Me(ctx, iam.MeRequest{Attributes: "userName"})
	if err != nil || me.UserName != "alice" || me.Id == "" || me.DisplayName != "" || me.Groups != nil {
		t.Errorf("Me(attributes=userName) = %+v, %v", me, err)
	}
}

func TestSDKUsersAndServicePrincipals(t *testing.T) {
	srv := start(t, Options{
		BulkUsers:         25,
		ServicePrincipals: []ServicePrincipal{{ApplicationID: "app-1", DisplayName: "CI bot"}, {ApplicationID: "app-2", DisplayName: "nightly"}},
	})
	ctx := context.Background()
	admin := sdkClient(t, srv, aliceToken)
	users, sps := iam.NewUsers(admin), iam.NewServicePrincipals(admin)

	// The SDK pages through startIndex until a page is empty.
	srv.ResetRequests()
	all, err := listing.ToSlice(ctx, users.List(ctx, iam.ListUsersRequest{Count: 10}))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 27 || len(srv.Requests()) != 4 {
		t.Errorf("listed %d users in %d requests, want 27 in 4 (three pages and an empty one)", len(all), len(srv.Requests()))
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`userName eq "bob"`, []string{"bob"}},
		{`userName eq "BOB"`, []string{"bob"}},
		{`userName sw "user2"`, []string{"user2", "user20", "user21", "user22", "user23", "user24", "user25"}},
		{`userName eq "alice" or userName eq "user7"`, []string{"alice", "user7"}},
		{`(displayName co "user1") and userName ew "5"`, []string{"user15"}},
		{`userName eq "nobody"`, nil},
	} {
		got, err := users.ListAll(ctx, iam.ListUsersRequest{Filter: tc.filter, SortBy: "userName"})
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		var names []string
		for _, u := range got {
			names = append(names, u.UserName)
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("%s: %v, want %v", tc.filter, names, tc.want)
		}
	}
	_, err = users.ListAll(ctx, iam.ListUsersRequest{Filter: `userName eq`})
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
		t.Errorf("bad filter: %v", err)
	}

	bobID, _ := srv.PrincipalID("bob")
	bob, err := users.GetById(ctx, strconv.FormatInt(bobID, 10))
	if err != nil || bob.UserName != "bob" {
		t.Errorf("GetById(bob) = %+v, %v", bob, err)
	}
	if _, err := users.GetById(ctx, "42"); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}

	got, err := sps.ListAll(ctx, iam.ListServicePrincipalsRequest{Filter: `applicationId eq "app-2"`})
	if err != nil || len(got) != 1 || got[0].DisplayName != "nightly" {
		t.Errorf("filter by applicationId = %+v, %v", got, err)
	}
	got, err = sps.ListAll(ctx, iam.ListServicePrincipalsRequest{Filter: `displayName eq "CI bot"`})
	if err != nil || len(got) != 1 || got[0].ApplicationId != "app-1" || got[0].Schemas[0] != iam.ServicePrincipalSchemaUrnIetfParamsScimSchemasCore20ServicePrincipal {
		t.Errorf("filter by displayName = %+v, %v", got, err)
	}

	// Admins create principals; the new service principal can get
	// on-behalf-of tokens, which it owns.
	created, err := sps.Create(ctx, iam.ServicePrincipal{DisplayName: "deployer"})
	if err != nil || created.ApplicationId == "" || created.Id == "" {
		t.Fatalf("create service principal = %+v, %v", created, err)
	}
	obo, err := settings.NewTokenManagement(admin).CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: created.ApplicationId, Comment: "deploy"})
	if err != nil {
		t.Fatal(err)
	}
	if strconv.FormatInt(obo.TokenInfo.OwnerId, 10) != created.Id || obo.TokenInfo.CreatedByUsername != "alice" {
		t.Errorf("OBO token info = %+v, want owner %s", obo.TokenInfo, created.Id)
	}
	if recs := srv.Tokens(created.ApplicationId); len(recs) != 1 || recs[0].Comment != "deploy" {
		t.Errorf("server tokens of the new principal = %+v", recs)
	}
	// The whole text of a conflict is the sentence, with no scimType
	// before it: the Terraform provider's force import compares it.
	if _, err := sps.Create(ctx, iam.ServicePrincipal{ApplicationId: "app-1"}); !errors.Is(err, apierr.ErrResourceConflict) ||
		err.Error() != "Service principal with application ID app-1 already exists." {
		t.Errorf("duplicate application ID: %v", err)
	}

	newUser, err := users.Create(ctx, iam.User{UserName: "erin@example.com", DisplayName: "Erin"})
	if err != nil || newUser.UserName != "erin@example.com" || newUser.DisplayName != "Erin" {
		t.Errorf("create user = %+v, %v", newUser, err)
	}
	if _, ok := srv.PrincipalID("erin@example.com"); !ok {
		t.Error("created user not on the server")
	}
	if _, err := users.Create(ctx, iam.User{UserName: "bob"}); !errors.Is(err, apierr.ErrResourceConflict) ||
		err.Error() != "User with username bob already exists." {
		t.Errorf("duplicate user: %v", err)
	}
	// A malformed request: the reason in scimType, the RFC's sentence as
	// the detail.
	if _, err := users.Create(ctx, iam.User{DisplayName: "nobody"}); !errors.Is(err, apierr.ErrBadRequest) ||
		err.Error() != "Required attribute userName is missing in the SCIM Object. Request is unparsable, syntactically incorrect, or violates schema." {
		t.Errorf("user without userName: %v", err)
	}
	status, body := send(t, srv, aliceToken, "POST", "/api/2.0/preview/scim/v2/Users", "{")
	if status != 400 || string(body) != `{"detail":"Request is unparsable, syntactically incorrect, or violates schema.","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"Invalid JSON provided in request body.","status":"400"}` {
		t.Errorf("malformed JSON: %d %s", status, body)
	}
	// A user is not a service principal, for OBO either.
	_, err = settings.NewTokenManagement(admin).CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: "erin@example.com"})
	if !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("OBO for a user: %v", err)
	}

	// Deleting a principal takes its tokens and its token permission with it.
	if _, err := settings.NewTokenManagement(admin).UpdatePermissions(ctx, settings.TokenPermissionsRequest{AccessControlList: []settings.TokenAccessControlRequest{
		{ServicePrincipalName: created.ApplicationId, PermissionLevel: "CAN_USE"},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := iam.NewServicePrincipals(sdkClient(t, srv, bobToken)).DeleteById(ctx, created.Id); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("non-admin delete: %v", err)
	}
	if err := sps.DeleteById(ctx, created.Id); err != nil {
		t.Fatal(err)
	}
	if _, err := sps.GetById(ctx, created.Id); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if rec := findRecord(t, srv, obo.TokenInfo.TokenId); !rec.Revoked {
		t.Error("the deleted principal's token was not revoked")
	}
	perms, err := settings.NewTokenManagement(admin).GetPermissions(ctx)
	if err != nil || len(perms.AccessControlList) != 2 {
		t.Errorf("permissions after the delete = %+v, %v", perms, err)
	}
	if err := users.DeleteById(ctx, newUser.Id); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.PrincipalID("erin@example.com"); ok {
		t.Error("deleted user still on the server")
	}

	// Non-admins read but do not create.
	bobUsers := iam.NewUsers(sdkClient(t, srv, bobToken))
	if _, err := bobUsers.ListAll(ctx, iam.ListUsersRequest{Filter: `userName eq "alice"`}); err != nil {
		t.Errorf("non-admin list: %v", err)
	}
	if _, err := bobUsers.Create(ctx, iam.User{UserName: "mallory"}); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("non-admin create: %v", err)
	}
	if _, ok := srv.PrincipalID("mallory"); ok {
		t.Error("a refused create added a user")
	}
}

func TestAddServicePrincipalAtRuntime(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	mgmt := settings.NewTokenManagement(sdkClient(t, srv, aliceToken))
	_, err := mgmt.CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: "late"})
	if !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Fatalf("OBO for an unknown principal: %v", err)
	}
	id, err := srv.AddServicePrincipal(ServicePrincipal{ApplicationID: "late", DisplayName: "Late"})
	if err != nil {
		t.Fatal(err)
	}
	obo, err := mgmt.CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: "late"})
	if err != nil || obo.TokenInfo.OwnerId != id {
		t.Errorf("OBO = %+v, %v", obo, err)
	}
	if _, err := srv.AddServicePrincipal(ServicePrincipal{ApplicationID: "late"}); err == nil {
		t.Error("a second principal with the same application ID was added")
	}
}

// How clients name the owners of tokens: the owner_id of an on-behalf-of
// token is a service principal's SCIM id, found by a filter on id (with
// or), trimmed to the attributes asked for, in the SDK's own models.
func TestSDKServicePrincipalsByID(t *testing.T) {
	srv := start(t, Options{
		Users:             testUsers(),
		ServicePrincipals: []ServicePrincipal{{ApplicationID: "app-1", DisplayName: "CI bot"}, {ApplicationID: "app-2", DisplayName: "nightly"}, {ApplicationID: "app-3"}},
	})
	ctx := context.Background()
	admin := sdkClient(t, srv, aliceToken)
	obo, err := settings.NewTokenManagement(admin).CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: "app-2", Comment: "nightly"})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := srv.PrincipalID("app-1")
	filter := `id eq "` + strconv.FormatInt(one, 10) + `" or id eq "` + strconv.FormatInt(obo.TokenInfo.OwnerId, 10) + `"`
	// A non-admin may read the directory.
	got, err := iam.NewServicePrincipals(sdkClient(t, srv, bobToken)).ListAll(ctx, iam.ListServicePrincipalsRequest{Filter: filter, Attributes: "id,applicationId,displayName", SortBy: "displayName"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ApplicationId != "app-1" || got[0].DisplayName != "CI bot" || got[1].ApplicationId != "app-2" ||
		got[1].Id != strconv.FormatInt(obo.TokenInfo.OwnerId, 10) || got[0].Active || got[0].Groups != nil || len(got[0].Schemas) != 1 {
		t.Errorf("by id = %+v", got)
	}
	// A principal created without a display name is named by its
	// application ID.
	three, _ := srv.PrincipalID("app-3")
	got, err = iam.NewServicePrincipals(admin).ListAll(ctx, iam.ListServicePrincipalsRequest{Filter: `id eq ` + strconv.FormatInt(three, 10)})
	if err != nil || len(got) != 1 || got[0].DisplayName != "app-3" {
		t.Errorf("unquoted id = %+v, %v", got, err)
	}
}
