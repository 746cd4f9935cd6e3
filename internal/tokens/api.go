package tokens

import "context"

// API is everything the token commands may do to a workspace. The
// implementation over the Databricks SDK lives in package workspace; tests
// use an in-memory fake. Every call is bounded by the caller's --timeout
// inside the implementation: callers pass only a context.
type API interface {
	// The caller's own tokens (the Token API).
	Create(ctx context.Context, req CreateRequest) (*Created, error)
	List(ctx context.Context) ([]Token, error)
	Revoke(ctx context.Context, tokenID string) error

	// Every user's tokens (the Token Management API); workspace admins only.
	ListAll(ctx context.Context, req ListAllRequest) ([]Token, error)
	RevokeAny(ctx context.Context, tokenID string) error
	// CreateOnBehalfOf mints a token for a service principal.
	CreateOnBehalfOf(ctx context.Context, req OnBehalfOfRequest) (*Created, error)

	// Update changes one of the caller's tokens; only the fields set are
	// sent, and the update mask names them.
	Update(ctx context.Context, tokenID string, u Update) error
	// UpdateAny does the same for any user's token (admins).
	UpdateAny(ctx context.Context, tokenID string, u Update) error
	// Get returns any user's token by ID (admins).
	Get(ctx context.Context, tokenID string) (*Token, error)

	// WhoAmI is the user name the credential signs in as. Every token may ask
	// (whatever its scopes), which makes it the proof that a token works.
	WhoAmI(ctx context.Context) (string, error)
}

type CreateRequest struct {
	Comment string
	// LifetimeSeconds of 0 sends nothing, so the workspace default applies.
	LifetimeSeconds int64
	// Scopes limit the new token to these APIs; none means every API.
	Scopes []string
	// Autoscope asks the workspace to observe what the token calls and
	// infer its scopes.
	Autoscope bool
}

// Update names what to change in a token; nil fields stay as they are.
type Update struct {
	Comment *string
	Scopes  *[]string
}

// Fields are the update mask the API wants: the fields being changed.
func (u Update) Fields() []string {
	var fields []string
	if u.Comment != nil {
		fields = append(fields, "comment")
	}
	if u.Scopes != nil {
		fields = append(fields, "scopes")
	}
	return fields
}

type ListAllRequest struct {
	// CreatedBy filters by the creator: a user name, or a numeric user ID.
	CreatedBy string
}

type OnBehalfOfRequest struct {
	ApplicationID   string
	Comment         string
	LifetimeSeconds int64
	Scopes          []string
	Autoscope       bool
}

// Scope is whose tokens a command works on: the caller's (the Token API)
// or, for admins, everyone's (the Token Management API). It is the one
// place that choice is made.
type Scope struct {
	AllUsers bool
	// CreatedBy narrows AllUsers to one creator (name or numeric ID).
	CreatedBy string
}

// Streamer is an API that hands a listing over one token at a time, as
// the workspace's answer is read, so that memory follows the tokens a
// command keeps, not the size of the answer.
type Streamer interface {
	// Each calls add for every token in scope. When an attempt is repeated
	// after a failure, restart is called first and the tokens come again.
	Each(ctx context.Context, scope Scope, restart func(), add func(Token) error) error
}

// Each calls add for every token in scope, as the answer is read when api
// can stream it (see Streamer), else from its list.
func (s Scope) Each(ctx context.Context, api API, restart func(), add func(Token) error) error {
	if st, ok := api.(Streamer); ok {
		return st.Each(ctx, s, restart, add)
	}
	list, err := s.List(ctx, api)
	if err != nil {
		return err
	}
	for _, t := range list {
		if err := add(t); err != nil {
			return err
		}
	}
	return nil
}

// List lists the tokens in scope.
func (s Scope) List(ctx context.Context, api API) ([]Token, error) {
	if s.AllUsers {
		return api.ListAll(ctx, ListAllRequest{CreatedBy: s.CreatedBy})
	}
	return api.List(ctx)
}

// Revoke revokes a token in scope.
func (s Scope) Revoke(ctx context.Context, api API, id string) error {
	if s.AllUsers {
		return api.RevokeAny(ctx, id)
	}
	return api.Revoke(ctx, id)
}

// Update changes a token in scope.
func (s Scope) Update(ctx context.Context, api API, id string, u Update) error {
	if s.AllUsers {
		return api.UpdateAny(ctx, id, u)
	}
	return api.Update(ctx, id, u)
}

// RevokeCommand is the command that revokes a token in this scope, for advice.
func (s Scope) RevokeCommand() string {
	if s.AllUsers {
		return "dbtok revoke --all-users"
	}
	return "dbtok revoke"
}

// ListCommand is the command that lists tokens in this scope, for advice.
func (s Scope) ListCommand() string {
	if s.AllUsers {
		return "dbtok list --all-users"
	}
	return "dbtok list"
}
