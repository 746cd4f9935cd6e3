package emulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

const (
	scimBase             = "/api/2.0/preview/scim/v2"
	schemaUser           = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaUserWorkspace  = "urn:ietf:params:scim:schemas:extension:workspace:2.0:User"
	schemaSP             = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal"
	schemaListResponse   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError          = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimDefaultPageCount = 10000
)

// scimRoutes serves the workspace SCIM API for the caller, users and
// service principals. Any signed-in principal may read; only admins create.
func (e *Emulator) scimRoutes(mux *http.ServeMux) {
	e.handle(mux, "GET "+scimBase+"/Me", scopeAny, (*Emulator).handleMe)
	e.handle(mux, "GET "+scimBase+"/Users", scopeSCIM, (*Emulator).handleListUsers)
	e.handle(mux, "GET "+scimBase+"/Users/{id}", scopeSCIM, (*Emulator).handleGetUser)
	e.handle(mux, "POST "+scimBase+"/Users", scopeSCIM, (*Emulator).handleCreateUser)
	e.handle(mux, "GET "+scimBase+"/ServicePrincipals", scopeSCIM, (*Emulator).handleListSPs)
	e.handle(mux, "GET "+scimBase+"/ServicePrincipals/{id}", scopeSCIM, (*Emulator).handleGetSP)
	e.handle(mux, "POST "+scimBase+"/ServicePrincipals", scopeSCIM, (*Emulator).handleCreateSP)
	e.handle(mux, "DELETE "+scimBase+"/Users/{id}", scopeSCIM, (*Emulator).handleDeleteUser)
	e.handle(mux, "DELETE "+scimBase+"/ServicePrincipals/{id}", scopeSCIM, (*Emulator).handleDeleteSP)
}

// scimError is the SCIM error shape (RFC 7644, section 3.12), which the
// SCIM endpoints use instead of the Databricks one.
func scimError(status int, scimType, format string, args ...any) reply {
	body := map[string]any{
		"schemas": []string{schemaError},
		"detail":  fmt.Sprintf(format, args...),
		"status":  strconv.Itoa(status),
	}
	if scimType != "" {
		body["scimType"] = scimType
	}
	rep := jsonReply(status, body)
	rep.header.Set("Content-Type", "application/scim+json")
	return rep
}

// scimUnparsable is how workspaces refuse a malformed SCIM request: not a
// keyword in scimType but a sentence saying what is wrong, and the RFC's
// generic sentence as the detail, e.g. {"scimType": "Invalid JSON provided
// in request body.", "detail": "Request is unparsable, syntactically
// incorrect, or violates schema."} (quoted in user reports). The SDKs show
// the two joined.
func scimUnparsable(reason string) reply {
	return scimError(http.StatusBadRequest, reason, "Request is unparsable, syntactically incorrect, or violates schema.")
}

type complexValue struct {
	Display string `json:"display,omitempty"`
	Primary bool   `json:"primary,omitempty"`
	Ref     string `json:"$ref,omitempty"`
	Type    string `json:"type,omitempty"`
	Value   string `json:"value,omitempty"`
}

type scimUser struct {
	Schemas     []string       `json:"schemas"`
	ID          string         `json:"id"`
	UserName    string         `json:"userName"`
	DisplayName string         `json:"displayName,omitempty"`
	Active      bool           `json:"active"`
	Emails      []complexValue `json:"emails,omitempty"`
	Groups      []complexValue `json:"groups,omitempty"`
}

type scimSP struct {
	Schemas       []string       `json:"schemas"`
	ID            string         `json:"id"`
	ApplicationID string         `json:"applicationId"`
	DisplayName   string         `json:"displayName,omitempty"`
	Active        bool           `json:"active"`
	Groups        []complexValue `json:"groups,omitempty"`
}

// scimGroups lists p's direct groups; users is implicit and not listed.
func scimGroups(p *principal) []complexValue {
	var out []complexValue
	names := slices.Clone(p.groups)
	if p.admin {
		names = append([]string{groupAdmins}, names...)
	}
	for _, g := range names {
		id := groupID(g)
		out = append(out, complexValue{Display: g, Type: "direct", Value: id, Ref: "Groups/" + id})
	}
	return out
}

func userResource(p *principal) scimUser {
	u := scimUser{
		Schemas:     []string{schemaUser, schemaUserWorkspace},
		ID:          strconv.FormatInt(p.id, 10),
		UserName:    p.name,
		DisplayName: p.displayName,
		Active:      true,
		Groups:      scimGroups(p),
	}
	if !p.servicePrincipal {
		u.Emails = []complexValue{{Value: p.name, Type: "work", Primary: true}}
	}
	return u
}

func spResource(p *principal) scimSP {
	return scimSP{
		Schemas:       []string{schemaSP},
		ID:            strconv.FormatInt(p.id, 10),
		ApplicationID: p.name,
		DisplayName:   p.displayName,
		Active:        true,
		Groups:        scimGroups(p),
	}
}

// handleMe describes the caller. A service principal is described as a
// user whose userName is its application ID, as the service does.
func (e *Emulator) handleMe(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	return scimReply(http.StatusOK, userResource(c.user), c.r)
}

// scimReply applies the attributes and excludedAttributes parameters.
func scimReply(status int, v any, r *http.Request) reply {
	q := r.URL.Query()
	attrs, excluded := splitAttrs(q.Get("attributes")), splitAttrs(q.Get("excludedAttributes"))
	if len(attrs) == 0 && len(excluded) == 0 {
		return jsonReply(status, v)
	}
	return jsonReply(status, projectResource(v, attrs, excluded))
}

func splitAttrs(s string) []string {
	var out []string
	for a := range strings.SplitSeq(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, strings.ToLower(a))
		}
	}
	return out
}

// projectResource keeps the requested attributes or drops the excluded
// ones. Identifiers always stay, as attributes SCIM returns "always": id
// and schemas, and the userName or applicationId clients key on (the
// Terraform provider reads a service principal's applicationId without
// asking for it).
func projectResource(v any, attrs, excluded []string) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for k := range m {
		lk := strings.ToLower(k)
		if k == "id" || k == "schemas" || k == "userName" || k == "applicationId" {
			continue
		}
		if (len(attrs) > 0 && !slices.Contains(attrs, lk)) || slices.Contains(excluded, lk) {
			delete(m, k)
		}
	}
	return m
}

// scimAttr returns the value of a filterable attribute, lower-cased
// attribute name in.
func scimAttr(p *principal, attr string) (string, bool) {
	switch attr {
	case "id":
		return strconv.FormatInt(p.id, 10), true
	case "displayname":
		return p.displayName, true
	case "active":
		return "true", true
	case "username", "emails", "emails.value":
		if p.servicePrincipal {
			return "", false
		}
		return p.name, true
	case "applicationid":
		if !p.servicePrincipal {
			return "", false
		}
		return p.name, true
	}
	return "", false
}

// listPrincipals answers a SCIM list of users or service principals.
func (e *Emulator) listPrincipals(c *call, sps bool) reply {
	q := c.r.URL.Query()
	f, err := parseFilter(q.Get("filter"))
	if err != nil {
		return scimError(http.StatusBadRequest, "invalidFilter", "Invalid filter: %v", err)
	}
	start, err := queryInt(q.Get("startIndex"), 1)
	if err != nil {
		return scimError(http.StatusBadRequest, "invalidValue", "startIndex: %v", err)
	}
	count, err := queryInt(q.Get("count"), scimDefaultPageCount)
	if err != nil {
		return scimError(http.StatusBadRequest, "invalidValue", "count: %v", err)
	}
	start = max(start, 1)
	count = max(count, 0)
	sortBy := strings.ToLower(q.Get("sortBy"))
	desc := strings.EqualFold(q.Get("sortOrder"), "descending")

	e.mu.Lock()
	defer e.mu.Unlock()
	var matched []*principal
	for _, p := range e.sortedPrincipalsLocked() {
		if p.servicePrincipal == sps && f.matches(p) {
			matched = append(matched, p)
		}
	}
	if sortBy != "" {
		slices.SortStableFunc(matched, func(a, b *principal) int {
			va, _ := scimAttr(a, sortBy)
			vb, _ := scimAttr(b, sortBy)
			return cmp.Compare(strings.ToLower(va), strings.ToLower(vb))
		})
	}
	if desc {
		slices.Reverse(matched)
	}
	var page []*principal
	if start-1 < len(matched) {
		page = matched[start-1 : min(len(matched), start-1+count)]
	}
	resources := make([]any, 0, len(page))
	attrs, excluded := splitAttrs(q.Get("attributes")), splitAttrs(q.Get("excludedAttributes"))
	for _, p := range page {
		var v any = userResource(p)
		if sps {
			v = spResource(p)
		}
		if len(attrs) > 0 || len(excluded) > 0 {
			v = projectResource(v, attrs, excluded)
		}
		resources = append(resources, v)
	}
	resp := map[string]any{
		"schemas":      []string{schemaListResponse},
		"totalResults": len(matched),
		"startIndex":   start,
		"itemsPerPage": len(page),
	}
	if len(resources) > 0 {
		resp["Resources"] = resources
	}
	return jsonReply(http.StatusOK, resp)
}

func queryInt(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

func (e *Emulator) handleListUsers(c *call) reply { return e.listPrincipals(c, false) }
func (e *Emulator) handleListSPs(c *call) reply   { return e.listPrincipals(c, true) }

func (e *Emulator) getPrincipal(c *call, sp bool) reply {
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.ids[id]
	if err != nil || p == nil || p.servicePrincipal != sp {
		if sp {
			return scimError(http.StatusNotFound, "", "Service principal with id %s not found.", c.r.PathValue("id"))
		}
		return scimError(http.StatusNotFound, "", "User with id %s not found.", c.r.PathValue("id"))
	}
	if sp {
		return scimReply(http.StatusOK, spResource(p), c.r)
	}
	return scimReply(http.StatusOK, userResource(p), c.r)
}

func (e *Emulator) handleGetUser(c *call) reply { return e.getPrincipal(c, false) }

// deletePrincipal removes a user or service principal. Its tokens go with
// it, and so do token permissions naming it; secret scopes it created stay,
// managed by admins.
func (e *Emulator) deletePrincipal(c *call, sp bool) reply {
	if !c.user.admin {
		return scimError(http.StatusForbidden, "", "Only workspace admins can delete %s.", map[bool]string{false: "users", true: "service principals"}[sp])
	}
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.ids[id]
	if err != nil || p == nil || p.servicePrincipal != sp {
		return scimError(http.StatusNotFound, "", "Resource %s not found.", c.r.PathValue("id"))
	}
	now := e.now()
	for _, t := range e.heldLocked(p) {
		e.revokeTokenLocked(t, now, RevokedDeleted)
	}
	for v, t := range e.byValue {
		if t.oauth && t.owner == p {
			delete(e.byValue, v)
		}
	}
	e.acl = slices.DeleteFunc(e.acl, func(a aclEntry) bool {
		return (a.UserName != "" && a.UserName == p.name && !sp) || (a.ServicePrincipalName != "" && a.ServicePrincipalName == p.name && sp)
	})
	delete(e.principals, p.name)
	delete(e.ids, p.id)
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

func (e *Emulator) handleDeleteUser(c *call) reply { return e.deletePrincipal(c, false) }
func (e *Emulator) handleDeleteSP(c *call) reply   { return e.deletePrincipal(c, true) }
func (e *Emulator) handleGetSP(c *call) reply      { return e.getPrincipal(c, true) }

// scimCreateRequest covers both resource types; groups are looked up by
// display name or ID among the groups that exist.
type scimCreateRequest struct {
	UserName      string         `json:"userName"`
	ApplicationID string         `json:"applicationId"`
	DisplayName   string         `json:"displayName"`
	Groups        []complexValue `json:"groups"`
}

func (e *Emulator) createPrincipal(c *call, sp bool) reply {
	if !c.user.admin {
		return scimError(http.StatusForbidden, "", "Only workspace admins can create %s.", map[bool]string{false: "users", true: "service principals"}[sp])
	}
	var req scimCreateRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return scimUnparsable("Invalid JSON provided in request body.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var groups []string
	for _, g := range req.Groups {
		name := ""
		for _, cand := range []string{g.Display, g.Value} {
			if cand != "" && cand != groupUsers && cand != groupAdmins && e.groupExistsLocked(cand) {
				name = cand
			}
			if n := e.groupNameByIDLocked(cand); n != "" {
				name = n
			}
		}
		if name == "" {
			return scimError(http.StatusBadRequest, "invalidValue", "Group %s does not exist.", cmp.Or(g.Value, g.Display))
		}
		groups = append(groups, name)
	}
	if sp {
		appID := req.ApplicationID
		if appID == "" {
			appID = newApplicationID()
		}
		if e.principals[appID] != nil {
			// No scimType: the Terraform provider's force import matches
			// the error's whole text, which the SDK would prefix with it.
			return scimError(http.StatusConflict, "", "Service principal with application ID %s already exists.", appID)
		}
		p, err := e.addPrincipalLocked(appID, req.DisplayName, false, true, groups, 0)
		if err != nil {
			return scimError(http.StatusBadRequest, "invalidValue", "%v", err)
		}
		return jsonReply(http.StatusCreated, spResource(p))
	}
	if req.UserName == "" {
		return scimUnparsable("Required attribute userName is missing in the SCIM Object.")
	}
	if e.principals[req.UserName] != nil {
		return scimError(http.StatusConflict, "", "User with username %s already exists.", req.UserName)
	}
	p, err := e.addPrincipalLocked(req.UserName, req.DisplayName, false, false, groups, 0)
	if err != nil {
		return scimError(http.StatusBadRequest, "invalidValue", "%v", err)
	}
	return jsonReply(http.StatusCreated, userResource(p))
}

func (e *Emulator) groupNameByIDLocked(id string) string {
	for _, g := range []string{groupAdmins, groupUsers} {
		if groupID(g) == id {
			return "" // built-in groups are not joined this way
		}
	}
	for _, p := range e.principals {
		for _, g := range p.groups {
			if groupID(g) == id {
				return g
			}
		}
	}
	return ""
}

func (e *Emulator) handleCreateUser(c *call) reply { return e.createPrincipal(c, false) }
func (e *Emulator) handleCreateSP(c *call) reply   { return e.createPrincipal(c, true) }
