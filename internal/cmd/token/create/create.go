// Package create implements `dbtok token create`: mint a PAT and deliver its
// value to stdout or to a file, and nowhere else.
package create

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmd/token/shared"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/issued"
	"github.com/dbtok/dbtok/internal/lifetime"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/secretfile"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	Lifetime        string
	LifetimeSeconds int64 // parsed from Lifetime; 0 = workspace default
	Comment         string
	Out             string
	Force           bool
	// ServicePrincipal, when set, is the application ID of a service
	// principal to create an on-behalf-of token for.
	ServicePrincipal string
}

func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a personal access token",
		Long: heredoc.Doc(`
			Create a personal access token in the selected workspace.

			The token's value is shown once: it goes to stdout, or with --out to
			a file created with mode 0600, and nowhere else. Without --lifetime
			the workspace's default lifetime applies.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			# a token for CI that expires in 100 days
			$ dbtok create --lifetime 100d --comment ci

			# just the value, for a script
			$ dbtok create --lifetime 2w --comment deploy -o json | jq -r .token_value

			# straight into a file, never on screen
			$ dbtok create --lifetime 36h --comment nightly --out ~/.secrets/nightly-token

			# for a service principal (workspace admins)
			$ dbtok create --for-service-principal 6f1c0f5e-1111-2222-3333-444455556666 --lifetime 30d --comment etl
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("lifetime") {
				secs, err := lifetime.Parse(opts.Lifetime)
				if err != nil {
					return &cmdutil.FlagError{Err: err}
				}
				opts.LifetimeSeconds = secs
			}
			if err := ValidateComment(opts.Comment); err != nil {
				return err
			}
			if cmd.Flags().Changed("out") {
				if strings.TrimSpace(opts.Out) == "" {
					// An unset variable in `--out "$FILE"` must not send
					// the token to stdout, into a CI log.
					return cmdutil.FlagErrorf("--out needs a file name")
				}
				opts.Out = databrickscfg.ExpandHome(opts.Out)
			}
			if opts.Force && opts.Out == "" {
				return cmdutil.FlagErrorf("--force only applies with --out")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Lifetime, "lifetime", "", "token lifetime `DURATION`, e.g. 100d, 2w, 36h or 1w2d (default: the workspace's default)")
	cmd.Flags().StringVar(&opts.Comment, "comment", "", "a `TEXT` stored with the token to tell it apart in dbtok list")
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the token value to `FILE` (mode 0600) instead of stdout")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "with --out, replace FILE if it exists")
	cmd.Flags().StringVar(&opts.ServicePrincipal, "for-service-principal", "", "create an on-behalf-of token for the service principal with this `APPLICATION_ID` (workspace admins)")
	_ = cmd.RegisterFlagCompletionFunc("lifetime", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"1d", "7d", "30d", "90d", "100d", "180d", "365d"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("comment", cobra.NoFileCompletions)
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	run, err := opts.Prepare()
	if err != nil {
		return err
	}
	format, timeout := run.Format, run.Timeout

	if opts.Out == "" && opts.IO.IsStdoutDiscarded() {
		return cmdutil.FlagErrorf("stdout is discarded (/dev/null or closed): the new token would be lost; use --out FILE or redirect stdout to a file")
	}

	// Reserve the output file before the token exists: a token must never
	// be created that cannot be delivered.
	var pending *secretfile.Pending
	if opts.Out != "" {
		abs, err := filepath.Abs(opts.Out)
		if err != nil {
			return cmdutil.FlagErrorf("--out %s: %v", opts.Out, err)
		}
		pending, err = secretfile.Prepare(abs, opts.Force)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		defer pending.Abort()
	}

	ws, err := opts.Workspace()
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	started := opts.Now()
	var created *tokens.Created
	if opts.ServicePrincipal != "" {
		created, err = ws.Tokens.CreateOnBehalfOf(callCtx, tokens.OnBehalfOfRequest{
			ApplicationID: opts.ServicePrincipal, Comment: opts.Comment, LifetimeSeconds: opts.LifetimeSeconds,
		})
	} else {
		created, err = ws.Tokens.Create(callCtx, tokens.CreateRequest{Comment: opts.Comment, LifetimeSeconds: opts.LifetimeSeconds})
	}
	if err != nil {
		if opts.ServicePrincipal != "" && tokens.KindOf(err) == tokens.KindPermission {
			return cmdutil.WrapAPIError(fmt.Sprintf("cannot create a token for service principal %s in %s: workspace admin rights are needed (HTTP 403)", opts.ServicePrincipal, ws), err)
		}
		return createFailed(ws, err, timeout, opts.Comment, started, opts.ServicePrincipal != "")
	}
	value := created.Value.Reveal()
	redact.Add(value)

	var out bytes.Buffer
	if pending != nil {
		if err := pending.Commit([]byte(value + "\n")); err != nil {
			return undo(ws, created.Token, timeout, fmt.Errorf("cannot write the token to %s: %w", pending.Path(), err))
		}
		err = render(&out, opts, run, created, pending.Path())
	} else {
		err = render(&out, opts, run, created, "")
	}
	if err != nil {
		return undo(ws, created.Token, timeout, err)
	}
	if _, err := opts.IO.Out.Write(out.Bytes()); err != nil {
		// %v, not %w: a broken pipe here is not the quiet `| head` case
		// the root command ignores; it must be reported.
		if pending != nil {
			// The value is safe in the file; only the summary was lost.
			return fmt.Errorf("token %s was written to %s, but stdout failed: %v", created.Token.ID, pending.Path(), err)
		}
		return undo(ws, created.Token, timeout, fmt.Errorf("cannot print the token: %v", err))
	}
	// Remember the token by digest, so that `rotate --update-profile` can
	// recognise it once it sits in a profile.
	if err := issued.Record(ws.Host, value, created.Token.ID); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "Warning: could not remember the new token for later rotations: %v\n", err)
	}
	if format == output.Table && opts.IO.IsStdoutTTY() && pending == nil {
		shared.CopyNowWarning(opts.IO)
	}
	return nil
}

// createFailed explains a failed create. When the request reached the
// server and no clear rejection came back, the token may exist: say so and
// say how to find it, rather than let it live on unnoticed.
func createFailed(ws *workspace.Workspace, err error, timeout time.Duration, comment string, started time.Time, forSP bool) error {
	wrapped := cmdutil.APIError("create a token", ws, err, timeout)
	var te *tokens.Error
	if errors.As(err, &te) && te.MaybeApplied {
		return fmt.Errorf("%w; %s", wrapped, shared.MaybeCreated(ws, comment, started, nil, timeout, forSP))
	}
	return wrapped
}

// undo revokes a token that was created but could not be delivered, so
// that no live token is left that the user never received.
func undo(ws *workspace.Workspace, t tokens.Token, timeout time.Duration, cause error) error {
	// A fresh context: the command's own may be the reason we are here.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	revoke, cmd := ws.Tokens.Revoke, "dbtok revoke"
	if t.Owner != nil {
		// An on-behalf-of token belongs to the service principal: only the
		// Token Management API can revoke it.
		revoke, cmd = ws.Tokens.RevokeAny, "dbtok revoke --all-users"
	}
	if err := revoke(ctx, t.ID); err != nil {
		return fmt.Errorf("%w; revoking the undelivered token %s also failed (%s): revoke it with `%s %s%s`",
			cause, t.ID, cmdutil.Cause(ws, err, timeout), cmd, t.ID, shared.ProfileFlag(ws))
	}
	return fmt.Errorf("%w; the new token %s was revoked, so nothing was left behind", cause, t.ID)
}

type createdJSON struct {
	TokenValue *string          `json:"token_value,omitempty"`
	TokenInfo  shared.TokenJSON `json:"token_info"`
	OutFile    string           `json:"out_file,omitempty"`
}

func render(w *bytes.Buffer, opts *Options, run cmdutil.RunSettings, c *tokens.Created, outFile string) error {
	if run.Format == output.JSON {
		j := createdJSON{TokenInfo: shared.ToJSON(c.Token), OutFile: outFile}
		if outFile == "" {
			v := c.Value.Reveal()
			j.TokenValue = &v
		}
		return run.Printer.Write(w, j)
	}
	shared.WriteTokenInfo(w, c.Token, opts.Now(), opts.IO.IsStdoutTTY())
	if outFile != "" {
		fmt.Fprintf(w, "%-10s %s (mode 0600)\n", "Saved to:", outFile)
	} else {
		fmt.Fprintf(w, "%-10s %s\n", "Token:", c.Value.Reveal())
	}
	return nil
}

// ValidateComment rejects comments that would not survive as one line in a
// table or a shell loop: comments are how people find their tokens again.
func ValidateComment(c string) error {
	for _, r := range c {
		if unicode.IsControl(r) {
			return cmdutil.FlagErrorf("--comment contains a control character (%q): use a single line of text", r)
		}
	}
	if !utf8.ValidString(c) {
		return cmdutil.FlagErrorf("--comment is not valid UTF-8")
	}
	return nil
}
