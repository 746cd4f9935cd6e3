package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOfficialDatabricksCLI runs the official Databricks CLI, an
// independently written client, against the emulator: it must work as
// against a workspace. Set DBTOK_DATABRICKS_CLI to the binary, or put
// databricks on PATH. Unlike the shells and jq, CI cannot install it (it
// is neither a Debian package nor served by the Go module proxy), so
// DBTOK_TEST_REQUIRE_ALL does not make it required: it is run by hand
// when the emulator changes (see README, "The emulator").
func TestOfficialDatabricksCLI(t *testing.T) {
	bin := os.Getenv("DBTOK_DATABRICKS_CLI")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("databricks"); err != nil {
			t.Skip("the official Databricks CLI (databricks, github.com/databricks/cli) is not on PATH; set DBTOK_DATABRICKS_CLI to run this test")
		}
	}
	const appID = "6f1c0f5e-1111-2222-3333-444455556666"
	srv := start(t, Options{ServicePrincipals: []ServicePrincipal{{ApplicationID: appID, DisplayName: "CI bot"}}, Now: time.Now})
	home := t.TempDir()
	run := func(wantOK bool, args ...string) (string, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = []string{
			"HOME=" + home,
			"PATH=" + os.Getenv("PATH"),
			"DATABRICKS_HOST=" + srv.URL,
			"DATABRICKS_TOKEN=" + aliceToken,
			"DATABRICKS_CONFIG_FILE=" + filepath.Join(home, "no-such-databrickscfg"),
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if (err == nil) != wantOK {
			t.Fatalf("databricks %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	decodeOut := func(s string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(s), v); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, s)
		}
	}

	out, _ := run(true, "tokens", "create", "--comment", "from the CLI", "--lifetime-seconds", "3600", "-o", "json")
	var created createResp
	decodeOut(out, &created)
	if created.TokenInfo.TokenID != TokenID(created.TokenValue) || created.TokenInfo.Comment != "from the CLI" {
		t.Errorf("tokens create = %s", out)
	}
	out, _ = run(true, "tokens", "list", "-o", "json")
	var listed []TokenInfo
	decodeOut(out, &listed)
	if len(listed) != 2 || listed[1].TokenID != created.TokenInfo.TokenID {
		t.Errorf("tokens list = %s", out)
	}
	run(true, "tokens", "delete", created.TokenInfo.TokenID)
	if rec := findRecord(t, srv, created.TokenInfo.TokenID); !rec.Revoked {
		t.Error("tokens delete did not revoke")
	}
	_, stderr := run(false, "tokens", "delete", created.TokenInfo.TokenID)
	if !strings.Contains(stderr, "No valid token with ID "+created.TokenInfo.TokenID+" found.") {
		t.Errorf("second delete: %s", stderr)
	}

	out, _ = run(true, "token-management", "create-obo-token", appID, "--comment", "etl", "--lifetime-seconds", "600", "-o", "json")
	var obo createResp
	decodeOut(out, &obo)
	spID, _ := srv.PrincipalID(appID)
	if obo.TokenInfo.OwnerID != spID || obo.TokenInfo.CreatedByUsername != "alice" {
		t.Errorf("create-obo-token = %s", out)
	}
	_, stderr = run(false, "token-management", "create-obo-token", "00000000-0000-0000-0000-000000000000")
	if !strings.Contains(stderr, "does not exist") {
		t.Errorf("create-obo-token for an unknown principal: %s", stderr)
	}
	out, _ = run(true, "token-management", "list", "-o", "json")
	decodeOut(out, &listed)
	if len(listed) != 3 {
		t.Errorf("token-management list = %s", out)
	}
	out, _ = run(true, "token-management", "get", obo.TokenInfo.TokenID, "-o", "json")
	var got struct {
		TokenInfo TokenInfo `json:"token_info"`
	}
	decodeOut(out, &got)
	if got.TokenInfo.Comment != "etl" || got.TokenInfo.WorkspaceID != workspaceID {
		t.Errorf("token-management get = %s", out)
	}

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
	_, stderr = run(false, "tokens", "create", "--lifetime-seconds", "2678400")
	if !strings.Contains(stderr, "exceeds the maximum token lifetime of 30 days") {
		t.Errorf("create over the maximum: %s", stderr)
	}

	out, _ = run(true, "permissions", "get", "authorization", "tokens", "-o", "json")
	var perms objectPermissions
	decodeOut(out, &perms)
	if perms.ObjectType != "tokens" || len(perms.AccessControlList) != 2 {
		t.Errorf("permissions get = %s", out)
	}
	out, _ = run(true, "token-management", "get-permission-levels", "-o", "json")
	if !strings.Contains(out, "CAN_USE") {
		t.Errorf("get-permission-levels = %s", out)
	}
	out, _ = run(true, "current-user", "me", "-o", "json")
	var me scimUser
	decodeOut(out, &me)
	if me.UserName != "alice" || len(me.Groups) != 1 || me.Groups[0].Display != "admins" {
		t.Errorf("current-user me = %s", out)
	}

	run(true, "secrets", "create-scope", "ci")
	run(true, "secrets", "put-secret", "ci", "DATABRICKS_TOKEN", "--string-value", "dapi-secret")
	if v, ok := srv.Secret("ci", "DATABRICKS_TOKEN"); !ok || string(v) != "dapi-secret" {
		t.Errorf("stored secret = %q, %v", v, ok)
	}
	out, _ = run(true, "secrets", "list-secrets", "ci", "-o", "json")
	if !strings.Contains(out, `"key": "DATABRICKS_TOKEN"`) && !strings.Contains(out, `"key":"DATABRICKS_TOKEN"`) {
		t.Errorf("list-secrets = %s", out)
	}
	_, stderr = run(false, "secrets", "create-scope", "ci")
	if !strings.Contains(stderr, "already exists") {
		t.Errorf("second create-scope: %s", stderr)
	}
}
