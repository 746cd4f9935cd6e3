package settings

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

func TestNewCmdSet(t *testing.T) {
	tests := []struct {
		args     []string
		setting  string
		days     int
		enabled  bool
		profiles []string
		wantErr  string
	}{
		{args: []string{"max-lifetime", "90d"}, setting: MaxLifetime, days: 90},
		{args: []string{"max-lifetime", "2w"}, setting: MaxLifetime, days: 14},
		{args: []string{"max-lifetime", "1d"}, setting: MaxLifetime, days: 1},
		{args: []string{"max-lifetime", "730d"}, setting: MaxLifetime, days: 730},
		{args: []string{"max-lifetime", "48h"}, setting: MaxLifetime, days: 2},
		{args: []string{"max-lifetime", "90"}, setting: MaxLifetime, days: 90},
		{args: []string{"max-lifetime", "none"}, setting: MaxLifetime},
		{args: []string{"max-lifetime", "0"}, setting: MaxLifetime},
		{args: []string{"maxTokenLifetimeDays", "30", "--all-profiles"}, setting: MaxLifetime, days: 30, profiles: []string{"DEFAULT", "prod", "dup"}},
		{args: []string{"tokens-enabled", "false"}, setting: TokensEnabled},
		{args: []string{"Tokens-Enabled", "TRUE", "--profiles", "prod"}, setting: TokensEnabled, enabled: true, profiles: []string{"prod"}},
		{args: []string{"enableTokensConfig", "true"}, setting: TokensEnabled, enabled: true},
		{args: []string{"max-lifetime", "36h"}, wantErr: "max-lifetime 36h is not a whole number of days"},
		{args: []string{"max-lifetime", "731d"}, wantErr: "max-lifetime 731d is 731 days: Databricks allows a maximum of 1 to 730 days (or none)"},
		{args: []string{"max-lifetime", "1000"}, wantErr: "Databricks allows a maximum of 1 to 730 days"},
		{args: []string{"max-lifetime", "1y"}, wantErr: "max-lifetime:"},
		{args: []string{"max-lifetime", "--", "-5d"}, wantErr: "max-lifetime:"},
		{args: []string{"max-lifetime", " "}, wantErr: "max-lifetime needs a value"},
		{args: []string{"tokens-enabled", "maybe"}, wantErr: `tokens-enabled takes true or false, not "maybe"`},
		{args: []string{"lifetime", "90d"}, wantErr: `unknown setting "lifetime": use max-lifetime or tokens-enabled`},
		{args: []string{"max-lifetime"}, wantErr: "give a setting and its value"},
		{args: []string{"max-lifetime", "90d", "--yes", "--dry-run"}, wantErr: "use either --yes or --dry-run"},
		{args: []string{"max-lifetime", "90d", "--parallel", "0", "--all-profiles"}, wantErr: "--parallel must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			w := newWorld(t)
			var got *SetOptions
			cmd := NewCmdSet(w.Factory(), func(_ context.Context, o *SetOptions) error {
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
			if got.Setting != tt.setting || got.Days != tt.days || got.Enabled != tt.enabled || !slices.Equal(got.Profiles, tt.profiles) || got.Ask == nil {
				t.Errorf("options %+v", got)
			}
		})
	}
}

func TestCompleteSet(t *testing.T) {
	names, _ := completeSet(nil, nil, "")
	if len(names) != 2 || !strings.HasPrefix(names[0], "max-lifetime\t") || !strings.HasPrefix(names[1], "tokens-enabled\t") {
		t.Errorf("settings %q", names)
	}
	days, _ := completeSet(nil, []string{"max-lifetime"}, "")
	if !slices.Contains(days, "90d") || !strings.HasPrefix(days[len(days)-1], "none\t") {
		t.Errorf("durations %q", days)
	}
	bools, _ := completeSet(nil, []string{"tokens-enabled"}, "")
	if len(bools) != 2 || !strings.HasPrefix(bools[0], "true\t") || !strings.HasPrefix(bools[1], "false\t") {
		t.Errorf("values %q", bools)
	}
	if more, _ := completeSet(nil, []string{"tokens-enabled", "true"}, ""); len(more) != 0 {
		t.Errorf("a third argument %q", more)
	}
}

type changeOut struct {
	Profile   string `json:"profile"`
	Host      string `json:"host"`
	Setting   string `json:"setting"`
	Old       any    `json:"old"`
	New       any    `json:"new"`
	Status    string `json:"status"`
	Error     string `json:"error"`
	ErrorCode string `json:"error_code"`
}

type setOut struct {
	DryRun  *bool       `json:"dry_run"`
	Changes []changeOut `json:"changes"`
}

func set(t *testing.T, w *world, o SetOptions) (setOut, error) {
	t.Helper()
	w.Stdout.Reset()
	w.Stderr.Reset()
	o.Deps = w.deps()
	o.Ask = w.ask
	if o.Parallel == 0 {
		o.Parallel = 2
	}
	err := setRun(context.Background(), &o)
	var out setOut
	if w.Stdout.Len() > 0 && (w.Output.Format == "" || w.Output.Format == "json") && !w.IO.IsStdoutTTY() {
		if jerr := json.Unmarshal(w.Stdout.Bytes(), &out); jerr != nil {
			t.Fatalf("%v\n%s", jerr, w.Stdout)
		}
	}
	return out, err
}

func TestSetRefusedWithoutTerminal(t *testing.T) {
	w := newWorld(t)
	_, err := set(t, w, SetOptions{Setting: TokensEnabled, Enabled: false})
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "refusing to turn personal access tokens off in profile DEFAULT ("+hostA+") without confirmation: there is no terminal to ask on; pass --yes")
	if !w.policy(hostA).Current().Enabled || slices.Contains(w.policy(hostA).Calls(), tokenstest.SetEnabled) {
		t.Error("changed without confirmation")
	}
}

func TestSetWithYes(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetSettings(tokens.Settings{MaxLifetimeDays: 90, Enabled: true})
	out, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 30, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.policy(hostA).Current().MaxLifetimeDays; got != 30 {
		t.Errorf("the workspace holds %d days", got)
	}
	want := changeOut{Profile: "DEFAULT", Host: hostA, Setting: "max_token_lifetime_days", Old: 90.0, New: 30.0, Status: "changed"}
	if out.DryRun == nil || *out.DryRun || len(out.Changes) != 1 || out.Changes[0] != want {
		t.Errorf("JSON %+v", out)
	}
	// Lowering the maximum limits every new token: said once done.
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Warning: new tokens in profile DEFAULT ("+hostA+") can live at most 30 days (existing tokens keep their expiry).")

	// Removing the maximum: null, and nothing to warn about.
	out, err = set(t, w, SetOptions{Setting: MaxLifetime, Days: 0, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Changes[0].New != nil || out.Changes[0].Old != 30.0 || w.policy(hostA).Current().MaxLifetimeDays != 0 {
		t.Errorf("JSON %+v", out)
	}
	cmdtest.Lacks(t, "stderr", w.Stderr.String(), "Warning")
}

func TestSetUnchanged(t *testing.T) {
	w := newWorld(t)
	w.IO.SetStdoutTTY(true)
	_, err := set(t, w, SetOptions{Setting: TokensEnabled, Enabled: true})
	// Already so: nothing to confirm, nothing sent.
	if err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "Personal access tokens are already on in profile DEFAULT ("+hostA+"): nothing to change")
	if slices.Contains(w.policy(hostA).Calls(), tokenstest.SetEnabled) {
		t.Error("sent a change that changes nothing")
	}
	w.policy(hostA).SetSettings(tokens.Settings{MaxLifetimeDays: 90, Enabled: true})
	if _, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 90}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "The maximum token lifetime is already 90 days in profile DEFAULT")
}

func TestSetDryRun(t *testing.T) {
	w := newWorld(t)
	out, err := set(t, w, SetOptions{Setting: TokensEnabled, Enabled: false, DryRun: true, Profiles: []string{"DEFAULT", "prod", "dup"}})
	if err != nil {
		t.Fatal(err)
	}
	if !w.policy(hostA).Current().Enabled || !w.policy(hostB).Current().Enabled {
		t.Error("a dry run changed something")
	}
	if out.DryRun == nil || !*out.DryRun || len(out.Changes) != 2 || out.Changes[0].Status != "would_change" || out.Changes[1].Profile != "prod" || out.Changes[0].Old != true || out.Changes[0].New != false {
		t.Errorf("JSON %+v", out)
	}
	// dup reaches DEFAULT's workspace: planned once.
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Note: profile dup reaches the same workspace as profile DEFAULT: it is changed once, through DEFAULT.")

	// For people, the effect is spelled out, naming the profiles that
	// sign in to the workspace with a token.
	w.Output = output.Choice{Format: "table"}
	w.IO.SetStdoutTTY(true)
	if _, err := set(t, w, SetOptions{Setting: TokensEnabled, Enabled: false, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "Would turn personal access tokens off in profile DEFAULT ("+hostA+")")
	cmdtest.Contains(t, "stderr", w.Stderr.String(),
		"1 change would be made (dry run: nothing was changed).",
		"Warning: every personal access token in profile DEFAULT ("+hostA+") stops working until tokens are turned on again (none is deleted), including any that profiles DEFAULT and dup sign in with; only a workspace admin signed in with OAuth can turn them on again.")
	cmdtest.Lacks(t, "stderr", w.Stderr.String(), "prod sign")
}

func TestSetOnTerminal(t *testing.T) {
	for _, answer := range []string{"y\n", "n\n"} {
		t.Run(strings.TrimSpace(answer), func(t *testing.T) {
			w := newWorld(t)
			w.policy(hostA).SetSettings(tokens.Settings{MaxLifetimeDays: 90, Enabled: true})
			term := w.SetTerminal(answer)
			// stdout is piped: the question still goes to the terminal.
			out, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 7})
			if err != nil {
				t.Fatal(err)
			}
			shown := term.Shown()
			cmdtest.Contains(t, "terminal", shown, "CHANGE", "maximum token lifetime", "90 days", "7 days",
				"Set the maximum lifetime of new tokens to 7 days in profile DEFAULT ("+hostA+")? New tokens in profile DEFAULT ("+hostA+") can live at most 7 days (existing tokens keep their expiry). [y/N]")
			got := w.policy(hostA).Current().MaxLifetimeDays
			if answer == "y\n" {
				if got != 7 || out.Changes[0].Status != "changed" {
					t.Errorf("holds %d, JSON %+v", got, out)
				}
				return
			}
			if got != 90 || w.Stdout.Len() != 0 {
				t.Errorf("declined, yet holds %d; stdout %q", got, w.Stdout)
			}
			cmdtest.Contains(t, "stderr", w.Stderr.String(), "Nothing changed.")
		})
	}
}

// Several workspaces are confirmed once, for the whole plan.
func TestSetSeveralOnTerminal(t *testing.T) {
	w := newWorld(t)
	term := w.SetTerminal("y\n")
	out, err := set(t, w, SetOptions{Setting: TokensEnabled, Enabled: false, Profiles: []string{"DEFAULT", "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(term.Shown(), "[y/N]"); n != 1 {
		t.Errorf("asked %d times:\n%s", n, term.Shown())
	}
	cmdtest.Contains(t, "terminal", term.Shown(), "PROFILE", "Turn personal access tokens off in 2 workspaces (profiles DEFAULT and prod)?")
	if w.policy(hostA).Current().Enabled || w.policy(hostB).Current().Enabled || len(out.Changes) != 2 {
		t.Errorf("JSON %+v", out)
	}
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Warning: every personal access token in profile DEFAULT", "Warning: every personal access token in profile prod")
}

func TestSetNotAdmin(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).NotAdmin = true
	out, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 30, Yes: true})
	cmdtest.Code(t, err, failure.Auth)
	msg := "cannot change the maximum token lifetime in profile DEFAULT (" + hostA + "): workspace admin rights are needed (HTTP 403); use the profile of a workspace admin"
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: "+msg)
	if len(out.Changes) != 1 || out.Changes[0].Status != "failed" || out.Changes[0].Error != msg || out.Changes[0].ErrorCode != "PERMISSION_DENIED" {
		t.Errorf("JSON %+v", out)
	}
	if w.policy(hostA).Current().MaxLifetimeDays != 0 {
		t.Error("changed")
	}

	_, err = set(t, w, SetOptions{Setting: TokensEnabled, Enabled: false, Yes: true})
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: cannot turn personal access tokens off in profile DEFAULT")
}

// A change whose answer was lost may have happened: say how to check.
func TestSetLostAnswer(t *testing.T) {
	w := newWorld(t)
	w.policy(hostB).Fail(tokenstest.SetEnabled, tokenstest.LostAnswer())
	w.Output = output.Choice{Format: "table"}
	_, err := set(t, w, SetOptions{Setting: TokensEnabled, Enabled: false, Yes: true, Profiles: []string{"DEFAULT", "prod"}})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: cannot turn personal access tokens off in profile prod ("+hostB+"): connection reset by peer", "it may have changed anyway: check with `dbtok settings -p prod`")
	// DEFAULT's change went through and is reported; prod's failure is
	// on stderr only.
	lines := strings.Split(strings.TrimSpace(w.Stdout.String()), "\n")
	if len(lines) != 1 || lines[0] != "✓ Turned personal access tokens off in profile DEFAULT ("+hostA+")" {
		t.Errorf("stdout %q", lines)
	}
	if w.policy(hostA).Current().Enabled {
		t.Error("DEFAULT not changed")
	}
}

func TestSetSeveralOneFails(t *testing.T) {
	w := newWorld(t)
	w.Break("prod", &failure.AuthError{Msg: "no credentials for profile prod"})
	out, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 60, Yes: true, Profiles: []string{"DEFAULT", "prod"}})
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: no credentials for profile prod")
	if len(out.Changes) != 1 || out.Changes[0].Profile != "DEFAULT" || w.policy(hostA).Current().MaxLifetimeDays != 60 {
		t.Errorf("JSON %+v", out)
	}

	// One workspace that cannot be read: its error, nothing else.
	w.policy(hostA).Fail(tokenstest.GetSettings, tokenstest.Unavailable())
	_, err = set(t, w, SetOptions{Setting: MaxLifetime, Days: 60, Yes: true})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "error", err.Error(), "cannot read the token settings in profile DEFAULT")
}

func TestSetTableAndCSV(t *testing.T) {
	w := newWorld(t)
	w.Output = output.Choice{Format: "csv"}
	if _, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 45, Yes: true}); err != nil {
		t.Fatal(err)
	}
	if got := w.Stdout.String(); got != "SETTING,FROM,TO,STATUS,DETAIL\nmax_token_lifetime_days,none,45 days,changed,\n" {
		t.Errorf("csv %q", got)
	}
	w.Output = output.Choice{Format: "table"}
	w.IO.SetStdoutTTY(true)
	if _, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 40, Yes: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "✓ Changed the maximum token lifetime from 45 days to 40 days in profile DEFAULT ("+hostA+")")
	if _, err := set(t, w, SetOptions{Setting: MaxLifetime, Days: 20, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "Would change the maximum token lifetime from 40 days to 20 days")
	if _, err := set(t, w, SetOptions{Setting: TokensEnabled, Enabled: false, Yes: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "✓ Turned personal access tokens off in profile DEFAULT")
}
