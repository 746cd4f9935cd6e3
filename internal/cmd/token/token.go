// Package token groups the token commands under `dbtok token`.
package token

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmd/token/create"
	"github.com/dbtok/dbtok/internal/cmd/token/list"
	"github.com/dbtok/dbtok/internal/cmd/token/revoke"
	"github.com/dbtok/dbtok/internal/cmd/token/rotate"
	"github.com/dbtok/dbtok/internal/cmd/token/update"
	"github.com/dbtok/dbtok/internal/cmd/token/view"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/spf13/cobra"
)

func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "token <command>",
		Aliases: []string{"tokens"},
		Short:   "Create, list, view, update, revoke and rotate personal access tokens",
		Long: heredoc.Doc(`
			Work with Databricks personal access tokens (PATs).

			Each token command is also available directly: dbtok create,
			dbtok list, dbtok view, dbtok update, dbtok revoke and dbtok rotate.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok token create --lifetime 100d --comment ci
			$ dbtok token list
			$ dbtok token revoke 5f3a0c9e81d2
		`)),
		Args: cmdutil.NoSubcommand,
		RunE: cmdutil.ShowHelp,
	}
	cmd.AddCommand(create.NewCmdCreate(f, nil))
	cmd.AddCommand(list.NewCmdList(f, nil))
	cmd.AddCommand(revoke.NewCmdRevoke(f, nil))
	cmd.AddCommand(rotate.NewCmdRotate(f, nil))
	cmd.AddCommand(view.NewCmdView(f, nil))
	cmd.AddCommand(update.NewCmdUpdate(f, nil))
	return cmd
}

// Shortcuts returns fresh copies of the token commands for the top level:
// a cobra command can only have one parent.
func Shortcuts(f *cmdutil.Factory) []*cobra.Command {
	cmds := []*cobra.Command{
		create.NewCmdCreate(f, nil),
		list.NewCmdList(f, nil),
		revoke.NewCmdRevoke(f, nil),
		rotate.NewCmdRotate(f, nil),
		view.NewCmdView(f, nil),
		update.NewCmdUpdate(f, nil),
	}
	for _, c := range cmds {
		c.Short += " (shortcut for `dbtok token " + c.Name() + "`)"
	}
	return cmds
}
