package token

import (
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
)

func TestTokenGroupHelp(t *testing.T) {
	e := cmdtest.New(t)
	if err := e.Exec(NewCmdToken(e.Factory())); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "help", e.Stdout.String(), "Work with Databricks personal access tokens", "create", "list", "revoke", "rotate")
}

func TestTokenGroupRejectsStrayWords(t *testing.T) {
	e := cmdtest.New(t)
	err := e.Exec(NewCmdToken(e.Factory()), "lsit")
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), `unknown command "lsit" for "token" (did you mean "list"?)`)
	if e.Stdout.Len() != 0 {
		t.Errorf("help printed for a typo: %q", e.Stdout)
	}
}

// The group's commands are wired: their own flag checks run.
func TestTokenGroupSubcommands(t *testing.T) {
	e := cmdtest.New(t)
	err := e.Exec(NewCmdToken(e.Factory()), "list", "--sort", "size")
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), `--sort "size"`)

	cmd := NewCmdToken(e.Factory())
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	if strings.Join(names, " ") != "create list revoke rotate update view" {
		t.Errorf("commands %v", names)
	}
	if len(cmd.Aliases) != 1 || cmd.Aliases[0] != "tokens" {
		t.Errorf("aliases %v", cmd.Aliases)
	}
}

func TestShortcuts(t *testing.T) {
	e := cmdtest.New(t)
	f := e.Factory()
	group := NewCmdToken(f)
	cuts := Shortcuts(f)
	if len(cuts) != 6 {
		t.Fatalf("%d shortcuts", len(cuts))
	}
	for i, c := range cuts {
		if want := "(shortcut for `dbtok token " + c.Name() + "`)"; !strings.HasSuffix(c.Short, want) {
			t.Errorf("%s: short %q lacks %q", c.Name(), c.Short, want)
		}
		// Fresh copies: a cobra command has one parent.
		if c == group.Commands()[i] || c.HasParent() {
			t.Errorf("%s is shared with the group", c.Name())
		}
		if strings.Contains(group.Commands()[i].Short, "shortcut") {
			t.Errorf("the group's %s was renamed too", c.Name())
		}
	}
}
