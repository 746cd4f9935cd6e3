// Package tokenflags declares the flags the token commands share (filters,
// --lifetime, --out, profile selection, consent) once, and turns what the
// user typed into domain values or a usage error before anything is sent.
package tokenflags

import (
	"fmt"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/lifetime"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Duration parses a duration flag, with the flag's name in messages.
func Duration(name, value string) (time.Duration, error) {
	if lifetime.LooksLikeDate(value) {
		return 0, failure.Usagef("--%s %s is a date, but --%s takes a duration such as 30d or 2w", name, value, name)
	}
	secs, err := lifetime.Parse(value)
	if err != nil {
		return 0, failure.Usagef("--%s: %s", name, strings.TrimPrefix(err.Error(), "lifetime "))
	}
	return time.Duration(secs) * time.Second, nil
}

// CommonDurations are what completion offers for duration flags.
var CommonDurations = []string{"1d", "7d", "14d", "30d", "60d", "90d", "180d", "365d"}

// Filter is the filter flags of list, revoke and rotate.
type Filter struct {
	expiringWithin string
	expired        bool
	comment        string
	commentExact   string
	createdBefore  string
	noExpiry       bool
	unusedFor      string
	neverUsed      bool
	owner          string
}

// Register declares the filter flags on cmd.
func (f *Filter) Register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.expiringWithin, "expiring-within", "", "only tokens that expire within `DURATION` (e.g. 14d), expired ones included")
	fs.BoolVar(&f.expired, "expired", false, "only tokens past their expiry time")
	fs.StringVar(&f.comment, "comment", "", "only tokens whose comment matches `GLOB` (* ? [...]; * also matches newlines)")
	fs.StringVar(&f.commentExact, "comment-exact", "", "only tokens whose comment is exactly `TEXT` (\"\" for tokens without a comment)")
	fs.StringVar(&f.createdBefore, "created-before", "", "only tokens created more than `DURATION` ago (e.g. 90d), or before a date (2026-01-01)")
	fs.BoolVar(&f.noExpiry, "no-expiry", false, "only tokens that never expire")
	fs.StringVar(&f.unusedFor, "unused-for", "", "with --all-users, only tokens not used for more than `DURATION` (e.g. 60d)")
	fs.BoolVar(&f.neverUsed, "never-used", false, "with --all-users, only tokens that never signed in")
	fs.StringVar(&f.owner, "owner", "", "with --all-users, only tokens owned by `NAME`: a user name, or a service principal's application ID or display name")
	for _, name := range []string{"expiring-within", "created-before", "unused-for"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(CommonDurations, cobra.ShellCompDirectiveNoFileComp))
	}
}

// Parse turns the flags into a filter. A flag given with an empty value
// is a usage error, never "no filter": `--comment "$UNSET"` must not
// widen a revocation to every token. (--comment-exact "" is the one
// exception: it means tokens without a comment.)
func (f *Filter) Parse(cmd *cobra.Command, now time.Time) (tokens.Filter, error) {
	var out tokens.Filter
	changed := cmd.Flags().Changed
	for _, name := range []string{"expiring-within", "comment", "created-before", "unused-for", "owner"} {
		if changed(name) && strings.TrimSpace(cmd.Flags().Lookup(name).Value.String()) == "" {
			return out, failure.Usagef("--%s is empty: give a value, or leave the flag out (an unset variable in a script would otherwise select every token)", name)
		}
	}
	if changed("comment") && changed("comment-exact") {
		return out, failure.Usagef("use either --comment (a glob) or --comment-exact, not both")
	}
	if changed("expiring-within") {
		d, err := Duration("expiring-within", f.expiringWithin)
		if err != nil {
			return out, err
		}
		if err := out.SetExpiringWithin(d); err != nil {
			return out, failure.Usagef("--expiring-within %s", err)
		}
	}
	if f.expired {
		if err := out.SetExpired(); err != nil {
			return out, &failure.UsageError{Err: err}
		}
	}
	if f.noExpiry {
		if err := out.SetNoExpiry(); err != nil {
			return out, &failure.UsageError{Err: err}
		}
	}
	if changed("created-before") {
		if day, err := lifetime.ParseDate(f.createdBefore); err == nil {
			if err := out.SetCreatedBefore(now.Sub(day)); err != nil {
				return out, failure.Usagef("--created-before %s is in the future: give a past date, or a duration such as 90d", f.createdBefore)
			}
		} else if lifetime.DateShaped(f.createdBefore) {
			// 2026-13-01 is a date that does not exist, not a duration with
			// an odd unit.
			return out, failure.Usagef("--created-before %q is not a valid date: give one such as 2026-01-01 (year-month-day), or a duration such as 90d", f.createdBefore)
		} else {
			secs, err := lifetime.Parse(f.createdBefore)
			if err != nil {
				return out, failure.Usagef("--created-before: %s; or give a date such as 2026-01-01", strings.TrimPrefix(err.Error(), "lifetime "))
			}
			if err := out.SetCreatedBefore(time.Duration(secs) * time.Second); err != nil {
				return out, failure.Usagef("--created-before %s", err)
			}
		}
	}
	if changed("comment") {
		if err := out.SetComment(f.comment); err != nil {
			return out, failure.Usagef("--comment %s", err)
		}
	}
	if changed("comment-exact") {
		out.SetCommentExact(f.commentExact)
	}
	if changed("unused-for") {
		d, err := Duration("unused-for", f.unusedFor)
		if err != nil {
			return out, err
		}
		if err := out.SetUnusedFor(d); err != nil {
			return out, failure.Usagef("--unused-for %s", err)
		}
	}
	if f.neverUsed {
		out.SetNeverUsed()
	}
	if changed("owner") {
		if err := out.SetOwner(f.owner); err != nil {
			return out, failure.Usagef("--owner %s", err)
		}
	}
	return out, nil
}

// NeedAllUsers refuses filters that only the Token Management API, which
// --all-users selects, can answer: last use and owners are not in a
// user's own token list.
func NeedAllUsers(f *tokens.Filter, allUsers bool) error {
	switch {
	case allUsers:
		return nil
	case f.NeedsLastUse():
		return failure.Usagef("--unused-for and --never-used need --all-users: only the Token Management API (workspace admins) says when tokens were last used")
	case f.NeedsOwners():
		return failure.Usagef("--owner needs --all-users: your own tokens are all yours, and only the Token Management API (workspace admins) says who owns the others")
	}
	return nil
}

// Lifetime is --lifetime, with the Databricks CLI's --lifetime-seconds as
// a hidden alias for people who type it out of habit.
type Lifetime struct {
	text    string
	seconds int64
}

// Register declares --lifetime on cmd.
func (l *Lifetime) Register(cmd *cobra.Command, usage string) {
	cmd.Flags().StringVar(&l.text, "lifetime", "", usage)
	cmd.Flags().Int64Var(&l.seconds, "lifetime-seconds", 0, "the lifetime in `SECONDS`, as the Databricks CLI spells it")
	_ = cmd.Flags().MarkHidden("lifetime-seconds")
	_ = cmd.RegisterFlagCompletionFunc("lifetime", cobra.FixedCompletions([]string{"1d", "7d", "30d", "90d", "100d", "180d", "365d"}, cobra.ShellCompDirectiveNoFileComp))
}

// Parse returns the lifetime in seconds, 0 when not given.
func (l *Lifetime) Parse(cmd *cobra.Command) (int64, error) {
	changed := cmd.Flags().Changed
	switch {
	case changed("lifetime") && changed("lifetime-seconds"):
		return 0, failure.Usagef("use either --lifetime or --lifetime-seconds, not both")
	case changed("lifetime-seconds"):
		if l.seconds <= 0 {
			return 0, failure.Usagef("--lifetime-seconds must be a positive number of seconds")
		}
		return l.seconds, nil
	case changed("lifetime"):
		secs, err := lifetime.Parse(l.text)
		if err != nil {
			return 0, &failure.UsageError{Err: err}
		}
		return secs, nil
	}
	return 0, nil
}

// Delivery is where a new token goes: --out FILE (and --force),
// --pipe-to COMMAND, --to-secret SCOPE/KEY (and --secret-profile).
type Delivery struct {
	path          string
	force         bool
	pipes         []string
	secrets       []string
	secretProfile string
}

// Register declares the delivery flags on cmd; what names the token in
// help ("the token value", "the new token").
func (d *Delivery) Register(cmd *cobra.Command, what string, profiles cobra.CompletionFunc) {
	fs := cmd.Flags()
	fs.StringVar(&d.path, "out", "", "write "+what+" to `FILE` (mode 0600) instead of stdout; - is stdout")
	fs.BoolVar(&d.force, "force", false, "with --out, replace FILE if it exists")
	fs.StringArrayVar(&d.pipes, "pipe-to", nil, "run `COMMAND` with sh and "+what+" on its standard input only, e.g. 'gh secret set DATABRICKS_TOKEN' (repeatable)")
	fs.StringArrayVar(&d.secrets, "to-secret", nil, "put "+what+" into the Databricks secret `SCOPE/KEY` (repeatable)")
	fs.StringVar(&d.secretProfile, "secret-profile", "", "the `PROFILE` of the workspace holding the --to-secret scope (default: the token's own)")
	_ = cmd.RegisterFlagCompletionFunc("pipe-to", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("to-secret", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("secret-profile", profiles)
}

// Parse returns the destinations the user named.
func (d *Delivery) Parse(cmd *cobra.Command) (delivery.Request, error) {
	var r delivery.Request
	changed := cmd.Flags().Changed
	explicitStdout := false
	if changed("out") {
		switch strings.TrimSpace(d.path) {
		case "":
			// An unset variable in `--out "$FILE"` must not send the
			// token to stdout, into a CI log.
			return r, failure.Usagef("--out needs a file name (or - for stdout)")
		case "-":
			explicitStdout = true
		default:
			r.File = databrickscfg.ExpandHome(d.path)
		}
	}
	if d.force && r.File == "" {
		return r, failure.Usagef("--force only applies with --out FILE")
	}
	r.Force = d.force
	for _, c := range d.pipes {
		if strings.TrimSpace(c) == "" {
			return r, failure.Usagef("--pipe-to needs a command, e.g. --pipe-to 'gh secret set DATABRICKS_TOKEN'")
		}
		r.Pipes = append(r.Pipes, c)
	}
	for _, s := range d.secrets {
		ref, err := delivery.ParseSecretRef(s)
		if err != nil {
			return r, err
		}
		r.Secrets = append(r.Secrets, ref)
	}
	if changed("secret-profile") {
		if len(r.Secrets) == 0 {
			return r, failure.Usagef("--secret-profile only applies with --to-secret")
		}
		if strings.TrimSpace(d.secretProfile) == "" {
			return r, failure.Usagef("--secret-profile needs a profile name")
		}
		r.SecretProfile = d.secretProfile
	}
	r.Stdout = explicitStdout
	return r, nil
}

// Profiles is --all-profiles, --profiles and --parallel.
type Profiles struct {
	All      bool
	Patterns []string
	// Parallel is fanout.Adaptive unless --parallel caps it.
	Parallel int
	parallel *pflag.Flag
}

// ParallelUsage is --parallel's help: without it, concurrency adapts.
const ParallelUsage = "at most `N` requests at once (default: as many as open files allow, each host paced by its own rate limit)"

// RegisterParallel declares --parallel on fs and returns the flag, for
// CheckParallel.
func RegisterParallel(fs *pflag.FlagSet, p *int, usage string) *pflag.Flag {
	fs.IntVar(p, "parallel", fanout.Adaptive, usage)
	return fs.Lookup("parallel")
}

// CheckParallel refuses a --parallel given below 1.
func CheckParallel(f *pflag.Flag, n int) error {
	if f != nil && f.Changed && n < 1 {
		return failure.Usagef("--parallel must be at least 1")
	}
	return nil
}

// Register declares the profile selection flags on cmd.
func (p *Profiles) Register(cmd *cobra.Command, complete func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) {
	fs := cmd.Flags()
	fs.BoolVar(&p.All, "all-profiles", false, "work on every profile in the config file, concurrently")
	fs.StringSliceVar(&p.Patterns, "profiles", nil, "work on these `PROFILES` (comma-separated; globs such as prod-* allowed)")
	p.parallel = RegisterParallel(fs, &p.Parallel, ParallelUsage)
	if complete != nil {
		_ = cmd.RegisterFlagCompletionFunc("profiles", completeList(complete))
	}
}

// completeList completes the next item of a comma-separated list.
func completeList(complete func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		cands, dir := complete(cmd, args, last)
		already := map[string]bool{}
		for _, d := range strings.Split(done, ",") {
			already[d] = true
		}
		var out []string
		for _, c := range cands {
			name, _, _ := strings.Cut(c, "\t")
			if !already[name] {
				out = append(out, done+c)
			}
		}
		return out, dir | cobra.ShellCompDirectiveNoSpace
	}
}

// Active reports whether several workspaces were asked for.
func (p *Profiles) Active() bool { return p.All || len(p.Patterns) > 0 }

// Validate rejects combinations that cannot be meant.
func (p *Profiles) Validate(globalProfile string) error {
	switch {
	case p.All && len(p.Patterns) > 0:
		return failure.Usagef("use either --all-profiles or --profiles, not both")
	case p.Active() && globalProfile != "":
		return failure.Usagef("--profile names one workspace; with --all-profiles or --profiles leave it out")
	}
	if err := CheckParallel(p.parallel, p.Parallel); err != nil {
		return err
	}
	for _, pat := range p.Patterns {
		if strings.TrimSpace(pat) == "" {
			return failure.Usagef("--profiles has an empty name")
		}
	}
	return nil
}

// Consent is --yes, --dry-run and --include-own, which every destructive
// command takes.
type Consent struct {
	Yes        bool
	DryRun     bool
	IncludeOwn bool
}

// Register declares the consent flags on cmd; verb is "revoke" or "replace".
func (c *Consent) Register(cmd *cobra.Command, verb string) {
	cmd.Flags().BoolVarP(&c.Yes, "yes", "y", false, fmt.Sprintf("%s without asking (needed without a terminal when the plan has more than one token, or a token a profile signs in with)", verb))
	cmd.Flags().BoolVar(&c.DryRun, "dry-run", false, "show the plan, change nothing")
	cmd.Flags().BoolVar(&c.IncludeOwn, "include-own", false, fmt.Sprintf("also %s tokens that profiles sign in with (last; those profiles stop working)", verb))
}

// Tokens is the engine's view of the consent flags.
func (c Consent) Tokens() tokens.Consent {
	return tokens.Consent{Yes: c.Yes, IncludeOwn: c.IncludeOwn}
}

// ValidateIDs checks token IDs given as arguments.
func ValidateIDs(ids []string) error {
	for _, id := range ids {
		if err := tokens.ValidateID(id); err != nil {
			return &failure.UsageError{Err: err}
		}
	}
	return nil
}

// Scopes is --scope (repeatable, or comma-separated) and --autoscope.
type Scopes struct {
	names     []string
	autoscope bool
}

// Register declares --scope and --autoscope on cmd.
func (s *Scopes) Register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&s.names, "scope", nil, "limit the token to API `SCOPE`s (repeatable, or comma-separated; e.g. sql,jobs); a token with authentication can create tokens")
	cmd.Flags().BoolVar(&s.autoscope, "autoscope", false, "let the workspace observe what the token calls and infer its scopes (narrow it later with dbtok update --narrow-to-inferred)")
	_ = cmd.RegisterFlagCompletionFunc("scope", completeList(cobra.FixedCompletions(tokens.ScopeNames, cobra.ShellCompDirectiveNoFileComp)))
}

// Parse returns the scopes, trimmed and without repeats, and autoscope.
// An empty name (`--scope ""`) is refused: it would quietly mean "every
// API".
func (s *Scopes) Parse(cmd *cobra.Command) ([]string, bool, error) {
	var out []string
	seen := map[string]bool{}
	for _, n := range s.names {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, false, failure.Usagef("--scope has an empty name: give scope names such as sql or jobs, or leave the flag out for a token that may call every API")
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if cmd.Flags().Changed("scope") && len(out) == 0 {
		return nil, false, failure.Usagef("--scope is empty: give scope names such as sql or jobs")
	}
	return out, s.autoscope, nil
}
