// Package tokens holds dbtok's rules about personal access tokens: what a
// token is, the narrow API a workspace offers for them, and everything
// commands decide about them (filters, order, ID prefixes, which token a
// profile signs in with, orphans, and the plan/confirm/apply engine for
// destructive work). It knows nothing about HTTP, flags or output formats.
package tokens

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"
)

// Token is a PAT's public information. Times are epoch milliseconds, as
// the API sends them; ExpiryTime is -1 (or 0) when the token never expires.
type Token struct {
	ID           string
	Comment      string
	CreationTime int64
	ExpiryTime   int64

	// Scopes limit the APIs the token may call; none means every API.
	Scopes []string
	// AutoscopeState says whether autoscope is observing the APIs the
	// token calls (AUTOSCOPE_STATE_RUNNING) or has finished
	// (AUTOSCOPE_STATE_COMPLETED), and InferredScopes what it found.
	AutoscopeState string
	InferredScopes []string

	// Only the Token Management API fills these.
	Owner *Owner
}

// AutoscopeCompleted is the state of a token whose autoscope observation
// has finished, so that its inferred scopes can be adopted.
const AutoscopeCompleted = "AUTOSCOPE_STATE_COMPLETED"

// Autoscoped reports whether autoscope was asked for when the token was
// created (it is then in some autoscope state other than disabled or
// user-selected).
func (t Token) Autoscoped() bool {
	switch t.AutoscopeState {
	case "", "AUTOSCOPE_STATE_DISABLED", "AUTOSCOPE_STATE_USER_SELECTED", "AUTOSCOPE_STATE_UNSPECIFIED":
		return false
	}
	return true
}

// Owner is who created and owns a token, as admins see it.
type Owner struct {
	CreatedByID       int64
	CreatedByUsername string
	OwnerID           int64
	// LastUsedDay is epoch milliseconds of the day last used, 0 if never.
	LastUsedDay int64
	// Resolved is who OwnerID is, once looked up in the workspace's
	// directory (ResolveOwners); nil until then.
	Resolved *Identity
}

// Created is the creation time; zero when unknown (a token named by ID
// and never listed).
func (t Token) Created() time.Time {
	if t.CreationTime == 0 {
		return time.Time{}
	}
	return time.UnixMilli(t.CreationTime)
}

// Expires reports the expiry time and whether there is one.
func (t Token) Expires() (time.Time, bool) {
	if t.ExpiryTime <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(t.ExpiryTime), true
}

// ExpiredAt reports whether the token's expiry has passed at now. An
// expired token no longer signs in, but the workspace lists it until it
// is deleted.
func (t Token) ExpiredAt(now time.Time) bool {
	exp, ok := t.Expires()
	return ok && !exp.After(now)
}

// ExpiryOrZero is the expiry time, the zero time for never.
func (t Token) ExpiryOrZero() time.Time {
	exp, _ := t.Expires()
	return exp
}

// Lifetime is the token's lifetime in whole seconds, 0 when it never
// expires (or its times make no sense).
func (t Token) Lifetime() int64 {
	if t.ExpiryTime <= 0 || t.ExpiryTime <= t.CreationTime {
		return 0
	}
	return (t.ExpiryTime - t.CreationTime + 999) / 1000
}

// Created is a new token: its value, shown once, and its information.
type Created struct {
	Value Secret
	Token Token
}

// Secret holds a token value. It prints as a placeholder, so a value that
// slips into an error, a log line or a %v is not leaked; Reveal is the one
// deliberate way to get at it.
type Secret struct{ v string }

func NewSecret(v string) Secret { return Secret{v} }

func (s Secret) Reveal() string   { return s.v }
func (s Secret) IsZero() bool     { return s.v == "" }
func (s Secret) String() string   { return "[REDACTED]" }
func (s Secret) GoString() string { return "tokens.Secret{[REDACTED]}" }

// MarshalJSON refuses to serialise a secret by accident; output code
// writes Reveal() explicitly where the value is meant to be shown.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// Digest is the SHA-256 of the value in hex. Workspaces derive token IDs
// this way (the SDK documents token_id as the token's SHA-256), which is
// how dbtok recognises a profile's token among the listed ones.
func (s Secret) Digest() string {
	sum := sha256.Sum256([]byte(s.v))
	return hex.EncodeToString(sum[:])
}

// ValidateComment rejects comments that would not survive as one line in a
// table or a shell loop: comments are how people find their tokens again.
func ValidateComment(c string) error {
	for _, r := range c {
		if unicode.IsControl(r) {
			return fmt.Errorf("contains a control character (%q): use a single line of text", r)
		}
	}
	if !utf8.ValidString(c) {
		return fmt.Errorf("is not valid UTF-8")
	}
	return nil
}

// UnusedLimit is how long a token may go unused before the workspace
// revokes it, whatever its expiry (the Databricks documentation: 90 days).
const UnusedLimit = 90 * 24 * time.Hour

// LastUsed is the day the token last signed in; ok is false when the
// listing does not say (only the Token Management API does) or it never
// did (then Owner is set and LastUsedDay is 0).
func (t Token) LastUsed() (day time.Time, known bool) {
	if t.Owner == nil {
		return time.Time{}, false
	}
	if t.Owner.LastUsedDay <= 0 {
		return time.Time{}, true
	}
	return time.UnixMilli(t.Owner.LastUsedDay).UTC(), true
}

// NeverUsed reports whether the token is known never to have signed in.
func (t Token) NeverUsed() bool {
	day, known := t.LastUsed()
	return known && day.IsZero()
}

// UnusedRevocation is when the workspace will revoke the token for lack of
// use: UnusedLimit after its last use, or after its creation if it was
// never used. known is false when last use is not in the listing.
func (t Token) UnusedRevocation() (at time.Time, known bool) {
	day, known := t.LastUsed()
	if !known {
		return time.Time{}, false
	}
	from := day
	if from.IsZero() {
		from = t.Created()
	}
	// Last use is known to the day: the token was used some time that day,
	// so the rule may fire as early as the day's start plus the limit. The
	// earliest moment is the one to warn about.
	return from.Add(UnusedLimit), true
}

// Ends is when the token stops working for the first of its two reasons,
// and which: its expiry, or the unused-token rule. ok is false when
// neither is known (it never expires and last use is not listed).
func (t Token) Ends() (at time.Time, byUnused bool, ok bool) {
	exp, expires := t.Expires()
	unused, known := t.UnusedRevocation()
	switch {
	case expires && known:
		if unused.Before(exp) {
			return unused, true, true
		}
		return exp, false, true
	case expires:
		return exp, false, true
	case known:
		return unused, true, true
	}
	return time.Time{}, false, false
}

// ScopeNames are the API scopes the Databricks API reference lists for
// workspace tokens, for completion and help; a workspace may know others.
var ScopeNames = []string{
	"access-management", "alerts", "all-apis", "apps", "authentication",
	"clusters", "dashboards", "files", "genie", "jobs", "ml", "model-serving",
	"pipelines", "scim", "secrets", "settings", "sql", "unity-catalog",
	"vector-search", "workspace",
}

// CanCreateTokens reports whether a token's scopes let it create tokens:
// no scopes at all, or the authentication scope (which can create tokens
// of any scope), or all-apis.
func (t Token) CanCreateTokens() bool {
	if len(t.Scopes) == 0 {
		return true
	}
	for _, s := range t.Scopes {
		if s == "authentication" || s == "all-apis" {
			return true
		}
	}
	return false
}
