package tokens

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Who owns a token. The Token Management API says who created a token
// (created_by_id and created_by_username) and who owns it (owner_id, a
// bare number). They differ for on-behalf-of tokens: an admin creates
// them, and the service principal they are for owns them. Only the
// workspace's SCIM directory turns owner_id into a name.

// Identity is a user or service principal as the workspace's directory
// names it: Principal.Name is the user name or the application ID.
type Identity struct {
	Principal
	ID          int64
	DisplayName string
}

// Describe is how an owner reads in a table: a user name, or a service
// principal's display name and application ID.
func (i Identity) Describe() string {
	if i.Kind == ServicePrincipal && i.DisplayName != "" && i.DisplayName != i.Name {
		return fmt.Sprintf("%s (%s)", i.DisplayName, i.Name)
	}
	return i.Name
}

// DirectoryAPI looks principals up by their numeric IDs (the owner_id and
// created_by_id of tokens). Each call answers in one request where it can;
// the implementation over SCIM lives in package workspace.
type DirectoryAPI interface {
	// ServicePrincipals returns those of ids that are service principals.
	ServicePrincipals(ctx context.Context, ids []int64) ([]Identity, error)
	// Users returns those of ids that are users.
	Users(ctx context.Context, ids []int64) ([]Identity, error)
}

// OwnedByCreator reports whether the token's creator owns it (every token
// but on-behalf-of ones), or whether the listing does not say.
func (t Token) OwnedByCreator() bool {
	return t.Owner == nil || t.Owner.OwnerID == 0 || t.Owner.OwnerID == t.Owner.CreatedByID
}

// OwnerIdentity is who owns the token, when known: looked up in the
// directory (ResolveOwners), or else its creator, who owns every token
// but on-behalf-of ones (then only the name is known, not the kind).
func (t Token) OwnerIdentity() (Identity, bool) {
	switch {
	case t.Owner == nil:
		return Identity{}, false
	case t.Owner.Resolved != nil:
		return *t.Owner.Resolved, true
	case t.OwnedByCreator():
		return Identity{Principal: Principal{Name: t.Owner.CreatedByUsername}, ID: t.Owner.OwnerID}, true
	}
	return Identity{}, false
}

// OwnerText is how the owner reads in a table: its name (a service
// principal's display name and application ID), or its numeric ID when
// the directory could not say.
func (t Token) OwnerText() string {
	if id, ok := t.OwnerIdentity(); ok {
		return id.Describe()
	}
	if t.Owner != nil {
		return "#" + strconv.FormatInt(t.Owner.OwnerID, 10)
	}
	return ""
}

// OwnedBy reports whether name denotes the token's owner: its user name,
// application ID or display name (names ignore case, as the directory's
// filters do), or its numeric ID.
func (t Token) OwnedBy(name string) bool {
	if t.Owner == nil {
		return false
	}
	if n, err := strconv.ParseInt(name, 10, 64); err == nil && n == t.Owner.OwnerID {
		return true
	}
	id, ok := t.OwnerIdentity()
	if !ok {
		return false
	}
	return strings.EqualFold(id.Name, name) || id.DisplayName != "" && strings.EqualFold(id.DisplayName, name)
}

// ForeignOwners reports whether any token is owned by someone other than
// its creator: only then is an owner column worth its width.
func ForeignOwners(list []Token) bool {
	for _, t := range list {
		if !t.OwnedByCreator() {
			return true
		}
	}
	return false
}

// ResolveOwners looks up, in one directory request where it can, who owns
// the tokens whose owner is not their creator (every owner, when all is
// set: matching --owner against a service principal's display name needs
// it even for the tokens a service principal created itself), and records
// it in each token's Owner. Service principals are asked for first, as
// they are who on-behalf-of tokens belong to; users only for owners that
// are not one (a second request, which real listings do not need).
// Owners the directory does not know keep only their numeric ID. It makes
// no request when there is nothing to look up.
func ResolveOwners(ctx context.Context, dir DirectoryAPI, list []Token, all bool) error {
	owners := make([]Owner, 0, len(list))
	for _, t := range list {
		if t.Owner != nil && t.Owner.Resolved == nil {
			owners = append(owners, *t.Owner)
		}
	}
	found, err := lookUpOwners(ctx, dir, owners, all)
	if err != nil {
		return err
	}
	for i := range list {
		o := list[i].Owner
		if o == nil || o.Resolved != nil {
			continue
		}
		if id, ok := found.identity(*o); ok {
			// A copy per token: listings share nothing between tokens.
			owner := *o
			owner.Resolved = &id
			list[i].Owner = &owner
		}
	}
	return nil
}

// Tokens is a listing as a slice, whose owners can be looked up.
type Tokens []Token

// ResolveOwners names the owners of the tokens, in place.
func (ts Tokens) ResolveOwners(ctx context.Context, dir DirectoryAPI, all bool) error {
	return ResolveOwners(ctx, dir, ts, all)
}

// OwnerResolver is a listing whose owners can be looked up: a slice
// (Tokens) or a compact List.
type OwnerResolver interface {
	ResolveOwners(ctx context.Context, dir DirectoryAPI, all bool) error
}

// ownerNames is what the directory said about a listing's owners.
type ownerNames struct {
	found map[int64]Identity
	all   bool
}

// identity names o's owner: as the directory found it, or, when every
// owner was asked for, the creator the listing names for a token its
// creator owns (a user, or the directory would have named a service
// principal).
func (n ownerNames) identity(o Owner) (Identity, bool) {
	if id, ok := n.found[o.OwnerID]; ok {
		return id, true
	}
	if n.all && o.OwnerID != 0 && (o.OwnerID == o.CreatedByID) {
		return Identity{Principal: Principal{Kind: User, Name: o.CreatedByUsername}, ID: o.OwnerID}, true
	}
	return Identity{}, false
}

// lookUpOwners asks the directory about the owners of a listing: those
// that are not the token's creator (on-behalf-of tokens), and with all
// every owner. Service principals first, in one request; users only for
// owners that are neither a service principal nor the creator.
func lookUpOwners(ctx context.Context, dir DirectoryAPI, owners []Owner, all bool) (ownerNames, error) {
	names := ownerNames{found: map[int64]Identity{}, all: all}
	want := map[int64]bool{}
	foreign := map[int64]bool{}
	for _, o := range owners {
		if o.OwnerID == 0 {
			continue
		}
		if o.OwnerID != o.CreatedByID {
			foreign[o.OwnerID] = true
			want[o.OwnerID] = true
		} else if all {
			want[o.OwnerID] = true
		}
	}
	if len(want) == 0 {
		return names, nil
	}
	if dir == nil {
		return names, fmt.Errorf("the workspace offers no directory to look owners up in")
	}
	sps, err := dir.ServicePrincipals(ctx, sortedIDs(want))
	if err != nil {
		return names, err
	}
	for _, id := range sps {
		names.found[id.ID] = id
	}
	var users []int64
	for id := range foreign {
		if _, ok := names.found[id]; !ok {
			users = append(users, id)
		}
	}
	if len(users) > 0 {
		slices.Sort(users)
		us, err := dir.Users(ctx, users)
		if err != nil {
			return names, err
		}
		for _, id := range us {
			names.found[id.ID] = id
		}
	}
	return names, nil
}

func sortedIDs(set map[int64]bool) []int64 {
	out := make([]int64, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
