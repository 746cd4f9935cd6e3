// Package update implements `dbtok token update`: change a token's comment
// or scopes in place (the API's PATCH, naming only what changes), or narrow
// an autoscoped token to the scopes the workspace saw it use.
package update

import (
	"context"
	"slices"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	ID               string
	Scope            tokens.Scope
	Change           tokens.Update
	NarrowToInferred bool
}

func NewCmdUpdate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var comment string
	var scopes tokenflags.Scopes
	cmd := &cobra.Command{
		Use:   "update TOKEN_ID",
		Short: "Change a token's comment or scopes",
		Long: heredoc.Doc(`
			Change a token in place, keeping its value: its comment (--comment),
			its API scopes (--scope, which replaces them all), or, for a token
			created with --autoscope whose observation has completed, its
			scopes to those the workspace saw it use (--narrow-to-inferred).
			Only what is given is sent (the update mask names it).

			With --all-users a workspace admin changes any user's token.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok update 5f3a0c9e81d2 --comment ci-eu
			$ dbtok update 5f3a0c9e81d2 --scope sql --scope jobs
			$ dbtok update 5f3a0c9e81d2 --narrow-to-inferred
		`)),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return failure.Usagef("name one token: `dbtok update TOKEN_ID --comment TEXT` (see `dbtok list`)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := tokens.ValidateID(args[0]); err != nil {
				return &failure.UsageError{Err: err}
			}
			opts.ID = args[0]
			if cmd.Flags().Changed("comment") {
				if err := tokens.ValidateComment(comment); err != nil {
					return failure.Usagef("--comment %v", err)
				}
				opts.Change.Comment = &comment
			}
			list, autoscope, err := scopes.Parse(cmd)
			if err != nil {
				return err
			}
			if autoscope {
				return failure.Usagef("autoscope is chosen when a token is created; to adopt what it inferred, use --narrow-to-inferred")
			}
			if cmd.Flags().Changed("scope") {
				opts.Change.Scopes = &list
			}
			switch {
			case opts.NarrowToInferred && opts.Change.Scopes != nil:
				return failure.Usagef("use either --scope or --narrow-to-inferred, not both")
			case opts.Change.Comment == nil && opts.Change.Scopes == nil && !opts.NarrowToInferred:
				return failure.Usagef("nothing to change: give --comment, --scope or --narrow-to-inferred")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return updateRun(cmd.Context(), opts)
		},
		ValidArgsFunction: f.CompleteTokenIDs,
	}
	cmd.Flags().StringVar(&comment, "comment", "", "the token's new comment `TEXT`")
	scopes.Register(cmd)
	_ = cmd.Flags().MarkHidden("autoscope")
	cmd.Flags().BoolVar(&opts.NarrowToInferred, "narrow-to-inferred", false, "set the scopes to those autoscope inferred (once its observation has completed)")
	cmd.Flags().BoolVar(&opts.Scope.AllUsers, "all-users", false, "change any user's token, through the Token Management API (workspace admins)")
	return cmd
}

func updateRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	ws, t, err := opts.FindToken(ctx, opts.Scope, opts.ID)
	if err != nil {
		return err
	}
	change := opts.Change
	if opts.NarrowToInferred {
		if t.AutoscopeState != tokens.AutoscopeCompleted || len(t.InferredScopes) == 0 {
			state := strings.ToLower(strings.TrimPrefix(t.AutoscopeState, "AUTOSCOPE_STATE_"))
			if state == "" {
				state = "not autoscoped"
			}
			return failure.Usagef("token %s has no completed autoscope to adopt (autoscope: %s): create it with --autoscope and wait for the observation to complete, or give --scope", t.ID, state)
		}
		inferred := slices.Clone(t.InferredScopes)
		change.Scopes = &inferred
	}
	creds := opts.Credentials(nil, ws)
	signsIn := creds.ProfilesUsing(ws.Key(), t.ID)
	if err := opts.Scope.Update(ctx, ws.Tokens, t.ID, change); err != nil {
		if opts.Scope.AllUsers && failure.KindOf(err) == failure.KindPermission {
			return failure.Wrapf(err, "cannot update token %s in %s: workspace admin rights are needed for --all-users (HTTP 403)", t.ID, ws)
		}
		return ws.Fail("update token "+t.ID, err)
	}
	if change.Scopes != nil && len(signsIn) > 0 && !(tokens.Token{Scopes: *change.Scopes}).CanCreateTokens() {
		opts.IO.Warnf("token %s is the credential %s; its new scopes do not include authentication, so dbtok can no longer manage tokens with it.", t.ID, tokens.SignsIn(signsIn))
	}
	// The PATCH answers nothing: read the token again to show the result.
	updated, err := tokens.Find(ctx, opts.Scope, ws.Tokens, t.ID)
	if err != nil {
		return failure.Wrapf(err, "token %s was updated, but reading it back failed: %s", t.ID, failure.Brief(err))
	}
	return printer.Print(ctx, result{Token: tokenview.NewDetail(updated, signsIn, opts.Now()), Updated: change.Fields()})
}

// result is {"token": {...}, "updated": ["comment", "scopes"]}.
type result struct {
	Token   tokenview.Detail `json:"token"`
	Updated []string         `json:"updated"`
}

func (r result) Summary() []output.Field {
	return append([]output.Field{output.F("Updated:", output.Text(strings.Join(r.Updated, ", ")))}, r.Token.Summary()...)
}

func (r result) Table() output.Table { return r.Token.Table() }
