// Package testtool lets a test that needs an optional tool (a shell, jq,
// chattr) run where the tool is installed and skip, naming the Debian
// package to install, where it is not; with DBTOK_TEST_REQUIRE_ALL=1 (set
// by CI after installing them all) a missing tool fails the test instead,
// so that CI never skips silently.
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireAll reports whether every optional tool must be present.
func RequireAll() bool { return os.Getenv("DBTOK_TEST_REQUIRE_ALL") == "1" }

// Missing explains what to install, or is "" when program is on PATH.
func Missing(program, pkg string) string {
	if _, err := exec.LookPath(program); err == nil {
		return ""
	}
	return fmt.Sprintf("needs %s, which is not installed (Debian package %s)", program, pkg)
}

// Need skips t unless program is on PATH.
func Need(t testing.TB, program, pkg string) {
	t.Helper()
	skipIf(t, Missing(program, pkg))
}

// NeedFile skips t unless path exists (a library, such as
// bash-completion's, rather than a program).
func NeedFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		skipIf(t, fmt.Sprintf("needs %s, which is not installed (Debian package %s)", path, pkg))
	}
}

func skipIf(t testing.TB, why string) {
	t.Helper()
	if why == "" {
		return
	}
	if RequireAll() {
		t.Fatalf("%s, and DBTOK_TEST_REQUIRE_ALL=1", why)
	}
	t.Skip(why)
}

// Packages names the Debian package of each optional tool tests use.
var Packages = map[string]string{
	"chattr": "e2fsprogs",
	"jq":     "jq",
	"zsh":    "zsh",
	"fish":   "fish",
	"bash":   "bash",
	"curl":   "curl",
	"tmux":   "tmux",
}
