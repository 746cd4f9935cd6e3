// Package revoke implements `dbtok token revoke`: revoke tokens by ID,
// carrying on past failures and reporting each one.
package revoke

import (
	"context"
	"fmt"
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

	IDs []string
}

func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		IO:           f.IOStreams,
		Workspace:    f.Workspace,
		OutputFormat: f.OutputFormat,
		Timeout:      f.Timeout,
	}
	cmd := &cobra.Command{
		Use:     "revoke TOKEN_ID...",
		Aliases: []string{"delete", "rm"},
		Short:   "Revoke personal access tokens",
		Long: heredoc.Doc(`
			Revoke one or more of your personal access tokens by ID.

			Every ID is tried even when some fail; each failure is reported on
			stderr, and the exit code is 4 if the only failures were unknown
			IDs, or that of the first other failure. With -o json, stdout gets
			{"revoked": [...], "failed": [...]}.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok revoke 5f3a0c...
			$ dbtok list -o json | jq -r '.[] | select(.comment == "old") | .token_id' | xargs dbtok revoke
		`)),
		Args: cmdutil.MinimumArgs(1, "no token ID given: pass the IDs to revoke (see `dbtok list`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shared.ValidateIDs(args); err != nil {
				return err
			}
			opts.IDs = dedupe(args)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
		ValidArgsFunction: f.CompleteTokenIDs,
	}
	return cmd
}

type revokedJSON struct {
	TokenID string `json:"token_id"`
}

type failedJSON struct {
	TokenID   string `json:"token_id"`
	Error     string `json:"error"`
	ErrorCode string `json:"error_code,omitempty"`
}

type resultJSON struct {
	Revoked []revokedJSON `json:"revoked"`
	Failed  []failedJSON  `json:"failed"`
}

func revokeRun(ctx context.Context, opts *Options) error {
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

	res := resultJSON{Revoked: []revokedJSON{}, Failed: []failedJSON{}}
	cs := opts.IO.ColorScheme()
	var firstErr error
	exit := cmdutil.ExitOK
	for _, id := range opts.IDs {
		err := ws.Tokens.Revoke(ctx, id)
		if err == nil {
			res.Revoked = append(res.Revoked, revokedJSON{TokenID: id})
			if format == output.Table {
				fmt.Fprintf(opts.IO.Out, "%s Revoked %s\n", cs.Green("✓"), id)
			}
			continue
		}
		var failure error
		if tokens.KindOf(err) == tokens.KindNotFound {
			failure = fmt.Errorf("token %s not found in %s: nothing revoked (see `dbtok list`)", id, ws)
		} else {
			failure = cmdutil.APIError("revoke token "+id, ws, err, timeout)
			if te, ok := err.(*tokens.Error); ok && te.MaybeApplied {
				failure = fmt.Errorf("%w; it may have been revoked anyway: check with `dbtok list%s`", failure, profileFlag(ws))
			}
		}
		cmdutil.PrintError(opts.IO.ErrOut, failure)
		f := failedJSON{TokenID: id, Error: failure.Error()}
		if te, ok := err.(*tokens.Error); ok {
			f.ErrorCode = te.Code
		}
		res.Failed = append(res.Failed, f)
		// Unknown IDs exit 4 only if nothing worse happened.
		code := cmdutil.ExitCode(err)
		if firstErr == nil || exit == cmdutil.ExitNotFound && code != cmdutil.ExitNotFound {
			firstErr, exit = err, code
		}
	}
	if format == output.JSON {
		if err := output.WriteJSON(opts.IO.Out, res); err != nil {
			return err
		}
	}
	if firstErr != nil {
		return &cmdutil.SilentError{Code: exit}
	}
	return nil
}

// dedupe drops repeated IDs, keeping the first occurrence's position.
func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func profileFlag(ws *workspace.Workspace) string {
	if ws.Profile == "" {
		return ""
	}
	return " -p " + ws.Profile
}
