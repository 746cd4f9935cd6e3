package tokens

import (
	"context"
	"errors"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/service/settings"
)

// sdkAPI implements API with the SDK's Tokens service. It links only the
// client and settings packages, not the whole workspace client.
type sdkAPI struct {
	tokens *settings.TokensAPI
}

// NewSDK returns an API backed by a resolved SDK client.
func NewSDK(c *client.DatabricksClient) API {
	return &sdkAPI{tokens: settings.NewTokens(c)}
}

func (a *sdkAPI) Create(ctx context.Context, req CreateRequest) (*Created, error) {
	// Whether the request can have reached the server decides whether a
	// failure can have left a token behind. Having a connection is the
	// conservative sign: WroteRequest runs on the transport's writer
	// goroutine and can be reported after the response has been read.
	var sent atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { sent.Store(true) },
	})
	resp, err := a.tokens.Create(traced, settings.CreateTokenRequest{
		Comment:         req.Comment,
		LifetimeSeconds: req.LifetimeSeconds,
	})
	if err == nil && (resp.TokenValue == "" || resp.TokenInfo == nil) {
		err = &Error{Kind: KindProtocol, Message: "the workspace answered without a token"}
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = classify(ctx, err).(*Error)
		}
		e.MaybeApplied = sent.Load() && e.Kind.mayHaveApplied()
		return nil, e
	}
	return &Created{Value: NewSecret(resp.TokenValue), Token: fromPublic(*resp.TokenInfo)}, nil
}

func (a *sdkAPI) List(ctx context.Context) ([]Token, error) {
	infos, err := a.tokens.ListAll(ctx)
	if err != nil {
		return nil, classify(ctx, err)
	}
	out := make([]Token, len(infos))
	for i, info := range infos {
		out[i] = fromPublic(info)
	}
	return out, nil
}

func (a *sdkAPI) Revoke(ctx context.Context, tokenID string) error {
	return classify(ctx, a.tokens.DeleteByTokenId(ctx, tokenID))
}

func fromPublic(i settings.PublicTokenInfo) Token {
	return Token{ID: i.TokenId, Comment: i.Comment, CreationTime: i.CreationTime, ExpiryTime: i.ExpiryTime}
}
