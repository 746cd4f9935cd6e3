package emulator

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// API scopes of scoped personal access tokens.
//
// A token created with scopes may call only the operations those scopes
// cover; a token without scopes (and without autoscope) may call every API,
// as tokens always could. The names are those of the public API reference's
// "API scopes" page; the emulator accepts all of them at creation but only
// the ones below guard APIs it serves:
//
//	authentication     Token API, token management (every method; creating tokens needs it)
//	access-management  Permissions API (token permissions)
//	scim               SCIM Users and ServicePrincipals
//	secrets            Secrets API
//	settings           workspace-conf
//	all-apis           everything
//
// Every scope allows the SCIM Me endpoint, as the reference lists "Me" under
// each scope. A refused call answers 403 PERMISSION_DENIED "Provided access
// token does not have required scopes: NAME", the wording the service uses
// for OAuth tokens.
const (
	scopeAll            = "all-apis"
	scopeAuthentication = "authentication"
	scopeAccess         = "access-management"
	scopeSCIM           = "scim"
	scopeSecrets        = "secrets"
	scopeSettings       = "settings"
	scopeAny            = ""  // allowed whatever the token's scopes
	scopePublic         = "-" // no credential needed at all
)

// knownScopes are the scope names a create request may use.
var knownScopes = []string{
	scopeAccess, "alerts", scopeAll, "apps", scopeAuthentication, "clusters",
	"dashboards", "files", "genie", "jobs", "ml", "model-serving", "pipelines",
	scopeSCIM, scopeSecrets, scopeSettings, "sql", "unity-catalog",
	"vector-search", "workspace",
}

func knownScope(s string) bool { return slices.Contains(knownScopes, s) }

// Autoscope states (iam.AutoscopeState in the SDK).
const (
	autoscopeRunning   = "AUTOSCOPE_STATE_RUNNING"
	autoscopeCompleted = "AUTOSCOPE_STATE_COMPLETED"
)

func validAutoscopeState(s string) bool {
	switch s {
	case "AUTOSCOPE_STATE_API_NOT_COVERED", "AUTOSCOPE_STATE_BACKFILLED", autoscopeCompleted,
		"AUTOSCOPE_STATE_DISABLED", autoscopeRunning, "AUTOSCOPE_STATE_USER_SELECTED":
		return true
	}
	return false
}

// validateScopes checks the scopes of a create or update request.
func validateScopes(scopes []string) (reply, bool) {
	for _, s := range scopes {
		if !knownScope(s) {
			return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
				"Invalid scope %q. Valid scopes are: %s.", s, strings.Join(knownScopes, ", ")), false
		}
	}
	return reply{}, true
}

// allowsLocked reports whether t may call an API guarded by scope, and
// records the scope as inferred while an autoscoped token is observed.
func (e *Emulator) allowsLocked(t *token, scope string, now time.Time) bool {
	if scope == scopeAny || t.oauth || (len(t.scopes) == 0 && !t.autoscope) {
		return true
	}
	if slices.Contains(t.scopes, scopeAll) || slices.Contains(t.scopes, scope) {
		return true
	}
	if !t.autoscope {
		return false
	}
	if e.autoscopeStateLocked(t, now) == autoscopeRunning {
		if !slices.Contains(t.inferred, scope) {
			t.inferred = append(t.inferred, scope)
			slices.Sort(t.inferred)
		}
		return true
	}
	return slices.Contains(t.inferred, scope)
}

func missingScope(scope string) reply {
	return errorReply(http.StatusForbidden, "PERMISSION_DENIED", "Provided access token does not have required scopes: %s", scope)
}
