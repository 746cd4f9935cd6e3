package emulator

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/workspace"
)

func TestSDKSecrets(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	bob := workspace.NewSecrets(sdkClient(t, srv, bobToken))

	if err := bob.CreateScope(ctx, workspace.CreateScope{Scope: "ci"}); err != nil {
		t.Fatal(err)
	}
	err := bob.CreateScope(ctx, workspace.CreateScope{Scope: "ci"})
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != "RESOURCE_ALREADY_EXISTS" {
		t.Errorf("second create: %v", err)
	}
	if err := bob.CreateScope(ctx, workspace.CreateScope{Scope: "bad name!"}); !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("invalid scope name: %v", err)
	}

	if err := bob.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "DATABRICKS_TOKEN", StringValue: "dapi-value"}); err != nil {
		t.Fatal(err)
	}
	srv.Advance(time.Minute)
	raw := []byte{0, 1, 2, 0xff}
	if err := bob.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "blob", BytesValue: base64.StdEncoding.EncodeToString(raw)}); err != nil {
		t.Fatal(err)
	}
	// What the server holds, through the accessor tests use.
	if v, ok := srv.Secret("ci", "DATABRICKS_TOKEN"); !ok || string(v) != "dapi-value" {
		t.Errorf("stored string secret = %q, %v", v, ok)
	}
	if v, ok := srv.Secret("ci", "blob"); !ok || string(v) != string(raw) {
		t.Errorf("stored bytes secret = %v, %v", v, ok)
	}

	meta, err := bob.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if len(meta) != 2 || meta[0].Key != "DATABRICKS_TOKEN" || meta[0].LastUpdatedTimestamp != fixedNow.UnixMilli() ||
		meta[1].Key != "blob" || meta[1].LastUpdatedTimestamp != fixedNow.Add(time.Minute).UnixMilli() {
		t.Errorf("ListSecrets = %+v", meta)
	}
	got, err := bob.GetSecret(ctx, workspace.GetSecretRequest{Scope: "ci", Key: "DATABRICKS_TOKEN"})
	if err != nil || got.Key != "DATABRICKS_TOKEN" || got.Value != base64.StdEncoding.EncodeToString([]byte("dapi-value")) {
		t.Errorf("GetSecret = %+v, %v", got, err)
	}
	scopes, err := bob.ListScopesAll(ctx)
	if err != nil || len(scopes) != 1 || scopes[0].Name != "ci" || scopes[0].BackendType != workspace.ScopeBackendTypeDatabricks {
		t.Errorf("ListScopes = %+v, %v", scopes, err)
	}

	// Overwriting keeps one secret with the new value.
	if err := bob.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "DATABRICKS_TOKEN", StringValue: "dapi-new"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.Secret("ci", "DATABRICKS_TOKEN"); string(v) != "dapi-new" {
		t.Errorf("after overwrite: %q", v)
	}

	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"unknown scope put", bob.PutSecret(ctx, workspace.PutSecret{Scope: "nope", Key: "k", StringValue: "v"}), apierr.ErrResourceDoesNotExist},
		{"unknown scope list", func() error {
			_, err := bob.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "nope"})
			return err
		}(), apierr.ErrResourceDoesNotExist},
		{"unknown key get", func() error {
			_, err := bob.GetSecret(ctx, workspace.GetSecretRequest{Scope: "ci", Key: "nope"})
			return err
		}(), apierr.ErrResourceDoesNotExist},
		{"no value", bob.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "k"}), apierr.ErrInvalidParameterValue},
		{"bad key", bob.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "a/b", StringValue: "v"}), apierr.ErrInvalidParameterValue},
		{"too big", bob.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "big", StringValue: strings.Repeat("x", 128<<10+1)}), apierr.ErrInvalidParameterValue},
		{"delete unknown key", bob.DeleteSecret(ctx, workspace.DeleteSecret{Scope: "ci", Key: "nope"}), apierr.ErrResourceDoesNotExist},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}

	// The creator and admins use a scope; another user does not, unless the
	// scope was created for all users.
	carolSecrets := workspace.NewSecrets(sdkClient(t, srv, "oauth-carol"))
	if err := srv.AddUser(User{Name: "carol", Token: "oauth-carol", OAuth: true}); err != nil {
		t.Fatal(err)
	}
	if err := carolSecrets.PutSecret(ctx, workspace.PutSecret{Scope: "ci", Key: "k", StringValue: "v"}); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("another user's put: %v", err)
	}
	if _, err := carolSecrets.ListSecretsAll(ctx, workspace.ListSecretsRequest{Scope: "ci"}); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("another user's list: %v", err)
	}
	alice := workspace.NewSecrets(sdkClient(t, srv, aliceToken))
	if _, err := alice.GetSecret(ctx, workspace.GetSecretRequest{Scope: "ci", Key: "blob"}); err != nil {
		t.Errorf("admin get: %v", err)
	}
	if err := alice.CreateScope(ctx, workspace.CreateScope{Scope: "shared", InitialManagePrincipal: "users"}); err != nil {
		t.Fatal(err)
	}
	if err := carolSecrets.PutSecret(ctx, workspace.PutSecret{Scope: "shared", Key: "k", StringValue: "v"}); err != nil {
		t.Errorf("put into a scope all users manage: %v", err)
	}
	if err := alice.CreateScope(ctx, workspace.CreateScope{Scope: "x", InitialManagePrincipal: "bob"}); !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("initial_manage_principal other than users: %v", err)
	}

	if err := bob.DeleteSecret(ctx, workspace.DeleteSecret{Scope: "ci", Key: "blob"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Secret("ci", "blob"); ok {
		t.Error("deleted secret still stored")
	}
	if err := bob.DeleteScope(ctx, workspace.DeleteScope{Scope: "ci"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Secret("ci", "DATABRICKS_TOKEN"); ok {
		t.Error("secret of a deleted scope still stored")
	}

	// A token scoped to secrets uses them; one scoped otherwise does not.
	_, secretsValue, err := srv.SeedToken(TokenSeed{Owner: "alice", Scopes: []string{"secrets"}})
	if err != nil {
		t.Fatal(err)
	}
	_, sqlValue, err := srv.SeedToken(TokenSeed{Owner: "alice", Scopes: []string{"sql"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workspace.NewSecrets(sdkClient(t, srv, secretsValue)).ListScopesAll(ctx); err != nil {
		t.Errorf("secrets-scoped token: %v", err)
	}
	if _, err := workspace.NewSecrets(sdkClient(t, srv, sqlValue)).ListScopesAll(ctx); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("sql-scoped token listing secret scopes: %v", err)
	}
}
