package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/settings"
	"github.com/databricks/databricks-sdk-go/service/workspace"
)

func TestStateRoundTrip(t *testing.T) {
	srv := start(t, Options{
		Users:             append(testUsers(), User{Name: "carol", Token: "oauth-carol", OAuth: true, Groups: []string{"eng"}}),
		ServicePrincipals: []ServicePrincipal{{ApplicationID: "app-1", DisplayName: "CI"}},
		MaxLifetime:       30 * 24 * time.Hour,
	})
	ctx := context.Background()
	alice := sdkClient(t, srv, aliceToken)
	if _, err := settings.NewTokens(alice).Create(ctx, settings.CreateTokenRequest{Comment: "scoped", Scopes: []string{"sql"}, LifetimeSeconds: 3600}); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.NewTokenManagement(alice).CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: "app-1", Comment: "obo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.NewTokenManagement(alice).UpdatePermissions(ctx, settings.TokenPermissionsRequest{AccessControlList: []settings.TokenAccessControlRequest{{GroupName: "eng", PermissionLevel: "CAN_USE"}}}); err != nil {
		t.Fatal(err)
	}
	secrets := workspace.NewSecrets(alice)
	if err := secrets.CreateScope(ctx, workspace.CreateScope{Scope: "ci"}); err != nil {
		t.Fatal(err)
	}
	if err := secrets.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "k", StringValue: "v"}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(2 * time.Hour) // the scoped token expires and stays

	// The dump travels as JSON, through the control endpoint.
	status, b := send(t, srv, "", "GET", "/__emulator/dump", "")
	if status != http.StatusOK {
		t.Fatalf("dump: %d %s", status, b)
	}
	var st State
	if err := decodeStrict(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.Now != fixedNow.Add(2*time.Hour).UnixMilli() || st.Settings["maxTokenLifetimeDays"] != "30" || len(st.Tokens) != 4 || len(st.Users) != 3 || len(st.ServicePrincipals) != 1 {
		t.Fatalf("dump = %s", b)
	}

	// A new emulator loaded from it serves the same workspace.
	replay := start(t, Options{Users: []User{}, State: &st, Now: time.Now})
	if got := replay.Now(); !got.Truncate(time.Millisecond).Equal(fixedNow.Add(2*time.Hour)) && got.Sub(fixedNow.Add(2*time.Hour)) > time.Minute {
		t.Errorf("replayed clock starts at %v", got)
	}
	before, after := srv.AllTokens(), replay.AllTokens()
	if len(after) != 4 {
		t.Fatalf("replay holds %d tokens", len(after))
	}
	for i := range after {
		b, a := before[i], after[i]
		a.TokenInfo.LastUsedDay, b.TokenInfo.LastUsedDay = 0, 0
		if !reflect.DeepEqual(a.TokenInfo, b.TokenInfo) || a.Owner != b.Owner || a.CreatedBy != b.CreatedBy || a.Bootstrap != b.Bootstrap {
			t.Errorf("token %d:\nbefore %+v\nafter  %+v", i, b, a)
		}
	}
	if v, ok := replay.Secret("ci", "k"); !ok || string(v) != "v" {
		t.Errorf("replayed secret = %q, %v", v, ok)
	}
	if len(st.TokenPermissions) != 2 || !replay.TokenPermissionsAllow("carol") || !replay.TokenPermissionsAllow("bob") {
		t.Errorf("replayed token permissions differ: %+v", st.TokenPermissions)
	}
	if replay.WorkspaceConf()["maxTokenLifetimeDays"] != "30" {
		t.Errorf("replayed settings = %v", replay.WorkspaceConf())
	}
	// Credentials still work: alice's bootstrap PAT and carol's OAuth token.
	for _, v := range []string{aliceToken, "oauth-carol"} {
		if status, b := send(t, replay, v, "GET", "/api/2.0/preview/scim/v2/Me", ""); status != http.StatusOK {
			t.Errorf("%s after replay: %d %s", v[:5], status, b)
		}
	}
	// Dumping the replay gives the same document, but for the clock.
	again := replay.Dump()
	again.Now, st.Now = 0, 0
	for i := range again.Tokens {
		again.Tokens[i].LastUsed, st.Tokens[i].LastUsed = 0, 0
	}
	x, _ := json.Marshal(again)
	y, _ := json.Marshal(st)
	if string(x) != string(y) {
		t.Errorf("second dump differs:\n%s\n%s", x, y)
	}
}

func TestStateFileAndErrors(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "state.json")
	st := &State{
		Users:  []StateUser{{Name: "zoe", Admin: true}},
		Tokens: []StateToken{{Owner: "zoe", Value: "dapizzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", Comment: "old", CreationTime: fixedNow.Add(-24 * time.Hour).UnixMilli(), ExpiryTime: -1, LastUsed: fixedNow.Add(-time.Hour).UnixMilli(), Scopes: []string{"all-apis"}}},
	}
	if err := WriteStateFile(name, st); err != nil {
		t.Fatal(err)
	}
	read, err := ReadStateFile(name)
	if err != nil || !reflect.DeepEqual(read, st) {
		t.Fatalf("ReadStateFile = %+v, %v", read, err)
	}
	srv := start(t, Options{Users: []User{}, State: read})
	infos := srv.ListedTokens("zoe")
	if len(infos) != 1 || infos[0].TokenID != TokenID("dapizzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz") || infos[0].LastUsedDay != dayStart(fixedNow.Add(-time.Hour)).UnixMilli() || !slices.Equal(infos[0].Scopes, []string{"all-apis"}) {
		t.Errorf("loaded token = %+v", infos)
	}

	for _, bad := range []*State{
		{Tokens: []StateToken{{Owner: "nobody"}}},
		{Users: []StateUser{{Name: "a"}, {Name: "a"}}},
		{Settings: map[string]string{"maxTokenLifetimeDays": "x"}},
		{Users: []StateUser{{Name: "a"}}, Tokens: []StateToken{{Owner: "a", Scopes: []string{"bogus"}}}},
		{TokenPermissions: []TokenPermission{{UserName: "ghost", PermissionLevel: "CAN_USE"}}},
		{SecretScopes: []StateSecretScope{{Name: "s", Creator: "ghost"}}},
	} {
		if s, err := Start(Options{State: bad}); err == nil {
			s.Close()
			t.Errorf("state %+v accepted", bad)
		}
	}
}

func TestBulkUsersAndTokens(t *testing.T) {
	srv := start(t, Options{Users: []User{}, BulkUsers: 500})
	if status, b := send(t, srv, BulkUserToken(500), "GET", "/api/2.0/token/list", ""); status != http.StatusOK {
		t.Fatalf("user500: %d %s", status, b)
	}
	if BulkUserToken(7) != "dapi00000000000000000000000000000007" || BulkUserName(7) != "user7" {
		t.Errorf("bulk naming: %s %s", BulkUserName(7), BulkUserToken(7))
	}

	const n = 100_000
	begin := time.Now()
	if err := srv.SeedBulk("user1", n, "bulk", 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d tokens in %v", n, time.Since(begin))
	if len(srv.IssuedValues()) != 500 {
		t.Errorf("bulk values recorded as issued: %d", len(srv.IssuedValues()))
	}
	begin = time.Now()
	status, b := send(t, srv, BulkUserToken(1), "GET", "/api/2.0/token/list", "")
	if status != http.StatusOK {
		t.Fatalf("list: %d", status)
	}
	t.Logf("listed %d tokens (%d bytes) in %v", n+1, len(b), time.Since(begin))
	var resp listResponse
	if err := json.Unmarshal(b, &resp); err != nil || len(resp.TokenInfos) != n+1 {
		t.Fatalf("decoded %d tokens, %v", len(resp.TokenInfos), err)
	}
	if first := resp.TokenInfos[0]; first.Comment != "bulk 1" || first.CreationTime != fixedNow.Add(-(n-1)*time.Second).UnixMilli() {
		t.Errorf("oldest token = %+v", first)
	}
	if !slices.IsSortedFunc(resp.TokenInfos, func(a, b TokenInfo) int { return int(a.CreationTime - b.CreationTime) }) {
		t.Error("bulk list not in creation order")
	}
}

// An ACL emptied by an admin survives a dump and a replay: only an absent
// token_permissions means the default.
func TestStateKeepsAnEmptyTokenACL(t *testing.T) {
	srv := start(t, Options{})
	if err := srv.RevokeTokenPermission(TokenPermission{GroupName: "users"}); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(srv.Dump())
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := decodeStrict(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.TokenPermissions == nil {
		t.Fatalf("dump lost the empty ACL: %s", b)
	}
	replay := start(t, Options{Users: []User{}, State: &st})
	if replay.TokenPermissionsAllow("bob") || !replay.TokenPermissionsAllow("alice") {
		t.Error("replay restored the default ACL")
	}
}
