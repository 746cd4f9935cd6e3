package emulator

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/common/types/fieldmask"
	"github.com/databricks/databricks-sdk-go/service/settings"
)

// Tests of the Token and token-management APIs as the SDK's services see
// them: expired tokens, IDs, scopes, updates, last use, 90-day revocation.

func TestSDKTokenIDIsSHA256OfValue(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	tokens := settings.NewTokens(sdkClient(t, srv, aliceToken))
	created, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if created.TokenInfo.TokenId != TokenID(created.TokenValue) {
		t.Errorf("token_id %s is not the SHA-256 of the value", created.TokenInfo.TokenId)
	}
	all, err := tokens.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The bootstrap token's ID is derived the same way, so a client that
	// holds a value finds its token.
	if !slices.ContainsFunc(all, func(ti settings.PublicTokenInfo) bool { return ti.TokenId == TokenID(aliceToken) }) {
		t.Errorf("bootstrap token %s not listed: %+v", TokenID(aliceToken), all)
	}
}

func TestSDKExpiredTokensStayListed(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	alice := sdkClient(t, srv, aliceToken)
	tokens, mgmt := settings.NewTokens(alice), settings.NewTokenManagement(alice)
	created, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "short", LifetimeSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	id := created.TokenInfo.TokenId
	srv.Advance(2 * time.Minute)

	// It no longer authenticates...
	_, err = settings.NewTokens(sdkClient(t, srv, created.TokenValue)).ListAll(ctx)
	if !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("expired token authenticated: %v", err)
	}
	// ...but both lists and token-management get still return it, with
	// its expiry time.
	own, err := tokens.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(own, func(ti settings.PublicTokenInfo) bool { return ti.TokenId == id }); i < 0 || own[i].ExpiryTime != created.TokenInfo.ExpiryTime {
		t.Errorf("own list lacks the expired token: %+v", own)
	}
	all, err := mgmt.ListAll(ctx, settings.ListTokenManagementRequest{})
	if err != nil || !slices.ContainsFunc(all, func(ti settings.TokenInfo) bool { return ti.TokenId == id }) {
		t.Errorf("management list: %+v, %v", all, err)
	}
	got, err := mgmt.GetByTokenId(ctx, id)
	if err != nil || got.TokenInfo.ExpiryTime != created.TokenInfo.ExpiryTime {
		t.Fatalf("get of an expired token: %+v, %v", got, err)
	}

	// The Token API will not delete a token that is no longer valid.
	err = tokens.DeleteByTokenId(ctx, id)
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, apierr.ErrResourceDoesNotExist) || apiErr.Message != "No valid token with ID "+id+" found." {
		t.Errorf("delete of an expired token: %v", err)
	}
	if recs := srv.ListedTokens("alice"); len(recs) != 2 {
		t.Errorf("server holds %d tokens for alice, want 2", len(recs))
	}
	// An admin deletes it through token management.
	if err := mgmt.DeleteByTokenId(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := mgmt.GetByTokenId(ctx, id); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("get after delete: %v", err)
	}
	rec := findRecord(t, srv, id)
	if !rec.Revoked || rec.RevokedReason != RevokedDeleted || !rec.Expired {
		t.Errorf("record = %+v", rec)
	}
}

func findRecord(t *testing.T, srv *Server, id string) TokenRecord {
	t.Helper()
	for _, r := range srv.AllTokens() {
		if r.TokenID == id {
			return r
		}
	}
	t.Fatalf("no token %s on the server", id)
	return TokenRecord{}
}

func TestSDKScopesAndAutoscope(t *testing.T) {
	srv := start(t, Options{ServicePrincipals: []ServicePrincipal{{ApplicationID: "app-1"}}})
	ctx := context.Background()
	alice := sdkClient(t, srv, aliceToken)
	tokens, mgmt := settings.NewTokens(alice), settings.NewTokenManagement(alice)

	scoped, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "scoped", Scopes: []string{"secrets", "scim"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(scoped.TokenInfo.Scopes, []string{"secrets", "scim"}) {
		t.Errorf("create returned scopes %v", scoped.TokenInfo.Scopes)
	}
	auto, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "auto", AutoscopeEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if auto.TokenInfo.AutoscopeState != "AUTOSCOPE_STATE_RUNNING" {
		t.Errorf("autoscope_state = %q", auto.TokenInfo.AutoscopeState)
	}
	obo, err := mgmt.CreateOboToken(ctx, settings.CreateOboTokenRequest{ApplicationId: "app-1", Scopes: []string{"sql"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(obo.TokenInfo.Scopes, []string{"sql"}) {
		t.Errorf("obo scopes = %v", obo.TokenInfo.Scopes)
	}

	own, err := tokens.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(own, func(ti settings.PublicTokenInfo) bool { return ti.TokenId == scoped.TokenInfo.TokenId }); i < 0 || !slices.Equal(own[i].Scopes, []string{"secrets", "scim"}) {
		t.Errorf("list lacks scopes: %+v", own)
	}
	got, err := mgmt.GetByTokenId(ctx, scoped.TokenInfo.TokenId)
	if err != nil || !slices.Equal(got.TokenInfo.Scopes, []string{"secrets", "scim"}) {
		t.Errorf("get: %+v, %v", got, err)
	}

	// Unknown scope names are refused.
	_, err = tokens.Create(ctx, settings.CreateTokenRequest{Scopes: []string{"everything"}})
	if !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("unknown scope: %v", err)
	}

	// The scoped token may read the caller (every scope may) and use its
	// scopes, but not create tokens, which needs "authentication".
	scopedClient := sdkClient(t, srv, scoped.TokenValue)
	_, err = settings.NewTokens(scopedClient).Create(ctx, settings.CreateTokenRequest{Comment: "nope"})
	var apiErr *apierr.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden || apiErr.Message != "Provided access token does not have required scopes: authentication" {
		t.Errorf("create with a token lacking the authentication scope: %v", err)
	}
	if _, err := settings.NewTokens(scopedClient).ListAll(ctx); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("list with a token lacking the authentication scope: %v", err)
	}
	if n := len(srv.ListedTokens("alice")); n != 3 {
		t.Errorf("alice holds %d tokens, want 3", n)
	}

	// A token with the authentication scope creates tokens of any scope.
	authTok, err := tokens.Create(ctx, settings.CreateTokenRequest{Scopes: []string{"authentication"}})
	if err != nil {
		t.Fatal(err)
	}
	wide, err := settings.NewTokens(sdkClient(t, srv, authTok.TokenValue)).Create(ctx, settings.CreateTokenRequest{Scopes: []string{"all-apis"}})
	if err != nil || !slices.Equal(wide.TokenInfo.Scopes, []string{"all-apis"}) {
		t.Errorf("create through an authentication-scoped token: %+v, %v", wide, err)
	}

	// While observed, an autoscoped token calls anything and the scopes it
	// uses are inferred; afterwards it is held to them.
	autoTokens := settings.NewTokens(sdkClient(t, srv, auto.TokenValue))
	if _, err := autoTokens.ListAll(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Advance(DefaultAutoscopeObservation)
	got, err = mgmt.GetByTokenId(ctx, auto.TokenInfo.TokenId)
	if err != nil || got.TokenInfo.AutoscopeState != "AUTOSCOPE_STATE_COMPLETED" || !slices.Equal(got.TokenInfo.InferredScopes, []string{"authentication"}) {
		t.Fatalf("autoscoped token after observation: %+v, %v", got.TokenInfo, err)
	}
	if _, err := autoTokens.ListAll(ctx); err != nil {
		t.Errorf("inferred scope refused: %v", err)
	}
	_, err = settings.NewWorkspaceConf(sdkClient(t, srv, auto.TokenValue)).GetStatus(ctx, settings.GetStatusRequest{Keys: "enableTokensConfig"})
	if !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("scope outside the inferred ones: %v", err)
	}
}

func TestSDKUpdateTokens(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	tokens := settings.NewTokens(sdkClient(t, srv, bobToken))
	created, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "before", Scopes: []string{"sql"}})
	if err != nil {
		t.Fatal(err)
	}
	id := created.TokenInfo.TokenId

	_, err = tokens.Update(ctx, settings.UpdateTokenRequest{
		TokenId:    id,
		Token:      settings.PublicTokenInfo{Comment: "after", Scopes: []string{"jobs"}},
		UpdateMask: *fieldmask.New([]string{"comment"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := findRecord(t, srv, id)
	if rec.Comment != "after" || !slices.Equal(rec.Scopes, []string{"sql"}) {
		t.Errorf("after a comment-only update: %+v", rec)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Method != "PATCH" || last.Path != "/api/2.0/token/"+id {
		t.Errorf("request = %s %s", last.Method, last.Path)
	}

	_, err = tokens.Update(ctx, settings.UpdateTokenRequest{
		TokenId:    id,
		Token:      settings.PublicTokenInfo{Scopes: []string{"jobs", "sql"}},
		UpdateMask: *fieldmask.New([]string{"scopes"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec := findRecord(t, srv, id); rec.Comment != "after" || !slices.Equal(rec.Scopes, []string{"jobs", "sql"}) {
		t.Errorf("after a scopes update: %+v", rec)
	}

	for _, tc := range []struct {
		name string
		req  settings.UpdateTokenRequest
		want error
	}{
		{"empty mask", settings.UpdateTokenRequest{TokenId: id, Token: settings.PublicTokenInfo{Comment: "x"}}, apierr.ErrInvalidParameterValue},
		{"unknown field", settings.UpdateTokenRequest{TokenId: id, UpdateMask: *fieldmask.New([]string{"expiry_time"})}, apierr.ErrInvalidParameterValue},
		{"no scopes at all", settings.UpdateTokenRequest{TokenId: id, UpdateMask: *fieldmask.New([]string{"scopes"})}, apierr.ErrInvalidParameterValue},
		{"unknown token", settings.UpdateTokenRequest{TokenId: TokenID("nope"), Token: settings.PublicTokenInfo{Comment: "x"}, UpdateMask: *fieldmask.New([]string{"comment"})}, apierr.ErrNotFound},
		{"another user's token", settings.UpdateTokenRequest{TokenId: TokenID(aliceToken), Token: settings.PublicTokenInfo{Comment: "x"}, UpdateMask: *fieldmask.New([]string{"comment"})}, apierr.ErrNotFound},
	} {
		if _, err := tokens.Update(ctx, tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}

	// Admins update anyone's token through token management and get the
	// token back.
	mgmt := settings.NewTokenManagement(sdkClient(t, srv, aliceToken))
	info, err := mgmt.UpdateTokenManagement(ctx, settings.UpdateTokenManagementRequest{
		TokenId:    id,
		Token:      settings.TokenInfo{Comment: "by admin"},
		UpdateMask: *fieldmask.New([]string{"comment"}),
	})
	if err != nil || info.Comment != "by admin" || info.CreatedByUsername != "bob" || info.TokenId != id {
		t.Errorf("UpdateTokenManagement = %+v, %v", info, err)
	}
	if rec := findRecord(t, srv, id); rec.Comment != "by admin" {
		t.Errorf("server comment = %q", rec.Comment)
	}
	_, err = settings.NewTokenManagement(sdkClient(t, srv, bobToken)).UpdateTokenManagement(ctx, settings.UpdateTokenManagementRequest{
		TokenId: id, Token: settings.TokenInfo{Comment: "x"}, UpdateMask: *fieldmask.New([]string{"comment"}),
	})
	if !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("non-admin token-management update: %v", err)
	}
}

func TestSDKLastUsedAndUnusedRevocation(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	alice := sdkClient(t, srv, aliceToken)
	tokens, mgmt := settings.NewTokens(alice), settings.NewTokenManagement(alice)
	used, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "used"})
	if err != nil {
		t.Fatal(err)
	}
	unused, err := tokens.Create(ctx, settings.CreateTokenRequest{Comment: "unused"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Advance(36 * time.Hour)
	usedTokens := settings.NewTokens(sdkClient(t, srv, used.TokenValue))
	if _, err := usedTokens.ListAll(ctx); err != nil {
		t.Fatal(err)
	}

	lastUsed := map[string]int64{}
	all, err := mgmt.ListAll(ctx, settings.ListTokenManagementRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range all {
		lastUsed[ti.CreatedByUsername+"/"+ti.Comment] = ti.LastUsedDay
		if ti.WorkspaceId != workspaceID {
			t.Errorf("workspace_id = %d", ti.WorkspaceId)
		}
	}
	day := dayStart(fixedNow.Add(36 * time.Hour)).UnixMilli()
	if lastUsed["alice/used"] != day || lastUsed["alice/unused"] != 0 || lastUsed["alice/"+BootstrapComment] != day || lastUsed["bob/"+BootstrapComment] != 0 {
		t.Errorf("last_used_day = %v, want alice's used and bootstrap tokens on %d", lastUsed, day)
	}
	// The user's own list carries no last use (nor creator or owner).
	var raw struct {
		TokenInfos []map[string]any `json:"token_infos"`
	}
	if err := alice.Do(ctx, http.MethodGet, "/api/2.0/token/list", nil, nil, nil, &raw); err != nil {
		t.Fatal(err)
	}
	for _, ti := range raw.TokenInfos {
		for _, k := range []string{"last_used_day", "created_by_id", "owner_id", "workspace_id"} {
			if _, ok := ti[k]; ok {
				t.Errorf("own list has %s: %v", k, ti)
			}
		}
	}

	// 90 days after creation the never-used token is revoked; the used
	// one has 36 more hours.
	srv.Advance(DefaultUnusedRevocation - 36*time.Hour)
	if _, err := mgmt.GetByTokenId(ctx, unused.TokenInfo.TokenId); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("unused token after 90 days: %v", err)
	}
	rec := findRecord(t, srv, unused.TokenInfo.TokenId)
	if !rec.Revoked || rec.RevokedReason != RevokedUnused || !rec.RevokedAt.Equal(fixedNow.Add(DefaultUnusedRevocation)) {
		t.Errorf("record = %+v", rec)
	}
	if _, err := usedTokens.ListAll(ctx); err != nil {
		t.Errorf("token used 88.5 days ago: %v", err)
	}
	// Using it restarted its clock.
	srv.Advance(DefaultUnusedRevocation - time.Hour)
	if _, err := mgmt.GetByTokenId(ctx, used.TokenInfo.TokenId); err != nil {
		t.Errorf("used token revoked early: %v", err)
	}
	srv.Advance(time.Hour)
	if _, err := usedTokens.ListAll(ctx); !errors.Is(err, apierr.ErrPermissionDenied) {
		t.Errorf("token unused for 90 days still authenticates: %v", err)
	}
}

func TestSDKPreviewTokenManagementPaths(t *testing.T) {
	srv := start(t, Options{})
	ctx := context.Background()
	c := sdkClient(t, srv, aliceToken)
	var list settings.ListTokensResponse
	if err := c.Do(ctx, http.MethodGet, "/api/2.0/preview/token-management/tokens", nil, nil, nil, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.TokenInfos) != 2 || list.TokenInfos[0].WorkspaceId != workspaceID {
		t.Errorf("preview list = %+v", list)
	}
	var got settings.GetTokenResponse
	path := "/api/2.0/preview/token-management/tokens/" + TokenID(bobToken)
	if err := c.Do(ctx, http.MethodGet, path, nil, nil, nil, &got); err != nil || got.TokenInfo.CreatedByUsername != "bob" {
		t.Errorf("preview get = %+v, %v", got.TokenInfo, err)
	}
	if err := c.Do(ctx, http.MethodDelete, path, nil, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if len(srv.Tokens("bob")) != 0 {
		t.Error("preview delete left bob's token")
	}
}
