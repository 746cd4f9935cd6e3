package cmdutil

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/compcache"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/safefile"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

// completionBudget is the longest a TAB press waits on a workspace, when
// nothing is cached: past it completion offers nothing and leaves a
// refresh running in the background for the next TAB.
const completionBudget = 900 * time.Millisecond

// refreshTimeout bounds a background refresh of the completion cache.
const refreshTimeout = 20 * time.Second

// RefreshCompletionCommand is the hidden command that refreshes the
// completion cache in the background.
const RefreshCompletionCommand = "__refresh-completion-cache"

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

// allUsers reads a command's --all-users, for completion: with it, token
// IDs and comments are every user's (the admin listing).
func allUsers(cmd *cobra.Command) bool {
	v, err := cmd.Flags().GetBool("all-users")
	return err == nil && v
}

// CompleteTokenIDs offers token IDs, described by comment, owner (with
// --all-users) and expiry, leaving out IDs already on the command line.
func (f *Factory) CompleteTokenIDs(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if changed := cmd.Flags().Changed; changed("all-profiles") || changed("profiles") || changed("value-stdin") {
		// IDs belong to one workspace (and --value-stdin names the token
		// by its value): the command would refuse any.
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	all := allUsers(cmd)
	given := map[string]bool{}
	for _, a := range args {
		given[a] = true
	}
	// A token a profile signs in with is refused by revoke without
	// --include-own and by rotate without --update-profile or --keep-old:
	// not offered then. (By digest, from the config file: no network.)
	var creds *tokens.Credentials
	if fl := cmd.Flags(); fl.Lookup("include-own") != nil && !fl.Changed("include-own") && !fl.Changed("update-profile") && !fl.Changed("keep-old") {
		creds = f.Credentials(nil)
	}
	now := f.Now()
	var out []string
	for _, t := range f.completionTokens(all) {
		if given[t.ID] || !strings.HasPrefix(t.ID, toComplete) {
			continue
		}
		if creds != nil && len(creds.ProfilesUsing("", t.ID)) > 0 {
			continue
		}
		desc := t.Comment
		if desc == "" {
			desc = "(no comment)"
		}
		if all && t.Owner != "" {
			desc += ", by " + t.Owner
		}
		if t.ExpiryTime > 0 {
			if exp := time.UnixMilli(t.ExpiryTime); exp.After(now) {
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

// CompleteComments offers the comments of existing tokens, each with how
// many tokens have it, for --comment and --comment-exact.
func (f *Factory) CompleteComments(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	counts := map[string]int{}
	for _, t := range f.completionTokens(allUsers(cmd)) {
		// A comment that would break the completion protocol (a line per
		// candidate, a tab before the description) cannot be offered.
		if t.Comment != "" && !strings.ContainsAny(t.Comment, "\t\r\n") && strings.HasPrefix(t.Comment, toComplete) {
			counts[t.Comment]++
		}
	}
	comments := make([]string, 0, len(counts))
	for c := range counts {
		comments = append(comments, c)
	}
	sort.Strings(comments)
	out := make([]string, len(comments))
	for i, c := range comments {
		out[i] = Candidate(c, output.Count(counts[c], "token"))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completionKey names the cache entry of the selected workspace, read from
// the config file alone (no sign-in); false when it cannot be told.
func (f *Factory) completionKey(all bool) (compcache.Key, bool) {
	profile := f.Globals.Profile
	if profile == "" {
		profile = workspace.ProfileFromEnv()
	}
	if host := os.Getenv("DATABRICKS_HOST"); profile == "" && host != "" {
		return compcache.Key{Profile: "(environment)", Host: host, AllUsers: all}, true
	}
	file, err := f.ConfigFile()
	if err != nil {
		return compcache.Key{}, false
	}
	if profile == "" {
		profile = file.DefaultProfile()
	}
	p, ok := file.Get(profile)
	if !ok || p.Host() == "" {
		return compcache.Key{}, false
	}
	return compcache.Key{ConfigFile: file.Path, Profile: profile, Host: p.Host(), AllUsers: all}, true
}

// completionTokens is what completion knows of the selected workspace's
// tokens: the cache's entry at once (refreshed in the background when it
// is no longer fresh), else a listing that may take completionBudget at
// most. Nothing is ever printed on stderr: it would land in the middle of
// the command line.
func (f *Factory) completionTokens(all bool) []compcache.Token {
	f.Quiet = true
	key, keyed := f.completionKey(all)
	now := f.Now()
	if keyed {
		if e, ok := compcache.Load(key, now); ok {
			if now.Sub(e.FetchedAt) > compcache.Fresh {
				f.refreshInBackground(all)
			}
			return e.Tokens
		}
	}
	type result struct {
		list []tokens.Token
		err  error
	}
	done := make(chan result, 1)
	started := time.Now()
	go func() {
		list, err := f.listForCompletion(context.Background(), all, completionBudget)
		done <- result{list, err}
	}()
	timer := time.NewTimer(completionBudget)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			cobra.CompDebugln(r.err.Error(), false)
			return nil
		}
		toks := compcache.FromTokens(r.list)
		if keyed {
			compcache.Store(key, compcache.Entry{Host: key.Host, Profile: key.Profile, AllUsers: all, FetchedAt: started, Tokens: toks}, started)
		}
		return toks
	case <-timer.C:
		// The workspace is slow or hung: offer nothing now, and have the
		// answer ready for the next TAB.
		if keyed {
			f.refreshInBackground(all)
		}
		return nil
	}
}

// listForCompletion signs in and lists, each step bounded by timeout.
func (f *Factory) listForCompletion(ctx context.Context, all bool, timeout time.Duration) ([]tokens.Token, error) {
	f.MaxTimeout = timeout
	ws, err := f.Workspace("")
	if err != nil {
		return nil, err
	}
	return tokens.Scope{AllUsers: all}.List(ctx, ws.Tokens)
}

// refreshInBackground starts dbtok's hidden refresh command, detached:
// the shell does not wait for it (it holds none of the shell's streams),
// and a hung workspace keeps only it waiting, until refreshTimeout.
func (f *Factory) refreshInBackground(all bool) {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	args := []string{RefreshCompletionCommand}
	if all {
		args = append(args, "--all-users")
	}
	if f.Globals.Profile != "" {
		args = append(args, "--profile", f.Globals.Profile)
	}
	if f.Globals.ConfigFile != "" {
		args = append(args, "--config-file", f.Globals.ConfigFile)
	}
	cmd := exec.Command(exe, args...)
	detach(cmd)
	if cmd.Start() == nil {
		_ = cmd.Process.Release()
	}
}

// RefreshCompletionCache lists the selected workspace's tokens and stores
// what completion needs; a refresh already running for the same entry
// makes this one do nothing.
func (f *Factory) RefreshCompletionCache(ctx context.Context, all bool) error {
	f.Quiet = true
	key, ok := f.completionKey(all)
	if !ok {
		return nil
	}
	lockCtx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	unlock, err := safefile.Lock(lockCtx, key.Path())
	cancel()
	if err != nil {
		return nil
	}
	defer unlock()
	started := time.Now()
	list, err := f.listForCompletion(ctx, all, refreshTimeout)
	if err != nil {
		return nil
	}
	compcache.Store(key, compcache.Entry{Host: key.Host, Profile: key.Profile, AllUsers: all, FetchedAt: started, Tokens: compcache.FromTokens(list)}, started)
	return nil
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

// IsCompletionRequest reports whether args ask cobra for completions (the
// shell scripts' __complete and __completeNoDesc).
func IsCompletionRequest(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}
