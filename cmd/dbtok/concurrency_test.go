package main

// Concurrency is a user: cron and a person, or parallel CI jobs, run dbtok
// at the same time on one config file and one delivery record. These
// tests run the real binary many times at once and check that no run's
// edit is lost: afterwards every profile signs in, and the workspace holds
// exactly one live token per profile.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/emulator"
	"github.com/dbtok/dbtok/internal/tokens"
)

// concurrencyEnv is an emulator, a home with a config file of n profiles,
// each signing in with its own token (comment "p<i>"), and the
// environment to run dbtok in.
func concurrencyEnv(t *testing.T, n int) (*emulator.Server, string, []string) {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Users: scriptUsers[:1]})
	must(t, err)
	t.Cleanup(func() { srv.Close() })
	home := t.TempDir()
	env := []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".state"),
		"PATH=" + os.Getenv("PATH"),
		"DBTOK_PROMPT_DISABLED=1",
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "[DEFAULT]\nhost = %s\ntoken = %s\n", srv.URL, scriptUsers[0].Token)
	for i := 0; i < n; i++ {
		_, value, err := srv.Seed("alice", fmt.Sprintf("p%d", i), srv.Now(), -1)
		must(t, err)
		fmt.Fprintf(&cfg, "\n# profile %d\n[p%d]\nhost = %s\ntoken = %s\n", i, i, srv.URL, value)
	}
	cfgPath := filepath.Join(home, ".databrickscfg")
	must(t, os.WriteFile(cfgPath, []byte(cfg.String()), 0o600))
	return srv, cfgPath, env
}

// runConcurrently runs dbtok with each argument list at the same time and
// returns each run's exit code and stderr.
func runConcurrently(t *testing.T, env []string, runs [][]string) ([]int, []string) {
	t.Helper()
	codes := make([]int, len(runs))
	stderrs := make([]string, len(runs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, args := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(filepath.Join(binDir, exe("dbtok")), args...)
			cmd.Env = env
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			<-start
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); ok {
				codes[i] = ee.ExitCode()
			} else if err != nil {
				t.Error(err)
			}
			stderrs[i] = errOut.String()
		}()
	}
	close(start)
	wg.Wait()
	return codes, stderrs
}

// checkProfilesWork proves that every profile of the config file signs
// in as written, and that the workspace holds exactly one live token per
// profile: the one in the file.
func checkProfilesWork(t *testing.T, srv *emulator.Server, cfgPath string, env []string, n int) {
	t.Helper()
	raw, err := os.ReadFile(cfgPath)
	must(t, err)
	file, err := databrickscfg.Parse(cfgPath, raw)
	must(t, err)
	live := map[string]bool{}
	for _, tok := range srv.Tokens("alice") {
		live[tok.TokenID] = true
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("p%d", i)
		p, ok := file.Get(name)
		if !ok {
			t.Fatalf("profile %s is gone from the config file", name)
		}
		id := tokens.NewSecret(p.Keys["token"]).Digest()
		if !live[id] {
			t.Errorf("profile %s holds a token that is not live: an edit was lost", name)
		}
		cmd := exec.Command(filepath.Join(binDir, exe("dbtok")), "list", "-p", name)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("profile %s does not sign in: %v\n%s", name, err, out)
		}
	}
	// One live token per profile (p0..pn-1) plus DEFAULT's bootstrap token.
	counts := map[string]int{}
	for _, tok := range srv.Tokens("alice") {
		counts[tok.Comment]++
	}
	for i := 0; i < n; i++ {
		if c := counts[fmt.Sprintf("p%d", i)]; c != 1 {
			t.Errorf("the workspace holds %d live tokens for profile p%d, want 1", c, i)
		}
	}
	if got := len(srv.Tokens("alice")); got != n+1 {
		t.Errorf("the workspace holds %d live tokens, want %d (one per profile and DEFAULT's)", got, n+1)
	}
	if strings.Count(string(raw), "# profile ") != n {
		t.Errorf("comments in the config file were lost:\n%s", raw)
	}
}

// Eight rotations of different profiles in one config file at once: each
// waits for the file's lock, so none overwrites another's new token.
func TestConcurrentRotationsOfDifferentProfiles(t *testing.T) {
	const n = 8
	srv, cfgPath, env := concurrencyEnv(t, n)
	var runs [][]string
	for i := 0; i < n; i++ {
		runs = append(runs, []string{"rotate", "-p", fmt.Sprintf("p%d", i), "--update-profile", "--yes", "-o", "json"})
	}
	codes, stderrs := runConcurrently(t, env, runs)
	for i, c := range codes {
		if c != 0 {
			t.Errorf("rotation of p%d exited %d:\n%s", i, c, stderrs[i])
		}
	}
	checkProfilesWork(t, srv, cfgPath, env, n)
}

// Five rotations of the same profile at once: they take turns, each
// rotating the token the one before it wrote.
func TestConcurrentRotationsOfOneProfile(t *testing.T) {
	srv, cfgPath, env := concurrencyEnv(t, 1)
	var runs [][]string
	for i := 0; i < 5; i++ {
		runs = append(runs, []string{"rotate", "-p", "p0", "--update-profile", "--yes", "-o", "json"})
	}
	codes, stderrs := runConcurrently(t, env, runs)
	for i, c := range codes {
		if c != 0 {
			t.Errorf("run %d exited %d:\n%s", i, c, stderrs[i])
		}
	}
	created := 0
	for _, tok := range srv.AllTokens() {
		if tok.Comment == "p0" {
			created++
		}
	}
	if created != 6 {
		t.Errorf("%d tokens were made for p0, want the seeded one and one per run (6)", created)
	}
	checkProfilesWork(t, srv, cfgPath, env, 1)
}

// Ten creates at once: the delivery record keeps all ten (it lost three
// of ten before it was locked).
func TestConcurrentCreatesAreAllRecorded(t *testing.T) {
	_, _, env := concurrencyEnv(t, 0)
	var runs [][]string
	dir := t.TempDir()
	for i := 0; i < 10; i++ {
		runs = append(runs, []string{"create", "--comment", "par", "--out", filepath.Join(dir, fmt.Sprintf("t%d", i))})
	}
	codes, stderrs := runConcurrently(t, env, runs)
	for i, c := range codes {
		if c != 0 {
			t.Fatalf("create %d exited %d:\n%s", i, c, stderrs[i])
		}
	}
	var state string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "XDG_STATE_HOME="); ok {
			state = v
		}
	}
	b, err := os.ReadFile(filepath.Join(state, "dbtok", "issued.json"))
	must(t, err)
	var rec struct {
		Hosts map[string]struct {
			Tokens map[string]any `json:"tokens"`
		} `json:"hosts"`
	}
	must(t, json.Unmarshal(b, &rec))
	total := 0
	for _, h := range rec.Hosts {
		total += len(h.Tokens)
	}
	if total != 10 {
		t.Errorf("the delivery record holds %d tokens after 10 parallel creates", total)
	}
}
