// Package completion implements `dbtok completion SHELL`.
package completion

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/spf13/cobra"
)

// Shells lists the supported shells, in the order help shows them.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:         "completion SHELL",
		Annotations: map[string]string{cmdutil.NoConfigAnnotation: "true"},
		Short:       "Print the shell completion script",
		Long: heredoc.Doc(`
			Print a completion script for bash, zsh, fish or PowerShell.

			Completion covers commands and flags, profile names for --profile
			(read from your config file), token IDs for revoke (fetched from
			the workspace, with their comments), scope names, durations and
			--output formats. Release archives and packages ship these
			scripts in completions/. The bash script needs nothing but bash;
			it uses the bash-completion package when that is loaded.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			# bash: the current shell, then every new one (works without the
			# bash-completion package too)
			$ source <(dbtok completion bash)
			$ mkdir -p ~/.local/share/bash-completion/completions
			$ dbtok completion bash > ~/.local/share/bash-completion/completions/dbtok

			# zsh: a folder of yours on $fpath (fpath=(~/.zfunc $fpath) before
			# compinit in ~/.zshrc)
			$ mkdir -p ~/.zfunc && dbtok completion zsh > ~/.zfunc/_dbtok

			# fish
			$ mkdir -p ~/.config/fish/completions
			$ dbtok completion fish > ~/.config/fish/completions/dbtok.fish

			# PowerShell
			PS> dbtok completion powershell | Out-String | Invoke-Expression
		`)),
		ValidArgs: Shells,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return failure.Usagef("name one shell: bash, zsh, fish or powershell")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return Generate(cmd.Root(), args[0], f.IOStreams.Out)
		},
	}
}
