package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	valueRE   = regexp.MustCompile(`^dapi[0-9a-f]{32}$`)
	tokenIDRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func TestDiscovery(t *testing.T) {
	srv := start(t, Options{})
	status, b := send(t, srv, "", "GET", "/.well-known/databricks-config", "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, b)
	}
	got := decode[map[string]any](t, b)
	want := map[string]any{
		"oidc_endpoint": srv.URL + "/oidc",
		"workspace_id":  WorkspaceID,
		"cloud":         "AWS",
		"host_type":     "WORKSPACE_HOST",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}

func TestCreateDefaultLifetime(t *testing.T) {
	srv := start(t, Options{})
	status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token/create", `{"comment":"ci"}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, b)
	}
	// The plain Token API returns no token-management fields.
	raw := decode[map[string]json.RawMessage](t, b)
	for k := range decode[map[string]any](t, raw["token_info"]) {
		if !slices.Contains([]string{"token_id", "comment", "creation_time", "expiry_time"}, k) {
			t.Errorf("unexpected token_info field %q", k)
		}
	}

	got := decode[createResp](t, b)
	if !valueRE.MatchString(got.TokenValue) {
		t.Errorf("token_value %q is not dapi + 32 hex", got.TokenValue)
	}
	if !tokenIDRE.MatchString(got.TokenInfo.TokenID) {
		t.Errorf("token_id %q is not 64 hex", got.TokenInfo.TokenID)
	}
	if got.TokenInfo.Comment != "ci" {
		t.Errorf("comment = %q", got.TokenInfo.Comment)
	}
	if got.TokenInfo.CreationTime != fixedNow.UnixMilli() {
		t.Errorf("creation_time = %d, want %d", got.TokenInfo.CreationTime, fixedNow.UnixMilli())
	}
	if want := fixedNow.Add(DefaultDefaultLifetime).UnixMilli(); got.TokenInfo.ExpiryTime != want {
		t.Errorf("expiry_time = %d, want %d", got.TokenInfo.ExpiryTime, want)
	}
}

func TestCreateLifetimes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       Options
		body       string
		wantExpiry int64
	}{
		{"explicit", Options{}, `{"lifetime_seconds":3600}`, fixedNow.Add(time.Hour).UnixMilli()},
		{"exactly max", Options{MaxLifetime: 2 * time.Hour}, `{"lifetime_seconds":7200}`, fixedNow.Add(2 * time.Hour).UnixMilli()},
		{"default never expires", Options{DefaultLifetime: -1}, `{}`, -1},
		{"default capped at max", Options{MaxLifetime: time.Hour, DefaultLifetime: 2 * time.Hour}, ``, fixedNow.Add(time.Hour).UnixMilli()},
		{"null lifetime is absent", Options{DefaultLifetime: 24 * time.Hour}, `{"lifetime_seconds":null}`, fixedNow.Add(24 * time.Hour).UnixMilli()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, tc.opts)
			got := create(t, srv, aliceToken, tc.body)
			if got.TokenInfo.ExpiryTime != tc.wantExpiry {
				t.Errorf("expiry_time = %d, want %d", got.TokenInfo.ExpiryTime, tc.wantExpiry)
			}
		})
	}
}

func TestCreateRejectsBadLifetimes(t *testing.T) {
	srv := start(t, Options{MaxLifetime: 90 * 24 * time.Hour})
	for _, tc := range []struct {
		body, wantMsg string
	}{
		{`{"lifetime_seconds":0}`, "requirement failed: Invalid timeout: 0"},
		{`{"lifetime_seconds":-5}`, "requirement failed: Invalid timeout: -5"},
		{`{"lifetime_seconds":7776001}`, "exceeds the maximum token lifetime of 90 days"},
		{`{"lifetime_seconds":99999999999999}`, "exceeds the maximum"},
	} {
		status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token/create", tc.body)
		eb := wantError(t, status, b, http.StatusBadRequest, "INVALID_PARAMETER_VALUE")
		if !strings.Contains(eb.Message, tc.wantMsg) {
			t.Errorf("%s: message %q does not contain %q", tc.body, eb.Message, tc.wantMsg)
		}
	}
	if n := len(srv.Tokens("alice")); n != 1 {
		t.Errorf("alice has %d tokens after rejected creates, want only the bootstrap token", n)
	}
}

func TestMalformedBody(t *testing.T) {
	srv := start(t, Options{})
	for _, body := range []string{`{"lifetime_seconds":`, `{"lifetime_seconds":"1h"}`, `[]`, `{"comment": 7}`} {
		status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token/create", body)
		eb := wantError(t, status, b, http.StatusBadRequest, "MALFORMED_REQUEST")
		if strings.Contains(eb.Message, "Go ") {
			t.Errorf("%s: message mentions Go types: %q", body, eb.Message)
		}
	}
	status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", `{"token_id":`)
	wantError(t, status, b, http.StatusBadRequest, "MALFORMED_REQUEST")
}

func TestQuota(t *testing.T) {
	srv := start(t, Options{Quota: 3})
	// The bootstrap token is the first of the three.
	first := create(t, srv, aliceToken, `{}`)
	create(t, srv, aliceToken, `{}`)
	status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token/create", `{}`)
	eb := wantError(t, status, b, http.StatusBadRequest, "QUOTA_EXCEEDED")
	if !strings.Contains(eb.Message, "3") {
		t.Errorf("quota message %q does not name the limit", eb.Message)
	}
	// Quotas are per user.
	create(t, srv, bobToken, `{}`)

	status, b = send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", fmt.Sprintf(`{"token_id":%q}`, first.TokenInfo.TokenID))
	if status != http.StatusOK {
		t.Fatalf("delete: %d %s", status, b)
	}

	// Expired tokens still count until they are deleted: the workspace
	// holds them.
	short := create(t, srv, aliceToken, `{"lifetime_seconds":60}`)
	srv.Advance(time.Minute)
	if got, held := len(srv.Tokens("alice")), len(srv.ListedTokens("alice")); got != 2 || held != 3 {
		t.Fatalf("after expiry alice has %d live and %d listed tokens, want 2 and 3", got, held)
	}
	status, b = send(t, srv, aliceToken, "POST", "/api/2.0/token/create", `{}`)
	wantError(t, status, b, http.StatusBadRequest, "QUOTA_EXCEEDED")
	if status, b := send(t, srv, aliceToken, "DELETE", "/api/2.0/token-management/tokens/"+short.TokenInfo.TokenID, ""); status != http.StatusOK {
		t.Fatalf("admin delete of an expired token: %d %s", status, b)
	}
	create(t, srv, aliceToken, `{}`)
}

func TestListShowsOnlyCallersLiveTokensInOrder(t *testing.T) {
	srv := start(t, Options{})
	a1 := create(t, srv, aliceToken, `{"comment":"a1"}`)
	b1 := create(t, srv, bobToken, `{"comment":"b1"}`)
	srv.Advance(time.Second)
	a2 := create(t, srv, aliceToken, `{"comment":"a2","lifetime_seconds":60}`)

	got := list(t, srv, aliceToken)
	if len(got) != 3 || got[0].Comment != BootstrapComment || !reflect.DeepEqual(got[1], a1.TokenInfo) || !reflect.DeepEqual(got[2], a2.TokenInfo) {
		t.Fatalf("alice's list = %+v", got)
	}
	if got[0].ExpiryTime != -1 {
		t.Errorf("bootstrap expiry_time = %d, want -1", got[0].ExpiryTime)
	}
	if got := ids(list(t, srv, bobToken)); len(got) != 2 || got[1] != b1.TokenInfo.TokenID {
		t.Errorf("bob's list = %v", got)
	}
	if got := srv.Tokens("alice"); len(got) != 3 || got[2].TokenID != a2.TokenInfo.TokenID || got[2].OwnerID == 0 {
		t.Errorf("Tokens(alice) = %+v", got)
	}
}

func TestEmptyListsOmitTheKey(t *testing.T) {
	srv := start(t, Options{})
	status, b := send(t, srv, aliceToken, "GET", "/api/2.0/token-management/tokens?created_by_username=nobody", "")
	if status != http.StatusOK || string(b) != "{}" {
		t.Errorf("empty management list = %d %s, want 200 {}", status, b)
	}
	// Through the Token API the caller's own token is always listed, so
	// check the shared response type directly.
	if b, _ := json.Marshal(listResponse{}); string(b) != "{}" {
		t.Errorf("empty listResponse marshals to %s", b)
	}
}

func TestDelete(t *testing.T) {
	srv := start(t, Options{})
	tok := create(t, srv, aliceToken, `{}`)
	body := fmt.Sprintf(`{"token_id":%q}`, tok.TokenInfo.TokenID)

	// Another user cannot see or delete it.
	status, b := send(t, srv, bobToken, "POST", "/api/2.0/token/delete", body)
	eb := wantError(t, status, b, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST")
	if !strings.Contains(eb.Message, tok.TokenInfo.TokenID) {
		t.Errorf("message %q does not name the token id", eb.Message)
	}

	status, b = send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", body)
	if status != http.StatusOK || string(b) != "{}" {
		t.Fatalf("delete = %d %s, want 200 {}", status, b)
	}
	if slices.Contains(ids(list(t, srv, aliceToken)), tok.TokenInfo.TokenID) {
		t.Error("deleted token still listed")
	}
	status, b = send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", body)
	wantError(t, status, b, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST")
	status, b = send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", `{}`)
	wantError(t, status, b, http.StatusBadRequest, "INVALID_PARAMETER_VALUE")

	recs := srv.AllTokens()
	rec := recs[len(recs)-1]
	if !rec.Revoked || rec.RevokedAt != fixedNow || rec.Owner != "alice" {
		t.Errorf("record of deleted token = %+v", rec)
	}
}

func TestAuthentication(t *testing.T) {
	srv := start(t, Options{})
	const invalid = `{"error_code":403,"message":"Invalid access token."}`

	status, b := send(t, srv, "", "GET", "/api/2.0/token/list", "")
	eb := wantError(t, status, b, http.StatusUnauthorized, "UNAUTHENTICATED")
	if eb.Message != "Credential was not sent or was of an unsupported type for this API." {
		t.Errorf("401 message = %q", eb.Message)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/2.0/token/list", nil)
	req.SetBasicAuth("alice", aliceToken)
	resp, err := freshClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("basic auth: status %d, want 401", resp.StatusCode)
	}

	status, b = send(t, srv, "dapi00000000000000000000000000000000", "GET", "/api/2.0/token/list", "")
	if status != http.StatusForbidden || string(b) != invalid {
		t.Errorf("unknown token: %d %s", status, b)
	}

	// A revoked token stops working at once, including the bootstrap token
	// revoking itself.
	tok := create(t, srv, aliceToken, `{}`)
	if got := list(t, srv, tok.TokenValue); len(got) != 2 {
		t.Fatalf("new token lists %d tokens", len(got))
	}
	send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", fmt.Sprintf(`{"token_id":%q}`, tok.TokenInfo.TokenID))
	status, b = send(t, srv, tok.TokenValue, "GET", "/api/2.0/token/list", "")
	if status != http.StatusForbidden || string(b) != invalid {
		t.Errorf("revoked token: %d %s", status, b)
	}
	eb = decode[errorBody](t, b)
	if _, numeric := eb.ErrorCode.(float64); !numeric {
		t.Errorf("error_code %#v is not a number", eb.ErrorCode)
	}

	bootstrapID := list(t, srv, aliceToken)[0].TokenID
	status, _ = send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", fmt.Sprintf(`{"token_id":%q}`, bootstrapID))
	if status != http.StatusOK {
		t.Fatalf("revoking own bootstrap token: %d", status)
	}
	if status, _ := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", ""); status != http.StatusForbidden {
		t.Errorf("revoked bootstrap token: status %d, want 403", status)
	}
}

func TestExpiryViaAdvance(t *testing.T) {
	srv := start(t, Options{})
	tok := create(t, srv, aliceToken, `{"lifetime_seconds":3600}`)
	srv.Advance(59 * time.Minute)
	list(t, srv, tok.TokenValue)
	srv.Advance(time.Minute)
	if status, b := send(t, srv, tok.TokenValue, "GET", "/api/2.0/token/list", ""); status != http.StatusForbidden {
		t.Errorf("expired token: %d %s", status, b)
	}
	if slices.Contains(ids(srv.Tokens("alice")), tok.TokenInfo.TokenID) {
		t.Error("expired token still live")
	}
	// The workspace keeps listing it until it is deleted, which the
	// Token API refuses for a token that is no longer valid.
	if got := ids(list(t, srv, aliceToken)); len(got) != 2 || got[1] != tok.TokenInfo.TokenID {
		t.Errorf("list after expiry = %v", got)
	}
	status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token/delete", fmt.Sprintf(`{"token_id":%q}`, tok.TokenInfo.TokenID))
	if eb := wantError(t, status, b, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST"); eb.Message != "No valid token with ID "+tok.TokenInfo.TokenID+" found." {
		t.Errorf("delete of an expired token: %q", eb.Message)
	}
	var rec TokenRecord
	for _, r := range srv.AllTokens() {
		if r.TokenID == tok.TokenInfo.TokenID {
			rec = r
		}
	}
	if !rec.Expired || rec.Revoked {
		t.Errorf("record = %+v, want expired and not revoked", rec)
	}
	if got, want := srv.Now(), fixedNow.Add(time.Hour); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
}

func TestLastUsedDay(t *testing.T) {
	srv := start(t, Options{})
	unused := create(t, srv, aliceToken, `{}`)
	srv.Advance(24 * time.Hour)
	list(t, srv, bobToken)

	infos := map[string]TokenInfo{}
	for _, r := range srv.AllTokens() {
		infos[r.Owner+"/"+r.Comment] = r.TokenInfo
	}
	today := time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC).UnixMilli()
	yesterday := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC).UnixMilli()
	if got := infos["alice/"+BootstrapComment].LastUsedDay; got != yesterday {
		t.Errorf("alice's last_used_day = %d, want %d", got, yesterday)
	}
	if got := infos["bob/"+BootstrapComment].LastUsedDay; got != today {
		t.Errorf("bob's last_used_day = %d, want %d", got, today)
	}
	if got := infos["alice/"].LastUsedDay; got != 0 {
		t.Errorf("unused token %s has last_used_day %d", unused.TokenInfo.TokenID, got)
	}
}

func TestTokenManagement(t *testing.T) {
	srv := start(t, Options{})
	bobTok := create(t, srv, bobToken, `{"comment":"bob's"}`)

	status, b := send(t, srv, aliceToken, "GET", "/api/2.0/token-management/tokens", "")
	if status != http.StatusOK {
		t.Fatalf("list: %d %s", status, b)
	}
	all := decode[listResponse](t, b).TokenInfos
	if len(all) != 3 {
		t.Fatalf("management list has %d tokens, want 3: %s", len(all), b)
	}
	var bobID int64
	for _, ti := range all {
		if ti.CreatedByID == 0 || ti.OwnerID == 0 || ti.CreatedByUsername == "" {
			t.Errorf("management info lacks creator/owner: %+v", ti)
		}
		if ti.TokenID == bobTok.TokenInfo.TokenID {
			bobID = ti.CreatedByID
		}
	}

	for _, q := range []string{"created_by_username=bob", fmt.Sprintf("created_by_id=%d", bobID)} {
		status, b = send(t, srv, aliceToken, "GET", "/api/2.0/token-management/tokens?"+q, "")
		got := decode[listResponse](t, b).TokenInfos
		if status != http.StatusOK || len(got) != 2 || got[1].TokenID != bobTok.TokenInfo.TokenID {
			t.Errorf("?%s: %d %s", q, status, b)
		}
	}
	status, b = send(t, srv, aliceToken, "GET", "/api/2.0/token-management/tokens?created_by_id=bob", "")
	wantError(t, status, b, http.StatusBadRequest, "INVALID_PARAMETER_VALUE")

	path := "/api/2.0/token-management/tokens/" + bobTok.TokenInfo.TokenID
	status, b = send(t, srv, aliceToken, "GET", path, "")
	got := decode[struct {
		TokenInfo TokenInfo `json:"token_info"`
	}](t, b).TokenInfo
	if status != http.StatusOK || got.CreatedByUsername != "bob" || got.Comment != "bob's" || got.OwnerID != bobID {
		t.Errorf("get: %d %s", status, b)
	}

	status, b = send(t, srv, aliceToken, "DELETE", path, "")
	if status != http.StatusOK || string(b) != "{}" {
		t.Fatalf("delete: %d %s", status, b)
	}
	if status, _ := send(t, srv, bobTok.TokenValue, "GET", "/api/2.0/token/list", ""); status != http.StatusForbidden {
		t.Errorf("token deleted by admin still authenticates: %d", status)
	}
	for _, method := range []string{"GET", "DELETE"} {
		status, b = send(t, srv, aliceToken, method, path, "")
		wantError(t, status, b, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST")
	}

	// Bob is no admin.
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/2.0/token-management/tokens", ""},
		{"GET", "/api/2.0/token-management/tokens/" + all[0].TokenID, ""},
		{"DELETE", "/api/2.0/token-management/tokens/" + all[0].TokenID, ""},
		{"POST", "/api/2.0/token-management/on-behalf-of/tokens", `{"application_id":"app"}`},
	} {
		status, b := send(t, srv, bobToken, tc.method, tc.path, tc.body)
		wantError(t, status, b, http.StatusForbidden, "PERMISSION_DENIED")
	}
	if len(srv.Tokens("alice")) != 1 || len(srv.Tokens("app")) != 0 {
		t.Error("a non-admin request changed state")
	}
}

func TestOnBehalfOfToken(t *testing.T) {
	const appID = "6f0a1c5e-1111-2222-3333-444455556666"
	srv := start(t, Options{ServicePrincipals: []ServicePrincipal{{ApplicationID: appID, DisplayName: "ci bot"}}})
	const oboPath = "/api/2.0/token-management/on-behalf-of/tokens"
	status, b := send(t, srv, aliceToken, "POST", oboPath, fmt.Sprintf(`{"application_id":%q,"lifetime_seconds":600,"comment":"ci bot"}`, appID))
	if status != http.StatusOK {
		t.Fatalf("obo: %d %s", status, b)
	}
	obo := decode[createResp](t, b)
	ti := obo.TokenInfo
	if !valueRE.MatchString(obo.TokenValue) || ti.CreatedByUsername != "alice" || ti.OwnerID == ti.CreatedByID || ti.ExpiryTime != fixedNow.Add(10*time.Minute).UnixMilli() {
		t.Errorf("obo response: %s", b)
	}

	// The token authenticates as the service principal.
	got := list(t, srv, obo.TokenValue)
	if len(got) != 1 || got[0].TokenID != ti.TokenID {
		t.Errorf("service principal's list = %+v", got)
	}
	reqs := srv.Requests()
	if u := reqs[len(reqs)-1].User; u != appID {
		t.Errorf("request user = %q, want %q", u, appID)
	}
	if got := srv.Tokens(appID); len(got) != 1 {
		t.Errorf("Tokens(app) = %+v", got)
	}
	// The principal is not an admin.
	status, b = send(t, srv, obo.TokenValue, "GET", "/api/2.0/token-management/tokens", "")
	wantError(t, status, b, http.StatusForbidden, "PERMISSION_DENIED")

	// A second token for the same principal reuses it.
	status, b = send(t, srv, aliceToken, "POST", oboPath, fmt.Sprintf(`{"application_id":%q}`, appID))
	if second := decode[createResp](t, b); status != http.StatusOK || second.TokenInfo.OwnerID != ti.OwnerID {
		t.Errorf("second obo: %d %s", status, b)
	}

	for _, body := range []string{`{}`, `{"application_id":"bob"}`, fmt.Sprintf(`{"application_id":%q,"lifetime_seconds":0}`, appID)} {
		status, b := send(t, srv, aliceToken, "POST", oboPath, body)
		wantError(t, status, b, http.StatusBadRequest, "INVALID_PARAMETER_VALUE")
	}
	// A workspace only mints tokens for service principals it has.
	status, b = send(t, srv, aliceToken, "POST", oboPath, `{"application_id":"00000000-0000-0000-0000-000000000000"}`)
	wantError(t, status, b, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST")
	if n := len(srv.AllTokens()); n != 4 {
		t.Errorf("%d tokens after the refused request, want 4", n)
	}
}

func TestUnknownEndpointAndMethod(t *testing.T) {
	srv := start(t, Options{})
	status, b := send(t, srv, aliceToken, "GET", "/api/2.0/clusters/list", "")
	eb := wantError(t, status, b, http.StatusNotFound, "ENDPOINT_NOT_FOUND")
	if eb.Message != "No API found for 'GET /api/2.0/clusters/list'" {
		t.Errorf("message = %q", eb.Message)
	}
	status, b = send(t, srv, aliceToken, "GET", "/api/2.0/token-management/tokens/a/b", "")
	wantError(t, status, b, http.StatusNotFound, "ENDPOINT_NOT_FOUND")
	// Authentication comes before routing, as on the real service.
	status, b = send(t, srv, "", "GET", "/api/2.0/clusters/list", "")
	wantError(t, status, b, http.StatusUnauthorized, "UNAUTHENTICATED")
	status, b = send(t, srv, "dapi00000000000000000000000000000000", "GET", "/api/2.0/clusters/list", "")
	wantError(t, status, b, http.StatusForbidden, float64(403))

	resp, err := doRequest(srv, aliceToken, "GET", "/api/2.0/token/create", "")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "POST") {
		t.Errorf("wrong method: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestSeed(t *testing.T) {
	srv := start(t, Options{})
	old, oldValue, err := srv.Seed("bob", "old", fixedNow.Add(-100*24*time.Hour), 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	forever, foreverValue, err := srv.Seed("bob", "forever", fixedNow.Add(-1000*24*time.Hour), -1)
	if err != nil {
		t.Fatal(err)
	}
	if forever.ExpiryTime != -1 || old.ExpiryTime != fixedNow.Add(-10*24*time.Hour).UnixMilli() {
		t.Errorf("seeded infos: %+v %+v", old, forever)
	}
	if status, _ := send(t, srv, oldValue, "GET", "/api/2.0/token/list", ""); status != http.StatusForbidden {
		t.Errorf("expired seeded token: status %d", status)
	}
	got := list(t, srv, foreverValue)
	if len(got) != 3 || got[0].TokenID != forever.TokenID || got[1].TokenID != old.TokenID {
		t.Errorf("list sorted by creation = %+v", got)
	}
	if _, _, err := srv.Seed("nobody", "", fixedNow, time.Hour); err == nil {
		t.Error("seeding for an unknown user succeeded")
	}
	if !slices.Contains(srv.IssuedValues(), oldValue) {
		t.Error("seeded value missing from IssuedValues")
	}
}

func TestIssuedValues(t *testing.T) {
	srv := start(t, Options{})
	tok := create(t, srv, bobToken, `{}`)
	got := srv.IssuedValues()
	for _, v := range []string{aliceToken, bobToken, tok.TokenValue} {
		if !slices.Contains(got, v) {
			t.Errorf("IssuedValues lacks %s", v)
		}
	}
}

func TestRequestsRecorded(t *testing.T) {
	srv := start(t, Options{})
	big := strings.Repeat("x", 100<<10)
	send(t, srv, aliceToken, "POST", "/api/2.0/token/create", `{"comment":"`+big+`"}`)
	send(t, srv, "", "GET", "/api/2.0/token-management/tokens?created_by_username=bob", "")

	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(reqs))
	}
	r0, r1 := reqs[0], reqs[1]
	if r0.Method != "POST" || r0.Path != "/api/2.0/token/create" || r0.Status != 200 || r0.User != "alice" || len(r0.Body) != maxRecordedBody || !r0.Time.Equal(fixedNow) {
		t.Errorf("first request = %+v (body length %d)", r0, len(r0.Body))
	}
	if r1.RawQuery != "created_by_username=bob" || r1.Status != 401 || r1.User != "" || r1.Fault != "" {
		t.Errorf("second request = %+v", r1)
	}
	srv.ResetRequests()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests after reset", n)
	}
}

func TestLogHasNoCredentials(t *testing.T) {
	var log syncBuffer
	srv := start(t, Options{Log: &log})
	tok := create(t, srv, aliceToken, `{}`)
	send(t, srv, tok.TokenValue, "GET", "/api/2.0/token/list", "")
	send(t, srv, aliceToken, "GET", "/api/2.0/token-management/tokens/"+tok.TokenValue, "")
	send(t, srv, aliceToken, "GET", "/api/2.0/"+bobToken+"%0Afake", "")
	send(t, srv, "", "GET", "/__emulator/state", "")

	out := log.String()
	for _, v := range srv.IssuedValues() {
		if strings.Contains(out, v) {
			t.Errorf("log contains token value %s:\n%s", v, out)
		}
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 log lines, got:\n%s", out)
	}
	if !strings.Contains(lines[0], "POST /api/2.0/token/create 200 user=alice") {
		t.Errorf("first line %q lacks method, path, status or user", lines[0])
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, users := range [][]User{
		{{Name: "", Token: "x"}},
		{{Name: "a", Token: ""}},
		{{Name: "a", Token: "x"}, {Name: "a", Token: "y"}},
		{{Name: "a", Token: "x"}, {Name: "b", Token: "x"}},
	} {
		if srv, err := Start(Options{Users: users}); err == nil {
			srv.Close()
			t.Errorf("Start accepted %+v", users)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted %+v", users)
				}
			}()
			New(Options{Users: users})
		}()
	}
}

func TestPlainHandler(t *testing.T) {
	// The emulator also works as a plain handler, e.g. under httptest.
	ts := httptest.NewServer(New(Options{Users: testUsers()}))
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/api/2.0/token/list", nil)
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d", resp.StatusCode)
	}
}

func TestConcurrentCreatesRespectQuota(t *testing.T) {
	srv := start(t, Options{Quota: 10})
	var wg sync.WaitGroup
	statuses := make(chan int, 30)
	for range 30 {
		wg.Go(func() {
			resp, err := doRequest(srv, aliceToken, "POST", "/api/2.0/token/create", `{}`)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	if ok != 9 || len(srv.Tokens("alice")) != 10 {
		t.Errorf("%d creates succeeded and alice has %d tokens; want 9 and 10", ok, len(srv.Tokens("alice")))
	}
}

func TestOAuthUserHasNoTokensToList(t *testing.T) {
	const oauthToken = "eyJoauth-access-token"
	srv := start(t, Options{Users: []User{{Name: "carol", Token: oauthToken, OAuth: true}}})
	status, body := send(t, srv, oauthToken, "GET", "/api/2.0/token/list", "")
	if status != 200 || strings.TrimSpace(string(body)) != "{}" {
		t.Fatalf("list = %d %s, want 200 {} (key absent)", status, body)
	}
	status, _ = send(t, srv, oauthToken, "POST", "/api/2.0/token/create", `{"comment":"first"}`)
	if status != 200 || len(srv.Tokens("carol")) != 1 {
		t.Fatalf("create as an OAuth user: status %d, tokens %v", status, srv.Tokens("carol"))
	}
}
