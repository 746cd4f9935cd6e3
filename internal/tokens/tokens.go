// Package tokens is dbtok's narrow view of the Databricks Token API: the
// operations commands need, the data they see and the failures they handle,
// with no HTTP in sight.
package tokens

import (
	"context"
	"time"
)

// API is everything the token commands may do to a workspace.
type API interface {
	Create(ctx context.Context, req CreateRequest) (*Created, error)
	List(ctx context.Context) ([]Token, error)
	Revoke(ctx context.Context, tokenID string) error
}

type CreateRequest struct {
	Comment string
	// LifetimeSeconds of 0 sends nothing, so the workspace default applies.
	LifetimeSeconds int64
}

// Token is a PAT's public information. Times are epoch milliseconds, as
// the API sends them; ExpiryTime is -1 (or 0) when the token never expires.
type Token struct {
	ID           string
	Comment      string
	CreationTime int64
	ExpiryTime   int64
}

func (t Token) Created() time.Time { return time.UnixMilli(t.CreationTime) }

// Expires reports the expiry time and whether there is one.
func (t Token) Expires() (time.Time, bool) {
	if t.ExpiryTime <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(t.ExpiryTime), true
}

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
