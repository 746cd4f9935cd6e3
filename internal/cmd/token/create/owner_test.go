package create

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const etlApp = "6f1c0f5e-1111-2222-3333-444455556666"

type createdJSON struct {
	TokenValue string `json:"token_value"`
	TokenInfo  struct {
		TokenID           string  `json:"token_id"`
		CreatedByUsername string  `json:"created_by_username"`
		OwnerID           int64   `json:"owner_id"`
		Owner             *string `json:"owner"`
		OwnerDisplayName  *string `json:"owner_display_name"`
	} `json:"token_info"`
}

// An on-behalf-of token's output names the service principal that owns
// it, looked up once; the admin who created it is its creator.
func TestCreateForServicePrincipalNamesTheOwner(t *testing.T) {
	e, fake := setup(t)
	fake.AddServicePrincipal(etlApp, "etl")
	if err := createRun(context.Background(), &Options{Deps: e.Deps(), ServicePrincipal: etlApp, Comment: "etl"}); err != nil {
		t.Fatal(err)
	}
	var got createdJSON
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, e.Stdout)
	}
	ti := got.TokenInfo
	if ti.Owner == nil || *ti.Owner != etlApp || ti.OwnerDisplayName == nil || *ti.OwnerDisplayName != "etl" ||
		ti.OwnerID != tokenstest.UserID(etlApp) || ti.CreatedByUsername != tokenstest.DefaultUser {
		t.Errorf("token_info %+v", ti)
	}
	if calls := fake.CallsTo(tokenstest.ServicePrincipals); len(calls) != 1 {
		t.Errorf("directory calls %+v, want 1", calls)
	}

	t.Run("on a terminal", func(t *testing.T) {
		e, fake := setup(t)
		fake.AddServicePrincipal(etlApp, "etl")
		e.IO.SetStdoutTTY(true)
		if err := createRun(context.Background(), &Options{Deps: e.Deps(), ServicePrincipal: etlApp, Comment: "etl"}); err != nil {
			t.Fatal(err)
		}
		cmdtest.Contains(t, "stdout", e.Stdout.String(), "Owner:     service principal etl ("+etlApp+")")
	})
	t.Run("directory unavailable", func(t *testing.T) {
		e, fake := setup(t)
		fake.Fail(tokenstest.ServicePrincipals, tokenstest.Unavailable())
		if err := createRun(context.Background(), &Options{Deps: e.Deps(), ServicePrincipal: etlApp, Comment: "etl"}); err != nil {
			t.Fatalf("the token was created and delivered: %v", err)
		}
		var got createdJSON
		_ = json.Unmarshal(e.Stdout.Bytes(), &got)
		if got.TokenInfo.Owner == nil || *got.TokenInfo.Owner != etlApp || got.TokenInfo.OwnerDisplayName != nil || got.TokenValue == "" {
			t.Errorf("result %+v", got)
		}
		cmdtest.Contains(t, "stderr", e.Stderr.String(), "cannot look up service principal "+etlApp)
	})
	t.Run("own token: no owner fields", func(t *testing.T) {
		e, _ := setup(t)
		if err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "mine"}); err != nil {
			t.Fatal(err)
		}
		var raw map[string]map[string]any
		_ = json.Unmarshal(e.Stdout.Bytes(), &raw)
		if _, ok := raw["token_info"]["owner"]; ok {
			t.Errorf("token_info of an own token has an owner: %s", e.Stdout)
		}
	})
}
