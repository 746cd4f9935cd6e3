package main

// The committed completion scripts, loaded into the real shells: completing
// `dbtok token revoke <TAB>` offers token IDs and `--profile <TAB>` profile
// names. A shell that is not installed is skipped (CI installs them all).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
	"github.com/dbtok/dbtok/internal/testtool"
	"github.com/dbtok/dbtok/internal/tokens"
)

// completeIn asks shell for the completions of line (which ends where TAB
// is pressed) and returns what it offers, one candidate per line.
var completeIn = map[string]func(t *testing.T, script, line string) string{
	"bash": func(t *testing.T, script, line string) string {
		const lib = "/usr/share/bash-completion/bash_completion"
		testtool.NeedFile(t, lib, "bash-completion")
		return shellOutput(t, "bash", "-c", `source `+lib+`; source "$SCRIPT"
read -r -a COMP_WORDS <<< "$LINE"; COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$LINE "; COMP_POINT=${#COMP_LINE}
__start_dbtok 2>/dev/null; printf '%s\n' "${COMPREPLY[@]}"`, script, line)
	},
	// Without the bash-completion package: nothing but bash and the
	// script, and nothing may reach stderr ("command not found").
	"bash-alone": func(t *testing.T, script, line string) string {
		// (compopt works only inside a real completion; a test calls the
		// function directly.)
		return shellOutput(t, "bash", "-c", `source "$SCRIPT"; compopt() { :; }
if declare -F _get_comp_words_by_ref _filedir >/dev/null; then echo "bash-completion is loaded" >&2; exit 1; fi
read -r -a COMP_WORDS <<< "$LINE"; COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$LINE "; COMP_POINT=${#COMP_LINE}
__start_dbtok 2>stderr.txt; printf '%s\n' "${COMPREPLY[@]}"
if [ -s stderr.txt ]; then cat stderr.txt >&2; exit 1; fi`, script, line)
	},
	"zsh": func(t *testing.T, script, line string) string {
		// Outside the line editor zsh has no completion widget, so the
		// functions the script hands its candidates to print them instead.
		return shellOutput(t, "zsh", "-c", `compdef() { :; }
_describe() { local a; for a in "$@"; do [[ "${(t)${(P)a}}" == array* ]] && print -l -- "${(@P)a}"; done; return 0; }
compadd() { print -l -- "$@"; }
source "$SCRIPT"
words=(${=LINE} ""); CURRENT=${#words}
_dbtok`, script, line)
	},
	"fish": func(t *testing.T, script, line string) string {
		return shellOutput(t, "fish", "-c", `source $SCRIPT; complete -C "$LINE "`, script, line)
	},
}

var shellEnv []string

func shellOutput(t *testing.T, shell string, args ...string) string {
	t.Helper()
	script, line := args[len(args)-2], args[len(args)-1]
	cmd := exec.Command(shell, args[:len(args)-2]...)
	cmd.Env = append(shellEnv, "SCRIPT="+script, "LINE="+line)
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s: %v\n%s%s", shell, err, out, stderr)
	}
	return string(out)
}

func TestShellCompletion(t *testing.T) {
	srv, err := startCompletionWorkspace(t)
	if err != nil {
		t.Fatal(err)
	}
	// Every token but the one the profile signs in with, which revoke
	// refuses without --include-own and so is not offered.
	var ids []string
	signsIn := tokens.NewSecret(scriptUsers[0].Token).Digest()
	for _, tok := range srv.Tokens("alice") {
		if tok.TokenID != signsIn {
			ids = append(ids, tok.TokenID)
		}
	}
	if len(ids) == 0 {
		t.Fatal("the workspace holds no token to offer")
	}
	scripts := map[string]string{"bash": "dbtok.bash", "bash-alone": "dbtok.bash", "zsh": "_dbtok", "fish": "dbtok.fish"}
	for shell, file := range scripts {
		t.Run(shell, func(t *testing.T) {
			bin := strings.TrimSuffix(shell, "-alone")
			testtool.Need(t, bin, testtool.Packages[bin])
			script, _ := filepath.Abs(filepath.Join("..", "..", "completions", file))
			got := completeIn[shell](t, script, "dbtok token revoke")
			for _, id := range ids {
				if !strings.Contains(got, id) {
					t.Errorf("revoke <TAB> does not offer %s; it offers:\n%s", id, got)
				}
			}
			if bin != "bash" && !strings.Contains(got, "deploy") {
				t.Errorf("revoke <TAB> does not describe the tokens by comment:\n%s", got)
			}
			got = completeIn[shell](t, script, "dbtok list --profile")
			for _, p := range []string{"DEFAULT", "prod", "acme.dev"} {
				if !strings.Contains(got, p) {
					t.Errorf("--profile <TAB> does not offer %s; it offers:\n%s", p, got)
				}
			}
		})
	}
}

// startCompletionWorkspace serves a workspace with two tokens besides the
// bootstrap one, and points a config with three profiles at it.
func startCompletionWorkspace(t *testing.T) (*emulator.Server, error) {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Users: scriptUsers[:1]})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { srv.Close() })
	for _, c := range []string{"deploy", "nightly"} {
		if _, _, err := srv.Seed("alice", c, srv.Now(), 24*time.Hour); err != nil {
			return nil, err
		}
	}
	home := t.TempDir()
	var cfg strings.Builder
	for _, p := range []string{"DEFAULT", "prod", "acme.dev"} {
		cfg.WriteString("[" + p + "]\nhost = " + srv.URL + "\ntoken = " + scriptUsers[0].Token + "\n")
	}
	if err := os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg.String()), 0o600); err != nil {
		return nil, err
	}
	shellEnv = []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"TERM=dumb",
	}
	return srv, nil
}
