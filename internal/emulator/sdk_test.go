package emulator

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/settings"
)

// noLoader keeps the SDK from reading DATABRICKS_* variables or
// ~/.databrickscfg of whoever runs the tests.
type noLoader struct{}

func (noLoader) Name() string                   { return "none" }
func (noLoader) Configure(*config.Config) error { return nil }

func sdkClient(t *testing.T, srv *Server, token string) *client.DatabricksClient {
	t.Helper()
	c, err := client.New(&config.Config{
		Host:                srv.URL,
		Token:               token,
		Credentials:         config.PatCredentials{},
		Loaders:             []config.Loader{noLoader{}},
		RetryTimeoutSeconds: 3,
		HTTPTimeoutSeconds:  5,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSDKTokens(t *testing.T) {
	srv := start(t, Options{MaxLifetime: 24 * time.Hour})
	ctx := context.Background()
	c := sdkClient(t, srv, aliceToken)
	if c.Config.WorkspaceID != WorkspaceID {
		t.Errorf("SDK resolved workspace ID %q from discovery, want %q", c.Config.WorkspaceID, WorkspaceID)
	}
	tokens := settings.NewTokens(c)

	created, err := tokens.Create(ctx, settings.CreateTokenRequest{LifetimeSeconds: 3600, Comment: "sdk"})
	if err != nil {
		t.Fatal(err)
	}
	if !valueRE.MatchString(created.TokenValue) || created.TokenInfo.Comment != "sdk" ||
		created.TokenInfo.ExpiryTime-created.TokenInfo.CreationTime != 3600_000 {
		t.Errorf("Create = %+v / %+v", created, created.TokenInfo)
	}

	all, err := tokens.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ExpiryTime != -1 || all[1].TokenId != created.TokenInfo.TokenId {
		t.Errorf("ListAll = %+v", all)
	}

	// The new token works through the SDK as well.
	if _, err := settings.NewTokens(sdkClient(t, srv, created.TokenValue)).ListAll(ctx); err != nil {
		t.Errorf("listing with the new token: %v", err)
	}

	if err := tokens.DeleteByTokenId(ctx, created.TokenInfo.TokenId); err != nil {
		t.Fatal(err)
	}
	err = tokens.DeleteByTokenId(ctx, created.TokenInfo.TokenId)
	if !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("deleting a deleted token: %v, want ErrResourceDoesNotExist", err)
	}
	_, err = tokens.Create(ctx, settings.CreateTokenRequest{LifetimeSeconds: 48 * 3600})
	if !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("too long a lifetime: %v, want ErrInvalidParameterValue", err)
	}

	_, err = settings.NewTokens(sdkClient(t, srv, created.TokenValue)).ListAll(ctx)
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.ErrorCode != "403" || !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("revoked token: %v", err)
	}
}

func TestSDKTokenManagement(t *testing.T) {
	srv := start(t, Options{ServicePrincipals: []ServicePrincipal{{ApplicationID: "app-1", DisplayName: "CI"}}})
	ctx := context.Background()
	mgmt := settings.NewTokenManagement(sdkClient(t, srv, aliceToken))

	obo, err := mgmt.CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: "app-1", LifetimeSeconds: 600, Comment: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	if obo.TokenInfo.CreatedByUsername != "alice" || obo.TokenInfo.OwnerId == obo.TokenInfo.CreatedById {
		t.Errorf("CreateOboToken info = %+v", obo.TokenInfo)
	}
	if _, err := settings.NewTokens(sdkClient(t, srv, obo.TokenValue)).ListAll(ctx); err != nil {
		t.Errorf("OBO token does not authenticate: %v", err)
	}

	all, err := mgmt.ListAll(ctx, settings.ListTokenManagementRequest{CreatedByUsername: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || !slices.ContainsFunc(all, func(ti settings.TokenInfo) bool { return ti.TokenId == obo.TokenInfo.TokenId }) {
		t.Errorf("ListAll(created by alice) = %+v", all)
	}
	got, err := mgmt.GetByTokenId(ctx, obo.TokenInfo.TokenId)
	if err != nil || got.TokenInfo.Comment != "bot" {
		t.Errorf("GetByTokenId = %+v, %v", got, err)
	}
	if err := mgmt.DeleteByTokenId(ctx, obo.TokenInfo.TokenId); err != nil {
		t.Fatal(err)
	}
	if _, err := mgmt.GetByTokenId(ctx, obo.TokenInfo.TokenId); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("get after delete: %v", err)
	}

	_, err = settings.NewTokenManagement(sdkClient(t, srv, bobToken)).ListAll(ctx, settings.ListTokenManagementRequest{})
	if !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("non-admin list: %v, want ErrPermissionDenied", err)
	}
}

func TestSDKSeesFaults(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	tokens := settings.NewTokens(sdkClient(t, srv, aliceToken))

	// The SDK retries a 503 and then succeeds.
	srv.AddFault(Fault{Path: "/api/2.0/token/list", Status: 503, Count: 1})
	if _, err := tokens.ListAll(ctx); err != nil {
		t.Errorf("after one 503: %v", err)
	}
	if n := len(srv.Requests()); n != 3 { // discovery, 503, retry
		t.Errorf("%d requests recorded, want 3", n)
	}

	srv.AddFault(Fault{Path: "/api/2.0/token/list", Kind: FaultHTML, Status: 500, Count: 1})
	_, err := tokens.ListAll(ctx)
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Message != "Internal Server Error" {
		t.Errorf("HTML error page: %v", err)
	}

	srv.AddFault(Fault{Path: "/api/2.0/token/list", Kind: FaultMalformed, Count: 1})
	if _, err := tokens.ListAll(ctx); err == nil {
		t.Error("malformed JSON accepted")
	}
}
