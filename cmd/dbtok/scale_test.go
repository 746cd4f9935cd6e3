package main

// Many workspaces at once: a host that answers 429 is paced by its
// Retry-After, and a run over every profile reads the config file once.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
)

// bulkWorld starts an emulator and a home whose config file has a
// profile u<i> for each of its bulk users, and returns the environment to
// run dbtok in.
func bulkWorld(t *testing.T, opts emulator.Options) (*emulator.Server, []string) {
	t.Helper()
	srv, err := emulator.Start(opts)
	must(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv, bulkHome(t, srv, opts.BulkUsers)
}

// bulkHome is a home whose config file has a profile for each of n bulk
// users of srv, and the environment to run dbtok in.
func bulkHome(t *testing.T, srv *emulator.Server, n int) []string {
	t.Helper()
	home := t.TempDir()
	var cfg strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&cfg, "[u%d]\nhost = %s\ntoken = %s\n\n", i, srv.URL, emulator.BulkUserToken(i))
	}
	must(t, os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg.String()), 0o600))
	return []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".state"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"PATH=" + os.Getenv("PATH"),
	}
}

func runIn(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(dbtokBin(), args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// A workspace that allows a burst of 8 requests and then one every two
// seconds is asked by 12 profiles at once: every profile is listed, and
// once the host has answered 429 with Retry-After: 2, nobody asks it again
// until those seconds are over. (The SDK alone would ask again after one.)
func TestRateLimitedHostIsPaced(t *testing.T) {
	t.Parallel()
	const n = 12
	srv, env := bulkWorld(t, emulator.Options{BulkUsers: n, RateLimit: 0.5, RateBurst: 8})
	stdout, stderr, err := runIn(t, env, "list", "--all-profiles", "-o", "json", "--timeout", "60s")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, stderr)
	}
	rows := tokensOf(t, stdout)
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Profile] = true
	}
	if len(seen) != n {
		t.Fatalf("listed %d profiles, want %d:\n%s", len(seen), n, stderr)
	}
	reqs := srv.Requests()
	first := -1
	for i, r := range reqs {
		if r.Status == http.StatusTooManyRequests {
			first = i
			break
		}
	}
	if first < 0 {
		t.Fatalf("the host never answered 429 to %d requests", len(reqs))
	}
	// Requests already on their way when the 429 was sent arrive within a
	// moment; after that the host must hear nothing for its Retry-After
	// (2 s here), give or take a loaded machine.
	at := reqs[first].Time
	for _, r := range reqs[first+1:] {
		if d := r.Time.Sub(at); d > 300*time.Millisecond && d < 1700*time.Millisecond {
			t.Fatalf("a request came %v after a 429 with Retry-After: 2", d)
		}
	}
	limited := 0
	for _, r := range reqs {
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	// Blind retries would be turned away again and again.
	if limited > 2*n {
		t.Errorf("%d requests were turned away with 429 for %d profiles", limited, n)
	}
}

// With 200 profiles of one workspace, each of them is asked once, all in
// one run; --parallel still caps how many at once.
func TestManyProfilesOneRequestEach(t *testing.T) {
	t.Parallel()
	const n = 200
	srv, env := bulkWorld(t, emulator.Options{BulkUsers: n, Latency: 300 * time.Millisecond})
	for _, args := range [][]string{
		{"list", "--all-profiles", "-o", "json"},
		{"list", "--all-profiles", "-o", "json", "--parallel", "7"},
	} {
		srv.ResetRequests()
		stdout, stderr, err := runIn(t, env, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		rows := tokensOf(t, stdout)
		if len(rows) != n {
			t.Fatalf("%v: %d rows, want %d", args, len(rows), n)
		}
		reqs := srv.Requests()
		if len(reqs) != n {
			t.Fatalf("%v: %d requests for %d profiles", args, len(reqs), n)
		}
		// How many were in flight at once, from arrival and service times.
		peak := 0
		for _, a := range reqs {
			in := 0
			for _, b := range reqs {
				if !b.Time.After(a.Time) && b.Time.Add(b.Duration).After(a.Time) {
					in++
				}
			}
			peak = max(peak, in)
		}
		if len(args) > 4 && peak > 7 {
			t.Errorf("--parallel 7: %d requests in flight at once", peak)
		}
		if len(args) == 4 && peak <= 32 {
			t.Errorf("without --parallel only %d of %d requests were in flight at once", peak, n)
		}
	}
}

// A workspace (or something posing as one) that sends a token list with a
// 20 MB comment: dbtok stops reading at the documented limit and says so.
func TestHostileListAnswerIsRefused(t *testing.T) {
	t.Parallel()
	srv, env := bulkWorld(t, emulator.Options{BulkUsers: 1})
	srv.AddFault(emulator.Fault{Path: "/api/2.0/token/list", Kind: emulator.FaultHuge, Size: 20 << 20})
	_, stderr, err := runIn(t, env, "list", "-p", "u1", "-o", "json")
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, stderr)
	}
	want := "the answer holds a value larger than 64 KiB, which no token list has; refused (the limit protects your memory)"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not say %q", stderr, want)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// --sort none prints tokens in the workspace's order as they arrive: the
// same JSON as a sorted list holds (an array, "[]" when none match), a
// tab-separated table, CSV; --fail-if-any still counts.
func TestListUnsortedPrintsAsItArrives(t *testing.T) {
	t.Parallel()
	srv, env := bulkWorld(t, emulator.Options{BulkUsers: 1})
	user := emulator.BulkUserName(1)
	// Created in this order; the soonest to expire last.
	for _, c := range []struct {
		comment string
		life    time.Duration
	}{{"first", 300 * time.Hour}, {"second", 200 * time.Hour}, {"third", 100 * time.Hour}} {
		_, _, err := srv.Seed(user, c.comment, srv.Now(), c.life)
		must(t, err)
	}
	comments := func(args ...string) []string {
		stdout, stderr, err := runIn(t, env, append([]string{"list", "-p", "u1"}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		var rows []struct{ Comment string }
		must(t, json.Unmarshal([]byte(stdout), &rows))
		var out []string
		for _, r := range rows {
			out = append(out, r.Comment)
		}
		return out
	}
	if got := strings.Join(comments("--sort", "none", "-o", "json"), ","); got != "emulator bootstrap token,first,second,third" {
		t.Errorf("--sort none: %s", got)
	}
	if got := strings.Join(comments("-o", "json"), ","); got != "third,second,first,emulator bootstrap token" {
		t.Errorf("sorted by expiry: %s", got)
	}
	if got := comments("--sort", "none", "--comment", "nothing*", "-o", "json"); len(got) != 0 {
		t.Errorf("no match: %v", got)
	}
	stdout, _, err := runIn(t, env, "list", "-p", "u1", "--sort", "none", "--comment", "nothing*", "-o", "json")
	if err != nil || stdout != "[]\n" {
		t.Errorf("no match: %q, %v", stdout, err)
	}
	stdout, _, err = runIn(t, env, "list", "-p", "u1", "--sort", "none", "--comment", "*i*", "-o", "table")
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); err != nil || len(lines) != 2 || !strings.Contains(lines[0], "\tfirst\t") || !strings.Contains(lines[1], "\tthird\t") {
		t.Errorf("table: %q, %v", stdout, err)
	}
	stdout, _, err = runIn(t, env, "list", "-p", "u1", "--sort", "none", "--comment", "second", "-o", "csv")
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "ID,") || !strings.Contains(lines[1], ",second,") {
		t.Errorf("csv: %q, %v", stdout, err)
	}
	_, stderr, err := runIn(t, env, "list", "-p", "u1", "--sort", "none", "--comment", "*i*", "--fail-if-any", "-o", "json")
	if exitCode(err) != 5 {
		t.Errorf("--fail-if-any: exit %d\n%s", exitCode(err), stderr)
	}
}

// tokensOf is the tokens of a listing of several workspaces.
func tokensOf(t *testing.T, stdout string) []struct{ Profile string } {
	t.Helper()
	var out struct {
		Tokens []struct{ Profile string } `json:"tokens"`
	}
	must(t, json.Unmarshal([]byte(stdout), &out))
	return out.Tokens
}
