// Package tokenstest provides in-memory fakes of what package tokens talks
// to: a workspace's token service (Fake, a tokens.API), dbtok's delivery
// record (Record) and a person at the terminal (Asker). Command tests run
// their run functions against these and then look at what the fake
// workspace received and still holds.
package tokenstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// Method names a tokens.API method, for injected errors and call records.
type Method string

const (
	Create           Method = "Create"
	List             Method = "List"
	Revoke           Method = "Revoke"
	ListAll          Method = "ListAll"
	RevokeAny        Method = "RevokeAny"
	CreateOnBehalfOf Method = "CreateOnBehalfOf"
	Update           Method = "Update"
	UpdateAny        Method = "UpdateAny"
	Get              Method = "Get"
	WhoAmI           Method = "WhoAmI"
	// The directory (tokens.DirectoryAPI).
	ServicePrincipals Method = "ServicePrincipals"
	Users             Method = "Users"
)

// DefaultUser is the user a Fake's callers are, unless Fake.Me says otherwise.
const DefaultUser = "me@example.com"

// Call is one call the fake received.
type Call struct {
	Method Method
	// TokenID is the token revoked (Revoke, RevokeAny).
	TokenID string
	// Comment, LifetimeSeconds and ApplicationID are what a create asked for.
	Comment         string
	LifetimeSeconds int64
	ApplicationID   string
	// Scopes and Autoscope are what a create asked for.
	Scopes    []string
	Autoscope bool
	// Update is what an update asked for.
	Update tokens.Update
	// CreatedBy is ListAll's filter.
	CreatedBy string
	// IDs are the principals a directory call asked for.
	IDs []int64
	// SignedInAs is the ID of the token the caller signed in with; "" for
	// calls through the Fake itself (a credential the fake does not check,
	// such as OAuth).
	SignedInAs string
	// Err is what the call returned.
	Err error
}

type entry struct {
	token tokens.Token // Owner always set
	value string
	// owner is the user name or application ID of who owns it: the Token
	// API shows and changes only the caller's own tokens.
	owner string
}

// Fake is one workspace's token service in memory. Token IDs are the
// SHA-256 of the value in hex, as real workspaces and the emulator derive
// them (unless OpaqueIDs). Calls through the Fake itself are not
// authenticated; calls through As(value) are, by a live token's value.
// It is safe for concurrent use.
type Fake struct {
	// Me is the caller's user name: List shows Me's tokens, ListAll
	// everyone's. Set before use.
	Me string
	// Clock gives creation times; time.Now when nil.
	Clock func() time.Time
	// OpaqueIDs makes new and seeded tokens get IDs that are not their
	// value's digest, as some workspaces do: dbtok then cannot recognise a
	// profile's token by its ID.
	OpaqueIDs bool

	mu         sync.Mutex
	live       []entry
	calls      []Call
	fail       map[Method]error
	failNext   map[Method][]error
	failRevoke map[string]error
	hooks      map[Method]func()
	// sps are the service principals the directory knows, by ID;
	// forgotten the principals it no longer knows.
	sps       map[int64]tokens.Identity
	forgotten map[string]bool
}

// seq numbers token values across every fake, so that two workspaces never
// hand out the same value.
var seq atomic.Int64

func (f *Fake) now() time.Time {
	if f.Clock != nil {
		return f.Clock()
	}
	return time.Now()
}

func (f *Fake) me() string {
	if f.Me != "" {
		return f.Me
	}
	return DefaultUser
}

func (f *Fake) idFor(value string) string {
	if f.OpaqueIDs {
		return tokens.NewSecret("opaque:" + value).Digest()
	}
	return tokens.NewSecret(value).Digest()
}

// NewValue returns a fresh token value of the real shape (dapi + 32 hex).
func NewValue() string {
	return fmt.Sprintf("dapi%032x", seq.Add(1)+0xdb70000)
}

// Seed is a token to put in the fake.
type Seed struct {
	// Value is the token's value; a fresh one when empty.
	Value   string
	Comment string
	Created time.Time // the fake's clock when zero
	// Lifetime is how long it lives; 0 never expires.
	Lifetime time.Duration
	// Owner is the user (or service principal, by application ID) who
	// owns it; Fake.Me when empty.
	Owner string
	// CreatedBy is who created it, when not its owner: an admin who
	// created an on-behalf-of token for the service principal Owner.
	CreatedBy string
	// ID, when set, is the token's ID instead of one derived from the
	// value (for IDs that share a prefix).
	ID string
	// Scopes, AutoscopeState and InferredScopes are the token's scopes.
	Scopes         []string
	AutoscopeState string
	InferredScopes []string
	// LastUsed is the day it last signed in; zero if never.
	LastUsed time.Time
}

// Add puts a token in the workspace and returns it as List shows it, with
// its value.
func (f *Fake) Add(s Seed) (tokens.Token, tokens.Secret) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.Value == "" {
		s.Value = NewValue()
	}
	if s.Created.IsZero() {
		s.Created = f.now()
	}
	if s.Owner == "" {
		s.Owner = f.me()
	}
	if s.ID == "" {
		s.ID = f.idFor(s.Value)
	}
	if s.CreatedBy == "" {
		s.CreatedBy = s.Owner
	}
	t := tokens.Token{
		ID:           s.ID,
		Comment:      s.Comment,
		CreationTime: s.Created.UnixMilli(),
		ExpiryTime:   -1,
		Owner:        &tokens.Owner{CreatedByUsername: s.CreatedBy, CreatedByID: userID(s.CreatedBy), OwnerID: userID(s.Owner)},
		Scopes:       s.Scopes, AutoscopeState: s.AutoscopeState, InferredScopes: s.InferredScopes,
	}
	if !s.LastUsed.IsZero() {
		t.Owner.LastUsedDay = s.LastUsed.UTC().Truncate(24 * time.Hour).UnixMilli()
	}
	if s.Lifetime > 0 {
		t.ExpiryTime = s.Created.Add(s.Lifetime).UnixMilli()
	}
	f.live = append(f.live, entry{token: t, value: s.Value, owner: s.Owner})
	return public(t), tokens.NewSecret(s.Value)
}

// AddServicePrincipal makes the directory know a service principal, and
// returns its numeric ID (the owner_id of its tokens).
func (f *Fake) AddServicePrincipal(applicationID, displayName string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sps == nil {
		f.sps = map[int64]tokens.Identity{}
	}
	id := userID(applicationID)
	f.sps[id] = tokens.Identity{Principal: tokens.Principal{Kind: tokens.ServicePrincipal, Name: applicationID}, ID: id, DisplayName: displayName}
	return id
}

// Forget makes the directory no longer know a user or service principal
// (deleted, while its tokens are still listed).
func (f *Fake) Forget(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.forgotten == nil {
		f.forgotten = map[string]bool{}
	}
	f.forgotten[name] = true
	delete(f.sps, userID(name))
}

// UserID is the numeric ID the fake gives a user name or application ID.
func UserID(name string) int64 { return userID(name) }

// userID is a stable numeric ID for a user name.
func userID(name string) int64 {
	var h int64 = 7
	for _, r := range name {
		h = h*31 + int64(r)
	}
	if h < 0 {
		h = -h
	}
	return h%1_000_000 + 1
}

// public is a token as the Token API (not Token Management) shows it.
func public(t tokens.Token) tokens.Token {
	t.Owner = nil
	return t
}

// Tokens are the live tokens, in creation order, as admins see them.
func (f *Fake) Tokens() []tokens.Token {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]tokens.Token, len(f.live))
	for i, e := range f.live {
		out[i] = e.token
	}
	return out
}

// Has reports whether the token with this ID is live.
func (f *Fake) Has(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.find(id) >= 0
}

// Value is the value of a live token, for tests that sign in with it.
func (f *Fake) Value(id string) (tokens.Secret, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.find(id); i >= 0 {
		return tokens.NewSecret(f.live[i].value), true
	}
	return tokens.Secret{}, false
}

// Calls are the calls received, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// CallsTo are the calls of one method, in order.
func (f *Fake) CallsTo(m Method) []Call {
	var out []Call
	for _, c := range f.Calls() {
		if c.Method == m {
			out = append(out, c)
		}
	}
	return out
}

// Revoked are the IDs revoked successfully (by either method), in order.
func (f *Fake) Revoked() []string {
	var out []string
	for _, c := range f.Calls() {
		if (c.Method == Revoke || c.Method == RevokeAny) && c.Err == nil {
			out = append(out, c.TokenID)
		}
	}
	return out
}

// Fail makes every call of m fail with err until Fail(m, nil).
func (f *Fake) Fail(m Method, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[Method]error{}
	}
	f.fail[m] = err
}

// FailNext makes the next call of m fail with err; several queue up.
func (f *Fake) FailNext(m Method, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext == nil {
		f.failNext = map[Method][]error{}
	}
	f.failNext[m] = append(f.failNext[m], err)
}

// FailRevoke makes revoking the token id fail with err (either method).
func (f *Fake) FailRevoke(id string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failRevoke == nil {
		f.failRevoke = map[string]error{}
	}
	f.failRevoke[id] = err
}

// OnList runs hook (without the fake's lock) before every listing, for
// tests that change the workspace behind dbtok's back.
func (f *Fake) OnList(hook func()) { f.On(List, hook) }

// On runs hook (without the fake's lock) before every call of m.
func (f *Fake) On(m Method, hook func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hooks == nil {
		f.hooks = map[Method]func(){}
	}
	f.hooks[m] = hook
}

// runHook runs m's hook, if any, outside the lock.
func (f *Fake) runHook(m Method) {
	f.mu.Lock()
	hook := f.hooks[m]
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
}

// injected returns the error to fail this call with, if any.
func (f *Fake) injected(m Method, id string) error {
	if q := f.failNext[m]; len(q) > 0 {
		f.failNext[m] = q[1:]
		return q[0]
	}
	if err := f.fail[m]; err != nil {
		return err
	}
	if m == Revoke || m == RevokeAny {
		return f.failRevoke[id]
	}
	return nil
}

func (f *Fake) find(id string) int {
	for i, e := range f.live {
		if e.token.ID == id {
			return i
		}
	}
	return -1
}

// signedIn is the ID of the live token with this value.
func (f *Fake) signedIn(value string) (string, bool) {
	for _, e := range f.live {
		if e.value == value {
			return e.token.ID, true
		}
	}
	return "", false
}

// As is a client signed in with value: each call is refused, as a 401,
// unless value belongs to a live token of this workspace at that moment.
func (f *Fake) As(value tokens.Secret) tokens.API { return &client{f: f, value: value.Reveal()} }

// Implementation of tokens.API, unauthenticated.

func createCall(req tokens.CreateRequest) Call {
	return Call{Method: Create, Comment: req.Comment, LifetimeSeconds: req.LifetimeSeconds, Scopes: req.Scopes, Autoscope: req.Autoscope}
}

func oboCall(req tokens.OnBehalfOfRequest) Call {
	return Call{Method: CreateOnBehalfOf, Comment: req.Comment, LifetimeSeconds: req.LifetimeSeconds, ApplicationID: req.ApplicationID, Scopes: req.Scopes, Autoscope: req.Autoscope}
}

func (f *Fake) Create(ctx context.Context, req tokens.CreateRequest) (*tokens.Created, error) {
	return f.create(ctx, nil, createCall(req))
}

func (f *Fake) CreateOnBehalfOf(ctx context.Context, req tokens.OnBehalfOfRequest) (*tokens.Created, error) {
	return f.create(ctx, nil, oboCall(req))
}

func (f *Fake) Update(ctx context.Context, id string, u tokens.Update) error {
	return f.update(ctx, nil, Call{Method: Update, TokenID: id, Update: u})
}

func (f *Fake) UpdateAny(ctx context.Context, id string, u tokens.Update) error {
	return f.update(ctx, nil, Call{Method: UpdateAny, TokenID: id, Update: u})
}

func (f *Fake) Get(ctx context.Context, id string) (*tokens.Token, error) {
	return f.get(ctx, nil, Call{Method: Get, TokenID: id})
}

func (f *Fake) WhoAmI(ctx context.Context) (string, error) {
	return f.whoami(ctx, nil)
}

func (f *Fake) whoami(ctx context.Context, as *string) (string, error) {
	f.runHook(WhoAmI)
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Call{Method: WhoAmI}
	_, err := f.begin(ctx, as, &c)
	c.Err = err
	f.calls = append(f.calls, c)
	if err != nil {
		return "", err
	}
	return f.me(), nil
}

func (f *Fake) List(ctx context.Context) ([]tokens.Token, error) {
	return f.list(ctx, nil, Call{Method: List})
}

func (f *Fake) ListAll(ctx context.Context, req tokens.ListAllRequest) ([]tokens.Token, error) {
	return f.list(ctx, nil, Call{Method: ListAll, CreatedBy: req.CreatedBy})
}

func (f *Fake) Revoke(ctx context.Context, id string) error {
	return f.revoke(ctx, nil, Call{Method: Revoke, TokenID: id})
}

func (f *Fake) RevokeAny(ctx context.Context, id string) error {
	return f.revoke(ctx, nil, Call{Method: RevokeAny, TokenID: id})
}

// begin decides whether a call fails before doing anything: a refused
// credential, a cancelled context or an injected error. An error injected
// through AfterApplying lets the change happen first, as a server that did
// the work but whose answer was lost.
func (f *Fake) begin(ctx context.Context, as *string, c *Call) (apply bool, err error) {
	if as != nil {
		id, ok := f.signedIn(*as)
		if !ok {
			return false, AuthError()
		}
		c.SignedInAs = id
	}
	if err := ctx.Err(); err != nil {
		return false, failure.Interrupted(err)
	}
	if err := f.injected(c.Method, c.TokenID); err != nil {
		var after *afterApplying
		if errors.As(err, &after) {
			return true, after.err
		}
		return false, err
	}
	return true, nil
}

type afterApplying struct{ err error }

func (a *afterApplying) Error() string { return a.err.Error() }

// AfterApplying makes an injected error come after the change was made:
// the token is created (or revoked), and the call still fails with err.
func AfterApplying(err error) error { return &afterApplying{err: err} }

func (f *Fake) create(ctx context.Context, as *string, c Call) (*tokens.Created, error) {
	f.runHook(c.Method)
	f.mu.Lock()
	defer f.mu.Unlock()
	apply, err := f.begin(ctx, as, &c)
	var created *tokens.Created
	if apply {
		owner := f.me()
		if c.Method == CreateOnBehalfOf {
			owner = c.ApplicationID
		}
		value := NewValue()
		now := f.now()
		// An on-behalf-of token is created by the caller and owned by the
		// service principal.
		t := tokens.Token{
			ID: f.idFor(value), Comment: c.Comment, CreationTime: now.UnixMilli(), ExpiryTime: -1,
			Owner:  &tokens.Owner{CreatedByUsername: f.me(), CreatedByID: userID(f.me()), OwnerID: userID(owner)},
			Scopes: c.Scopes,
		}
		if c.Autoscope {
			t.AutoscopeState = "AUTOSCOPE_STATE_RUNNING"
		}
		if c.LifetimeSeconds > 0 {
			t.ExpiryTime = now.Add(time.Duration(c.LifetimeSeconds) * time.Second).UnixMilli()
		}
		f.live = append(f.live, entry{token: t, value: value, owner: owner})
		created = &tokens.Created{Value: tokens.NewSecret(value), Token: public(t)}
		if c.Method == CreateOnBehalfOf {
			// Token Management answers with the admin's view of it.
			o := *t.Owner
			created.Token.Owner = &o
		}
	}
	c.Err = err
	f.calls = append(f.calls, c)
	if err != nil {
		return nil, err
	}
	return created, nil
}

func (f *Fake) list(ctx context.Context, as *string, c Call) ([]tokens.Token, error) {
	f.runHook(c.Method)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.readLocked(ctx, as, c); err != nil {
		return nil, err
	}
	out := []tokens.Token{}
	for _, e := range f.live {
		o := e.token.Owner
		switch {
		case c.Method == List && e.owner == f.me():
			out = append(out, public(e.token))
		case c.Method == ListAll && (c.CreatedBy == "" || c.CreatedBy == o.CreatedByUsername || c.CreatedBy == strconv.FormatInt(o.CreatedByID, 10)):
			t := e.token
			owner := *o
			t.Owner = &owner
			out = append(out, t)
		}
	}
	return out, nil
}

// readLocked starts a call that changes nothing: it decides whether the
// call fails (begin) and records it.
func (f *Fake) readLocked(ctx context.Context, as *string, c Call) error {
	_, err := f.begin(ctx, as, &c)
	c.Err = err
	f.calls = append(f.calls, c)
	return err
}

func (f *Fake) revoke(ctx context.Context, as *string, c Call) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	apply, err := f.begin(ctx, as, &c)
	if apply {
		i := f.find(c.TokenID)
		// The Token API only reaches the caller's own tokens.
		if i < 0 || c.Method == Revoke && f.live[i].owner != f.me() {
			if err == nil {
				err = NotFound(c.TokenID)
			}
		} else {
			f.live = slices.Delete(f.live, i, i+1)
		}
	}
	c.Err = err
	f.calls = append(f.calls, c)
	return err
}

func (f *Fake) update(ctx context.Context, as *string, c Call) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	apply, err := f.begin(ctx, as, &c)
	if apply {
		i := f.find(c.TokenID)
		if i < 0 || c.Method == Update && f.live[i].owner != f.me() {
			if err == nil {
				err = NotFound(c.TokenID)
			}
		} else {
			if c.Update.Comment != nil {
				f.live[i].token.Comment = *c.Update.Comment
			}
			if c.Update.Scopes != nil {
				f.live[i].token.Scopes = slices.Clone(*c.Update.Scopes)
			}
		}
	}
	c.Err = err
	f.calls = append(f.calls, c)
	return err
}

func (f *Fake) get(ctx context.Context, as *string, c Call) (*tokens.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.begin(ctx, as, &c)
	var out *tokens.Token
	if err == nil {
		if i := f.find(c.TokenID); i < 0 {
			err = NotFound(c.TokenID)
		} else {
			t := f.live[i].token
			owner := *t.Owner
			t.Owner = &owner
			out = &t
		}
	}
	c.Err = err
	f.calls = append(f.calls, c)
	return out, err
}

// client is the Fake as seen by a caller signed in with a token value.
type client struct {
	f     *Fake
	value string
}

func (c *client) Create(ctx context.Context, req tokens.CreateRequest) (*tokens.Created, error) {
	return c.f.create(ctx, &c.value, createCall(req))
}

func (c *client) CreateOnBehalfOf(ctx context.Context, req tokens.OnBehalfOfRequest) (*tokens.Created, error) {
	return c.f.create(ctx, &c.value, oboCall(req))
}

func (c *client) Update(ctx context.Context, id string, u tokens.Update) error {
	return c.f.update(ctx, &c.value, Call{Method: Update, TokenID: id, Update: u})
}

func (c *client) UpdateAny(ctx context.Context, id string, u tokens.Update) error {
	return c.f.update(ctx, &c.value, Call{Method: UpdateAny, TokenID: id, Update: u})
}

func (c *client) Get(ctx context.Context, id string) (*tokens.Token, error) {
	return c.f.get(ctx, &c.value, Call{Method: Get, TokenID: id})
}

func (c *client) WhoAmI(ctx context.Context) (string, error) { return c.f.whoami(ctx, &c.value) }

func (c *client) List(ctx context.Context) ([]tokens.Token, error) {
	return c.f.list(ctx, &c.value, Call{Method: List})
}

func (c *client) ListAll(ctx context.Context, req tokens.ListAllRequest) ([]tokens.Token, error) {
	return c.f.list(ctx, &c.value, Call{Method: ListAll, CreatedBy: req.CreatedBy})
}

func (c *client) Revoke(ctx context.Context, id string) error {
	return c.f.revoke(ctx, &c.value, Call{Method: Revoke, TokenID: id})
}

func (c *client) RevokeAny(ctx context.Context, id string) error {
	return c.f.revoke(ctx, &c.value, Call{Method: RevokeAny, TokenID: id})
}

// Errors as the workspace client classifies them.

// NotFound is the answer for an unknown token ID.
func NotFound(id string) *failure.APIError {
	return &failure.APIError{Kind: failure.KindNotFound, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST", Message: fmt.Sprintf("Token with ID %s does not exist", id)}
}

// AuthError is the answer to a token that is not (or no longer) valid.
func AuthError() *failure.APIError {
	return &failure.APIError{Kind: failure.KindAuth, Status: 401, Message: "Invalid access token"}
}

// PermissionDenied is a 403 for a caller without the rights.
func PermissionDenied() *failure.APIError {
	return &failure.APIError{Kind: failure.KindPermission, Status: 403, Code: "PERMISSION_DENIED", Message: "Only admins can do this"}
}

// Unavailable is a 503 that outlasted the retries.
func Unavailable() *failure.APIError {
	return &failure.APIError{Kind: failure.KindUnavailable, Status: 503, Code: "TEMPORARILY_UNAVAILABLE", Message: "Service is temporarily unavailable"}
}

// LostAnswer is a change that reached the server with no answer back (a
// reset connection): it may have happened. Wrap it in AfterApplying for a
// server that did make the change.
func LostAnswer() *failure.APIError {
	return &failure.APIError{Kind: failure.KindUnreachable, Message: "connection reset by peer", MaybeApplied: true}
}

// The directory (tokens.DirectoryAPI): service principals added with
// AddServicePrincipal, and users, who are the owners and creators of the
// tokens it holds and Me.

func (f *Fake) ServicePrincipals(ctx context.Context, ids []int64) ([]tokens.Identity, error) {
	return f.lookup(ctx, nil, Call{Method: ServicePrincipals, IDs: slices.Clone(ids)})
}

func (f *Fake) Users(ctx context.Context, ids []int64) ([]tokens.Identity, error) {
	return f.lookup(ctx, nil, Call{Method: Users, IDs: slices.Clone(ids)})
}

func (c *client) ServicePrincipals(ctx context.Context, ids []int64) ([]tokens.Identity, error) {
	return c.f.lookup(ctx, &c.value, Call{Method: ServicePrincipals, IDs: slices.Clone(ids)})
}

func (c *client) Users(ctx context.Context, ids []int64) ([]tokens.Identity, error) {
	return c.f.lookup(ctx, &c.value, Call{Method: Users, IDs: slices.Clone(ids)})
}

func (f *Fake) lookup(ctx context.Context, as *string, c Call) ([]tokens.Identity, error) {
	f.runHook(c.Method)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.readLocked(ctx, as, c); err != nil {
		return nil, err
	}
	known := map[int64]tokens.Identity{}
	if c.Method == ServicePrincipals {
		known = f.sps
	} else {
		for _, name := range append([]string{f.me()}, f.userNames()...) {
			if _, sp := f.sps[userID(name)]; !sp && !f.forgotten[name] {
				known[userID(name)] = tokens.Identity{Principal: tokens.Principal{Kind: tokens.User, Name: name}, ID: userID(name)}
			}
		}
	}
	var out []tokens.Identity
	for _, id := range c.IDs {
		if who, ok := known[id]; ok {
			out = append(out, who)
		}
	}
	return out, nil
}

// userNames are the owners and creators of the tokens held.
func (f *Fake) userNames() []string {
	var out []string
	for _, e := range f.live {
		out = append(out, e.owner, e.token.Owner.CreatedByUsername)
	}
	return out
}
