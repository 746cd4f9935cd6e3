package emulator

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// tokenManagementRoutes serves the admin token-management API, under its
// GA paths and the /api/2.0/preview/ paths older clients still call.
func (e *Emulator) tokenManagementRoutes(mux *http.ServeMux) {
	for _, base := range []string{"/api/2.0/token-management", "/api/2.0/preview/token-management"} {
		e.handle(mux, "GET "+base+"/tokens", scopeAuthentication, (*Emulator).handleMgmtList)
		e.handle(mux, "GET "+base+"/tokens/{token_id}", scopeAuthentication, (*Emulator).handleMgmtGet)
		e.handle(mux, "DELETE "+base+"/tokens/{token_id}", scopeAuthentication, (*Emulator).handleMgmtDelete)
		e.handle(mux, "PATCH "+base+"/tokens/{token_id}", scopeAuthentication, (*Emulator).handleMgmtUpdate)
		e.handle(mux, "POST "+base+"/on-behalf-of/tokens", scopeAuthentication, (*Emulator).handleOBO)
	}
}

const tokenManagementWhat = "access token management APIs"

func (e *Emulator) handleMgmtList(c *call) reply {
	if rep, ok := requireAdmin(c, tokenManagementWhat); !ok {
		return rep
	}
	q := c.r.URL.Query()
	var byID int64
	if s := q.Get("created_by_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Invalid created_by_id: %q is not an integer", s)
		}
		byID = id
	}
	byName := q.Get("created_by_username")
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*token
	sources := 0
	for _, p := range e.principals {
		n := len(out)
		for _, t := range e.heldLocked(p) {
			if (byID == 0 || t.createdBy.id == byID) && (byName == "" || t.createdBy.name == byName) {
				out = append(out, t)
			}
		}
		if len(out) > n {
			sources++
		}
	}
	if sources > 1 {
		// Each principal's tokens are already in order; only a mix needs
		// sorting.
		slices.SortFunc(out, compareTokens)
	}
	now := e.now()
	return tokenListReply(out, func(t *token) TokenInfo { return e.infoLocked(t, now) })
}

// heldTokenLocked finds a token that is still held: live or expired.
func (e *Emulator) heldTokenLocked(id string, now time.Time) *token {
	t := e.byID[id]
	if t == nil || t.oauth || e.reapLocked(t, now) {
		return nil
	}
	return t
}

func (e *Emulator) handleMgmtGet(c *call) reply {
	if rep, ok := requireAdmin(c, tokenManagementWhat); !ok {
		return rep
	}
	id := c.r.PathValue("token_id")
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	t := e.heldTokenLocked(id, now)
	if t == nil {
		return tokenNotFound(id)
	}
	return jsonReply(http.StatusOK, struct {
		TokenInfo TokenInfo `json:"token_info"`
	}{e.infoLocked(t, now)})
}

// handleMgmtDelete lets an admin delete any held token, expired ones
// included (the Token API only deletes valid ones).
func (e *Emulator) handleMgmtDelete(c *call) reply {
	if rep, ok := requireAdmin(c, tokenManagementWhat); !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.deleteLocked(c.r.PathValue("token_id"), func(*token) bool { return true }, true)
}

// handleMgmtUpdate answers with the updated TokenInfo itself, which is
// what the SDK's UpdateTokenManagement decodes.
func (e *Emulator) handleMgmtUpdate(c *call) reply {
	if rep, ok := requireAdmin(c, tokenManagementWhat); !ok {
		return rep
	}
	id := c.r.PathValue("token_id")
	var req updateRequest
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	t := e.heldTokenLocked(id, now)
	if t == nil || t.expired(now) {
		return errorReply(http.StatusNotFound, "NOT_FOUND", "No valid token with ID %s found.", id)
	}
	if rep, ok := e.applyUpdateLocked(t, req); !ok {
		return rep
	}
	return jsonReply(http.StatusOK, e.infoLocked(t, now))
}

// handleOBO creates a token owned by a service principal the workspace
// knows. The owner must itself be allowed to use tokens.
func (e *Emulator) handleOBO(c *call) reply {
	if rep, ok := requireAdmin(c, tokenManagementWhat); !ok {
		return rep
	}
	var req struct {
		ApplicationID string `json:"application_id"`
		createRequest
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	if req.ApplicationID == "" {
		return missingField("application_id")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	sp := e.principals[req.ApplicationID]
	switch {
	case sp == nil:
		return errorReply(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST",
			"Service principal with application ID %s does not exist in this workspace.", req.ApplicationID)
	case !sp.servicePrincipal:
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "%s is not the application ID of a service principal.", req.ApplicationID)
	}
	if rep, ok := e.mayUseTokensLocked(sp); !ok {
		return rep
	}
	t, rep, ok := e.issueLocked(sp, c.user, req.createRequest)
	if !ok {
		return rep
	}
	return jsonReply(http.StatusOK, createResponse{TokenValue: t.value, TokenInfo: e.infoLocked(t, e.now())})
}

// sortedPrincipals returns the principals by ID, for stable listings.
func (e *Emulator) sortedPrincipalsLocked() []*principal {
	return slices.SortedFunc(maps.Values(e.principals), func(a, b *principal) int {
		if a.id < b.id {
			return -1
		}
		if a.id > b.id {
			return 1
		}
		return 0
	})
}
