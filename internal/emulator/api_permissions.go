package emulator

import (
	"fmt"
	"net/http"
	"slices"
)

// Token permission levels.
const (
	levelCanUse    = "CAN_USE"
	levelCanManage = "CAN_MANAGE"
)

const tokensObjectPath = "/api/2.0/permissions/authorization/tokens"

// permissionRoutes serves the token permissions: who may create and use
// personal access tokens.
func (e *Emulator) permissionRoutes(mux *http.ServeMux) {
	e.handle(mux, "GET "+tokensObjectPath, scopeAccess, (*Emulator).handleGetPermissions)
	e.handle(mux, "PUT "+tokensObjectPath, scopeAccess, (*Emulator).handleSetPermissions)
	e.handle(mux, "PATCH "+tokensObjectPath, scopeAccess, (*Emulator).handleUpdatePermissions)
	e.handle(mux, "GET "+tokensObjectPath+"/permissionLevels", scopeAccess, (*Emulator).handlePermissionLevels)
}

// aclEntry grants a level to one principal or group. Exactly one of the
// name fields is set, as in the API.
type aclEntry struct {
	UserName             string `json:"user_name,omitempty"`
	GroupName            string `json:"group_name,omitempty"`
	ServicePrincipalName string `json:"service_principal_name,omitempty"`
	PermissionLevel      string `json:"permission_level"`
}

func (a aclEntry) sameSubject(b aclEntry) bool {
	return a.UserName == b.UserName && a.GroupName == b.GroupName && a.ServicePrincipalName == b.ServicePrincipalName
}

// defaultACL is what a new workspace grants: every user may use tokens. The
// admins' CAN_MANAGE is implicit and cannot be taken away.
func defaultACL() []aclEntry {
	return []aclEntry{{GroupName: groupUsers, PermissionLevel: levelCanUse}}
}

// canUseTokensLocked reports whether p may create and use personal access
// tokens.
func (e *Emulator) canUseTokensLocked(p *principal) bool {
	if p.admin {
		return true
	}
	for _, a := range e.acl {
		switch {
		case a.GroupName != "" && p.inGroup(a.GroupName),
			a.UserName != "" && !p.servicePrincipal && a.UserName == p.name,
			a.ServicePrincipalName != "" && p.servicePrincipal && a.ServicePrincipalName == p.name:
			return true
		}
	}
	return false
}

type permissionJSON struct {
	PermissionLevel string `json:"permission_level"`
	Inherited       bool   `json:"inherited"`
}

type aclResponseEntry struct {
	UserName             string           `json:"user_name,omitempty"`
	GroupName            string           `json:"group_name,omitempty"`
	ServicePrincipalName string           `json:"service_principal_name,omitempty"`
	DisplayName          string           `json:"display_name,omitempty"`
	AllPermissions       []permissionJSON `json:"all_permissions"`
}

type objectPermissions struct {
	ObjectID          string             `json:"object_id"`
	ObjectType        string             `json:"object_type"`
	AccessControlList []aclResponseEntry `json:"access_control_list"`
}

func (e *Emulator) permissionsLocked() objectPermissions {
	resp := objectPermissions{
		ObjectID:   "/authorization/tokens",
		ObjectType: "tokens",
		AccessControlList: []aclResponseEntry{{
			GroupName:      groupAdmins,
			AllPermissions: []permissionJSON{{PermissionLevel: levelCanManage}},
		}},
	}
	for _, a := range e.acl {
		r := aclResponseEntry{
			UserName:             a.UserName,
			GroupName:            a.GroupName,
			ServicePrincipalName: a.ServicePrincipalName,
			AllPermissions:       []permissionJSON{{PermissionLevel: a.PermissionLevel}},
		}
		if p := e.principals[a.UserName+a.ServicePrincipalName]; p != nil {
			r.DisplayName = p.displayName
		}
		resp.AccessControlList = append(resp.AccessControlList, r)
	}
	return resp
}

func (e *Emulator) handleGetPermissions(c *call) reply {
	if rep, ok := requireAdmin(c, "view token permissions"); !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return jsonReply(http.StatusOK, e.permissionsLocked())
}

func (e *Emulator) handlePermissionLevels(c *call) reply {
	return jsonReply(http.StatusOK, map[string]any{"permission_levels": []map[string]string{
		{"permission_level": levelCanUse, "description": "Can use tokens"},
		{"permission_level": levelCanManage, "description": "Can use and modify permissions on tokens"},
	}})
}

func (e *Emulator) handleSetPermissions(c *call) reply    { return e.changePermissions(c, true) }
func (e *Emulator) handleUpdatePermissions(c *call) reply { return e.changePermissions(c, false) }

// changePermissions replaces (PUT) or extends (PATCH) the token ACL. A
// principal who loses the permission loses its tokens too: the workspace
// revokes them at once, as the documentation warns.
func (e *Emulator) changePermissions(c *call, replace bool) reply {
	if rep, ok := requireAdmin(c, "change token permissions"); !ok {
		return rep
	}
	var req struct {
		AccessControlList []aclEntry `json:"access_control_list"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var changes []aclEntry
	for _, a := range req.AccessControlList {
		names := 0
		for _, n := range []string{a.UserName, a.GroupName, a.ServicePrincipalName} {
			if n != "" {
				names++
			}
		}
		if names != 1 {
			return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
				"Each access control entry needs exactly one of user_name, group_name and service_principal_name.")
		}
		switch a.PermissionLevel {
		case levelCanUse:
		case levelCanManage:
			if a.GroupName != groupAdmins {
				return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Only admins can be given CAN_MANAGE permission on tokens")
			}
		default:
			return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
				"Permission level %q is not valid for tokens; allowed levels: CAN_USE, CAN_MANAGE.", a.PermissionLevel)
		}
		if rep, ok := e.checkSubjectLocked(a); !ok {
			return rep
		}
		if a.GroupName == groupAdmins {
			// Admins always manage tokens; restating it changes nothing.
			continue
		}
		changes = append(changes, a)
	}
	e.setACLLocked(func(acl []aclEntry) []aclEntry {
		if replace {
			acl = nil
		}
		for _, a := range changes {
			if i := slices.IndexFunc(acl, a.sameSubject); i >= 0 {
				acl[i] = a
			} else {
				acl = append(acl, a)
			}
		}
		return acl
	})
	return jsonReply(http.StatusOK, e.permissionsLocked())
}

// setACLLocked replaces the ACL by edit's result and revokes the tokens of
// every principal that could use tokens before and cannot now.
func (e *Emulator) setACLLocked(edit func([]aclEntry) []aclEntry) {
	before := map[*principal]bool{}
	for _, p := range e.principals {
		before[p] = e.canUseTokensLocked(p)
	}
	e.acl = edit(slices.Clone(e.acl))
	now := e.now()
	for p, could := range before {
		if could && !e.canUseTokensLocked(p) {
			for _, t := range e.heldLocked(p) {
				e.revokeTokenLocked(t, now, RevokedPermission)
			}
		}
	}
}

// RevokeTokenPermission removes the ACL entry for tp's subject (its level
// is ignored), as an admin's PUT without it would; principals left without
// the permission lose their tokens.
func (e *Emulator) RevokeTokenPermission(tp TokenPermission) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := aclEntry(tp)
	if !slices.ContainsFunc(e.acl, a.sameSubject) {
		return fmt.Errorf("emulator: no token permission for %+v", tp)
	}
	e.setACLLocked(func(acl []aclEntry) []aclEntry {
		return slices.DeleteFunc(acl, a.sameSubject)
	})
	return nil
}

// GrantTokenPermission gives tp's subject CAN_USE on tokens, as an admin's
// PATCH would.
func (e *Emulator) GrantTokenPermission(tp TokenPermission) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := aclEntry(tp)
	a.PermissionLevel = levelCanUse
	if rep, ok := e.checkSubjectLocked(a); !ok {
		return fmt.Errorf("emulator: %s", rep.body)
	}
	e.setACLLocked(func(acl []aclEntry) []aclEntry {
		return append(slices.DeleteFunc(acl, a.sameSubject), a)
	})
	return nil
}

// checkSubjectLocked refuses entries naming nobody, with the service's
// wording.
func (e *Emulator) checkSubjectLocked(a aclEntry) (reply, bool) {
	var kind, name string
	var ok bool
	switch {
	case a.GroupName != "":
		kind, name, ok = "GroupName", a.GroupName, e.groupExistsLocked(a.GroupName)
	case a.UserName != "":
		p := e.principals[a.UserName]
		kind, name, ok = "UserName", a.UserName, p != nil && !p.servicePrincipal
	default:
		p := e.principals[a.ServicePrincipalName]
		kind, name, ok = "ServicePrincipalName", a.ServicePrincipalName, p != nil && p.servicePrincipal
	}
	if !ok {
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Principal: %s(%s) does not exist", kind, name), false
	}
	return reply{}, true
}

// TokenPermissionsAllow reports whether the named user or service principal
// may currently use personal access tokens.
func (e *Emulator) TokenPermissionsAllow(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.principals[name]
	return p != nil && e.canUseTokensLocked(p)
}
