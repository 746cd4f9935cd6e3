//go:build bench

package main

// `make bench`: dbtok against its physical limits, measured side by side
// with a baseline in one run (curl for one request, an empty Go program
// for start-up, the sequential alternative for parallel work). Prints a
// table; fails if a target is missed.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
)

type benchRow struct {
	scenario    string
	dbtok, base string
	ratio       string
	target      string
	pass        bool
}

const benchRuns = 9 // after one warm-up run

func TestBench(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("make bench compares against curl: install it (apt-get install curl)")
	}
	var rows []benchRow
	rows = append(rows, benchRoundTrips(t)...)
	rows = append(rows, benchLatency(t, 50*time.Millisecond, 1.1))
	rows = append(rows, benchLatency(t, 0, 1.3))
	rows = append(rows, benchStartup(t)...)
	rows = append(rows, benchWorkspaces(t))
	rows = append(rows, benchBulkRevoke(t))
	rows = append(rows, benchMemory(t))
	rows = append(rows, benchSize(t))

	var b strings.Builder
	fmt.Fprintf(&b, "\n| scenario | dbtok | baseline | ratio | target | result |\n|---|---|---|---|---|---|\n")
	failed := 0
	for _, r := range rows {
		res := "pass"
		if !r.pass {
			res, failed = "FAIL", failed+1
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.scenario, r.dbtok, r.base, r.ratio, r.target, res)
	}
	fmt.Println(b.String())
	if failed > 0 {
		t.Errorf("%d target(s) missed", failed)
	}
}

// benchEnv is one workspace for benchmarks: an emulator and a config file.
type benchEnv struct {
	srv  *emulator.Server
	home string
	env  []string
}

func newBenchEnv(t *testing.T, latency time.Duration) *benchEnv {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Users: scriptUsers[:1], Latency: latency, Quota: 100000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	home := t.TempDir()
	writeCfg(t, home, map[string]string{"DEFAULT": srv.URL})
	return &benchEnv{srv: srv, home: home, env: []string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "PATH=" + os.Getenv("PATH"),
	}}
}

func writeCfg(t *testing.T, home string, profiles map[string]string) {
	var b strings.Builder
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "[%s]\nhost = %s\ntoken = %s\n\n", n, profiles[n], scriptUsers[0].Token)
	}
	must(t, os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(b.String()), 0o600))
}

// measure runs cmd (a fresh process each time) once to warm up, then
// benchRuns times, and returns the median wall time and the peak RSS.
func measure(t *testing.T, env []string, name string, args ...string) (time.Duration, int64) {
	t.Helper()
	var times []time.Duration
	var peak int64
	for i := 0; i <= benchRuns; i++ {
		d, rss := runOnce(t, env, name, args...)
		if i == 0 {
			continue
		}
		times = append(times, d)
		peak = max(peak, rss)
	}
	return median(times), peak
}

func runOnce(t *testing.T, env []string, name string, args ...string) (time.Duration, int64) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	// A pipe, as when a script reads dbtok's output (dbtok refuses to
	// print a new token to /dev/null).
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	d := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	return d, rss
}

// peakRSS is the largest peak resident set of benchRuns runs, in KiB, as
// GNU time reports it. (The rusage of a child of this test process would
// count the test's own memory, which the child shares until it execs.)
func peakRSS(t *testing.T, env []string, name string, args ...string) int64 {
	t.Helper()
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		t.Fatal("the memory scenario needs GNU time (apt-get install time)")
	}
	var peak int64
	for i := 0; i < benchRuns; i++ {
		cmd := exec.Command("/usr/bin/time", append([]string{"-f", "maxrss=%M", name}, args...)...)
		cmd.Env = env
		cmd.Stdout = io.Discard
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		var kib int64
		i := strings.LastIndex(stderr.String(), "maxrss=")
		fmt.Sscanf(stderr.String()[i:], "maxrss=%d", &kib)
		peak = max(peak, kib)
	}
	return peak
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func curlArgs(e *benchEnv, path string) []string {
	return []string{"-sf", "-o", "/dev/null", "-H", "Authorization: Bearer " + scriptUsers[0].Token, e.srv.URL + path}
}

func benchRoundTrips(t *testing.T) []benchRow {
	e := newBenchEnv(t, 0)
	info, _, err := e.srv.Seed("alice", "old", e.srv.Now(), time.Hour)
	must(t, err)
	var rows []benchRow
	for _, c := range []struct {
		name string
		args []string
	}{
		{"token list", []string{"list", "-o", "json"}},
		{"token create", []string{"create", "--comment", "rt", "-o", "json"}},
		{"token revoke ID", []string{"revoke", info.TokenID, "-o", "json"}},
	} {
		e.srv.ResetRequests()
		runOnce(t, e.env, dbtokBin(), c.args...)
		n := len(e.srv.Requests())
		rows = append(rows, benchRow{scenario: "round trips: " + c.name, dbtok: fmt.Sprintf("%d request(s)", n),
			base: "1 (curl)", ratio: fmt.Sprintf("%d", n), target: "exactly 1", pass: n == 1})
	}
	return rows
}

func benchLatency(t *testing.T, latency time.Duration, target float64) benchRow {
	e := newBenchEnv(t, latency)
	d, _ := measure(t, e.env, dbtokBin(), "list", "-o", "json")
	c, _ := measure(t, e.env, "curl", curlArgs(e, "/api/2.0/token/list")...)
	ratio := float64(d) / float64(c)
	row := benchRow{scenario: fmt.Sprintf("latency: token list at %v server latency", latency), dbtok: ms(d), base: ms(c) + " (curl)",
		ratio: fmt.Sprintf("%.2fx", ratio), target: "report", pass: true}
	if target > 0 {
		row.target, row.pass = fmt.Sprintf("<= %.1fx", target), ratio <= target
	}
	return row
}

func benchStartup(t *testing.T) []benchRow {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module empty\n\ngo 1.25\n"), 0o600))
	empty := filepath.Join(dir, "empty")
	build := exec.Command("go", "build", "-o", empty, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the empty program: %v\n%s", err, out)
	}
	e := newBenchEnv(t, 0)
	base, _ := measure(t, e.env, empty)
	var rows []benchRow
	for _, c := range []struct {
		name string
		args []string
	}{
		{"dbtok version", []string{"version"}},
		{"dbtok --help", []string{"--help"}},
		{"profile completion", []string{"__complete", "--profile", ""}},
	} {
		e.srv.ResetRequests()
		d, _ := measure(t, e.env, dbtokBin(), c.args...)
		n := len(e.srv.Requests())
		rows = append(rows, benchRow{scenario: "start-up: " + c.name, dbtok: ms(d), base: ms(base) + " (empty Go program)",
			ratio: fmt.Sprintf("%.1fx", float64(d)/float64(base)), target: "no network", pass: n == 0})
	}
	return rows
}

func benchWorkspaces(t *testing.T) benchRow {
	const n = 20
	home := t.TempDir()
	profiles := map[string]string{}
	for i := 0; i < n; i++ {
		srv, err := emulator.Start(emulator.Options{Users: scriptUsers[:1], Latency: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		name := fmt.Sprintf("ws%02d", i)
		if i == 0 {
			name = "DEFAULT"
		}
		profiles[name] = srv.URL
	}
	writeCfg(t, home, profiles)
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "PATH=" + os.Getenv("PATH")}
	all, _ := measure(t, env, dbtokBin(), "list", "--all-profiles", "-o", "json")
	one, _ := measure(t, env, dbtokBin(), "list", "-o", "json")
	ratio := float64(all) / float64(one)
	return benchRow{scenario: "workspaces: list --all-profiles, 20 profiles at 100 ms", dbtok: ms(all), base: ms(one) + " (one profile)",
		ratio: fmt.Sprintf("%.2fx", ratio), target: "<= 2x", pass: ratio <= 2}
}

func benchBulkRevoke(t *testing.T) benchRow {
	const n = 300
	e := newBenchEnv(t, 20*time.Millisecond)
	seed := func() []string {
		ids := make([]string, n)
		for i := range ids {
			info, _, err := e.srv.Seed("alice", "bulk", e.srv.Now(), time.Hour)
			must(t, err)
			ids[i] = info.TokenID
		}
		return ids
	}
	// dbtok: one process, default parallelism.
	var bulk []time.Duration
	for i := 0; i < 4; i++ {
		ids := seed()
		d, _ := runOnce(t, e.env, dbtokBin(), append([]string{"revoke", "--yes", "-o", "json"}, ids...)...)
		if i > 0 {
			bulk = append(bulk, d)
		}
	}
	// Baseline: the same revokes, one process at a time.
	var seq []time.Duration
	for i := 0; i < 2; i++ {
		ids := seed()
		start := time.Now()
		for _, id := range ids {
			runOnce(t, e.env, dbtokBin(), "token", "revoke", id, "-o", "json")
		}
		seq = append(seq, time.Since(start))
	}
	d, s := median(bulk), median(seq)
	ratio := float64(d) / float64(s)
	return benchRow{scenario: "bulk revoke: 300 tokens at 20 ms", dbtok: ms(d), base: ms(s) + " (300 processes)",
		ratio: fmt.Sprintf("%.3fx", ratio), target: "<= 0.1x", pass: ratio <= 0.1}
}

func benchMemory(t *testing.T) benchRow {
	const n = 20000
	e := newBenchEnv(t, 0)
	for i := 0; i < n; i++ {
		_, _, err := e.srv.Seed("alice", fmt.Sprintf("token %d with a comment of ordinary length", i), e.srv.Now(), 24*time.Hour)
		must(t, err)
	}
	d, _ := measure(t, e.env, dbtokBin(), "list", "--all-users", "-o", "json")
	transfer, _ := measure(t, e.env, "curl", curlArgs(e, "/api/2.0/token-management/tokens")...)
	mib := float64(peakRSS(t, e.env, dbtokBin(), "list", "--all-users", "-o", "json")) / 1024
	return benchRow{scenario: "memory: list --all-users -o json, 20,000 tokens", dbtok: fmt.Sprintf("%s, %.1f MiB peak RSS", ms(d), mib),
		base: ms(transfer) + " (curl transfer)", ratio: fmt.Sprintf("+%s", ms(d-transfer)),
		target: "<= 60 MiB, < 1 s + transfer", pass: mib <= 60 && d-transfer < time.Second}
}

func benchSize(t *testing.T) benchRow {
	out := filepath.Join(t.TempDir(), "dbtok")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, ".")
	if o, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, o)
	}
	st, err := os.Stat(out)
	must(t, err)
	// Which SDK packages are linked: only client, config and settings (and
	// what they need), not the workspace client's hundreds of services.
	deps, err := exec.Command("go", "list", "-deps", ".").Output()
	must(t, err)
	var services []string
	for _, p := range strings.Fields(string(deps)) {
		if strings.HasPrefix(p, "github.com/databricks/databricks-sdk-go/service/") {
			services = append(services, strings.TrimPrefix(p, "github.com/databricks/databricks-sdk-go/service/"))
		}
	}
	whole := strings.Contains(string(deps), "github.com/databricks/databricks-sdk-go\n")
	return benchRow{scenario: "size: stripped binary", dbtok: fmt.Sprintf("%.1f MiB", float64(st.Size())/(1<<20)),
		base: "SDK services linked: " + strings.Join(services, ", "), ratio: "-",
		target: "no workspace client", pass: !whole}
}
