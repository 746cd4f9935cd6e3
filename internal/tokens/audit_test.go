package tokens

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const dayLen = 24 * time.Hour

var auditNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

var auditPlace = Place{Profile: "prod", Host: "https://prod.example.com"}

// tok is a token created age ago that lives for life (0: never expires).
func tok(id, comment string, age, life time.Duration) Token {
	created := auditNow.Add(-age)
	t := Token{ID: id, Comment: comment, CreationTime: created.UnixMilli(), ExpiryTime: -1}
	if life > 0 {
		t.ExpiryTime = created.Add(life).UnixMilli()
	}
	return t
}

// used gives t the admin listing's owner fields, last used on the day
// lastUse ago (0: never).
func used(t Token, owner string, lastUse time.Duration) Token {
	t.Owner = &Owner{CreatedByID: 1, CreatedByUsername: owner, OwnerID: 1}
	if lastUse > 0 {
		t.Owner.LastUsedDay = auditNow.Add(-lastUse).UTC().Truncate(dayLen).UnixMilli()
	}
	return t
}

func audit(t *testing.T, target AuditTarget, p AuditPolicy) []Finding {
	t.Helper()
	if target.Place == (Place{}) {
		target.Place = auditPlace
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return Audit(target, p, auditNow)
}

// rules lists "rule:token" for each finding, "rule:" for workspace ones.
func rules(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		id := ""
		if f.Token != nil {
			id = f.Token.ID
		}
		out = append(out, f.Rule.ID+":"+id)
	}
	return out
}

func find(t *testing.T, fs []Finding, rule string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Rule.ID == rule {
			return f
		}
	}
	t.Fatalf("no %s finding in %v", rule, rules(fs))
	return Finding{}
}

func TestAuditTokenRules(t *testing.T) {
	p := DefaultAuditPolicy()
	for _, tc := range []struct {
		name  string
		token Token
		want  []string
	}{
		{"fine", tok("a", "ok", dayLen, 60*dayLen), nil},
		{"no expiry", tok("a", "", dayLen, 0), []string{"no-expiry:a"}},
		{"lifetime at the maximum", tok("a", "", dayLen, 90*dayLen), nil},
		{"lifetime a second over", tok("a", "", dayLen, 90*dayLen+time.Second), []string{"lifetime-over-max:a"}},
		{"expires within the window", tok("a", "", 50*dayLen, 60*dayLen), []string{"expiring-soon:a"}},
		{"expires exactly at the window's end", tok("a", "", 46*dayLen, 60*dayLen), []string{"expiring-soon:a"}},
		{"expires a second after the window", tok("a", "", 46*dayLen-time.Second, 60*dayLen), nil},
		{"expired: nothing else matters", tok("a", "", 400*dayLen, 365*dayLen), []string{"expired:a"}},
		{"expired this very moment", tok("a", "", 60*dayLen, 60*dayLen), []string{"expired:a"}},
		{"long and soon", tok("a", "", 300*dayLen, 310*dayLen), []string{"lifetime-over-max:a", "expiring-soon:a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rules(audit(t, AuditTarget{Tokens: []Token{tc.token}}, p))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAuditLastUseRules(t *testing.T) {
	p := DefaultAuditPolicy()
	for _, tc := range []struct {
		name  string
		token Token
		want  []string
	}{
		{"used yesterday", used(tok("a", "", 40*dayLen, 60*dayLen), "bob", dayLen), nil},
		// Last use is a day: idle time counts from the day's end, so a
		// token last used on the day 31 days back has been idle 30 days
		// and some hours, which is over 30d.
		{"used 31 days ago", used(tok("a", "", 40*dayLen, 60*dayLen), "bob", 31*dayLen), []string{"unused:a"}},
		{"used 30 days ago: at most 30d idle", used(tok("a", "", 40*dayLen, 60*dayLen), "bob", 30*dayLen), nil},
		{"never used, a day old", used(tok("a", "", dayLen, 60*dayLen), "bob", 0), nil},
		{"never used, over a day old", used(tok("a", "", dayLen+time.Minute, 60*dayLen), "bob", 0), []string{"never-used:a"}},
		// Never used and 80 days old: the 90-day rule revokes it in 10
		// days, before its expiry.
		{"never used, near the cliff", used(tok("a", "", 80*dayLen, 85*dayLen+60*dayLen), "bob", 0), []string{"lifetime-over-max:a", "never-used:a", "unused-revocation:a"}},
		{"used 80 days ago: revoked within 14 days", used(tok("a", "", 200*dayLen, 0), "bob", 80*dayLen), []string{"no-expiry:a", "unused:a", "unused-revocation:a"}},
		{"used 60 days ago: the cliff is further", used(tok("a", "", 200*dayLen, 0), "bob", 60*dayLen), []string{"no-expiry:a", "unused:a"}},
		// Expiry comes first: expiring-soon says so, not the 90-day rule.
		{"expires before the cliff", used(tok("a", "", 55*dayLen, 60*dayLen), "bob", 84*dayLen), []string{"expiring-soon:a", "unused:a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rules(audit(t, AuditTarget{Tokens: []Token{tc.token}, AllUsers: true}, p))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Without the admin listing, last use is unknown: those rules stay
	// silent rather than guess.
	old := used(tok("a", "", 200*dayLen, 0), "bob", 85*dayLen)
	if got := rules(audit(t, AuditTarget{Tokens: []Token{old}}, p)); !slices.Equal(got, []string{"no-expiry:a"}) {
		t.Errorf("own listing: got %v", got)
	}
}

func TestAuditMessages(t *testing.T) {
	p := DefaultAuditPolicy()
	fs := audit(t, AuditTarget{AllUsers: true, Tokens: []Token{
		used(tok("long", "ci", 10*dayLen, 365*dayLen), "alice", 3*dayLen),
		used(tok("idle", "", 200*dayLen, 0), "bob", 80*dayLen),
		used(tok("gone", "", 20*dayLen, 10*dayLen), "bob", 0),
	}}, p)
	for rule, want := range map[string]string{
		RuleLifetimeOverMax:  "lifetime 365d, over the policy's 90d",
		RuleUnused:           "last used 80d ago (2026-09-05), over the policy's 30d",
		RuleUnusedRevocation: "revoked in 10d (2026-12-04) for 90 days without use; unused since 2026-09-05",
		RuleExpired:          "expired 10d ago (2026-11-14), still held",
	} {
		if got := find(t, fs, rule).Message; got != want {
			t.Errorf("%s: %q, want %q", rule, got, want)
		}
	}
	if f := find(t, fs, RuleLifetimeOverMax); f.Owner != "alice" || f.Token.ID != "long" || f.Place != auditPlace {
		t.Errorf("finding names %q %v %v", f.Owner, f.Token, f.Place)
	}
}

func TestAuditAdvice(t *testing.T) {
	p := DefaultAuditPolicy()
	p.MaxLifetime = 30 * dayLen
	forever := tok("f0f0f0f0f0f0", "ci", dayLen, 0)

	own := find(t, audit(t, AuditTarget{Tokens: []Token{forever}}, p), RuleNoExpiry)
	if own.Command != "dbtok rotate --token-id f0f0f0f0f0f0 --lifetime 30d -p prod" {
		t.Errorf("own: %q", own.Command)
	}
	// An admin's listing: every command given is one the admin can run
	// through the profile. Another user's token can only be replaced by
	// that user (said), and revoked by the admin (the command).
	admin := find(t, audit(t, AuditTarget{Tokens: []Token{used(forever, "bob", dayLen)}, AllUsers: true, Me: "alice"}, p), RuleNoExpiry)
	if admin.Command != "dbtok revoke --all-users f0f0f0f0f0f0 -p prod" || !strings.Contains(admin.Advice, "owner (bob)") || !strings.Contains(admin.Advice, "`dbtok rotate --token-id f0f0f0f0f0f0 --lifetime 30d`") {
		t.Errorf("all users, bob's token: %q / %q", admin.Command, admin.Advice)
	}
	mine := find(t, audit(t, AuditTarget{Tokens: []Token{used(forever, "Alice", dayLen)}, AllUsers: true, Me: "alice"}, p), RuleNoExpiry)
	if mine.Command != "dbtok rotate --token-id f0f0f0f0f0f0 --lifetime 30d -p prod" {
		t.Errorf("all users, the admin's own token: %q", mine.Command)
	}
	sp := used(forever, "alice", dayLen)
	sp.Owner.OwnerID = 7
	sp.Owner.Resolved = &Identity{Principal: Principal{Kind: ServicePrincipal, Name: "6f1c"}, ID: 7, DisplayName: "etl"}
	obo := find(t, audit(t, AuditTarget{Tokens: []Token{sp}, AllUsers: true, Me: "alice"}, p), RuleNoExpiry)
	if obo.Command != "dbtok rotate --all-users --token-id f0f0f0f0f0f0 --lifetime 30d -p prod" {
		t.Errorf("all users, a service principal's token: %q", obo.Command)
	}
	// A token a profile signs in with is replaced through the profile, or
	// the profile would stop working.
	signs := func(id string) []string {
		if id == "f0f0f0f0f0f0" {
			return []string{"ci-profile", "prod"}
		}
		return nil
	}
	prof := find(t, audit(t, AuditTarget{Tokens: []Token{forever}, SignsIn: signs}, p), RuleNoExpiry)
	if prof.Command != "dbtok rotate -p ci-profile --update-profile --lifetime 30d" || !strings.HasPrefix(prof.Advice, "Profiles ci-profile and prod sign in with it") {
		t.Errorf("profile token: %q / %q", prof.Command, prof.Advice)
	}
	idle := find(t, audit(t, AuditTarget{Tokens: []Token{used(tok("f0f0f0f0f0f0", "", 100*dayLen, 0), "bob", 50*dayLen)}, AllUsers: true, SignsIn: signs}, p), RuleUnused)
	if idle.Command != "dbtok revoke --all-users f0f0f0f0f0f0 -p prod --include-own" || idle.Advice != "Revoke it if nothing needs it any more; profiles ci-profile and prod sign in with it and would stop working." {
		t.Errorf("idle profile token: %q / %q", idle.Command, idle.Advice)
	}
	cliff := find(t, audit(t, AuditTarget{Tokens: []Token{used(tok("f0f0f0f0f0f0", "", 100*dayLen, 0), "bob", 85*dayLen)}, AllUsers: true, SignsIn: signs}, p), RuleUnusedRevocation)
	if cliff.Command != "dbtok list -p ci-profile" {
		t.Errorf("cliff of a profile token: %q", cliff.Command)
	}
	soon := find(t, audit(t, AuditTarget{Tokens: []Token{tok("f0f0f0f0f0f0", "", 20*dayLen, 25*dayLen)}, Place: Place{Host: "https://env.example.com"}}, p), RuleExpiringSoon)
	if soon.Command != "dbtok rotate --token-id f0f0f0f0f0f0" {
		t.Errorf("no profile (environment): %q", soon.Command)
	}
	if got := find(t, audit(t, AuditTarget{Tokens: []Token{tok("e", "", 20*dayLen, 10*dayLen)}}, p), RuleExpired).Command; got != "dbtok revoke --all-users e -p prod" {
		t.Errorf("expired: %q", got)
	}
}

func TestAuditQuota(t *testing.T) {
	p := DefaultAuditPolicy()
	p.QuotaWarning = 3
	var own []Token
	for i := range 3 {
		own = append(own, tok(fmt.Sprint("t", i), "", dayLen, 30*dayLen))
	}
	f := find(t, audit(t, AuditTarget{Tokens: own}, p), RuleQuotaNear)
	if f.Token != nil || f.Owner != "" || !strings.Contains(f.Message, "holds 3 of 600 tokens") || f.Command != "dbtok list --sort created -p prod" {
		t.Errorf("own quota: %+v", f)
	}
	if got := rules(audit(t, AuditTarget{Tokens: own[:2]}, p)); len(got) != 0 {
		t.Errorf("below the warning: %v", got)
	}

	// Every user's: counted per owner. A service principal's tokens are
	// created by an admin on its behalf; it is named by its ID.
	var all []Token
	add := func(n int, createdBy int64, name string, owner int64) {
		for i := range n {
			x := tok(fmt.Sprintf("%s-%d-%d", name, owner, i), "", dayLen, 30*dayLen)
			x.Owner = &Owner{CreatedByID: createdBy, CreatedByUsername: name, OwnerID: owner, LastUsedDay: auditNow.Truncate(dayLen).UnixMilli()}
			all = append(all, x)
		}
	}
	add(3, 7, "bob", 7)
	add(2, 8, "carol", 8)
	add(4, 1, "alice", 99)
	fs := audit(t, AuditTarget{Tokens: all, AllUsers: true}, p)
	var got []string
	for _, f := range fs {
		if f.Rule.ID == RuleQuotaNear {
			got = append(got, f.Owner+"|"+f.Command)
		}
	}
	want := []string{
		"bob|dbtok list --all-users --owner bob --sort created -p prod",
		"principal 99|dbtok list --all-users --owner 99 --sort created -p prod",
	}
	if !slices.Equal(got, want) {
		t.Errorf("quota findings %v, want %v", got, want)
	}
}

func TestAuditSettings(t *testing.T) {
	p := DefaultAuditPolicy()
	for _, tc := range []struct {
		days int
		want []string
	}{
		{0, []string{"workspace-no-max-lifetime:"}},
		{90, nil},
		{91, []string{"workspace-max-over-policy:"}},
		{30, nil},
	} {
		got := rules(audit(t, AuditTarget{Settings: &Settings{MaxLifetimeDays: tc.days, Enabled: true}}, p))
		if !slices.Equal(got, tc.want) {
			t.Errorf("max %dd: got %v, want %v", tc.days, got, tc.want)
		}
	}
	// Settings that were not read are not judged.
	if got := audit(t, AuditTarget{}, p); len(got) != 0 {
		t.Errorf("no settings: %v", rules(got))
	}
	f := find(t, audit(t, AuditTarget{Settings: &Settings{MaxLifetimeDays: 365}}, p), RuleWorkspaceMaxOverLimit)
	if f.Message != "maxTokenLifetimeDays is 365, over the policy's 90d" {
		t.Errorf("message %q", f.Message)
	}
	if f.Command != `dbtok settings set max-lifetime 90d -p prod` {
		t.Errorf("command %q", f.Command)
	}
	// A policy maximum of hours still names a whole day.
	p.MaxLifetime = 36 * time.Hour
	if f := find(t, audit(t, AuditTarget{Settings: &Settings{MaxLifetimeDays: 0}}, p), RuleWorkspaceNoMax); f.Command != `dbtok settings set max-lifetime 1d -p prod` {
		t.Errorf("36h policy: %q", f.Command)
	}
}

func TestAuditSeverities(t *testing.T) {
	p := DefaultAuditPolicy()
	p.Severities = map[string]Severity{RuleNoExpiry: SeverityNote, RuleExpiringSoon: SeverityOff}
	fs := audit(t, AuditTarget{Tokens: []Token{tok("a", "", dayLen, 0), tok("b", "", 50*dayLen, 60*dayLen)}}, p)
	if got := rules(fs); !slices.Equal(got, []string{"no-expiry:a"}) {
		t.Fatalf("got %v", got)
	}
	if fs[0].Severity != SeverityNote {
		t.Errorf("severity %v", fs[0].Severity)
	}
	// Defaults: the documented table.
	for id, want := range map[string]Severity{
		RuleNoExpiry: SeverityError, RuleLifetimeOverMax: SeverityError, RuleExpiringSoon: SeverityWarning,
		RuleExpired: SeverityNote, RuleUnused: SeverityWarning, RuleNeverUsed: SeverityWarning,
		RuleUnusedRevocation: SeverityWarning, RuleQuotaNear: SeverityWarning,
		RuleWorkspaceNoMax: SeverityError, RuleWorkspaceMaxOverLimit: SeverityWarning,
	} {
		if got := DefaultAuditPolicy().Severity(id); got != want {
			t.Errorf("%s: default %v, want %v", id, got, want)
		}
	}
	if len(AuditRules) != 10 {
		t.Errorf("%d rules: update the test, the help and the README", len(AuditRules))
	}
}

func TestFails(t *testing.T) {
	f := Finding{Severity: SeverityWarning}
	for at, want := range map[Severity]bool{SeverityError: false, SeverityWarning: true, SeverityNote: true, SeverityOff: false} {
		if got := f.Fails(at); got != want {
			t.Errorf("warning fails at %v: %v", at, got)
		}
	}
	f.Exemption = &Exemption{Reason: "x"}
	if f.Fails(SeverityNote) {
		t.Error("an exempt finding fails")
	}
}

func TestExemptions(t *testing.T) {
	id := "5f3a0c9e81d2" + strings.Repeat("0", 52)
	tokensIn := []Token{tok(id, "legacy-etl", dayLen, 0), tok("b", "terraform-main", dayLen, 0), tok("c", "ci", dayLen, 0)}
	for _, tc := range []struct {
		name string
		ex   Exemption
		want []string // tokens whose no-expiry finding is exempt
	}{
		{"full ID", Exemption{TokenID: id, Reason: "r"}, []string{id}},
		{"prefix", Exemption{TokenID: "5f3a0c9e", Reason: "r"}, []string{id}},
		{"comment glob", Exemption{Comment: "terraform-*", Reason: "r"}, []string{"b"}},
		{"other rule only", Exemption{Comment: "*", Rules: []string{RuleExpired}, Reason: "r"}, nil},
		{"this rule", Exemption{Comment: "*", Rules: []string{RuleNoExpiry}, Reason: "r"}, []string{id, "b", "c"}},
		{"profile", Exemption{Profile: "pro?", Reason: "r"}, []string{id, "b", "c"}},
		{"other profile", Exemption{Profile: "dev", Reason: "r"}, nil},
		{"host without scheme", Exemption{Host: "*.example.com", Reason: "r"}, []string{id, "b", "c"}},
		{"host with scheme", Exemption{Host: "https://prod.example.com", Reason: "r"}, []string{id, "b", "c"}},
		{"all selectors must hold", Exemption{Comment: "ci", Profile: "dev", Reason: "r"}, nil},
		{"not yet expired", Exemption{Comment: "ci", Reason: "r", Expires: auditNow.Add(time.Second)}, []string{"c"}},
		{"expired", Exemption{Comment: "ci", Reason: "r", Expires: auditNow}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultAuditPolicy()
			p.Exemptions = []Exemption{tc.ex}
			var exempt []string
			for _, f := range audit(t, AuditTarget{Tokens: tokensIn}, p) {
				if f.Exemption != nil {
					exempt = append(exempt, f.Token.ID)
					if f.Exemption.Reason != "r" {
						t.Errorf("exemption %+v", f.Exemption)
					}
				}
			}
			if !slices.Equal(exempt, tc.want) {
				t.Errorf("exempt %v, want %v", exempt, tc.want)
			}
		})
	}
	// Token selectors never match workspace findings.
	p := DefaultAuditPolicy()
	p.Exemptions = []Exemption{{Comment: "*", Reason: "r"}, {TokenID: "abcdefgh", Reason: "r"}}
	if f := audit(t, AuditTarget{Settings: &Settings{}}, p); f[0].Exemption != nil {
		t.Error("a token exemption covers the workspace setting")
	}
	p.Exemptions = []Exemption{{Host: "prod.example.com", Rules: []string{RuleWorkspaceNoMax}, Reason: "sandbox"}}
	if f := audit(t, AuditTarget{Settings: &Settings{}}, p); f[0].Exemption == nil {
		t.Error("a host exemption does not cover the workspace setting")
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*AuditPolicy)
		want string
	}{
		{func(p *AuditPolicy) { p.MaxLifetime = 0 }, "maximum lifetime"},
		{func(p *AuditPolicy) { p.UnusedFor = -1 }, "unused-for"},
		{func(p *AuditPolicy) { p.WarnWithin = 0 }, "warning window"},
		{func(p *AuditPolicy) { p.QuotaWarning = 601 }, "from 1 to 600"},
		{func(p *AuditPolicy) { p.Severities = map[string]Severity{"no-expiri": SeverityOff} }, `unknown rule "no-expiri"`},
		{func(p *AuditPolicy) { p.Exemptions = []Exemption{{Reason: "x"}} }, "exemption 1: names no token-id"},
		{func(p *AuditPolicy) { p.Exemptions = []Exemption{{TokenID: "abcdefgh"}} }, "has no reason"},
		{func(p *AuditPolicy) { p.Exemptions = []Exemption{{TokenID: "abc", Reason: "x"}} }, "too short"},
		{func(p *AuditPolicy) { p.Exemptions = []Exemption{{Comment: "[", Reason: "x"}} }, "not a valid pattern"},
		{func(p *AuditPolicy) { p.Exemptions = []Exemption{{Comment: "x", Rules: []string{"nope"}, Reason: "x"}} }, `unknown rule "nope"`},
	} {
		p := DefaultAuditPolicy()
		tc.edit(&p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestSortAndFingerprint(t *testing.T) {
	p := DefaultAuditPolicy()
	fs := audit(t, AuditTarget{
		Settings: &Settings{},
		AllUsers: true,
		Tokens: []Token{
			used(tok("old", "", 400*dayLen, 365*dayLen), "bob", 0),
			used(tok("b", "", 2*dayLen, 0), "bob", dayLen),
			used(tok("a", "", 3*dayLen, 0), "bob", dayLen),
			used(tok("soon", "", 50*dayLen, 60*dayLen), "bob", dayLen),
		},
	}, p)
	SortFindings(fs)
	want := []string{"no-expiry:a", "no-expiry:b", "workspace-no-max-lifetime:", "expiring-soon:soon", "expired:old"}
	if got := rules(fs); !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.Fingerprint()] {
			t.Errorf("fingerprint repeated: %v", f.Rule.ID)
		}
		seen[f.Fingerprint()] = true
	}
	// The fingerprint is the workspace, rule and token: not the profile
	// that reached it, nor the message.
	a, b := fs[0], fs[0]
	b.Place.Profile, b.Place.Host, b.Message = "other", "HTTPS://PROD.example.com:443/", "changed"
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("fingerprint depends on the profile or message")
	}
	// Two users' own quota findings on one workspace differ.
	p.QuotaWarning = 1
	one := find(t, audit(t, AuditTarget{Tokens: []Token{tok("x", "", dayLen, dayLen*10)}, Place: Place{Profile: "a", Host: "h"}}, p), RuleQuotaNear)
	two := find(t, audit(t, AuditTarget{Tokens: []Token{tok("y", "", dayLen, dayLen*10)}, Place: Place{Profile: "b", Host: "h"}}, p), RuleQuotaNear)
	if one.Fingerprint() == two.Fingerprint() {
		t.Error("two profiles' quota findings share a fingerprint")
	}
}

func TestSeverityAndSpans(t *testing.T) {
	for _, name := range []string{"error", "WARNING", "note", "off"} {
		s, err := ParseSeverity(name)
		if err != nil || !strings.EqualFold(s.String(), name) {
			t.Errorf("%s: %v %v", name, s, err)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("fatal accepted")
	}
	if b, _ := SeverityWarning.MarshalText(); string(b) != "warning" {
		t.Errorf("%s", b)
	}
	for d, want := range map[time.Duration]string{90 * dayLen: "90d", 36 * time.Hour: "36h", 90 * time.Minute: "5400s"} {
		if got := FlagSpan(d); got != want {
			t.Errorf("FlagSpan(%v) = %s, want %s", d, got, want)
		}
	}
	for d, want := range map[time.Duration]string{47 * time.Hour: "47h", 48 * time.Hour: "2d", 59 * time.Minute: "59m", 100*dayLen + 11*time.Hour: "100d"} {
		if got := about(d); got != want {
			t.Errorf("about(%v) = %s, want %s", d, got, want)
		}
	}
	if _, ok := LookupAuditRule("nope"); ok {
		t.Error("unknown rule found")
	}
}
