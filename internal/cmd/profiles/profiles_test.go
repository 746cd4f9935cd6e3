package profiles

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const (
	hostA = "https://a.example.com"
	hostB = "https://b.example.com"
)

func TestNewCmdProfiles(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantCheck bool
		wantPar   int
		wantErr   string
	}{
		{name: "defaults", wantPar: fanout.Adaptive},
		{name: "check", args: []string{"--check", "--parallel", "3"}, wantCheck: true, wantPar: 3},
		{name: "parallel zero", args: []string{"--parallel", "0"}, wantErr: "--parallel must be at least 1"},
		{name: "argument", args: []string{"prod"}, wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := cmdtest.New(t)
			var got *Options
			cmd := NewCmdProfiles(e.Factory(), func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			err := e.Exec(cmd, tt.args...)
			if tt.wantErr != "" {
				cmdtest.Code(t, err, failure.Usage)
				cmdtest.Contains(t, "error", err.Error(), tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Check != tt.wantCheck || got.Parallel != tt.wantPar || got.Warn == nil {
				t.Errorf("options %+v", got)
			}
		})
	}
}

type profileRow struct {
	Name     string `json:"name"`
	Host     string `json:"host"`
	AuthType string `json:"auth_type"`
	Default  bool   `json:"default"`
	Check    *struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"check"`
}

// setup has a PAT profile per workspace and one signing in through the
// Databricks CLI, which has no token.
func setup(t *testing.T) *cmdtest.Env {
	t.Helper()
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", hostA)
	e.AddProfile("prod", hostB)
	e.WriteConfig(e.Config() + "[sso]\nhost = " + hostA + "\nauth_type = databricks-cli\n")
	return e
}

// warnList collects what the command warns about.
type warnList []string

func (w *warnList) add(s string) { *w = append(*w, s) }

func run(e *cmdtest.Env, check bool) ([]string, error) {
	var warnings warnList
	err := profilesRun(context.Background(), &Options{Deps: e.Deps(), Check: check, Parallel: 2, Warn: warnings.add})
	return warnings, err
}

func TestProfilesJSON(t *testing.T) {
	e := setup(t)
	warnings, err := run(e, false)
	if err != nil {
		t.Fatal(err)
	}
	var rows []profileRow
	if err := json.Unmarshal(e.Stdout.Bytes(), &rows); err != nil {
		t.Fatalf("%v\n%s", err, e.Stdout)
	}
	want := []profileRow{
		{Name: "DEFAULT", Host: hostA, AuthType: "pat", Default: true},
		{Name: "prod", Host: hostB, AuthType: "pat"},
		{Name: "sso", Host: hostA, AuthType: "databricks-cli"},
	}
	if !slices.EqualFunc(rows, want, func(a, b profileRow) bool {
		return a.Name == b.Name && a.Host == b.Host && a.AuthType == b.AuthType && a.Default == b.Default && a.Check == nil
	}) {
		t.Errorf("rows %+v, want %+v", rows, want)
	}
	// No secret is ever shown, and without --check nothing is called.
	for _, tok := range e.Fake(hostA).Tokens() {
		v, _ := e.Fake(hostA).Value(tok.ID)
		cmdtest.Lacks(t, "stdout", e.Stdout.String(), v.Reveal())
	}
	if len(e.Fake(hostA).Calls())+len(e.Fake(hostB).Calls()) != 0 {
		t.Error("listing profiles called a workspace")
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
}

func TestProfilesTable(t *testing.T) {
	e := setup(t)
	e.IO.SetStdoutTTY(true)
	e.IO.SetTerminalWidth(100)
	if _, err := run(e, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(e.Stdout.String(), "\n"), "\n")
	if len(lines) != 4 || !slices.Equal(strings.Fields(lines[0]), []string{"NAME", "HOST", "AUTH", "DEFAULT"}) {
		t.Fatalf("table:\n%s", e.Stdout)
	}
	if f := strings.Fields(lines[1]); !slices.Equal(f, []string{"DEFAULT", hostA, "pat", "*"}) {
		t.Errorf("default row %q", f)
	}
	if f := strings.Fields(lines[3]); !slices.Equal(f, []string{"sso", hostA, "databricks-cli"}) {
		t.Errorf("sso row %q", f)
	}
}

func TestProfilesCheck(t *testing.T) {
	e := setup(t)
	e.Fake(hostB).Fail(tokenstest.List, tokenstest.AuthError())
	_, err := run(e, true)
	// The first failure's code; it was shown in the output already.
	cmdtest.Code(t, err, failure.Auth)
	if !failure.IsReported(err) {
		t.Error("the failure is in the output: the root must not repeat it")
	}
	var rows []profileRow
	if err := json.Unmarshal(e.Stdout.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if rows[0].Check == nil || !rows[0].Check.OK || rows[1].Check == nil || rows[1].Check.OK {
		t.Fatalf("checks %+v %+v", rows[0].Check, rows[1].Check)
	}
	cmdtest.Contains(t, "prod's error", rows[1].Check.Error, "cannot list tokens in profile prod ("+hostB+"): Invalid access token (HTTP 401)")
	// Each profile signed in with its own credential.
	if c := e.Fake(hostB).Calls(); len(c) != 1 || c[0].Err == nil {
		t.Errorf("prod calls %+v", c)
	}
	if c := e.Fake(hostA).CallsTo(tokenstest.List); len(c) != 2 {
		t.Errorf("workspace a listed %d times, want once per profile", len(c))
	}

	// On a terminal the failed row says why.
	e.Stdout.Reset()
	e.IO.SetStdoutTTY(true)
	e.IO.SetTerminalWidth(200)
	if err := profilesRun(context.Background(), &Options{Deps: e.Deps(), Check: true, Parallel: 1, Warn: func(string) {}}); failure.Code(err) != failure.Auth {
		t.Fatalf("exit %d", failure.Code(err))
	}
	cmdtest.Contains(t, "table", e.Stdout.String(), "CHECK", "ok", "failed: cannot list tokens in profile prod")
}

func TestProfilesCheckOpenFails(t *testing.T) {
	e := setup(t)
	e.Break("sso", &failure.AuthError{Msg: "databricks-cli: not logged in"})
	_, err := run(e, true)
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "stdout", e.Stdout.String(), "databricks-cli: not logged in")
}

func TestProfilesDefault(t *testing.T) {
	t.Run("settings section", func(t *testing.T) {
		e := setup(t)
		e.WriteConfig(e.Config() + "[__settings__]\ndefault_profile = prod\n")
		if _, err := run(e, false); err != nil {
			t.Fatal(err)
		}
		var rows []profileRow
		_ = json.Unmarshal(e.Stdout.Bytes(), &rows)
		if len(rows) != 3 || rows[0].Default || !rows[1].Default {
			t.Errorf("rows %+v: prod is the default", rows)
		}
	})
	t.Run("environment", func(t *testing.T) {
		e := setup(t)
		t.Setenv("DATABRICKS_CONFIG_PROFILE", "sso")
		warnings, err := run(e, false)
		if err != nil {
			t.Fatal(err)
		}
		var rows []profileRow
		_ = json.Unmarshal(e.Stdout.Bytes(), &rows)
		if rows[0].Default || !rows[2].Default || len(warnings) != 0 {
			t.Errorf("rows %+v, warnings %q", rows, warnings)
		}
	})
	t.Run("environment names a missing profile", func(t *testing.T) {
		e := setup(t)
		t.Setenv("DATABRICKS_CONFIG_PROFILE", "staging")
		warnings, err := run(e, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], `DATABRICKS_CONFIG_PROFILE names profile "staging", which`) {
			t.Errorf("warnings %q", warnings)
		}
	})
}

func TestProfilesConfigProblems(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		e := setup(t)
		if err := os.Remove(e.ConfigPath); err != nil {
			t.Fatal(err)
		}
		_, err := run(e, false)
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "config file not found", "create it with a [DEFAULT] profile (host and token)")
	})
	t.Run("not INI", func(t *testing.T) {
		e := setup(t)
		e.WriteConfig("[DEFAULT\nhost = x\n")
		_, err := run(e, false)
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "line 1: a [section] header is not closed")
	})
	t.Run("readable by others", func(t *testing.T) {
		e := setup(t)
		if err := os.Chmod(e.ConfigPath, 0o644); err != nil {
			t.Fatal(err)
		}
		warnings, err := run(e, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], "holds credentials but other users can access it (mode 0644); run: chmod 600 "+e.ConfigPath) {
			t.Errorf("warnings %q", warnings)
		}
	})
	t.Run("empty", func(t *testing.T) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		e.IO.SetStdoutTTY(true)
		if _, err := run(e, false); err != nil {
			t.Fatal(err)
		}
		cmdtest.Contains(t, "stderr", e.Stderr.String(), "No profiles in the config file.")
	})
	t.Run("bad output", func(t *testing.T) {
		e := setup(t)
		e.Output = output.Choice{Format: "xml"}
		_, err := run(e, false)
		cmdtest.Code(t, err, failure.Usage)
	})
}
