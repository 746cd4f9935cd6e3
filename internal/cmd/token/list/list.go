// Package list implements `dbtok token list`: the caller's tokens, soonest
// to expire first.
package list

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmd/token/shared"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	IO           *iostreams.IOStreams
	Workspace    func() (*workspace.Workspace, error)
	OutputFormat func() (output.Format, error)
	Timeout      func() (time.Duration, error)
	Now          func() time.Time
}

func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		IO:           f.IOStreams,
		Workspace:    f.Workspace,
		OutputFormat: f.OutputFormat,
		Timeout:      f.Timeout,
		Now:          f.Now,
	}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List your personal access tokens",
		Long: heredoc.Doc(`
			List the personal access tokens you own in the selected workspace,
			soonest to expire first.

			On a terminal, times are relative and tokens that have expired or
			expire within 7 days are highlighted. Piped, the output is JSON:
			an array of objects with token_id, comment, creation_time and
			expiry_time (epoch milliseconds, -1 for never), created_at and
			expires_at (RFC 3339, null for never).
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok list
			$ dbtok list -p prod -o json | jq -r '.[] | select(.comment == "ci") | .token_id'
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	format, err := opts.OutputFormat()
	if err != nil {
		return err
	}
	timeout, err := opts.Timeout()
	if err != nil {
		return err
	}
	ws, err := opts.Workspace()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	list, err := ws.Tokens.List(ctx)
	if err != nil {
		return cmdutil.APIError("list tokens", ws, err, timeout)
	}
	SortByExpiry(list)

	if format == output.JSON {
		out := make([]shared.TokenJSON, len(list))
		for i, t := range list {
			out[i] = shared.ToJSON(t)
		}
		return output.WriteJSON(opts.IO.Out, out)
	}
	if len(list) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "No tokens in %s.\n", ws)
		return nil
	}
	now := opts.Now()
	tty := opts.IO.IsStdoutTTY()
	cs := opts.IO.ColorScheme()
	tp := output.NewTable(opts.IO.Out, opts.IO.TerminalWidth(), "ID", "COMMENT", "CREATED", "EXPIRES")
	tp.Truncate = 1
	for _, t := range list {
		tp.AddRow(shared.RowPaint(cs, now, t), t.ID, t.Comment, shared.CreatedCell(now, t, tty), shared.ExpiresCell(now, t, tty))
	}
	return tp.Render()
}

// SortByExpiry orders tokens soonest-expiring first, tokens that never
// expire last, and ties by creation time, then ID, so output is stable.
func SortByExpiry(list []tokens.Token) {
	key := func(t tokens.Token) int64 {
		if t.ExpiryTime <= 0 {
			return 1<<63 - 1
		}
		return t.ExpiryTime
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if key(a) != key(b) {
			return key(a) < key(b)
		}
		if a.CreationTime != b.CreationTime {
			return a.CreationTime < b.CreationTime
		}
		return a.ID < b.ID
	})
}
