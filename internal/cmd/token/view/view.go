// Package view implements `dbtok token view`: one token, every field the
// workspace returns, with relative and absolute times.
package view

import (
	"context"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	ID    string
	Scope tokens.Scope
}

func NewCmdView(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	cmd := &cobra.Command{
		Use:     "view TOKEN_ID",
		Aliases: []string{"get"},
		Short:   "Show one token in full",
		Long: heredoc.Doc(`
			Show every field the workspace returns for one token: comment,
			creation and expiry (absolute and relative), scopes and autoscope,
			and, with --all-users (workspace admins, any user's token), who
			created it, when it was last used and when the 90-day unused rule
			would revoke it. It also says which profiles sign in with it.

			TOKEN_ID may be a unique prefix of at least 8 characters.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok view 5f3a0c9e81d2
			$ dbtok view --all-users 7d2e41b09c33 -o json
		`)),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return failure.Usagef("name one token: `dbtok view TOKEN_ID` (see `dbtok list`)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := tokens.ValidateID(args[0]); err != nil {
				return &failure.UsageError{Err: err}
			}
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return viewRun(cmd.Context(), opts)
		},
		ValidArgsFunction: f.CompleteTokenIDs,
	}
	cmd.Flags().BoolVar(&opts.Scope.AllUsers, "all-users", false, "any user's token, through the Token Management API (workspace admins)")
	return cmd
}

func viewRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	ws, t, err := opts.FindToken(ctx, opts.Scope, opts.ID)
	if err != nil {
		return err
	}
	if opts.Scope.AllUsers {
		// An on-behalf-of token: name the service principal it belongs to.
		list := []tokens.Token{t}
		if err := opts.NameOwners(ctx, ws, tokens.Tokens(list), false); err != nil {
			return err
		}
		t = list[0]
	}
	creds := opts.Credentials(nil, ws)
	return printer.Print(ctx, tokenview.NewDetail(t, creds.ProfilesUsing(ws.Key(), t.ID), opts.Now()))
}
