package emulator

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// Limits of Databricks-backed secret scopes, from the API reference.
const (
	maxSecretScopes      = 100
	maxSecretsPerScope   = 1000
	maxSecretValueBytes  = 128 << 10
	secretsBase          = "/api/2.0/secrets"
	permRead, permManage = "READ", "MANAGE"
	permWrite            = "WRITE"
	scopeBackendDatabrks = "DATABRICKS"
)

var secretNameRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,128}$`)

// secretScope is a Databricks-backed scope. The emulator keeps no ACLs:
// the creator and admins manage a scope, and so does everybody when it was
// created with initial_manage_principal "users".
type secretScope struct {
	name        string
	creator     *principal
	usersManage bool
	secrets     map[string]*secret
}

type secret struct {
	value   []byte
	updated time.Time
}

func (s *secretScope) allows(p *principal) bool {
	return p.admin || s.usersManage || s.creator == p
}

// secretRoutes serves the Secrets API.
func (e *Emulator) secretRoutes(mux *http.ServeMux) {
	e.handle(mux, "POST "+secretsBase+"/scopes/create", scopeSecrets, (*Emulator).handleCreateScope)
	e.handle(mux, "GET "+secretsBase+"/scopes/list", scopeSecrets, (*Emulator).handleListScopes)
	e.handle(mux, "POST "+secretsBase+"/scopes/delete", scopeSecrets, (*Emulator).handleDeleteScope)
	e.handle(mux, "POST "+secretsBase+"/put", scopeSecrets, (*Emulator).handlePutSecret)
	e.handle(mux, "GET "+secretsBase+"/list", scopeSecrets, (*Emulator).handleListSecrets)
	e.handle(mux, "GET "+secretsBase+"/get", scopeSecrets, (*Emulator).handleGetSecret)
	e.handle(mux, "POST "+secretsBase+"/delete", scopeSecrets, (*Emulator).handleDeleteSecret)
	e.handle(mux, "GET "+secretsBase+"/acls/list", scopeSecrets, (*Emulator).handleListACLs)
}

func scopeNotFound(name string) reply {
	return errorReply(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Scope %s does not exist!", name)
}

// scopeForLocked finds a scope the caller may use for an operation that
// needs perm.
func (e *Emulator) scopeForLocked(c *call, name, perm string) (*secretScope, reply, bool) {
	if name == "" {
		return nil, missingField("scope"), false
	}
	s := e.scopes[name]
	if s == nil {
		return nil, scopeNotFound(name), false
	}
	if !s.allows(c.user) {
		return nil, errorReply(http.StatusForbidden, "PERMISSION_DENIED",
			"User %s does not have %s permission on scope %s to perform this action.", c.user.name, perm, name), false
	}
	return s, reply{}, true
}

func (e *Emulator) handleCreateScope(c *call) reply {
	var req struct {
		Scope                  string          `json:"scope"`
		InitialManagePrincipal string          `json:"initial_manage_principal"`
		ScopeBackendType       string          `json:"scope_backend_type"`
		BackendAzureKeyvault   *map[string]any `json:"backend_azure_keyvault"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	switch {
	case req.Scope == "":
		return missingField("scope")
	case !secretNameRE.MatchString(req.Scope):
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
			"Scope name must consist of alphanumeric characters, dashes, underscores, @, and periods, and may not exceed 128 characters.")
	case req.ScopeBackendType != "" && req.ScopeBackendType != scopeBackendDatabrks || req.BackendAzureKeyvault != nil:
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Azure Key Vault-backed secret scopes are only supported on Azure Databricks.")
	case req.InitialManagePrincipal != "" && req.InitialManagePrincipal != groupUsers:
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
			"initial_manage_principal only supports the group %q, not %q.", groupUsers, req.InitialManagePrincipal)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.scopes[req.Scope] != nil {
		return errorReply(http.StatusBadRequest, "RESOURCE_ALREADY_EXISTS", "Scope %s already exists!", req.Scope)
	}
	if len(e.scopes) >= maxSecretScopes {
		return errorReply(http.StatusBadRequest, "QUOTA_EXCEEDED", "Cannot create more than %d secret scopes in a workspace.", maxSecretScopes)
	}
	e.scopes[req.Scope] = &secretScope{name: req.Scope, creator: c.user, usersManage: req.InitialManagePrincipal == groupUsers, secrets: map[string]*secret{}}
	return jsonReply(http.StatusOK, struct{}{})
}

// handleListScopes lists every scope: scope names are not secret, and
// every user may see them.
func (e *Emulator) handleListScopes(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	var resp struct {
		Scopes []map[string]string `json:"scopes,omitempty"`
	}
	for _, name := range slices.Sorted(maps.Keys(e.scopes)) {
		resp.Scopes = append(resp.Scopes, map[string]string{"name": name, "backend_type": scopeBackendDatabrks})
	}
	return jsonReply(http.StatusOK, resp)
}

func (e *Emulator) handleDeleteScope(c *call) reply {
	var req struct {
		Scope string `json:"scope"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, rep, ok := e.scopeForLocked(c, req.Scope, permManage); !ok {
		return rep
	}
	delete(e.scopes, req.Scope)
	return jsonReply(http.StatusOK, struct{}{})
}

func (e *Emulator) handlePutSecret(c *call) reply {
	var req struct {
		Scope       string  `json:"scope"`
		Key         string  `json:"key"`
		StringValue *string `json:"string_value"`
		BytesValue  *string `json:"bytes_value"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	var value []byte
	switch {
	case req.Key == "":
		return missingField("key")
	case !secretNameRE.MatchString(req.Key):
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
			"Secret key must consist of alphanumeric characters, dashes, underscores, @, and periods, and may not exceed 128 characters.")
	case (req.StringValue == nil) == (req.BytesValue == nil):
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Exactly one of string_value and bytes_value must be specified.")
	case req.StringValue != nil:
		value = []byte(*req.StringValue)
	default:
		b, err := base64.StdEncoding.DecodeString(*req.BytesValue)
		if err != nil {
			return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "bytes_value is not valid base64: %v", err)
		}
		value = b
	}
	if len(value) > maxSecretValueBytes {
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Secret value exceeds the maximum size of %d bytes.", maxSecretValueBytes)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, rep, ok := e.scopeForLocked(c, req.Scope, permWrite)
	if !ok {
		return rep
	}
	if s.secrets[req.Key] == nil && len(s.secrets) >= maxSecretsPerScope {
		return errorReply(http.StatusBadRequest, "QUOTA_EXCEEDED", "Cannot store more than %d secrets in scope %s.", maxSecretsPerScope, s.name)
	}
	s.secrets[req.Key] = &secret{value: value, updated: e.now()}
	return jsonReply(http.StatusOK, struct{}{})
}

func (e *Emulator) handleListSecrets(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, rep, ok := e.scopeForLocked(c, c.r.URL.Query().Get("scope"), permRead)
	if !ok {
		return rep
	}
	type metadata struct {
		Key                  string `json:"key"`
		LastUpdatedTimestamp int64  `json:"last_updated_timestamp"`
	}
	var resp struct {
		Secrets []metadata `json:"secrets,omitempty"`
	}
	for _, k := range slices.Sorted(maps.Keys(s.secrets)) {
		resp.Secrets = append(resp.Secrets, metadata{Key: k, LastUpdatedTimestamp: s.secrets[k].updated.UnixMilli()})
	}
	return jsonReply(http.StatusOK, resp)
}

func secretNotFound(scope, key string) reply {
	return errorReply(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Secret %s does not exist in scope %s.", key, scope)
}

func (e *Emulator) handleGetSecret(c *call) reply {
	q := c.r.URL.Query()
	key := q.Get("key")
	if key == "" {
		return missingField("key")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, rep, ok := e.scopeForLocked(c, q.Get("scope"), permRead)
	if !ok {
		return rep
	}
	sec := s.secrets[key]
	if sec == nil {
		return secretNotFound(s.name, key)
	}
	return jsonReply(http.StatusOK, map[string]string{"key": key, "value": base64.StdEncoding.EncodeToString(sec.value)})
}

func (e *Emulator) handleDeleteSecret(c *call) reply {
	var req struct {
		Scope string `json:"scope"`
		Key   string `json:"key"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	if req.Key == "" {
		return missingField("key")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, rep, ok := e.scopeForLocked(c, req.Scope, permWrite)
	if !ok {
		return rep
	}
	if s.secrets[req.Key] == nil {
		return secretNotFound(s.name, req.Key)
	}
	delete(s.secrets, req.Key)
	return jsonReply(http.StatusOK, struct{}{})
}

// handleListACLs shows the access the emulator grants, derived rather than
// stored: MANAGE for the creator, or for users when everybody manages it.
func (e *Emulator) handleListACLs(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, rep, ok := e.scopeForLocked(c, c.r.URL.Query().Get("scope"), permManage)
	if !ok {
		return rep
	}
	principal := s.creator.name
	if s.usersManage {
		principal = groupUsers
	}
	return jsonReply(http.StatusOK, map[string]any{"items": []map[string]string{{"principal": principal, "permission": permManage}}})
}

// Secret returns the value stored under key in a secret scope, for tests
// that check what a client delivered.
func (e *Emulator) Secret(scope, key string) ([]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.scopes[scope]
	if s == nil || s.secrets[key] == nil {
		return nil, false
	}
	return slices.Clone(s.secrets[key].value), true
}

// SecretUpdated returns when a secret was last written, on the emulator's
// clock.
func (e *Emulator) SecretUpdated(scope, key string) (time.Time, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.scopes[scope]
	if s == nil || s.secrets[key] == nil {
		return time.Time{}, false
	}
	return s.secrets[key].updated, true
}

// AddSecretScope creates a Databricks-backed secret scope as creator (a
// user name or application ID) would; usersManage lets every user manage
// it, as initial_manage_principal "users" does.
func (e *Emulator) AddSecretScope(name, creator string, usersManage bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.principals[creator]
	switch {
	case !secretNameRE.MatchString(name):
		return fmt.Errorf("secret scope %q: invalid name", name)
	case e.scopes[name] != nil:
		return fmt.Errorf("secret scope %q exists", name)
	case p == nil:
		return fmt.Errorf("secret scope %q: no principal %q", name, creator)
	}
	e.scopes[name] = &secretScope{name: name, creator: p, usersManage: usersManage, secrets: map[string]*secret{}}
	return nil
}
