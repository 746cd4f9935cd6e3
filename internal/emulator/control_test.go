package emulator

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestControlState(t *testing.T) {
	srv := start(t, Options{})
	tok := create(t, srv, bobToken, `{"comment":"b"}`)
	status, b := send(t, srv, "", "GET", "/__emulator/state", "")
	if status != http.StatusOK {
		t.Fatalf("state: %d %s", status, b)
	}
	st := decode[stateResponse](t, b)
	if st.NowMillis != fixedNow.UnixMilli() {
		t.Errorf("now_ms = %d", st.NowMillis)
	}
	alice, bob := st.Users["alice"], st.Users["bob"]
	if !alice.Admin || bob.Admin || alice.ID == 0 || alice.ID == bob.ID {
		t.Errorf("users = %+v", st.Users)
	}
	if len(alice.Tokens) != 1 || len(bob.Tokens) != 2 || bob.Tokens[1].TokenID != tok.TokenInfo.TokenID {
		t.Errorf("tokens = %s", b)
	}
	// Control requests are not recorded.
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests recorded, want 1", n)
	}
}

func TestControlRequestsAndIssued(t *testing.T) {
	srv := start(t, Options{})
	tok := create(t, srv, aliceToken, `{}`)

	status, b := send(t, srv, "", "GET", "/__emulator/requests", "")
	reqs := decode[[]Request](t, b)
	if status != http.StatusOK || len(reqs) != 1 || reqs[0].Path != "/api/2.0/token/create" || reqs[0].User != "alice" || reqs[0].Status != 200 {
		t.Errorf("requests: %d %s", status, b)
	}
	status, b = send(t, srv, "", "GET", "/__emulator/issued", "")
	issued := decode[[]string](t, b)
	if status != http.StatusOK || !slices.Contains(issued, tok.TokenValue) || !slices.Contains(issued, bobToken) {
		t.Errorf("issued: %d %s", status, b)
	}
	if status, b := send(t, srv, "", "POST", "/__emulator/reset-requests", ""); status != http.StatusOK || string(b) != "{}" {
		t.Errorf("reset-requests: %d %s", status, b)
	}
	if _, b := send(t, srv, "", "GET", "/__emulator/requests", ""); string(b) != "[]" {
		t.Errorf("requests after reset: %s", b)
	}
}

func TestControlFaults(t *testing.T) {
	srv := start(t, Options{})
	status, b := send(t, srv, "", "POST", "/__emulator/faults",
		`{"path":"/api/2.0/token/list","status":429,"retry_after":2,"count":1,"delay":"30ms","name":"slow down"}`)
	if status != http.StatusOK {
		t.Fatalf("add fault: %d %s", status, b)
	}
	begin := time.Now()
	status, b = send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	wantError(t, status, b, 429, "REQUEST_LIMIT_EXCEEDED")
	if d := time.Since(begin); d < 30*time.Millisecond {
		t.Errorf("delay not applied: %v", d)
	}
	if got := lastRequest(t, srv).Fault; got != "slow down" {
		t.Errorf("Fault = %q", got)
	}

	send(t, srv, "", "POST", "/__emulator/faults", `{"kind":"empty","delay":20}`)
	if status, b := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", ""); status != 200 || len(b) != 0 {
		t.Errorf("empty fault from control: %d %q", status, b)
	}
	if status, _ := send(t, srv, "", "DELETE", "/__emulator/faults", ""); status != http.StatusOK {
		t.Errorf("clear faults: %d", status)
	}
	if status, _ := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", ""); status != 200 {
		t.Errorf("after clearing: %d", status)
	}

	for _, bad := range []string{`{"kind":"explode"}`, `{"stauts":500}`, `{"delay":"soon"}`, `{"count":-1}`, `nope`} {
		status, b := send(t, srv, "", "POST", "/__emulator/faults", bad)
		if status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, status, b)
		}
	}
}

func TestControlLatencyAndAdvance(t *testing.T) {
	srv := start(t, Options{})
	if status, b := send(t, srv, "", "POST", "/__emulator/latency", `{"latency":"40ms"}`); status != http.StatusOK {
		t.Fatalf("latency: %d %s", status, b)
	}
	begin := time.Now()
	send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if d := time.Since(begin); d < 40*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
	send(t, srv, "", "POST", "/__emulator/latency", `{"latency":0}`)

	tok := create(t, srv, aliceToken, `{"lifetime_seconds":172800}`)
	status, b := send(t, srv, "", "POST", "/__emulator/advance", `{"duration":"2d"}`)
	if got := decode[map[string]int64](t, b)["now_ms"]; status != http.StatusOK || got != fixedNow.Add(48*time.Hour).UnixMilli() {
		t.Errorf("advance: %d %s", status, b)
	}
	if status, _ := send(t, srv, tok.TokenValue, "GET", "/api/2.0/token/list", ""); status != http.StatusForbidden {
		t.Errorf("token did not expire after advance: %d", status)
	}
	for _, body := range []string{`{"duration":"-1h"}`, `{}`, `{"duration":true}`} {
		if status, _ := send(t, srv, "", "POST", "/__emulator/advance", body); status != http.StatusBadRequest {
			t.Errorf("advance %s: %d, want 400", body, status)
		}
	}
}

func TestControlRouting(t *testing.T) {
	srv := start(t, Options{})
	status, b := send(t, srv, "", "GET", "/__emulator/nope", "")
	wantError(t, status, b, http.StatusNotFound, "ENDPOINT_NOT_FOUND")
	status, b = send(t, srv, "", "GET", "/__emulator/faults", "")
	wantError(t, status, b, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")

	// Faults do not apply to the control endpoints.
	srv.AddFault(Fault{Path: "*", Kind: FaultDrop})
	if status, _ := send(t, srv, "", "GET", "/__emulator/state", ""); status != http.StatusOK {
		t.Errorf("control endpoint faulted: %d", status)
	}
}

func TestControlRefusesRemoteClients(t *testing.T) {
	e := New(Options{Users: testUsers()})
	req := httptest.NewRequest("GET", "/__emulator/issued", nil)
	req.RemoteAddr = "192.0.2.7:4321"
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), aliceToken) {
		t.Errorf("remote control request: %d %s", rec.Code, rec.Body)
	}
}

func TestControlWorkspaceEndpoints(t *testing.T) {
	srv := start(t, Options{})
	post := func(path, body string) []byte {
		t.Helper()
		status, b := send(t, srv, "", "POST", "/__emulator/"+path, body)
		if status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", path, body, status, b)
		}
		return b
	}
	post("users", `{"name":"dave","token":"dapidddddddddddddddddddddddddddddddd","groups":["eng"]}`)
	post("service-principals", `{"application_id":"app-9","display_name":"Nine"}`)
	if status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token-management/on-behalf-of/tokens", `{"application_id":"app-9"}`); status != http.StatusOK {
		t.Errorf("OBO for a principal added through control: %d %s", status, b)
	}
	if b := post("settings", `{"maxTokenLifetimeDays":"5"}`); !strings.Contains(string(b), `"maxTokenLifetimeDays":"5"`) {
		t.Errorf("settings answer: %s", b)
	}
	b := post("seed", `{"owner":"dave","comment":"old","age":"100d","lifetime":"never","scopes":["sql"],"last_used_ago":"10d"}`)
	seeded := decode[createResp](t, b)
	if seeded.TokenInfo.TokenID != TokenID(seeded.TokenValue) || seeded.TokenInfo.ExpiryTime != -1 ||
		seeded.TokenInfo.LastUsedDay != dayStart(fixedNow.Add(-10*24*time.Hour)).UnixMilli() {
		t.Errorf("seeded: %s", b)
	}
	post("seed-bulk", `{"owner":"dave","count":20,"comment":"many","lifetime":"1h"}`)
	if n := len(srv.ListedTokens("dave")); n != 22 {
		t.Errorf("dave holds %d tokens, want 22", n)
	}
	// Taking the permission away from users revokes dave's tokens.
	post("token-permissions/revoke", `{"group_name":"users"}`)
	if n := len(srv.ListedTokens("dave")); n != 0 {
		t.Errorf("dave holds %d tokens after losing permission", n)
	}
	if status, _ := send(t, srv, "", "POST", "/__emulator/token-permissions/revoke", `{"group_name":"users"}`); status != http.StatusBadRequest {
		t.Errorf("revoking a missing entry: %d", status)
	}

	send(t, srv, aliceToken, "POST", "/api/2.0/secrets/scopes/create", `{"scope":"s"}`)
	send(t, srv, aliceToken, "POST", "/api/2.0/secrets/put", `{"scope":"s","key":"k","string_value":"hello"}`)
	status, b := send(t, srv, "", "GET", "/__emulator/secret?scope=s&key=k", "")
	if status != http.StatusOK || string(b) != `{"value":"aGVsbG8="}` {
		t.Errorf("secret: %d %s", status, b)
	}
	if status, _ := send(t, srv, "", "GET", "/__emulator/secret?scope=s&key=nope", ""); status != http.StatusNotFound {
		t.Errorf("unknown secret: %d", status)
	}
	// Moving the clock 9 months on also revokes alice's unused token.
	b = post("clock", `{"now":"2026-01-01T00:00:00Z"}`)
	if n := len(srv.Tokens("alice")); n != 0 {
		t.Errorf("alice kept %d tokens unused for 9 months", n)
	}
	if got := decode[map[string]int64](t, b)["now_ms"]; got != time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("clock: %s", b)
	}
	if status, _ := send(t, srv, "", "POST", "/__emulator/clock", `{"now":"2020-01-01T00:00:00Z"}`); status != http.StatusBadRequest {
		t.Errorf("clock going back: %d", status)
	}
	post("rate-limit", `{"per_second":1,"burst":1}`)
	send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if status, _ := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", ""); status != http.StatusTooManyRequests {
		t.Errorf("after rate-limit: %d", status)
	}
	post("rate-limit", `{"per_second":0}`)

	for _, bad := range []struct{ path, body string }{
		{"users", `{"name":"alice","token":"x"}`},
		{"service-principals", `{}`},
		{"settings", `{"enableTokensConfig":"maybe"}`},
		{"seed", `{"owner":"nobody"}`},
		{"seed", `{"owner":"alice","scopes":["nope"]}`},
		{"seed-bulk", `{"owner":"alice","count":-1}`},
		{"rate-limit", `{"per_second":-1}`},
	} {
		if status, b := send(t, srv, "", "POST", "/__emulator/"+bad.path, bad.body); status != http.StatusBadRequest {
			t.Errorf("%s %s: %d %s", bad.path, bad.body, status, b)
		}
	}
}
