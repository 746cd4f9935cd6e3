package permissions

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

func (w *world) policy(host string) *tokenstest.Policy {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := tokens.HostKey(host)
	if w.policies[key] == nil {
		w.policies[key] = tokenstest.NewPolicy()
	}
	return w.policies[key]
}

// deps are the env's fakes, with each workspace's policy behind
// Permissions.
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

func (w *world) ask() tokens.ChangeAsker {
	return cmdutil.NewChangeAsker(w.IO, func() time.Time { return cmdtest.Now })
}

var (
	admins  = tokens.Grant{Principal: tokens.Principal{Kind: tokens.Group, Name: "admins"}, Level: tokens.CanManage}
	users   = tokens.Grant{Principal: tokens.Principal{Kind: tokens.Group, Name: "users"}, Level: tokens.CanUse}
	dataEng = tokens.Grant{Principal: tokens.Principal{Kind: tokens.Group, Name: "data-eng"}, Level: tokens.CanUse}
	bob     = tokens.Grant{Principal: tokens.Principal{Kind: tokens.User, Name: "bob@example.com"}, DisplayName: "Bob", Level: tokens.CanUse}
	etl     = tokens.Grant{Principal: tokens.Principal{Kind: tokens.ServicePrincipal, Name: "etl-app"}, DisplayName: "etl", Level: tokens.CanUse}
)

func TestNewCmdPermissions(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		profiles []string
		wantErr  string
	}{
		{},
		{args: []string{"--all-profiles"}, profiles: []string{"DEFAULT", "prod", "dup"}},
		{args: []string{"--profiles", "D*,dup"}, profiles: []string{"DEFAULT", "dup"}},
		{args: []string{"--all-profiles", "--profiles", "prod"}, wantErr: "use either --all-profiles or --profiles"},
		{args: []string{"grnat"}, wantErr: `(did you mean "grant"?)`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			w := newWorld(t)
			var got *Options
			cmd := NewCmdPermissions(w.Factory(), func(_ context.Context, o *Options) error {
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
			if !slices.Equal(got.Profiles, tt.profiles) || got.Parallel != fanout.Adaptive {
				t.Errorf("options %+v", got)
			}
		})
	}
}

func TestNewCmdGrantAndRevoke(t *testing.T) {
	tests := []struct {
		revoke   bool
		args     []string
		want     tokens.Principal
		guessed  bool
		profiles []string
		wantErr  string
	}{
		{args: []string{"bob@example.com"}, want: tokens.Principal{Kind: tokens.User, Name: "bob@example.com"}, guessed: true},
		{args: []string{"data-eng"}, want: tokens.Principal{Kind: tokens.Group, Name: "data-eng"}, guessed: true},
		{args: []string{"6f1c0f5e-1111-2222-3333-444455556666"}, want: tokens.Principal{Kind: tokens.ServicePrincipal, Name: "6f1c0f5e-1111-2222-3333-444455556666"}, guessed: true},
		{args: []string{"etl-app", "--service-principal"}, want: tokens.Principal{Kind: tokens.ServicePrincipal, Name: "etl-app"}},
		{args: []string{"alice", "--user", "--all-profiles"}, want: tokens.Principal{Kind: tokens.User, Name: "alice"}, profiles: []string{"DEFAULT", "prod", "dup"}},
		{args: []string{"ops@example.com", "--group"}, want: tokens.Principal{Kind: tokens.Group, Name: "ops@example.com"}},
		{args: []string{"x", "--user", "--group"}, wantErr: "use at most one of --user, --group and --service-principal"},
		{args: []string{"admins"}, wantErr: "workspace admins (group admins) always manage tokens: there is nothing to grant"},
		{args: []string{}, wantErr: "give one user, group or service principal"},
		{args: []string{"a", "b"}, wantErr: "give one user, group or service principal"},
		{args: []string{"bad\nname"}, wantErr: "is not a user, group or service principal name"},
		{args: []string{"x", "--yes", "--dry-run"}, wantErr: "use either --yes or --dry-run"},
		// revoke leaves the kind to each workspace's grants unless told.
		{revoke: true, args: []string{"etl-app"}, want: tokens.Principal{Name: "etl-app"}},
		{revoke: true, args: []string{"bob@example.com", "--user"}, want: tokens.Principal{Kind: tokens.User, Name: "bob@example.com"}},
		{revoke: true, args: []string{"admins"}, wantErr: "the admins group's CAN_MANAGE on tokens is built in: it cannot be revoked"},
		{revoke: true, args: []string{"admins", "--group"}, wantErr: "cannot be revoked"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(append([]string{map[bool]string{true: "revoke", false: "grant"}[tt.revoke]}, tt.args...), " "), func(t *testing.T) {
			w := newWorld(t)
			var got *ChangeOptions
			runF := func(_ context.Context, o *ChangeOptions) error {
				got = o
				return nil
			}
			cmd := NewCmdGrant(w.Factory(), runF)
			if tt.revoke {
				cmd = NewCmdRevoke(w.Factory(), runF)
			}
			err := w.Exec(cmd, tt.args...)
			if tt.wantErr != "" {
				cmdtest.Code(t, err, failure.Usage)
				cmdtest.Contains(t, "error", err.Error(), tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Principal != tt.want || got.Guessed != tt.guessed || got.Revoke != tt.revoke || !slices.Equal(got.Profiles, tt.profiles) || got.Ask == nil {
				t.Errorf("options %+v", got)
			}
		})
	}
}

type grantOut struct {
	Profile       string `json:"profile"`
	Host          string `json:"host"`
	PrincipalKind string `json:"principal_kind"`
	Name          string `json:"name"`
	DisplayName   string `json:"display_name"`
	Level         string `json:"level"`
	Inherited     bool   `json:"inherited"`
}

func list(t *testing.T, w *world, profiles []string) ([]grantOut, error) {
	t.Helper()
	w.Stdout.Reset()
	w.Stderr.Reset()
	err := listRun(context.Background(), &Options{Deps: w.deps(), Profiles: profiles, Parallel: 2})
	var out []grantOut
	if w.Stdout.Len() > 0 && !w.IO.IsStdoutTTY() && w.Output.Format == "" {
		if jerr := json.Unmarshal(w.Stdout.Bytes(), &out); jerr != nil {
			t.Fatalf("%v\n%s", jerr, w.Stdout)
		}
	}
	return out, err
}

func TestList(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, users, bob, etl, tokens.Grant{Principal: dataEng.Principal, Level: tokens.CanUse, Inherited: true})
	out, err := list(t, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []grantOut{
		{PrincipalKind: "group", Name: "admins", Level: "CAN_MANAGE"},
		{PrincipalKind: "group", Name: "users", Level: "CAN_USE"},
		{PrincipalKind: "user", Name: "bob@example.com", DisplayName: "Bob", Level: "CAN_USE"},
		{PrincipalKind: "service_principal", Name: "etl-app", DisplayName: "etl", Level: "CAN_USE"},
		{PrincipalKind: "group", Name: "data-eng", Level: "CAN_USE", Inherited: true},
	}
	if !slices.Equal(out, want) {
		t.Errorf("JSON %+v", out)
	}
	cmdtest.Lacks(t, "JSON", w.Stdout.String(), `"profile"`)

	w.IO.SetStdoutTTY(true)
	w.IO.SetTerminalWidth(120)
	if _, err := list(t, w, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(w.Stdout.String()), "\n")
	if len(lines) != 6 || !slices.Equal(strings.Fields(lines[0]), []string{"KIND", "NAME", "DISPLAY", "NAME", "LEVEL", "INHERITED"}) ||
		!slices.Equal(strings.Fields(lines[4]), []string{"service", "principal", "etl-app", "etl", "CAN_USE", "no"}) ||
		!slices.Equal(strings.Fields(lines[5]), []string{"group", "data-eng", "CAN_USE", "yes"}) {
		t.Errorf("table:\n%s", w.Stdout)
	}

	w.policy(hostA).SetGrants()
	if _, err := list(t, w, nil); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "No one may use tokens in profile DEFAULT ("+hostA+") but workspace admins.")
}

func TestListSeveral(t *testing.T) {
	w := newWorld(t)
	w.policy(hostB).SetGrants(admins, dataEng)
	w.policy(hostB).Fail(tokenstest.GetGrants, nil)
	w.Break("dup", &failure.AuthError{Msg: "no credentials for profile dup"})
	out, err := list(t, w, []string{"DEFAULT", "prod", "dup"})
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: no credentials for profile dup")
	if len(out) != 4 || out[0].Profile != "DEFAULT" || out[0].Host != hostA || out[3].Profile != "prod" || out[3].Name != "data-eng" {
		t.Errorf("JSON %+v", out)
	}
	w.IO.SetStdoutTTY(true)
	if _, err := list(t, w, []string{"prod"}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "table", w.Stdout.String(), "PROFILE", "prod")
	w.Break("prod", &failure.AuthError{Msg: "no"})
	_, _ = list(t, w, []string{"prod"})
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "No grants in any workspace that could be read.")
}

func TestListNotAdmin(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).NotAdmin = true
	_, err := list(t, w, nil)
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "error", err.Error(), "cannot read the token permissions in profile DEFAULT ("+hostA+"): workspace admin rights are needed (HTTP 403); use the profile of a workspace admin")

	w.policy(hostA).NotAdmin = false
	w.policy(hostA).Fail(tokenstest.GetGrants, tokenstest.Unavailable())
	_, err = list(t, w, nil)
	cmdtest.Code(t, err, failure.Error)
	w.Output = output.Choice{Format: "xml"}
	_, err = list(t, w, nil)
	cmdtest.Code(t, err, failure.Usage)
}

func TestRevocable(t *testing.T) {
	got := revocable([]tokens.Grant{admins, users, bob, etl, {Principal: dataEng.Principal, Level: tokens.CanUse, Inherited: true}, bob})
	want := []string{"users\tgroup, CAN_USE", "bob@example.com\tuser, CAN_USE (Bob)", "etl-app\tservice principal, CAN_USE (etl)"}
	if !slices.Equal(got, want) {
		t.Errorf("candidates %q", got)
	}
}

// The real command tree runs list: flags parsed, then the run function.
func TestPermissionsCommandRuns(t *testing.T) {
	w := newWorld(t)
	cmd := NewCmdPermissions(w.Factory(), func(ctx context.Context, o *Options) error {
		o.Deps = w.deps()
		return listRun(ctx, o)
	})
	if err := w.Exec(cmd, "--profiles", "prod"); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), `"profile": "prod"`, `"name": "users"`)
	for _, sub := range []string{"grant", "revoke"} {
		if c, _, err := cmd.Find([]string{sub}); err != nil || c.Name() != sub {
			t.Errorf("permissions has no %s command", sub)
		}
	}
}
