// Package create implements `dbtok token create`: mint a PAT and deliver its
// value to stdout or to a file, and nowhere else.
package create

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	LifetimeSeconds int64 // 0: the workspace's default
	Comment         string
	Out             string // "" means stdout
	Force           bool
	// ServicePrincipal, when set, is the application ID of a service
	// principal to create an on-behalf-of token for.
	ServicePrincipal string
}

func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var life tokenflags.Lifetime
	var out tokenflags.Out
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a personal access token",
		Long: heredoc.Doc(`
			Create a personal access token in the selected workspace.

			The token's value is shown once: it goes to stdout, or with --out to
			a file created with mode 0600, and nowhere else. If the output (a
			--jq or --template that leaves the value out, say) or the file
			cannot take it, the new token is revoked again: no live token is
			left that you never received. Without --lifetime the workspace's
			default lifetime applies.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			# a token for CI that expires in 100 days
			$ dbtok create --lifetime 100d --comment ci

			# just the value, for a script
			$ dbtok create --lifetime 2w --comment deploy --jq .token_value

			# straight into a file, never on screen
			$ dbtok create --lifetime 36h --comment nightly --out ~/.secrets/nightly-token

			# for a service principal (workspace admins)
			$ dbtok create --for-service-principal 6f1c0f5e-1111-2222-3333-444455556666 --lifetime 30d --comment etl
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.LifetimeSeconds, err = life.Parse(cmd); err != nil {
				return err
			}
			if err := tokens.ValidateComment(opts.Comment); err != nil {
				return failure.Usagef("--comment %v", err)
			}
			if opts.Out, opts.Force, err = out.Parse(cmd); err != nil {
				return err
			}
			if cmd.Flags().Changed("for-service-principal") && opts.ServicePrincipal == "" {
				return failure.Usagef("--for-service-principal needs an application ID")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	life.Register(cmd, "token lifetime `DURATION`, e.g. 100d, 2w, 36h or 1w2d (default: the workspace's default)")
	cmd.Flags().StringVar(&opts.Comment, "comment", "", "a `TEXT` stored with the token to tell it apart in dbtok list")
	out.Register(cmd, "the token value")
	cmd.Flags().StringVar(&opts.ServicePrincipal, "for-service-principal", "", "create an on-behalf-of token for the service principal with this `APPLICATION_ID` (workspace admins)")
	_ = cmd.RegisterFlagCompletionFunc("comment", cobra.NoFileCompletions)
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	var dests []delivery.Destination
	var file *delivery.File
	if opts.Out != "" {
		// Reserve the output file before the token exists: a token must
		// never be created that cannot be delivered.
		if file, err = delivery.PrepareFile(opts.Out, opts.Force, "the token"); err != nil {
			return err
		}
		defer file.Close()
		dests = append(dests, file)
	} else if opts.IO.IsStdoutDiscarded() {
		return failure.Usagef("stdout is discarded (/dev/null or closed): the new token would be lost; use --out FILE or redirect stdout to a file")
	}

	ws, err := opts.Workspace("")
	if err != nil {
		return err
	}
	scope := tokens.Scope{AllUsers: opts.ServicePrincipal != ""}
	started := opts.Now()
	created, err := mint(ctx, ws, opts)
	if err != nil {
		return createFailed(ctx, ws, scope, err, opts, started)
	}
	value := created.Value.Reveal()
	// stderr must never show it, whatever goes wrong from here.
	redact.Add(value)

	if err := delivery.All(ctx, dests, created.Value); err != nil {
		return undo(ctx, ws, scope, created.Token, err)
	}
	res := result{TokenInfo: tokenview.ToJSON(created.Token), token: created.Token}
	if file != nil {
		res.OutFile = file.Path()
	} else {
		res.TokenValue = &value
	}
	rendered, err := printer.Render(ctx, res, value)
	if err != nil && file == nil {
		return undo(ctx, ws, scope, created.Token, err)
	}
	if err == nil && file == nil && !rendered.Contains(value) {
		// --jq '.tokenvalue' (a typo) would print null and exit 0 with a
		// live token nobody received.
		return undo(ctx, ws, scope, created.Token, errors.New("the output (--jq or --template) does not contain the new token's value, so it was never delivered"))
	}
	if err == nil {
		err = printer.Write(rendered)
	}
	if err != nil {
		if file != nil {
			// The value is safe in the file; only the summary was lost.
			return fmt.Errorf("token %s was written to %s, but stdout failed: %v", created.Token.ID, file.Path(), err)
		}
		// %v, not %w: a broken pipe here is not the quiet `| head` case
		// the root command ignores; it must be reported.
		return undo(ctx, ws, scope, created.Token, fmt.Errorf("cannot print the token: %v", err))
	}
	// Remember the token by digest, so that rotate and revoke recognise it
	// once it sits in a profile.
	if err := opts.Record().Record(ws.Host, value, created.Token.ID); err != nil {
		opts.IO.Warnf("could not remember the new token for later rotations: %v", err)
	}
	opts.Credentials(nil, ws).LearnCreated(ws.Key(), created)
	return nil
}

func mint(ctx context.Context, ws *workspace.Workspace, opts *Options) (*tokens.Created, error) {
	if opts.ServicePrincipal != "" {
		return ws.Tokens.CreateOnBehalfOf(ctx, tokens.OnBehalfOfRequest{
			ApplicationID: opts.ServicePrincipal, Comment: opts.Comment, LifetimeSeconds: opts.LifetimeSeconds,
		})
	}
	return ws.Tokens.Create(ctx, tokens.CreateRequest{Comment: opts.Comment, LifetimeSeconds: opts.LifetimeSeconds})
}

// createFailed explains a failed create. When the request reached the
// server and no clear refusal came back, the token may exist: say so and
// how to find it, rather than let it live on unnoticed.
func createFailed(ctx context.Context, ws *workspace.Workspace, scope tokens.Scope, err error, opts *Options, started time.Time) error {
	if opts.ServicePrincipal != "" && failure.KindOf(err) == failure.KindPermission {
		return failure.Wrapf(err, "cannot create a token for service principal %s in %s: workspace admin rights are needed (HTTP 403)", opts.ServicePrincipal, ws)
	}
	wrapped := ws.Fail("create a token", err)
	if advice := tokens.MaxLifetimeAdvice(ctx, err, ws.Settings, opts.LifetimeSeconds); advice != "" {
		return failure.Wrapf(err, "%s; %s", wrapped, advice)
	}
	if failure.MaybeApplied(err) {
		return failure.Wrapf(err, "%s; %s", wrapped, tokens.ExplainMaybeCreated(ctx, err, ws.Place, scope, ws.Tokens, opts.Comment, started, nil))
	}
	return wrapped
}

// undo revokes a token that was created but could not be delivered.
func undo(ctx context.Context, ws *workspace.Workspace, scope tokens.Scope, t tokens.Token, cause error) error {
	return tokens.RevokeUndelivered(ctx, cause, tokens.Target{Place: ws.Place, API: ws.Tokens, Scope: scope, Token: t}, ws.CredentialsHint(), "")
}

// result is what create prints: {"token_value", "token_info"}, with
// "out_file" instead of the value when it went to a file.
type result struct {
	TokenValue *string        `json:"token_value,omitempty"`
	TokenInfo  tokenview.JSON `json:"token_info"`
	OutFile    string         `json:"out_file,omitempty"`
	token      tokens.Token
}

func (r result) Summary() []output.Field {
	f := tokenview.Summary(r.token)
	if r.OutFile != "" {
		return append(f, output.F("Saved to:", output.Text(r.OutFile+" (mode 0600)")))
	}
	return append(f, output.F("Token:", output.Text(*r.TokenValue)))
}

func (r result) Table() output.Table {
	last, cell := "TOKEN", ""
	if r.OutFile != "" {
		last, cell = "OUT FILE", r.OutFile
	} else {
		cell = *r.TokenValue
	}
	cols := tokenview.Columns{}
	row := cols.Row(tokens.Place{}, r.token, nil, r.token.Created())
	row.Cells = append(row.Cells, output.Text(cell))
	return output.Table{Columns: append(cols.Header(), output.Column{Header: last}), Rows: []output.Row{row}}
}

func (r result) Notes(c *output.Context) []string {
	if r.TokenValue != nil && c.TTY {
		return []string{"! Copy the token now: it cannot be shown again."}
	}
	return nil
}
