package delivery

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// SecretsAPI is the part of the Databricks Secrets API that delivers a
// token into a secret scope: write it, then read back when it was written.
type SecretsAPI interface {
	Put(ctx context.Context, scope, key, value string) error
	// Updated is the secret's last-updated time from its metadata, and
	// whether it exists; the value itself is never read.
	Updated(ctx context.Context, scope, key string) (at time.Time, found bool, err error)
}

// SecretRef is --to-secret SCOPE/KEY.
type SecretRef struct{ Scope, Key string }

func (r SecretRef) String() string { return r.Scope + "/" + r.Key }

// Scope and key names as the Secrets API accepts them.
// Compiled on first use, not at start-up: most runs never need it.
var secretName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,128}$`) })

// ParseSecretRef parses SCOPE/KEY.
func ParseSecretRef(s string) (SecretRef, error) {
	scope, key, ok := strings.Cut(s, "/")
	if !ok || scope == "" || key == "" {
		return SecretRef{}, failure.Usagef("--to-secret %q: give SCOPE/KEY, e.g. --to-secret ci/databricks-token", s)
	}
	for _, part := range []struct{ what, name string }{{"scope", scope}, {"key", key}} {
		if !secretName().MatchString(part.name) {
			return SecretRef{}, failure.Usagef("--to-secret %q: the %s name %q may only have letters, digits, - _ . and @ (at most 128)", s, part.what, part.name)
		}
	}
	return SecretRef{Scope: scope, Key: key}, nil
}

// Secret is --to-secret: the value is put into a Databricks secret scope
// and proven there by its metadata, whose last-updated time must have
// moved, before anything old is revoked.
type Secret struct {
	api   SecretsAPI
	ref   SecretRef
	place tokens.Place
	// What the metadata said before the put.
	existed bool
	before  time.Time
}

// PrepareSecret checks before the token exists that the scope is there
// and readable, and notes the secret's current last-updated time.
func PrepareSecret(ctx context.Context, api SecretsAPI, place tokens.Place, ref SecretRef) (*Secret, error) {
	at, found, err := api.Updated(ctx, ref.Scope, ref.Key)
	switch failure.KindOf(err) {
	case failure.KindOther:
		if err != nil {
			return nil, err
		}
	case failure.KindNotFound:
		return nil, failure.Wrapf(err, "--to-secret %s: there is no secret scope %s in %s; create it first (databricks secrets create-scope %s) or name another scope", ref, ref.Scope, place, ref.Scope)
	case failure.KindPermission:
		return nil, failure.Wrapf(err, "--to-secret %s: you may not use secret scope %s in %s (%s); ask its manager or a workspace admin for WRITE on it", ref, ref.Scope, place, failure.Brief(err))
	default:
		return nil, failure.Wrapf(err, "--to-secret %s: cannot read secret scope %s in %s: %s", ref, ref.Scope, place, failure.Brief(err))
	}
	return &Secret{api: api, ref: ref, place: place, existed: found, before: at}, nil
}

func (s *Secret) String() string {
	return fmt.Sprintf("secret %s in %s", s.ref, s.place)
}

func (s *Secret) Target() Target {
	return Target{Type: "secret", Scope: s.ref.Scope, Key: s.ref.Key, Profile: s.place.Profile, Host: s.place.Host}
}

func (s *Secret) Close() {}

func (s *Secret) Deliver(ctx context.Context, item Item) error {
	if err := s.api.Put(ctx, s.ref.Scope, s.ref.Key, item.Value.Reveal()); err != nil {
		msg := failure.Brief(err)
		if failure.MaybeApplied(err) {
			msg += "; the secret may or may not hold the new value now"
		}
		return failure.Wrapf(err, "cannot write %s: %s", s, msg)
	}
	at, found, err := s.api.Updated(ctx, s.ref.Scope, s.ref.Key)
	switch {
	case err != nil:
		return failure.Wrapf(err, "wrote %s but cannot read its metadata back to verify it: %s", s, failure.Brief(err))
	case !found:
		return fmt.Errorf("wrote %s, but the scope does not list it afterwards", s)
	case s.existed && !at.After(s.before):
		return fmt.Errorf("wrote %s, but its last-updated time did not change (%s), so the write is not proven", s, at.UTC().Format(time.RFC3339Nano))
	}
	return nil
}
