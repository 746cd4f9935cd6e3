package emulator

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/settings"
)

// Tests of token permissions and workspace settings through the SDK.

func aclLevels(acl []settings.TokenAccessControlResponse) map[string]string {
	out := map[string]string{}
	for _, a := range acl {
		out[a.GroupName+a.UserName+a.ServicePrincipalName] = string(a.AllPermissions[0].PermissionLevel)
	}
	return out
}

func TestSDKTokenPermissions(t *testing.T) {
	const appID = "6f1c0f5e-1111-2222-3333-444455556666"
	srv := start(t, Options{ServicePrincipals: []ServicePrincipal{{ApplicationID: appID, DisplayName: "CI"}}})
	ctx := context.Background()
	mgmt := settings.NewTokenManagement(sdkClient(t, srv, aliceToken))
	bobTokens := settings.NewTokens(sdkClient(t, srv, bobToken))

	perms, err := mgmt.GetPermissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if perms.ObjectId != "/authorization/tokens" || perms.ObjectType != "tokens" ||
		!maps.Equal(aclLevels(perms.AccessControlList), map[string]string{"admins": "CAN_MANAGE", "users": "CAN_USE"}) {
		t.Errorf("default permissions = %+v", perms)
	}
	levels, err := mgmt.GetPermissionLevels(ctx)
	if err != nil || len(levels.PermissionLevels) != 2 || levels.PermissionLevels[0].Description != "Can use tokens" {
		t.Errorf("permission levels = %+v, %v", levels, err)
	}
	// The generic Permissions service reads the same object.
	generic, err := iam.NewPermissions(sdkClient(t, srv, aliceToken)).Get(ctx, iam.GetPermissionRequest{RequestObjectType: "authorization", RequestObjectId: "tokens"})
	if err != nil || generic.ObjectId != "/authorization/tokens" || len(generic.AccessControlList) != 2 {
		t.Errorf("iam Permissions.Get = %+v, %v", generic, err)
	}

	bobsOwn, err := bobTokens.Create(ctx, settings.CreateTokenRequest{Comment: "bob's"})
	if err != nil {
		t.Fatal(err)
	}

	// Taking CAN_USE away from users (PUT with only the service principal)
	// revokes bob's tokens at once, his bootstrap token included.
	perms, err = mgmt.SetPermissions(ctx, settings.TokenPermissionsRequest{AccessControlList: []settings.TokenAccessControlRequest{
		{ServicePrincipalName: appID, PermissionLevel: settings.TokenPermissionLevelCanUse},
		{GroupName: "admins", PermissionLevel: "CAN_MANAGE"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(aclLevels(perms.AccessControlList), map[string]string{"admins": "CAN_MANAGE", appID: "CAN_USE"}) {
		t.Errorf("after PUT = %+v", perms.AccessControlList)
	}
	if i := slices.IndexFunc(perms.AccessControlList, func(a settings.TokenAccessControlResponse) bool { return a.ServicePrincipalName == appID }); perms.AccessControlList[i].DisplayName != "CI" {
		t.Errorf("service principal entry lacks its display name: %+v", perms.AccessControlList[i])
	}
	if n := len(srv.Tokens("bob")); n != 0 {
		t.Errorf("bob kept %d tokens after losing permission", n)
	}
	if rec := findRecord(t, srv, bobsOwn.TokenInfo.TokenId); rec.RevokedReason != RevokedPermission {
		t.Errorf("bob's token: %+v", rec)
	}
	// An OAuth user without the permission is refused with the service's
	// message.
	carol := User{Name: "carol", Token: "oauth-carol", OAuth: true}
	if err := srv.AddUser(carol); err != nil {
		t.Fatal(err)
	}
	_, err = settings.NewTokens(sdkClient(t, srv, carol.Token)).Create(ctx, settings.CreateTokenRequest{})
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Message != "User does not have permission to use tokens." {
		t.Errorf("create without CAN_USE: %v", err)
	}
	// The service principal may still have tokens.
	if _, err := mgmt.CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: appID}); err != nil {
		t.Errorf("OBO for a principal with CAN_USE: %v", err)
	}

	// PATCH adds an entry for one user.
	perms, err = mgmt.UpdatePermissions(ctx, settings.TokenPermissionsRequest{AccessControlList: []settings.TokenAccessControlRequest{
		{UserName: "carol", PermissionLevel: settings.TokenPermissionLevelCanUse},
	}})
	if err != nil || !maps.Equal(aclLevels(perms.AccessControlList), map[string]string{"admins": "CAN_MANAGE", appID: "CAN_USE", "carol": "CAN_USE"}) {
		t.Fatalf("after PATCH = %+v, %v", perms, err)
	}
	if _, err := settings.NewTokens(sdkClient(t, srv, carol.Token)).Create(ctx, settings.CreateTokenRequest{}); err != nil {
		t.Errorf("create after the grant: %v", err)
	}
	if !srv.TokenPermissionsAllow("carol") || srv.TokenPermissionsAllow("bob") {
		t.Error("TokenPermissionsAllow disagrees")
	}

	for _, tc := range []struct {
		name string
		acl  settings.TokenAccessControlRequest
		msg  string
	}{
		{"CAN_MANAGE for users", settings.TokenAccessControlRequest{GroupName: "users", PermissionLevel: "CAN_MANAGE"}, "Only admins can be given CAN_MANAGE permission on tokens"},
		{"unknown user", settings.TokenAccessControlRequest{UserName: "nobody", PermissionLevel: "CAN_USE"}, "Principal: UserName(nobody) does not exist"},
		{"service principal by display name", settings.TokenAccessControlRequest{ServicePrincipalName: "CI", PermissionLevel: "CAN_USE"}, "Principal: ServicePrincipalName(CI) does not exist"},
		{"unknown group", settings.TokenAccessControlRequest{GroupName: "ghosts", PermissionLevel: "CAN_USE"}, "Principal: GroupName(ghosts) does not exist"},
	} {
		_, err := mgmt.UpdatePermissions(ctx, settings.TokenPermissionsRequest{AccessControlList: []settings.TokenAccessControlRequest{tc.acl}})
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Message != tc.msg {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// Only admins read or change token permissions.
	carolMgmt := settings.NewTokenManagement(sdkClient(t, srv, carol.Token))
	if _, err := carolMgmt.GetPermissions(ctx); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("non-admin get: %v", err)
	}
	if _, err := carolMgmt.SetPermissions(ctx, settings.TokenPermissionsRequest{}); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("non-admin set: %v", err)
	}
}

func TestSDKWorkspaceConf(t *testing.T) {
	srv := start(t, Options{Users: append(testUsers(), User{Name: "carol", Token: "oauth-carol", OAuth: true, Admin: true})})
	ctx := context.Background()
	conf := settings.NewWorkspaceConf(sdkClient(t, srv, aliceToken))
	tokens := settings.NewTokens(sdkClient(t, srv, aliceToken))

	got, err := conf.GetStatus(ctx, settings.GetStatusRequest{Keys: "maxTokenLifetimeDays,enableTokensConfig"})
	if err != nil {
		t.Fatal(err)
	}
	if (*got)["maxTokenLifetimeDays"] != "" || (*got)["enableTokensConfig"] != "true" {
		t.Errorf("defaults = %v", *got)
	}

	// A maximum lifetime is enforced on create, also on tokens created
	// without a lifetime.
	if err := conf.SetStatus(ctx, settings.WorkspaceConf{"maxTokenLifetimeDays": "7"}); err != nil {
		t.Fatal(err)
	}
	if v := srv.WorkspaceConf()["maxTokenLifetimeDays"]; v != "7" {
		t.Errorf("server holds maxTokenLifetimeDays %q", v)
	}
	_, err = tokens.Create(ctx, settings.CreateTokenRequest{LifetimeSeconds: 8 * 86400})
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != "INVALID_PARAMETER_VALUE" || apiErr.Message != "Token lifetime of 691200 seconds exceeds the maximum token lifetime of 7 days (604800 seconds) allowed in this workspace." {
		t.Errorf("over the maximum: %v", err)
	}
	created, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "default"})
	if err != nil || created.TokenInfo.ExpiryTime-created.TokenInfo.CreationTime != 7*86400*1000 {
		t.Errorf("default lifetime under a 7-day maximum: %+v, %v", created, err)
	}
	// "0" lifts the maximum; "" is refused, as users of the Terraform
	// provider saw when it tried to unset the setting.
	if err := conf.SetStatus(ctx, settings.WorkspaceConf{"maxTokenLifetimeDays": "0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Create(ctx, settings.CreateTokenRequest{LifetimeSeconds: 8 * 86400}); err != nil {
		t.Errorf("after lifting the maximum: %v", err)
	}
	if got, err := conf.GetStatus(ctx, settings.GetStatusRequest{Keys: "maxTokenLifetimeDays"}); err != nil || (*got)["maxTokenLifetimeDays"] != "0" {
		t.Errorf("maxTokenLifetimeDays after setting 0 = %v, %v", got, err)
	}

	for _, c := range []struct {
		conf      settings.WorkspaceConf
		code, msg string
	}{
		{settings.WorkspaceConf{"maxTokenLifetimeDays": ""}, "INVALID_REQUEST", `Some values are not allowed: {"maxTokenLifetimeDays":""}`},
		{settings.WorkspaceConf{"maxTokenLifetimeDays": "731"}, "INVALID_REQUEST", `Some values are not allowed: {"maxTokenLifetimeDays":"731"}`},
		{settings.WorkspaceConf{"maxTokenLifetimeDays": "ninety", "enableTokensConfig": "yes"}, "INVALID_REQUEST",
			`Some values are not allowed: {"enableTokensConfig":"yes","maxTokenLifetimeDays":"ninety"}`},
		{settings.WorkspaceConf{"enableIpAccessLists": ""}, "INVALID_REQUEST", `Some values are not allowed: {"enableIpAccessLists":""}`},
		// Unknown keys are reported, all of them, before any value.
		{settings.WorkspaceConf{"noSuchKey": "true", "otherKey": "x", "maxTokenLifetimeDays": ""}, "INVALID_PARAMETER_VALUE", `Invalid keys: ["noSuchKey","otherKey"]`},
	} {
		err := conf.SetStatus(ctx, c.conf)
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.ErrorCode != c.code || apiErr.Message != c.msg {
			t.Errorf("SetStatus(%v): %v, want 400 %s %q", c.conf, err, c.code, c.msg)
		}
	}
	if v := srv.WorkspaceConf()["maxTokenLifetimeDays"]; v != "0" {
		t.Errorf("a refused SetStatus changed maxTokenLifetimeDays to %q", v)
	}
	_, err = conf.GetStatus(ctx, settings.GetStatusRequest{Keys: "noSuchKey,enableTokensConfig,otherKey"})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != "INVALID_PARAMETER_VALUE" || apiErr.Message != `Invalid keys: ["noSuchKey","otherKey"]` {
		t.Errorf("GetStatus of unknown keys: %v", err)
	}

	// Booleans take any case and keep it; the workspace reads them
	// regardless of case.
	if err := conf.SetStatus(ctx, settings.WorkspaceConf{"enableIpAccessLists": "TRue"}); err != nil {
		t.Fatal(err)
	}
	if got, err := conf.GetStatus(ctx, settings.GetStatusRequest{Keys: "enableIpAccessLists"}); err != nil || (*got)["enableIpAccessLists"] != "TRue" {
		t.Errorf("enableIpAccessLists = %v, %v", got, err)
	}
	if err := conf.SetStatus(ctx, settings.WorkspaceConf{"enableTokensConfig": "FALSE"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.ListAll(ctx); !errors.As(err, &apiErr) || apiErr.StatusCode != 403 {
		t.Errorf("PAT with enableTokensConfig FALSE: %v", err)
	}
	if err := srv.SetWorkspaceConf(map[string]string{"enableTokensConfig": "True"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.ListAll(ctx); err != nil {
		t.Errorf("PAT with enableTokensConfig True: %v", err)
	}
	// Only admins change settings; anyone reads them.
	bobConf := settings.NewWorkspaceConf(sdkClient(t, srv, bobToken))
	if err := bobConf.SetStatus(ctx, settings.WorkspaceConf{"maxTokenLifetimeDays": "1"}); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("non-admin SetStatus: %v", err)
	}
	if _, err := bobConf.GetStatus(ctx, settings.GetStatusRequest{Keys: "enableTokensConfig"}); err != nil {
		t.Errorf("non-admin GetStatus: %v", err)
	}

	// Disabling tokens stops every PAT, the admin's own included, and
	// creation; OAuth still works, so an admin signed in that way can turn
	// tokens back on, and the old tokens work again.
	if err := conf.SetStatus(ctx, settings.WorkspaceConf{"enableTokensConfig": "false"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.ListAll(ctx); !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Message != "Personal access tokens are disabled for this workspace." {
		t.Errorf("PAT with tokens disabled: %v", err)
	}
	carolTokens := settings.NewTokens(sdkClient(t, srv, "oauth-carol"))
	if _, err := carolTokens.Create(ctx, settings.CreateTokenRequest{}); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("create with tokens disabled: %v", err)
	}
	carolConf := settings.NewWorkspaceConf(sdkClient(t, srv, "oauth-carol"))
	if err := carolConf.SetStatus(ctx, settings.WorkspaceConf{"enableTokensConfig": "true"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.ListAll(ctx); err != nil {
		t.Errorf("PAT after re-enabling tokens: %v", err)
	}
}

func TestWorkspaceConfFromOptions(t *testing.T) {
	srv := start(t, Options{MaxLifetime: 90 * 24 * time.Hour, TokensDisabled: true,
		Users: append(testUsers(), User{Name: "carol", Token: "oauth-carol", OAuth: true})})
	ctx := context.Background()
	got, err := settings.NewWorkspaceConf(sdkClient(t, srv, "oauth-carol")).GetStatus(ctx, settings.GetStatusRequest{Keys: "maxTokenLifetimeDays,enableTokensConfig"})
	if err != nil {
		t.Fatal(err)
	}
	if (*got)["maxTokenLifetimeDays"] != "90" || (*got)["enableTokensConfig"] != "false" {
		t.Errorf("settings from options = %v", *got)
	}
	if err := srv.SetWorkspaceConf(map[string]string{"enableTokensConfig": "true", "maxTokenLifetimeDays": "bad"}); err == nil {
		t.Error("SetWorkspaceConf accepted a bad value")
	}
	if srv.WorkspaceConf()["enableTokensConfig"] != "false" {
		t.Error("a refused SetWorkspaceConf changed a setting")
	}
}
