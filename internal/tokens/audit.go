package tokens

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/glob"
)

// The audit: a policy (thresholds, severities, exemptions) checked against
// the tokens and token settings of a workspace. Everything here is pure:
// given a listing, the settings, a policy and the time, Audit returns the
// findings, so every rule is testable without a workspace.

// Severity is how much a finding matters. The order is the point:
// --fail-on fails at or above a severity.
type Severity int

const (
	// SeverityOff is a rule the policy switched off (and, for --fail-on,
	// "none": nothing fails).
	SeverityOff Severity = iota
	SeverityNote
	SeverityWarning
	SeverityError
)

var severityNames = map[Severity]string{SeverityOff: "off", SeverityNote: "note", SeverityWarning: "warning", SeverityError: "error"}

// String is the severity's name in JSON, SARIF and messages.
func (s Severity) String() string { return severityNames[s] }

// MarshalText makes severities strings in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads "error", "warning", "note" or "off".
func ParseSeverity(name string) (Severity, error) {
	for s, n := range severityNames {
		if strings.EqualFold(name, n) {
			return s, nil
		}
	}
	return SeverityOff, fmt.Errorf("unknown severity %q: use error, warning, note or off", name)
}

// TokenQuota is how many tokens one principal may hold in a workspace,
// expired ones included (the Databricks documentation: 600).
const TokenQuota = 600

// NeverUsedGrace is how old a token must be before never having been used
// is worth a finding: last use is known to the day, so a token created
// this morning and used this afternoon may still read as never used.
const NeverUsedGrace = 24 * time.Hour

// Rule IDs are part of dbtok's interface: JSON, SARIF and policy files
// name them, and CI systems track findings by them across runs.
const (
	RuleNoExpiry              = "no-expiry"
	RuleLifetimeOverMax       = "lifetime-over-max"
	RuleExpiringSoon          = "expiring-soon"
	RuleExpired               = "expired"
	RuleUnused                = "unused"
	RuleNeverUsed             = "never-used"
	RuleUnusedRevocation      = "unused-revocation"
	RuleQuotaNear             = "quota-near"
	RuleWorkspaceNoMax        = "workspace-no-max-lifetime"
	RuleWorkspaceMaxOverLimit = "workspace-max-over-policy"
)

// AuditRule describes one rule: what it finds, why it matters and what to
// do, for SARIF's rule metadata, help and the README.
type AuditRule struct {
	ID string
	// Name is the rule's name in PascalCase, as SARIF viewers show it.
	Name string
	// Short is one line; Full says when the rule fires; Help what to do.
	Short, Full, Help string
	Default           Severity
	// LastUse rules need the admin listing (--all-users), the only one
	// that says when a token was last used.
	LastUse bool
	// Workspace rules are about the workspace, not one token.
	Workspace bool
}

// AuditRules is every rule, in the order findings of equal severity are
// shown.
var AuditRules = []AuditRule{
	{
		ID: RuleNoExpiry, Name: "TokenWithoutExpiry", Default: SeverityError,
		Short: "Token never expires",
		Full:  "The token has no expiry time: if it leaks, it works until someone revokes it.",
		Help:  "Replace it with a token whose lifetime is within the policy's maximum (dbtok rotate --token-id ID --lifetime 90d), then make sure the workspace sets a maximum lifetime.",
	},
	{
		ID: RuleLifetimeOverMax, Name: "TokenLifetimeOverPolicy", Default: SeverityError,
		Short: "Token lifetime exceeds the policy's maximum",
		Full:  "The token's lifetime (from creation to expiry) is longer than the policy's maximum lifetime (--max-lifetime).",
		Help:  "Replace it with a shorter-lived token (dbtok rotate --token-id ID --lifetime 90d).",
	},
	{
		ID: RuleExpiringSoon, Name: "TokenExpiringSoon", Default: SeverityWarning,
		Short: "Token expires soon",
		Full:  "The token expires within the policy's warning window (--warn-within); whatever uses it stops working then.",
		Help:  "Rotate it before it expires (dbtok rotate --token-id ID), delivering the new value where the old one is used.",
	},
	{
		ID: RuleExpired, Name: "ExpiredTokenHeld", Default: SeverityNote,
		Short: "Expired token still held",
		Full:  "The token has expired and no longer signs in, but the workspace keeps it until it is deleted, and it counts towards its owner's 600-token quota.",
		Help:  "A workspace admin deletes it: dbtok revoke --all-users ID.",
	},
	{
		ID: RuleUnused, Name: "TokenUnused", Default: SeverityWarning, LastUse: true,
		Short: "Token not used for a long time",
		Full:  "The token has not been used for longer than the policy allows (--unused-for). A token nobody uses is exposure without benefit.",
		Help:  "Revoke it if nothing needs it any more (dbtok revoke --all-users ID).",
	},
	{
		ID: RuleNeverUsed, Name: "TokenNeverUsed", Default: SeverityWarning, LastUse: true,
		Short: "Token never used",
		Full:  "The token has never signed in since it was created (more than a day ago).",
		Help:  "Revoke it if it is not needed (dbtok revoke --all-users ID); the workspace revokes it anyway 90 days after its creation.",
	},
	{
		ID: RuleUnusedRevocation, Name: "TokenUnusedRevocationSoon", Default: SeverityWarning, LastUse: true,
		Short: "Token will be revoked for lack of use",
		Full:  "Databricks revokes a token unused for 90 days, whatever its expiry. This token reaches that point within the policy's warning window (--warn-within), before it would expire.",
		Help:  "Use it before then (any API call resets the clock), or replace it (dbtok rotate --token-id ID); whatever depends on it breaks when it is revoked.",
	},
	{
		ID: RuleQuotaNear, Name: "TokenQuotaNearlyReached", Default: SeverityWarning, Workspace: true,
		Short: "Principal near the 600-token quota",
		Full:  "A principal holds at least the policy's quota warning (--quota-warning) of the 600 tokens a principal may hold in a workspace, expired ones included; at 600, creating and rotating tokens fails.",
		Help:  "Revoke the tokens no longer needed (dbtok list --all-users --created-by USER --sort created); expired ones count until an admin deletes them.",
	},
	{
		ID: RuleWorkspaceNoMax, Name: "WorkspaceWithoutMaxTokenLifetime", Default: SeverityError, Workspace: true,
		Short: "Workspace sets no maximum token lifetime",
		Full:  "The workspace setting maxTokenLifetimeDays is not set, so users may create tokens that live for years (or, on older workspaces, forever).",
		Help:  "A workspace admin sets a maximum, e.g. dbtok settings set max-lifetime 90d.",
	},
	{
		ID: RuleWorkspaceMaxOverLimit, Name: "WorkspaceMaxTokenLifetimeOverPolicy", Default: SeverityWarning, Workspace: true,
		Short: "Workspace maximum token lifetime exceeds the policy's",
		Full:  "The workspace's maxTokenLifetimeDays allows new tokens to live longer than the policy's maximum lifetime (--max-lifetime).",
		Help:  "A workspace admin lowers it to the policy's maximum, e.g. dbtok settings set max-lifetime 90d.",
	},
}

// LookupAuditRule finds a rule by ID.
func LookupAuditRule(id string) (AuditRule, bool) {
	for _, r := range AuditRules {
		if r.ID == id {
			return r, true
		}
	}
	return AuditRule{}, false
}

// AuditRuleIDs lists the rule IDs, for messages and completion.
func AuditRuleIDs() []string {
	ids := make([]string, len(AuditRules))
	for i, r := range AuditRules {
		ids[i] = r.ID
	}
	return ids
}

// AuditPolicy is what the audit checks against.
type AuditPolicy struct {
	// MaxLifetime is the longest lifetime a token may have.
	MaxLifetime time.Duration
	// UnusedFor is how long a token may go without use.
	UnusedFor time.Duration
	// WarnWithin is how far ahead expiry and the unused-token revocation
	// are warned about.
	WarnWithin time.Duration
	// QuotaWarning is the number of held tokens at which a principal is
	// warned about the quota.
	QuotaWarning int
	// Severities overrides rules' default severities; SeverityOff turns a
	// rule off.
	Severities map[string]Severity
	// Exemptions exempt tokens (or workspaces) from rules.
	Exemptions []Exemption
}

// Defaults of the policy's thresholds.
const (
	DefaultMaxLifetime  = 90 * 24 * time.Hour
	DefaultUnusedFor    = 30 * 24 * time.Hour
	DefaultWarnWithin   = 14 * 24 * time.Hour
	DefaultQuotaWarning = 540 // 90% of TokenQuota
)

// DefaultAuditPolicy is the policy without a policy file or flags.
func DefaultAuditPolicy() AuditPolicy {
	return AuditPolicy{
		MaxLifetime:  DefaultMaxLifetime,
		UnusedFor:    DefaultUnusedFor,
		WarnWithin:   DefaultWarnWithin,
		QuotaWarning: DefaultQuotaWarning,
	}
}

// Severity is the severity the policy gives rule.
func (p AuditPolicy) Severity(rule string) Severity {
	if s, ok := p.Severities[rule]; ok {
		return s
	}
	r, _ := LookupAuditRule(rule)
	return r.Default
}

// Validate rejects thresholds that would make rules meaningless.
func (p AuditPolicy) Validate() error {
	switch {
	case p.MaxLifetime <= 0:
		return fmt.Errorf("the maximum lifetime must be longer than zero")
	case p.UnusedFor <= 0:
		return fmt.Errorf("the unused-for period must be longer than zero")
	case p.WarnWithin <= 0:
		return fmt.Errorf("the warning window must be longer than zero")
	case p.QuotaWarning < 1 || p.QuotaWarning > TokenQuota:
		return fmt.Errorf("the quota warning must be from 1 to %d, not %d", TokenQuota, p.QuotaWarning)
	}
	for id := range p.Severities {
		if _, ok := LookupAuditRule(id); !ok {
			return unknownRule(id)
		}
	}
	for i := range p.Exemptions {
		if err := p.Exemptions[i].Validate(); err != nil {
			return fmt.Errorf("exemption %d: %w", i+1, err)
		}
	}
	return nil
}

func unknownRule(id string) error {
	return fmt.Errorf("unknown rule %q (rules: %s)", id, strings.Join(AuditRuleIDs(), ", "))
}

// Exemption exempts what it selects from some rules (all when Rules is
// empty), for a stated reason. Every selector given must match: a token ID
// (or a prefix of at least MinPrefixLen characters), a comment glob, a
// profile glob, a host glob.
type Exemption struct {
	TokenID string
	Comment string
	Profile string
	Host    string
	Rules   []string
	Reason  string
	// Expires, if set, is when the exemption stops applying.
	Expires time.Time

	comment, profile, host *glob.Pattern
}

// Validate checks the exemption and compiles its patterns. An exemption
// that selects nothing in particular, has no reason or names an unknown
// rule is refused: each of those would quietly weaken the policy.
func (e *Exemption) Validate() error {
	if e.TokenID == "" && e.Comment == "" && e.Profile == "" && e.Host == "" {
		return fmt.Errorf("names no token-id, comment, profile or host: it would exempt everything")
	}
	if strings.TrimSpace(e.Reason) == "" {
		return fmt.Errorf("has no reason: say why it is exempt")
	}
	if e.TokenID != "" {
		if err := ValidateID(e.TokenID); err != nil {
			return err
		}
	}
	for _, r := range e.Rules {
		if _, ok := LookupAuditRule(r); !ok {
			return unknownRule(r)
		}
	}
	var err error
	for _, p := range []struct {
		text string
		dst  **glob.Pattern
		name string
	}{{e.Comment, &e.comment, "comment"}, {e.Profile, &e.profile, "profile"}, {e.Host, &e.host, "host"}} {
		if p.text == "" {
			continue
		}
		if *p.dst, err = glob.Compile(p.text); err != nil {
			return fmt.Errorf("%s %q is not a valid pattern: %v", p.name, p.text, err)
		}
	}
	return nil
}

// Describe names what the exemption selects, for messages.
func (e *Exemption) Describe() string {
	var parts []string
	for _, p := range [][2]string{{"token-id", e.TokenID}, {"comment", e.Comment}, {"profile", e.Profile}, {"host", e.Host}} {
		if p[1] != "" {
			parts = append(parts, fmt.Sprintf("%s %q", p[0], p[1]))
		}
	}
	return strings.Join(parts, ", ")
}

// Lapsed reports whether the exemption has expired at now.
func (e *Exemption) Lapsed(now time.Time) bool {
	return !e.Expires.IsZero() && !now.Before(e.Expires)
}

// Applies reports whether the exemption covers f at now.
func (e *Exemption) Applies(f Finding, now time.Time) bool {
	if e.Lapsed(now) {
		return false
	}
	if len(e.Rules) > 0 && !slices.Contains(e.Rules, f.Rule.ID) {
		return false
	}
	if e.TokenID != "" {
		if f.Token == nil || !(f.Token.ID == e.TokenID || !IsFullID(e.TokenID) && strings.HasPrefix(f.Token.ID, e.TokenID)) {
			return false
		}
	}
	if e.Comment != "" && (f.Token == nil || !e.match(&e.comment, e.Comment, f.Token.Comment)) {
		return false
	}
	if e.Profile != "" && !e.match(&e.profile, e.Profile, f.Place.Profile) {
		return false
	}
	if e.Host != "" {
		key := HostKey(f.Place.Host)
		bare := key[strings.Index(key, "://")+3:]
		if !e.match(&e.host, e.Host, key) && !e.match(&e.host, e.Host, bare) {
			return false
		}
	}
	return true
}

// match matches s against the pattern, compiled on first use for
// exemptions built without Validate; a bad pattern matches nothing.
func (e *Exemption) match(p **glob.Pattern, text, s string) bool {
	if *p == nil {
		c, err := glob.Compile(text)
		if err != nil {
			return false
		}
		*p = c
	}
	return (*p).Match(s)
}

// Finding is one thing the audit found.
type Finding struct {
	Rule     AuditRule
	Severity Severity
	Place    Place
	// Token is nil for findings about the workspace or a principal.
	Token *Token
	// Owner is the token's creator, or the principal a quota finding is
	// about, when known.
	Owner string
	// Message says what is wrong; Advice what to do; Command is a dbtok
	// command that does it, where there is one.
	Message, Advice, Command string
	// Exemption is the policy's exemption that covers the finding, if any.
	Exemption *Exemption

	// subject names what a finding without a token or owner is about,
	// for its fingerprint (the profile's user, in a quota finding).
	subject string
}

// Fingerprint identifies the finding across runs (SARIF consumers match
// alerts by it): the workspace, the rule, and the token or principal. It
// does not change when the message does.
func (f Finding) Fingerprint() string {
	subject := f.Owner
	if f.subject != "" {
		subject = f.subject
	}
	if f.Token != nil {
		subject = f.Token.ID
	}
	sum := sha256.Sum256([]byte(f.Place.Key() + "\x00" + f.Rule.ID + "\x00" + subject))
	return hex.EncodeToString(sum[:])
}

// Fails reports whether the finding fails an audit run with --fail-on at:
// it is not exempt and at least that severe. SeverityOff never fails.
func (f Finding) Fails(at Severity) bool {
	return at != SeverityOff && f.Exemption == nil && f.Severity >= at
}
