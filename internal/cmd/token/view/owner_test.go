package view

import (
	"context"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

// An admin viewing an on-behalf-of token sees whose it is: one lookup.
func TestViewOnBehalfOfToken(t *testing.T) {
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", host)
	fake := e.Fake(host)
	fake.AddServicePrincipal("etl-app", "etl")
	tok, _ := fake.Add(tokenstest.Seed{Comment: "etl", Owner: "etl-app", CreatedBy: tokenstest.DefaultUser})
	e.IO.SetStdoutTTY(true)
	e.Output = output.Choice{Format: "table"}
	if err := viewRun(context.Background(), &Options{Deps: e.Deps(), ID: tok.ID, Scope: allUsers()}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", e.Stdout.String(), "Creator:   "+tokenstest.DefaultUser, "Owner:     service principal etl (etl-app)")
	if n := len(fake.CallsTo(tokenstest.ServicePrincipals)); n != 1 {
		t.Errorf("%d lookups", n)
	}
}
