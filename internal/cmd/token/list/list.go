// Package list implements `dbtok token list`: tokens, soonest to expire
// first, in one workspace or many, optionally filtered.
package list

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmd/token/shared"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	Filter    shared.Filter
	Sort      string
	FailIfAny bool
	AllUsers  bool
	CreatedBy string
	Selection shared.ProfileSelection
	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
}

func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
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
			created_by_id, created_by_username, owner_id, last_used_day and
			last_used_at.

			With --fail-if-any, the exit code is 5 when any token matches the
			filters: a one-line alarm for CI.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok list
			$ dbtok list --expiring-within 14d --all-profiles
			$ dbtok list -p prod --comment 'ci-*' --sort created
			$ dbtok list --all-users --created-by someone@example.com
			$ dbtok list --expiring-within 14d --fail-if-any -o json
			$ dbtok list --jq '.[] | select(.comment == "ci") | .token_id'
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Filter.Parse(); err != nil {
				return err
			}
			if err := shared.ValidateSort(opts.Sort); err != nil {
				return err
			}
			if opts.CreatedBy != "" && !opts.AllUsers {
				return cmdutil.FlagErrorf("--created-by needs --all-users")
			}
			if err := opts.Selection.Validate(f); err != nil {
				return err
			}
			if opts.Selection.Active() {
				names, err := f.SelectProfiles(opts.Selection.All, opts.Selection.Patterns)
				if err != nil {
					return err
				}
				opts.Profiles = names
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	opts.Filter.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&opts.Sort, "sort", "expiry", "order by `KEY`: expiry, created or comment")
	cmd.Flags().BoolVar(&opts.FailIfAny, "fail-if-any", false, "exit 5 if any token is listed (after filters)")
	cmd.Flags().BoolVar(&opts.AllUsers, "all-users", false, "every user's tokens, through the Token Management API (workspace admins)")
	cmd.Flags().StringVar(&opts.CreatedBy, "created-by", "", "with --all-users, only tokens created by `USER` (name or numeric ID)")
	cmd.Flags().IntVar(&opts.Selection.Parallel, "parallel", fanout.DefaultParallel, "with several profiles, query `N` workspaces at once")
	opts.Selection.AddFlags(cmd, f)
	_ = cmd.RegisterFlagCompletionFunc("sort", cobra.FixedCompletions(shared.SortKeys, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// listing is one workspace's tokens.
type listing struct {
	ws     *workspace.Workspace
	tokens []tokens.Token
}

func listRun(ctx context.Context, opts *Options) error {
	run, err := opts.Prepare()
	if err != nil {
		return err
	}
	format, printer, timeout := run.Format, run.Printer, run.Timeout
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	multi := opts.Profiles != nil
	var listings []listing
	var failure error
	if !multi {
		l, err := fetch(ctx, opts, opts.Workspace, timeout)
		if err != nil {
			return err
		}
		listings = []listing{l}
	} else {
		results := fanout.Run(ctx, opts.Profiles, opts.Selection.Parallel, func(ctx context.Context, profile string) (listing, error) {
			return fetch(ctx, opts, func() (*workspace.Workspace, error) { return opts.WorkspaceFor(profile) }, timeout)
		})
		for _, r := range results {
			if r.Err != nil {
				// One unreachable workspace must not hide the others.
				cmdutil.PrintError(opts.IO.ErrOut, r.Err)
				if failure == nil {
					failure = r.Err
				}
				continue
			}
			listings = append(listings, r.Value)
		}
	}

	now := opts.Now()
	var rows []row
	// Two profiles for the same user on the same workspace (DEFAULT and a
	// named one, say) list the same tokens: show each once, under the
	// first profile.
	seen := map[string]string{}
	for _, l := range listings {
		matched := opts.Filter.Apply(l.tokens, now)
		shared.Sort(matched, opts.Sort)
		var same string
		for _, t := range matched {
			key := strings.ToLower(l.ws.Host) + "\x00" + t.ID
			if first, ok := seen[key]; ok {
				same = first
				continue
			}
			seen[key] = l.ws.Profile
			rows = append(rows, row{ws: l.ws, token: t})
		}
		if same != "" {
			fmt.Fprintf(opts.IO.ErrOut, "Note: profile %s reaches the same workspace and tokens as profile %s; they are shown once, under %s.\n", l.ws.Profile, same, same)
		}
	}
	if err := render(opts, format, printer, rows, multi, listings, now); err != nil {
		return err
	}
	switch {
	case failure != nil:
		return &cmdutil.SilentError{Code: cmdutil.ExitCode(failure)}
	case opts.FailIfAny && len(rows) > 0:
		if format == output.Table {
			fmt.Fprintf(opts.IO.ErrOut, "%s matched.\n", output.Count(len(rows), "token"))
		}
		return &cmdutil.SilentError{Code: cmdutil.ExitMatched}
	}
	return nil
}

func fetch(ctx context.Context, opts *Options, open func() (*workspace.Workspace, error), timeout time.Duration) (listing, error) {
	ws, err := open()
	if err != nil {
		return listing{}, err
	}
	var list []tokens.Token
	if opts.AllUsers {
		list, err = ws.Tokens.ListAll(ctx, tokens.ListAllRequest{CreatedBy: opts.CreatedBy})
		if err != nil {
			return listing{}, adminError("list every user's tokens", ws, err, timeout)
		}
	} else if list, err = ws.Tokens.List(ctx); err != nil {
		return listing{}, cmdutil.APIError("list tokens", ws, err, timeout)
	}
	return listing{ws: ws, tokens: list}, nil
}

// adminError explains that the Token Management API needs admin rights.
func adminError(action string, ws *workspace.Workspace, err error, timeout time.Duration) error {
	if tokens.KindOf(err) == tokens.KindPermission {
		return cmdutil.WrapAPIError(fmt.Sprintf("cannot %s in %s: workspace admin rights are needed for --all-users (HTTP 403)", action, ws), err)
	}
	return cmdutil.APIError(action, ws, err, timeout)
}

type row struct {
	ws    *workspace.Workspace
	token tokens.Token
}

func render(opts *Options, format output.Format, printer *output.JSONPrinter, rows []row, multi bool, listings []listing, now time.Time) error {
	if format == output.JSON {
		out := make([]shared.RowJSON, len(rows))
		for i, r := range rows {
			var ws *workspace.Workspace
			if multi {
				ws = r.ws
			}
			out[i] = shared.Row(r.token, ws)
		}
		return printer.Write(opts.IO.Out, out)
	}
	if len(rows) == 0 {
		switch {
		case multi:
			fmt.Fprintf(opts.IO.ErrOut, "No matching tokens in %d workspace(s).\n", len(listings))
		case len(listings) == 1:
			what := "tokens"
			if opts.Filter.Active() {
				what = "matching tokens"
			}
			fmt.Fprintf(opts.IO.ErrOut, "No %s in %s.\n", what, listings[0].ws)
		}
		return nil
	}
	tty := opts.IO.IsStdoutTTY()
	cs := opts.IO.ColorScheme()
	var header []string
	if multi {
		header = append(header, "PROFILE")
	}
	header = append(header, "ID")
	if opts.AllUsers {
		header = append(header, "CREATED BY")
	}
	header = append(header, "COMMENT", "CREATED", "EXPIRES")
	if opts.AllUsers {
		header = append(header, "LAST USED")
	}
	tp := output.NewTable(opts.IO.Out, opts.IO.TerminalWidth(), header...)
	tp.Truncate = slices.Index(header, "COMMENT")
	for _, r := range rows {
		t := r.token
		var cells []string
		if multi {
			cells = append(cells, r.ws.Profile)
		}
		cells = append(cells, shared.IDCell(t.ID, tty))
		if opts.AllUsers {
			cells = append(cells, t.Owner.CreatedByUsername)
		}
		cells = append(cells, t.Comment, shared.CreatedCell(now, t, tty), shared.ExpiresCell(now, t, tty))
		if opts.AllUsers {
			cells = append(cells, shared.LastUsedCell(now, t, tty))
		}
		tp.AddRow(shared.RowPaint(cs, now, t), cells...)
	}
	return tp.Render()
}
