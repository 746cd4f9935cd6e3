package main

// The fault matrix: every command against every way a workspace can fail,
// end to end (the real binary, the emulator over HTTP). Each row of
// matrixCommands or matrixFaults is one command or one fault; a new one is
// one more row.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
)

// matrixTimeout is the --timeout every matrix run gets; no run may take
// much longer than it, whatever the fault.
const matrixTimeout = 3 * time.Second

type matrixCase struct {
	srv     *emulator.Server
	dir     string
	home    string
	tokenID string // for revoke and rotate: the token it replaces
	stdout  string
}

type matrixCommand struct {
	name   string
	path   string // the API path faults target
	action string // as in "cannot <action> in ..."
	setup  func(t *testing.T, c *matrixCase)
	args   func(c *matrixCase) []string
	// applied reports whether the server carried the command out.
	applied func(c *matrixCase) bool
	// check runs after every case, for command-specific promises.
	check func(t *testing.T, c *matrixCase, exit int)
	// like names the command whose per-fault outcomes this one shares.
	like string
	// suffix is what the one-line error ends with after the cause.
	suffix func(c *matrixCase, want outcome) string
	// printsOnFailure: stdout is not empty when this command fails.
	printsOnFailure bool
}

// outcome is what a user must see.
type outcome struct {
	exit    int    // exit code; 0 means the command recovers and succeeds
	cause   string // regexp for the message after "cannot <action> in <workspace>: "
	applied bool   // the server did the work despite the failure
	maybe   bool   // the message must say it may have happened anyway
}

type matrixFault struct {
	name  string
	fault emulator.Fault // Path is filled in per command
	// refused stops the server before the run: nothing listens.
	refused bool
	want    outcome
	// per command name, where the outcome differs
	override map[string]outcome
}

const comment = "matrix"

var matrixCommands = []matrixCommand{
	{
		name: "create", path: "/api/2.0/token/create", action: "create a token",
		args:    func(*matrixCase) []string { return []string{"create", "--comment", comment} },
		applied: func(c *matrixCase) bool { return hasComment(c.srv, comment) },
	},
	{
		name: "create-out", path: "/api/2.0/token/create", action: "create a token",
		args: func(c *matrixCase) []string {
			return []string{"create", "--comment", comment, "--out", filepath.Join(c.dir, "out", "tok")}
		},
		applied: func(c *matrixCase) bool { return hasComment(c.srv, comment) },
		check: func(t *testing.T, c *matrixCase, exit int) {
			out := filepath.Join(c.dir, "out")
			entries, _ := os.ReadDir(out)
			if exit != 0 {
				if len(entries) != 0 {
					t.Errorf("failed run left %d file(s) in the --out folder", len(entries))
				}
				return
			}
			st, err := os.Stat(filepath.Join(out, "tok"))
			if err != nil || st.Mode().Perm() != 0o600 || len(entries) != 1 {
				t.Errorf("after success: %v, mode %v, %d entries", err, st.Mode(), len(entries))
			}
		},
	},
	{
		// Rotation stops at a failed create; the old token must survive.
		name: "rotate", path: "/api/2.0/token/create", action: "create the new token", like: "create",
		setup: func(t *testing.T, c *matrixCase) {
			info, _, err := c.srv.Seed("alice", comment, c.srv.Now(), 24*time.Hour)
			must(t, err)
			c.tokenID = info.TokenID
		},
		args: func(*matrixCase) []string { return []string{"rotate", "--comment", comment} },
		// applied: a new token with the comment exists (made by the server,
		// delivered or not).
		applied: func(c *matrixCase) bool {
			for _, tok := range c.srv.Tokens("alice") {
				if tok.Comment == comment && tok.TokenID != c.tokenID {
					return true
				}
			}
			return false
		},
		check: func(t *testing.T, c *matrixCase, exit int) {
			if old := hasID(c.srv, c.tokenID); old != (exit != 0) {
				t.Errorf("exit %d, and the old token live = %v: a failed rotation must keep it, a done one revoke it", exit, old)
			}
		},
		suffix: func(c *matrixCase, want outcome) string {
			kept := `; the old token ` + c.tokenID + ` was not revoked and still works`
			switch {
			case want.maybe && want.applied:
				return `; the server created it anyway, as token [0-9a-f]{64}, which you never received: revoke it with ` + "`dbtok revoke [0-9a-f]{64} -p DEFAULT`" + kept
			case want.maybe:
				return `; no token with comment "matrix" has appeared yet, but the workspace may still create it: check ` + "`dbtok list --comment-exact matrix -p DEFAULT`" + ` in a minute and revoke any token created after [0-9:]+ UTC` + kept
			}
			return kept
		},
	},
	{
		// One workspace failing must not hide another's tokens.
		name: "list-all-profiles", path: "/api/2.0/token/list", action: "list tokens", like: "list", printsOnFailure: true,
		setup: func(t *testing.T, c *matrixCase) {
			healthy, err := emulator.Start(emulator.Options{Users: scriptUsers[:1]})
			must(t, err)
			t.Cleanup(func() { healthy.Close() })
			f, err := os.OpenFile(filepath.Join(c.home, ".databrickscfg"), os.O_APPEND|os.O_WRONLY, 0)
			must(t, err)
			fmt.Fprintf(f, "[healthy]\nhost = %s\ntoken = %s\n", healthy.URL, scriptUsers[0].Token)
			f.Close()
		},
		args:    func(*matrixCase) []string { return []string{"list", "--all-profiles"} },
		applied: func(*matrixCase) bool { return false },
		check: func(t *testing.T, c *matrixCase, exit int) {
			if !strings.Contains(c.stdout, `"profile": "healthy"`) {
				t.Errorf("the healthy workspace's tokens are missing from stdout:\n%s", c.stdout)
			}
		},
	},
	{
		name: "list", path: "/api/2.0/token/list", action: "list tokens",
		args:    func(*matrixCase) []string { return []string{"list"} },
		applied: func(*matrixCase) bool { return false },
	},
	{
		name: "revoke", path: "/api/2.0/token/delete",
		setup: func(t *testing.T, c *matrixCase) {
			info, _, err := c.srv.Seed("alice", comment, c.srv.Now(), 24*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			c.tokenID = info.TokenID
		},
		args:    func(c *matrixCase) []string { return []string{"revoke", c.tokenID} },
		applied: func(c *matrixCase) bool { return !hasComment(c.srv, comment) },
	},
}

func hasComment(srv *emulator.Server, comment string) bool { return countComment(srv, comment) > 0 }

func hasID(srv *emulator.Server, id string) bool {
	for _, t := range srv.Tokens("alice") {
		if t.TokenID == id {
			return true
		}
	}
	return false
}

func countComment(srv *emulator.Server, comment string) int {
	n := 0
	for _, t := range srv.Tokens("alice") {
		if t.Comment == comment {
			n++
		}
	}
	return n
}

const checkCreds = `; check the credentials of profile DEFAULT in .*/\.databrickscfg`

var matrixFaults = []matrixFault{
	{name: "401", fault: emulator.Fault{Status: 401},
		want: outcome{exit: 3, cause: `Credential was not sent or was of an unsupported type for this API\. \(HTTP 401\)` + checkCreds}},
	{name: "403 invalid token", fault: emulator.Fault{Status: 403, Body: `{"error_code":403,"message":"Invalid access token."}`},
		want: outcome{exit: 3, cause: `Invalid access token\. \(HTTP 403\)` + checkCreds}},
	{name: "403 permission denied", fault: emulator.Fault{Status: 403},
		want: outcome{exit: 3, cause: `Injected fault: the caller does not have permission for this operation\. \(HTTP 403\); your user lacks the permission for this`}},
	{name: "404", fault: emulator.Fault{Status: 404},
		want: outcome{exit: 4, cause: `Injected fault: the requested resource does not exist\. \(HTTP 404\)`}},
	{name: "400 with API error", fault: emulator.Fault{Status: 400},
		want: outcome{exit: 1, cause: `Injected fault: the request was rejected as invalid\. \(HTTP 400\)`}},
	{name: "429 then recovers", fault: emulator.Fault{Status: 429, RetryAfter: 1, Count: 1},
		want: outcome{exit: 0, applied: true}, override: map[string]outcome{"list": {exit: 0}}},
	{name: "429 always", fault: emulator.Fault{Status: 429, RetryAfter: 1},
		want: outcome{exit: 1, cause: `Injected fault: too many requests, please retry later\. \(HTTP 429\); too many requests, try again later`}},
	{name: "500 then recovers", fault: emulator.Fault{Status: 500, Count: 1},
		// Only a read is repeated after a 500: a create or revoke may have
		// happened, and repeating a create could mint a second token.
		want:     outcome{exit: 1, cause: `Injected fault: internal server error\. \(HTTP 500\); the workspace is having trouble, try again later`, maybe: true},
		override: map[string]outcome{"list": {exit: 0}}},
	{name: "500 always", fault: emulator.Fault{Status: 500},
		want:     outcome{exit: 1, cause: `Injected fault: internal server error\. \(HTTP 500\); the workspace is having trouble, try again later`, maybe: true},
		override: map[string]outcome{"list": {exit: 1, cause: `Injected fault: internal server error\. \(HTTP 500\); the workspace is having trouble, try again later`}}},
	// A create is never repeated after a 5xx: the server may have done it.
	{name: "503 then recovers", fault: emulator.Fault{Status: 503, Count: 1},
		want: outcome{exit: 0, applied: true},
		override: map[string]outcome{
			"list":       {exit: 0},
			"create":     {exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`, maybe: true},
			"create-out": {exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`, maybe: true},
		}},
	{name: "503 always", fault: emulator.Fault{Status: 503, RetryAfter: 1},
		want:     outcome{exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`, maybe: true},
		override: map[string]outcome{"list": {exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`}}},
	// The server did the work but answered 503 once: a repeated revoke
	// finds the token gone, which is success; a create is not repeated.
	{name: "503 once after the work", fault: emulator.Fault{Status: 503, After: true, Count: 1},
		want: outcome{exit: 0, applied: true},
		override: map[string]outcome{
			"list":       {exit: 0},
			"create":     {exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`, maybe: true, applied: true},
			"create-out": {exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`, maybe: true, applied: true},
		}},
	{name: "503 after the work", fault: emulator.Fault{Status: 503, After: true},
		want:     outcome{exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`, maybe: true, applied: true},
		override: map[string]outcome{"list": {exit: 1, cause: `Injected fault: the service is temporarily unavailable\. \(HTTP 503\); the workspace is having trouble, try again later`}}},
	{name: "connection dropped", fault: emulator.Fault{Kind: emulator.FaultDrop},
		want:     outcome{exit: 1, cause: `the server closed the connection without answering; check the host and your network`, maybe: true},
		override: map[string]outcome{"list": {exit: 1, cause: `the server closed the connection without answering; check the host and your network`}}},
	{name: "connection dropped after the work", fault: emulator.Fault{Kind: emulator.FaultDrop, After: true},
		want:     outcome{exit: 1, cause: `the server closed the connection without answering; check the host and your network`, maybe: true, applied: true},
		override: map[string]outcome{"list": {exit: 1, cause: `the server closed the connection without answering; check the host and your network`}}},
	{name: "connection dropped mid-response", fault: emulator.Fault{Kind: emulator.FaultDropMid, After: true},
		want:     outcome{exit: 1, cause: `the connection was cut off in the middle of the answer; check the host and your network`, maybe: true, applied: true},
		override: map[string]outcome{"list": {exit: 1, cause: `the connection was cut off in the middle of the answer; check the host and your network`}}},
	{name: "malformed JSON", fault: emulator.Fault{Kind: emulator.FaultMalformed, After: true},
		want: outcome{exit: 1, cause: `the response is not valid JSON; check that the host is a Databricks workspace`, maybe: true, applied: true},
		override: map[string]outcome{
			"list": {exit: 1, cause: `the response is not valid JSON; check that the host is a Databricks workspace`},
			// revoke reads no body: a 200 is its whole answer.
			"revoke": {exit: 0, applied: true},
		}},
	{name: "empty body", fault: emulator.Fault{Kind: emulator.FaultEmpty, After: true},
		want:     outcome{exit: 1, cause: `the answer was empty; check that the host is a Databricks workspace`, maybe: true, applied: true},
		override: map[string]outcome{"list": {exit: 1, cause: `the answer was empty; check that the host is a Databricks workspace`}}},
	{name: "HTML error page", fault: emulator.Fault{Kind: emulator.FaultHTML, Status: 502},
		want:     outcome{exit: 1, cause: `Bad Gateway \(HTTP 502\); the workspace is having trouble, try again later`, maybe: true},
		override: map[string]outcome{"list": {exit: 1, cause: `Bad Gateway \(HTTP 502\); the workspace is having trouble, try again later`}}},
	{name: "never answers", fault: emulator.Fault{Kind: emulator.FaultHang},
		want:     outcome{exit: 1, cause: `no answer within 3s; try again, or raise --timeout`, maybe: true},
		override: map[string]outcome{"list": {exit: 1, cause: `no answer within 3s; try again, or raise --timeout`}}},
	{name: "never answers after the work", fault: emulator.Fault{Kind: emulator.FaultHang, After: true},
		want:     outcome{exit: 1, cause: `no answer within 3s; try again, or raise --timeout`, maybe: true, applied: true},
		override: map[string]outcome{"list": {exit: 1, cause: `no answer within 3s; try again, or raise --timeout`}}},
	{name: "connection refused", refused: true,
		want: outcome{exit: 1, cause: `.*nothing is listening at 127\.0\.0\.1:[0-9]+ \(refused\); check the host and your network`}},
}

func TestFaultMatrix(t *testing.T) {
	for _, cmd := range matrixCommands {
		for _, f := range matrixFaults {
			t.Run(cmd.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				runMatrixCase(t, cmd, f)
			})
		}
	}
}

func runMatrixCase(t *testing.T, cmd matrixCommand, f matrixFault) {
	want := f.want
	if o, ok := f.override[cmd.like]; ok && cmd.like != "" {
		want = o
	}
	if o, ok := f.override[cmd.name]; ok {
		want = o
	}
	srv, err := emulator.Start(emulator.Options{Users: scriptUsers[:1]})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := &matrixCase{srv: srv, dir: t.TempDir()}
	c.home = filepath.Join(c.dir, "home")
	must(t, os.MkdirAll(filepath.Join(c.dir, "out"), 0o700))
	must(t, os.MkdirAll(c.home, 0o700))
	must(t, os.WriteFile(filepath.Join(c.home, ".databrickscfg"),
		[]byte(fmt.Sprintf("[DEFAULT]\nhost = %s\ntoken = %s\n", srv.URL, scriptUsers[0].Token)), 0o600))
	if cmd.setup != nil {
		cmd.setup(t, c)
	}
	if f.refused {
		srv.Close()
	} else {
		fault := f.fault
		fault.Path = cmd.path
		srv.AddFault(fault)
	}

	args := append(cmd.args(c), "--timeout", matrixTimeout.String(), "-o", "json")
	stdout, stderr, exit, took := runDbtok(t, c, args)
	c.stdout = stdout

	// Every command ends within --timeout and a second, clean-up included
	// (a little more for the process itself under the race detector).
	if took > matrixTimeout+1500*time.Millisecond {
		t.Errorf("took %v with --timeout %v: something waited past the deadline", took, matrixTimeout)
	}
	if exit != want.exit {
		t.Errorf("exit %d, want %d\nstderr: %s", exit, want.exit, stderr)
	}
	for _, bad := range []string{"panic:", "goroutine ", "runtime error"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr shows a crash: %s", stderr)
		}
	}
	for _, v := range srv.IssuedValues() {
		if v != scriptUsers[0].Token && strings.Contains(stderr, v) {
			t.Errorf("a token value leaked to stderr")
		}
	}
	if want.exit != 0 {
		checkMatrixMessage(t, cmd, c, want, stderr, f.refused)
		if stdout != "" && cmd.name != "revoke" && !cmd.printsOnFailure {
			t.Errorf("failed run printed to stdout: %s", stdout)
		}
	}
	if n := countComment(srv, comment); strings.HasPrefix(cmd.name, "create") && n > 1 {
		t.Errorf("one create left %d tokens on the server", n)
	}
	if !f.refused {
		if got := cmd.applied(c); got != want.applied {
			t.Errorf("server state: applied = %v, want %v", got, want.applied)
		}
	}
	if cmd.check != nil {
		cmd.check(t, c, exit)
	}
}

func checkMatrixMessage(t *testing.T, cmd matrixCommand, c *matrixCase, want outcome, stderr string, refused bool) {
	t.Helper()
	if refused && cmd.name == "rotate" {
		// Nothing listens: rotation stops at its first step, the listing.
		cmd.action, cmd.suffix = "list tokens", nil
	}
	if strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr is not one line:\n%s", stderr)
	}
	action := cmd.action
	if cmd.name == "revoke" {
		action = "revoke token " + c.tokenID
	}
	prefix := `^Error: cannot ` + regexp.QuoteMeta(action) + ` in profile DEFAULT \(http://127\.0\.0\.1:[0-9]+\): `
	if cmd.name == "revoke" && want.exit == 4 {
		prefix = `^Error: token ` + c.tokenID + ` not found in profile DEFAULT \(http://127\.0\.0\.1:[0-9]+\)`
		want.cause = `.*`
	}
	suffix := ``
	if cmd.suffix != nil {
		suffix = cmd.suffix(c, want)
	} else if want.maybe {
		if strings.HasPrefix(cmd.name, "create") {
			// dbtok looks again, and names the orphan if there is one.
			suffix = `; no token with comment "matrix" has appeared yet, but the workspace may still create it: check ` + "`dbtok list --comment-exact matrix -p DEFAULT`" + ` in a minute and revoke any token created after [0-9:]+ UTC`
			if want.applied {
				suffix = `; the server created it anyway, as token [0-9a-f]{64}, which you never received: revoke it with ` + "`dbtok revoke [0-9a-f]{64} -p DEFAULT`"
			}
		} else {
			suffix = `; it may have been revoked anyway: check with ` + "`dbtok list -p DEFAULT`"
		}
	}
	re := regexp.MustCompile(prefix + want.cause + suffix + `\n$`)
	if !re.MatchString(stderr) {
		t.Errorf("stderr:\n  %s\ndoes not match\n  %s", stderr, re)
	}
}

func runDbtok(t *testing.T, c *matrixCase, args []string) (stdout, stderr string, exit int, took time.Duration) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, exe("dbtok")), args...)
	cmd.Dir = c.dir
	cmd.Env = []string{
		"HOME=" + c.home,
		"XDG_CONFIG_HOME=" + filepath.Join(c.home, ".config"),
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + c.dir,
		"DBTOK_PROMPT_DISABLED=1",
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), exit, took
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
