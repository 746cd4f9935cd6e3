package main

// End-to-end tests: each script in testdata/script runs the real dbtok
// binary against a fresh emulator on 127.0.0.1 and asserts on what a user
// sees (stdout, stderr, exit code, files) and on what the server holds.

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/testtool"
	"github.com/rogpeppe/go-internal/testscript"
)

// binDir holds the dbtok binary built once for the whole test run.
var binDir string

// TestVersion is stamped into the test binary so `version` has something to show.
const TestVersion = "v9.9.9-test"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// The end-to-end tests mostly wait on subprocesses and timeouts, not
	// on the CPU: run more of them at once than -parallel's default of
	// GOMAXPROCS, unless the caller chose.
	flag.Parse()
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == strconv.Itoa(runtime.GOMAXPROCS(0)) {
		_ = f.Value.Set("8")
	}
	dir, err := os.MkdirTemp("", "dbtok-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildDbtok(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Readable by all, so that tests may run dbtok as another user.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir = dir
	return m.Run()
}

// buildDbtok builds ./cmd/dbtok as users get it, with the race detector when
// the tests themselves run with it.
func buildDbtok(dir string) error {
	args := []string{"build", "-o", filepath.Join(dir, exe("dbtok")),
		"-ldflags", "-X github.com/dbtok/dbtok/internal/build.Version=" + TestVersion +
			" -X github.com/dbtok/dbtok/internal/build.Commit=0123456789abcdef0123" +
			" -X github.com/dbtok/dbtok/internal/build.Date=2026-11-23T00:00:00Z"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, ".")
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building dbtok: %w", err)
	}
	return nil
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   filepath.Join("testdata", "script"),
		Setup: setupScript,
		Cmds:  scriptCommands(),
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			// [have:PROGRAM]: an optional tool is installed; with
			// DBTOK_TEST_REQUIRE_ALL=1 a missing one fails the script.
			if program, ok := strings.CutPrefix(cond, "have:"); ok {
				why := testtool.Missing(program, testtool.Packages[program])
				if why != "" && testtool.RequireAll() {
					return false, fmt.Errorf("%s, and DBTOK_TEST_REQUIRE_ALL=1", why)
				}
				return why == "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		RequireUniqueNames:  true,
		RequireExplicitExec: true,
	})
}

// dbtokBin is the dbtok binary built for this test run.
func dbtokBin() string { return filepath.Join(binDir, exe("dbtok")) }
