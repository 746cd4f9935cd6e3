package settings

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
	"github.com/dbtok/dbtok/internal/workspace"
)

const (
	hostA = "https://a.example.com"
	hostB = "https://b.example.com"
)

// world is a config file with profiles DEFAULT (workspace a), prod
// (workspace b) and dup (workspace a again), each workspace with its own
// policy.
type world struct {
	*cmdtest.Env
	mu       sync.Mutex
	policies map[string]*tokenstest.Policy
}

func newWorld(t *testing.T) *world {
	t.Helper()
	cmdtest.Hermetic(t)
	w := &world{Env: cmdtest.New(t), policies: map[string]*tokenstest.Policy{}}
	w.AddProfile("DEFAULT", hostA)
	w.AddProfile("prod", hostB)
	w.AddProfile("dup", hostA)
	return w
}

// policy is the workspace at host's policy.
func (w *world) policy(host string) *tokenstest.Policy {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := tokens.HostKey(host)
	if w.policies[key] == nil {
		w.policies[key] = tokenstest.NewPolicy()
	}
	return w.policies[key]
}

// deps are the env's fakes, with each workspace's policy behind Settings.
func (w *world) deps() cmdutil.Deps {
	d := w.Deps()
	open := d.Workspace
	d.Workspace = func(profile string) (*workspace.Workspace, error) {
		ws, err := open(profile)
		if err == nil {
			p := w.policy(ws.Host)
			ws.Settings, ws.Permissions = p, p
		}
		return ws, err
	}
	return d
}

// ask is dbtok's own asker on the env's streams: it can ask only after
// SetTerminal.
func (w *world) ask() tokens.ChangeAsker {
	return cmdutil.NewChangeAsker(w.IO, func() time.Time { return cmdtest.Now })
}

func TestNewCmdSettings(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		profile  string
		profiles []string
		parallel int
		wantErr  string
	}{
		{name: "one workspace", parallel: fanout.Adaptive},
		{name: "all profiles", args: []string{"--all-profiles", "--parallel", "2"}, profiles: []string{"DEFAULT", "prod", "dup"}, parallel: 2},
		{name: "some profiles", args: []string{"--profiles", "p*"}, profiles: []string{"prod"}, parallel: fanout.Adaptive},
		{name: "no match", args: []string{"--profiles", "nosuch"}, wantErr: `no profile in`},
		{name: "profile and all", args: []string{"--all-profiles"}, profile: "prod", wantErr: "--profile names one workspace"},
		{name: "stray word", args: []string{"sett"}, wantErr: `unknown command "sett" for "settings" (did you mean "set"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			f := w.Factory()
			f.Globals.Profile = tt.profile
			var got *Options
			cmd := NewCmdSettings(f, func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			err := w.Exec(cmd, tt.args...)
			if tt.wantErr != "" {
				cmdtest.Code(t, err, failure.Usage)
				cmdtest.Contains(t, "error", err.Error(), tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Profiles, tt.profiles) || got.Parallel != tt.parallel {
				t.Errorf("profiles %q parallel %d", got.Profiles, got.Parallel)
			}
		})
	}
}

func showJSON(t *testing.T, w *world, profiles []string) (string, error) {
	t.Helper()
	w.Stdout.Reset()
	w.Stderr.Reset()
	err := showRun(context.Background(), &Options{Deps: w.deps(), Profiles: profiles, Parallel: 2})
	return w.Stdout.String(), err
}

func TestShowOne(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetSettings(tokens.Settings{MaxLifetimeDays: 90, Enabled: true})
	out, err := showJSON(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got["profile"] != "DEFAULT" || got["host"] != hostA || got["max_token_lifetime_days"] != 90.0 || got["tokens_enabled"] != true || len(got) != 4 {
		t.Errorf("JSON %v", got)
	}

	// No maximum is null.
	w.policy(hostA).SetSettings(tokens.Settings{Enabled: false})
	out, _ = showJSON(t, w, nil)
	cmdtest.Contains(t, "JSON", out, `"max_token_lifetime_days": null`, `"tokens_enabled": false`)

	// People get a few lines.
	w.IO.SetStdoutTTY(true)
	out, _ = showJSON(t, w, nil)
	cmdtest.Contains(t, "summary", out, "Workspace: profile DEFAULT ("+hostA+")", "Lifetime:  no maximum (new tokens may live up to 730 days)", "Tokens:    disabled: no personal access token works in this workspace")
	w.policy(hostA).SetSettings(tokens.Settings{MaxLifetimeDays: 1, Enabled: true})
	out, _ = showJSON(t, w, nil)
	cmdtest.Contains(t, "summary", out, "Lifetime:  at most 1 day for new tokens", "Tokens:    enabled")
}

func TestShowCSV(t *testing.T) {
	w := newWorld(t)
	w.Output = output.Choice{Format: "csv"}
	w.policy(hostA).SetSettings(tokens.Settings{MaxLifetimeDays: 30, Enabled: true})
	out, err := showJSON(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out != "PROFILE,HOST,MAX LIFETIME,TOKENS\nDEFAULT,"+hostA+",30d,enabled\n" {
		t.Errorf("csv %q", out)
	}
}

func TestShowSeveral(t *testing.T) {
	w := newWorld(t)
	w.policy(hostB).SetSettings(tokens.Settings{MaxLifetimeDays: 30, Enabled: false})
	w.Break("dup", &failure.AuthError{Msg: "no credentials for profile dup"})
	out, err := showJSON(t, w, []string{"DEFAULT", "prod", "dup"})
	// The failing workspace is reported; the others still print.
	cmdtest.Code(t, err, failure.Auth)
	if !failure.IsReported(err) {
		t.Error("the failure was printed already: the root must not repeat it")
	}
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: no credentials for profile dup")
	var rows []settingsJSON
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rows) != 2 || rows[0].Profile != "DEFAULT" || rows[0].MaxTokenLifetimeDays != nil || rows[1].Profile != "prod" || rows[1].days() != 30 || rows[1].TokensEnabled {
		t.Errorf("rows %+v", rows)
	}

	w.IO.SetStdoutTTY(true)
	w.IO.SetTerminalWidth(120)
	out, _ = showJSON(t, w, []string{"DEFAULT", "prod"})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !slices.Equal(strings.Fields(lines[0]), []string{"PROFILE", "HOST", "MAX", "LIFETIME", "TOKENS"}) ||
		!slices.Equal(strings.Fields(lines[2]), []string{"prod", hostB, "30d", "disabled"}) {
		t.Errorf("table:\n%s", out)
	}

	// Nothing could be read: an empty array, and the failure's code.
	w.IO.SetStdoutTTY(false)
	w.Break("prod", &failure.AuthError{Msg: "no credentials for profile prod"})
	out, err = showJSON(t, w, []string{"prod"})
	cmdtest.Code(t, err, failure.Auth)
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("stdout %q", out)
	}
}

func TestShowFails(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).Fail(tokenstest.GetSettings, &failure.APIError{Kind: failure.KindPermission, Status: 403, Code: "PERMISSION_DENIED", Message: "Personal access tokens are disabled for this workspace."})
	_, err := showJSON(t, w, nil)
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "error", err.Error(), "cannot read the token settings in profile DEFAULT ("+hostA+"): Personal access tokens are disabled for this workspace. (HTTP 403); personal access tokens are turned off there", "sign in as a workspace admin with OAuth")

	w.policy(hostA).Fail(tokenstest.GetSettings, tokenstest.Unavailable())
	_, err = showJSON(t, w, nil)
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "error", err.Error(), "cannot read the token settings in profile DEFAULT ("+hostA+"): Service is temporarily unavailable (HTTP 503); the workspace is having trouble")

	w.Output = output.Choice{Format: "xml"}
	_, err = showJSON(t, w, nil)
	cmdtest.Code(t, err, failure.Usage)
}

// The real command tree runs show: flags parsed, then the run function.
func TestSettingsCommandRuns(t *testing.T) {
	w := newWorld(t)
	cmd := NewCmdSettings(w.Factory(), func(ctx context.Context, o *Options) error {
		o.Deps = w.deps()
		return showRun(ctx, o)
	})
	if err := w.Exec(cmd, "--profiles", "prod"); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), `"profile": "prod"`)
	if sub, _, err := cmd.Find([]string{"set"}); err != nil || sub.Name() != "set" {
		t.Error("settings has no set command")
	}
}
