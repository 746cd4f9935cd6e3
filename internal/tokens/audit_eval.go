package tokens

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AuditTarget is one workspace as the audit sees it.
type AuditTarget struct {
	Place  Place
	Tokens []Token
	// AllUsers says the listing is every user's (the Token Management
	// API), the only one that carries last use: without it the rules that
	// need last use are not checked.
	AllUsers bool
	// Settings are the workspace's token settings; nil when they were not
	// read (the settings rules are then not checked).
	Settings *Settings
	// SignsIn names the profiles that sign in with a token, so that the
	// advice for such a token keeps them working; nil when unknown.
	SignsIn func(tokenID string) []string
	// Me is the user name the listing signed in as, with AllUsers: the
	// advice for the caller's own tokens is a command the caller runs,
	// and for others' tokens one an admin can run. Empty when unknown.
	Me string
}

// Audit checks one workspace against the policy at now. Every finding is
// returned, exempt ones with the exemption that covers them; rules the
// policy switched off are not checked.
func Audit(t AuditTarget, p AuditPolicy, now time.Time) []Finding {
	a := auditor{AuditTarget: t, policy: p, now: now}
	for i := range t.Tokens {
		a.token(&t.Tokens[i])
	}
	a.quota()
	a.settings()
	for i := range a.found {
		for j := range p.Exemptions {
			if p.Exemptions[j].Applies(a.found[i], now) {
				a.found[i].Exemption = &p.Exemptions[j]
				break
			}
		}
	}
	return a.found
}

// SortFindings orders findings for people: most severe first, then by
// rule (in AuditRules order), then by the token's creation.
func SortFindings(fs []Finding) {
	order := map[string]int{}
	for i, r := range AuditRules {
		order[r.ID] = i
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(order[a.Rule.ID], order[b.Rule.ID]); c != 0 {
			return c
		}
		var ca, cb int64
		if a.Token != nil {
			ca = a.Token.CreationTime
		}
		if b.Token != nil {
			cb = b.Token.CreationTime
		}
		return cmp.Compare(ca, cb)
	})
}

type auditor struct {
	AuditTarget
	policy AuditPolicy
	now    time.Time
	found  []Finding
}

// add records a finding of rule unless the policy switched the rule off.
func (a *auditor) add(rule string, t *Token, owner, msg, advice, command string) {
	sev := a.policy.Severity(rule)
	if sev == SeverityOff {
		return
	}
	r, _ := LookupAuditRule(rule)
	a.found = append(a.found, Finding{Rule: r, Severity: sev, Place: a.Place, Token: t, Owner: owner, Message: msg, Advice: advice, Command: command})
}

func (a *auditor) token(t *Token) {
	owner := ""
	if t.Owner != nil {
		// Who owns it: a service principal's token is created by an admin
		// on its behalf, and the service principal is whom it concerns.
		owner = t.OwnerText()
	}
	if t.ExpiredAt(a.now) {
		// An expired token no longer signs in: its lifetime and use no
		// longer matter, only that it is still held.
		exp, _ := t.Expires()
		a.add(RuleExpired, t, owner,
			fmt.Sprintf("expired %s (%s), still held", ago(a.now, exp), day(exp)),
			"It no longer signs in, but counts towards its owner's 600-token quota until a workspace admin deletes it.",
			"dbtok revoke --all-users "+t.ID+a.Place.ProfileFlag())
		return
	}
	exp, expires := t.Expires()
	if !expires {
		advice, command := a.replace(t, owner, "a token that expires")
		a.add(RuleNoExpiry, t, owner, "never expires", advice, command)
	} else {
		if life := time.Duration(t.Lifetime()) * time.Second; t.CreationTime > 0 && life > a.policy.MaxLifetime {
			advice, command := a.replace(t, owner, "a shorter-lived token")
			a.add(RuleLifetimeOverMax, t, owner,
				fmt.Sprintf("lifetime %s, over the policy's %s", about(life), about(a.policy.MaxLifetime)), advice, command)
		}
		if exp.Sub(a.now) <= a.policy.WarnWithin {
			advice, command := a.rotate(t, owner, "Rotate it before it expires")
			a.add(RuleExpiringSoon, t, owner, fmt.Sprintf("expires %s (%s)", in(a.now, exp), day(exp)), advice, command)
		}
	}
	if !a.AllUsers || t.Owner == nil {
		return
	}
	used, _ := t.LastUsed()
	if used.IsZero() {
		if age := a.now.Sub(t.Created()); t.CreationTime > 0 && age > NeverUsedGrace {
			advice, command := a.revoke(t, "Revoke it if it is not needed")
			a.add(RuleNeverUsed, t, owner, fmt.Sprintf("never used; created %s", ago(a.now, t.Created())), advice, command)
		}
	} else if idle := a.now.Sub(used.Add(24 * time.Hour)); idle > a.policy.UnusedFor {
		// Last use is known to the day: count from the day's end, so that
		// a token used late that day is not called idle too early.
		advice, command := a.revoke(t, "Revoke it if nothing needs it any more")
		a.add(RuleUnused, t, owner,
			fmt.Sprintf("last used %s (%s), over the policy's %s", daysAgo(a.now, used), day(used), about(a.policy.UnusedFor)), advice, command)
	}
	if at, byUnused, ok := t.Ends(); ok && byUnused && at.Sub(a.now) <= a.policy.WarnWithin {
		since := "never used"
		if !used.IsZero() {
			since = "unused since " + day(used)
		}
		advice, command := a.keepAlive(t, owner, at)
		a.add(RuleUnusedRevocation, t, owner,
			fmt.Sprintf("revoked %s (%s) for 90 days without use; %s", in(a.now, at), day(at), since), advice, command)
	}
}

// quota counts the tokens each principal holds: in the admin listing per
// owner, in the caller's own listing the caller's.
func (a *auditor) quota() {
	if !a.AllUsers {
		if n := len(a.Tokens); n >= a.policy.QuotaWarning {
			a.add(RuleQuotaNear, nil, "",
				fmt.Sprintf("the profile's user holds %d of %d tokens (the policy warns at %d)", n, TokenQuota, a.policy.QuotaWarning),
				"Revoke the tokens no longer needed; expired ones count until a workspace admin deletes them.",
				"dbtok list --sort created"+a.Place.ProfileFlag())
			if last := len(a.found) - 1; last >= 0 && a.found[last].Rule.ID == RuleQuotaNear {
				// Not named in the listing: the user is the profile's.
				a.found[last].subject = "profile " + a.Place.Profile
			}
		}
		return
	}
	counts := map[int64]int{}
	names := map[int64]string{}
	handles := map[int64]string{} // what --owner takes: user name or application ID
	var owners []int64
	for _, t := range a.Tokens {
		if t.Owner == nil {
			continue
		}
		id := t.Owner.OwnerID
		if counts[id] == 0 {
			owners = append(owners, id)
		}
		counts[id]++
		if who, ok := t.OwnerIdentity(); ok && names[id] == "" {
			names[id] = who.Describe()
			if who.Principal.Name != "" {
				handles[id] = who.Principal.Name
			}
		}
	}
	for _, id := range owners {
		n := counts[id]
		if n < a.policy.QuotaWarning {
			continue
		}
		name, by := names[id], handles[id]
		if name == "" {
			// A service principal's tokens are created by an admin on its
			// behalf: unless the directory named it, only its numeric ID
			// is known.
			name = fmt.Sprintf("principal %d", id)
		}
		if by == "" {
			by = fmt.Sprint(id)
		}
		a.add(RuleQuotaNear, nil, name,
			fmt.Sprintf("%s holds %d of %d tokens (the policy warns at %d)", name, n, TokenQuota, a.policy.QuotaWarning),
			"Revoke the tokens no longer needed; expired ones count until a workspace admin deletes them.",
			"dbtok list --all-users --owner "+by+" --sort created"+a.Place.ProfileFlag())
	}
}

func (a *auditor) settings() {
	s := a.Settings
	if s == nil {
		return
	}
	want := policyDays(a.policy.MaxLifetime)
	advice := fmt.Sprintf("A workspace admin sets the maximum token lifetime to %d days.", want)
	command := fmt.Sprintf(`dbtok settings set max-lifetime %dd%s`, want, a.Place.ProfileFlag())
	switch {
	case s.MaxLifetimeDays == 0:
		a.add(RuleWorkspaceNoMax, nil, "",
			"maxTokenLifetimeDays not set: tokens may live for years (or forever)", advice, command)
	case time.Duration(s.MaxLifetimeDays)*24*time.Hour > a.policy.MaxLifetime:
		a.add(RuleWorkspaceMaxOverLimit, nil, "",
			fmt.Sprintf("maxTokenLifetimeDays is %d, over the policy's %s", s.MaxLifetimeDays, about(a.policy.MaxLifetime)), advice, command)
	}
}

// policyDays is the policy's maximum in whole days, as the workspace
// setting takes it, rounded down so that it stays within the policy.
func policyDays(d time.Duration) int {
	return max(1, int(d/(24*time.Hour)))
}

// signsIn names the profiles that sign in with t.
func (a *auditor) signsIn(t *Token) []string {
	if a.SignsIn == nil {
		return nil
	}
	return a.SignsIn(t.ID)
}

// replace advises replacing t with what (a token that expires, a
// shorter-lived one) within the policy's maximum lifetime.
func (a *auditor) replace(t *Token, owner, what string) (advice, command string) {
	life := " --lifetime " + FlagSpan(a.policy.MaxLifetime)
	if ps := a.signsIn(t); len(ps) > 0 {
		return fmt.Sprintf("%s in with it: replace it with %s and update the profile.", signIn(ps), what),
			"dbtok rotate -p " + ps[0] + " --update-profile" + life
	}
	switch a.whose(t) {
	case ownedByServicePrincipal:
		return fmt.Sprintf("Replace it with %s: the command makes a new token for the service principal%s; deliver it where the old one is used.", what, named(owner)),
			"dbtok rotate --all-users --token-id " + t.ID + life + a.Place.ProfileFlag()
	case ownedByOtherUser:
		return fmt.Sprintf("Only its owner%s can replace it with %s (`dbtok rotate --token-id %s%s`); as an admin, revoke it with the command once the owner has a new one.", named(owner), what, t.ID, life),
			a.adminRevoke(t)
	}
	return fmt.Sprintf("Replace it with %s.", what), "dbtok rotate --token-id " + t.ID + life + a.Place.ProfileFlag()
}

// rotate advises rotating t, keeping its lifetime.
func (a *auditor) rotate(t *Token, owner, why string) (advice, command string) {
	if ps := a.signsIn(t); len(ps) > 0 {
		return fmt.Sprintf("%s; %s in with it, so update the profile too.", why, lowerFirst(signIn(ps))),
			"dbtok rotate -p " + ps[0] + " --update-profile"
	}
	switch a.whose(t) {
	case ownedByServicePrincipal:
		return why + ": the command makes a new token for the service principal" + named(owner) + "; deliver it where the old one is used.",
			"dbtok rotate --all-users --token-id " + t.ID + a.Place.ProfileFlag()
	case ownedByOtherUser:
		return fmt.Sprintf("%s: only its owner%s can replace it (`dbtok rotate --token-id %s`); as an admin, revoke it with the command once the owner has a new one.", why, named(owner), t.ID),
			a.adminRevoke(t)
	}
	return why + ", and deliver the new token where the old one is used.", "dbtok rotate --token-id " + t.ID + a.Place.ProfileFlag()
}

// revoke advises revoking an idle token (only admins see last use).
func (a *auditor) revoke(t *Token, why string) (advice, command string) {
	cmd := "dbtok revoke --all-users " + t.ID + a.Place.ProfileFlag()
	if ps := a.signsIn(t); len(ps) > 0 {
		return fmt.Sprintf("%s; %s in with it and would stop working.", why, lowerFirst(signIn(ps))), cmd + " --include-own"
	}
	return why + ".", cmd
}

// keepAlive advises using t before the unused-token rule revokes it at.
func (a *auditor) keepAlive(t *Token, owner string, at time.Time) (advice, command string) {
	if ps := a.signsIn(t); len(ps) > 0 {
		return fmt.Sprintf("%s in with it: any request with it before %s resets the clock.", signIn(ps), day(at)),
			"dbtok list -p " + ps[0]
	}
	switch a.whose(t) {
	case ownedByServicePrincipal:
		return fmt.Sprintf("Whatever depends on it breaks when it is revoked: use it before %s, or replace it now with the command (a new token for the service principal%s).", day(at), named(owner)),
			"dbtok rotate --all-users --token-id " + t.ID + a.Place.ProfileFlag()
	case ownedByOtherUser:
		return fmt.Sprintf("Whatever depends on it breaks when it is revoked: its owner%s uses it before %s, or replaces it now (`dbtok rotate --token-id %s`); the command shows it.", named(owner), day(at), t.ID),
			"dbtok view --all-users " + t.ID + a.Place.ProfileFlag()
	}
	return fmt.Sprintf("Use it before %s, or replace it now.", day(at)), "dbtok rotate --token-id " + t.ID + a.Place.ProfileFlag()
}

// ownership is whose token a finding is about, as far as the commands
// the advice gives are concerned.
type ownership int

const (
	ownedByCaller ownership = iota // or unknown: the caller's commands apply
	ownedByServicePrincipal
	ownedByOtherUser
)

// whose tells, for an admin listing, whether t is the caller's, a service
// principal's (an admin rotates it through token management) or another
// user's (only that user can replace it). Without an admin listing every
// token listed is the caller's.
func (a *auditor) whose(t *Token) ownership {
	if !a.AllUsers || t.Owner == nil {
		return ownedByCaller
	}
	o := t.Owner
	if o.Resolved != nil && o.Resolved.Kind == ServicePrincipal {
		return ownedByServicePrincipal
	}
	name := o.CreatedByUsername
	if o.Resolved != nil {
		name = o.Resolved.Name
	} else if o.OwnerID != 0 && o.OwnerID != o.CreatedByID {
		name = "" // an on-behalf-of token whose owner was not looked up
	}
	if a.Me != "" && name != "" && strings.EqualFold(name, a.Me) {
		return ownedByCaller
	}
	if a.Me == "" && name == "" {
		return ownedByCaller
	}
	return ownedByOtherUser
}

// adminRevoke is the command with which an admin revokes t.
func (a *auditor) adminRevoke(t *Token) string {
	return "dbtok revoke --all-users " + t.ID + a.Place.ProfileFlag()
}

// signIn is "Profile a signs" or "Profiles a and b sign".
func signIn(profiles []string) string {
	if len(profiles) == 1 {
		return "Profile " + profiles[0] + " signs"
	}
	return "Profiles " + Names(profiles) + " sign"
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

func named(owner string) string {
	if owner == "" {
		return ""
	}
	return " (" + owner + ")"
}

// FlagSpan writes d as a duration flag takes it: 90d, 36h, or seconds.
func FlagSpan(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// about renders a span as people read it in a finding: whole days from
// two days on, hours below.
func about(d time.Duration) string {
	const dayLen = 24 * time.Hour
	switch {
	case d >= 2*dayLen:
		return fmt.Sprintf("%dd", (d+dayLen/2)/dayLen)
	case d >= time.Hour:
		return fmt.Sprintf("%dh", (d+time.Hour/2)/time.Hour)
	}
	return fmt.Sprintf("%dm", (d+time.Minute/2)/time.Minute)
}

func ago(now, t time.Time) string { return about(now.Sub(t)) + " ago" }

// daysAgo counts calendar days (UTC) back to a day, such as a last use.
func daysAgo(now, d time.Time) string {
	n := int(now.UTC().Truncate(24*time.Hour).Sub(d.UTC().Truncate(24*time.Hour)) / (24 * time.Hour))
	if n <= 0 {
		return "today"
	}
	return fmt.Sprintf("%dd ago", n)
}

func in(now, t time.Time) string {
	if !t.After(now) {
		return "now"
	}
	return "in " + about(t.Sub(now))
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
