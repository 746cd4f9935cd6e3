package workspace

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/common/types/fieldmask"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/httpclient"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/settings"
	"github.com/dbtok/dbtok/internal/compcache"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// tokensAPI implements tokens.API with the SDK's Tokens and TokenManagement
// services. It links only the client and settings packages, not the whole
// workspace client. Every call is bounded by timeout, so commands pass a
// context and nothing else.
type tokensAPI struct {
	caller
	// client serves the reads, which are safe to repeat; once changes.
	client *client.DatabricksClient
	once   *client.DatabricksClient
	// tokens and mgmt sit on a client that never repeats a request after
	// an answer other than 429: a create repeated after a 503 that the
	// server had in fact carried out mints a second token nobody sees.
	tokens *settings.TokensAPI
	mgmt   *settings.TokenManagementAPI
	me     *iam.CurrentUserAPI
}

// caller bounds every call of an API by --timeout and classifies its
// error, so that commands pass a context and nothing else.
type caller struct {
	timeout time.Duration
}

func newTokensAPI(c *client.DatabricksClient, timeout time.Duration) (*tokensAPI, error) {
	once, err := singleAttemptClient(c)
	if err != nil {
		return nil, err
	}
	return &tokensAPI{
		caller: caller{timeout: timeout},
		client: c,
		once:   once,
		tokens: settings.NewTokens(once),
		mgmt:   settings.NewTokenManagement(once),
		me:     iam.NewCurrentUser(c),
	}, nil
}

// singleAttemptClient shares c's configuration and credentials but retries
// only a 429, which says the request was turned away untouched. (Failed
// connections are handled by the transport, which never repeats a request
// that may have reached the server.)
func singleAttemptClient(c *client.DatabricksClient) (*client.DatabricksClient, error) {
	cc, err := config.HTTPClientConfigFromConfig(c.Config)
	if err != nil {
		return nil, err
	}
	cc.TransientErrors = nil
	cc.ErrorRetriable = func(_ context.Context, err error) bool {
		var apiErr *apierr.APIError
		return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests
	}
	return client.NewWithClient(c.Config, httpclient.NewApiClient(cc))
}

// call bounds one API call by the --timeout and classifies its error.
func (a caller) call(ctx context.Context, fn func(context.Context) error) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	// A caller's earlier deadline (clean-up after Ctrl-C) is what was
	// waited, not --timeout.
	deadline, _ := ctx.Deadline()
	waited := deadline.Sub(start).Round(time.Millisecond)
	if err := classify(ctx, fn(ctx), waited); err != nil {
		return err
	}
	return nil
}

// changed forgets what shell completion knows of this workspace's tokens:
// a create, revoke or update (successful or not: it may have happened)
// makes it stale.
func (a *tokensAPI) changed() { compcache.Invalidate(a.client.Config.Host) }

func (a *tokensAPI) Create(ctx context.Context, req tokens.CreateRequest) (*tokens.Created, error) {
	defer a.changed()
	return a.mint(ctx, func(ctx context.Context) (string, *tokens.Token, error) {
		resp, err := a.tokens.Create(ctx, settings.CreateTokenRequest{
			Comment:          req.Comment,
			LifetimeSeconds:  req.LifetimeSeconds,
			Scopes:           req.Scopes,
			AutoscopeEnabled: req.Autoscope,
		})
		if err != nil || resp.TokenInfo == nil {
			return "", nil, err
		}
		t := fromPublic(*resp.TokenInfo)
		return resp.TokenValue, &t, nil
	})
}

func (a *tokensAPI) CreateOnBehalfOf(ctx context.Context, req tokens.OnBehalfOfRequest) (*tokens.Created, error) {
	defer a.changed()
	return a.mint(ctx, func(ctx context.Context) (string, *tokens.Token, error) {
		resp, err := a.mgmt.CreateOboToken(ctx, settings.CreateOboTokenRequest{
			ApplicationId:    req.ApplicationID,
			Comment:          req.Comment,
			LifetimeSeconds:  req.LifetimeSeconds,
			Scopes:           req.Scopes,
			AutoscopeEnabled: req.Autoscope,
		})
		if err != nil || resp.TokenInfo == nil {
			return "", nil, err
		}
		t := fromInfo(*resp.TokenInfo)
		return resp.TokenValue, &t, nil
	})
}

// mint runs a call that creates a token and accepts its answer only with
// both a value and the token's information.
func (a *tokensAPI) mint(ctx context.Context, call func(context.Context) (string, *tokens.Token, error)) (*tokens.Created, error) {
	var value string
	var info *tokens.Token
	err := a.call(ctx, func(ctx context.Context) error {
		if e := changing(ctx, a.timeout, func(ctx context.Context) error {
			var err error
			value, info, err = call(ctx)
			if err == nil && (value == "" || info == nil) {
				err = &failure.APIError{Kind: failure.KindProtocol, Message: "the workspace answered without a token"}
			}
			return err
		}); e != nil {
			// Not `return e`: a nil *APIError is a non-nil error.
			return e
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &tokens.Created{Value: tokens.NewSecret(value), Token: *info}, nil
}

// List retries a server error (500, 502, 504) a few times within the
// deadline: it changes nothing, so repeating it is safe. The SDK itself
// retries only 429 and 503.
func (a *tokensAPI) List(ctx context.Context) ([]tokens.Token, error) {
	return collect(func(restart func(), add func(tokens.Token) error) error {
		return a.Each(ctx, tokens.Scope{}, restart, add)
	})
}

func (a *tokensAPI) ListAll(ctx context.Context, req tokens.ListAllRequest) ([]tokens.Token, error) {
	return collect(func(restart func(), add func(tokens.Token) error) error {
		return a.Each(ctx, tokens.Scope{AllUsers: true, CreatedBy: req.CreatedBy}, restart, add)
	})
}

// collect gathers a streamed listing into a slice.
func collect(each func(restart func(), add func(tokens.Token) error) error) ([]tokens.Token, error) {
	var out []tokens.Token
	err := each(func() { out = out[:0] }, func(t tokens.Token) error {
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each implements tokens.Streamer: the tokens in scope are handed to add
// as the answer is read, never held whole.
func (a *tokensAPI) Each(ctx context.Context, scope tokens.Scope, restart func(), add func(tokens.Token) error) error {
	if !scope.AllUsers {
		return a.each(ctx, "/api/2.0/token/list", nil, false, restart, add)
	}
	query := map[string]any{}
	if id, err := strconv.ParseInt(scope.CreatedBy, 10, 64); err == nil {
		query["created_by_id"] = id
	} else if scope.CreatedBy != "" {
		query["created_by_username"] = scope.CreatedBy
	}
	return a.each(ctx, "/api/2.0/token-management/tokens", query, true, restart, add)
}

// Revoke retries a 503 or a gateway error itself, on the client that does
// not: if an earlier attempt had in fact worked, the retry finds the token
// gone, and that is success, not "not found". A 500 is not retried: the
// error says the token may have been revoked.
func (a *tokensAPI) Revoke(ctx context.Context, tokenID string) error {
	defer a.changed()
	return a.call(ctx, func(ctx context.Context) error {
		return revokeWithRetry(ctx, a.timeout, func(ctx context.Context) error {
			return a.tokens.DeleteByTokenId(ctx, tokenID)
		})
	})
}

func (a *tokensAPI) RevokeAny(ctx context.Context, tokenID string) error {
	defer a.changed()
	return a.call(ctx, func(ctx context.Context) error {
		return revokeWithRetry(ctx, a.timeout, func(ctx context.Context) error {
			return a.mgmt.DeleteByTokenId(ctx, tokenID)
		})
	})
}

// each makes the same call as the SDK's Tokens.ListAll and
// TokenManagement.ListAll (the SDK's client: its auth, retries, rate limit
// and logging) but reads the answer as a stream into plain structs (see
// decodeList). The SDK's own types decode through a reflective path, to
// track ForceSendFields, that costs tens of microseconds per token, and
// it would read the whole answer into memory first.
func (a *tokensAPI) each(ctx context.Context, path string, query map[string]any, owners bool, restart func(), add func(tokens.Token) error) error {
	attempt := 0
	return a.call(ctx, func(ctx context.Context) error {
		return retryReads(ctx, a.timeout, func(ctx context.Context) error {
			if attempt++; attempt > 1 && restart != nil {
				restart()
			}
			// No Accept header: the SDK hands over the body unread only
			// for requests that did not ask for JSON (see markStreamed).
			headers := map[string]string{}
			if id := a.client.Config.WorkspaceID; id != "" {
				headers["X-Databricks-Workspace-Id"] = id
			}
			var body io.ReadCloser
			if err := a.client.Do(streamed(ctx), http.MethodGet, path, headers, query, nil, &body); err != nil {
				return err
			}
			defer body.Close()
			return decodeList(body, owners, add)
		})
	})
}

func revokeWithRetry(ctx context.Context, waited time.Duration, call func(context.Context) error) error {
	ambiguous := false
	err := retry(ctx, 4, 500*time.Millisecond, func(ctx context.Context) *failure.APIError {
		e := changing(ctx, waited, call)
		if e != nil && e.Kind == failure.KindNotFound && ambiguous {
			// An earlier attempt that looked failed had in fact worked.
			return nil
		}
		ambiguous = ambiguous || e != nil && e.MaybeApplied
		return e
	}, func(e *failure.APIError) bool {
		// A 500 is not repeated: the error says the token may be gone.
		return e.Kind == failure.KindUnavailable && e.Status != http.StatusInternalServerError
	})
	if err == nil {
		return nil
	}
	return err
}

// changing runs a call that changes the workspace and classifies its
// error, marking it MaybeApplied when the request can have reached the
// server and no answer said it did nothing.
func changing(ctx context.Context, waited time.Duration, call func(context.Context) error) *failure.APIError {
	// Having a connection is the conservative sign that the request may
	// have been sent: WroteRequest runs on the transport's writer goroutine
	// and can be reported after the response has been read.
	var sent atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { sent.Store(true) },
	})
	e := classify(ctx, call(traced), waited)
	if e == nil {
		return nil
	}
	e.MaybeApplied = sent.Load() && !e.Refused()
	return e
}

func retryReads(ctx context.Context, waited time.Duration, call func(context.Context) error) error {
	err := retry(ctx, 3, 300*time.Millisecond, func(ctx context.Context) *failure.APIError {
		return classify(ctx, call(ctx), waited)
	}, func(e *failure.APIError) bool {
		// The SDK already retried a 503 for as long as --timeout allows.
		return e.Kind == failure.KindUnavailable && e.Status != http.StatusServiceUnavailable
	})
	if err == nil {
		return nil
	}
	return err
}

// retry runs call up to attempts times while again says its failure is
// worth repeating, waiting step, then twice step, and so on, in between;
// it gives up with the last failure when ctx ends.
func retry(ctx context.Context, attempts int, step time.Duration, call func(context.Context) *failure.APIError, again func(*failure.APIError) bool) *failure.APIError {
	for i := 1; ; i++ {
		e := call(ctx)
		if e == nil || !again(e) || i == attempts {
			return e
		}
		// A retry that could not finish before the deadline would only
		// swap this answer (a 503 that says what is wrong) for "no answer
		// in time" or the rate limiter's refusal to wait.
		wait := time.Duration(i) * step
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait+step {
			return e
		}
		select {
		case <-ctx.Done():
			return e
		case <-time.After(wait):
		}
	}
}

func fromInfo(i settings.TokenInfo) tokens.Token {
	return tokens.Token{
		ID: i.TokenId, Comment: i.Comment, CreationTime: i.CreationTime, ExpiryTime: i.ExpiryTime,
		Scopes: i.Scopes, AutoscopeState: string(i.AutoscopeState), InferredScopes: i.InferredScopes,
		Owner: &tokens.Owner{
			CreatedByID:       i.CreatedById,
			CreatedByUsername: i.CreatedByUsername,
			OwnerID:           i.OwnerId,
			LastUsedDay:       i.LastUsedDay,
		},
	}
}

func fromPublic(i settings.PublicTokenInfo) tokens.Token {
	return tokens.Token{ID: i.TokenId, Comment: i.Comment, CreationTime: i.CreationTime, ExpiryTime: i.ExpiryTime,
		Scopes: i.Scopes, AutoscopeState: string(i.AutoscopeState), InferredScopes: i.InferredScopes}
}

// Update is the Token API's PATCH: only the fields named in the mask are
// sent and changed.
func (a *tokensAPI) Update(ctx context.Context, tokenID string, u tokens.Update) error {
	defer a.changed()
	return a.call(ctx, func(ctx context.Context) error {
		req := settings.UpdateTokenRequest{TokenId: tokenID, UpdateMask: fieldmask.FieldMask{Paths: u.Fields()}}
		if u.Comment != nil {
			req.Token.Comment = *u.Comment
			req.Token.ForceSendFields = append(req.Token.ForceSendFields, "Comment")
		}
		if u.Scopes != nil {
			req.Token.Scopes = *u.Scopes
			req.Token.ForceSendFields = append(req.Token.ForceSendFields, "Scopes")
		}
		// The answer is empty: callers list again to show the result.
		_, err := a.tokens.Update(ctx, req)
		return err
	})
}

// UpdateAny is Token Management's PATCH, for any user's token.
func (a *tokensAPI) UpdateAny(ctx context.Context, tokenID string, u tokens.Update) error {
	defer a.changed()
	return a.call(ctx, func(ctx context.Context) error {
		req := settings.UpdateTokenManagementRequest{TokenId: tokenID, UpdateMask: fieldmask.FieldMask{Paths: u.Fields()}}
		if u.Comment != nil {
			req.Token.Comment = *u.Comment
			req.Token.ForceSendFields = append(req.Token.ForceSendFields, "Comment")
		}
		if u.Scopes != nil {
			req.Token.Scopes = *u.Scopes
			req.Token.ForceSendFields = append(req.Token.ForceSendFields, "Scopes")
		}
		_, err := a.mgmt.UpdateTokenManagement(ctx, req)
		return err
	})
}

// WhoAmI is SCIM's /Me: who the credential signs in as.
func (a *tokensAPI) WhoAmI(ctx context.Context) (string, error) {
	var name string
	err := a.call(ctx, func(ctx context.Context) error {
		return retryReads(ctx, a.timeout, func(ctx context.Context) error {
			u, err := a.me.Me(ctx, iam.MeRequest{})
			if err != nil {
				return err
			}
			name = u.UserName
			return nil
		})
	})
	return name, err
}

// Get is Token Management's GET of one token.
func (a *tokensAPI) Get(ctx context.Context, tokenID string) (*tokens.Token, error) {
	var out *tokens.Token
	err := a.call(ctx, func(ctx context.Context) error {
		return retryReads(ctx, a.timeout, func(ctx context.Context) error {
			resp, err := a.mgmt.GetByTokenId(ctx, tokenID)
			if err != nil {
				return err
			}
			if resp.TokenInfo == nil {
				return &failure.APIError{Kind: failure.KindProtocol, Message: "the workspace answered without the token"}
			}
			t := fromInfo(*resp.TokenInfo)
			out = &t
			return nil
		})
	})
	return out, err
}
