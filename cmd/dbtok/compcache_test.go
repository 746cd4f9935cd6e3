package main

// Shell completion of tokens answers from a short-lived cache: mode 0600,
// no values, thrown away by every change, and it never keeps the shell
// waiting on a hung workspace.

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
)

// completionWorld is a workspace with an admin (profile a) and a user
// (profile b), and the environment to run dbtok in.
func completionWorld(t *testing.T) (*emulator.Server, []string, string) {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Users: scriptUsers[:2]})
	must(t, err)
	t.Cleanup(func() { srv.Close() })
	home := t.TempDir()
	cfg := "[a]\nhost = " + srv.URL + "\ntoken = " + scriptUsers[0].Token + "\n\n[b]\nhost = " + srv.URL + "\ntoken = " + scriptUsers[1].Token + "\n"
	must(t, os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg), 0o600))
	cache := filepath.Join(home, ".cache")
	return srv, []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".state"),
		"XDG_CACHE_HOME=" + cache,
		"PATH=" + os.Getenv("PATH"),
	}, filepath.Join(cache, "dbtok", "completion")
}

// seededWorld is completionWorld where alice holds a token "ci", whose
// revoke completion has been asked for once (and so is cached).
func seededWorld(t *testing.T) (*emulator.Server, []string, string, emulator.TokenInfo) {
	t.Helper()
	srv, env, dir := completionWorld(t)
	ci, _, err := srv.Seed("alice", "ci", srv.Now(), 240*time.Hour)
	must(t, err)
	complete(t, env, "revoke", "-p", "a", "")
	return srv, env, dir, ci
}

// complete runs a completion request and returns its candidates' lines;
// completion writes nothing on stderr.
func complete(t *testing.T, env []string, args ...string) string {
	t.Helper()
	stdout, stderr, err := runIn(t, env, append([]string{"__complete"}, args...)...)
	if err != nil || stderr != "" {
		t.Fatalf("__complete %v: %v, stderr %q", args, err, stderr)
	}
	return stdout
}

// cacheFiles are the cache's entries.
func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	return files
}

func TestCompletionCacheHoldsNoValueAndIsPrivate(t *testing.T) {
	t.Parallel()
	srv, env, dir := completionWorld(t)
	_, value, err := srv.Seed("alice", "ci", srv.Now(), 240*time.Hour)
	must(t, err)
	out := complete(t, env, "revoke", "-p", "a", "")
	if !strings.Contains(out, "\tci, expires in 10d\n") {
		t.Fatalf("candidates:\n%s", out)
	}
	files := cacheFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	for _, p := range append(files, filepath.Dir(files[0]), dir) {
		st, err := os.Stat(p)
		must(t, err)
		want := fs.FileMode(0o600)
		if st.IsDir() {
			want = 0o700
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	b, err := os.ReadFile(files[0])
	must(t, err)
	for _, secret := range []string{value, scriptUsers[0].Token, scriptUsers[1].Token} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the cache holds a token value:\n%s", b)
		}
	}
	// Answered from the cache: no request the second time.
	srv.ResetRequests()
	if again := complete(t, env, "revoke", "-p", "a", ""); again != out {
		t.Errorf("from the cache:\n%s\nwant\n%s", again, out)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("a cached completion sent %d requests", n)
	}
}

func TestCompletionCacheIsInvalidatedByChanges(t *testing.T) {
	t.Parallel()
	_, env, dir, ci := seededWorld(t)
	complete(t, env, "revoke", "-p", "b", "")
	if n := len(cacheFiles(t, dir)); n != 2 {
		t.Fatalf("%d cache files, want 2", n)
	}
	// A create through either profile throws away the workspace's entries.
	if _, stderr, err := runIn(t, env, "create", "-p", "a", "--comment", "deploy", "--lifetime", "1d", "-o", "json"); err != nil {
		t.Fatalf("create: %v\n%s", err, stderr)
	}
	if files := cacheFiles(t, dir); len(files) != 0 {
		t.Fatalf("after create: %v", files)
	}
	out := complete(t, env, "revoke", "-p", "a", "")
	if !strings.Contains(out, "\tdeploy, expires in 24h\n") {
		t.Fatalf("after create:\n%s", out)
	}
	if _, stderr, err := runIn(t, env, "revoke", "-p", "a", ci.TokenID, "-o", "json"); err != nil {
		t.Fatalf("revoke: %v\n%s", err, stderr)
	}
	if out := complete(t, env, "revoke", "-p", "a", ""); strings.Contains(out, ci.TokenID) {
		t.Errorf("a revoked token is still offered:\n%s", out)
	}
}

// With a hung workspace, completion answers from what it has and returns;
// with nothing cached it gives up within its budget (under a second).
func TestCompletionNeverWaitsOnAHungWorkspace(t *testing.T) {
	t.Parallel()
	srv, env, dir, ci := seededWorld(t)
	files := cacheFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache files %v", files)
	}
	// The entry is a few minutes old: no longer fresh, still usable.
	b, err := os.ReadFile(files[0])
	must(t, err)
	var entry map[string]any
	must(t, json.Unmarshal(b, &entry))
	entry["fetched_at"] = time.Now().Add(-5 * time.Minute).UTC().Format(time.RFC3339Nano)
	b, _ = json.Marshal(entry)
	must(t, os.WriteFile(files[0], b, 0o600))

	srv.AddFault(emulator.Fault{Path: "/api/2.0/token/list", Kind: emulator.FaultHang})
	srv.ResetRequests()
	start := time.Now()
	out := complete(t, env, "revoke", "-p", "a", "")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("completion with a cached entry took %v", took)
	}
	if !strings.Contains(out, ci.TokenID+"\tci") {
		t.Errorf("the cached tokens were not offered:\n%s", out)
	}
	// ... and a refresh went on in the background (it now waits on the
	// hung workspace, not on the shell).
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if len(srv.Requests()) == 0 {
		t.Error("no refresh was started in the background")
	}

	// Nothing cached for profile b: nothing offered, without waiting.
	start = time.Now()
	out = complete(t, env, "revoke", "-p", "b", "")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("completion with nothing cached took %v", took)
	}
	if strings.Contains(out, "\t") {
		t.Errorf("candidates from a hung workspace:\n%s", out)
	}
}

func TestCompletionOfCommentsAndEveryUsersTokens(t *testing.T) {
	t.Parallel()
	srv, env, _ := completionWorld(t)
	for _, c := range []struct{ user, comment string }{{"alice", "ci"}, {"alice", "ci"}, {"alice", "deploy"}, {"bob", "bobs"}} {
		_, _, err := srv.Seed(c.user, c.comment, srv.Now(), 240*time.Hour)
		must(t, err)
	}
	for _, cmd := range [][]string{{"list"}, {"revoke"}, {"rotate"}} {
		out := complete(t, env, append(cmd, "-p", "a", "--comment", "")...)
		if !strings.Contains(out, "ci\t2 tokens\n") || !strings.Contains(out, "deploy\t1 token\n") || strings.Contains(out, "bobs") {
			t.Errorf("%v --comment:\n%s", cmd, out)
		}
	}
	out := complete(t, env, "revoke", "-p", "a", "--comment", "de")
	if strings.Contains(out, "ci\t") || !strings.Contains(out, "deploy\t") {
		t.Errorf("--comment de:\n%s", out)
	}
	// An admin's --all-users completes every user's tokens, with owners.
	out = complete(t, env, "revoke", "-p", "a", "--all-users", "")
	if !strings.Contains(out, "\tbobs, by bob, expires in 10d\n") || !strings.Contains(out, "\tdeploy, by alice, expires in 10d\n") {
		t.Errorf("--all-users:\n%s", out)
	}
	out = complete(t, env, "list", "-p", "a", "--all-users", "--comment", "")
	if !strings.Contains(out, "bobs\t1 token\n") {
		t.Errorf("--all-users --comment:\n%s", out)
	}
	// Flag descriptions carry no help placeholders' backticks.
	if out := complete(t, env, "list", "--p"); strings.Contains(out, "`") || !strings.Contains(out, "--parallel\t") {
		t.Errorf("flag descriptions:\n%s", out)
	}
}
