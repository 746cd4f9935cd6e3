package main

// Confirmations of workspace policy changes in a real pseudo-terminal.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Turning tokens off is shown (old and new) and asked about on the
// terminal even with stdout piped into a file, saying what stops working;
// "y" applies it and the file gets only the JSON.
func TestTTYConfirmsTurningTokensOff(t *testing.T) {
	srv, env := ttyEnv(t)
	out := filepath.Join(t.TempDir(), "out.json")
	s := startTTYCmd(t, env, 200, "sh", "-c", `"$0" settings set tokens-enabled false -o json > "$1"`, filepath.Join(binDir, exe("dbtok")), out)
	s.waitFor("Turn personal access tokens off in profile DEFAULT (" + srv.URL + ")? Every personal access token in profile DEFAULT (" + srv.URL + ") stops working until tokens are turned on again (none is deleted), including any that profile DEFAULT signs in with; only a workspace admin signed in with OAuth can turn them on again. [y/N]")
	if !regexp.MustCompile(`CHANGE\s+FROM\s+TO\s*\r?\npersonal access tokens\s+enabled\s+disabled`).MatchString(ansi.ReplaceAllString(s.output(), "")) {
		t.Errorf("the plan is not shown:\n%s", s.output())
	}
	if srv.WorkspaceConf()["enableTokensConfig"] != "true" {
		t.Fatal("changed before the answer")
	}
	s.send("y\r")
	if code, term := s.wait(); code != 0 || !strings.Contains(term, "Warning: every personal access token") {
		t.Fatalf("exit %d\n%s", code, term)
	}
	b, err := os.ReadFile(out)
	must(t, err)
	if !strings.Contains(string(b), `"status": "changed"`) || strings.Contains(string(b), "[y/N]") {
		t.Errorf("stdout file:\n%s", b)
	}
	if srv.WorkspaceConf()["enableTokensConfig"] != "false" {
		t.Error("tokens still on after yes")
	}
}

// "n" (or Enter) to taking CAN_USE away changes nothing.
func TestTTYDeclinesAPermissionRevocation(t *testing.T) {
	srv, env := ttyEnv(t)
	s := startTTY(t, env, 200, "permissions", "revoke", "users")
	s.waitFor("Take CAN_USE on tokens away from group users in profile DEFAULT (" + srv.URL + ")? Every user and service principal")
	s.waitFor("[y/N]")
	s.send("\r")
	if code, term := s.wait(); code != 0 || !strings.Contains(term, "Nothing changed.") {
		t.Fatalf("exit %d\n%s", code, term)
	}
	if !srv.TokenPermissionsAllow("bob") || len(srv.Tokens("bob")) != 1 {
		t.Error("bob lost CAN_USE or his token although the answer was no")
	}
}
