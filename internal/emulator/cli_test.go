package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI starts Run in the background and returns its base URL and a stop
// function that returns the exit code.
func runCLI(t *testing.T, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdoutR, stdoutW := io.Pipe()
	stderr := &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- Run(ctx, args, stdoutW, stderr)
		stdoutW.Close()
	}()
	line := make([]byte, 256)
	n, err := stdoutR.Read(line)
	if err != nil {
		cancel()
		t.Fatalf("no listening line: %v; stderr: %s", err, stderr)
	}
	go io.Copy(io.Discard, stdoutR)
	got := string(line[:n])
	url, ok := strings.CutPrefix(strings.TrimSuffix(got, "\n"), "dbtok-emulator listening on ")
	if !ok || !strings.HasSuffix(got, "\n") || !strings.HasPrefix(url, "http://127.0.0.1:") {
		cancel()
		t.Fatalf("unexpected first line %q", got)
	}
	stop := func() int {
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancellation")
			return -1
		}
	}
	return url, stderr, stop
}

func TestRunDefaults(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	url, stderr, stop := runCLI(t, "--url-file", urlFile)

	b, err := os.ReadFile(urlFile)
	if err != nil || string(b) != url+"\n" {
		t.Errorf("url file = %q, %v; want %q", b, err, url+"\n")
	}
	status, body := sendURL(t, url, DemoToken, "GET", "/api/2.0/token-management/tokens", "")
	if status != http.StatusOK || !strings.Contains(string(body), `"created_by_username":"demo"`) {
		t.Errorf("demo admin list: %d %s", status, body)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit code %d; stderr: %s", code, stderr)
	}
	if stderr.String() != "" {
		t.Errorf("unexpected stderr without --log: %s", stderr)
	}
}

func TestRunFlags(t *testing.T) {
	url, stderr, stop := runCLI(t,
		"--user", "ann=dapi11111111111111111111111111111111:admin",
		"-user=ben=plain-token",
		"--max-lifetime", "2d",
		"--default-lifetime", "never",
		"--quota", "2",
		"--latency", "30ms",
		"--log",
	)
	begin := time.Now()
	status, body := sendURL(t, url, "plain-token", "GET", "/api/2.0/token/list", "")
	if status != http.StatusOK {
		t.Fatalf("ben's list: %d %s", status, body)
	}
	if d := time.Since(begin); d < 30*time.Millisecond {
		t.Errorf("--latency not applied: %v", d)
	}
	if status, _ := sendURL(t, url, "plain-token", "GET", "/api/2.0/token-management/tokens", ""); status != http.StatusForbidden {
		t.Errorf("ben is an admin: %d", status)
	}
	if status, _ := sendURL(t, url, "dapi11111111111111111111111111111111", "GET", "/api/2.0/token-management/tokens", ""); status != http.StatusOK {
		t.Errorf("ann is not an admin: %d", status)
	}

	post := func(body string) (int, []byte) {
		return sendURL(t, url, "plain-token", "POST", "/api/2.0/token/create", body)
	}
	status, body = post(`{"lifetime_seconds":172801}`)
	if status != http.StatusBadRequest || !strings.Contains(string(body), "2 days") {
		t.Errorf("over --max-lifetime: %d %s", status, body)
	}
	// A workspace maximum also caps tokens created without a lifetime.
	status, body = post(`{}`)
	var created createResp
	if status != http.StatusOK || json.Unmarshal(body, &created) != nil || created.TokenInfo.ExpiryTime-created.TokenInfo.CreationTime != 2*24*3600*1000 {
		t.Errorf("--default-lifetime never under --max-lifetime 2d: %d %s", status, body)
	}
	if status, body := post(`{}`); status != http.StatusBadRequest || !strings.Contains(string(body), "QUOTA_EXCEEDED") {
		t.Errorf("--quota 2: %d %s", status, body)
	}

	if code := stop(); code != 0 {
		t.Errorf("exit code %d", code)
	}
	log := stderr.String()
	if !strings.Contains(log, "GET /api/2.0/token/list 200 user=ben") {
		t.Errorf("--log output lacks the list request:\n%s", log)
	}
	for _, secret := range []string{"plain-token", "dapi11111111111111111111111111111111", created.TokenValue} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--user", "nobody"},
		{"--user", "=tok"},
		{"--max-lifetime", "-1d"},
		{"--max-lifetime", "731d"},
		{"--max-lifetime", "soon"},
		{"--default-lifetime", "0"},
		{"--quota", "0"},
		{"--latency", "-1s"},
		{"extra"},
		{"--no-such-flag"},
	} {
		var stdout, stderr strings.Builder
		if code := Run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit code %d, want 2", args, code)
		}
		if stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("%q: stdout %q, stderr %q", args, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr strings.Builder
	if code := Run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-user") {
		t.Errorf("-h: %d %s", code, stderr.String())
	}
	if code := Run(context.Background(), []string{"--addr", "256.0.0.1:0"}, &stdout, &stderr); code != 1 {
		t.Errorf("bad --addr: exit code %d, want 1", code)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"730d":  730 * 24 * time.Hour,
		"1d12h": 36 * time.Hour,
		"50ms":  50 * time.Millisecond,
		"48h":   48 * time.Hour,
		"0":     0,
		"0d":    0,
		"-2d":   -48 * time.Hour,
		"-1s":   -time.Second,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "1d-5h", "x1d", "1dd", "soon", "99999999999d", "106751d24h"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestRunWorkspaceFlags(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump.json")
	url, stderr, stop := runCLI(t,
		"--user", "ann=dapi11111111111111111111111111111111:admin",
		"--service-principal", "6f1c0f5e-1111-2222-3333-444455556666=CI bot",
		"--service-principal", "app-2",
		"--max-lifetime", "90d",
		"--bulk-users", "3",
		"--bulk-tokens", "user2=50",
		"--start-time", "2030-01-02T03:04:05Z",
		"--revoke-unused-after", "never",
		"--dump", dump,
	)
	const ann = "dapi11111111111111111111111111111111"
	status, body := sendURL(t, url, ann, "GET", "/api/2.0/workspace-conf?keys=maxTokenLifetimeDays,enableTokensConfig", "")
	if status != http.StatusOK || string(body) != `{"enableTokensConfig":"true","maxTokenLifetimeDays":"90"}` {
		t.Errorf("workspace-conf: %d %s", status, body)
	}
	status, body = sendURL(t, url, ann, "POST", "/api/2.0/token-management/on-behalf-of/tokens", `{"application_id":"6f1c0f5e-1111-2222-3333-444455556666","comment":"ci"}`)
	if status != http.StatusOK {
		t.Errorf("OBO for a --service-principal: %d %s", status, body)
	}
	status, body = sendURL(t, url, BulkUserToken(2), "GET", "/api/2.0/token/list", "")
	var list listResponse
	if status != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.TokenInfos) != 51 {
		t.Errorf("user2's list: %d, %d tokens", status, len(list.TokenInfos))
	}
	if got := list.TokenInfos[len(list.TokenInfos)-1].CreationTime; got < time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli() {
		t.Errorf("--start-time ignored: creation_time %d", got)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := ReadStateFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Users) != 4 || len(st.ServicePrincipals) != 2 || len(st.Tokens) != 4+50+1 || st.Settings["maxTokenLifetimeDays"] != "90" {
		t.Errorf("dump: %d users, %d service principals, %d tokens, settings %v", len(st.Users), len(st.ServicePrincipals), len(st.Tokens), st.Settings)
	}
	if fi, err := os.Stat(dump); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("dump mode: %v, %v", fi.Mode(), err)
	}

	// The dump starts a new emulator (without the demo user) where the old
	// one stopped.
	url, stderr, stop = runCLI(t, "--state", dump, "--tokens-disabled")
	if status, _ := sendURL(t, url, DemoToken, "GET", "/api/2.0/token/list", ""); status != http.StatusForbidden {
		t.Errorf("demo user present with --state: %d", status)
	}
	status, body = sendURL(t, url, ann, "GET", "/api/2.0/token/list", "")
	if status != http.StatusForbidden || !strings.Contains(string(body), "disabled") {
		t.Errorf("--tokens-disabled: %d %s", status, body)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestRunRateLimitAndErrors(t *testing.T) {
	url, stderr, stop := runCLI(t, "--rate-limit", "1", "--rate-burst", "1")
	statuses := []int{}
	for range 2 {
		status, _ := sendURL(t, url, DemoToken, "GET", "/api/2.0/token/list", "")
		statuses = append(statuses, status)
	}
	if statuses[0] != 200 || statuses[1] != 429 {
		t.Errorf("--rate-limit 1: %v", statuses)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{
		{"--service-principal", "=x"},
		{"--bulk-tokens", "user1"},
		{"--bulk-tokens", "user1=-1"},
		{"--start-time", "yesterday"},
		{"--rate-limit", "-1"},
		{"--revoke-unused-after", "0"},
	} {
		var stdout, stderr strings.Builder
		if code := Run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit code %d, want 2; %s", args, code, stderr.String())
		}
	}
	var stdout, stderr2 strings.Builder
	if code := Run(context.Background(), []string{"--state", "/nonexistent/state.json"}, &stdout, &stderr2); code != 1 {
		t.Errorf("missing --state file: exit %d", code)
	}
	if code := Run(context.Background(), []string{"--bulk-tokens", "nobody=3"}, &stdout, &stderr2); code != 1 {
		t.Errorf("--bulk-tokens for an unknown user: exit %d", code)
	}
}
