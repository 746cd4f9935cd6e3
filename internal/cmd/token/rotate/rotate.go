// Package rotate implements `dbtok token rotate`: replace a token with a new
// one without an outage. Through the safety engine it plans (which tokens,
// which profiles hold them), shows (--dry-run), confirms, and then applies
// in a fixed order: create the new token, prove it works, deliver it, and
// only then revoke the old one; any failure stops the rotation with at
// least one working token in the user's hands.
package rotate

import (
	"context"
	"os"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	// Select picks the tokens to replace by comment; zero with TokenID or
	// UpdateProfile.
	Select          tokens.Filter
	TokenID         string
	UpdateProfile   bool
	NewComment      *string // nil: the old token's comment
	LifetimeSeconds int64   // 0: the old token's lifetime
	// Delivery is where the new value goes besides the profiles
	// (--update-profile): stdout unless another destination is named.
	Delivery delivery.Request
	// Due makes the rotation conditional (--if-expiring-within,
	// --if-older-than, for cron): a token that is not due is left alone,
	// and the run says why.
	Due tokens.Due
	// AllUsers replaces a service principal's token (workspace admins):
	// the old token is found among every user's, the new one is an
	// on-behalf-of token for the same service principal, and the old one
	// is revoked through Token Management.
	AllUsers bool
	KeepOld  bool
	Consent  tokenflags.Consent
	Parallel int
	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
}

func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var sel tokenflags.Profiles
	var life tokenflags.Lifetime
	var dest tokenflags.Delivery
	var ifExpiring, ifOlder string
	var newComment string
	var comment, commentExact, owner string
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace a token with a new one, without an outage",
		Long: heredoc.Doc(`
			Create a new token, prove it works, deliver it, and only then revoke
			the token it replaces.

			The old token is chosen by --comment (a glob, as in list and revoke;
			--comment-exact for an exact match), by --token-id, or with
			--update-profile as the one the profile itself signs in with. The
			new token gets the old one's comment (--new-comment to change it)
			and, unless --lifetime says otherwise, its lifetime.

			dbtok plans first: replacing more than one token, or a token that
			a profile of your config file signs in with, is shown and confirmed
			on the terminal, and refused without one unless --yes; --dry-run
			shows the plan and stops. A token a profile signs in with is only
			replaced with --update-profile, which writes the new value into the
			token line of every profile holding it: every other byte of the
			config file stays as it was, the previous file is kept as
			<file>.bak (mode 0600), and the new token is proven to work from
			the rewritten file before anything is revoked. Concurrent runs on
			one config file take turns (the file is locked).

			dbtok recognises a profile's token by its ID, which workspaces
			derive from the value (SHA-256); failing that, by its record of the
			tokens it delivered (a digest, never the value, in
			$XDG_STATE_HOME/dbtok/issued.json); failing that, it asks on a
			terminal.

			The new token goes to stdout, or to the destinations named:
			--update-profile, --out FILE, --pipe-to COMMAND (the value on the
			command's standard input only) and --to-secret SCOPE/KEY (a
			Databricks secret, proven by its metadata), in any combination;
			--out - prints it as well. The old token is revoked only after
			every destination took the new one.

			With --all-users, a workspace admin rotates a service principal's
			token, such as the on-behalf-of token a CI system signs in with:
			the old token is found among every user's (--token-id, --comment,
			and --owner APPLICATION_ID or the principal's display name), the
			new one is an on-behalf-of token for the same service principal
			with the same comment, lifetime and scopes, it is proven and
			delivered like any other, and the old one is revoked through Token
			Management. A user's token cannot be rotated this way: no API
			creates a token for another user.

			For cron, --if-expiring-within and --if-older-than make the
			rotation conditional: when the current token is not due, nothing
			is created or revoked, the run says why and exits 0 (JSON:
			"rotated": false). Given both, either condition is enough.

			If a step fails, rotation stops: the message says which tokens
			exist and which, if any, was revoked.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			# a new CI token, the old one with that comment revoked
			$ dbtok rotate --comment ci --lifetime 60d --out ~/.secrets/ci-token --force

			# the token in ~/.databrickscfg itself
			$ dbtok rotate -p prod --update-profile --lifetime 90d --yes

			# every profile's own token, after looking at the plan
			$ dbtok rotate --all-profiles --update-profile --dry-run

			# daily from cron: rotate the CI token two weeks before it expires,
			# straight into the repository's GitHub Actions secret
			$ dbtok rotate --comment ci --if-expiring-within 14d --pipe-to 'gh secret set DATABRICKS_TOKEN'

			# a service principal's on-behalf-of token (workspace admins)
			$ dbtok rotate --all-users --owner 6f1c0f5e-1111-2222-3333-444455556666 --comment etl --to-secret ci/etl-token
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			changed := cmd.Flags().Changed
			if err := sel.Validate(f.Globals.Profile); err != nil {
				return err
			}
			opts.Parallel = sel.Parallel
			if opts.LifetimeSeconds, err = life.Parse(cmd); err != nil {
				return err
			}
			if opts.Delivery, err = dest.Parse(cmd); err != nil {
				return err
			}
			if changed("if-expiring-within") {
				if opts.Due.Within, err = tokenflags.Duration("if-expiring-within", ifExpiring); err != nil {
					return err
				}
			}
			if changed("if-older-than") {
				if opts.Due.OlderThan, err = tokenflags.Duration("if-older-than", ifOlder); err != nil {
					return err
				}
			}
			switch {
			case changed("comment") && comment == "":
				return failure.Usagef("--comment is empty: give a pattern, or leave the flag out")
			case changed("comment") && changed("comment-exact"):
				return failure.Usagef("use either --comment (a glob) or --comment-exact, not both")
			}
			if changed("comment") {
				if err := opts.Select.SetComment(comment); err != nil {
					return failure.Usagef("--comment %v", err)
				}
			}
			if changed("comment-exact") {
				opts.Select.SetCommentExact(commentExact)
			}
			if changed("owner") {
				if err := opts.Select.SetOwner(owner); err != nil {
					return failure.Usagef("--owner %v", err)
				}
				if err := tokenflags.NeedAllUsers(&opts.Select, opts.AllUsers); err != nil {
					return err
				}
			}
			if changed("new-comment") {
				if err := tokens.ValidateComment(newComment); err != nil {
					return failure.Usagef("--new-comment %v", err)
				}
				opts.NewComment = &newComment
			}
			switch {
			case !opts.Select.Active() && opts.TokenID == "" && !opts.UpdateProfile:
				return failure.Usagef("say which token to rotate: --comment, --token-id or --update-profile")
			case opts.Select.Active() && opts.TokenID != "":
				return failure.Usagef("select the token by --comment or by --token-id, not both")
			case opts.AllUsers && opts.UpdateProfile:
				return failure.Usagef("--update-profile rotates the token the profile itself signs in with, through the Token API: leave out --all-users")
			case opts.UpdateProfile && opts.Select.Active():
				return failure.Usagef("--update-profile rotates the token the profile signs in with: leave out --comment (use --new-comment to change the comment)")
			case sel.Active() && opts.TokenID != "":
				return failure.Usagef("--token-id names a token in one workspace: with several profiles use --comment or --update-profile")
			case sel.Active() && opts.Delivery.File != "":
				return failure.Usagef("--out holds one token: with several profiles use stdout, --update-profile, --pipe-to or --to-secret")
			case sel.Active() && opts.Delivery.SecretProfile != "":
				return failure.Usagef("--secret-profile would put every profile's new token into one secret: with several profiles leave it out, and each token goes to the secret in its own workspace")
			case opts.KeepOld && opts.Consent.IncludeOwn:
				return failure.Usagef("--include-own has no effect with --keep-old: nothing is revoked")
			}
			if opts.TokenID != "" {
				if err := tokens.ValidateID(opts.TokenID); err != nil {
					return &failure.UsageError{Err: err}
				}
			}
			if opts.UpdateProfile && os.Getenv("DATABRICKS_TOKEN") != "" {
				return failure.Usagef("DATABRICKS_TOKEN is set and overrides the profile's token: unset it to use --update-profile")
			}
			if sel.Active() {
				if opts.Profiles, err = f.SelectProfiles(sel); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&comment, "comment", "", "rotate the tokens whose comment matches `GLOB` (* ? [...])")
	fl.StringVar(&commentExact, "comment-exact", "", "rotate the tokens whose comment is exactly `TEXT`")
	fl.StringVar(&opts.TokenID, "token-id", "", "rotate the token with this `ID` (or ID prefix)")
	fl.StringVar(&newComment, "new-comment", "", "the new token's comment `TEXT` (default: the old token's)")
	life.Register(cmd, "the new token's lifetime `DURATION` (default: the old token's)")
	dest.Register(cmd, "the new token", f.CompleteProfiles)
	fl.StringVar(&ifExpiring, "if-expiring-within", "", "rotate only if the token expires (or the 90-day rule revokes it) within `DURATION`; otherwise do nothing and exit 0")
	fl.StringVar(&ifOlder, "if-older-than", "", "rotate only if the token was created more than `DURATION` ago; otherwise do nothing and exit 0")
	for _, name := range []string{"if-expiring-within", "if-older-than"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(tokenflags.CommonDurations, cobra.ShellCompDirectiveNoFileComp))
	}
	fl.BoolVar(&opts.UpdateProfile, "update-profile", false, "rotate the token the profile signs in with, and write the new one into every profile of the config file that holds it")
	fl.BoolVar(&opts.KeepOld, "keep-old", false, "do not revoke the old token(s)")
	fl.BoolVar(&opts.AllUsers, "all-users", false, "rotate a service principal's token (workspace admins): the new one is an on-behalf-of token for the same service principal")
	fl.StringVar(&owner, "owner", "", "with --all-users, rotate the tokens of the service principal `NAME` (application ID or display name)")
	_ = cmd.RegisterFlagCompletionFunc("owner", f.CompleteOwners)
	opts.Consent.Register(cmd, "replace")
	sel.Register(cmd, f.CompleteProfiles)
	_ = cmd.RegisterFlagCompletionFunc("token-id", f.CompleteTokenIDs)
	_ = cmd.RegisterFlagCompletionFunc("comment", f.CompleteComments)
	_ = cmd.RegisterFlagCompletionFunc("comment-exact", f.CompleteComments)
	return cmd
}
