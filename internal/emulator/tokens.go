package emulator

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

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
	// idleSince starts the unused-token clock: the last use, or else the
	// creation (for seeded tokens, the seeding: see tokenSpec.idleSince).
	idleSince     time.Time
	bootstrap     bool
	oauth         bool // an OAuth access token: authenticates, is no PAT, never listed
	revoked       bool
	revokedAt     time.Time
	revokedReason string

	scopes         []string
	autoscope      bool
	autoscopeState string // only when seeded with one; otherwise derived
	inferred       []string
}

// TokenID is how the workspace derives a token's ID from its value: the
// SHA-256 hash in lower-case hex, as the SDK documents token_id. Anyone who
// holds a value can therefore find its token in a listing.
func TokenID(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

func (t *token) expired(now time.Time) bool {
	return !t.expiry.IsZero() && !now.Before(t.expiry)
}

// tokenSpec describes a token to register.
type tokenSpec struct {
	owner, createdBy *principal
	comment          string
	created          time.Time
	lifetime         time.Duration // negative: never expires
	value            string        // "" for a fresh random value
	id               string        // "" for TokenID(value); test-only otherwise
	scopes           []string
	autoscope        bool
	autoscopeState   string
	inferred         []string
	lastUsed         time.Time
	// idleSince, if set, starts the unused-token clock instead of the
	// creation time. Seeding sets it to the last use or else to the seeding
	// time, so that a token seeded as created long ago is not revoked the
	// moment it appears.
	idleSince time.Time
	// secret tokens' values are never handed to anybody (bulk seeding), so
	// they are not recorded as issued.
	secret bool
}

// addTokenLocked registers a token.
func (e *Emulator) addTokenLocked(s tokenSpec) (*token, error) {
	value := s.value
	if value == "" {
		for value == "" || e.byValue[value] != nil {
			value = "dapi" + randomHex(16)
		}
	} else if e.byValue[value] != nil {
		return nil, fmt.Errorf("token value already in use")
	}
	id := s.id
	if id == "" {
		id = TokenID(value)
	}
	for s.id == "" && e.opts.RandomIDs && (id == TokenID(value) || e.byID[id] != nil) {
		id = randomHex(32)
	}
	if e.byID[id] != nil {
		return nil, fmt.Errorf("token ID %s is taken", id)
	}
	e.seq++
	t := &token{
		seq:            e.seq,
		id:             id,
		value:          value,
		owner:          s.owner,
		createdBy:      s.createdBy,
		comment:        s.comment,
		created:        s.created,
		lastUsed:       s.lastUsed,
		idleSince:      s.created,
		scopes:         slices.Clone(s.scopes),
		autoscope:      s.autoscope,
		autoscopeState: s.autoscopeState,
		inferred:       slices.Clone(s.inferred),
	}
	if !s.idleSince.IsZero() {
		t.idleSince = s.idleSince
	}
	if s.lifetime >= 0 {
		t.expiry = s.created.Add(s.lifetime)
	}
	e.tokens = append(e.tokens, t)
	p := s.owner
	if n := len(p.tokens); n > 0 && tokenBefore(t, p.tokens[n-1]) {
		p.sorted = false
	}
	p.tokens = append(p.tokens, t)
	e.byID[id] = t
	e.byValue[value] = t
	if !s.secret {
		e.issued = append(e.issued, value)
	}
	return t, nil
}

func tokenBefore(a, b *token) bool { return compareTokens(a, b) < 0 }

func compareTokens(a, b *token) int {
	if c := a.created.Compare(b.created); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// reapLocked applies the unused-token rule to t and reports whether t is
// revoked. The rule is applied lazily, whenever a token is looked at, which
// is sound because the clock only moves forward and a use moves the
// deadline before the deadline is checked.
func (e *Emulator) reapLocked(t *token, now time.Time) bool {
	if t.revoked {
		return true
	}
	if lim := e.opts.UnusedRevocation; lim > 0 && !t.oauth {
		if deadline := t.idleSince.Add(lim); !now.Before(deadline) {
			e.revokeTokenLocked(t, deadline, RevokedUnused)
			return true
		}
	}
	return false
}

func (e *Emulator) revokeTokenLocked(t *token, at time.Time, reason string) {
	// The owner's slice of held tokens is pruned lazily, by heldLocked.
	t.revoked, t.revokedAt, t.revokedReason = true, at, reason
}

// heldLocked returns the tokens p holds (live and expired, not revoked) in
// creation order. It drops revoked tokens from p's slice, which keeps quota
// checks and lists proportional to what is held rather than to everything
// ever created.
func (e *Emulator) heldLocked(p *principal) []*token {
	now := e.now()
	held := p.tokens[:0]
	for _, t := range p.tokens {
		if !e.reapLocked(t, now) {
			held = append(held, t)
		}
	}
	clear(p.tokens[len(held):])
	p.tokens = held
	if !p.sorted {
		slices.SortFunc(p.tokens, compareTokens)
		p.sorted = true
	}
	return p.tokens
}

// autoscopeStateLocked derives the autoscope state: running during the
// observation period, completed after it.
func (e *Emulator) autoscopeStateLocked(t *token, now time.Time) string {
	if t.autoscopeState != "" {
		return t.autoscopeState
	}
	if !t.autoscope {
		return ""
	}
	if now.Before(t.created.Add(e.opts.AutoscopeObservation)) {
		return autoscopeRunning
	}
	return autoscopeCompleted
}

// infoLocked renders the token-management view of t.
func (e *Emulator) infoLocked(t *token, now time.Time) TokenInfo {
	ti := TokenInfo{
		TokenID:           t.id,
		Comment:           t.comment,
		CreationTime:      t.created.UnixMilli(),
		ExpiryTime:        -1,
		Scopes:            slices.Clone(t.scopes),
		AutoscopeState:    e.autoscopeStateLocked(t, now),
		InferredScopes:    slices.Clone(t.inferred),
		CreatedByID:       t.createdBy.id,
		CreatedByUsername: t.createdBy.name,
		OwnerID:           t.owner.id,
		WorkspaceID:       workspaceID,
	}
	if !t.expiry.IsZero() {
		ti.ExpiryTime = t.expiry.UnixMilli()
	}
	if !t.lastUsed.IsZero() {
		ti.LastUsedDay = dayStart(t.lastUsed).UnixMilli()
	}
	return ti
}

// publicInfoLocked renders the narrower view the plain Token API returns.
func (e *Emulator) publicInfoLocked(t *token, now time.Time) TokenInfo {
	ti := e.infoLocked(t, now)
	return TokenInfo{
		TokenID:        ti.TokenID,
		Comment:        ti.Comment,
		CreationTime:   ti.CreationTime,
		ExpiryTime:     ti.ExpiryTime,
		Scopes:         ti.Scopes,
		AutoscopeState: ti.AutoscopeState,
		InferredScopes: ti.InferredScopes,
	}
}

func dayStart(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// Seed registers a pre-existing token for an existing user or service
// principal with the given creation time and lifetime (negative: never
// expires; zero: the default lifetime), bypassing the lifetime limits and
// quota that apply to API clients. It returns the token's info and value. The token has never been
// used; its 90-day unused clock starts now, not at its creation.
func (e *Emulator) Seed(user, comment string, created time.Time, lifetime time.Duration) (TokenInfo, string, error) {
	info, value, err := e.SeedToken(TokenSeed{Owner: user, Comment: comment, Created: created, Lifetime: lifetime})
	return info, value, err
}

// SeedWithID is Seed with a chosen token ID, for tests of ID prefixes and
// of hostile IDs (control characters, escapes): real IDs are the SHA-256 of
// the value, which a chosen ID is not.
func (e *Emulator) SeedWithID(user, id, comment string, created time.Time, lifetime time.Duration) (TokenInfo, error) {
	info, _, err := e.SeedToken(TokenSeed{Owner: user, ID: id, Comment: comment, Created: created, Lifetime: lifetime})
	return info, err
}

// TokenSeed describes a token for [Emulator.SeedToken].
type TokenSeed struct {
	// Owner is a user name or a service principal's application ID.
	Owner string
	// CreatedBy defaults to Owner; an admin creating a service principal's
	// on-behalf-of token is the usual other case.
	CreatedBy string
	Comment   string
	Created   time.Time // default: now
	// Lifetime: negative never expires; zero means the default lifetime.
	Lifetime time.Duration
	// Value and ID default to a fresh value and its SHA-256.
	Value, ID        string
	Scopes           []string
	AutoscopeEnabled bool
	// AutoscopeState and InferredScopes override what the emulator derives.
	AutoscopeState string
	InferredScopes []string
	// LastUsed, if set, is when the token last authenticated; it also
	// starts the unused-token clock. Otherwise that clock starts now.
	LastUsed time.Time
}

// SeedToken registers a pre-existing token as described, bypassing the
// limits API clients are held to, and returns its info and value.
func (e *Emulator) SeedToken(s TokenSeed) (TokenInfo, string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.seedLocked(s, false)
	if err != nil {
		return TokenInfo{}, "", fmt.Errorf("emulator: %w", err)
	}
	return e.infoLocked(t, e.now()), t.value, nil
}

func (e *Emulator) seedLocked(s TokenSeed, secret bool) (*token, error) {
	owner := e.principals[s.Owner]
	if owner == nil {
		return nil, fmt.Errorf("no user %q", s.Owner)
	}
	createdBy := owner
	if s.CreatedBy != "" {
		if createdBy = e.principals[s.CreatedBy]; createdBy == nil {
			return nil, fmt.Errorf("no user %q", s.CreatedBy)
		}
	}
	now := e.now()
	created := s.Created
	if created.IsZero() {
		created = now
	}
	lifetime := s.Lifetime
	if lifetime == 0 {
		lifetime = e.opts.DefaultLifetime
	}
	for _, sc := range append(slices.Clone(s.Scopes), s.InferredScopes...) {
		if !knownScope(sc) {
			return nil, fmt.Errorf("unknown scope %q", sc)
		}
	}
	if s.AutoscopeState != "" && !validAutoscopeState(s.AutoscopeState) {
		return nil, fmt.Errorf("unknown autoscope state %q", s.AutoscopeState)
	}
	idleSince := now
	if !s.LastUsed.IsZero() {
		idleSince = s.LastUsed
	}
	return e.addTokenLocked(tokenSpec{
		owner:          owner,
		createdBy:      createdBy,
		comment:        s.Comment,
		created:        created,
		lifetime:       lifetime,
		value:          s.Value,
		id:             s.ID,
		scopes:         s.Scopes,
		autoscope:      s.AutoscopeEnabled,
		autoscopeState: s.AutoscopeState,
		inferred:       s.InferredScopes,
		lastUsed:       s.LastUsed,
		idleSince:      idleSince,
		secret:         secret,
	})
}

// SeedBulk gives user n more never-used tokens, created one second apart
// and ending at now, each with comment followed by " " and its number. It
// is meant for huge lists: the values are never revealed (nor recorded in
// [Emulator.IssuedValues]) and the work is one lock and a few allocations
// per token.
func (e *Emulator) SeedBulk(user string, n int, comment string, lifetime time.Duration) error {
	if n < 0 {
		return fmt.Errorf("emulator: negative token count %d", n)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.principals[user]
	if p == nil {
		return fmt.Errorf("emulator: no user %q", user)
	}
	now := e.now()
	p.tokens = slices.Grow(p.tokens, n)
	e.tokens = slices.Grow(e.tokens, n)
	for i := range n {
		created := now.Add(-time.Duration(n-1-i) * time.Second)
		if _, err := e.addTokenLocked(tokenSpec{
			owner: p, createdBy: p, comment: fmt.Sprintf("%s %d", comment, i+1),
			created: created, lifetime: lifetime, idleSince: now, secret: true,
		}); err != nil {
			return fmt.Errorf("emulator: %w", err)
		}
	}
	return nil
}

// authenticateLocked resolves a bearer value to its credential, records
// the use and returns a reply for the client when the credential is refused.
func (e *Emulator) authenticateLocked(value string, now time.Time) (*token, reply, bool) {
	t := e.byValue[value]
	if t == nil || e.reapLocked(t, now) || t.expired(now) {
		return nil, invalidToken(), false
	}
	if !t.oauth {
		// A PAT is only as good as the workspace's PAT settings and its
		// owner's permission to use tokens.
		if !e.conf.tokensEnabled {
			return nil, tokensDisabled(), false
		}
		if !e.canUseTokensLocked(t.owner) {
			return nil, noTokenPermission(), false
		}
		t.idleSince = now
	}
	t.lastUsed = now
	return t, reply{}, true
}
