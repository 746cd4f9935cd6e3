package rotate

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
)

// Rotating a service principal's token (--all-users). A workspace admin
// cannot create a token for another user, but can for a service
// principal: an on-behalf-of token, which the service principal owns. So
// the old token must belong to a service principal, and the new one is an
// on-behalf-of token for it; the rest of the rotation (plan, confirm,
// prove, deliver, revoke) is the same, with the old token revoked through
// Token Management, since it is not the admin's own.

// scope is whose tokens the rotation looks among.
func (opts *Options) scope() tokens.Scope { return tokens.Scope{AllUsers: opts.AllUsers} }

// listFailed explains a failed listing; --all-users needs admin rights.
func listFailed(ws *workspace.Workspace, opts *Options, err error) error {
	if opts.AllUsers && failure.KindOf(err) == failure.KindPermission {
		return failure.Wrapf(err, "cannot list every user's tokens in %s: workspace admin rights are needed for --all-users (HTTP 403)", ws)
	}
	if opts.AllUsers {
		return ws.Fail("list every user's tokens", err)
	}
	return ws.Fail("list tokens", err)
}

// settleOwner finds the service principal that owns the tokens to
// replace, in one directory lookup, and refuses tokens that belong to a
// user (or to principals the directory does not know), and tokens of
// different owners, before anything is created.
func (j *job) settleOwner(ctx context.Context) error {
	if err := tokens.ResolveOwners(ctx, j.ws.Directory, j.old, true); err != nil {
		return j.ws.Fail("look up who owns the token to rotate", err)
	}
	for _, t := range j.old {
		id, ok := t.OwnerIdentity()
		switch {
		case !ok:
			return failure.Usagef("cannot tell who owns token %s in %s (principal %s is not in the workspace's directory): nothing rotated; revoke it with `dbtok revoke --all-users %s%s` if it is no longer needed",
				t.ID, j.ws, t.OwnerText(), t.ID, j.ws.ProfileFlag())
		case id.Kind != tokens.ServicePrincipal:
			return failure.Usagef("token %s in %s belongs to user %s: no API creates a token for another user, so only %s can rotate it (`dbtok rotate --token-id %s`); an admin can revoke it (`dbtok revoke --all-users %s%s`); nothing rotated%s",
				t.ID, j.ws, id.Name, id.Name, t.ID, t.ID, j.ws.ProfileFlag(), narrowHint(len(j.old)))
		case j.owner != nil && j.owner.ID != id.ID:
			return failure.Usagef("the tokens to replace in %s belong to different service principals (%s and %s): the new token can have only one owner; narrow with --owner, or rotate them one at a time",
				j.ws, j.owner.Describe(), id.Describe())
		}
		j.owner = &id
	}
	return nil
}

// narrowHint suggests --owner when a selection caught several tokens.
func narrowHint(selected int) string {
	if selected > 1 {
		return " (--owner selects one service principal's tokens)"
	}
	return ""
}

// mint creates the new token: the caller's own, or an on-behalf-of token
// for the service principal that owns the old one.
func (j *job) mint(ctx context.Context) (*tokens.Created, error) {
	if j.owner == nil {
		return j.ws.Tokens.Create(ctx, tokens.CreateRequest{Comment: j.comment, LifetimeSeconds: j.lifetime, Scopes: j.scopes, Autoscope: j.autoscope})
	}
	created, err := j.ws.Tokens.CreateOnBehalfOf(ctx, tokens.OnBehalfOfRequest{
		ApplicationID: j.owner.Name, Comment: j.comment, LifetimeSeconds: j.lifetime, Scopes: j.scopes, Autoscope: j.autoscope,
	})
	if err != nil {
		return nil, err
	}
	// The answer says who owns the new token (owner_id): the same service
	// principal, whose name is known already.
	if o := created.Token.Owner; o != nil && o.OwnerID == j.owner.ID {
		owner := *o
		owner.Resolved = j.owner
		created.Token.Owner = &owner
	}
	return created, nil
}

// createFailed words a failed create of the new token.
func (j *job) createFailed(err error) error {
	if j.owner != nil && failure.KindOf(err) == failure.KindPermission {
		return failure.Wrapf(err, "cannot create a token for service principal %s in %s: workspace admin rights are needed (HTTP 403)", j.owner.Describe(), j.ws)
	}
	if j.owner != nil {
		return j.ws.Fail(fmt.Sprintf("create the new token for service principal %s", j.owner.Describe()), err)
	}
	return j.ws.Fail("create the new token", err)
}

// ownerWords names the owner of the tokens a job replaces, for messages:
// "" for the caller's own.
func (j *job) ownerWords() string {
	if j.owner == nil {
		return ""
	}
	return " of service principal " + strings.TrimSpace(j.owner.Describe())
}
