package main

// Every example in `dbtok <command> --help` runs, against the emulator, in
// a fixture the examples assume: profiles DEFAULT and prod, tokens with
// the comments and ID prefixes they name.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmd/root"
	"github.com/dbtok/dbtok/internal/emulator"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/issued"
	"github.com/dbtok/dbtok/internal/testtool"
	"github.com/spf13/cobra"
)

// helpExamples returns every "$ ..." line of every command's examples.
func helpExamples() map[string][]string {
	ios, _, _, _ := iostreams.Test()
	out := map[string][]string{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			if cmd, ok := strings.CutPrefix(strings.TrimSpace(line), "$ "); ok {
				out[c.CommandPath()] = append(out[c.CommandPath()], cmd)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root.NewCmdRoot(root.NewFactory(ios)))
	return out
}

func TestEveryCommandHasHelp(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%s: needs a one-line summary, a description and examples", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root.NewCmdRoot(root.NewFactory(ios)))
}

func TestHelpExamples(t *testing.T) {
	// The help examples pipe into jq.
	testtool.Need(t, "jq", "jq")
	for path, lines := range helpExamples() {
		for i, line := range lines {
			t.Run(fmt.Sprintf("%s/%d", strings.ReplaceAll(path, " ", "_"), i), func(t *testing.T) {
				env := exampleFixture(t)
				cmd := exec.Command("bash", "-c", "set -o pipefail; "+line)
				cmd.Env = env
				cmd.Dir = t.TempDir()
				out, err := cmd.CombinedOutput()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				// Exit 5 is what an alarm exits with when it finds
				// something: list --fail-if-any, and audit (the fixture's
				// tokens include one that never expires).
				alarm := strings.Contains(line, "--fail-if-any") || strings.HasPrefix(line, "dbtok audit")
				ok := code == 0 || alarm && code == 5
				if !ok || strings.Contains(string(out), "Error:") {
					t.Errorf("$ %s\nexit %d:\n%s", line, code, out)
				}
			})
		}
	}
}

// exampleFixture is a home, a config and a workspace as the examples
// expect them.
func exampleFixture(t *testing.T) []string {
	t.Helper()
	// someone is in group data-eng, which the permissions examples grant
	// and revoke.
	someone := emulator.User{Name: "someone@example.com", Token: "dapi5555555555555555555555555555555", Groups: []string{"data-eng"}}
	srv, err := emulator.Start(emulator.Options{Users: []emulator.User{scriptUsers[0], someone}, ServicePrincipals: scriptServicePrincipals})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	now := srv.Now()
	seed := func(user, id, comment string, age, life time.Duration) {
		t.Helper()
		var err error
		if id != "" {
			_, err = srv.SeedWithID(user, id+strings.Repeat("0", 64-len(id)), comment, now.Add(-age), life)
		} else {
			_, _, err = srv.Seed(user, comment, now.Add(-age), life)
		}
		must(t, err)
	}
	// nightly was created with --autoscope, whose observation completed.
	_, _, err = srv.SeedToken(emulator.TokenSeed{Owner: "alice", ID: "5f3a0c9e81d2" + strings.Repeat("0", 52), Comment: "nightly",
		Created: now.Add(-time.Hour), Lifetime: 36 * time.Hour, AutoscopeEnabled: true,
		AutoscopeState: "AUTOSCOPE_STATE_COMPLETED", InferredScopes: []string{"jobs", "sql"}})
	must(t, err)
	// The secret scope and the gh the delivery examples use.
	must(t, srv.AddSecretScope("ci", "alice", false))
	seed("alice", "", "ci", 10*24*time.Hour, 100*24*time.Hour)
	seed("alice", "", "ci-eu", 100*24*time.Hour, 200*24*time.Hour)
	seed("alice", "", "old", 300*24*time.Hour, 400*24*time.Hour)
	seed("someone@example.com", "7d2e41b09c33", "laptop", 24*time.Hour, 30*24*time.Hour)
	// An on-behalf-of token alice made for the CI service principal, for
	// rotate --all-users and list --owner.
	_, _, err = srv.SeedToken(emulator.TokenSeed{Owner: "6f1c0f5e-1111-2222-3333-444455556666", CreatedBy: "alice", Comment: "etl",
		Created: now.Add(-20 * 24 * time.Hour), Lifetime: 30 * 24 * time.Hour})
	must(t, err)
	// A value found in a public repository, for revoke --value-stdin.
	const leaked = "dapi0123456789abcdef0123456789abcdef"
	_, _, err = srv.SeedToken(emulator.TokenSeed{Owner: "someone@example.com", Comment: "pasted in a gist", Value: leaked, Lifetime: 30 * 24 * time.Hour})
	must(t, err)
	// Grants for `permissions revoke` to take away.
	must(t, srv.GrantTokenPermission(emulator.TokenPermission{GroupName: "data-eng"}))
	must(t, srv.GrantTokenPermission(emulator.TokenPermission{ServicePrincipalName: "6f1c0f5e-1111-2222-3333-444455556666"}))

	home := t.TempDir()
	for _, dir := range []string{".secrets", ".zfunc", ".local/share/bash-completion/completions", ".config/fish/completions"} {
		must(t, os.MkdirAll(filepath.Join(home, dir), 0o700))
	}
	cfg := fmt.Sprintf("[DEFAULT]\nhost = %[1]s\ntoken = %[2]s\n\n[prod]\nhost = %[1]s\ntoken = %[2]s\n", srv.URL, scriptUsers[0].Token)
	must(t, os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg), 0o600))
	// As if dbtok had delivered the profiles' token: rotate --update-profile
	// can tell which one it is.
	state := filepath.Join(home, ".local", "state")
	t.Setenv("XDG_STATE_HOME", state)
	for _, tok := range srv.Tokens("alice") {
		if tok.Comment == emulator.BootstrapComment {
			must(t, issued.At(filepath.Join(state, "dbtok", "issued.json")).Record(srv.URL, scriptUsers[0].Token, tok.TokenID))
		}
	}
	// gh secret set NAME stores its standard input; this one keeps it in
	// $HOME/gh-secrets/NAME.secret.
	bin := filepath.Join(home, "bin")
	must(t, os.MkdirAll(bin, 0o700))
	must(t, os.WriteFile(filepath.Join(bin, "gh"), []byte("#!/bin/sh\n[ \"$1 $2\" = \"secret set\" ] || exit 2\nmkdir -p \"$HOME/gh-secrets\" && cat > \"$HOME/gh-secrets/$3.secret\"\n"), 0o700))
	return []string{
		"LEAKED_TOKEN=" + leaked,
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + state,
		"PATH=" + binDir + string(os.PathListSeparator) + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
}
