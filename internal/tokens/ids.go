package tokens

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/dbtok/dbtok/internal/failure"
)

// FullIDLen is the length of a Databricks token ID (a SHA-256 in hex);
// shorter IDs are taken as prefixes, of at least MinPrefixLen characters,
// so that a stray "a" can never pick a token.
const (
	FullIDLen    = 64
	MinPrefixLen = 8
)

// Compiled on first use, not at start-up: most runs never need it.
var validID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]+$`) })

// ValidateID rejects what cannot be a token ID or prefix before any
// request is made: IDs are hexadecimal, so spaces, slashes and dots are
// typos or worse (a "../" path segment).
func ValidateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("empty token ID: pass the IDs shown by `dbtok list`")
	case !validID().MatchString(id):
		return fmt.Errorf("invalid token ID %q: token IDs contain only letters, digits, - and _ (see `dbtok list`)", id)
	case len(id) < MinPrefixLen:
		return fmt.Errorf("token ID %q is too short: give the whole ID, or at least its first %d characters (see `dbtok list`)", id, MinPrefixLen)
	}
	return nil
}

// IsFullID reports whether id is a whole ID, not a prefix.
func IsFullID(id string) bool { return len(id) >= FullIDLen }

// AmbiguousError is a prefix that matches several tokens.
type AmbiguousError struct {
	Prefix  string
	Matches int
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("token ID prefix %s matches %d tokens: give more of the ID", e.Prefix, e.Matches)
}

// Resolve finds the token each ID or prefix names in list. A full ID that
// is not listed, or a prefix that matches nothing, comes back in missing;
// a prefix that matches several tokens is an error before anything is
// done, since the user meant one token. Repeats are dropped.
func Resolve(list []Token, ids []string) (found []Token, missing []string, err error) {
	seen := map[string]bool{}
	for _, id := range ids {
		var matches []Token
		for _, t := range list {
			if t.ID == id || !IsFullID(id) && strings.HasPrefix(t.ID, id) {
				matches = append(matches, t)
			}
		}
		switch len(matches) {
		case 0:
			if !seen["?"+id] {
				seen["?"+id] = true
				missing = append(missing, id)
			}
		case 1:
			if !seen[matches[0].ID] {
				seen[matches[0].ID] = true
				found = append(found, matches[0])
			}
		default:
			return nil, nil, &AmbiguousError{Prefix: id, Matches: len(matches)}
		}
	}
	return found, missing, nil
}

// IDs lists the tokens' IDs.
func IDs(list []Token) []string {
	out := make([]string, len(list))
	for i, t := range list {
		out[i] = t.ID
	}
	return out
}

// Find looks one token up by ID or unique prefix in scope: through Token
// Management's GET for an admin and a full ID (one request), otherwise in
// a listing. It fails with a NotFoundError or an AmbiguousError.
func Find(ctx context.Context, scope Scope, api API, id string) (Token, error) {
	if scope.AllUsers && IsFullID(id) {
		t, err := api.Get(ctx, id)
		if err != nil {
			return Token{}, err
		}
		return *t, nil
	}
	list, err := scope.List(ctx, api)
	if err != nil {
		return Token{}, err
	}
	found, _, err := Resolve(list, []string{id})
	if err != nil {
		return Token{}, err
	}
	if len(found) == 0 {
		return Token{}, failure.NotFoundf("no token %s", id)
	}
	return found[0], nil
}

// FindFailed explains why Find could not find one token in place.
func FindFailed(place Place, scope Scope, id string, err error, credentialsHint string) error {
	var amb *AmbiguousError
	switch {
	case errors.As(err, &amb):
		return failure.Usagef("token ID prefix %s matches %d tokens in %s: give more of the ID", amb.Prefix, amb.Matches, place)
	case failure.Code(err) == failure.NotFound:
		return failure.Wrapf(err, "token %s not found in %s (see `%s%s`)", id, place, scope.ListCommand(), place.ProfileFlag())
	case scope.AllUsers && failure.KindOf(err) == failure.KindPermission:
		return failure.Wrapf(err, "cannot read token %s in %s: workspace admin rights are needed for --all-users (HTTP 403)", id, place)
	}
	return failure.Wrapf(err, "cannot read token %s in %s: %s", id, place, failure.Cause(err, credentialsHint))
}
