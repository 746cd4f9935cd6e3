package emulator

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults mirror a Databricks workspace with no token policy.
const (
	// DefaultMaxLifetime is the platform's cap on token lifetimes (730
	// days), which applies even when the workspace sets no maximum.
	DefaultMaxLifetime     = 730 * 24 * time.Hour
	DefaultDefaultLifetime = 730 * 24 * time.Hour
	DefaultQuota           = 600
	// DefaultUnusedRevocation is how long a token may go unused before the
	// workspace revokes it, as the Databricks documentation describes.
	DefaultUnusedRevocation = 90 * 24 * time.Hour
	// DefaultAutoscopeObservation is how long an autoscoped token may call
	// every API while the workspace infers the scopes it needs. The real
	// period is not documented; see the package documentation.
	DefaultAutoscopeObservation = 7 * 24 * time.Hour

	// WorkspaceID is reported by the discovery endpoint and in admin token
	// info.
	WorkspaceID = "1234567890123456"
	workspaceID = 1234567890123456

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
	// Admin makes the user a member of the admins group: token management,
	// workspace settings, token permissions and SCIM creation.
	Admin bool
	// OAuth makes Token an OAuth access token rather than a PAT, as for a
	// user signed in with `databricks auth login`: it authenticates, but it
	// is not one of the user's tokens, so their list can be empty. OAuth
	// tokens keep working when personal access tokens are disabled.
	OAuth bool
	// DisplayName is the SCIM displayName; default Name.
	DisplayName string
	// Groups are workspace groups the user belongs to besides users (and
	// admins, for admins). A group exists while somebody belongs to it.
	Groups []string
}

// ServicePrincipal is a service principal of the emulated workspace, the
// only kind of principal on-behalf-of tokens can be created for.
type ServicePrincipal struct {
	// ApplicationID identifies the principal in on-behalf-of requests and
	// in token permissions (service_principal_name).
	ApplicationID string
	DisplayName   string
	// Token, if set, is a bootstrap PAT the principal signs in with.
	Token  string
	Admin  bool
	Groups []string
}

// Options configures an [Emulator]. Zero values select the defaults.
type Options struct {
	Users []User
	// ServicePrincipals are known to the workspace from the start.
	ServicePrincipals []ServicePrincipal
	// MaxLifetime is the workspace's maximum token lifetime
	// (maxTokenLifetimeDays); zero means none is set, and then only the
	// platform cap of 730 days applies. Admins can change it through the
	// workspace-conf API.
	MaxLifetime time.Duration
	// DefaultLifetime applies when a create request has no lifetime_seconds;
	// default 730 days, capped at the maximum. Negative means such tokens
	// never expire, unless the workspace sets a maximum.
	DefaultLifetime time.Duration
	// TokensDisabled starts the workspace with personal access tokens
	// disabled (enableTokensConfig "false").
	TokensDisabled bool
	// Quota is the number of tokens each principal may hold (expired ones
	// included, until they are deleted); default 600.
	Quota int
	// UnusedRevocation is how long a token may stay unused before the
	// workspace revokes it; default 90 days, negative never.
	UnusedRevocation time.Duration
	// AutoscopeObservation is how long an autoscoped token may call every
	// API; default 7 days.
	AutoscopeObservation time.Duration
	// Latency is added before every API response.
	Latency time.Duration
	// RateLimit, if positive, is the number of API requests per second each
	// host name (the request's Host) is allowed; further requests get 429
	// with Retry-After. RateBurst is the bucket size (default RateLimit,
	// at least 1).
	RateLimit float64
	RateBurst int
	// BulkUsers adds users user1..userN, none an admin, whose bootstrap
	// tokens are [BulkUserToken](i), for benchmarks across many users.
	BulkUsers int
	// State, if set, is loaded after Users and ServicePrincipals; see
	// [State].
	State *State
	// Now is the base clock; default time.Now. [Emulator.Advance] adds to
	// it. It must not go backwards.
	Now func() time.Time
	// Log, if set, receives one line per request. Lines never contain
	// credentials.
	Log io.Writer
	// RandomIDs gives tokens random IDs instead of [TokenID] of their
	// value, to test clients on a workspace whose IDs tell nothing.
	RandomIDs bool
}

// BulkUserToken is the bootstrap token of the i-th bulk user (see
// [Options.BulkUsers]): "dapi" and i as 32 decimal digits, which is also
// valid hex.
func BulkUserToken(i int) string { return fmt.Sprintf("dapi%032d", i) }

// BulkUserName is the name of the i-th bulk user.
func BulkUserName(i int) string { return fmt.Sprintf("user%d", i) }

// TokenInfo describes a token the way the API does. Times are epoch
// milliseconds; ExpiryTime is -1 for a token that never expires. The
// token-management fields are left zero (and omitted from JSON) in responses
// of the plain Token API, which does not return them.
type TokenInfo struct {
	TokenID           string   `json:"token_id"`
	Comment           string   `json:"comment"`
	CreationTime      int64    `json:"creation_time"`
	ExpiryTime        int64    `json:"expiry_time"`
	Scopes            []string `json:"scopes,omitempty"`
	AutoscopeState    string   `json:"autoscope_state,omitempty"`
	InferredScopes    []string `json:"inferred_scopes,omitempty"`
	CreatedByID       int64    `json:"created_by_id,omitempty"`
	CreatedByUsername string   `json:"created_by_username,omitempty"`
	OwnerID           int64    `json:"owner_id,omitempty"`
	WorkspaceID       int64    `json:"workspace_id,omitempty"`
	// LastUsedDay is the start (UTC) of the day the token last authenticated
	// a request, or 0 if it never did.
	LastUsedDay int64 `json:"last_used_day,omitempty"`
}

// Why a token was revoked, in [TokenRecord.RevokedReason].
const (
	RevokedDeleted    = "deleted"    // through the Token or token-management API
	RevokedUnused     = "unused"     // unused for the revocation period (90 days)
	RevokedPermission = "permission" // its owner lost permission to use tokens
)

// TokenRecord is the emulator's full view of a token, for assertions.
type TokenRecord struct {
	TokenInfo
	Owner     string
	CreatedBy string
	// ServicePrincipal reports whether the owner is a service principal.
	ServicePrincipal bool
	Bootstrap        bool
	Revoked          bool
	RevokedAt        time.Time // zero unless Revoked
	RevokedReason    string    // one of the Revoked* constants, or ""
	Expired          bool      // at the emulator's current time
	AutoscopeEnabled bool
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

// Emulator is an in-memory Databricks workspace. All methods are safe for
// concurrent use.
type Emulator struct {
	opts    Options
	mux     *http.ServeMux // the API
	control *http.ServeMux // the control endpoints

	mu         sync.Mutex
	offset     time.Duration // added to opts.Now by Advance
	latency    time.Duration
	principals map[string]*principal // by userName or application ID
	ids        map[int64]*principal
	tokens     []*token // every token ever registered, in registration order
	byID       map[string]*token
	byValue    map[string]*token
	issued     []string
	requests   []*Request
	faults     []*activeFault
	seq        int64
	conf       workspaceConf
	acl        []aclEntry // token permissions besides the fixed admins entry
	scopes     map[string]*secretScope
	limiter    atomic.Pointer[rateLimiter] // nil: no rate limit; read without mu
	active     int                         // handlers running
	idle       chan struct{}               // closed when active drops to 0

	logMu sync.Mutex

	// done is closed when a Server shuts down, releasing hung and delayed
	// requests that would otherwise outlive it.
	done     chan struct{}
	doneOnce sync.Once
}

// New returns an emulator for opts. It panics if opts is invalid (a user
// without a name or token, a repeated name or token, a bad state); [Start]
// and [Listen] report the same problems as errors.
func New(opts Options) *Emulator {
	e, err := newEmulator(opts)
	if err != nil {
		panic("emulator: " + err.Error())
	}
	return e
}

func newEmulator(opts Options) (*Emulator, error) {
	if opts.MaxLifetime < 0 {
		return nil, errors.New("negative maximum lifetime")
	}
	if opts.DefaultLifetime == 0 {
		opts.DefaultLifetime = DefaultDefaultLifetime
	}
	if opts.Quota <= 0 {
		opts.Quota = DefaultQuota
	}
	if opts.UnusedRevocation == 0 {
		opts.UnusedRevocation = DefaultUnusedRevocation
	}
	if opts.AutoscopeObservation <= 0 {
		opts.AutoscopeObservation = DefaultAutoscopeObservation
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Users = slices.Clone(opts.Users)
	opts.ServicePrincipals = slices.Clone(opts.ServicePrincipals)
	e := &Emulator{
		opts:       opts,
		latency:    opts.Latency,
		principals: make(map[string]*principal),
		ids:        make(map[int64]*principal),
		byID:       make(map[string]*token),
		byValue:    make(map[string]*token),
		scopes:     make(map[string]*secretScope),
		conf:       newWorkspaceConf(opts.MaxLifetime, !opts.TokensDisabled),
		acl:        defaultACL(),
		done:       make(chan struct{}),
	}
	if opts.RateLimit > 0 {
		e.limiter.Store(newRateLimiter(opts.RateLimit, opts.RateBurst))
	}
	e.mux = e.routes()
	e.control = e.controlRoutes()

	if opts.State != nil && opts.State.Now != 0 {
		// Replaying a dump starts the clock where the dump was taken.
		e.offset = msTime(opts.State.Now).Sub(opts.Now())
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range opts.Users {
		if err := e.addUserLocked(u); err != nil {
			return nil, err
		}
	}
	for i := 1; i <= opts.BulkUsers; i++ {
		if err := e.addUserLocked(User{Name: BulkUserName(i), Token: BulkUserToken(i)}); err != nil {
			return nil, fmt.Errorf("bulk users: %w", err)
		}
	}
	for _, sp := range opts.ServicePrincipals {
		if _, err := e.addServicePrincipalLocked(sp); err != nil {
			return nil, err
		}
	}
	if opts.State != nil {
		if err := e.loadStateLocked(opts.State); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
	}
	return e, nil
}

// now reads the emulator's clock. Callers hold mu, which guards the offset.
func (e *Emulator) now() time.Time {
	return e.opts.Now().Add(e.offset)
}

// Tokens returns the live tokens (neither revoked nor expired) owned by the
// named user or service principal (by application ID), oldest first.
func (e *Emulator) Tokens(user string) []TokenInfo {
	return e.tokenInfos(user, false)
}

// ListedTokens returns what the workspace lists for the named principal:
// its live tokens and its expired ones that were not deleted yet, oldest
// first, in the token-management view.
func (e *Emulator) ListedTokens(user string) []TokenInfo {
	return e.tokenInfos(user, true)
}

func (e *Emulator) tokenInfos(user string, expired bool) []TokenInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.principals[user]
	if p == nil {
		return nil
	}
	now := e.now()
	var out []TokenInfo
	for _, t := range e.heldLocked(p) {
		if expired || !t.expired(now) {
			out = append(out, e.infoLocked(t, now))
		}
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
		e.reapLocked(t, now)
		out = append(out, TokenRecord{
			TokenInfo:        e.infoLocked(t, now),
			Owner:            t.owner.name,
			CreatedBy:        t.createdBy.name,
			ServicePrincipal: t.owner.servicePrincipal,
			Bootstrap:        t.bootstrap,
			Revoked:          t.revoked,
			RevokedAt:        t.revokedAt,
			RevokedReason:    t.revokedReason,
			Expired:          t.expired(now),
			AutoscopeEnabled: t.autoscope,
		})
	}
	return out
}

// IssuedValues returns every token value the emulator ever accepted or
// handed out, bootstrap tokens included, so tests can check that none of
// them leaked into output, logs or files. Values of tokens seeded in bulk,
// which nobody is ever told, are left out.
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

// SetRateLimit changes the per-host rate limit (requests per second, 0 for
// none) and burst (0 for the rate).
func (e *Emulator) SetRateLimit(perSecond float64, burst int) {
	if perSecond <= 0 {
		e.limiter.Store(nil)
		return
	}
	e.limiter.Store(newRateLimiter(perSecond, burst))
}

// Advance moves the emulator's clock forward by d, so that tokens can expire
// (and go unused for 90 days) without waiting. It panics if d is negative:
// the clock never goes back.
func (e *Emulator) Advance(d time.Duration) {
	if d < 0 {
		panic("emulator: Advance with a negative duration")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.offset += d
}

// SetNow moves the clock forward to t. It fails if t is before the
// emulator's current time.
func (e *Emulator) SetNow(t time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := t.Sub(e.now())
	if d < 0 {
		return fmt.Errorf("emulator: the clock only moves forward: %s is %s before now", t.Format(time.RFC3339), -d)
	}
	e.offset += d
	return nil
}

// Now returns the emulator's current time.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now()
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
