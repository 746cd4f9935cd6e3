package completion

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/spf13/cobra"
)

// Generate writes root's completion script for shell. The committed files
// under completions/ come from here too, and a test keeps them current.
func Generate(root *cobra.Command, shell string, w io.Writer) error {
	switch shell {
	case "bash":
		var b bytes.Buffer
		if err := root.GenBashCompletionV2(&b, true); err != nil {
			return err
		}
		script, err := standaloneBash(b.String(), root.Name())
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, script)
		return err
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

// standaloneBash makes cobra's bash script work without the bash-completion
// package (minimal containers, macOS's bash 3), which it otherwise needs
// for splitting the command line and completing file names: each call
// goes to a stand-in that uses the package's function when it is loaded
// and plain bash otherwise.
func standaloneBash(script, name string) (string, error) {
	edits := []struct{ old, new string }{
		{"    _get_comp_words_by_ref \"$@\" cur prev words cword\n", `    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref "$@" cur prev words cword
        return
    fi
    # Without bash-completion: the words up to the cursor, split on blanks
    # only, so that --flag=value and host:port stay one word.
    local line="${COMP_LINE:0:COMP_POINT}"
    read -r -a words <<< "$line"
    if [[ ${#words[@]} -eq 0 || $line == *[[:space:]] ]]; then
        words+=("")
    fi
    cword=$(( ${#words[@]} - 1 ))
    cur=${words[cword]}
    prev=${words[cword-1]-}
}

# _filedir, from bash-completion when it is loaded, else compgen.
__NAME_filedir()
{
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir "$@"
        return
    fi
    local IFS=$'\n'
    if [[ ${1-} == -d ]]; then
        COMPREPLY+=($(compgen -d -- "$cur"))
    else
        COMPREPLY+=($(compgen -f -- "$cur"))
    fi
    compopt -o filenames 2>/dev/null
`},
		{`filteringCmd="_filedir $fullFilter"`, `filteringCmd="__NAME_filedir $fullFilter"`},
		{"&& _filedir -d &&", "&& __NAME_filedir -d &&"},
		{"            _filedir -d\n", "            __NAME_filedir -d\n"},
		{"                    _filedir\n", "                    __NAME_filedir\n"},
	}
	for _, e := range edits {
		if !strings.Contains(script, e.old) {
			// cobra changed its script: the stand-ins must follow.
			return "", fmt.Errorf("bash completion: cobra's script no longer has %q", e.old)
		}
		script = strings.Replace(script, e.old, strings.ReplaceAll(e.new, "__NAME_", "__"+name+"_"), 1)
	}
	return script, nil
}
