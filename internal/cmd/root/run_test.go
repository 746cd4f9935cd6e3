package root

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/dbtok/dbtok/internal/cmd/version"
	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/iostreams"
)

// execute runs the real command tree, with the real factory, on test
// streams, and maps the error as Main does.
func execute(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	root := NewCmdRoot(NewFactory(ios))
	root.SetArgs(args)
	err := root.Execute()
	code = reportError(ios, root, err)
	return code, out.String(), errOut.String()
}

func TestRootUsageErrors(t *testing.T) {
	cmdtest.Hermetic(t)
	tests := []struct {
		args   []string
		stderr string
	}{
		// cobra's own message spans two lines; dbtok's is one, with the suggestion.
		{[]string{"lsit"}, "Error: unknown command \"lsit\" for \"dbtok\" (did you mean \"list\"?); see `dbtok --help`\n"},
		{[]string{"token", "rovoke"}, "Error: unknown command \"rovoke\" for \"dbtok token\" (did you mean \"revoke\"?); see `dbtok token --help`\n"},
		{[]string{"--bogus"}, "Error: unknown flag: --bogus; see `dbtok --help`\n"},
		{[]string{"list", "--expired=maybe"}, "see `dbtok list --help`"},
		// An enum flag explains itself; no second hint is appended.
		{[]string{"list", "--sort", "size"}, "Error: --sort \"size\": use one of expiry, created, comment, none\n"},
		{[]string{"version", "extra"}, "Error: unexpected argument \"extra\": `dbtok version` takes no arguments\n"},
		{[]string{"completion", "csh"}, `unsupported shell "csh"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := execute(t, tt.args...)
			if code != failure.Usage {
				t.Errorf("exit %d, want %d; stderr %q", code, failure.Usage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q", stdout)
			}
			if strings.HasSuffix(tt.stderr, "\n") {
				if stderr != tt.stderr {
					t.Errorf("stderr %q, want %q", stderr, tt.stderr)
				}
			} else {
				cmdtest.Contains(t, "stderr", stderr, tt.stderr)
			}
		})
	}
}

func TestRootHelpAndVersion(t *testing.T) {
	cmdtest.Hermetic(t)
	code, stdout, _ := execute(t)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	cmdtest.Contains(t, "help", stdout, "Token commands:", "create", "profiles", "Exit codes:")
	// Groups print "dbtok token [command]", not a runnable usage line too.
	_, stdout, _ = execute(t, "token", "--help")
	cmdtest.Lacks(t, "token help", stdout, "dbtok token [flags]")

	code, stdout, _ = execute(t, "--version")
	if code != 0 || stdout != version.Format()+"\n" {
		t.Errorf("--version: exit %d, %q", code, stdout)
	}
	code, _, stderr := execute(t, "-v")
	if code != failure.Usage || !strings.Contains(stderr, "unknown shorthand flag: 'v'") {
		t.Errorf("-v is not --version (gh and kubectl users read it as verbose): exit %d %q", code, stderr)
	}
}

// The real factory: settings, printer and config file, from flags and
// the environment.
func TestRootThroughFactory(t *testing.T) {
	cmdtest.Hermetic(t)
	cfg := filepath.Join(t.TempDir(), "cfg")
	if err := os.WriteFile(cfg, []byte("[DEFAULT]\nhost = https://a.example.com\ntoken = dapi0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := execute(t, "profiles", "--config-file", cfg, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil || len(rows) != 1 || rows[0]["name"] != "DEFAULT" || rows[0]["auth_type"] != "pat" {
		t.Errorf("stdout %s (%v)", stdout, err)
	}

	// DBTOK_OUTPUT chooses the format when -o does not.
	t.Setenv("DBTOK_OUTPUT", "csv")
	_, stdout, _ = execute(t, "profiles", "--config-file", cfg)
	if !strings.HasPrefix(stdout, "NAME,HOST,AUTH,DEFAULT\n") {
		t.Errorf("csv from the environment: %q", stdout)
	}
	// A bad one is a usage error that says where it came from.
	t.Setenv("DBTOK_OUTPUT", "xml")
	code, _, stderr = execute(t, "profiles", "--config-file", cfg)
	if code != failure.Usage || !strings.Contains(stderr, `unknown output format "xml"`) || !strings.Contains(stderr, "DBTOK_OUTPUT") {
		t.Errorf("exit %d, %q", code, stderr)
	}
	t.Setenv("DBTOK_OUTPUT", "")

	// version is text even when piped, unless -o says otherwise; and
	// --no-color and --debug are accepted everywhere.
	_, stdout, _ = execute(t, "version", "--no-color", "--debug")
	if stdout != version.Format()+"\n" {
		t.Errorf("version: %q", stdout)
	}
	_, stdout, _ = execute(t, "version", "--jq", ".version")
	if strings.TrimSpace(stdout) == "" || strings.Contains(stdout, "{") {
		t.Errorf("version --jq: %q", stdout)
	}

	// A config file named on the command line that is not there is a
	// usage error that names it.
	code, _, stderr = execute(t, "profiles", "--config-file", cfg+".missing")
	if code != failure.Usage || !strings.Contains(stderr, "--config-file "+cfg+".missing does not exist") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}

func TestReportError(t *testing.T) {
	cmdtest.Hermetic(t)
	tests := []struct {
		name   string
		err    error
		code   int
		stderr string
	}{
		{"none", nil, failure.OK, ""},
		{"already reported", &failure.Reported{Code: failure.Matched}, failure.Matched, ""},
		{"broken pipe", fmt.Errorf("write: %w", syscall.EPIPE), failure.Error, ""},
		{"not found", failure.NotFoundf("no token abc"), failure.NotFound, "Error: no token abc\n"},
		{"auth", &failure.AuthError{Msg: "no credentials"}, failure.Auth, "Error: no credentials\n"},
		{"interrupted", failure.Interrupted(errors.New("ctx")), failure.Canceled, "Error: interrupted\n"},
		// One line: a newline from a server is escaped, not obeyed.
		{"other", errors.New("boom\nsecond line"), failure.Error, "Error: boom\\nsecond line\n"},
		// A usage error that happens to start with the words stays as it is.
		{"usage about commands", failure.Usagef("unknown command words"), failure.Usage, "Error: unknown command words\n"},
		{"secret scrubbed", errors.New("bad token dapi0123456789abcdef0123456789abcdef"), failure.Error, "Error: bad token [REDACTED]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			root := NewCmdRoot(NewFactory(ios))
			if got := reportError(ios, root, tt.err); got != tt.code {
				t.Errorf("code %d, want %d", got, tt.code)
			}
			if errOut.String() != tt.stderr {
				t.Errorf("stderr %q, want %q", errOut, tt.stderr)
			}
		})
	}
	ios, _, _, _ := iostreams.Test()
	if got := unknownCommand(NewCmdRoot(NewFactory(ios)), "unknown command"); got != "unknown command; see `dbtok --help`" {
		t.Errorf("unknownCommand without a quoted word: %q", got)
	}
}

func TestSignalCode(t *testing.T) {
	if signalCode(syscall.SIGTERM) != failure.Terminated || signalCode(os.Interrupt) != failure.Canceled {
		t.Error("signal codes")
	}
}

// Main reads os.Args and writes to the process's stdout and stderr: both
// are swapped for files here.
func TestMainExitCodes(t *testing.T) {
	cmdtest.Hermetic(t)
	// Main lowers the soft memory limit for the process; put it back.
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	run := func(args ...string) (int, string, string) {
		t.Helper()
		dir := t.TempDir()
		out, _ := os.Create(filepath.Join(dir, "out"))
		errOut, _ := os.Create(filepath.Join(dir, "err"))
		oldArgs, oldOut, oldErr := os.Args, os.Stdout, os.Stderr
		os.Args, os.Stdout, os.Stderr = append([]string{"dbtok"}, args...), out, errOut
		code := Main()
		os.Args, os.Stdout, os.Stderr = oldArgs, oldOut, oldErr
		out.Close()
		errOut.Close()
		o, _ := os.ReadFile(out.Name())
		e, _ := os.ReadFile(errOut.Name())
		return code, string(o), string(e)
	}
	if code, stdout, _ := run("version"); code != 0 || stdout != version.Format()+"\n" {
		t.Errorf("version: exit %d, %q", code, stdout)
	}
	if debug.SetMemoryLimit(-1) != MemoryLimit {
		t.Error("Main did not set the soft memory limit")
	}
	if code, _, stderr := run("nosuch"); code != failure.Usage || !strings.Contains(stderr, `Error: unknown command "nosuch" for "dbtok"`) {
		t.Errorf("nosuch: exit %d, %q", code, stderr)
	}
	// The user's GOMEMLIMIT wins.
	debug.SetMemoryLimit(prev)
	t.Setenv("GOMEMLIMIT", "1GiB")
	run("version")
	if debug.SetMemoryLimit(-1) != prev {
		t.Error("Main overrode GOMEMLIMIT")
	}
}
