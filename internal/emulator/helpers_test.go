package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	aliceToken = "dapiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	bobToken   = "dapibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// fixedNow keeps timestamps predictable; Advance still moves the clock.
var fixedNow = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func testUsers() []User {
	return []User{
		{Name: "alice", Token: aliceToken, Admin: true},
		{Name: "bob", Token: bobToken},
	}
}

// start serves an emulator for the test, with alice (admin) and bob unless
// opts names users, and a frozen clock unless opts has one.
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Users == nil {
		opts.Users = testUsers()
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	srv, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// freshClient does not reuse connections, so that a fault that cuts one
// connection cannot affect, or be retried on, another request.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
}

// send makes a request with an optional bearer token and returns the status
// and body.
func send(t *testing.T, srv *Server, token, method, path, body string) (int, []byte) {
	t.Helper()
	return sendURL(t, srv.URL, token, method, path, body)
}

// sendURL is send for a server known only by its address, such as one
// started by Run.
func sendURL(t *testing.T, baseURL, token, method, path, body string) (int, []byte) {
	t.Helper()
	resp, err := requestURL(baseURL, token, method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, b
}

func doRequest(srv *Server, token, method, path, body string) (*http.Response, error) {
	return requestURL(srv.URL, token, method, path, body)
}

func requestURL(baseURL, token, method, path, body string) (*http.Response, error) {
	req, err := http.NewRequest(method, baseURL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return freshClient().Do(req)
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

type errorBody struct {
	ErrorCode any    `json:"error_code"`
	Message   string `json:"message"`
}

// wantError checks an error response's status and error_code.
func wantError(t *testing.T, status int, body []byte, wantStatus int, wantCode any) errorBody {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status = %d, want %d; body %s", status, wantStatus, body)
	}
	eb := decode[errorBody](t, body)
	if eb.ErrorCode != wantCode {
		t.Fatalf("error_code = %#v, want %#v; body %s", eb.ErrorCode, wantCode, body)
	}
	if eb.Message == "" {
		t.Fatalf("error without message: %s", body)
	}
	return eb
}

type createResp struct {
	TokenValue string    `json:"token_value"`
	TokenInfo  TokenInfo `json:"token_info"`
}

func create(t *testing.T, srv *Server, token, body string) createResp {
	t.Helper()
	status, b := send(t, srv, token, "POST", "/api/2.0/token/create", body)
	if status != http.StatusOK {
		t.Fatalf("create: status %d: %s", status, b)
	}
	return decode[createResp](t, b)
}

func list(t *testing.T, srv *Server, token string) []TokenInfo {
	t.Helper()
	status, b := send(t, srv, token, "GET", "/api/2.0/token/list", "")
	if status != http.StatusOK {
		t.Fatalf("list: status %d: %s", status, b)
	}
	return decode[listResponse](t, b).TokenInfos
}

func ids(infos []TokenInfo) []string {
	var out []string
	for _, ti := range infos {
		out = append(out, ti.TokenID)
	}
	return out
}

// waitFor polls cond, failing the test if it does not hold within 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer that concurrent handlers can log to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
