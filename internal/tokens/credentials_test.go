package tokens_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

// One workspace is often reached under two names. A profile's token is
// its own by digest whichever name the profile uses.
func TestCredentialsAcrossHostNames(t *testing.T) {
	own, alias := tokens.NewSecret("dapi-own"), tokens.NewSecret("dapi-alias")
	creds := tokens.NewCredentials([]tokens.Credential{
		{Profile: "DEFAULT", Host: "https://dbc-1234.cloud.databricks.com", Value: own},
		{Profile: "vanity", Host: "https://data.example.com", Value: alias},
		{Profile: "again", Host: "https://data.example.com/", Value: own},
	}, nil)
	key := tokens.HostKey("https://dbc-1234.cloud.databricks.com")
	if got := creds.ProfilesUsing(key, alias.Digest()); !slices.Equal(got, []string{"vanity"}) {
		t.Errorf("ProfilesUsing(alias token) = %v, want [vanity]: the same workspace under another name", got)
	}
	if got := creds.ProfilesUsing(key, own.Digest()); !slices.Equal(got, []string{"DEFAULT", "again"}) {
		t.Errorf("ProfilesUsing(own token) = %v, want [DEFAULT again]", got)
	}
	// Rewritten together: only under the same host name, which cannot be
	// another workspace; the other is named for the user.
	if got := creds.SameValue(key, own); !slices.Equal(got, []string{"DEFAULT"}) {
		t.Errorf("SameValue = %v, want [DEFAULT]", got)
	}
	if got := creds.Elsewhere(key, own.Digest()); len(got) != 1 || got[0].Profile != "again" {
		t.Errorf("Elsewhere = %v, want the profile again", got)
	}
	if got := creds.ProfilesUsing(key, tokens.NewSecret("dapi-other").Digest()); got != nil {
		t.Errorf("a token nobody signs in with is used by %v", got)
	}
}

// A create answer that names a profile's own token as the new one must
// not get that token revoked when delivery fails: on a workspace whose
// IDs are digests the new token's own ID is used; elsewhere nothing is
// revoked and the error says why.
func TestUndeliveredNeverRevokesACredential(t *testing.T) {
	ctx := context.Background()
	f := &tokenstest.Fake{Me: "alice@example.com"}
	ownTok, own := f.Add(tokenstest.Seed{Comment: "profile"})
	newTok, value := f.Add(tokenstest.Seed{Comment: "ci"})
	place := tokens.Place{Profile: "DEFAULT", Host: "https://w.example.com"}
	cause := errors.New("--pipe-to failed")

	// Not known to use digest IDs: the answer's ID is all there is, and it
	// is the profile's token, so nothing is revoked.
	creds := tokens.NewCredentials([]tokens.Credential{{Profile: "DEFAULT", Host: place.Host, Value: own}}, nil)
	lying := newTok
	lying.ID = ownTok.ID
	target := creds.Undelivered(tokens.Target{Place: place, API: f, Token: lying}, tokens.NewSecret("dapi-not-a-digest-source"))
	err := tokens.RevokeUndelivered(ctx, cause, target, "", "")
	if err == nil || !strings.Contains(err.Error(), "so it was not revoked") || !strings.Contains(err.Error(), `comment "ci"`) {
		t.Fatalf("error %v, want a refusal that names the new token's comment", err)
	}
	if !f.Has(ownTok.ID) || !f.Has(newTok.ID) {
		t.Fatal("a token was revoked on an answer that cannot be trusted")
	}

	// Known to use digest IDs: the new token's ID is its value's digest,
	// and that token is revoked, not the one the answer named.
	creds.Learn(place.Key(), []tokens.Token{ownTok})
	target = creds.Undelivered(tokens.Target{Place: place, API: f, Token: lying}, value)
	if err := tokens.RevokeUndelivered(ctx, cause, target, "", ""); err == nil || !strings.Contains(err.Error(), "the new token "+newTok.ID+" was revoked") {
		t.Fatalf("error %v, want the new token revoked by its digest", err)
	}
	if !f.Has(ownTok.ID) || f.Has(newTok.ID) {
		t.Errorf("profile's token kept: %v, new token revoked: %v", f.Has(ownTok.ID), !f.Has(newTok.ID))
	}
}
