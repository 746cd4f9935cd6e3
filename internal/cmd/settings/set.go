package settings

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/lifetime"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

// The settings `dbtok settings set` changes, as typed.
const (
	MaxLifetime   = "max-lifetime"
	TokensEnabled = "tokens-enabled"
)

// settingNames maps what may be typed (dbtok's names, and the API's keys
// for people who know them) to dbtok's names.
var settingNames = map[string]string{
	MaxLifetime:            MaxLifetime,
	"maxtokenlifetimedays": MaxLifetime,
	TokensEnabled:          TokensEnabled,
	"enabletokensconfig":   TokensEnabled,
}

type SetOptions struct {
	cmdutil.Deps
	// Ask is the person at the terminal who confirms the change.
	Ask func() tokens.ChangeAsker

	// Setting is MaxLifetime or TokensEnabled.
	Setting string
	// Days is the new maximum lifetime; 0 removes the maximum.
	Days int
	// Enabled is the new tokens switch.
	Enabled bool

	Yes    bool
	DryRun bool
	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
	Parallel int
}

func NewCmdSet(f *cmdutil.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	opts := &SetOptions{Deps: f.Deps(), Ask: func() tokens.ChangeAsker { return cmdutil.NewChangeAsker(f.IOStreams, f.Now) }}
	var sel tokenflags.Profiles
	cmd := &cobra.Command{
		Use:   "set SETTING VALUE",
		Short: "Change a workspace's token settings (workspace admins)",
		Long: heredoc.Docf(`
			Change a token setting of the workspace, or of several with
			--all-profiles or --profiles (workspace admins only):

			  max-lifetime DURATION   the maximum lifetime of new tokens
			                          (maxTokenLifetimeDays): whole days from 1d
			                          to 730d (2w and 90 are 14 and 90 days);
			                          none (or 0) removes the maximum.
			  tokens-enabled BOOL     whether personal access tokens work at all
			                          (enableTokensConfig): true or false.

			A change is planned first (the current value is read, so the plan
			shows old and new), then shown and confirmed on the terminal (also
			when stdout is piped); without a terminal it is refused unless
			--yes, and --dry-run shows it and stops. Several workspaces are
			confirmed once, for the whole plan. A workspace that already has
			the value is left alone.

			Turning tokens off stops every personal access token in the
			workspace at once (none is deleted: they work again when tokens are
			turned back on), including any that dbtok and your profiles sign in
			with; only a workspace admin signed in with OAuth (%[1]sdatabricks
			auth login%[1]s) can turn them on again. Lowering the maximum limits
			every new token (existing ones keep their expiry).

			With -o json, stdout gets {"dry_run": false, "changes": [{"profile",
			"host", "setting", "old", "new", "status"}]}: setting is
			max_token_lifetime_days (old and new a number of days, or null for
			no maximum) or tokens_enabled (true or false), and status is
			changed, unchanged, would_change (--dry-run) or failed (with
			"error").
		`, "`"),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok settings set max-lifetime 90d --yes
			$ dbtok settings set max-lifetime none --all-profiles --dry-run
			$ dbtok settings set tokens-enabled false --dry-run
			$ dbtok settings set tokens-enabled true -p prod --yes
		`)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return failure.Usagef("give a setting and its value, e.g. `dbtok settings set max-lifetime 90d` or `dbtok settings set tokens-enabled false`")
			}
			var err error
			if opts.Setting, err = parseSetting(args[0]); err != nil {
				return err
			}
			switch opts.Setting {
			case MaxLifetime:
				opts.Days, err = parseMaxLifetime(args[1])
			case TokensEnabled:
				opts.Enabled, err = parseEnabled(args[1])
			}
			if err != nil {
				return err
			}
			if opts.Yes && opts.DryRun {
				return failure.Usagef("use either --yes or --dry-run, not both")
			}
			profiles, parallel, err := f.Selection(sel)
			if err != nil {
				return err
			}
			opts.Profiles, opts.Parallel = profiles, parallel
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return setRun(cmd.Context(), opts)
		},
		ValidArgsFunction: completeSet,
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "change without asking (needed without a terminal)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show the plan, change nothing")
	sel.Register(cmd, f.CompleteProfiles)
	return cmd
}

// completeSet offers the settings, then each one's usual values.
func completeSet(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	switch len(args) {
	case 0:
		return []string{
			cmdutil.Candidate(MaxLifetime, "the maximum lifetime of new tokens (maxTokenLifetimeDays)"),
			cmdutil.Candidate(TokensEnabled, "whether personal access tokens work (enableTokensConfig)"),
		}, cobra.ShellCompDirectiveNoFileComp
	case 1:
		switch settingNames[strings.ToLower(args[0])] {
		case MaxLifetime:
			out := []string{"30d", "60d", "90d", "180d", "365d", "730d"}
			return append(out, cmdutil.Candidate("none", "no maximum (up to 730 days)")), cobra.ShellCompDirectiveNoFileComp
		case TokensEnabled:
			return []string{
				cmdutil.Candidate("true", "personal access tokens work"),
				cmdutil.Candidate("false", "every personal access token stops working"),
			}, cobra.ShellCompDirectiveNoFileComp
		}
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

func parseSetting(name string) (string, error) {
	if s, ok := settingNames[strings.ToLower(strings.TrimSpace(name))]; ok {
		return s, nil
	}
	return "", failure.Usagef("unknown setting %q: use %s or %s", name, MaxLifetime, TokensEnabled)
}

// parseMaxLifetime reads a maximum lifetime in whole days, 1 to 730, or
// none; a bare number is days, as the setting (maxTokenLifetimeDays) is.
func parseMaxLifetime(v string) (int, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "none", "0", "0d":
		return 0, nil
	case "":
		// An unset variable in a script must not remove the maximum.
		return 0, failure.Usagef("max-lifetime needs a value: a duration in whole days such as 90d, or none to remove the maximum")
	}
	days, err := strconv.Atoi(v)
	if err != nil {
		secs, perr := lifetime.Parse(v)
		if perr != nil {
			return 0, failure.Usagef("max-lifetime: %s; or none to remove the maximum", strings.TrimPrefix(perr.Error(), "lifetime "))
		}
		if secs%86400 != 0 {
			return 0, failure.Usagef("max-lifetime %s is not a whole number of days: the workspace keeps the maximum in days (e.g. 1d, 90d, 2w)", v)
		}
		days = int(secs / 86400)
	}
	if days < 1 || days > tokens.PlatformMaxLifetimeDays {
		return 0, failure.Usagef("max-lifetime %s is %s: Databricks allows a maximum of 1 to %d days (or none)", v, tokens.DescribeDays(days), tokens.PlatformMaxLifetimeDays)
	}
	return days, nil
}

func parseEnabled(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, failure.Usagef("tokens-enabled takes true or false, not %q", v)
}

// planned is one change of the plan and the workspace it changes.
type planned struct {
	ws   *workspace.Workspace
	json changeJSON
}

func setRun(ctx context.Context, opts *SetOptions) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	readings, failed, err := readAll(ctx, opts.Deps, opts.Profiles, opts.Parallel)
	if err != nil {
		return err
	}
	file, _ := opts.ConfigFile()

	res := setResult{DryRun: opts.DryRun, multi: opts.Profiles != nil}
	plan := &tokens.ChangePlan{What: opts.what()}
	var changes []planned
	// Two profiles that reach one workspace (a DEFAULT and a named
	// profile, say) change it once: a second PATCH would be redundant,
	// and by a non-admin profile it would fail.
	through := map[string]string{}
	for _, r := range readings {
		if first, ok := through[r.ws.Key()]; ok {
			opts.IO.Notef("profile %s reaches the same workspace as profile %s: it is changed once, through %s.", r.ws.Profile, first, first)
			continue
		}
		through[r.ws.Key()] = r.ws.Profile
		c, j := opts.change(r, file)
		if c == nil {
			res.Changes = append(res.Changes, j)
			continue
		}
		plan.Changes = append(plan.Changes, *c)
		changes = append(changes, planned{ws: r.ws, json: j})
	}

	if len(plan.Changes) == 0 || opts.DryRun {
		for _, c := range changes {
			c.json.Status = "would_change"
			res.Changes = append(res.Changes, c.json)
		}
		if err := printer.Print(ctx, res); err != nil {
			return err
		}
		// What the plan would break is said whatever the format: stderr
		// keeps JSON on stdout clean.
		for _, e := range plan.Effects() {
			opts.IO.Warnf("%s.", e)
		}
		return failure.AsReported(failed)
	}

	if err := plan.Confirm(ctx, opts.Yes, opts.Ask()); err != nil {
		if errors.Is(err, tokens.ErrDeclined) {
			opts.IO.Infof("Nothing changed.")
			return failure.AsReported(failed)
		}
		if failure.KindOf(err) == failure.KindCanceled {
			return failure.Wrap("interrupted: nothing was changed", err)
		}
		return err
	}

	worst := failed
	outcomes := plan.Apply(ctx, opts.Parallel)
	for i, o := range outcomes {
		c := changes[i]
		if o.Err != nil {
			err := applyFailed(c.ws, o)
			opts.IO.Errorf("%v", err)
			c.json.Status, c.json.Error = "failed", err.Error()
			var ae *failure.APIError
			if errors.As(o.Err, &ae) {
				c.json.ErrorCode = ae.Code
			}
			if worst == nil {
				worst = err
			}
		} else {
			c.json.Status = "changed"
		}
		res.Changes = append(res.Changes, c.json)
	}
	// What was done is reported even after Ctrl-C.
	if err := printer.Print(context.WithoutCancel(ctx), res); err != nil {
		return err
	}
	for _, o := range outcomes {
		if o.Err == nil && o.Effect != "" {
			opts.IO.Warnf("%s.", o.Effect)
		}
	}
	return failure.AsReported(worst)
}

// what is the plan in a few words, for the question.
func (opts *SetOptions) what() string {
	switch {
	case opts.Setting == TokensEnabled && opts.Enabled:
		return "turn personal access tokens on"
	case opts.Setting == TokensEnabled:
		return "turn personal access tokens off"
	case opts.Days == 0:
		return "remove the maximum lifetime of new tokens"
	}
	return "set the maximum lifetime of new tokens to " + tokens.DescribeDays(opts.Days)
}

// change plans the change to one workspace; nil when it already has the
// value.
func (opts *SetOptions) change(r reading, file *databrickscfg.File) (*tokens.Change, changeJSON) {
	ws, cur := r.ws, r.settings
	j := changeJSON{Profile: ws.Profile, Host: ws.Host, place: ws.Place}
	c := &tokens.Change{Place: ws.Place}
	switch opts.Setting {
	case TokensEnabled:
		j.Setting, j.Old, j.New = "tokens_enabled", cur.Enabled, opts.Enabled
		j.from, j.to = tokens.DescribeEnabled(cur.Enabled), tokens.DescribeEnabled(opts.Enabled)
		c.Subject = "personal access tokens"
		if cur.Enabled == opts.Enabled {
			j.Status = "unchanged"
			return nil, j
		}
		on := opts.Enabled
		c.Apply = func(ctx context.Context) error { return ws.Settings.SetEnabled(ctx, on) }
		if !on {
			c.Effect = tokensOffEffect(ws, file)
		}
	default:
		j.Setting, j.Old, j.New = "max_token_lifetime_days", daysJSON(cur.MaxLifetimeDays), daysJSON(opts.Days)
		j.from, j.to = tokens.DescribeMaxLifetime(cur.MaxLifetimeDays), tokens.DescribeMaxLifetime(opts.Days)
		c.Subject = "maximum token lifetime"
		if cur.MaxLifetimeDays == opts.Days {
			j.Status = "unchanged"
			return nil, j
		}
		days := opts.Days
		c.Apply = func(ctx context.Context) error { return ws.Settings.SetMaxLifetimeDays(ctx, days) }
		if days > 0 && (cur.MaxLifetimeDays == 0 || days < cur.MaxLifetimeDays) {
			c.Effect = fmt.Sprintf("new tokens in %s can live at most %s (existing tokens keep their expiry)", ws.Place, tokens.DescribeDays(days))
		}
	}
	c.From, c.To = j.from, j.to
	return c, j
}

func daysJSON(days int) *int {
	if days <= 0 {
		return nil
	}
	return &days
}

// tokensOffEffect says what turning tokens off breaks, naming the
// profiles of the config file that sign in to that workspace with a token
// (each may be a PAT, which stops working too).
func tokensOffEffect(ws *workspace.Workspace, file *databrickscfg.File) string {
	var names []string
	if file != nil {
		for _, p := range file.Profiles {
			if p.Keys["token"] != "" && tokens.HostKey(p.Host()) == ws.Key() {
				names = append(names, p.Name)
			}
		}
	}
	if ws.CredentialFromEnv {
		names = append(names, tokens.EnvCredential)
	}
	including := ""
	if len(names) > 0 {
		including = fmt.Sprintf(", including any that %s", tokens.SignsIn(names))
	}
	return fmt.Sprintf("every personal access token in %s stops working until tokens are turned on again (none is deleted)%s; only a workspace admin signed in with OAuth can turn them on again", ws.Place, including)
}

// applyFailed words a change that failed.
func applyFailed(ws *workspace.Workspace, o tokens.ChangeOutcome) error {
	action := "change the " + o.Subject
	if o.Subject == "personal access tokens" {
		action = "turn personal access tokens " + map[bool]string{true: "on", false: "off"}[o.To == "enabled"]
	}
	err := fail(ws, action, o.Err)
	if failure.MaybeApplied(o.Err) {
		return failure.Wrapf(o.Err, "%s; it may have changed anyway: check with `dbtok settings%s`", err, ws.ProfileFlag())
	}
	return err
}
