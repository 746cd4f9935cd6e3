package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lastRequest returns the latest request, which must already be done: the
// emulator records a request before the client can see its outcome.
func lastRequest(t *testing.T, srv *Server) Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no requests recorded")
	}
	last := reqs[len(reqs)-1]
	if !last.Done {
		t.Fatalf("last request not done: %+v", last)
	}
	return last
}

func TestFaultStatusDefaults(t *testing.T) {
	srv := start(t, Options{})
	for _, tc := range []struct {
		status int
		code   string
	}{
		{400, "INVALID_PARAMETER_VALUE"},
		{401, "UNAUTHENTICATED"},
		{403, "PERMISSION_DENIED"},
		{404, "RESOURCE_DOES_NOT_EXIST"},
		{429, "REQUEST_LIMIT_EXCEEDED"},
		{500, "INTERNAL_ERROR"},
		{503, "TEMPORARILY_UNAVAILABLE"},
	} {
		srv.AddFault(Fault{Path: "/api/2.0/token/list", Status: tc.status, Count: 1, RetryAfter: 7})
		resp, err := doRequest(srv, aliceToken, "GET", "/api/2.0/token/list", "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantError(t, resp.StatusCode, b, tc.status, tc.code)
		if got := resp.Header.Get("Retry-After"); got != "7" {
			t.Errorf("%d: Retry-After = %q", tc.status, got)
		}
		if got := resp.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%d: Content-Type = %q", tc.status, got)
		}
		if r := lastRequest(t, srv); r.Fault != "status "+strconv.Itoa(tc.status) || r.Status != tc.status || r.User != "" {
			t.Errorf("recorded %+v", r)
		}
	}
	srv.AddFault(Fault{Count: 1})
	status, b := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	wantError(t, status, b, 500, "INTERNAL_ERROR")
}

func TestFaultCustomBodyAndName(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Name: "teapot", Status: 418, Body: "I'm a teapot", Count: 1})
	resp, err := doRequest(srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 418 || string(b) != "I'm a teapot" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if got := lastRequest(t, srv).Fault; got != "teapot" {
		t.Errorf("Fault = %q", got)
	}
}

func TestFaultCountOrderAndMatching(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Method: "post", Path: "/api/2.0/token/*", Status: 503, Count: 2})
	srv.AddFault(Fault{Path: "/api/2.0/token/create", Status: 500, Count: 1})
	srv.AddFault(Fault{Path: "/api/2.0/token-management/tokens", Status: 429})

	statuses := func(method, path string, n int) []int {
		var out []int
		for range n {
			s, _ := send(t, srv, aliceToken, method, path, "")
			out = append(out, s)
		}
		return out
	}
	if got := statuses("GET", "/api/2.0/token/list", 1); got[0] != 200 {
		t.Errorf("GET list hit a POST-only fault: %v", got)
	}
	if got := statuses("POST", "/api/2.0/token/create", 4); !slices.Equal(got, []int{503, 503, 500, 200}) {
		t.Errorf("create statuses = %v", got)
	}
	// Count 0 applies until cleared; a prefix must match from the start.
	if got := statuses("GET", "/api/2.0/token-management/tokens", 3); !slices.Equal(got, []int{429, 429, 429}) {
		t.Errorf("management statuses = %v", got)
	}
	if got := statuses("GET", "/api/2.0/token-management/tokens/x", 1); got[0] != 404 {
		t.Errorf("exact path matched a longer one: %v", got)
	}
	srv.ClearFaults()
	if got := statuses("GET", "/api/2.0/token-management/tokens", 1); got[0] != 200 {
		t.Errorf("after ClearFaults: %v", got)
	}

	// A catch-all fault spares the discovery endpoint; "*" does not.
	srv.AddFault(Fault{Status: 500})
	if got := statuses("GET", discoveryPath, 1); got[0] != 200 {
		t.Errorf("empty Path faulted discovery: %v", got)
	}
	srv.ClearFaults()
	srv.AddFault(Fault{Path: "*", Status: 500})
	if got := statuses("GET", discoveryPath, 1); got[0] != 500 {
		t.Errorf(`"*" did not fault discovery: %v`, got)
	}
}

func TestFaultHTML(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultHTML, Count: 1})
	resp, err := doRequest(srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<pre>Bad Gateway</pre>") {
		t.Errorf("got %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if got := lastRequest(t, srv).Fault; got != "html 502" {
		t.Errorf("Fault = %q", got)
	}
}

func TestFaultMalformedAndEmpty(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultMalformed, Count: 1})
	status, b := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if status != 200 || json.Valid(b) || len(b) == 0 {
		t.Errorf("malformed: %d %q", status, b)
	}
	srv.AddFault(Fault{Kind: FaultEmpty, Count: 1})
	status, b = send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if status != 200 || len(b) != 0 {
		t.Errorf("empty: %d %q", status, b)
	}
	if got := lastRequest(t, srv).Fault; got != "empty 200" {
		t.Errorf("Fault = %q", got)
	}
}

func TestFaultDrop(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultDrop, Count: 1})
	if resp, err := doRequest(srv, aliceToken, "POST", "/api/2.0/token/create", "{}"); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request got a response: %d", resp.StatusCode)
	}
	r := lastRequest(t, srv)
	if r.Fault != "drop" || r.Status != 0 {
		t.Errorf("recorded %+v", r)
	}
	if n := len(srv.Tokens("alice")); n != 1 {
		t.Errorf("a dropped create made a token: %d tokens", n)
	}
}

func TestFaultDropMid(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultDropMid, Count: 1})
	resp, err := doRequest(srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(string(b), `{"token_infos":[`) {
		t.Errorf("got %d, %q, err %v", resp.StatusCode, b, err)
	}
	if got := lastRequest(t, srv).Fault; got != "drop-mid 200" {
		t.Errorf("Fault = %q", got)
	}
}

func TestFaultAfter(t *testing.T) {
	srv := start(t, Options{})

	// The token is created but the client never hears of it.
	srv.AddFault(Fault{Path: "/api/2.0/token/create", Kind: FaultDrop, After: true, Count: 1})
	if resp, err := doRequest(srv, aliceToken, "POST", "/api/2.0/token/create", `{"comment":"lost"}`); err == nil {
		resp.Body.Close()
		t.Fatal("dropped request got a response")
	}
	tokens := srv.Tokens("alice")
	if len(tokens) != 2 || tokens[1].Comment != "lost" {
		t.Fatalf("after-drop did not create the token: %+v", tokens)
	}
	if r := lastRequest(t, srv); r.Fault != "drop after" || r.User != "alice" {
		t.Errorf("recorded %+v", r)
	}

	// An after-fault replaces the real response with its own.
	srv.AddFault(Fault{Path: "/api/2.0/token/create", Status: 503, After: true, Count: 1})
	status, b := send(t, srv, aliceToken, "POST", "/api/2.0/token/create", `{"comment":"unheard"}`)
	wantError(t, status, b, 503, "TEMPORARILY_UNAVAILABLE")
	if n := len(srv.Tokens("alice")); n != 3 {
		t.Errorf("after-503 create: alice has %d tokens, want 3", n)
	}

	// Cut short after the work, the client sees part of the real body.
	srv.AddFault(Fault{Path: "/api/2.0/token/create", Kind: FaultDropMid, After: true, Count: 1})
	resp, err := doRequest(srv, aliceToken, "POST", "/api/2.0/token/create", `{"comment":"half"}`)
	if err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.HasPrefix(string(b), `{"token_value":"dapi`) {
		t.Errorf("after drop-mid: %q, %v", b, err)
	}
	if n := len(srv.Tokens("alice")); n != 4 {
		t.Errorf("after drop-mid create: alice has %d tokens, want 4", n)
	}
}

func TestFaultHangEndsWhenClientLeaves(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultHang, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/2.0/token/list", nil)
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	if resp, err := freshClient().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("hung request got a response")
	}
	waitFor(t, "the hung request to finish", func() bool {
		r := srv.Requests()
		return len(r) == 1 && r[0].Done && r[0].Fault == "hang"
	})
}

func TestFaultHangUnblockedByClose(t *testing.T) {
	srv, err := Start(Options{Users: testUsers()})
	if err != nil {
		t.Fatal(err)
	}
	srv.AddFault(Fault{Path: "/api/2.0/token/create", Delay: time.Hour})
	srv.AddFault(Fault{Kind: FaultHang})
	errc := make(chan error, 2)
	for _, path := range []string{"/api/2.0/token/list", "/api/2.0/token/create"} {
		go func() {
			resp, err := doRequest(srv, aliceToken, "GET", path, "")
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
	}
	waitFor(t, "both requests to arrive", func() bool { return len(srv.Requests()) == 2 })

	closed := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for range 2 {
		select {
		case err := <-errc:
			if err == nil {
				t.Error("a hung request got a response")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not release a hung request")
		}
	}
	if d := time.Since(closed); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	// Close waits for the handlers, so both requests are recorded as done.
	for _, r := range srv.Requests() {
		if !r.Done {
			t.Errorf("request still in flight after Close: %+v", r)
		}
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestLatencyAndDelay(t *testing.T) {
	srv := start(t, Options{Latency: 60 * time.Millisecond})
	timed := func(path string) time.Duration {
		begin := time.Now()
		send(t, srv, aliceToken, "GET", path, "")
		return time.Since(begin)
	}
	if d := timed("/api/2.0/token/list"); d < 60*time.Millisecond {
		t.Errorf("with Options.Latency: %v", d)
	}
	srv.SetLatency(0)
	srv.AddFault(Fault{Path: "/api/2.0/token-management/*", Delay: 80 * time.Millisecond, Status: 200, Body: "{}"})
	if d := timed("/api/2.0/token-management/tokens"); d < 80*time.Millisecond {
		t.Errorf("with fault delay: %v", d)
	}
	if d := timed("/api/2.0/token/list"); d > 50*time.Millisecond {
		t.Errorf("without latency: %v", d)
	}
	srv.SetLatency(40 * time.Millisecond)
	if d := timed(discoveryPath); d < 40*time.Millisecond {
		t.Errorf("latency skipped discovery: %v", d)
	}
}

func TestAddFaultRejectsInvalid(t *testing.T) {
	e := New(Options{})
	for _, f := range []Fault{{Kind: "explode"}, {Count: -1}, {Status: 99}, {RetryAfter: -1}, {Delay: -time.Second}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddFault accepted %+v", f)
				}
			}()
			e.AddFault(f)
		}()
	}
}

func TestFaultDelayAnswersNormallyButLate(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultDelay, Path: "/api/2.0/token/list", Delay: 200 * time.Millisecond, Count: 1})
	began := time.Now()
	status, body := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	if took := time.Since(began); took < 200*time.Millisecond {
		t.Errorf("answered after %v, want at least the 200ms delay", took)
	}
	if status != 200 || !strings.Contains(string(body), BootstrapComment) {
		t.Fatalf("status %d body %s, want the real list", status, body)
	}
	reqs := srv.Requests()
	if got := reqs[len(reqs)-1].Fault; got != "delay 200" {
		t.Errorf("Request.Fault = %q, want %q", got, "delay 200")
	}
}

func TestFaultSkipLetsEarlierRequestsThrough(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Path: "/api/2.0/token/list", Status: 500, Skip: 2, Count: 1})
	for i, want := range []int{200, 200, 500, 200} {
		if status, _ := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", ""); status != want {
			t.Errorf("request %d: status %d, want %d", i+1, status, want)
		}
	}
}
