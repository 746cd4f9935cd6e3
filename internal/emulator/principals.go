package emulator

import (
	"crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

// The built-in workspace groups. Every principal is in users; admins are in
// admins.
const (
	groupUsers  = "users"
	groupAdmins = "admins"
)

type principal struct {
	id               int64
	name             string // userName, or the application ID of a service principal
	displayName      string
	admin            bool
	servicePrincipal bool
	groups           []string // besides users and admins
	created          time.Time
	// tokens are the owned tokens not known to be revoked, kept in creation
	// order when sorted is true; see heldLocked.
	tokens []*token
	sorted bool
}

// inGroup reports membership, the built-in groups included.
func (p *principal) inGroup(g string) bool {
	switch g {
	case groupUsers:
		return true
	case groupAdmins:
		return p.admin
	}
	return slices.Contains(p.groups, g)
}

// derivedID turns a name into a stable 16-digit ID, so that IDs do not
// depend on the order principals are configured in and stay the same across
// runs, as real principal IDs do.
func derivedID(kind, name string) int64 {
	h := fnv.New64a()
	if kind != "user" {
		// Users keep the IDs earlier versions of the emulator gave them.
		h.Write([]byte(kind))
		h.Write([]byte{0})
	}
	h.Write([]byte(name))
	return int64(h.Sum64()%9e15) + 1e15
}

// addPrincipalLocked registers a principal with an ID derived from its name
// unless id is non-zero.
func (e *Emulator) addPrincipalLocked(name, displayName string, admin, sp bool, groups []string, id int64) (*principal, error) {
	if e.principals[name] != nil {
		return nil, fmt.Errorf("principal %q given twice", name)
	}
	if id == 0 {
		kind := "user"
		if sp {
			kind = "service-principal"
		}
		id = derivedID(kind, name)
		for e.ids[id] != nil {
			id++
		}
	} else if e.ids[id] != nil {
		return nil, fmt.Errorf("principal ID %d given twice", id)
	}
	if displayName == "" {
		displayName = name
	}
	for _, g := range groups {
		if g == "" || g == groupUsers || g == groupAdmins {
			return nil, fmt.Errorf("principal %q: group %q cannot be given (users and admins are built in)", name, g)
		}
	}
	p := &principal{
		id:               id,
		name:             name,
		displayName:      displayName,
		admin:            admin,
		servicePrincipal: sp,
		groups:           slices.Clone(groups),
		created:          e.now(),
		sorted:           true,
	}
	e.principals[name] = p
	e.ids[id] = p
	return p, nil
}

func (e *Emulator) addUserLocked(u User) error {
	switch {
	case u.Name == "":
		return errors.New("user with empty name")
	case u.Token == "":
		return fmt.Errorf("user %q has no bootstrap token", u.Name)
	case e.principals[u.Name] != nil:
		return fmt.Errorf("user %q given twice", u.Name)
	case e.byValue[u.Token] != nil:
		return fmt.Errorf("user %q reuses another principal's token", u.Name)
	}
	p, err := e.addPrincipalLocked(u.Name, u.DisplayName, u.Admin, false, u.Groups, 0)
	if err != nil {
		return err
	}
	e.addBootstrapLocked(p, u.Token, u.OAuth)
	return nil
}

func (e *Emulator) addServicePrincipalLocked(sp ServicePrincipal) (*principal, error) {
	if sp.ApplicationID == "" {
		return nil, errors.New("service principal without an application ID")
	}
	if sp.Token != "" && e.byValue[sp.Token] != nil {
		return nil, fmt.Errorf("service principal %q reuses another principal's token", sp.ApplicationID)
	}
	p, err := e.addPrincipalLocked(sp.ApplicationID, sp.DisplayName, sp.Admin, true, sp.Groups, 0)
	if err != nil {
		return nil, err
	}
	if sp.Token != "" {
		e.addBootstrapLocked(p, sp.Token, false)
	}
	return p, nil
}

// addBootstrapLocked gives p the credential value: an ordinary PAT that
// never expires, or an OAuth access token that is not a PAT at all.
func (e *Emulator) addBootstrapLocked(p *principal, value string, oauth bool) {
	if oauth {
		e.byValue[value] = &token{value: value, owner: p, createdBy: p, created: e.now(), oauth: true}
		e.issued = append(e.issued, value)
		return
	}
	t, err := e.addTokenLocked(tokenSpec{owner: p, createdBy: p, comment: BootstrapComment, created: e.now(), lifetime: -1, value: value})
	if err != nil {
		panic("emulator: bootstrap token: " + err.Error()) // callers checked the value is free
	}
	t.bootstrap = true
}

// AddUser adds a login user, as [Options.Users] does at start.
func (e *Emulator) AddUser(u User) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.addUserLocked(u); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return nil
}

// AddServicePrincipal adds a service principal, as
// [Options.ServicePrincipals] does at start, and returns its ID.
func (e *Emulator) AddServicePrincipal(sp ServicePrincipal) (int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.addServicePrincipalLocked(sp)
	if err != nil {
		return 0, fmt.Errorf("emulator: %w", err)
	}
	return p.id, nil
}

// PrincipalID returns the numeric ID of a user (by name) or service
// principal (by application ID), as created_by_id and owner_id show it.
func (e *Emulator) PrincipalID(name string) (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.principals[name]
	if p == nil {
		return 0, false
	}
	return p.id, true
}

// newApplicationID returns a random UUID, as AWS and GCP workspaces assign
// to service principals created without one.
func newApplicationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// groupExistsLocked reports whether a group of that name exists: a built-in
// one or one somebody belongs to.
func (e *Emulator) groupExistsLocked(name string) bool {
	if name == groupUsers || name == groupAdmins {
		return true
	}
	for _, p := range e.principals {
		if slices.Contains(p.groups, name) {
			return true
		}
	}
	return false
}

func groupID(name string) string { return strconv.FormatInt(derivedID("group", name), 10) }
