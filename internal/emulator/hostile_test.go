package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/settings"
)

// Faults and data that safety tests need: redirects, servers that echo
// credentials, hostile strings, slow lists.

func TestFaultRedirect(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultRedirect, Path: "/api/2.0/token/create", Location: "http://127.0.0.1:9/{path}", Count: 1})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", srv.URL+"/api/2.0/token/create?x=1", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != "http://127.0.0.1:9/api/2.0/token/create?x=1" {
		t.Errorf("redirect = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := lastRequest(t, srv).Fault; got != "redirect 307" {
		t.Errorf("recorded fault %q", got)
	}
	if n := len(srv.Tokens("alice")); n != 1 {
		t.Errorf("a redirected create made a token: alice has %d", n)
	}

	for _, bad := range []Fault{
		{Kind: FaultRedirect},
		{Kind: FaultRedirect, Location: "https://x", Status: 200},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddFault(%+v) accepted", bad)
				}
			}()
			srv.AddFault(bad)
		}()
	}
	status, b := send(t, srv, "", "POST", "/__emulator/faults", `{"kind":"redirect","status":308,"location":"https://127.0.0.1:1/{path}"}`)
	if status != http.StatusOK {
		t.Fatalf("redirect fault through control: %d %s", status, b)
	}
}

func TestFaultEchoBearer(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultEchoBearer, Path: "/api/2.0/token/list", Count: 1})
	_, err := settings.NewTokens(sdkClient(t, srv, aliceToken)).ListAll(context.Background())
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || !strings.Contains(apiErr.Message, aliceToken) {
		t.Errorf("echoing error: %v", err)
	}
	srv.AddFault(Fault{Kind: FaultEchoBearer, Status: 502, Body: "upstream said: token {bearer} rejected", Count: 1})
	status, b := send(t, srv, bobToken, "GET", "/api/2.0/token/list", "")
	if status != 502 || string(b) != "upstream said: token "+bobToken+" rejected" {
		t.Errorf("custom echo = %d %q", status, b)
	}
}

func TestFaultDelayTargetsOnePath(t *testing.T) {
	srv := start(t, Options{})
	srv.AddFault(Fault{Kind: FaultDelay, Method: "GET", Path: "/api/2.0/token/list", Delay: 150 * time.Millisecond})
	begin := time.Now()
	create(t, srv, aliceToken, `{}`)
	if d := time.Since(begin); d >= 150*time.Millisecond {
		t.Errorf("create was delayed by %v", d)
	}
	begin = time.Now()
	if got := list(t, srv, aliceToken); len(got) != 2 {
		t.Errorf("slow list = %v", got)
	}
	if d := time.Since(begin); d < 150*time.Millisecond {
		t.Errorf("list not delayed: %v", d)
	}
}

func TestFaultJSON(t *testing.T) {
	f := Fault{Name: "n", Path: "/p", Status: 503, Kind: FaultDropMid, After: true, Delay: 30 * time.Millisecond, Location: "x"}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"delay":"30ms"`) || !strings.Contains(string(b), `"kind":"drop-mid"`) {
		t.Errorf("Marshal = %s", b)
	}
	var back Fault
	if err := json.Unmarshal(b, &back); err != nil || back != f {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"delay":20}`), &back); err != nil || back.Delay != 20*time.Millisecond {
		t.Errorf("delay in milliseconds = %v, %v", back.Delay, err)
	}
	if err := json.Unmarshal([]byte(`{"stauts":500}`), &back); err == nil {
		t.Error("misspelt field accepted")
	}
}

// Issue 9 needs IDs and comments that would hurt a terminal; real IDs are
// hex, so only seeding makes them.
func TestHostileSeededStrings(t *testing.T) {
	srv := start(t, Options{})
	const hostile = "evil\x1b[31mRED\x1b[0m\u202egnp.exe\r\nsecond line\x07"
	if _, err := srv.SeedWithID("alice", hostile, hostile, fixedNow, time.Hour); err != nil {
		t.Fatal(err)
	}
	status, b := send(t, srv, "", "POST", "/__emulator/seed", `{"owner":"alice","token_id":"id\u001b]8;;http://x\u0007","comment":"c\u009b2J","age":"1h"}`)
	if status != http.StatusOK {
		t.Fatalf("seed through control: %d %s", status, b)
	}
	infos, err := settings.NewTokens(sdkClient(t, srv, aliceToken)).ListAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids, comments []string
	for _, ti := range infos {
		ids = append(ids, ti.TokenId)
		comments = append(comments, ti.Comment)
	}
	if !contains(ids, hostile) || !contains(comments, hostile) || !contains(ids, "id\x1b]8;;http://x\x07") || !contains(comments, "c\u009b2J") {
		t.Errorf("hostile strings did not survive the round trip: %q %q", ids, comments)
	}
	// The SDK puts IDs into paths unescaped, so it refuses to request one
	// with ASCII control characters; a bidi override does reach the server,
	// which finds the token.
	const bidi = "abc\u202edef"
	if _, err := srv.SeedWithID("alice", bidi, "bidi", fixedNow, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := settings.NewTokenManagement(sdkClient(t, srv, aliceToken)).GetByTokenId(context.Background(), bidi)
	if err != nil || got.TokenInfo.Comment != "bidi" {
		t.Errorf("get by a bidi ID = %+v, %v", got, err)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestAppendTokenInfoMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("aZ09 \"\\/<>&\x00\x01\x08\x0c\n\r\t\x1b\x7f\u0080\u009b\u2028\u2029\u202e€😀")
	str := func() string {
		var sb strings.Builder
		for range r.IntN(12) {
			sb.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		if r.IntN(8) == 0 {
			sb.WriteString("\xff\xfe") // invalid UTF-8
		}
		return sb.String()
	}
	for range 2000 {
		ti := TokenInfo{
			TokenID: str(), Comment: str(), CreationTime: r.Int64(), ExpiryTime: -r.Int64N(2),
			CreatedByID: r.Int64N(3), CreatedByUsername: str(), OwnerID: r.Int64N(2), WorkspaceID: r.Int64N(2), LastUsedDay: r.Int64N(2),
			AutoscopeState: str(),
		}
		if r.IntN(2) == 0 {
			ti.Scopes = []string{str(), str()}
			ti.InferredScopes = []string{str()}
		}
		want, err := json.Marshal(ti)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTokenInfo(nil, &ti); string(got) != string(want) {
			t.Fatalf("appendTokenInfo(%+v)\n got %s\nwant %s", ti, got, want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	srv := start(t, Options{RateLimit: 2, RateBurst: 2})
	var codes []int
	var retryAfter string
	for range 3 {
		resp, err := doRequest(srv, aliceToken, "GET", "/api/2.0/token/list", "")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || retryAfter != "1" {
		t.Errorf("statuses %v, Retry-After %q", codes, retryAfter)
	}
	// Limits are per host name: the same server under another name has its
	// own budget.
	other := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	if status, b := sendURL(t, other, aliceToken, "GET", "/api/2.0/token/list", ""); status != 200 {
		t.Errorf("other host name: %d %s", status, b)
	}
	// The discovery endpoint is not limited.
	if status, _ := send(t, srv, "", "GET", discoveryPath, ""); status != 200 {
		t.Errorf("discovery limited: %d", status)
	}
	srv.SetRateLimit(0, 0)
	if status, _ := send(t, srv, aliceToken, "GET", "/api/2.0/token/list", ""); status != 200 {
		t.Errorf("after lifting the limit: %d", status)
	}
	// Through the SDK, which retries 429 until its retry timeout.
	srv.SetRateLimit(0.001, 1)
	send(t, srv, aliceToken, "GET", "/api/2.0/token/list", "")
	_, err := settings.NewTokens(sdkClient(t, srv, aliceToken)).ListAll(context.Background())
	if !errors.Is(err, apierr.ErrTooManyRequests) && !strings.Contains(err.Error(), "timed out") {
		t.Errorf("SDK under a rate limit: %v", err)
	}
}
