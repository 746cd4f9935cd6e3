package emulator

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"sync"
	"time"
)

// Defaults mirror the limits of a Databricks workspace with no token policy.
const (
	DefaultMaxLifetime     = 730 * 24 * time.Hour
	DefaultDefaultLifetime = 730 * 24 * time.Hour
	DefaultQuota           = 600

	// WorkspaceID is reported by the discovery endpoint.
	WorkspaceID = "1234567890123456"

	// BootstrapComment is the comment of every user's bootstrap token.
	BootstrapComment = "emulator bootstrap token"

	// DemoUser and DemoToken are the admin user the command serves when no
	// --user flag is given.
	DemoUser  = "demo"
	DemoToken = "dapi0123456789abcdef0123456789abcdef"
)

// User is a login user of the emulated workspace.
type User struct {
	Name string
	// Token is the user's bootstrap personal access token, the credential
	// tests start from.
	Token string
	// Admin grants access to the token-management API.
	Admin bool
	// OAuth makes Token an OAuth access token rather than a PAT, as for a
	// user signed in with `databricks auth login`: it authenticates, but it
	// is not one of the user's tokens, so their list can be empty.
	OAuth bool
}

// Options configures an [Emulator]. Zero values select the defaults.
type Options struct {
	Users []User
	// MaxLifetime is the longest lifetime a client may request; default 730
	// days.
	MaxLifetime time.Duration
	// DefaultLifetime applies when a create request has no lifetime_seconds;
	// default 730 days. Negative means such tokens never expire.
	DefaultLifetime time.Duration
	// Quota is the number of live tokens each principal may hold; default 600.
	Quota int
	// Latency is added before every API response.
	Latency time.Duration
	// Now is the base clock; default time.Now. [Emulator.Advance] adds to
	// it. It must not go backwards.
	Now func() time.Time
	// Log, if set, receives one line per request. Lines never contain
	// credentials.
	Log io.Writer
	// RandomIDs gives tokens random IDs instead of the SHA-256 of their
	// value, to test clients on a workspace whose IDs tell nothing.
	RandomIDs bool
}

// TokenInfo describes a token the way the API does. Times are epoch
// milliseconds; ExpiryTime is -1 for a token that never expires. The
// token-management fields are left zero (and omitted from JSON) in responses
// of the plain Token API, which does not return them.
type TokenInfo struct {
	TokenID           string `json:"token_id"`
	Comment           string `json:"comment"`
	CreationTime      int64  `json:"creation_time"`
	ExpiryTime        int64  `json:"expiry_time"`
	CreatedByID       int64  `json:"created_by_id,omitempty"`
	CreatedByUsername string `json:"created_by_username,omitempty"`
	OwnerID           int64  `json:"owner_id,omitempty"`
	// LastUsedDay is the start (UTC) of the day the token last authenticated
	// a request, or 0 if it never did.
	LastUsedDay int64 `json:"last_used_day,omitempty"`
}

// TokenRecord is the emulator's full view of a token, for assertions.
type TokenRecord struct {
	TokenInfo
	Owner     string
	CreatedBy string
	// ServicePrincipal reports whether the owner is a service principal
	// created by an on-behalf-of request.
	ServicePrincipal bool
	Bootstrap        bool
	Revoked          bool
	RevokedAt        time.Time // zero unless Revoked
	Expired          bool      // at the emulator's current time
}

// Request is one API request as the emulator saw it.
type Request struct {
	Time     time.Time     `json:"time"`
	Method   string        `json:"method"`
	Path     string        `json:"path"`
	RawQuery string        `json:"raw_query"`
	Status   int           `json:"status"`      // 0 when no status line was sent (dropped, hung, aborted)
	User     string        `json:"user"`        // authenticated principal, or ""
	Body     string        `json:"body"`        // request body, capped at maxRecordedBody
	Fault    string        `json:"fault"`       // see the package documentation
	Duration time.Duration `json:"duration_ns"` // until the response was ready
	// Done is false while the request is being served. It turns true just
	// before the client can see the response (or the cut connection), so a
	// client that has its answer always finds its request done.
	Done bool `json:"done"`
}

const maxRecordedBody = 64 << 10

// Emulator is an in-memory Databricks workspace that serves the Token API.
// All methods are safe for concurrent use.
type Emulator struct {
	opts Options

	mu         sync.Mutex
	offset     time.Duration // added to opts.Now by Advance
	latency    time.Duration
	principals map[string]*principal
	ids        map[int64]*principal
	tokens     []*token // insertion order
	byID       map[string]*token
	byValue    map[string]*token
	issued     []string
	requests   []*Request
	faults     []*activeFault
	seq        int64
	active     int           // handlers running
	idle       chan struct{} // closed when active drops to 0

	logMu sync.Mutex

	// done is closed when a Server shuts down, releasing hung and delayed
	// requests that would otherwise outlive it.
	done     chan struct{}
	doneOnce sync.Once
}

type principal struct {
	id               int64
	name             string
	admin            bool
	servicePrincipal bool
	tokens           []*token // owned and possibly live; see pruneLocked
}

type token struct {
	seq       int64 // breaks ties between equal creation times
	id        string
	value     string
	owner     *principal
	createdBy *principal
	comment   string
	created   time.Time
	expiry    time.Time // zero: never expires
	lastUsed  time.Time // zero: never used
	bootstrap bool
	revoked   bool
	revokedAt time.Time
}

func (t *token) expired(now time.Time) bool {
	return !t.expiry.IsZero() && !now.Before(t.expiry)
}

func (t *token) live(now time.Time) bool {
	return !t.revoked && !t.expired(now)
}

// info renders the token-management view of t.
func (t *token) info() TokenInfo {
	ti := TokenInfo{
		TokenID:           t.id,
		Comment:           t.comment,
		CreationTime:      t.created.UnixMilli(),
		ExpiryTime:        -1,
		CreatedByID:       t.createdBy.id,
		CreatedByUsername: t.createdBy.name,
		OwnerID:           t.owner.id,
	}
	if !t.expiry.IsZero() {
		ti.ExpiryTime = t.expiry.UnixMilli()
	}
	if !t.lastUsed.IsZero() {
		ti.LastUsedDay = t.lastUsed.UTC().Truncate(24 * time.Hour).UnixMilli()
	}
	return ti
}

// publicInfo renders the narrower view the plain Token API returns.
func (t *token) publicInfo() TokenInfo {
	ti := t.info()
	return TokenInfo{
		TokenID:      ti.TokenID,
		Comment:      ti.Comment,
		CreationTime: ti.CreationTime,
		ExpiryTime:   ti.ExpiryTime,
	}
}

// New returns an emulator for opts. It panics if opts is invalid (a user
// without a name or token, or a repeated name or token); [Start] and [Listen]
// report the same problems as errors.
func New(opts Options) *Emulator {
	e, err := newEmulator(opts)
	if err != nil {
		panic("emulator: " + err.Error())
	}
	return e
}

func newEmulator(opts Options) (*Emulator, error) {
	if opts.MaxLifetime <= 0 {
		opts.MaxLifetime = DefaultMaxLifetime
	}
	if opts.DefaultLifetime == 0 {
		opts.DefaultLifetime = DefaultDefaultLifetime
	}
	if opts.Quota <= 0 {
		opts.Quota = DefaultQuota
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Users = slices.Clone(opts.Users)
	e := &Emulator{
		opts:       opts,
		latency:    opts.Latency,
		principals: make(map[string]*principal),
		ids:        make(map[int64]*principal),
		byID:       make(map[string]*token),
		byValue:    make(map[string]*token),
		done:       make(chan struct{}),
	}
	now := e.now()
	for _, u := range opts.Users {
		switch {
		case u.Name == "":
			return nil, errors.New("user with empty name")
		case u.Token == "":
			return nil, fmt.Errorf("user %q has no bootstrap token", u.Name)
		case e.principals[u.Name] != nil:
			return nil, fmt.Errorf("user %q given twice", u.Name)
		case e.byValue[u.Token] != nil:
			return nil, fmt.Errorf("user %q reuses another user's bootstrap token", u.Name)
		}
		p := e.addPrincipalLocked(u.Name, u.Admin, false)
		if u.OAuth {
			e.byValue[u.Token] = &token{value: u.Token, owner: p, createdBy: p, created: now}
			e.issued = append(e.issued, u.Token)
			continue
		}
		t := e.addTokenLocked(p, p, BootstrapComment, now, -1, u.Token)
		t.bootstrap = true
	}
	return e, nil
}

// now reads the emulator's clock. Callers hold mu, which guards the offset.
func (e *Emulator) now() time.Time {
	return e.opts.Now().Add(e.offset)
}

func (e *Emulator) addPrincipalLocked(name string, admin, sp bool) *principal {
	// Deriving the ID from the name keeps IDs stable across runs and
	// independent of the order users are configured in.
	h := fnv.New64a()
	h.Write([]byte(name))
	id := int64(h.Sum64()%9e15) + 1e15
	for e.ids[id] != nil {
		id++
	}
	p := &principal{id: id, name: name, admin: admin, servicePrincipal: sp}
	e.principals[name] = p
	e.ids[id] = p
	return p
}

// addTokenLocked registers a token. A negative lifetime means it never
// expires; an empty value gets a fresh random one.
func (e *Emulator) addTokenLocked(owner, createdBy *principal, comment string, created time.Time, lifetime time.Duration, value string) *token {
	if value == "" {
		for value == "" || e.byValue[value] != nil {
			value = "dapi" + randomHex(16)
		}
	}
	// Token IDs are the SHA-256 of the value, as the SDK documents token_id,
	// unless the emulator plays a workspace that says nothing of the kind.
	sum := sha256.Sum256([]byte(value))
	id := hex.EncodeToString(sum[:])
	for e.opts.RandomIDs && (id == hex.EncodeToString(sum[:]) || e.byID[id] != nil) {
		id = randomHex(32)
	}
	e.seq++
	t := &token{
		seq:       e.seq,
		id:        id,
		value:     value,
		owner:     owner,
		createdBy: createdBy,
		comment:   comment,
		created:   created,
	}
	if lifetime >= 0 {
		t.expiry = created.Add(lifetime)
	}
	e.tokens = append(e.tokens, t)
	owner.tokens = append(owner.tokens, t)
	e.byID[id] = t
	e.byValue[value] = t
	e.issued = append(e.issued, value)
	return t
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// pruneLocked drops p's tokens that can no longer be live and returns the
// rest, unordered. Pruning is sound because revocation is final and the
// clock only moves forward; it keeps quota checks proportional to the live
// tokens rather than to every token ever created, which matters for
// benchmarks.
func (e *Emulator) pruneLocked(p *principal) []*token {
	now := e.now()
	live := p.tokens[:0]
	for _, t := range p.tokens {
		if t.live(now) {
			live = append(live, t)
		}
	}
	clear(p.tokens[len(live):])
	p.tokens = live
	return live
}

// liveLocked returns the live tokens of the given principals accepted by
// keep (nil keeps all), oldest first.
func (e *Emulator) liveLocked(keep func(*token) bool, ps ...*principal) []*token {
	var out []*token
	for _, p := range ps {
		for _, t := range e.pruneLocked(p) {
			if keep == nil || keep(t) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, func(a, b *token) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	return out
}

// Tokens returns the live tokens owned by the named user or service
// principal, oldest first.
func (e *Emulator) Tokens(user string) []TokenInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.principals[user]
	if p == nil {
		return nil
	}
	var out []TokenInfo
	for _, t := range e.liveLocked(nil, p) {
		out = append(out, t.info())
	}
	return out
}

// AllTokens returns every token ever registered, revoked and expired ones
// included, in the order they were registered. Values are not included; see
// [Emulator.IssuedValues].
func (e *Emulator) AllTokens() []TokenRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	out := make([]TokenRecord, 0, len(e.tokens))
	for _, t := range e.tokens {
		out = append(out, TokenRecord{
			TokenInfo:        t.info(),
			Owner:            t.owner.name,
			CreatedBy:        t.createdBy.name,
			ServicePrincipal: t.owner.servicePrincipal,
			Bootstrap:        t.bootstrap,
			Revoked:          t.revoked,
			RevokedAt:        t.revokedAt,
			Expired:          t.expired(now),
		})
	}
	return out
}

// IssuedValues returns every token value the emulator ever accepted or
// handed out, bootstrap tokens included, so tests can check that none of
// them leaked into output, logs or files.
func (e *Emulator) IssuedValues() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.issued)
}

// Requests returns the API requests received so far, in arrival order,
// including those still being served.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, len(e.requests))
	for i, r := range e.requests {
		out[i] = *r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = nil
}

// SetLatency changes the delay added before every API response.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// Advance moves the emulator's clock forward by d, so that tokens can expire
// without waiting. It panics if d is negative: the clock never goes back.
func (e *Emulator) Advance(d time.Duration) {
	if d < 0 {
		panic("emulator: Advance with a negative duration")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.offset += d
}

// Now returns the emulator's current time.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now()
}

// Seed registers a pre-existing token for an existing user or service
// principal with the given creation time and lifetime (negative: never
// expires), bypassing the lifetime limits and quota that apply to API
// clients. It returns the token's info and value.
func (e *Emulator) Seed(user, comment string, created time.Time, lifetime time.Duration) (TokenInfo, string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.principals[user]
	if p == nil {
		return TokenInfo{}, "", fmt.Errorf("emulator: no user %q", user)
	}
	t := e.addTokenLocked(p, p, comment, created, lifetime, "")
	return t.info(), t.value, nil
}

// SeedWithID is Seed with a chosen token ID, for tests of ID prefixes.
func (e *Emulator) SeedWithID(user, id, comment string, created time.Time, lifetime time.Duration) (TokenInfo, error) {
	info, _, err := e.Seed(user, comment, created, lifetime)
	if err != nil {
		return info, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byID[id] != nil {
		return info, fmt.Errorf("emulator: token ID %s is taken", id)
	}
	t := e.byID[info.TokenID]
	delete(e.byID, t.id)
	t.id = id
	e.byID[id] = t
	return t.info(), nil
}

// authenticate resolves a bearer token to its principal and records the use.
func (e *Emulator) authenticate(value string) *principal {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	t := e.byValue[value]
	if t == nil || !t.live(now) {
		return nil
	}
	t.lastUsed = now
	return t.owner
}

// shutdown releases requests that wait on the emulator.
func (e *Emulator) shutdown() {
	e.doneOnce.Do(func() { close(e.done) })
}

// enter and leave bracket every handler so that a closing Server can wait
// for them: net/http stops tracking a connection once it is hijacked, but
// the handler still has to record the request.
func (e *Emulator) enter() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active == 0 {
		e.idle = make(chan struct{})
	}
	e.active++
}

func (e *Emulator) leave() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.active--
	if e.active == 0 {
		close(e.idle)
	}
}

// waitIdle waits up to timeout for running handlers to return.
func (e *Emulator) waitIdle(timeout time.Duration) {
	e.mu.Lock()
	idle := e.idle
	busy := e.active > 0
	e.mu.Unlock()
	if !busy {
		return
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
}
