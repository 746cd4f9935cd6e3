// Package audit implements `dbtok audit`: the tokens and token settings of
// one workspace or many, checked against a policy, for people (a table),
// scripts (JSON) and CI systems (SARIF), with an exit code CI can gate on.
package audit

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps

	// AllUsers audits every user's tokens (the Token Management API).
	AllUsers bool
	// Owner, with AllUsers, audits only the tokens this user or service
	// principal owns (--owner).
	Owner tokens.Filter
	// Profiles is the resolved selection; nil means the one workspace.
	Profiles []string
	Parallel int

	Policy tokens.AuditPolicy
	// PolicyFile is --policy, "" when none.
	PolicyFile string
	// FailOn is the least severity that fails the run (exit 5);
	// SeverityOff never fails.
	FailOn tokens.Severity
}

// flags are the policy flags as typed; a flag given overrides the file.
type flags struct {
	maxLifetime, unusedFor, warnWithin string
	quotaWarning                       int
	failOn                             string
	policy                             string
	owner                              string
}

func NewCmdAudit(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps()}
	var fl flags
	var sel tokenflags.Profiles
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check tokens and token settings against a policy",
		Long: fmt.Sprintf(heredoc.Doc(`
			Check the tokens in the selected workspace (or in several, with
			--all-profiles or --profiles) and the workspace's token settings
			against a policy, and report each finding with its profile,
			workspace, token, owner, rule, severity and what to do.

			Rules, with their default severity:
			%s

			Only the admin listing says when tokens were last used: without
			--all-users, the unused, never-used and unused-revocation rules are
			not checked, and dbtok says so.

			--policy FILE reads a YAML policy: the thresholds under the flags'
			names (max-lifetime, unused-for, warn-within, quota-warning,
			fail-on), "rules" mapping rule IDs to error, warning, note or off,
			and "exempt", a list of exemptions, each with a reason and any of
			token-id, comment (a glob), profile, host, rules and expires (a
			date). Flags override the file; an unknown key is an error.

			The exit code is 5 when a finding at or above --fail-on remains
			(exempt findings never count); a workspace that cannot be audited
			takes precedence with its own code. -o json prints
			{"findings", "exempted", "summary", "workspaces", "policy"}, and
			-o sarif a SARIF 2.1.0 log for code scanning.
		`), ruleTable()),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok audit
			$ dbtok audit --all-users --all-profiles
			$ dbtok audit --max-lifetime 30d --warn-within 7d --fail-on warning
			$ dbtok audit --all-users -o sarif > dbtok.sarif
			$ dbtok audit --fail-on none -o json --jq '.findings[] | select(.severity == "error") | .command'
		`)),
		Annotations: map[string]string{cmdutil.FormatsAnnotation: "sarif"},
		Args:        cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := fl.apply(cmd, opts); err != nil {
				return err
			}
			profiles, parallel, err := f.Selection(sel)
			if err != nil {
				return err
			}
			opts.Profiles, opts.Parallel = profiles, parallel
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return auditRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&opts.AllUsers, "all-users", false, "audit every user's tokens, through the Token Management API (workspace admins); the only listing with last use")
	fs.StringVar(&fl.owner, "owner", "", "with --all-users, audit only the tokens owned by `NAME`: a user name, or a service principal's application ID or display name")
	_ = cmd.RegisterFlagCompletionFunc("owner", f.CompleteOwners)
	fs.StringVar(&fl.policy, "policy", "", "read the policy from `FILE` (YAML); flags override it")
	fs.StringVar(&fl.maxLifetime, "max-lifetime", tokens.FlagSpan(tokens.DefaultMaxLifetime), "the longest lifetime a token may have, a `DURATION` such as 90d")
	fs.StringVar(&fl.unusedFor, "unused-for", tokens.FlagSpan(tokens.DefaultUnusedFor), "how long a token may go unused, a `DURATION`; checked with --all-users")
	fs.StringVar(&fl.warnWithin, "warn-within", tokens.FlagSpan(tokens.DefaultWarnWithin), "warn this `DURATION` ahead of expiry and of the 90-day unused revocation")
	fs.IntVar(&fl.quotaWarning, "quota-warning", tokens.DefaultQuotaWarning, fmt.Sprintf("warn when a principal holds `N` of its %d tokens", tokens.TokenQuota))
	cmdutil.EnumFlag(cmd, &fl.failOn, "fail-on", "error", failOnValues, "exit 5 when a finding of this `SEVERITY` or worse remains")
	sel.Register(cmd, f.CompleteProfiles)
	_ = cmd.MarkFlagFilename("policy", "yaml", "yml")
	for _, name := range []string{"max-lifetime", "unused-for", "warn-within"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(tokenflags.CommonDurations, cobra.ShellCompDirectiveNoFileComp))
	}
	_ = cmd.RegisterFlagCompletionFunc("quota-warning", cobra.FixedCompletions([]string{"480", "540", "590"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// ruleTable lists the rules for help, from the rules themselves.
func ruleTable() string {
	width := 0
	for _, r := range tokens.AuditRules {
		width = max(width, len(r.ID))
	}
	var b strings.Builder
	for i, r := range tokens.AuditRules {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "  %-*s  %s (%s)", width, r.ID, r.Short, r.Default)
	}
	return b.String()
}

// apply builds the policy: the defaults, then the policy file, then the
// flags that were given. Every mistake is a usage error before anything
// is sent.
func (fl *flags) apply(cmd *cobra.Command, opts *Options) error {
	changed := cmd.Flags().Changed
	opts.Policy = tokens.DefaultAuditPolicy()
	opts.FailOn = tokens.SeverityError
	if changed("owner") {
		if !opts.AllUsers {
			return failure.Usagef("--owner needs --all-users: only the Token Management API (workspace admins) says who owns tokens")
		}
		if err := opts.Owner.SetOwner(fl.owner); err != nil {
			return failure.Usagef("--owner %s", err)
		}
	}
	if changed("policy") {
		if strings.TrimSpace(fl.policy) == "" {
			return failure.Usagef("--policy needs a file name")
		}
		pf, err := loadPolicy(fl.policy, opts.Policy)
		if err != nil {
			return err
		}
		opts.Policy, opts.PolicyFile = pf.policy, fl.policy
		if pf.failOn != nil {
			opts.FailOn = *pf.failOn
		}
	}
	for _, d := range []struct {
		name, text string
		dst        *time.Duration
	}{
		{"max-lifetime", fl.maxLifetime, &opts.Policy.MaxLifetime},
		{"unused-for", fl.unusedFor, &opts.Policy.UnusedFor},
		{"warn-within", fl.warnWithin, &opts.Policy.WarnWithin},
	} {
		if !changed(d.name) {
			continue
		}
		v, err := parseDuration("--"+d.name, d.text)
		if err != nil {
			return &failure.UsageError{Err: err}
		}
		*d.dst = v
	}
	if changed("quota-warning") {
		if fl.quotaWarning < 1 || fl.quotaWarning > tokens.TokenQuota {
			return failure.Usagef("--quota-warning must be from 1 to %d", tokens.TokenQuota)
		}
		opts.Policy.QuotaWarning = fl.quotaWarning
	}
	if changed("fail-on") {
		sev, err := parseFailOn(fl.failOn)
		if err != nil {
			return failure.Usagef("--fail-on %v", err)
		}
		opts.FailOn = sev
	}
	if err := opts.Policy.Validate(); err != nil {
		return failure.Usagef("policy: %v", err)
	}
	return nil
}

// audited is one workspace's listing and settings.
type audited struct {
	ws       *workspace.Workspace
	tokens   []tokens.Token
	settings *tokens.Settings
	// me is the user name the profile signs in as (--all-users only).
	me string
	// settingsErr says why the settings could not be read (no right to).
	settingsErr error
}

// outcome is one selected profile's: audited, or the error that stopped it.
type outcome struct {
	profile string
	audited audited
	err     error
}

func auditRun(ctx context.Context, opts *Options) error {
	printer, err := opts.Printer()
	if err != nil {
		return err
	}
	multi := opts.Profiles != nil
	var outcomes []outcome
	var firstErr error
	if !multi {
		a, err := fetch(ctx, opts, "")
		if err != nil {
			return err
		}
		outcomes = []outcome{{profile: a.ws.Profile, audited: a}}
	} else {
		for _, r := range fanout.Run(ctx, opts.Profiles, opts.Parallel, func(ctx context.Context, p string) (audited, error) {
			return fetch(ctx, opts, p)
		}) {
			if r.Err != nil {
				// One unreachable workspace must not hide the others.
				opts.IO.Errorf("%v", r.Err)
				firstErr = cmp.Or(firstErr, r.Err)
			}
			outcomes = append(outcomes, outcome{profile: r.Profile, audited: r.Value, err: r.Err})
		}
	}

	now := opts.Now()
	res := &result{policy: opts.Policy, policyFile: opts.PolicyFile, failOn: opts.FailOn, allUsers: opts.AllUsers, multi: multi, now: now}
	var creds *tokens.Credentials
	if opts.Credentials != nil {
		var opened []*workspace.Workspace
		for _, o := range outcomes {
			if o.err == nil {
				opened = append(opened, o.audited.ws)
			}
		}
		creds = opts.Credentials(nil, opened...)
		// A listing proves whether the workspace derives IDs from values:
		// then a profile's token is known by its digest, at once.
		for _, o := range outcomes {
			if o.err == nil {
				creds.Learn(o.audited.ws.Key(), o.audited.tokens)
			}
		}
	}
	e := evaluation{opts: opts, res: res, creds: creds, now: now, seenToken: map[string]string{}, seenFinding: map[string]bool{}}
	audited := 0
	for _, o := range outcomes {
		if o.err != nil {
			msg := o.err.Error()
			res.workspaces = append(res.workspaces, workspaceJSON{Profile: o.profile, Host: opts.HostOf(o.profile), AllUsers: opts.AllUsers, Error: &msg})
			res.notices = append(res.notices, notice{level: "error", text: msg})
			res.failedWorkspaces++
			continue
		}
		e.workspace(o.audited)
		audited++
	}
	if !opts.AllUsers && audited > 0 && lastUseRulesOn(opts.Policy) {
		msg := "last use is only in the admin listing: the unused, never-used and unused-revocation rules were not checked; workspace admins check them with --all-users"
		res.notices = append(res.notices, notice{level: "warning", text: msg})
		opts.IO.Notef("%s.", strings.ToUpper(msg[:1])+msg[1:])
	}
	for i := range opts.Policy.Exemptions {
		if x := &opts.Policy.Exemptions[i]; x.Lapsed(now) {
			opts.IO.Warnf("the policy's exemption for %s expired on %s and no longer applies.", x.Describe(), x.Expires.UTC().Format(time.DateOnly))
		}
	}
	res.finish()
	if err := printer.Print(ctx, res); err != nil {
		return err
	}
	switch {
	case firstErr != nil:
		return failure.AsReported(firstErr)
	case res.summary.Failing > 0:
		return &failure.Reported{Code: failure.Matched}
	}
	return nil
}

// evaluation audits the listed workspaces one after the other, in
// profile order.
type evaluation struct {
	opts  *Options
	res   *result
	creds *tokens.Credentials
	now   time.Time
	// Two profiles for the same user on the same workspace list the same
	// tokens: each token (by workspace and ID) is audited under the first
	// profile that listed it, and each finding shown once.
	seenToken   map[string]string
	seenFinding map[string]bool
}

func (e *evaluation) workspace(a audited) {
	opts, res := e.opts, e.res
	key := a.ws.Key()
	target := tokens.AuditTarget{Place: a.ws.Place, Tokens: a.tokens, AllUsers: opts.AllUsers, Settings: a.settings, Me: a.me}
	if e.creds != nil {
		// Read-only: a profile's token is matched by its digest, or by
		// dbtok's record where IDs are not digests. (No Learn: an audit
		// writes nothing, not even dbtok's own state.)
		target.SignsIn = func(id string) []string { return e.creds.ProfilesUsing(key, id) }
	}
	same, fresh := "", 0
	for _, t := range a.tokens {
		if first, ok := e.seenToken[key+"\x00"+t.ID]; ok {
			same = first
			continue
		}
		e.seenToken[key+"\x00"+t.ID] = a.ws.Profile
		fresh++
	}
	if same != "" {
		opts.IO.Notef("profile %s reaches the same workspace and tokens as profile %s; its findings are shown once, under %s.", a.ws.Profile, same, same)
	}
	for _, f := range tokens.Audit(target, opts.Policy, e.now) {
		switch {
		case f.Token != nil && e.seenToken[key+"\x00"+f.Token.ID] != a.ws.Profile:
			continue
		case f.Rule.ID == tokens.RuleQuotaNear && !opts.AllUsers && same != "":
			// The same user's quota, counted under the first profile.
			continue
		case e.seenFinding[f.Fingerprint()]:
			continue
		}
		e.seenFinding[f.Fingerprint()] = true
		res.add(f)
	}
	ws := workspaceJSON{Profile: a.ws.Profile, Host: a.ws.Host, AllUsers: opts.AllUsers, Tokens: fresh, LastUseChecked: opts.AllUsers, SettingsChecked: a.settings != nil}
	if a.settings != nil {
		ws.Settings = &settingsJSON{TokensEnabled: a.settings.Enabled}
		if d := a.settings.MaxLifetimeDays; d > 0 {
			ws.Settings.MaxTokenLifetimeDays = &d
		}
	}
	if a.settingsErr != nil {
		msg := fmt.Sprintf("cannot read the token settings of %s (%v): the workspace settings rules were not checked there", a.ws.Place, a.settingsErr)
		ws.SettingsError = &msg
		res.notices = append(res.notices, notice{level: "warning", text: msg})
		opts.IO.Notef("%s.", msg)
	}
	res.workspaces = append(res.workspaces, ws)
	res.tokens += fresh
}

// lastUseRulesOn reports whether any rule that needs last use is on.
func lastUseRulesOn(p tokens.AuditPolicy) bool {
	for _, r := range tokens.AuditRules {
		if r.LastUse && p.Severity(r.ID) != tokens.SeverityOff {
			return true
		}
	}
	return false
}

// fetch lists a workspace's tokens and reads its token settings.
func fetch(ctx context.Context, opts *Options, profile string) (audited, error) {
	ws, err := opts.Workspace(profile)
	if err != nil {
		return audited{}, err
	}
	scope := tokens.Scope{AllUsers: opts.AllUsers}
	listed, err := scope.List(ctx, ws.Tokens)
	if err != nil {
		return audited{}, ws.FailList(scope, err)
	}
	if opts.AllUsers {
		// Who owns an on-behalf-of token is in the directory: one lookup,
		// which --owner needs to succeed.
		if err := opts.NameOwners(ctx, ws, tokens.Tokens(listed), opts.Owner.NeedsOwners()); err != nil {
			return audited{}, err
		}
		if opts.Owner.NeedsOwners() {
			listed = opts.Owner.Apply(listed, opts.Now())
		}
	}
	a := audited{ws: ws, tokens: listed}
	if opts.AllUsers {
		// Whose tokens are the caller's own decides which advice commands
		// the caller can run (one request; unknown if it fails).
		a.me, _ = ws.Tokens.WhoAmI(ctx)
	}
	if ws.Settings == nil {
		return a, nil
	}
	s, err := ws.Settings.Settings(ctx)
	switch kind := failure.KindOf(err); {
	case err == nil:
		a.settings = &s
	case kind == failure.KindPermission:
		// A token scoped without "settings" may list tokens but not read
		// workspace-conf: the other rules still hold.
		a.settingsErr = err
	default:
		return audited{}, ws.Fail("read the workspace's token settings", err)
	}
	return a, nil
}
