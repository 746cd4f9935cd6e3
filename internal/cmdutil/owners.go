package cmdutil

import (
	"context"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
)

// NameOwners looks up who owns the tokens of an admin listing (every
// user's tokens, from the Token Management API) in ws's directory: in one
// request, and only when some token's owner is not its creator, unless
// all is set (--owner, which must name every owner). Without all, a
// failed lookup only costs the names: a note says so, and OWNER shows
// numeric IDs. With all, it is the command's failure, since the filter
// cannot be answered.
func (d Deps) NameOwners(ctx context.Context, ws *workspace.Workspace, list tokens.OwnerResolver, all bool) error {
	err := list.ResolveOwners(ctx, ws.Directory, all)
	switch {
	case err == nil:
		return nil
	case all:
		return ws.Fail("look up who owns the tokens (for --owner)", err)
	}
	d.IO.Notef("cannot look up who owns the on-behalf-of tokens in %s (%s): OWNER shows their numeric principal IDs.", ws, failure.Brief(err))
	return nil
}
