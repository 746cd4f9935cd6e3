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
	// The caller's own tokens (the Token API).
	Create(ctx context.Context, req CreateRequest) (*Created, error)
	List(ctx context.Context) ([]Token, error)
	Revoke(ctx context.Context, tokenID string) error

	// Every user's tokens (the Token Management API); workspace admins only.
	ListAll(ctx context.Context, req ListAllRequest) ([]Token, error)
	RevokeAny(ctx context.Context, tokenID string) error
	// CreateOnBehalfOf mints a token for a service principal.
	CreateOnBehalfOf(ctx context.Context, req OnBehalfOfRequest) (*Created, error)
}

type CreateRequest struct {
	Comment string
	// LifetimeSeconds of 0 sends nothing, so the workspace default applies.
	LifetimeSeconds int64
}

type ListAllRequest struct {
	// CreatedBy filters by the creator: a user name, or a numeric user ID.
	CreatedBy string
}

type OnBehalfOfRequest struct {
	ApplicationID   string
	Comment         string
	LifetimeSeconds int64
}

// Token is a PAT's public information. Times are epoch milliseconds, as
// the API sends them; ExpiryTime is -1 (or 0) when the token never expires.
type Token struct {
	ID           string
	Comment      string
	CreationTime int64
	ExpiryTime   int64

	// Only the Token Management API fills these.
	Owner *Owner
}

// Owner is who created and owns a token, as admins see it.
type Owner struct {
	CreatedByID       int64
	CreatedByUsername string
	OwnerID           int64
	// LastUsedDay is epoch milliseconds of the day last used, 0 if never.
	LastUsedDay int64
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
