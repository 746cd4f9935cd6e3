package revoke

import (
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const etlApp = "6f1c0f5e-1111-2222-3333-444455556666"

// --owner selects one owner's tokens among every user's: a service
// principal's on-behalf-of tokens, which the admin created, and nothing
// the admin owns.
func TestRevokeByOwner(t *testing.T) {
	w := setup(t)
	w.fake.AddServicePrincipal(etlApp, "etl")
	obo, _ := w.fake.Add(tokenstest.Seed{Comment: "ci-etl", Owner: etlApp, CreatedBy: tokenstest.DefaultUser})
	bobs, _ := w.fake.Add(tokenstest.Seed{Comment: "ci-bob", Owner: "bob@example.com"})
	asker := &tokenstest.Asker{Yes: true}
	w.e.Asker = asker
	err := w.run(t, func(o *Options) {
		o.Scope.AllUsers = true
		_ = o.Filter.SetOwner("etl")
		_ = o.Filter.SetComment("ci-*")
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.fake.Revoked(); len(got) != 1 || got[0] != obo.ID {
		t.Fatalf("revoked %v, want only the service principal's %s", got, obo.ID)
	}
	if calls := w.fake.CallsTo(tokenstest.RevokeAny); len(calls) != 1 {
		t.Errorf("RevokeAny calls %+v", calls)
	}
	if !w.fake.Has(bobs.ID) || !w.fake.Has(w.ci1.ID) {
		t.Error("tokens of other owners were revoked")
	}
	// A filter is always confirmed; the plan shown names the owner.
	if p := asker.Plans(); len(p) != 1 || len(p[0].Targets) != 1 || p[0].Targets[0].Token.OwnerText() != "etl ("+etlApp+")" {
		t.Errorf("plans shown %+v", p)
	}
	if n := len(w.fake.CallsTo(tokenstest.ServicePrincipals)); n != 1 {
		t.Errorf("%d directory lookups, want 1", n)
	}
	res := decode(t, w.e.Stdout.Bytes())
	if len(res.Revoked) != 1 || *res.Revoked[0].Comment != "ci-etl" {
		t.Errorf("result %+v", res)
	}
}

func TestRevokeByOwnerNeedsTheDirectory(t *testing.T) {
	w := setup(t)
	w.fake.Fail(tokenstest.ServicePrincipals, tokenstest.Unavailable())
	err := w.run(t, func(o *Options) {
		o.Scope.AllUsers = true
		o.Consent.Yes = true
		_ = o.Filter.SetOwner("etl")
	})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "error", err.Error(), "cannot look up who owns the tokens (for --owner)")
	if n := len(w.fake.Revoked()); n != 0 {
		t.Errorf("%d revoked", n)
	}
}
