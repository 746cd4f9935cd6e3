// Package list implements `dbtok token list`: tokens, soonest to expire
// first, in one workspace or many, optionally filtered.
package list

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	Filter tokens.Filter
	Sort   string
	// Reverse turns the sort order around; Limit, when above 0, prints
	// at most that many tokens.
	Reverse   bool
	Limit     int
	FailIfAny bool
	Scope     tokens.Scope
	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
	Parallel int
}

func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var filter tokenflags.Filter
	var sel tokenflags.Profiles
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List personal access tokens",
		Long: heredoc.Doc(`
			List the personal access tokens you own in the selected workspace,
			soonest to expire first, or in several workspaces at once with
			--all-profiles or --profiles.

			On a terminal, times are relative and tokens that have expired or
			expire within 7 days are highlighted. Piped, the output is JSON:
			an array of objects with token_id, comment, creation_time and
			expiry_time (epoch milliseconds, -1 for never), created_at and
			expires_at (RFC 3339, null for never); with several profiles each
			object also has profile and host, and with --all-users
			created_by_id, created_by_username, owner_id, owner (a user name
			or a service principal's application ID), owner_display_name,
			last_used_day and last_used_at.

			With --all-users, an OWNER column appears when some token belongs
			to someone other than its creator: an on-behalf-of token, which an
			admin created for a service principal, shows the service
			principal's display name and application ID. The owners are looked
			up in the workspace's directory in one request per workspace.
			--owner NAME keeps the tokens of one owner (a user name, or a
			service principal's application ID or display name).

			With --fail-if-any, the exit code is 5 when any token matches the
			filters: a one-line alarm for CI.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok list
			$ dbtok list --expiring-within 14d --all-profiles
			$ dbtok list -p prod --comment 'ci-*' --sort created
			$ dbtok list --all-users --created-by someone@example.com
			$ dbtok list --all-users --owner 6f1c0f5e-1111-2222-3333-444455556666
			$ dbtok list --expiring-within 14d --fail-if-any -o json
			$ dbtok list --jq '.[] | select(.comment == "ci") | .token_id'
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Filter, err = filter.Parse(cmd, opts.Now()); err != nil {
				return err
			}
			if err := tokenflags.NeedAllUsers(&opts.Filter, opts.Scope.AllUsers); err != nil {
				return err
			}
			if opts.Limit < 0 || cmd.Flags().Changed("limit") && opts.Limit == 0 {
				return failure.Usagef("--limit must be at least 1")
			}
			if opts.Scope.CreatedBy != "" && !opts.Scope.AllUsers {
				return failure.Usagef("--created-by needs --all-users")
			}
			profiles, parallel, err := f.Selection(sel)
			if err != nil {
				return err
			}
			opts.Profiles, opts.Parallel = profiles, parallel
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	filter.Register(cmd)
	_ = cmd.RegisterFlagCompletionFunc("comment", f.CompleteComments)
	_ = cmd.RegisterFlagCompletionFunc("comment-exact", f.CompleteComments)
	_ = cmd.RegisterFlagCompletionFunc("owner", f.CompleteOwners)
	cmdutil.EnumFlag(cmd, &opts.Sort, "sort", "expiry", tokens.SortKeys, "order by `KEY` (none: as the workspace sends them, printed as they arrive)")
	cmd.Flags().BoolVar(&opts.Reverse, "reverse", false, "reverse the order: latest expiry (or newest, or Z) first")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 0, "print at most `N` tokens (after filters and sort)")
	cmd.Flags().BoolVar(&opts.FailIfAny, "fail-if-any", false, "exit 5 if any token is listed (after filters)")
	cmd.Flags().BoolVar(&opts.Scope.AllUsers, "all-users", false, "every user's tokens, through the Token Management API (workspace admins)")
	cmd.Flags().StringVar(&opts.Scope.CreatedBy, "created-by", "", "with --all-users, only tokens created by `USER` (name or numeric ID)")
	sel.Register(cmd, f.CompleteProfiles)
	return cmd
}

// listing is one workspace's tokens, those that match, in order.
type listing struct {
	ws     *workspace.Workspace
	tokens *tokens.List
}

func listRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	multi := opts.Profiles != nil
	if opts.Filter.ExpiringWithin() > 0 && !opts.Scope.AllUsers {
		// Said once, rather than leaving last-use columns blank.
		opts.IO.Notef("your own token list does not say when tokens were last used, so tokens the 90-day unused rule may revoke sooner are not caught (workspace admins: --all-users).")
	}
	now := opts.Now()
	// Printed as it arrives only when nothing needs the whole answer first:
	// an admin listing's owners are looked up once it is complete.
	if !multi && opts.Sort == tokens.Unsorted && !opts.Scope.AllUsers && !opts.Reverse {
		if fed, err := feedRun(ctx, opts, printer, now); fed {
			return err
		}
	}
	var listings []listing
	var failed []failedJSON
	var firstErr error
	if !multi {
		l, err := fetch(ctx, opts, "", now)
		if err != nil {
			return err
		}
		listings = []listing{l}
	} else {
		// JSON Lines prints each workspace's tokens as soon as they are
		// there; the other formats print once every workspace answered.
		recs, streaming := printer.Records(ctx)
		var mu sync.Mutex
		seen := map[string]string{}
		printed := 0
		results := fanout.Run(ctx, opts.Profiles, opts.Parallel, func(ctx context.Context, p string) (listing, error) {
			l, err := fetch(ctx, opts, p, now)
			if err != nil {
				// Said at once, not after the slowest workspace: one
				// unreachable workspace must not hide the others either.
				opts.IO.Errorf("%v", err)
				if streaming {
					_ = recs.Add(failedRecord(opts, p, err))
				}
				return l, err
			}
			if streaming {
				mu.Lock()
				rows := l.unseen(seen, now)
				if opts.Limit > 0 {
					rows = rows[:min(len(rows), opts.Limit-printed)]
				}
				printed += len(rows)
				// Under the lock: --limit counts in the order printed.
				_ = recs.Add(rows...)
				mu.Unlock()
			}
			return l, nil
		})
		for _, r := range results {
			if r.Err != nil {
				failed = append(failed, failedRecord(opts, r.Profile, r.Err))
				if firstErr == nil {
					firstErr = r.Err
				}
				continue
			}
			listings = append(listings, r.Value)
		}
		if streaming {
			switch {
			case firstErr != nil:
				return failure.AsReported(firstErr)
			case opts.FailIfAny && printed > 0:
				return &failure.Reported{Code: failure.Matched}
			}
			return nil
		}
	}

	res := &result{multi: multi, now: now, listings: listings, failed: failed,
		cols: tokenview.Columns{Profile: multi, CreatedBy: opts.Scope.AllUsers, LastUsed: opts.Scope.AllUsers}}
	res.pick(opts)
	for _, l := range listings {
		res.cols.Owner = res.cols.Owner || l.tokens.ForeignOwners()
	}
	switch {
	case multi:
		res.empty = fmt.Sprintf("No matching tokens in %s.", output.Count(len(listings), "workspace"))
	case opts.Filter.Active():
		res.empty = fmt.Sprintf("No matching tokens in %s.", listings[0].ws)
	default:
		res.empty = fmt.Sprintf("No tokens in %s.", listings[0].ws)
	}
	res.matchedNote = opts.FailIfAny
	if err := printer.Print(ctx, res); err != nil {
		return err
	}
	if len(failed) > 0 && len(failed) < len(opts.Profiles) && printer.Context().TTY {
		// The errors came as they happened, above the table; on a
		// terminal this line comes after it, where the eye ends.
		var names []string
		for _, f := range failed {
			names = append(names, f.Profile)
		}
		opts.IO.Errorf("%d of %d workspaces could not be listed: %s (see above)", len(failed), len(opts.Profiles), strings.Join(names, ", "))
	}
	switch {
	case firstErr != nil:
		return failure.AsReported(firstErr)
	case opts.FailIfAny && res.Len() > 0:
		return &failure.Reported{Code: failure.Matched}
	}
	return nil
}

// feedRun prints one workspace's tokens as the answer is read, in the
// workspace's order, holding none of them: for --sort none, in the
// formats that can (see output.Printer.Feed). Such a table always has the
// SCOPES column: whether any token has scopes is known only at the end.
// fed is false when the format needs the whole list first.
func feedRun(ctx context.Context, opts *Options, printer *output.Printer, now time.Time) (fed bool, err error) {
	ws, err := opts.Workspace("")
	if err != nil {
		return true, err
	}
	cols := tokenview.Columns{CreatedBy: opts.Scope.AllUsers, LastUsed: opts.Scope.AllUsers, Scopes: true}
	empty := fmt.Sprintf("No tokens in %s.", ws)
	if opts.Filter.Active() {
		empty = fmt.Sprintf("No matching tokens in %s.", ws)
	}
	feed, ok := printer.Feed(ctx, output.Table{Columns: cols.Header(), Empty: empty})
	if !ok {
		return false, nil
	}
	restarted := false
	err = opts.Scope.Each(ctx, ws.Tokens, func() { restarted = feed.Len() > 0 }, func(t tokens.Token) error {
		if restarted {
			// Tokens already printed cannot be taken back.
			return &failure.APIError{Kind: failure.KindUnavailable, Message: "the answer broke off after tokens were printed; list again"}
		}
		if !opts.Filter.Match(t, now) {
			return nil
		}
		return feed.Add(func() any { return tokenview.Row(t, nil, now) }, func() output.Row { return cols.Row(ws.Place, t, nil, now) })
	})
	if err != nil {
		return true, ws.FailList(opts.Scope, err)
	}
	if err := feed.Close(matched{n: feed.Len(), note: opts.FailIfAny}); err != nil {
		return true, err
	}
	if opts.FailIfAny && feed.Len() > 0 {
		return true, &failure.Reported{Code: failure.Matched}
	}
	return true, nil
}

// matched is the "N tokens matched." note of --fail-if-any.
type matched struct {
	n    int
	note bool
}

func (m matched) Notes(*output.Context) []string {
	if m.note && m.n > 0 {
		return []string{output.Count(m.n, "token") + " matched."}
	}
	return nil
}

// pick chooses the rows to print, in order, and whether a SCOPES column
// is needed. Two profiles for the same user on the same workspace
// (DEFAULT and a named one, say) list the same tokens: each is shown once,
// under the first profile. One workspace's rows are its list as it is.
func (r *result) pick(opts *Options) {
	var seen map[string]string
	if len(r.listings) > 1 {
		seen = map[string]string{}
	}
	for li, l := range r.listings {
		same := ""
		for i := 0; i < l.tokens.Len(); i++ {
			t := l.tokens.At(i)
			// A SCOPES column only when some token has scopes: most have none.
			r.cols.Scopes = r.cols.Scopes || tokenview.AnyScoped([]tokens.Token{t})
			if !r.multi {
				continue
			}
			if seen != nil {
				key := l.ws.Key() + "\x00" + t.ID
				if first, ok := seen[key]; ok {
					same = first
					continue
				}
				seen[key] = l.ws.Profile
			}
			if opts.Limit > 0 && len(r.refs) >= opts.Limit {
				break
			}
			r.refs = append(r.refs, rowRef{listing: uint32(li), index: uint32(i)})
		}
		if same != "" {
			opts.IO.Notef("profile %s reaches the same workspace and tokens as profile %s; they are shown once, under %s.", l.ws.Profile, same, same)
		}
	}
}

// fetch lists one workspace's tokens, keeping only those that match, as
// the answer is read, and sorts them.
func fetch(ctx context.Context, opts *Options, profile string, now time.Time) (listing, error) {
	ws, err := opts.Workspace(profile)
	if err != nil {
		return listing{}, err
	}
	// --owner is answered once the directory named the owners: the rest
	// of the filter is applied as the answer arrives.
	match, owner := opts.Filter.WithoutOwner(), opts.Filter.Owner()
	list := tokens.NewList()
	err = opts.Scope.Each(ctx, ws.Tokens, func() { list = tokens.NewList() }, func(t tokens.Token) error {
		if match.Match(t, now) {
			list.Add(t)
		}
		return nil
	})
	if err != nil {
		return listing{}, ws.FailList(opts.Scope, err)
	}
	if opts.Scope.AllUsers {
		if err := opts.NameOwners(ctx, ws, list, owner != ""); err != nil {
			return listing{}, err
		}
		if owner != "" {
			list.Keep(func(t tokens.Token) bool { return t.OwnedBy(owner) })
		}
	}
	list.Sort(opts.Sort)
	if opts.Reverse {
		list.Reverse()
	}
	if opts.Limit > 0 && opts.Profiles == nil {
		list.Truncate(opts.Limit)
	}
	return listing{ws: ws, tokens: list}, nil
}

// rowRef is a row of a list over several workspaces.
type rowRef struct{ listing, index uint32 }

// result is list's output: a JSON array of tokens, a table for people,
// printed one token at a time (output.Lister).
type result struct {
	listings []listing
	// failed are the workspaces that could not be listed.
	failed []failedJSON
	// refs are the rows over several workspaces; one workspace's rows are
	// its list.
	refs        []rowRef
	multi       bool
	cols        tokenview.Columns
	now         time.Time
	empty       string
	matchedNote bool
}

func (r *result) Len() int {
	if r.multi {
		return len(r.refs)
	}
	return r.listings[0].tokens.Len()
}

func (r *result) at(i int) (tokens.Place, tokens.Token) {
	if !r.multi {
		l := r.listings[0]
		return l.ws.Place, l.tokens.At(i)
	}
	ref := r.refs[i]
	l := r.listings[ref.listing]
	return l.ws.Place, l.tokens.At(int(ref.index))
}

// JSONAt is a token's JSON form, with its profile and host over several
// workspaces.
func (r *result) JSONAt(i int) any {
	place, t := r.at(i)
	if !r.multi {
		return tokenview.Row(t, nil, r.now)
	}
	return tokenview.Row(t, &place, r.now)
}

func (r *result) ListHeader() output.Table {
	return output.Table{Columns: r.cols.Header(), Empty: r.empty}
}

func (r *result) RowAt(i int) output.Row {
	place, t := r.at(i)
	return r.cols.Row(place, t, nil, r.now)
}

// Envelope makes a listing of several workspaces a JSON object: the
// tokens, and the workspaces that failed, each with its profile, host,
// error and exit code, as the tokens carry their profile and host.
func (r *result) Envelope() (string, map[string]any, bool) {
	failed := r.failed
	if failed == nil {
		failed = []failedJSON{}
	}
	return "tokens", map[string]any{"failed": failed}, r.multi
}

// failedJSON is a workspace that could not be listed.
type failedJSON struct {
	Profile  string `json:"profile"`
	Host     string `json:"host"`
	Error    string `json:"error"`
	ExitCode int    `json:"exit_code"`
}

func failedRecord(opts *Options, profile string, err error) failedJSON {
	return failedJSON{Profile: profile, Host: opts.HostOf(profile), Error: err.Error(), ExitCode: failure.Code(err)}
}

// unseen is the JSON form of the listing's tokens that no profile printed
// before (seen: workspace and token ID to the profile that did), for
// JSON Lines, which prints each workspace's tokens as they come.
func (l listing) unseen(seen map[string]string, now time.Time) []any {
	var out []any
	for i := 0; i < l.tokens.Len(); i++ {
		t := l.tokens.At(i)
		key := l.ws.Key() + "\x00" + t.ID
		if _, ok := seen[key]; ok {
			continue
		}
		seen[key] = l.ws.Profile
		place := l.ws.Place
		out = append(out, tokenview.Row(t, &place, now))
	}
	return out
}

func (r *result) Notes(c *output.Context) []string {
	return matched{n: r.Len(), note: r.matchedNote}.Notes(c)
}
