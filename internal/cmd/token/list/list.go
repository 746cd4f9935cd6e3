// Package list implements `dbtok token list`: tokens, soonest to expire
// first, in one workspace or many, optionally filtered.
package list

import (
	"context"
	"fmt"
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

	Filter    tokens.Filter
	Sort      string
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
	cmdutil.EnumFlag(cmd, &opts.Sort, "sort", "expiry", tokens.SortKeys, "order by `KEY`")
	cmd.Flags().BoolVar(&opts.FailIfAny, "fail-if-any", false, "exit 5 if any token is listed (after filters)")
	cmd.Flags().BoolVar(&opts.Scope.AllUsers, "all-users", false, "every user's tokens, through the Token Management API (workspace admins)")
	cmd.Flags().StringVar(&opts.Scope.CreatedBy, "created-by", "", "with --all-users, only tokens created by `USER` (name or numeric ID)")
	_ = cmd.RegisterFlagCompletionFunc("owner", f.CompleteOwners)
	sel.Register(cmd, f.CompleteProfiles)
	return cmd
}

// listing is one workspace's tokens.
type listing struct {
	ws     *workspace.Workspace
	tokens []tokens.Token
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
	var listings []listing
	var failed error
	if !multi {
		l, err := fetch(ctx, opts, "")
		if err != nil {
			return err
		}
		listings = []listing{l}
	} else {
		for _, r := range fanout.Run(ctx, opts.Profiles, opts.Parallel, func(ctx context.Context, p string) (listing, error) {
			return fetch(ctx, opts, p)
		}) {
			if r.Err != nil {
				// One unreachable workspace must not hide the others.
				opts.IO.Errorf("%v", r.Err)
				if failed == nil {
					failed = r.Err
				}
				continue
			}
			listings = append(listings, r.Value)
		}
	}

	now := opts.Now()
	res := result{multi: multi, now: now, cols: tokenview.Columns{Profile: multi, CreatedBy: opts.Scope.AllUsers, LastUsed: opts.Scope.AllUsers}}
	var all []tokens.Token
	// Two profiles for the same user on the same workspace (DEFAULT and a
	// named one, say) list the same tokens: show each once, under the
	// first profile.
	seen := map[string]string{}
	for _, l := range listings {
		matched := opts.Filter.Apply(l.tokens, now)
		tokens.Sort(matched, opts.Sort)
		same := ""
		for _, t := range matched {
			key := l.ws.Key() + "\x00" + t.ID
			if first, ok := seen[key]; ok {
				same = first
				continue
			}
			seen[key] = l.ws.Profile
			res.rows = append(res.rows, row{place: l.ws.Place, token: t})
			all = append(all, t)
		}
		if same != "" {
			opts.IO.Notef("profile %s reaches the same workspace and tokens as profile %s; they are shown once, under %s.", l.ws.Profile, same, same)
		}
	}
	// A SCOPES column only when some token has scopes: most have none.
	res.cols.Scopes = tokenview.AnyScoped(all)
	res.cols.Owner = tokens.ForeignOwners(all)
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
	switch {
	case failed != nil:
		return failure.AsReported(failed)
	case opts.FailIfAny && len(res.rows) > 0:
		return &failure.Reported{Code: failure.Matched}
	}
	return nil
}

func fetch(ctx context.Context, opts *Options, profile string) (listing, error) {
	ws, err := opts.Workspace(profile)
	if err != nil {
		return listing{}, err
	}
	list, err := opts.Scope.List(ctx, ws.Tokens)
	if err != nil {
		return listing{}, ws.FailList(opts.Scope, err)
	}
	if opts.Scope.AllUsers {
		if err := opts.NameOwners(ctx, ws, list, opts.Filter.NeedsOwners()); err != nil {
			return listing{}, err
		}
	}
	return listing{ws: ws, tokens: list}, nil
}

type row struct {
	place tokens.Place
	token tokens.Token
}

// result is list's output: a JSON array of tokens, a table for people.
type result struct {
	rows        []row
	multi       bool
	cols        tokenview.Columns
	now         time.Time
	empty       string
	matchedNote bool
}

// JSONValue is the JSON form: an array of tokens.
func (r result) JSONValue() any {
	out := make([]tokenview.RowJSON, len(r.rows))
	for i, x := range r.rows {
		var place *tokens.Place
		if r.multi {
			place = &x.place
		}
		out[i] = tokenview.Row(x.token, place, r.now)
	}
	return out
}

func (r result) Table() output.Table {
	t := output.Table{Columns: r.cols.Header(), Empty: r.empty}
	for _, x := range r.rows {
		t.Rows = append(t.Rows, r.cols.Row(x.place, x.token, nil, r.now))
	}
	return t
}

func (r result) Notes(*output.Context) []string {
	if r.matchedNote && len(r.rows) > 0 {
		return []string{output.Count(len(r.rows), "token") + " matched."}
	}
	return nil
}
