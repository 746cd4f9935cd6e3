package permissions

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

type changeOut struct {
	Profile       string  `json:"profile"`
	Host          string  `json:"host"`
	PrincipalKind string  `json:"principal_kind"`
	Name          string  `json:"name"`
	OldLevel      *string `json:"old_level"`
	NewLevel      *string `json:"new_level"`
	Status        string  `json:"status"`
	Error         string  `json:"error"`
	ErrorCode     string  `json:"error_code"`
}

type resultOut struct {
	DryRun  *bool       `json:"dry_run"`
	Changes []changeOut `json:"changes"`
}

func change(t *testing.T, w *world, o ChangeOptions) (resultOut, error) {
	t.Helper()
	w.Stdout.Reset()
	w.Stderr.Reset()
	o.Deps = w.deps()
	o.Ask = w.ask
	if o.Parallel == 0 {
		o.Parallel = 2
	}
	err := changeRun(context.Background(), &o)
	var out resultOut
	if w.Stdout.Len() > 0 && !w.IO.IsStdoutTTY() && w.Output.Format == "" {
		if jerr := json.Unmarshal(w.Stdout.Bytes(), &out); jerr != nil {
			t.Fatalf("%v\n%s", jerr, w.Stdout)
		}
	}
	return out, err
}

func has(p *tokenstest.Policy, pr tokens.Principal) bool {
	return slices.ContainsFunc(p.CurrentGrants(), func(g tokens.Grant) bool { return g.Principal == pr && !g.Inherited })
}

func countCalls(p *tokenstest.Policy, method string) int {
	n := 0
	for _, c := range p.Calls() {
		if c == method {
			n++
		}
	}
	return n
}

func TestGrant(t *testing.T) {
	w := newWorld(t)
	out, err := change(t, w, ChangeOptions{Principal: dataEng.Principal, Guessed: true, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if !has(w.policy(hostA), dataEng.Principal) {
		t.Error("not granted")
	}
	c := out.Changes
	if out.DryRun == nil || *out.DryRun || len(c) != 1 || c[0].OldLevel != nil || c[0].NewLevel == nil || *c[0].NewLevel != "CAN_USE" || c[0].Status != "changed" ||
		c[0].PrincipalKind != "group" || c[0].Name != "data-eng" || c[0].Profile != "DEFAULT" || c[0].Host != hostA {
		t.Errorf("JSON %+v", out)
	}
	// Granting nothing new is not a change.
	out, err = change(t, w, ChangeOptions{Principal: dataEng.Principal, Yes: true})
	if err != nil || out.Changes[0].Status != "unchanged" || *out.Changes[0].OldLevel != "CAN_USE" {
		t.Errorf("again: %v %+v", err, out)
	}
	if n := countCalls(w.policy(hostA), tokenstest.Grant); n != 1 {
		t.Errorf("%d grants sent", n)
	}
	w.IO.SetStdoutTTY(true)
	if _, err := change(t, w, ChangeOptions{Principal: dataEng.Principal}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "Group data-eng already has CAN_USE on tokens in profile DEFAULT ("+hostA+"): nothing to change")
}

func TestGrantRefusedWithoutTerminal(t *testing.T) {
	w := newWorld(t)
	_, err := change(t, w, ChangeOptions{Principal: bob.Principal})
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "refusing to grant CAN_USE on tokens to user bob@example.com in profile DEFAULT ("+hostA+") without confirmation")
	if has(w.policy(hostA), bob.Principal) {
		t.Error("granted without confirmation")
	}
}

func TestGrantOnTerminal(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, users, tokens.Grant{Principal: dataEng.Principal, Level: tokens.CanUse, Inherited: true})
	term := w.SetTerminal("yes\n")
	w.IO.SetStdoutTTY(true)
	if _, err := change(t, w, ChangeOptions{Principal: dataEng.Principal}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "terminal", term.Shown(), "CAN_USE of group data-eng", "CAN_USE (inherited)", "Grant CAN_USE on tokens to group data-eng in profile DEFAULT ("+hostA+")? [y/N]")
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "✓ Granted CAN_USE on tokens to group data-eng in profile DEFAULT ("+hostA+")")
	if !has(w.policy(hostA), dataEng.Principal) {
		t.Error("not granted")
	}
}

func TestGrantFails(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).Fail(tokenstest.Grant, &failure.APIError{Kind: failure.KindInvalid, Status: 400, Code: "INVALID_PARAMETER_VALUE", Message: "Principal: GroupName(etl-app) does not exist"})
	out, err := change(t, w, ChangeOptions{Principal: tokens.GuessPrincipal("etl-app"), Guessed: true, Yes: true})
	cmdtest.Code(t, err, failure.Error)
	want := "cannot grant CAN_USE on tokens to group etl-app in profile DEFAULT (" + hostA + "): Principal: GroupName(etl-app) does not exist (HTTP 400) (a name without @ is taken as a group: pass --user, --group or --service-principal if it is not one)"
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: "+want)
	if out.Changes[0].Status != "failed" || out.Changes[0].Error != want || out.Changes[0].ErrorCode != "INVALID_PARAMETER_VALUE" {
		t.Errorf("JSON %+v", out)
	}

	w.policy(hostA).Fail(tokenstest.Grant, tokenstest.LostAnswer())
	_, err = change(t, w, ChangeOptions{Principal: etl.Principal, Yes: true})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "it may have changed anyway: check with `dbtok permissions -p DEFAULT`")

	w.policy(hostA).Fail(tokenstest.Grant, nil)
	w.policy(hostA).NotAdmin = true
	_, err = change(t, w, ChangeOptions{Principal: etl.Principal, Yes: true})
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "error", err.Error(), "cannot read the token permissions in profile DEFAULT ("+hostA+"): workspace admin rights are needed (HTTP 403)")
}

func TestRevokeUser(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, bob)
	out, err := change(t, w, ChangeOptions{Revoke: true, Principal: tokens.Principal{Name: "bob@example.com"}, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if has(w.policy(hostA), bob.Principal) || !has(w.policy(hostA), admins.Principal) {
		t.Errorf("grants %+v", w.policy(hostA).CurrentGrants())
	}
	if c := out.Changes; len(c) != 1 || *c[0].OldLevel != "CAN_USE" || c[0].NewLevel != nil || c[0].Status != "changed" || c[0].PrincipalKind != "user" {
		t.Errorf("JSON %+v", out)
	}
	// Taking it away makes the user's tokens unusable: said plainly.
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Warning: user bob@example.com loses its personal access tokens in profile DEFAULT ("+hostA+") (the workspace revokes them at once, unless a group still grants CAN_USE) and cannot create new ones.")
}

// With group users holding CAN_USE, a user's own grant is a spare: dbtok
// says the user keeps using tokens.
func TestRevokeUserCoveredByUsers(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, users, bob)
	if _, err := change(t, w, ChangeOptions{Revoke: true, Principal: bob.Principal, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "User bob@example.com still may use tokens in profile DEFAULT ("+hostA+") through group users, which has CAN_USE.")
	if !has(w.policy(hostA), bob.Principal) {
		t.Error("a dry run revoked")
	}
	if _, err := change(t, w, ChangeOptions{Revoke: true, Principal: bob.Principal, Yes: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Note: User bob@example.com still may use tokens")
	cmdtest.Lacks(t, "stderr", w.Stderr.String(), "Warning")
}

func TestRevokeGroupOnTerminal(t *testing.T) {
	for _, answer := range []string{"y\n", "n\n"} {
		t.Run(strings.TrimSpace(answer), func(t *testing.T) {
			w := newWorld(t)
			term := w.SetTerminal(answer)
			_, err := change(t, w, ChangeOptions{Revoke: true, Principal: tokens.Principal{Name: "users"}})
			if err != nil {
				t.Fatal(err)
			}
			cmdtest.Contains(t, "terminal", term.Shown(), "CAN_USE of group users", "CAN_USE", "none",
				"Take CAN_USE on tokens away from group users in profile DEFAULT ("+hostA+")? Every user and service principal in profile DEFAULT ("+hostA+") without a grant of its own or through another group loses its personal access tokens (the workspace revokes them at once) and cannot create new ones; workspace admins keep theirs. [y/N]")
			if has(w.policy(hostA), users.Principal) == (answer == "y\n") {
				t.Errorf("answer %q, grants %+v", answer, w.policy(hostA).CurrentGrants())
			}
			if answer == "n\n" {
				cmdtest.Contains(t, "stderr", w.Stderr.String(), "Nothing changed.")
			}
		})
	}
}

func TestRevokeGroupEffect(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, users, dataEng)
	w.Output = output.Choice{Format: "table"}
	w.IO.SetStdoutTTY(true)
	if _, err := change(t, w, ChangeOptions{Revoke: true, Principal: dataEng.Principal, DryRun: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "Would revoke CAN_USE on tokens from group data-eng in profile DEFAULT")
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "1 change would be made (dry run: nothing was changed).", "Warning: every member of group data-eng in profile DEFAULT ("+hostA+") without another grant loses its personal access tokens")
	if _, err := change(t, w, ChangeOptions{Revoke: true, Principal: dataEng.Principal, Yes: true}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", w.Stdout.String(), "✓ Revoked CAN_USE on tokens from group data-eng in profile DEFAULT")
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Warning: every member of group data-eng")
}

// revoke finds the kind among the grants: a service principal whose
// application ID is no UUID needs no flag.
func TestRevokeResolvesKind(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, users, etl)
	out, err := change(t, w, ChangeOptions{Revoke: true, Principal: tokens.Principal{Name: "etl-app"}, Yes: true})
	if err != nil {
		t.Fatal(err)
	}
	if out.Changes[0].PrincipalKind != "service_principal" || has(w.policy(hostA), etl.Principal) {
		t.Errorf("JSON %+v", out)
	}
}

func TestRevokeRefused(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, users, tokens.Grant{Principal: dataEng.Principal, Level: tokens.CanUse, Inherited: true})
	_, err := change(t, w, ChangeOptions{Revoke: true, Principal: tokens.Principal{Name: "data-eng"}, Yes: true})
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "group data-eng inherits CAN_USE on tokens in profile DEFAULT ("+hostA+"): an inherited grant cannot be revoked here")

	_, err = change(t, w, ChangeOptions{Revoke: true, Principal: tokens.Principal{Name: "etl-app"}, Yes: true})
	cmdtest.Code(t, err, failure.NotFound)
	cmdtest.Contains(t, "error", err.Error(), "group etl-app has no grant on tokens in profile DEFAULT ("+hostA+"): nothing to revoke (see `dbtok permissions -p DEFAULT`) (a name without @ is taken as a group: pass --user, --group or --service-principal if it is not one)")

	_, err = change(t, w, ChangeOptions{Revoke: true, Principal: bob.Principal, Yes: true})
	cmdtest.Code(t, err, failure.NotFound)
	cmdtest.Lacks(t, "error", err.Error(), "is taken as")
	if n := len(w.policy(hostA).CurrentGrants()); n != 3 {
		t.Errorf("%d grants left", n)
	}
}

func TestRevokeSeveral(t *testing.T) {
	w := newWorld(t)
	w.policy(hostA).SetGrants(admins, users, dataEng)
	// prod has no such grant: skipped; dup is DEFAULT's workspace again.
	out, err := change(t, w, ChangeOptions{Revoke: true, Principal: tokens.Principal{Name: "data-eng"}, Yes: true, Profiles: []string{"DEFAULT", "prod", "dup"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Changes) != 1 || out.Changes[0].Profile != "DEFAULT" || has(w.policy(hostA), dataEng.Principal) {
		t.Errorf("JSON %+v", out)
	}
	cmdtest.Contains(t, "stderr", w.Stderr.String(),
		"Note: profile dup reaches the same workspace as profile DEFAULT: it is changed once, through DEFAULT.",
		"Note: data-eng has no grant on tokens in profile prod ("+hostB+"): skipped.")

	// None anywhere: exit 4.
	_, err = change(t, w, ChangeOptions{Revoke: true, Principal: tokens.Principal{Name: "data-eng"}, Yes: true, Profiles: []string{"DEFAULT", "prod"}})
	cmdtest.Code(t, err, failure.NotFound)
	cmdtest.Contains(t, "error", err.Error(), "data-eng has no grant on tokens in any selected workspace: nothing to revoke")

	// An inherited grant in one workspace is refused there; a workspace
	// that cannot be read is reported; the rest goes ahead.
	w.policy(hostA).SetGrants(admins, users, dataEng)
	w.policy(hostB).SetGrants(admins, tokens.Grant{Principal: dataEng.Principal, Level: tokens.CanUse, Inherited: true})
	out, err = change(t, w, ChangeOptions{Revoke: true, Principal: dataEng.Principal, Yes: true, Profiles: []string{"DEFAULT", "prod"}})
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: group data-eng inherits CAN_USE on tokens in profile prod")
	if len(out.Changes) != 1 || out.Changes[0].Status != "changed" {
		t.Errorf("JSON %+v", out)
	}
}

func TestGrantSeveral(t *testing.T) {
	w := newWorld(t)
	w.Break("prod", &failure.AuthError{Msg: "no credentials for profile prod"})
	term := w.SetTerminal("y\n")
	w.policy(hostB).SetGrants(admins)
	out, err := change(t, w, ChangeOptions{Principal: bob.Principal, Profiles: []string{"DEFAULT", "prod"}})
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "stderr", w.Stderr.String(), "Error: no credentials for profile prod")
	if len(out.Changes) != 1 || !has(w.policy(hostA), bob.Principal) {
		t.Errorf("JSON %+v", out)
	}
	if strings.Count(term.Shown(), "[y/N]") != 1 {
		t.Errorf("terminal:\n%s", term.Shown())
	}

	// Table and CSV.
	w = newWorld(t)
	w.Output = output.Choice{Format: "csv"}
	if _, err := change(t, w, ChangeOptions{Principal: bob.Principal, Yes: true, Profiles: []string{"DEFAULT", "prod"}}); err != nil {
		t.Fatal(err)
	}
	want := "PROFILE,KIND,NAME,FROM,TO,STATUS,DETAIL\nDEFAULT,user,bob@example.com,none,CAN_USE,changed,\nprod,user,bob@example.com,none,CAN_USE,changed,\n"
	if got := w.Stdout.String(); got != want {
		t.Errorf("csv %q", got)
	}
}
