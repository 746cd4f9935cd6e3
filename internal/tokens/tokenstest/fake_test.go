package tokenstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// The command tests trust the fake to behave like a workspace; these pin
// the behaviours they rely on.

var _ tokens.API = (*Fake)(nil)
var _ tokens.Record = (*Record)(nil)

func TestFakeIDsAreDigestsOfValues(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f := &Fake{Clock: func() time.Time { return now }}
	created, err := f.Create(ctx, tokens.CreateRequest{Comment: "ci", LifetimeSeconds: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if created.Token.ID != created.Value.Digest() {
		t.Errorf("ID %s is not the digest of the value", created.Token.ID)
	}
	if got, want := created.Token.ExpiryTime-created.Token.CreationTime, int64(3600_000); got != want {
		t.Errorf("lifetime %d ms, want %d", got, want)
	}
	if created.Token.CreationTime != now.UnixMilli() {
		t.Errorf("created at %d, want the clock's %d", created.Token.CreationTime, now.UnixMilli())
	}
	seeded, v := f.Add(Seed{Comment: "old"})
	if seeded.ID != v.Digest() || seeded.ExpiryTime != -1 {
		t.Errorf("seeded token %+v: want a digest ID and no expiry", seeded)
	}

	opaque := &Fake{OpaqueIDs: true}
	o, ov := opaque.Add(Seed{})
	if o.ID == ov.Digest() || tokens.ValidateID(o.ID) != nil {
		t.Errorf("opaque ID %q should be a valid ID other than the digest", o.ID)
	}
}

func TestFakeSignedInClients(t *testing.T) {
	ctx := context.Background()
	f := &Fake{}
	tok, v := f.Add(Seed{Comment: "credential"})
	as := f.As(v)
	if _, err := as.List(ctx); err != nil {
		t.Fatalf("live credential refused: %v", err)
	}
	if err := as.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	// Its own token revoked, the client no longer signs in.
	_, err := as.List(ctx)
	if failure.KindOf(err) != failure.KindAuth {
		t.Fatalf("revoked credential: got %v, want an auth error", err)
	}
	calls := f.Calls()
	if len(calls) != 3 || calls[1].SignedInAs != tok.ID || calls[1].TokenID != tok.ID {
		t.Errorf("calls %+v", calls)
	}
}

func TestFakeScopes(t *testing.T) {
	ctx := context.Background()
	f := &Fake{}
	mine, _ := f.Add(Seed{Comment: "mine"})
	theirs, _ := f.Add(Seed{Comment: "theirs", Owner: "bob@example.com"})

	own, _ := f.List(ctx)
	if len(own) != 1 || own[0].ID != mine.ID || own[0].Owner != nil {
		t.Errorf("List = %+v, want only my token without owner details", own)
	}
	all, _ := f.ListAll(ctx, tokens.ListAllRequest{})
	if len(all) != 2 || all[1].Owner == nil || all[1].Owner.CreatedByUsername != "bob@example.com" {
		t.Errorf("ListAll = %+v", all)
	}
	bobs, _ := f.ListAll(ctx, tokens.ListAllRequest{CreatedBy: "bob@example.com"})
	if len(bobs) != 1 || bobs[0].ID != theirs.ID {
		t.Errorf("ListAll(bob) = %+v", bobs)
	}
	if err := f.Revoke(ctx, theirs.ID); failure.KindOf(err) != failure.KindNotFound {
		t.Errorf("Revoke of another user's token: %v, want not found", err)
	}
	if err := f.RevokeAny(ctx, theirs.ID); err != nil || f.Has(theirs.ID) {
		t.Errorf("RevokeAny: %v, still there: %v", err, f.Has(theirs.ID))
	}
}

func TestFakeInjectedErrors(t *testing.T) {
	ctx := context.Background()
	f := &Fake{}
	f.FailNext(Create, Unavailable())
	if _, err := f.Create(ctx, tokens.CreateRequest{}); failure.KindOf(err) != failure.KindUnavailable {
		t.Fatalf("FailNext: %v", err)
	}
	if len(f.Tokens()) != 0 {
		t.Fatal("a refused create left a token")
	}
	if _, err := f.Create(ctx, tokens.CreateRequest{}); err != nil {
		t.Fatalf("FailNext failed twice: %v", err)
	}

	// A lost answer alone changes nothing...
	f.FailNext(Create, LostAnswer())
	if _, err := f.Create(ctx, tokens.CreateRequest{Comment: "lost"}); !failure.MaybeApplied(err) || len(f.Tokens()) != 1 {
		t.Fatalf("LostAnswer: %v, %d tokens", err, len(f.Tokens()))
	}
	// ...after applying, the token exists although the call failed.
	f.FailNext(Create, AfterApplying(LostAnswer()))
	if _, err := f.Create(ctx, tokens.CreateRequest{Comment: "lost"}); !failure.MaybeApplied(err) {
		t.Fatalf("LostAnswer: %v", err)
	}
	if ts := f.Tokens(); len(ts) != 2 || ts[1].Comment != "lost" {
		t.Fatalf("tokens after a lost answer: %+v", ts)
	}

	boom := errors.New("boom")
	f.Fail(List, boom)
	for range 2 {
		if _, err := f.List(ctx); !errors.Is(err, boom) {
			t.Fatalf("Fail: %v", err)
		}
	}
	f.Fail(List, nil)
	if _, err := f.List(ctx); err != nil {
		t.Fatal(err)
	}

	tok := f.Tokens()[0]
	f.FailRevoke(tok.ID, PermissionDenied())
	if err := f.Revoke(ctx, tok.ID); failure.KindOf(err) != failure.KindPermission || !f.Has(tok.ID) {
		t.Fatalf("FailRevoke: %v", err)
	}
	if got := f.Revoked(); len(got) != 0 {
		t.Fatalf("Revoked() counts failed calls: %v", got)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.List(cancelled); failure.KindOf(err) != failure.KindCanceled {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestRecord(t *testing.T) {
	r := &Record{}
	v := tokens.NewSecret(NewValue())
	if err := r.Record("https://A.example.com/", v.Reveal(), "id1"); err != nil {
		t.Fatal(err)
	}
	if id, ok := r.Lookup("https://a.example.com", v.Reveal()); !ok || id != "id1" {
		t.Fatalf("Lookup = %q, %v", id, ok)
	}
	if err := r.Record("https://a.example.com", NewValue(), "id2", "id1"); err != nil {
		t.Fatal(err)
	}
	if got := r.IssuedIDs("https://a.example.com"); len(got) != 1 || got[0] != "id2" {
		t.Fatalf("after replacing id1: %v", got)
	}
	r.NoteDigestIDs("https://a.example.com")
	if !r.UsesDigestIDs("https://a.example.com:443") {
		t.Fatal("digest IDs not remembered by host key")
	}
	_ = r.Forget("https://a.example.com", "id2")
	if got := r.IssuedIDs("https://a.example.com"); len(got) != 0 {
		t.Fatalf("after Forget: %v", got)
	}
	r.Err = errors.New("disk full")
	if r.Record("h", "v", "i") == nil || r.Forget("h", "i") == nil {
		t.Fatal("Err not returned")
	}
}
