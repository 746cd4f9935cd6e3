package main

// Tests in a real pseudo-terminal: what dbtok does differently when a
// person is at the keyboard (tables, colours, relative times, prompts).

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/dbtok/dbtok/internal/emulator"
	"github.com/mattn/go-runewidth"
)

// ttySession is dbtok running with a terminal for stdin, stdout and stderr.
type ttySession struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	exit int
}

func startTTY(t *testing.T, env []string, cols uint16, args ...string) *ttySession {
	t.Helper()
	return startTTYCmd(t, env, cols, filepath.Join(binDir, exe("dbtok")), args...)
}

// startTTYCmd runs any program (a shell that pipes dbtok, say) in a
// terminal.
func startTTYCmd(t *testing.T, env []string, cols uint16, program string, args ...string) *ttySession {
	t.Helper()
	cmd := exec.Command(program, args...)
	cmd.Env = env
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	s := &ttySession{t: t, cmd: cmd, ptmx: ptmx, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			s.exit = ee.ExitCode()
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				s.exit = 128 + int(ws.Signal())
			}
		}
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		ptmx.Close()
	})
	return s
}

func (s *ttySession) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// waitFor waits until the terminal shows text.
func (s *ttySession) waitFor(text string) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(s.output(), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("terminal never showed %q; it shows:\n%s", text, s.output())
}

func (s *ttySession) send(text string) {
	s.t.Helper()
	if _, err := s.ptmx.Write([]byte(text)); err != nil {
		s.t.Fatal(err)
	}
}

// wait returns the exit code and everything the terminal showed.
func (s *ttySession) wait() (int, string) {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.t.Fatalf("dbtok did not exit; terminal shows:\n%s", s.output())
	}
	// Let the reader drain what was written just before exit.
	time.Sleep(50 * time.Millisecond)
	return s.exit, s.output()
}

// ttyEnv is an emulator and a config file for terminal tests.
func ttyEnv(t *testing.T, extra ...string) (*emulator.Server, []string) {
	t.Helper()
	return ttyEnvWith(t, emulator.Options{Users: scriptUsers}, extra...)
}

// ttyEnvWith is ttyEnv with an emulator configured by opts.
func ttyEnvWith(t *testing.T, opts emulator.Options, extra ...string) (*emulator.Server, []string) {
	t.Helper()
	srv, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	home := t.TempDir()
	cfg := fmt.Sprintf("[DEFAULT]\nhost = %s\ntoken = %s\n", srv.URL, scriptUsers[0].Token)
	must(t, os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg), 0o600))
	env := append([]string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"PATH=" + os.Getenv("PATH"),
		"TERM=xterm-256color",
	}, extra...)
	return srv, env
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestTTYListTable(t *testing.T) {
	srv, env := ttyEnv(t)
	now := srv.Now()
	_, _, err := srv.Seed("alice", "soon", now.Add(-time.Hour), 3*24*time.Hour)
	must(t, err)
	_, _, err = srv.Seed("alice", "日本語のコメント 🚀 with a long tail that will not fit the terminal at all", now.Add(-2*time.Hour), 100*24*time.Hour)
	must(t, err)
	_, _, err = srv.Seed("alice", "gone", now.Add(-48*time.Hour), 24*time.Hour)
	must(t, err)
	srv.Advance(time.Minute)

	s := startTTY(t, env, 80, "list")
	code, out := s.wait()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	plain := ansi.ReplaceAllString(out, "")
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(plain, "\r\n", "\n"), "\n"), "\n")
	if !regexp.MustCompile(`^ID +COMMENT +CREATED +EXPIRES$`).MatchString(lines[0]) {
		t.Fatalf("header: %q", lines[0])
	}
	// Relative times, rounded; short IDs; the table fits 80 columns and its
	// columns line up although the comment has wide characters.
	for _, want := range []string{`in 3d`, `in 100d`, `never`, `1h ago`} {
		if !strings.Contains(plain, want) {
			t.Errorf("table lacks %q:\n%s", want, plain)
		}
	}
	col := -1
	for _, l := range lines {
		if w := displayWidth(l); w > 80 {
			t.Errorf("line is %d columns on an 80-column terminal: %q", w, l)
		}
		i := strings.Index(l, "  ")
		if !strings.HasPrefix(l, "ID") && i != 12 {
			t.Errorf("IDs are not shortened to 12 characters: %q", l)
		}
		c := expiresColumn(l)
		if col >= 0 && c != col {
			t.Errorf("EXPIRES column misaligned:\n%s", plain)
		}
		col = c
	}
	// Soon-expiring rows are yellow; NO_COLOR turns colour off.
	if !regexp.MustCompile(`\x1b\[33m[0-9a-f]{12}`).MatchString(out) {
		t.Errorf("the token expiring in 3d is not yellow:\n%q", out)
	}
	s = startTTY(t, append(env, "NO_COLOR=1"), 80, "list")
	if _, out := s.wait(); strings.Contains(out, "\x1b[") {
		t.Errorf("NO_COLOR still colours:\n%q", out)
	}
	s = startTTY(t, env, 80, "list", "--no-color")
	if _, out := s.wait(); strings.Contains(out, "\x1b[") {
		t.Errorf("--no-color still colours:\n%q", out)
	}
	// A terminal that says it cannot do colour gets none.
	s = startTTY(t, append(env, "TERM=dumb"), 80, "list")
	if _, out := s.wait(); strings.Contains(out, "\x1b[") {
		t.Errorf("TERM=dumb still colours:\n%q", out)
	}
	// --absolute: dates, not "in 3d", on a terminal too.
	s = startTTY(t, env, 120, "list", "--absolute", "--no-color")
	if _, out := s.wait(); strings.Contains(out, "in 3d") || !regexp.MustCompile(`20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ`).MatchString(out) {
		t.Errorf("--absolute still relative:\n%s", out)
	}
}

func displayWidth(s string) int { return runewidth.StringWidth(s) }

// expiresColumn is the display column where the last cell starts.
func expiresColumn(line string) int {
	i := strings.LastIndex(strings.TrimRight(line, " "), "  ")
	return displayWidth(line[:i+2])
}

func TestTTYCreateWarnsToCopy(t *testing.T) {
	_, env := ttyEnv(t)
	s := startTTY(t, env, 100, "create", "--lifetime", "100d", "--comment", "human")
	code, out := s.wait()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"Comment:   human", "(in 100d)", "Token:     dapi", "Copy the token now"} {
		if !strings.Contains(ansi.ReplaceAllString(out, ""), want) {
			t.Errorf("terminal lacks %q:\n%s", want, out)
		}
	}
}

func TestTTYRevokeConfirmation(t *testing.T) {
	for _, c := range []struct {
		name    string
		answer  string // typed at the prompt; "" means Ctrl-C
		exit    int
		revoked bool
		shows   string
	}{
		{name: "yes", answer: "y\r", exit: 0, revoked: true, shows: "Revoked"},
		{name: "no", answer: "n\r", exit: 0, revoked: false, shows: "Nothing revoked."},
		{name: "enter means no", answer: "\r", exit: 0, revoked: false, shows: "Nothing revoked."},
		{name: "ctrl-c", answer: "", exit: 130, revoked: false, shows: "Error: interrupted: nothing was revoked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, env := ttyEnv(t)
			for i := 0; i < 2; i++ {
				_, _, err := srv.Seed("alice", "stale", srv.Now().Add(-100*24*time.Hour), 200*24*time.Hour)
				must(t, err)
			}
			s := startTTY(t, env, 120, "revoke", "--comment", "stale")
			s.waitFor("Revoke 2 tokens in profile DEFAULT (" + srv.URL + ")? [y/N]")
			if !strings.Contains(s.output(), "stale") {
				t.Errorf("the plan does not show the tokens:\n%s", s.output())
			}
			if c.answer == "" {
				s.send("\x03") // the terminal turns ^C into SIGINT
			} else {
				s.send(c.answer)
			}
			code, out := s.wait()
			if code != c.exit {
				t.Errorf("exit %d, want %d:\n%s", code, c.exit, out)
			}
			if !strings.Contains(out, c.shows) {
				t.Errorf("terminal lacks %q:\n%s", c.shows, out)
			}
			if got := !hasComment(srv, "stale"); got != c.revoked {
				t.Errorf("revoked = %v, want %v", got, c.revoked)
			}
		})
	}
}

// On a workspace whose token IDs say nothing about the values, and for a
// token dbtok did not deliver, a person picks the profile's token from a
// list, re-asked until the answer is a row, and confirms the choice.
func TestTTYRotateAsksWhichTokenTheProfileUses(t *testing.T) {
	legacy := emulator.Options{Users: scriptUsers, RandomIDs: true}
	srv, env := ttyEnvWith(t, legacy)
	_, _, err := srv.Seed("alice", "decoy", srv.Now().Add(-time.Hour), 24*time.Hour)
	must(t, err)
	s := startTTY(t, env, 120, "rotate", "--update-profile")
	s.waitFor("Number for profile DEFAULT (" + srv.URL + "), Enter to cancel: ")
	if !strings.Contains(s.output(), "in "+srv.URL+"? dbtok did not create it") {
		t.Errorf("the question does not name the workspace:\n%s", s.output())
	}
	s.send("9\r")
	s.waitFor(`"9" is not one of the numbers 1 to 2.`)
	var boot string
	for _, tok := range srv.Tokens("alice") {
		if tok.Comment == emulator.BootstrapComment {
			boot = tok.TokenID
		}
	}
	m := regexp.MustCompile(`(\d)\)\s+` + boot[:12]).FindStringSubmatch(s.output())
	if m == nil {
		t.Fatalf("the bootstrap token is not offered:\n%s", s.output())
	}
	s.send(m[1] + "\r")
	s.waitFor("and revoke it? [y/N]")
	s.send("y\r")
	code, out := s.wait()
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "Revoked the old token "+boot) {
		t.Errorf("old token not revoked:\n%s", out)
	}
	home := strings.TrimPrefix(env[0], "HOME=")
	cfg, _ := os.ReadFile(filepath.Join(home, ".databrickscfg"))
	if strings.Contains(string(cfg), scriptUsers[0].Token) || !regexp.MustCompile(`token = dapi[0-9a-f]{32}\n`).Match(cfg) {
		t.Errorf("config not updated:\n%s", cfg)
	}

	// Enter cancels: nothing is created. (A fresh home: the token written
	// above is now remembered, so dbtok would not need to ask.)
	srv, env = ttyEnvWith(t, legacy)
	before := len(srv.Tokens("alice"))
	s = startTTY(t, env, 120, "rotate", "--update-profile")
	s.waitFor("Number for profile DEFAULT (" + srv.URL + "), Enter to cancel: ")
	s.send("\r")
	if code, out := s.wait(); code != 2 || !strings.Contains(out, "no token chosen: nothing rotated") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if after := len(srv.Tokens("alice")); after != before {
		t.Errorf("cancelling changed the token count %d -> %d", before, after)
	}
}

// hostile is text a malicious or broken server could send: a colour
// escape, a cursor movement, and a right-to-left override that would make
// "evil" read as "live".
const hostile = "red\x1b[31m\x1b[2Aup\u202elive\x7f"

// hostileRaw reports whether out holds any of hostile's control sequences
// as they are, rather than escaped.
func hostileRaw(out string) bool {
	return strings.Contains(out, "\x1b[2A") || strings.Contains(out, "\u202e") || strings.Contains(out, "\x1b[31mred") || strings.Contains(out, "\x7f")
}

// Everything a server sends that reaches the terminal is escaped: the
// table, --jq output, revoke's and rotate's lines, and the picker.
func TestTTYEscapesWhatTheServerSends(t *testing.T) {
	srv, env := ttyEnv(t)
	_, _, err := srv.SeedToken(emulator.TokenSeed{Owner: "alice", Comment: hostile, Lifetime: 48 * time.Hour})
	must(t, err)
	weirdID := "ab\x1b[2Acd\u202eef" + strings.Repeat("0", 40)
	_, _, err = srv.SeedToken(emulator.TokenSeed{Owner: "alice", Comment: "odd id", ID: weirdID, Lifetime: 48 * time.Hour})
	must(t, err)

	for _, args := range [][]string{
		{"list"},
		{"list", "-o", "wide"},
		{"list", "--jq", ".[].comment"},
		{"list", "--jq", ".[].token_id"},
		{"list", "--template", "{{range .}}{{.comment}} {{.token_id}}{{\"\\n\"}}{{end}}"},
		{"list", "-o", "json"},
		{"list", "-o", "yaml"},
		{"list", "-o", "csv"},
	} {
		s := startTTY(t, env, 200, args...)
		code, out := s.wait()
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, out)
		}
		if hostileRaw(out) {
			t.Errorf("%v let control characters through to the terminal:\n%q", args, out)
		}
		if !strings.Contains(out, `\u202e`) {
			t.Errorf("%v does not show the override escaped:\n%q", args, out)
		}
	}

	// Revoke's "✓ Revoked" line and rotate's messages name the weird ID.
	s := startTTY(t, env, 200, "revoke", "--comment", "odd id", "--yes")
	if code, out := s.wait(); code != 0 || hostileRaw(out) || !strings.Contains(out, "Revoked") {
		t.Errorf("revoke: exit %d\n%q", code, out)
	}
	s = startTTY(t, env, 200, "rotate", "--comment", "red*", "--yes")
	if code, out := s.wait(); code != 0 || hostileRaw(out) {
		t.Errorf("rotate: exit %d\n%q", code, out)
	}

	// The picker shows comments escaped too.
	srv, env = ttyEnvWith(t, emulator.Options{Users: scriptUsers, RandomIDs: true})
	_, _, err = srv.SeedToken(emulator.TokenSeed{Owner: "alice", Comment: hostile, Lifetime: 48 * time.Hour})
	must(t, err)
	s = startTTY(t, env, 200, "rotate", "--update-profile")
	s.waitFor("Number for profile DEFAULT")
	s.send("\r")
	if _, out := s.wait(); hostileRaw(out) || !strings.Contains(out, `\u202e`) {
		t.Errorf("picker:\n%q", out)
	}
}

// Piped, --jq output stays byte-exact: escaping is for terminals only.
func TestPipedJQIsByteExact(t *testing.T) {
	srv, env := ttyEnv(t)
	_, _, err := srv.SeedToken(emulator.TokenSeed{Owner: "alice", Comment: hostile, Lifetime: 48 * time.Hour})
	must(t, err)
	cmd := exec.Command(filepath.Join(binDir, exe("dbtok")), "list", "--jq", `.[] | select(.comment | startswith("red")) | .comment`)
	cmd.Env = env
	out, err := cmd.Output()
	must(t, err)
	if string(out) != hostile+"\n" {
		t.Errorf("piped --jq changed the bytes: %q", out)
	}
}

// The confirmation is asked on the controlling terminal even when stdout
// is piped into a file; the file gets only the JSON.
func TestTTYConfirmsWithStdoutPiped(t *testing.T) {
	srv, env := ttyEnv(t)
	for i := 0; i < 2; i++ {
		_, _, err := srv.Seed("alice", "stale", srv.Now().Add(-100*24*time.Hour), 200*24*time.Hour)
		must(t, err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	s := startTTYCmd(t, env, 120, "sh", "-c", `"$0" revoke --comment stale -o json > "$1"`, filepath.Join(binDir, exe("dbtok")), out)
	s.waitFor("Revoke 2 tokens in profile DEFAULT (" + srv.URL + ")? [y/N]")
	s.send("y\r")
	if code, term := s.wait(); code != 0 {
		t.Fatalf("exit %d\n%s", code, term)
	}
	b, err := os.ReadFile(out)
	must(t, err)
	if !strings.HasPrefix(string(b), "{") || !strings.Contains(string(b), `"revoked"`) || strings.Contains(string(b), "[y/N]") {
		t.Errorf("stdout file:\n%s", b)
	}
	if hasComment(srv, "stale") {
		t.Error("not revoked")
	}
}

// A token a profile signs in with, revoked with --include-own on a
// terminal: the plan names the profile and the question says it stops
// working; "no" revokes nothing.
func TestTTYConfirmsRevokingACredential(t *testing.T) {
	srv, env := ttyEnv(t)
	var boot string
	for _, tok := range srv.Tokens("alice") {
		if tok.Comment == emulator.BootstrapComment {
			boot = tok.TokenID
		}
	}
	s := startTTY(t, env, 160, "revoke", boot, "--include-own")
	s.waitFor("Profile DEFAULT signs in with token " + boot[:12] + " and stops working. [y/N]")
	if !regexp.MustCompile(`SIGNS IN\s*\r?\n` + boot[:12] + `.*DEFAULT`).MatchString(ansi.ReplaceAllString(s.output(), "")) {
		t.Errorf("the plan does not show what signs in with the token:\n%s", s.output())
	}
	s.send("n\r")
	if code, out := s.wait(); code != 0 || !strings.Contains(out, "Nothing revoked.") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if !hasID(srv, boot) {
		t.Error("revoked although the answer was no")
	}
}

// Replacing several tokens is confirmed on a terminal.
func TestTTYConfirmsARotationOfSeveralTokens(t *testing.T) {
	srv, env := ttyEnv(t)
	for i := 0; i < 2; i++ {
		_, _, err := srv.Seed("alice", "ci", srv.Now().Add(-time.Hour), 200*time.Hour)
		must(t, err)
	}
	s := startTTY(t, env, 120, "rotate", "--comment", "ci", "--out", filepath.Join(t.TempDir(), "ci.tok"))
	s.waitFor("Replace 2 tokens in profile DEFAULT (" + srv.URL + ")? [y/N]")
	s.send("y\r")
	if code, out := s.wait(); code != 0 || strings.Count(out, "Revoked the old token") != 2 {
		t.Errorf("exit %d\n%s", code, out)
	}
	if n := countComment(srv, "ci"); n != 1 {
		t.Errorf("%d tokens with comment ci, want the new one only", n)
	}
}

// On a narrow terminal the picker's rows are aligned and cut to its width
// (the comment gives way), never wrapped; Ctrl-D at the question leaves the
// next line of output on a line of its own.
func TestTTYRotatePickerFitsANarrowTerminal(t *testing.T) {
	srv, env := ttyEnvWith(t, emulator.Options{Users: scriptUsers, RandomIDs: true})
	_, _, err := srv.Seed("alice", "a decoy with a rather long comment that cannot fit", srv.Now().Add(-time.Hour), 24*time.Hour)
	must(t, err)
	s := startTTY(t, env, 40, "rotate", "--update-profile")
	s.waitFor("Enter to cancel: ")
	rows := 0
	for _, line := range strings.Split(s.output(), "\n") {
		line = strings.TrimRight(line, "\r")
		if !regexp.MustCompile(`^\d\)\s`).MatchString(line) {
			continue
		}
		rows++
		if w := runewidth.StringWidth(line); w > 40 {
			t.Errorf("row of %d columns on a 40-column terminal: %q", w, line)
		}
	}
	if rows != 2 || !strings.Contains(s.output(), "…") {
		t.Errorf("want 2 rows, the long comment cut with …:\n%s", s.output())
	}
	s.send("\x04")
	code, out := s.wait()
	if code != 2 || !regexp.MustCompile(`Enter to cancel: \r?\n(\x1b\[[0-9;]*m)*Error: no token chosen`).MatchString(out) {
		t.Errorf("exit %d; after Ctrl-D the error must start a new line:\n%q", code, out)
	}
}

// An admin's table at 40, 80 and 200 columns: never wider than the
// terminal (cut with …, never wrapped); with room, every header and value
// whole; narrower, the long comment and user names give way first and the
// short headers stand in; -o wide shows everything whatever the width.
func TestTTYListFitsEveryWidth(t *testing.T) {
	srv, env := ttyEnv(t)
	now := srv.Now()
	long := "nightly export of the finance warehouse to the partner bucket"
	_, _, err := srv.Seed("alice", long, now.Add(-time.Hour), 30*24*time.Hour)
	must(t, err)
	_, _, err = srv.Seed("bob", "ci", now.Add(-2*time.Hour), 10*24*time.Hour)
	must(t, err)
	lines := func(cols uint16, args ...string) []string {
		t.Helper()
		s := startTTY(t, env, cols, append([]string{"list", "--all-users", "--no-color"}, args...)...)
		code, out := s.wait()
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		return strings.Split(strings.TrimRight(strings.ReplaceAll(out, "\r\n", "\n"), "\n"), "\n")
	}
	for _, cols := range []uint16{40, 80, 200} {
		got := lines(cols)
		// alice's and bob's tokens and each one's own: four rows.
		if len(got) != 5 {
			t.Fatalf("%d columns: want a header and 4 rows, no wrapped lines:\n%s", cols, strings.Join(got, "\n"))
		}
		for _, l := range got {
			if w := displayWidth(l); w > int(cols) {
				t.Errorf("%d columns: a line of %d: %q", cols, w, l)
			}
		}
		all := strings.Join(got, "\n")
		switch cols {
		case 200:
			if !strings.Contains(all, long) || !strings.HasPrefix(got[0], "ID            CREATED BY") || !strings.Contains(got[0], "LAST USED") {
				t.Errorf("200 columns: want everything whole:\n%s", all)
			}
		case 80:
			if strings.Contains(all, long) || !strings.Contains(all, "…") || strings.Contains(got[0], "…") {
				t.Errorf("80 columns: want the comment cut, the header whole:\n%s", all)
			}
		case 40:
			if !strings.HasSuffix(got[1], "…") || !regexp.MustCompile(`^[0-9a-f]{12}  `).MatchString(got[1]) {
				t.Errorf("40 columns: want short IDs and lines cut with …:\n%s", all)
			}
		}
	}
	wide := lines(40, "-o", "wide")
	if !strings.Contains(strings.Join(wide, "\n"), long) {
		t.Errorf("-o wide at 40 columns cuts:\n%s", strings.Join(wide, "\n"))
	}
}
