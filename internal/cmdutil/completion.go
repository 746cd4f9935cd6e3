package cmdutil

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

// completionTimeout keeps a TAB press from hanging on a slow workspace.
const completionTimeout = 5 * time.Second

// CompleteProfiles offers the profile names in the config file, with their
// hosts as descriptions. It reads one local file and never touches the network.
func (f *Factory) CompleteProfiles(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	file, err := databrickscfg.Load(workspace.ConfigPath(f.Globals.ConfigFile))
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range file.Profiles {
		if strings.HasPrefix(p.Name, toComplete) {
			out = append(out, Candidate(p.Name, p.Host()))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteTokenIDs offers the caller's token IDs, described by comment and
// expiry, leaving out IDs already on the command line.
func (f *Factory) CompleteTokenIDs(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	f.Quiet = true
	f.MaxTimeout = completionTimeout
	ws, err := f.Workspace("")
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	list, err := ws.Tokens.List(context.Background())
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	given := map[string]bool{}
	for _, a := range args {
		given[a] = true
	}
	now := f.Now()
	var out []string
	for _, t := range list {
		if given[t.ID] || !strings.HasPrefix(t.ID, toComplete) {
			continue
		}
		desc := t.Comment
		if desc == "" {
			desc = "(no comment)"
		}
		if exp, ok := t.Expires(); ok {
			if exp.After(now) {
				desc += ", expires " + output.Relative(now, exp)
			} else {
				desc += ", expired"
			}
		}
		out = append(out, Candidate(t.ID, desc))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// Candidate formats a completion candidate; tabs and newlines in the
// description would break the shell scripts' parsing.
func Candidate(value, desc string) string {
	desc = strings.Join(strings.Fields(output.Sanitize(desc)), " ")
	if desc == "" {
		return value
	}
	return fmt.Sprintf("%s\t%s", value, desc)
}
