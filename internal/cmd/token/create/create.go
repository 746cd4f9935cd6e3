// Package create implements `dbtok token create`: mint a PAT and deliver its
// value to stdout or to a file, and nowhere else.
package create

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	// Delivery is where the value goes: stdout unless the user named
	// another destination.
	Delivery delivery.Request
	// ServicePrincipal, when set, is the application ID of a service
	// principal to create an on-behalf-of token for.
	ServicePrincipal string
	// Scopes limit the token to APIs; Autoscope lets the workspace infer them.
	Scopes    []string
	Autoscope bool
}

func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var life tokenflags.Lifetime
	var dest tokenflags.Delivery
	var scopes tokenflags.Scopes
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a personal access token",
		Long: heredoc.Doc(`
			Create a personal access token in the selected workspace.

			The token's value is shown once: it goes to stdout, or to the
			destinations you name, and nowhere else: --out writes a file created
			with mode 0600, --pipe-to runs a command with the value on its
			standard input (never in its arguments or environment; the command
			gets DBTOK_TOKEN_ID, DBTOK_HOST, DBTOK_PROFILE and DBTOK_EXPIRY_TIME),
			--to-secret puts it into a Databricks secret and reads the secret's
			metadata back to prove it. Destinations combine; --out - prints the
			value as well. Commands run first, then secrets, then the file.

			If the first destination (or the output, when the value is printed:
			a --jq or --template that leaves it out, say) cannot take the value,
			the new token is revoked again: no live token is left that you
			never received. If a later one fails, the token stays live for the
			destinations that hold it, and the error says which. Without
			--lifetime the workspace's default lifetime applies.

			--for-service-principal creates an on-behalf-of token (workspace
			admins): the service principal with that application ID owns it,
			and the output names it (display name and application ID; in JSON,
			token_info has owner, owner_id, owner_display_name and who created
			it).
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			# a token for CI that expires in 100 days
			$ dbtok create --lifetime 100d --comment ci

			# just the value, for a script
			$ dbtok create --lifetime 2w --comment deploy --jq .token_value

			# straight into a file, never on screen
			$ dbtok create --lifetime 36h --comment nightly --out ~/.secrets/nightly-token

			# into a GitHub Actions secret and a Databricks secret scope
			$ dbtok create --lifetime 30d --comment ci --pipe-to 'gh secret set DATABRICKS_TOKEN' --to-secret ci/databricks-token

			# only for SQL and jobs: a scoped token cannot call other APIs
			$ dbtok create --lifetime 30d --comment bi --scope sql,jobs

			# for a service principal (workspace admins): the output names its owner
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
			if opts.Delivery, err = dest.Parse(cmd); err != nil {
				return err
			}
			if opts.Scopes, opts.Autoscope, err = scopes.Parse(cmd); err != nil {
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
	dest.Register(cmd, "the token value", f.CompleteProfiles)
	scopes.Register(cmd)
	cmd.Flags().StringVar(&opts.ServicePrincipal, "for-service-principal", "", "create an on-behalf-of token for the service principal with this `APPLICATION_ID` (workspace admins)")
	_ = cmd.RegisterFlagCompletionFunc("comment", cobra.NoFileCompletions)
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	req := opts.Delivery
	printed := req.Printed(false)
	if printed && opts.IO.IsStdoutDiscarded() {
		return failure.Usagef("stdout is discarded (/dev/null or closed): the new token would be lost; use --out FILE, --pipe-to or --to-secret, or redirect stdout to a file")
	}
	ws, err := opts.Workspace("")
	if err != nil {
		return err
	}
	// Every destination is checked before the token exists: a token must
	// never be created that cannot be delivered.
	dests, err := opts.PrepareDelivery(ctx, req, ws, "the token")
	if err != nil {
		return err
	}
	defer delivery.CloseAll(dests)

	scope := tokens.Scope{AllUsers: opts.ServicePrincipal != ""}
	started := opts.Now()
	created, err := mint(ctx, ws, opts)
	if err != nil {
		return createFailed(ctx, ws, scope, err, opts, started)
	}
	value := created.Value.Reveal()
	// stderr must never show it, whatever goes wrong from here.
	redact.Add(value)
	target := opts.Credentials(nil, ws).Undelivered(tokens.Target{Place: ws.Place, API: ws.Tokens, Scope: scope, Token: created.Token}, created.Value)

	if err := delivery.All(ctx, dests, delivery.Item{Value: created.Value, Token: created.Token, Place: ws.Place}); err != nil {
		return undelivered(ctx, ws, target, delivery.Reached(err), err)
	}
	if opts.ServicePrincipal != "" {
		nameOwner(ctx, opts, ws, &created.Token)
	}
	res := result{TokenInfo: tokenview.Created(created.Token), DeliveredTo: delivery.Targets(dests), token: created.Token}
	for _, d := range dests {
		if f, ok := d.(*delivery.File); ok {
			res.OutFile = f.Path()
		}
	}
	var reveal []string
	if printed {
		res.TokenValue = &value
		res.DeliveredTo = append(res.DeliveredTo, delivery.StdoutTarget)
		reveal = []string{value}
	}
	rendered, err := printer.Render(ctx, res, reveal...)
	if err == nil && printed && !rendered.Contains(value) {
		// --jq '.tokenvalue' (a typo) would print null and exit 0 with a
		// live token nobody received.
		err = errors.New("the output (--jq or --template) does not contain the new token's value, so it was never delivered")
	}
	if err == nil {
		if err = printer.Write(rendered); err != nil {
			// %v, not %w: a broken pipe here is not the quiet `| head` case
			// the root command ignores; it must be reported.
			err = fmt.Errorf("cannot print the token: %v", err)
		}
	}
	if err != nil {
		if !printed {
			// The value is where it was sent; only the summary was lost.
			return fmt.Errorf("token %s was delivered to %s, but printing the result failed: %v", created.Token.ID, delivery.Names(dests), err)
		}
		return undelivered(ctx, ws, target, dests, &delivery.PartialError{Done: dests, Failed: delivery.Stdout, Err: err})
	}
	// Remember the token by digest, so that rotate and revoke recognise it
	// once it sits in a profile.
	if err := opts.Record().Record(ws.Host, value, created.Token.ID); err != nil {
		opts.IO.Warnf("could not remember the new token for later rotations: %v", err)
	}
	opts.Credentials(nil, ws).LearnCreated(ws.Key(), created)
	return nil
}

// undelivered handles a token that did not reach every destination. When
// none holds it, it is revoked again; when some do, it stays live for
// them (revoking it would break them) and the error says where it went.
func undelivered(ctx context.Context, ws *workspace.Workspace, target tokens.Target, reached []delivery.Destination, cause error) error {
	if len(reached) == 0 {
		var p *delivery.PartialError
		if errors.As(cause, &p) {
			cause = p.Err
		}
		return tokens.RevokeUndelivered(ctx, cause, target, ws.CredentialsHint(), "")
	}
	return failure.Wrapf(cause, "token %s was %s; it stays live since %s holds it: deliver it there yourself, or revoke it with `dbtok revoke %s%s`",
		target.Token.ID, cause, delivery.Names(reached), target.Token.ID, ws.ProfileFlag())
}

func mint(ctx context.Context, ws *workspace.Workspace, opts *Options) (*tokens.Created, error) {
	if opts.ServicePrincipal != "" {
		return ws.Tokens.CreateOnBehalfOf(ctx, tokens.OnBehalfOfRequest{
			ApplicationID: opts.ServicePrincipal, Comment: opts.Comment, LifetimeSeconds: opts.LifetimeSeconds,
			Scopes: opts.Scopes, Autoscope: opts.Autoscope,
		})
	}
	return ws.Tokens.Create(ctx, tokens.CreateRequest{Comment: opts.Comment, LifetimeSeconds: opts.LifetimeSeconds, Scopes: opts.Scopes, Autoscope: opts.Autoscope})
}

// nameOwner names the service principal that owns a new on-behalf-of
// token, from the directory (one request), so that the output says whose
// token it is. The token exists and works whatever the answer: a failed
// lookup costs only the display name, and the owner is then the
// application ID asked for. An owner other than the one asked for is
// worth a warning.
func nameOwner(ctx context.Context, opts *Options, ws *workspace.Workspace, t *tokens.Token) {
	if t.Owner == nil {
		return
	}
	list := []tokens.Token{*t}
	if err := tokens.ResolveOwners(ctx, ws.Directory, list, true); err != nil {
		opts.IO.Notef("cannot look up service principal %s in %s (%s): its display name is not shown.", opts.ServicePrincipal, ws, failure.Brief(err))
	}
	*t = list[0]
	id, ok := t.OwnerIdentity()
	switch {
	case !ok:
		owner := *t.Owner
		owner.Resolved = &tokens.Identity{Principal: tokens.Principal{Kind: tokens.ServicePrincipal, Name: opts.ServicePrincipal}, ID: owner.OwnerID}
		t.Owner = &owner
	case !strings.EqualFold(id.Name, opts.ServicePrincipal):
		opts.IO.Warnf("token %s belongs to %s, not to service principal %s as asked.", t.ID, id.Describe(), opts.ServicePrincipal)
	}
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

// result is what create prints: {"token_value", "token_info",
// "delivered_to"}; "token_value" only when the value is printed, and
// "out_file" when it went to a file.
type result struct {
	TokenValue  *string               `json:"token_value,omitempty"`
	TokenInfo   tokenview.CreatedJSON `json:"token_info"`
	OutFile     string                `json:"out_file,omitempty"`
	DeliveredTo []delivery.Target     `json:"delivered_to"`
	token       tokens.Token
}

func (r result) Summary() []output.Field {
	return append(tokenview.Summary(r.token), tokenview.DeliveryFields(r.DeliveredTo, r.TokenValue)...)
}

func (r result) Table() output.Table {
	cols := tokenview.Columns{}
	header := cols.Header()
	row := cols.Row(tokens.Place{}, r.token, nil, r.token.Created())
	if named := tokenview.Destinations(r.DeliveredTo); len(named) > 0 {
		header = append(header, output.Column{Header: "DELIVERED TO", Flex: true})
		row.Cells = append(row.Cells, output.Text(named))
	}
	if r.TokenValue != nil {
		header = append(header, output.Column{Header: "TOKEN"})
		row.Cells = append(row.Cells, output.Text(*r.TokenValue))
	}
	return output.Table{Columns: header, Rows: []output.Row{row}}
}

func (r result) Notes(c *output.Context) []string {
	if r.TokenValue != nil && c.TTY {
		return []string{"! Copy the token now: it cannot be shown again."}
	}
	return nil
}
