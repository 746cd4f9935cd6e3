package tokens

import (
	"sort"
	"strings"
	"sync"
)

// Credential is a personal access token that something signs in with: a
// profile of the config file, or DATABRICKS_TOKEN.
type Credential struct {
	Profile string
	Host    string
	Value   Secret
}

// Record is dbtok's memory of the tokens it delivered (by digest, never by
// value) and of which workspaces derive token IDs from values.
type Record interface {
	Lookup(host, value string) (id string, ok bool)
	UsesDigestIDs(host string) bool
	NoteDigestIDs(host string)
}

// Credentials tells which tokens profiles sign in with. It covers every
// profile of the config file, not only those a command selected: revoking
// profile A's token through profile B must be as impossible as through A.
type Credentials struct {
	all    []Credential
	record Record
	digest map[string]bool

	// The credentials by workspace, with their digests, and the profiles
	// by digest: built once, because a run over every profile asks for
	// each workspace, and a config file with 500 profiles of one
	// workspace would otherwise hash and compare 500 x 500 values.
	indexOnce sync.Once
	byHost    map[string][]indexed
	// anyHost is the profiles by their value's digest, whatever host they
	// name: one workspace is often reached under several names (a vanity
	// name and dbc-..., PrivateLink, localhost and 127.0.0.1), and a
	// value's digest names its token wherever the profile points.
	anyHost map[string][]indexed
	// byRecord is, per workspace, the profiles by the token ID dbtok's
	// record knows for their values: looked up once per workspace, not
	// once per token asked about.
	recordMu sync.Mutex
	byRecord map[string]map[string][]string
}

// indexed is a credential with its workspace's key and its value's digest.
type indexed struct {
	Credential
	digest string
}

// NewCredentials starts from every credential in use; rec may be nil.
func NewCredentials(all []Credential, rec Record) *Credentials {
	return &Credentials{all: all, record: rec, digest: map[string]bool{}}
}

func (c *Credentials) index() {
	c.indexOnce.Do(func() {
		c.byHost = map[string][]indexed{}
		c.anyHost = map[string][]indexed{}
		for _, cr := range c.all {
			hk, d := HostKey(cr.Host), cr.Value.Digest()
			c.byHost[hk] = append(c.byHost[hk], indexed{Credential: cr, digest: d})
			c.anyHost[d] = append(c.anyHost[d], indexed{Credential: cr, digest: d})
		}
	})
}

// digestIDs reports whether host is known to derive token IDs from values,
// in which case a credential's ID is its digest: a match cannot be wrong.
func (c *Credentials) digestIDs(hostKey string) bool {
	if c.digest[hostKey] {
		return true
	}
	return c.record != nil && c.record.UsesDigestIDs(hostKey)
}

// UsesDigestIDs reports whether the workspace is known to derive token IDs
// from values (SHA-256), so that a value names its token.
func (c *Credentials) UsesDigestIDs(hostKey string) bool { return c.digestIDs(hostKey) }

func (c *Credentials) learn(hostKey string) {
	if c.digest[hostKey] {
		return
	}
	c.digest[hostKey] = true
	if c.record != nil && !c.record.UsesDigestIDs(hostKey) {
		c.record.NoteDigestIDs(hostKey)
	}
}

// Learn takes what a listing of a workspace proves: if a listed ID is the
// digest of a known credential's value, the workspace derives IDs that way.
func (c *Credentials) Learn(hostKey string, listed []Token) {
	if c.digestIDs(hostKey) {
		return
	}
	ids := map[string]bool{}
	for _, t := range listed {
		ids[t.ID] = true
	}
	for _, cr := range c.on(hostKey) {
		if ids[cr.digest] {
			c.learn(hostKey)
			return
		}
	}
}

// LearnCreated takes what a new token proves: its ID is its value's digest.
func (c *Credentials) LearnCreated(hostKey string, created *Created) {
	if created != nil && created.Token.ID == created.Value.Digest() {
		c.learn(hostKey)
	}
}

// on returns the credentials for a workspace.
func (c *Credentials) on(hostKey string) []indexed {
	c.index()
	return c.byHost[hostKey]
}

// idOf is the ID of a credential's token, if it can be told.
func (c *Credentials) idOf(hostKey string, cr indexed) (string, bool) {
	if c.digestIDs(hostKey) {
		return cr.digest, true
	}
	if c.record != nil {
		if id, ok := c.record.Lookup(hostKey, cr.Value.Reveal()); ok {
			return id, true
		}
	}
	return "", false
}

// ProfilesUsing names, sorted, what signs in with token id on the workspace.
// An ID that is the digest of any profile's value is that profile's token,
// whichever name of the workspace the profile uses: two values cannot share
// a digest, so the match across hosts cannot be wrong.
func (c *Credentials) ProfilesUsing(hostKey, id string) []string {
	c.index()
	var out []string
	for _, cr := range c.anyHost[id] {
		out = append(out, cr.Profile)
	}
	if !c.digestIDs(hostKey) && c.record != nil {
		// Only dbtok's record can tell the other credentials' IDs.
		out = append(out, c.recorded(hostKey)[id]...)
	}
	return uniqueSorted(out)
}

// recorded is the workspace's profiles by the token ID dbtok's record
// knows for their values (where that is not the value's digest).
func (c *Credentials) recorded(hostKey string) map[string][]string {
	c.recordMu.Lock()
	defer c.recordMu.Unlock()
	if ids, ok := c.byRecord[hostKey]; ok {
		return ids
	}
	ids := map[string][]string{}
	for _, cr := range c.on(hostKey) {
		if known, ok := c.record.Lookup(hostKey, cr.Value.Reveal()); ok && known != cr.digest {
			ids[known] = append(ids[known], cr.Profile)
		}
	}
	if c.byRecord == nil {
		c.byRecord = map[string]map[string][]string{}
	}
	c.byRecord[hostKey] = ids
	return ids
}

// IDFor is the ID of the token profile signs in with on the workspace.
func (c *Credentials) IDFor(hostKey, profile string) (string, bool) {
	for _, cr := range c.on(hostKey) {
		if cr.Profile == profile {
			return c.idOf(hostKey, cr)
		}
	}
	return "", false
}

// Unidentified names what signs in to the workspace with a token whose ID
// dbtok cannot tell: the workspace is not known to derive IDs from values
// and dbtok did not deliver the token. Such a token may be among those a
// plan would revoke.
func (c *Credentials) Unidentified(hostKey string) []string {
	var out []string
	for _, cr := range c.on(hostKey) {
		if _, ok := c.idOf(hostKey, cr); !ok {
			out = append(out, cr.Profile)
		}
	}
	return uniqueSorted(out)
}

// Undelivered is the target by which a new token that was not delivered
// is revoked again. On a workspace known to derive IDs from values, the
// token's ID is its value's digest, whatever the answer that created it
// said; and the target names what signs in with that ID, so that a
// confused or hostile answer can never get a profile's own token revoked
// in the new one's place (RevokeUndelivered refuses then).
func (c *Credentials) Undelivered(t Target, value Secret) Target {
	if c == nil {
		return t
	}
	key := t.Place.Key()
	if d := value.Digest(); c.digestIDs(key) && t.Token.ID != d {
		t.Token.ID = d
	}
	t.SignsIn = c.ProfilesUsing(key, t.Token.ID)
	return t
}

// SameValue names the profiles of a workspace (by its host) whose token
// has the given value, which are updated together when it is replaced.
// A profile that holds the value under another host name is protected
// (ProfilesUsing) but not rewritten: dbtok cannot tell whether that name
// is the same workspace, so it is named for the user to update (Elsewhere).
func (c *Credentials) SameValue(hostKey string, value Secret) []string {
	var out []string
	d := value.Digest()
	for _, cr := range c.on(hostKey) {
		if cr.digest == d {
			out = append(out, cr.Profile)
		}
	}
	return uniqueSorted(out)
}

// Elsewhere names the profiles that sign in with token id under a host
// name other than hostKey, with the host each names.
func (c *Credentials) Elsewhere(hostKey, id string) []Credential {
	c.index()
	var out []Credential
	for _, cr := range c.anyHost[id] {
		if HostKey(cr.Host) != hostKey {
			out = append(out, cr.Credential)
		}
	}
	return out
}

func uniqueSorted(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Names joins profile names for messages: "a", "a and b", "a, b and c".
func Names(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
