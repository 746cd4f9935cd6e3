package main

// The README's shell completion steps, run as written from a fresh home
// folder, must leave a shell that completes dbtok: the folders they write
// into are created, and each shell finds the script where it looks.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/testtool"
)

// readmeBlocks returns the README's code blocks in the section titled
// heading, by their info string (```bash ... ```).
func readmeBlocks(t *testing.T, heading string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	blocks := map[string]string{}
	for _, m := range regexp.MustCompile("(?s)```([a-z]+)\n(.*?)```").FindAllStringSubmatch(section, -1) {
		blocks[m[1]] = m[2]
	}
	return blocks
}

func TestReadmeCompletionInstallFromFreshHome(t *testing.T) {
	blocks := readmeBlocks(t, "### Shell completion")
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if blocks[shell] == "" {
			t.Errorf("README's Shell completion section has no %s block", shell)
		}
	}
	if _, err := startCompletionWorkspace(t); err != nil {
		t.Fatal(err)
	}
	// What a new shell offers for `dbtok list --profile <TAB>`, once the
	// README's steps ran in a fresh home.
	check := map[string]string{
		// An interactive bash reads ~/.bashrc, as a new terminal would.
		"bash": `source ~/.bashrc; complete -p dbtok >/dev/null || exit 1
COMP_LINE="dbtok list --profile "; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(dbtok list --profile ""); COMP_CWORD=3
compopt() { :; }; __start_dbtok; printf '%s\n' "${COMPREPLY[@]}"`,
		// zsh -i reads ~/.zshrc, whose compinit registers _dbtok from fpath;
		// outside the line editor the functions _dbtok hands its
		// candidates to print them instead.
		"zsh": `[[ $_comps[dbtok] == _dbtok ]] || { print "compinit did not register _dbtok"; exit 1; }
_describe() { local a; for a in "$@"; do [[ "${(t)${(P)a}}" == array* ]] && print -l -- "${(@P)a}"; done; return 0; }
compadd() { print -l -- "$@"; }
words=(dbtok list --profile ""); CURRENT=4
$_comps[dbtok]`,
		"fish": `complete -C "dbtok list --profile "`,
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			testtool.Need(t, shell, testtool.Packages[shell])
			home := t.TempDir()
			// A fresh account: nothing of the developer's shell set-up.
			var env []string
			for _, kv := range os.Environ() {
				name, _, _ := strings.Cut(kv, "=")
				if !strings.HasPrefix(name, "XDG_") && !strings.HasPrefix(name, "DATABRICKS_") && !strings.HasPrefix(name, "BASH") &&
					name != "HOME" && name != "PATH" && name != "ZDOTDIR" && name != "TERM" {
					env = append(env, kv)
				}
			}
			env = append(env, "HOME="+home, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "TERM=dumb",
				"DATABRICKS_CONFIG_FILE="+filepath.Join(shellHome(), ".databrickscfg"))
			run := func(args ...string) string {
				t.Helper()
				cmd := exec.Command(shell, args...)
				cmd.Env, cmd.Dir = env, home
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("%s %s: %v\n%s", shell, strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			run("-c", blocks[shell])
			got := run("-i", "-c", check[shell])
			for _, p := range []string{"DEFAULT", "prod"} {
				if !strings.Contains(got, p) {
					t.Errorf("a new %s does not complete --profile with %s:\n%s", shell, p, got)
				}
			}
		})
	}
}

// shellHome is the home folder startCompletionWorkspace set up.
func shellHome() string {
	for _, kv := range shellEnv {
		if h, ok := strings.CutPrefix(kv, "HOME="); ok {
			return h
		}
	}
	return ""
}
