package completion

import (
	"io"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/spf13/cobra"
)

// Generate writes root's completion script for shell. The committed files
// under completions/ come from here too, and a test keeps them current.
func Generate(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, true)
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return failure.Usagef("unsupported shell %q: use bash, zsh, fish or powershell", shell)
}

// FileName is where the script for shell is committed under completions/,
// named as each shell's completion loader expects.
func FileName(shell string) string {
	switch shell {
	case "bash":
		return "dbtok.bash"
	case "zsh":
		return "_dbtok"
	case "fish":
		return "dbtok.fish"
	default:
		return "dbtok.ps1"
	}
}
