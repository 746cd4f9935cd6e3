package emulator

import "net/http"

// discoveryRoutes serves the host metadata every SDK configuration fetches,
// without authentication.
func (e *Emulator) discoveryRoutes(mux *http.ServeMux) {
	e.handle(mux, "GET "+discoveryPath, scopePublic, (*Emulator).handleDiscovery)
}

func (e *Emulator) handleDiscovery(c *call) reply {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return jsonReply(http.StatusOK, map[string]string{
		"oidc_endpoint": scheme + "://" + c.r.Host + "/oidc",
		"workspace_id":  WorkspaceID,
		"cloud":         "AWS",
		"host_type":     "WORKSPACE_HOST",
	})
}
