package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

const dayLen = 24 * time.Hour

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// fakeAPI is a workspace's token API in memory: the caller's tokens, and
// everyone's for admins.
type fakeAPI struct {
	mu      sync.Mutex
	own     []tokens.Token
	all     []tokens.Token
	listErr error
	// calls counts requests, to prove usage errors send none.
	calls int
}

var errUnused = errors.New("the audit must not call this")

func (f *fakeAPI) count() { f.mu.Lock(); f.calls++; f.mu.Unlock() }

func (f *fakeAPI) List(context.Context) ([]tokens.Token, error) {
	f.count()
	return f.own, f.listErr
}

func (f *fakeAPI) ListAll(_ context.Context, req tokens.ListAllRequest) ([]tokens.Token, error) {
	f.count()
	if f.all == nil {
		return nil, &failure.APIError{Kind: failure.KindPermission, Status: 403, Message: "Only Admins can access token management APIs."}
	}
	return f.all, f.listErr
}

func (f *fakeAPI) Create(context.Context, tokens.CreateRequest) (*tokens.Created, error) {
	return nil, errUnused
}
func (f *fakeAPI) Revoke(context.Context, string) error    { return errUnused }
func (f *fakeAPI) RevokeAny(context.Context, string) error { return errUnused }
func (f *fakeAPI) CreateOnBehalfOf(context.Context, tokens.OnBehalfOfRequest) (*tokens.Created, error) {
	return nil, errUnused
}
func (f *fakeAPI) Update(context.Context, string, tokens.Update) error    { return errUnused }
func (f *fakeAPI) UpdateAny(context.Context, string, tokens.Update) error { return errUnused }
func (f *fakeAPI) Get(context.Context, string) (*tokens.Token, error)     { return nil, errUnused }
func (f *fakeAPI) WhoAmI(context.Context) (string, error)                 { return "", errUnused }

type fakeSettings struct {
	s   tokens.Settings
	err error
}

func (f *fakeSettings) Settings(context.Context) (tokens.Settings, error) { return f.s, f.err }
func (f *fakeSettings) SetMaxLifetimeDays(context.Context, int) error     { return errUnused }
func (f *fakeSettings) SetEnabled(context.Context, bool) error            { return errUnused }

// tok is a token created age ago living life (0: never expires).
func tok(id, comment string, age, life time.Duration) tokens.Token {
	created := now.Add(-age)
	t := tokens.Token{ID: id, Comment: comment, CreationTime: created.UnixMilli(), ExpiryTime: -1}
	if life > 0 {
		t.ExpiryTime = created.Add(life).UnixMilli()
	}
	return t
}

func owned(t tokens.Token, user string, userID int64, lastUse time.Duration) tokens.Token {
	t.Owner = &tokens.Owner{CreatedByID: userID, CreatedByUsername: user, OwnerID: userID}
	if lastUse > 0 {
		t.Owner.LastUsedDay = now.Add(-lastUse).Truncate(dayLen).UnixMilli()
	}
	return t
}

func digest(v string) string {
	s := sha256.Sum256([]byte(v))
	return hex.EncodeToString(s[:])
}

// env is a config file, fake workspaces for its profiles, and the
// streams a run writes to.
type env struct {
	t          *testing.T
	f          *cmdutil.Factory
	out, err   *bytes.Buffer
	apis       map[string]*fakeAPI
	settings   map[string]*fakeSettings
	openErr    map[string]error
	format     string
	configPath string
}

const profileToken = "dapi00000000000000000000000000000001"

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "databrickscfg")
	body := "[DEFAULT]\nhost = https://a.example.com\ntoken = " + profileToken + "\n\n" +
		"[same]\nhost = https://a.example.com\ntoken = " + profileToken + "\n\n" +
		"[b]\nhost = https://b.example.com\ntoken = dapi00000000000000000000000000000002\n\n" +
		"[down]\nhost = https://down.example.com\ntoken = dapi00000000000000000000000000000003\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.GlobalOptions{ConfigFile: cfg}, Now: func() time.Time { return now }}
	e := &env{t: t, f: f, out: out, err: errOut, configPath: cfg, format: "json",
		apis: map[string]*fakeAPI{}, settings: map[string]*fakeSettings{}, openErr: map[string]error{}}
	for _, p := range []string{"DEFAULT", "same", "b", "down"} {
		e.apis[p] = &fakeAPI{}
		e.settings[p] = &fakeSettings{s: tokens.Settings{MaxLifetimeDays: 90, Enabled: true}}
	}
	e.openErr["down"] = &failure.APIError{Kind: failure.KindUnreachable, Message: "cannot reach profile down (https://down.example.com): nothing is listening"}
	return e
}

var hosts = map[string]string{"DEFAULT": "https://a.example.com", "same": "https://a.example.com", "b": "https://b.example.com", "down": "https://down.example.com"}

// run runs `dbtok audit args...` with the fakes and returns its error.
func (e *env) run(args ...string) error {
	e.t.Helper()
	e.out.Reset()
	e.err.Reset()
	cmd := NewCmdAudit(e.f, func(ctx context.Context, opts *Options) error {
		opts.Workspace = func(profile string) (*workspace.Workspace, error) {
			if profile == "" {
				profile = orDefault(e.f.Globals.Profile)
			}
			if err := e.openErr[profile]; err != nil {
				return nil, err
			}
			return &workspace.Workspace{Place: tokens.Place{Profile: profile, Host: hosts[profile]}, Tokens: e.apis[profile], Settings: e.settings[profile]}, nil
		}
		opts.Printer = func() (*output.Printer, error) {
			return output.NewPrinter(output.Choice{Format: e.format, Source: "--output", Command: "dbtok audit", Renders: []string{"sarif"}}, output.Context{Now: now}, e.out, e.err)
		}
		return auditRun(ctx, opts)
	})
	cmd.SetArgs(args)
	cmd.SetOut(e.out)
	cmd.SetErr(e.err)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(context.Background())
}

func orDefault(a string) string {
	if a != "" {
		return a
	}
	return "DEFAULT"
}

func (e *env) json() auditJSON {
	e.t.Helper()
	var out auditJSON
	if err := json.Unmarshal(e.out.Bytes(), &out); err != nil {
		e.t.Fatalf("not JSON: %v\n%s", err, e.out)
	}
	return out
}

func ruleList(fs []findingJSON) []string {
	var out []string
	for _, f := range fs {
		id := ""
		if f.TokenID != nil {
			id = *f.TokenID
		}
		out = append(out, f.Profile+":"+f.Rule+":"+id)
	}
	return out
}

func code(err error) int { return failure.Code(err) }

// captured runs the command with a runF that keeps the options.
func captured(t *testing.T, e *env, args ...string) (*Options, error) {
	t.Helper()
	var got *Options
	cmd := NewCmdAudit(e.f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(e.out)
	cmd.SetErr(e.err)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return got, err
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlagsBuildThePolicy(t *testing.T) {
	e := newEnv(t)
	o, err := captured(t, e)
	if err != nil {
		t.Fatal(err)
	}
	if o.Policy.MaxLifetime != 90*dayLen || o.Policy.UnusedFor != 30*dayLen || o.Policy.WarnWithin != 14*dayLen || o.Policy.QuotaWarning != 540 || o.FailOn != tokens.SeverityError || o.AllUsers || o.Profiles != nil {
		t.Errorf("defaults: %+v", o)
	}
	o, err = captured(t, e, "--max-lifetime", "2w", "--unused-for", "36h", "--warn-within", "1d", "--quota-warning", "100", "--fail-on", "note", "--all-users", "--all-profiles", "--parallel", "3")
	if err != nil {
		t.Fatal(err)
	}
	if o.Policy.MaxLifetime != 14*dayLen || o.Policy.UnusedFor != 36*time.Hour || o.Policy.WarnWithin != dayLen || o.Policy.QuotaWarning != 100 || o.FailOn != tokens.SeverityNote || !o.AllUsers || o.Parallel != 3 {
		t.Errorf("flags: %+v", o)
	}
	if strings.Join(o.Profiles, ",") != "DEFAULT,same,b,down" {
		t.Errorf("profiles %v", o.Profiles)
	}
	if o, _ = captured(t, e, "--fail-on", "NONE"); o.FailOn != tokens.SeverityOff {
		t.Errorf("--fail-on none: %v", o.FailOn)
	}

	// The file sets what the flags do not; flags win.
	pol := writeFile(t, "max-lifetime: 30d\nunused-for: 60d\nwarn-within: 7d\nquota-warning: 500\nfail-on: warning\nrules:\n  never-used: off\n  expired: warning\nexempt:\n  - comment: 'terraform-*'\n    reason: Terraform rotates these\n    rules: [no-expiry, lifetime-over-max]\n    expires: 2027-06-30\n  - token-id: 5f3a0c9e81d2\n    reason: legacy\n    rules: expiring-soon\n")
	o, err = captured(t, e, "--policy", pol, "--unused-for", "10d", "--fail-on", "error")
	if err != nil {
		t.Fatal(err)
	}
	p := o.Policy
	if p.MaxLifetime != 30*dayLen || p.UnusedFor != 10*dayLen || p.WarnWithin != 7*dayLen || p.QuotaWarning != 500 || o.FailOn != tokens.SeverityError || o.PolicyFile != pol {
		t.Errorf("file and flags: %+v fail-on %v", p, o.FailOn)
	}
	if p.Severity(tokens.RuleNeverUsed) != tokens.SeverityOff || p.Severity(tokens.RuleExpired) != tokens.SeverityWarning {
		t.Errorf("severities %v", p.Severities)
	}
	if len(p.Exemptions) != 2 || p.Exemptions[0].Comment != "terraform-*" || p.Exemptions[0].Expires.Format(time.DateOnly) != "2027-06-30" ||
		strings.Join(p.Exemptions[0].Rules, ",") != "no-expiry,lifetime-over-max" || p.Exemptions[1].TokenID != "5f3a0c9e81d2" || strings.Join(p.Exemptions[1].Rules, ",") != "expiring-soon" {
		t.Errorf("exemptions %+v", p.Exemptions)
	}
	if o, _ = captured(t, e, "--policy", pol); o.FailOn != tokens.SeverityWarning {
		t.Errorf("the file's fail-on: %v", o.FailOn)
	}
}

func TestUsageErrors(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-lifetime", "0d"}, "--max-lifetime: "},
		{[]string{"--unused-for", "2026-01-01"}, "is a date"},
		{[]string{"--warn-within", "1y"}, "--warn-within"},
		{[]string{"--quota-warning", "0"}, "--quota-warning must be from 1 to 600"},
		{[]string{"--fail-on", "fatal"}, `--fail-on "fatal"`},
		{[]string{"--policy", " "}, "--policy needs a file name"},
		{[]string{"--policy", "/nonexistent/policy.yaml"}, "policy file /nonexistent/policy.yaml does not exist"},
		{[]string{"--all-profiles", "--profiles", "b"}, "either --all-profiles or --profiles"},
		{[]string{"--profiles", "nosuch"}, `no profile in`},
		{[]string{"extra"}, "takes no arguments"},
	} {
		_, err := captured(t, e, tc.args...)
		if err == nil || code(err) != failure.Usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v (exit %d), want %q", tc.args, err, code(err), tc.want)
		}
	}
	for _, a := range e.apis {
		if a.calls != 0 {
			t.Errorf("a usage error sent %d requests", a.calls)
		}
	}
}

func TestPolicyFileErrors(t *testing.T) {
	for _, tc := range []struct {
		body, want string
	}{
		{"", "is empty"},
		{"# only a comment\n", "is empty"},
		{"- max-lifetime: 30d\n", `line 1: expected settings such as "max-lifetime: 90d", found a list`},
		{"max_lifetime: 30d\nwarn-withn: 3d\n", `unknown keys "max_lifetime" (line 1; did you mean "max-lifetime"?), "warn-withn" (line 2; did you mean "warn-within"?)`},
		{"maximum: 30d\n", `unknown key "maximum" (line 1); known keys: max-lifetime, unused-for`},
		{"max-lifetime: 30d\nmax-lifetime: 300d\n", `line 2: "max-lifetime" is given twice (first on line 1)`},
		{"max-lifetime: 30\n", "line 1: max-lifetime: "},
		{"max-lifetime:\n", "line 1: max-lifetime needs a value, found nothing"},
		{"unused-for: [1d]\n", "unused-for needs a value, found a list"},
		{"warn-within: 2027-01-01\n", "is a date"},
		{"quota-warning: 700\n", "quota-warning must be a number of tokens from 1 to 600"},
		{"fail-on: fatal\n", `line 1: fail-on: "fatal" is not one of error, warning, note, none`},
		{"rules: off\n", "rules maps rule IDs to severities"},
		{"rules:\n  never-usd: off\n", `unknown rule key "never-usd" (line 2; did you mean "never-used"?)`},
		{"rules:\n  never-used: fatal\n", "line 2: never-used: unknown severity"},
		{"exempt:\n  comment: x\n", "exempt is a list of exemptions"},
		{"exempt:\n  - ci\n", "line 2: an exemption has keys"},
		{"exempt:\n  - comment: x\n    resaon: y\n", `unknown exemption key "resaon" (line 3; did you mean "reason"?)`},
		{"exempt:\n  - comment: x\n", "line 2: the exemption has no reason"},
		{"exempt:\n  - reason: x\n", "names no token-id, comment, profile or host"},
		{"exempt:\n  - comment: x\n    reason: y\n    rules: [no-expiry, nope]\n", `unknown rule "nope"`},
		{"exempt:\n  - comment: x\n    reason: y\n    rules: []\n", "rules is empty"},
		{"exempt:\n  - comment: x\n    reason: y\n    rules: {a: b}\n", "rules is a list of rule IDs"},
		{"exempt:\n  - comment: x\n    reason: y\n    expires: soon\n", "expires must be a date"},
		{"exempt:\n  - token-id: abc\n    reason: y\n", "too short"},
		{"max-lifetime: [\n", "not valid YAML"},
		{"? [a]\n: b\n", "a key must be a plain name"},
	} {
		_, err := parsePolicy([]byte(tc.body), tokens.DefaultAuditPolicy())
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.body, err, tc.want)
		}
	}
	// Through the command: a config error naming the file, before any request.
	e := newEnv(t)
	pol := writeFile(t, "max_lifetime: 30d\n")
	_, err := captured(t, e, "--policy", pol)
	if code(err) != failure.Usage || !strings.Contains(err.Error(), "policy file "+pol+`: unknown key "max_lifetime"`) {
		t.Errorf("%v", err)
	}
	if _, err := captured(t, e, "--policy", t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder: %v", err)
	}
	big := writeFile(t, strings.Repeat("#", maxPolicySize+1))
	if _, err := captured(t, e, "--policy", big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a huge file: %v", err)
	}
}

func TestAuditOwnTokens(t *testing.T) {
	e := newEnv(t)
	profileTokenID := digest(profileToken)
	e.apis["DEFAULT"].own = []tokens.Token{
		tok("aaaa000000000001", "ci", 10*dayLen, 60*dayLen),
		tok("aaaa000000000002", "forever", 10*dayLen, 0),
		tok(profileTokenID, "profile", 10*dayLen, 0),
		tok("aaaa000000000003", "soon", 55*dayLen, 60*dayLen),
	}
	e.settings["DEFAULT"].s = tokens.Settings{MaxLifetimeDays: 0, Enabled: true}
	err := e.run()
	if code(err) != failure.Matched {
		t.Fatalf("exit %d (%v), want 5", code(err), err)
	}
	got := e.json()
	want := []string{"DEFAULT:no-expiry:aaaa000000000002", "DEFAULT:no-expiry:" + profileTokenID, "DEFAULT:workspace-no-max-lifetime:", "DEFAULT:expiring-soon:aaaa000000000003"}
	if strings.Join(ruleList(got.Findings), " ") != strings.Join(want, " ") {
		t.Errorf("findings %v, want %v", ruleList(got.Findings), want)
	}
	// The profile's own token is replaced through the profile.
	if c := got.Findings[1].Command; c == nil || *c != "dbtok rotate -p DEFAULT --update-profile --lifetime 90d" {
		t.Errorf("profile token's command %v", c)
	}
	s := got.Summary
	if s.Workspaces != 1 || s.Tokens != 4 || s.Findings != 4 || s.Errors != 3 || s.Warnings != 1 || s.Failing != 3 || s.Passed || s.FailOn != "error" {
		t.Errorf("summary %+v", s)
	}
	w := got.Workspaces[0]
	if w.Profile != "DEFAULT" || w.LastUseChecked || !w.SettingsChecked || w.Settings == nil || w.Settings.MaxTokenLifetimeDays != nil || w.Error != nil {
		t.Errorf("workspace %+v", w)
	}
	if !strings.Contains(e.err.String(), "Note: Last use is only in the admin listing: the unused, never-used and unused-revocation rules were not checked") {
		t.Errorf("stderr %q", e.err)
	}
	if strings.Count(e.err.String(), "Last use") != 1 {
		t.Errorf("the last-use note is said more than once: %q", e.err)
	}
	if got.Policy.MaxLifetimeSeconds != 90*86400 || got.Policy.Rules["no-expiry"] != "error" || got.Policy.File != nil {
		t.Errorf("policy %+v", got.Policy)
	}

	// Warnings do not fail by default; --fail-on warning makes them.
	e.apis["DEFAULT"].own = e.apis["DEFAULT"].own[3:]
	e.settings["DEFAULT"].s.MaxLifetimeDays = 30
	if err := e.run(); err != nil {
		t.Errorf("a warning failed the default run: %v", err)
	}
	if err := e.run("--fail-on", "warning"); code(err) != failure.Matched {
		t.Errorf("--fail-on warning: %v", err)
	}
	if err := e.run("--fail-on", "none", "--warn-within", "1d"); err != nil {
		t.Errorf("--fail-on none: %v", err)
	}
	if got := e.json(); len(got.Findings) != 0 || !got.Summary.Passed {
		t.Errorf("with a 1d window: %+v", got)
	}
}

func TestAuditAllUsers(t *testing.T) {
	e := newEnv(t)
	e.apis["DEFAULT"].all = []tokens.Token{
		owned(tok("bbbb000000000001", "idle", 200*dayLen, 0), "bob", 2, 85*dayLen),
		owned(tok("bbbb000000000002", "fresh", 5*dayLen, 60*dayLen), "bob", 2, 0),
		owned(tok("cccc000000000001", "ok", 5*dayLen, 60*dayLen), "carol", 3, dayLen),
	}
	err := e.run("--all-users", "--quota-warning", "2")
	if code(err) != failure.Matched {
		t.Fatalf("exit %d (%v)", code(err), err)
	}
	got := e.json()
	want := "DEFAULT:no-expiry:bbbb000000000001 DEFAULT:unused:bbbb000000000001 DEFAULT:never-used:bbbb000000000002 DEFAULT:unused-revocation:bbbb000000000001 DEFAULT:quota-near:"
	if strings.Join(ruleList(got.Findings), " ") != want {
		t.Errorf("findings %v", ruleList(got.Findings))
	}
	q := got.Findings[4]
	if q.Owner == nil || *q.Owner != "bob" || q.TokenID != nil || q.Command == nil || *q.Command != "dbtok list --all-users --owner bob --sort created -p DEFAULT" {
		t.Errorf("quota finding %+v", q)
	}
	u := got.Findings[1]
	if u.LastUsedAt == nil || *u.LastUsedAt != "2026-08-31" || u.Owner == nil || *u.Owner != "bob" || u.ExpiresAt != nil || u.CreatedAt == nil {
		t.Errorf("unused finding %+v", u)
	}
	if !got.Workspaces[0].LastUseChecked || strings.Contains(e.err.String(), "Last use") {
		t.Errorf("last use was checked: %+v %q", got.Workspaces[0], e.err)
	}

	// Not an admin: exit 3, the admin rights named.
	e.f.Globals.Profile = "b"
	err = e.run("--all-users")
	e.f.Globals.Profile = ""
	if code(err) != failure.Auth || !strings.Contains(err.Error(), "workspace admin rights are needed for --all-users") {
		t.Errorf("non-admin: exit %d %v", code(err), err)
	}
}

func TestAuditSeveralWorkspaces(t *testing.T) {
	e := newEnv(t)
	e.apis["DEFAULT"].own = []tokens.Token{tok("aaaa000000000002", "forever", 10*dayLen, 0)}
	// "same" is the same user on the same workspace: every token is shown
	// once, under DEFAULT.
	e.apis["same"].own = e.apis["DEFAULT"].own
	e.apis["b"].own = []tokens.Token{tok("dddd000000000001", "ok", dayLen, 30*dayLen)}
	e.settings["b"].err = &failure.APIError{Kind: failure.KindPermission, Status: 403, Message: "Provided access token does not have required scopes: settings"}
	err := e.run("--all-profiles")
	// The unreachable workspace's exit code wins over the findings'.
	if code(err) != failure.Error || !failure.IsReported(err) {
		t.Fatalf("exit %d (%v)", code(err), err)
	}
	got := e.json()
	if strings.Join(ruleList(got.Findings), " ") != "DEFAULT:no-expiry:aaaa000000000002" {
		t.Errorf("findings %v", ruleList(got.Findings))
	}
	if len(got.Workspaces) != 4 {
		t.Fatalf("workspaces %+v", got.Workspaces)
	}
	byProfile := map[string]workspaceJSON{}
	for _, w := range got.Workspaces {
		byProfile[w.Profile] = w
	}
	if w := byProfile["same"]; w.Tokens != 0 || w.Error != nil {
		t.Errorf("same: %+v", w)
	}
	if w := byProfile["b"]; w.SettingsChecked || w.Settings != nil || w.SettingsError == nil || !strings.Contains(*w.SettingsError, "required scopes: settings") {
		t.Errorf("b: %+v", w)
	}
	if w := byProfile["down"]; w.Error == nil || !strings.Contains(*w.Error, "nothing is listening") || w.Host != "https://down.example.com" {
		t.Errorf("down: %+v", w)
	}
	s := got.Summary
	if s.Workspaces != 4 || s.FailedWorkspaces != 1 || s.Tokens != 2 || s.Passed {
		t.Errorf("summary %+v", s)
	}
	for _, want := range []string{
		"Error: cannot reach profile down (https://down.example.com): nothing is listening",
		"Note: profile same reaches the same workspace and tokens as profile DEFAULT",
		"Note: cannot read the token settings of profile b (https://b.example.com) (Provided access token does not have required scopes: settings): the workspace settings rules were not checked there.",
	} {
		if !strings.Contains(e.err.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, e.err)
		}
	}

	// Other failures to read the settings fail the workspace.
	e.settings["b"].err = &failure.APIError{Kind: failure.KindUnavailable, Status: 503, Message: "Service unavailable"}
	err = e.run("--profiles", "b")
	if code(err) != failure.Error || !strings.Contains(e.err.String(), "cannot read the workspace's token settings in profile b") {
		t.Errorf("exit %d, stderr %q", code(err), e.err)
	}
	// One workspace that fails: its error is the command's.
	e.apis["b"].listErr = &failure.APIError{Kind: failure.KindAuth, Status: 403, Message: "Invalid access token."}
	e.f.Globals.Profile = "b"
	err = e.run()
	e.f.Globals.Profile = ""
	if code(err) != failure.Auth || e.out.Len() != 0 {
		t.Errorf("exit %d %v, stdout %q", code(err), err, e.out)
	}
}

func TestAuditExemptions(t *testing.T) {
	e := newEnv(t)
	e.apis["DEFAULT"].own = []tokens.Token{
		tok("aaaa000000000002", "terraform-main", 10*dayLen, 0),
		tok("aaaa000000000003", "ci", 10*dayLen, 0),
	}
	pol := writeFile(t, "exempt:\n  - comment: 'terraform-*'\n    reason: Terraform rotates these\n    rules: [no-expiry]\n  - comment: ci\n    reason: was fine until June\n    expires: 2026-06-30\n")
	err := e.run("--policy", pol)
	if code(err) != failure.Matched {
		t.Fatalf("exit %d (%v)", code(err), err)
	}
	got := e.json()
	if strings.Join(ruleList(got.Findings), " ") != "DEFAULT:no-expiry:aaaa000000000003" || strings.Join(ruleList(got.Exempted), " ") != "DEFAULT:no-expiry:aaaa000000000002" {
		t.Errorf("findings %v, exempted %v", ruleList(got.Findings), ruleList(got.Exempted))
	}
	x := got.Exempted[0].Exemption
	if x == nil || x.Reason != "Terraform rotates these" || x.Expires != nil || x.Selects != `comment "terraform-*"` {
		t.Errorf("exemption %+v", x)
	}
	if got.Summary.Exempted != 1 || got.Summary.Failing != 1 || got.Policy.Exemptions != 2 || got.Policy.File == nil {
		t.Errorf("summary %+v policy %+v", got.Summary, got.Policy)
	}
	if !strings.Contains(e.err.String(), `the policy's exemption for comment "ci" expired on 2026-06-30 and no longer applies`) {
		t.Errorf("stderr %q", e.err)
	}
	// Exempt findings alone never fail the run.
	e.apis["DEFAULT"].own = e.apis["DEFAULT"].own[:1]
	if err := e.run("--policy", pol); err != nil {
		t.Errorf("only exempt findings: %v", err)
	}
}

func TestAuditTable(t *testing.T) {
	e := newEnv(t)
	e.format = "table"
	id := "aaaa00000000000200000000000000000000000000000000000000000000beef"
	e.apis["DEFAULT"].own = []tokens.Token{tok(id, "forever", 10*dayLen, 0)}
	e.settings["DEFAULT"].s.MaxLifetimeDays = 365
	_ = e.run()
	lines := strings.Split(strings.TrimSpace(e.out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("table %q", e.out)
	}
	// Piped: tab-separated, no header; the command takes an ID prefix.
	if want := "error\tno-expiry\t" + id + "\tforever\tnever expires\tdbtok rotate --token-id aaaa00000000 --lifetime 90d -p DEFAULT"; lines[0] != want {
		t.Errorf("row %q\nwant %q", lines[0], want)
	}
	if !strings.HasPrefix(lines[1], "warning\tworkspace-max-over-policy\t\t\tmaxTokenLifetimeDays is 365") || !strings.HasSuffix(lines[1], "dbtok settings set max-lifetime 90d -p DEFAULT") {
		t.Errorf("row %q", lines[1])
	}
	for _, want := range []string{"1 error and 1 warning in profile DEFAULT (https://a.example.com) (1 token checked).", "The audit fails: 1 finding at or above --fail-on error."} {
		if !strings.Contains(e.err.String(), want) {
			t.Errorf("stderr lacks %q: %q", want, e.err)
		}
	}
	// Several workspaces and every user: PROFILE and OWNER columns.
	e.apis["DEFAULT"].all = []tokens.Token{owned(tok(id, "forever", 10*dayLen, 0), "bob", 2, dayLen)}
	_ = e.run("--profiles", "DEFAULT", "--all-users")
	if !strings.HasPrefix(e.out.String(), "error\tno-expiry\tDEFAULT\t"+id+"\tbob\tforever\t") {
		t.Errorf("table %q", e.out)
	}
	// Nothing found: said on stderr.
	e.apis["DEFAULT"].own = nil
	e.settings["DEFAULT"].s.MaxLifetimeDays = 30
	if err := e.run(); err != nil || e.out.Len() != 0 || !strings.Contains(e.err.String(), "No findings in profile DEFAULT (https://a.example.com) (0 tokens checked).") {
		t.Errorf("%v %q %q", err, e.out, e.err)
	}
}

func TestAuditSARIF(t *testing.T) {
	e := newEnv(t)
	e.format = "sarif"
	e.apis["DEFAULT"].all = []tokens.Token{
		owned(tok("aaaa000000000002", "forever", 10*dayLen, 0), "bob", 2, dayLen),
		owned(tok("aaaa000000000003", "terraform", 10*dayLen, 0), "bob", 2, dayLen),
	}
	e.settings["DEFAULT"].s.MaxLifetimeDays = 0
	e.apis["same"].all = e.apis["DEFAULT"].all
	e.apis["b"].all = []tokens.Token{}
	e.settings["b"].err = &failure.APIError{Kind: failure.KindPermission, Status: 403, Message: "no settings scope"}
	pol := writeFile(t, "rules:\n  never-used: off\nexempt:\n  - comment: terraform\n    reason: managed by Terraform\n")
	err := e.run("--all-profiles", "--all-users", "--policy", pol)
	if code(err) != failure.Error {
		t.Fatalf("exit %d (%v)", code(err), err)
	}
	// Valid against the SARIF 2.1.0 schema.
	report, err := sarif.FromBytes(e.out.Bytes(), sarif.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Validate(); err != nil {
		t.Fatalf("invalid SARIF: %v\n%s", err, e.out)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct {
							Level   string `json:"level"`
							Enabled bool   `json:"enabled"`
						} `json:"defaultConfiguration"`
						Help struct{ Text, Markdown string } `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				ExecutionSuccessful        bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Level   string `json:"level"`
					Message struct{ Text string }
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
			Results []struct {
				RuleID       string `json:"ruleId"`
				RuleIndex    int    `json:"ruleIndex"`
				Level        string `json:"level"`
				Message      struct{ Text string }
				Suppressions []struct{ Kind, Justification string }
				Locations    []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					} `json:"physicalLocation"`
					LogicalLocations []struct {
						Name, FullyQualifiedName, Kind string
					} `json:"logicalLocations"`
				}
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(e.out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	if doc.Version != "2.1.0" || run.Tool.Driver.Name != "dbtok" || len(run.Tool.Driver.Rules) != len(tokens.AuditRules) {
		t.Fatalf("document %+v", doc)
	}
	for i, r := range run.Tool.Driver.Rules {
		if r.ID != tokens.AuditRules[i].ID || r.Help.Text == "" || r.Help.Markdown == "" {
			t.Errorf("rule %d: %+v", i, r)
		}
		if r.ID == tokens.RuleNeverUsed && (r.DefaultConfiguration.Enabled || r.DefaultConfiguration.Level != "warning") {
			t.Errorf("a rule switched off: %+v", r)
		}
	}
	var seen []string
	for _, r := range run.Results {
		seen = append(seen, fmt.Sprintf("%s/%s/%d", r.RuleID, r.Level, len(r.Suppressions)))
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || r.PartialFingerprints["dbtokFinding/v1"] == "" || r.Message.Text == "" {
			t.Errorf("result %+v", r)
		}
		loc := r.Locations[0]
		if !strings.HasPrefix(loc.PhysicalLocation.ArtifactLocation.URI, "databricks/a.example.com/") || len(loc.LogicalLocations) != 1 {
			t.Errorf("location %+v", loc)
		}
	}
	if strings.Join(seen, " ") != "no-expiry/error/0 workspace-no-max-lifetime/error/0 no-expiry/error/1" {
		t.Errorf("results %v", seen)
	}
	tokenRes := run.Results[0]
	if ll := tokenRes.Locations[0].LogicalLocations[0]; ll.Name != "aaaa000000000002" || ll.FullyQualifiedName != "https://a.example.com/tokens/aaaa000000000002" || ll.Kind != "resource" ||
		tokenRes.Locations[0].PhysicalLocation.ArtifactLocation.URI != "databricks/a.example.com/tokens/aaaa000000000002" {
		t.Errorf("token location %+v", tokenRes.Locations[0])
	}
	if want := `Token aaaa00000000 ("forever") of bob in profile DEFAULT (https://a.example.com): never expires.`; !strings.HasPrefix(tokenRes.Message.Text, want) {
		t.Errorf("message %q", tokenRes.Message.Text)
	}
	if s := run.Results[2].Suppressions[0]; s.Kind != "external" || s.Justification != "managed by Terraform" {
		t.Errorf("suppression %+v", s)
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful {
		t.Error("a failed workspace, but the run is successful")
	}
	var notes []string
	for _, n := range inv.ToolExecutionNotifications {
		notes = append(notes, n.Level+": "+n.Message.Text)
	}
	if len(notes) != 2 || !strings.HasPrefix(notes[0], "warning: cannot read the token settings of profile b") || !strings.HasPrefix(notes[1], "error: cannot reach profile down") {
		t.Errorf("notifications %v", notes)
	}
}

func TestSARIFOnlyForAudit(t *testing.T) {
	for _, ch := range []output.Choice{
		{Format: "sarif", Source: "--output", Command: "dbtok list"},
		{Format: "sarif", Source: "DBTOK_OUTPUT", Command: "dbtok version"},
	} {
		_, err := output.NewPrinter(ch, output.Context{}, &bytes.Buffer{}, &bytes.Buffer{})
		if code(err) != failure.Usage || !strings.Contains(err.Error(), "output format sarif") || !strings.Contains(err.Error(), "is only for dbtok audit; for "+ch.Command+" use table, wide, json, jsonl, yaml or csv") {
			t.Errorf("%+v: %v", ch, err)
		}
	}
	if _, err := output.NewPrinter(output.Choice{Format: "sarif", Command: "dbtok audit", Renders: []string{"sarif"}}, output.Context{}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Error(err)
	}
}

func TestCompletion(t *testing.T) {
	e := newEnv(t)
	cmd := NewCmdAudit(e.f, nil)
	for flag, want := range map[string]string{"fail-on": "warning", "max-lifetime": "30d", "warn-within": "14d", "unused-for": "90d", "profiles": "same"} {
		fn, ok := cmd.GetFlagCompletionFunc(flag)
		if !ok {
			t.Errorf("--%s has no completion", flag)
			continue
		}
		got, _ := fn(cmd, nil, "")
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("--%s completes %v", flag, got)
		}
	}
	if ann := cmd.Flags().Lookup("policy").Annotations; len(ann) == 0 {
		t.Error("--policy does not complete file names")
	}
}

// The README's policy example parses, and its rule table lists every rule
// with its default severity: documentation that drifts is worse than none.
func TestREADME(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "# .dbtok-policy.yaml\n")
	if start < 0 {
		t.Fatal("README has no policy example")
	}
	example := readme[start : start+strings.Index(readme[start:], "```")]
	pf, err := parsePolicy([]byte(example), tokens.DefaultAuditPolicy())
	if err != nil {
		t.Fatalf("the README's policy example: %v", err)
	}
	if err := pf.policy.Validate(); err != nil || len(pf.policy.Exemptions) != 3 || pf.failOn == nil {
		t.Errorf("the README's policy example: %v %+v", err, pf)
	}
	for _, r := range tokens.AuditRules {
		if row := fmt.Sprintf("| `%s` | %s |", r.ID, r.Default); !strings.Contains(readme, row) {
			t.Errorf("README lacks the row %q", row)
		}
	}
}
