package emulator

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// databricksCLISkip says why TestOfficialDatabricksCLI did not run and how
// to run it.
const databricksCLISkip = "the official Databricks CLI (databricks, github.com/databricks/cli) is not on PATH. " +
	"It is neither a Debian package nor a Go module this machine can install, so CI skips this test. " +
	"To run it, install the CLI or build it from its source with Go (v1.13.0 was verified; see README, \"The emulator\"), " +
	"then: DBTOK_DATABRICKS_CLI=/path/to/databricks go test ./internal/emulator -run TestOfficialDatabricksCLI -v"

// TestOfficialDatabricksCLI runs the official Databricks CLI, an
// independently written client, against the emulator: it must work as
// against a workspace. Set DBTOK_DATABRICKS_CLI to the binary, or put
// databricks on PATH. Unlike the shells and jq, CI cannot install it, so
// DBTOK_TEST_REQUIRE_ALL does not make it required: it is run by hand
// when the emulator changes (see README, "The emulator"). It covers the
// commands a user of tokens runs, each checked against what the API
// reference and the SDK's models say the workspace answers.
func TestOfficialDatabricksCLI(t *testing.T) {
	bin := os.Getenv("DBTOK_DATABRICKS_CLI")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("databricks"); err != nil {
			t.Skip(databricksCLISkip)
		}
	}
	const appID = "6f1c0f5e-1111-2222-3333-444455556666"
	srv := start(t, Options{ServicePrincipals: []ServicePrincipal{{ApplicationID: appID, DisplayName: "CI bot"}}, Now: time.Now})
	home := t.TempDir()
	type opts struct {
		token string // default: alice, an admin
		stdin string
	}
	runWith := func(o opts, wantOK bool, args ...string) (string, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = []string{
			"HOME=" + home,
			"PATH=" + os.Getenv("PATH"),
			"DATABRICKS_HOST=" + srv.URL,
			"DATABRICKS_TOKEN=" + cmp.Or(o.token, aliceToken),
			"DATABRICKS_CONFIG_FILE=" + filepath.Join(home, "no-such-databrickscfg"),
		}
		cmd.Stdin = strings.NewReader(o.stdin)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if (err == nil) != wantOK {
			t.Fatalf("databricks %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	run := func(wantOK bool, args ...string) (string, string) {
		t.Helper()
		return runWith(opts{}, wantOK, args...)
	}
	// fails runs a command that must fail with "Error: " and want.
	fails := func(want string, args ...string) {
		t.Helper()
		_, stderr := run(false, args...)
		if !strings.Contains(stderr, "Error: "+want) {
			t.Errorf("databricks %s: stderr %q, want Error: %s", strings.Join(args, " "), stderr, want)
		}
	}
	decodeOut := func(s string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(s), v); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, s)
		}
	}

	version, _ := run(true, "--version")
	if !strings.HasPrefix(version, "Databricks CLI v") {
		t.Errorf("--version = %q", version)
	}
	t.Logf("running %s", strings.TrimSpace(version))

	// Who the CLI signs in as.
	out, _ := run(true, "auth", "describe")
	if !strings.Contains(out, "User: alice") || !strings.Contains(out, "Authenticated with: pat") || !strings.Contains(out, "workspace_id: "+WorkspaceID) {
		t.Errorf("auth describe = %s", out)
	}
	out, _ = run(true, "current-user", "me", "-o", "json")
	var me scimUser
	decodeOut(out, &me)
	if me.UserName != "alice" || len(me.Groups) != 1 || me.Groups[0].Display != "admins" {
		t.Errorf("current-user me = %s", out)
	}

	// The Token API.
	out, _ = run(true, "tokens", "create", "--comment", "from the CLI", "--lifetime-seconds", "3600", "-o", "json")
	var created createResp
	decodeOut(out, &created)
	if created.TokenInfo.TokenID != TokenID(created.TokenValue) || created.TokenInfo.Comment != "from the CLI" ||
		created.TokenInfo.ExpiryTime-created.TokenInfo.CreationTime != 3600_000 {
		t.Errorf("tokens create = %s", out)
	}
	out, _ = run(true, "tokens", "create", "--json", `{"comment": "scoped", "lifetime_seconds": 600, "scopes": ["sql", "authentication"]}`, "-o", "json")
	var scoped createResp
	decodeOut(out, &scoped)
	if !slices.Equal(scoped.TokenInfo.Scopes, []string{"sql", "authentication"}) {
		t.Errorf("tokens create with scopes = %s", out)
	}
	fails("requirement failed: Invalid timeout: -5", "tokens", "create", "--lifetime-seconds", "-5")
	out, _ = run(true, "tokens", "list", "-o", "json")
	var listed []TokenInfo
	decodeOut(out, &listed)
	if len(listed) != 3 || listed[1].TokenID != created.TokenInfo.TokenID || listed[0].ExpiryTime != -1 {
		t.Errorf("tokens list = %s", out)
	}
	// The text table: ID, raw expiry and comment.
	if out, _ = run(true, "tokens", "list"); !strings.Contains(out, created.TokenInfo.TokenID) || !strings.Contains(out, "from the CLI") {
		t.Errorf("tokens list (text) = %s", out)
	}
	// Update answers {}; only comment and scopes can change.
	if out, _ = run(true, "tokens", "update", scoped.TokenInfo.TokenID, "--json", `{"token": {"comment": "renamed", "scopes": ["sql"]}, "update_mask": "comment,scopes"}`, "-o", "json"); strings.TrimSpace(out) != "{}" {
		t.Errorf("tokens update = %s", out)
	}
	if r := findRecord(t, srv, scoped.TokenInfo.TokenID); r.Comment != "renamed" || !slices.Equal(r.Scopes, []string{"sql"}) {
		t.Errorf("after tokens update: %+v", r)
	}
	fails("No valid token with ID nope found.", "tokens", "update", "nope", "--json", `{"token": {"comment": "x"}, "update_mask": "comment"}`)
	fails(`Invalid update_mask "expiry_time"`, "tokens", "update", scoped.TokenInfo.TokenID, "--json", `{"token": {"comment": "x"}, "update_mask": "expiry_time"}`)
	if out, _ = run(true, "tokens", "delete", created.TokenInfo.TokenID); out != "" {
		t.Errorf("tokens delete printed %q", out)
	}
	if rec := findRecord(t, srv, created.TokenInfo.TokenID); !rec.Revoked {
		t.Error("tokens delete did not revoke")
	}
	fails("No valid token with ID "+created.TokenInfo.TokenID+" found.", "tokens", "delete", created.TokenInfo.TokenID)

	// Token management, for admins.
	out, _ = run(true, "token-management", "create-obo-token", appID, "--comment", "etl", "--lifetime-seconds", "600", "-o", "json")
	var obo createResp
	decodeOut(out, &obo)
	spID, _ := srv.PrincipalID(appID)
	if obo.TokenInfo.OwnerID != spID || obo.TokenInfo.CreatedByUsername != "alice" || obo.TokenInfo.WorkspaceID != workspaceID {
		t.Errorf("create-obo-token = %s", out)
	}
	fails("Service principal with application ID 00000000-0000-0000-0000-000000000000 does not exist in this workspace.", "token-management", "create-obo-token", "00000000-0000-0000-0000-000000000000")
	out, _ = run(true, "token-management", "list", "-o", "json")
	decodeOut(out, &listed)
	if len(listed) != 4 { // alice's two, bob's bootstrap token and the OBO token
		t.Errorf("token-management list = %s", out)
	}
	out, _ = run(true, "token-management", "list", "--created-by-username", "bob", "-o", "json")
	decodeOut(out, &listed)
	if len(listed) != 1 || listed[0].CreatedByUsername != "bob" {
		t.Errorf("token-management list --created-by-username bob = %s", out)
	}
	bobID, _ := srv.PrincipalID("bob")
	out, _ = run(true, "token-management", "list", "--created-by-id", fmtID(bobID), "-o", "json")
	decodeOut(out, &listed)
	if len(listed) != 1 || listed[0].CreatedByID != bobID {
		t.Errorf("token-management list --created-by-id = %s", out)
	}
	out, _ = run(true, "token-management", "get", obo.TokenInfo.TokenID, "-o", "json")
	var got struct {
		TokenInfo TokenInfo `json:"token_info"`
	}
	decodeOut(out, &got)
	if got.TokenInfo.Comment != "etl" || got.TokenInfo.WorkspaceID != workspaceID || got.TokenInfo.OwnerID != spID {
		t.Errorf("token-management get = %s", out)
	}
	// The admin update answers with the updated TokenInfo.
	out, _ = run(true, "token-management", "update-token-management", obo.TokenInfo.TokenID, "--json", `{"token": {"comment": "etl v2"}, "update_mask": "comment"}`, "-o", "json")
	var updated TokenInfo
	decodeOut(out, &updated)
	if updated.TokenID != obo.TokenInfo.TokenID || updated.Comment != "etl v2" || updated.OwnerID != spID {
		t.Errorf("update-token-management = %s", out)
	}
	run(true, "token-management", "delete", obo.TokenInfo.TokenID)
	fails("No valid token with ID "+obo.TokenInfo.TokenID+" found.", "token-management", "get", obo.TokenInfo.TokenID)
	fails("No valid token with ID nope found.", "token-management", "delete", "nope")
	// Non-admins are refused.
	if _, stderr := runWith(opts{token: bobToken}, false, "token-management", "list"); !strings.Contains(stderr, "Only admins can access token management APIs") {
		t.Errorf("token-management list as bob: %s", stderr)
	}

	// Workspace settings: string values, "0" for no maximum, "" refused,
	// unknown keys named as a JSON array.
	run(true, "workspace-conf", "set-status", "--json", `{"maxTokenLifetimeDays": "30"}`)
	if v := srv.WorkspaceConf()["maxTokenLifetimeDays"]; v != "30" {
		t.Errorf("server maxTokenLifetimeDays = %q", v)
	}
	out, _ = run(true, "workspace-conf", "get-status", "maxTokenLifetimeDays,enableTokensConfig", "-o", "json")
	var conf map[string]string
	decodeOut(out, &conf)
	if conf["maxTokenLifetimeDays"] != "30" || conf["enableTokensConfig"] != "true" {
		t.Errorf("get-status = %s", out)
	}
	fails("Token lifetime of 2678400 seconds exceeds the maximum token lifetime of 30 days (2592000 seconds) allowed in this workspace.",
		"tokens", "create", "--lifetime-seconds", "2678400")
	fails(`Some values are not allowed: {"maxTokenLifetimeDays":""}`, "workspace-conf", "set-status", "--json", `{"maxTokenLifetimeDays": ""}`)
	fails(`Invalid keys: ["noSuchKey"]`, "workspace-conf", "get-status", "noSuchKey,maxTokenLifetimeDays")
	fails(`Invalid keys: ["noSuchKey"]`, "workspace-conf", "set-status", "--json", `{"noSuchKey": "true"}`)
	run(true, "workspace-conf", "set-status", "--json", `{"maxTokenLifetimeDays": "0"}`)
	run(true, "tokens", "create", "--lifetime-seconds", "2678400")

	// Who may use tokens.
	out, _ = run(true, "permissions", "get", "authorization", "tokens", "-o", "json")
	var perms objectPermissions
	decodeOut(out, &perms)
	if perms.ObjectID != "/authorization/tokens" || perms.ObjectType != "tokens" || len(perms.AccessControlList) != 2 {
		t.Errorf("permissions get = %s", out)
	}
	if out2, _ := run(true, "token-management", "get-permissions", "-o", "json"); out2 != out {
		t.Errorf("token-management get-permissions = %s, want %s", out2, out)
	}
	for _, args := range [][]string{{"token-management", "get-permission-levels"}, {"permissions", "get-permission-levels", "authorization", "tokens"}} {
		out, _ = run(true, append(args, "-o", "json")...)
		var levels struct {
			PermissionLevels []struct {
				PermissionLevel string `json:"permission_level"`
			} `json:"permission_levels"`
		}
		decodeOut(out, &levels)
		if len(levels.PermissionLevels) != 2 || levels.PermissionLevels[0].PermissionLevel != "CAN_USE" || levels.PermissionLevels[1].PermissionLevel != "CAN_MANAGE" {
			t.Errorf("%s = %s", strings.Join(args, " "), out)
		}
	}
	out, _ = run(true, "permissions", "update", "authorization", "tokens", "--json",
		`{"access_control_list": [{"service_principal_name": "`+appID+`", "permission_level": "CAN_USE"}]}`, "-o", "json")
	decodeOut(out, &perms)
	if len(perms.AccessControlList) != 3 || perms.AccessControlList[2].ServicePrincipalName != appID || perms.AccessControlList[2].DisplayName != "CI bot" {
		t.Errorf("permissions update = %s", out)
	}
	fails("Only admins can be given CAN_MANAGE permission on tokens", "permissions", "update", "authorization", "tokens", "--json",
		`{"access_control_list": [{"group_name": "users", "permission_level": "CAN_MANAGE"}]}`)
	fails("Principal: UserName(ghost) does not exist", "permissions", "update", "authorization", "tokens", "--json",
		`{"access_control_list": [{"user_name": "ghost", "permission_level": "CAN_USE"}]}`)
	// set replaces the list: bob, in users only, loses the permission and
	// with it his tokens.
	out, _ = run(true, "permissions", "set", "authorization", "tokens", "--json",
		`{"access_control_list": [{"service_principal_name": "`+appID+`", "permission_level": "CAN_USE"}]}`, "-o", "json")
	decodeOut(out, &perms)
	if len(perms.AccessControlList) != 2 || srv.TokenPermissionsAllow("bob") {
		t.Errorf("permissions set = %s", out)
	}
	if _, stderr := runWith(opts{token: bobToken}, false, "tokens", "list"); !strings.Contains(stderr, "Invalid access token.") {
		t.Errorf("bob's token after losing the permission: %s", stderr)
	}
	run(true, "permissions", "update", "authorization", "tokens", "--json", `{"access_control_list": [{"group_name": "users", "permission_level": "CAN_USE"}]}`)

	// Secrets, where dbtok delivers tokens.
	run(true, "secrets", "create-scope", "ci")
	run(true, "secrets", "put-secret", "ci", "DATABRICKS_TOKEN", "--string-value", "dapi-secret")
	if v, ok := srv.Secret("ci", "DATABRICKS_TOKEN"); !ok || string(v) != "dapi-secret" {
		t.Errorf("stored secret = %q, %v", v, ok)
	}
	// From standard input the CLI sends the bytes, base64-encoded.
	runWith(opts{stdin: "multi\nline"}, true, "secrets", "put-secret", "ci", "PEM")
	if v, ok := srv.Secret("ci", "PEM"); !ok || string(v) != "multi\nline" {
		t.Errorf("secret from stdin = %q, %v", v, ok)
	}
	out, _ = run(true, "secrets", "list-secrets", "ci", "-o", "json")
	var secrets []struct {
		Key                  string `json:"key"`
		LastUpdatedTimestamp int64  `json:"last_updated_timestamp"`
	}
	decodeOut(out, &secrets)
	if len(secrets) != 2 || secrets[0].Key != "DATABRICKS_TOKEN" || secrets[0].LastUpdatedTimestamp == 0 {
		t.Errorf("list-secrets = %s", out)
	}
	out, _ = run(true, "secrets", "list-scopes", "-o", "json")
	if !strings.Contains(out, `"name": "ci"`) || !strings.Contains(out, `"backend_type": "DATABRICKS"`) {
		t.Errorf("list-scopes = %s", out)
	}
	fails("Scope ci already exists!", "secrets", "create-scope", "ci")
	fails("Scope nope does not exist!", "secrets", "list-secrets", "nope")
	fails("Scope nope does not exist!", "secrets", "put-secret", "nope", "k", "--string-value", "x")

	// Service principals and users (SCIM), paged by the CLI.
	out, _ = run(true, "service-principals", "list", "-o", "json")
	var sps []scimSP
	decodeOut(out, &sps)
	if len(sps) != 1 || sps[0].ApplicationID != appID || sps[0].DisplayName != "CI bot" || sps[0].ID != fmtID(spID) {
		t.Errorf("service-principals list = %s", out)
	}
	out, _ = run(true, "service-principals", "create", "--display-name", "deployer", "-o", "json")
	var sp scimSP
	decodeOut(out, &sp)
	if sp.DisplayName != "deployer" || sp.ApplicationID == "" || !sp.Active {
		t.Errorf("service-principals create = %s", out)
	}
	out, _ = run(true, "service-principals", "get", sp.ID, "-o", "json")
	var gotSP scimSP
	decodeOut(out, &gotSP)
	if gotSP.ApplicationID != sp.ApplicationID {
		t.Errorf("service-principals get = %s", out)
	}
	out, _ = run(true, "service-principals", "list", "--filter", `displayName eq "deployer"`, "--count", "1", "-o", "json")
	decodeOut(out, &sps)
	if len(sps) != 1 || sps[0].ID != sp.ID {
		t.Errorf("service-principals list --filter = %s", out)
	}
	// A conflict reads as the bare sentence (no scimType before it).
	fails("Service principal with application ID "+appID+" already exists.", "service-principals", "create", "--application-id", appID)
	fails("Service principal with id 999 not found.", "service-principals", "get", "999")
	// --count 1 makes the CLI page through every user, one request each,
	// until a page comes back empty.
	srv.ResetRequests()
	out, _ = run(true, "users", "list", "--count", "1", "-o", "json")
	var users []scimUser
	decodeOut(out, &users)
	names := []string{}
	for _, u := range users {
		names = append(names, u.UserName)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"alice", "bob"}) {
		t.Errorf("users list = %s", out)
	}
	pages := 0
	for _, r := range srv.Requests() {
		if r.Path == scimBase+"/Users" && strings.Contains(r.RawQuery, "count=1&") {
			pages++
		}
	}
	if pages != 3 {
		t.Errorf("users list --count 1 made %d requests, want 3 (two users and an empty page)", pages)
	}
	out, _ = run(true, "users", "list", "--filter", `userName eq "bob"`, "-o", "json")
	decodeOut(out, &users)
	if len(users) != 1 || users[0].ID != fmtID(bobID) {
		t.Errorf("users list --filter = %s", out)
	}
	out, _ = run(true, "users", "get", fmtID(bobID), "-o", "json")
	decodeOut(out, &me)
	if me.UserName != "bob" {
		t.Errorf("users get = %s", out)
	}
}
