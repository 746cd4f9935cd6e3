package cmdutil

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
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

// ownersTimeout bounds completing --owner, sign-in included: it takes two
// requests (every user's tokens, then the directory lookup of their
// owners), and a TAB press that waits longer than a second feels broken.
const ownersTimeout = time.Second

// CompleteOwners offers the owners of the workspace's tokens (every
// user's, which needs a workspace admin): user names, and service
// principals' application IDs described by display name, each with its
// number of tokens. The owners come from the same one-request directory
// lookup as the OWNER column. Anything that fails or takes longer than
// ownersTimeout offers nothing, and nothing is written to stderr.
func (f *Factory) CompleteOwners(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	f.Quiet = true
	f.MaxTimeout = ownersTimeout
	ctx, cancel := context.WithTimeout(context.Background(), ownersTimeout)
	defer cancel()
	done := make(chan []string, 1)
	go func() { done <- f.owners(ctx, toComplete) }()
	select {
	case out := <-done:
		return out, cobra.ShellCompDirectiveNoFileComp
	case <-ctx.Done():
		// Signing in is bounded by the same second, but not by ctx.
		cobra.CompDebugln("owners: no answer within "+ownersTimeout.String(), false)
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

func (f *Factory) owners(ctx context.Context, toComplete string) []string {
	ws, err := f.Workspace("")
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil
	}
	list, err := ws.Tokens.ListAll(ctx, tokens.ListAllRequest{})
	if err == nil {
		err = tokens.ResolveOwners(ctx, ws.Directory, list, true)
	}
	if err != nil {
		cobra.CompDebugln(err.Error(), false)
		return nil
	}
	count := map[string]int{}
	who := map[string]tokens.Identity{}
	for _, t := range list {
		if id, ok := t.OwnerIdentity(); ok {
			count[id.Name]++
			who[id.Name] = id
		}
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(count)) {
		if !strings.HasPrefix(strings.ToLower(name), strings.ToLower(toComplete)) {
			continue
		}
		desc := output.Count(count[name], "token")
		if id := who[name]; id.Kind == tokens.ServicePrincipal {
			desc = fmt.Sprintf("service principal %s, %s", id.DisplayName, desc)
		}
		out = append(out, Candidate(name, desc))
	}
	return out
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
