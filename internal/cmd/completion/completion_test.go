package completion

import (
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/spf13/cobra"
)

// tree is a small command tree with the completion command, as the root
// command builds it.
func tree(e *cmdtest.Env) *cobra.Command {
	root := &cobra.Command{Use: "dbtok"}
	root.AddCommand(&cobra.Command{Use: "list", Run: func(*cobra.Command, []string) {}})
	root.AddCommand(NewCmdCompletion(e.Factory()))
	return root
}

func TestCompletionScripts(t *testing.T) {
	// Each shell's script, recognised by what its loader needs.
	want := map[string]string{
		"bash":       "__start_dbtok",
		"zsh":        "#compdef dbtok",
		"fish":       "complete -c dbtok",
		"powershell": "Register-ArgumentCompleter",
	}
	if len(Shells) != len(want) {
		t.Fatalf("Shells = %v", Shells)
	}
	for _, shell := range Shells {
		t.Run(shell, func(t *testing.T) {
			e := cmdtest.New(t)
			if err := e.Exec(tree(e), "completion", shell); err != nil {
				t.Fatal(err)
			}
			cmdtest.Contains(t, "script", e.Stdout.String(), want[shell])
			if e.Stderr.Len() != 0 {
				t.Errorf("stderr %q", e.Stderr)
			}
		})
	}
}

func TestCompletionUsage(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"completion"}, "name one shell: bash, zsh, fish or powershell"},
		{[]string{"completion", "bash", "zsh"}, "name one shell"},
		{[]string{"completion", "tcsh"}, `unsupported shell "tcsh": use bash, zsh, fish or powershell`},
	}
	for _, tt := range tests {
		e := cmdtest.New(t)
		err := e.Exec(tree(e), tt.args...)
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), tt.want)
		if e.Stdout.Len() != 0 {
			t.Errorf("%v: stdout %q", tt.args, e.Stdout)
		}
	}
}

func TestCompletionReadsNoConfig(t *testing.T) {
	e := cmdtest.New(t)
	// The command itself reads no config file, and says so to the root,
	// which then does not read one either: a broken file cannot stop it.
	e.WriteConfig("[broken\n")
	if err := e.Exec(tree(e), "completion", "fish"); err != nil {
		t.Fatal(err)
	}
	if NewCmdCompletion(e.Factory()).Annotations[cmdutil.NoConfigAnnotation] == "" {
		t.Error("completion is not marked as reading no config file")
	}
}

func TestFileName(t *testing.T) {
	want := map[string]string{"bash": "dbtok.bash", "zsh": "_dbtok", "fish": "dbtok.fish", "powershell": "dbtok.ps1"}
	for shell, name := range want {
		if got := FileName(shell); got != name {
			t.Errorf("FileName(%s) = %s, want %s", shell, got, name)
		}
	}
}
