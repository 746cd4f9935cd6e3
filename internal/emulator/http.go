package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const (
	discoveryPath      = "/.well-known/databricks-config"
	tokenMgmtPrefix    = "/api/2.0/token-management/tokens/"
	maxRequestBodySize = 1 << 20
)

// reply is a complete response, built before anything is written so that an
// after-fault can replace it and so that the status is known for the record.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the Databricks error body. ErrorCode is a string except for
// the legacy invalid-token response, which uses the numeric status.
type apiError struct {
	ErrorCode any    `json:"error_code"`
	Message   string `json:"message"`
}

func jsonReply(status int, v any) reply {
	body, err := json.Marshal(v)
	if err != nil {
		// Only emulator-defined types are marshalled here.
		panic(fmt.Sprintf("emulator: marshal %T: %v", v, err))
	}
	return reply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

func errorReply(status int, code any, format string, args ...any) reply {
	return jsonReply(status, apiError{ErrorCode: code, Message: fmt.Sprintf(format, args...)})
}

func writeReply(w http.ResponseWriter, rep reply) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body) // the client may be gone; nothing useful to do
}

// call is an authenticated API request on its way to a handler.
type call struct {
	r       *http.Request
	body    []byte
	user    *principal // nil only for public endpoints
	tokenID string     // from the path, for token-management endpoints
}

type handlerFunc func(e *Emulator, c *call) reply

type endpoint struct {
	public  bool // served without authentication
	methods map[string]handlerFunc
}

var (
	discoveryEndpoint = endpoint{public: true, methods: map[string]handlerFunc{http.MethodGet: (*Emulator).handleDiscovery}}
	createEndpoint    = endpoint{methods: map[string]handlerFunc{http.MethodPost: (*Emulator).handleCreate}}
	listEndpoint      = endpoint{methods: map[string]handlerFunc{http.MethodGet: (*Emulator).handleList}}
	deleteEndpoint    = endpoint{methods: map[string]handlerFunc{http.MethodPost: (*Emulator).handleDelete}}
	mgmtListEndpoint  = endpoint{methods: map[string]handlerFunc{http.MethodGet: (*Emulator).handleMgmtList}}
	mgmtTokenEndpoint = endpoint{methods: map[string]handlerFunc{
		http.MethodGet:    (*Emulator).handleMgmtGet,
		http.MethodDelete: (*Emulator).handleMgmtDelete,
	}}
	oboEndpoint = endpoint{methods: map[string]handlerFunc{http.MethodPost: (*Emulator).handleOBO}}
)

// route finds the endpoint for path and, for per-token paths, the token ID.
func route(path string) (*endpoint, string) {
	switch path {
	case discoveryPath:
		return &discoveryEndpoint, ""
	case "/api/2.0/token/create":
		return &createEndpoint, ""
	case "/api/2.0/token/list":
		return &listEndpoint, ""
	case "/api/2.0/token/delete":
		return &deleteEndpoint, ""
	case "/api/2.0/token-management/tokens":
		return &mgmtListEndpoint, ""
	case "/api/2.0/token-management/on-behalf-of/tokens":
		return &oboEndpoint, ""
	}
	if id, ok := strings.CutPrefix(path, tokenMgmtPrefix); ok && id != "" && !strings.Contains(id, "/") {
		return &mgmtTokenEndpoint, id
	}
	return nil, ""
}

// ServeHTTP serves the emulated API and the control endpoints.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.enter()
	defer e.leave()
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		e.serveControl(w, r)
		return
	}
	start := time.Now()

	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxRequestBodySize+1))
	rec := &Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
	rec.Body = string(body[:min(len(body), maxRecordedBody)])

	e.mu.Lock()
	rec.Time = e.now()
	e.requests = append(e.requests, rec)
	delay := e.latency
	fault := e.takeFaultLocked(r.Method, r.URL.Path)
	e.mu.Unlock()

	// The request is recorded as done just before the client can observe
	// anything, so a client that got its answer (or its cut connection)
	// always finds the request complete in Requests().
	user, committed := "", false
	commit := func(status int, label string) {
		if !committed {
			committed = true
			e.finish(rec, status, user, label, time.Since(start))
		}
	}
	defer commit(0, "") // for panics, e.g. http.ErrAbortHandler

	if fault != nil {
		delay += fault.Delay
	}
	if !e.sleep(r.Context(), delay) {
		label := ""
		if fault != nil {
			label = fault.label(0)
		}
		commit(0, label)
		abortConn(w)
		return
	}

	passThrough := fault == nil || fault.Kind == FaultDelay
	var real *reply
	if passThrough || fault.After {
		var rep reply
		switch {
		case readErr != nil:
			rep = errorReply(http.StatusBadRequest, "MALFORMED_REQUEST", "Could not read the request body: %v", readErr)
		case len(body) > maxRequestBodySize:
			rep = errorReply(http.StatusRequestEntityTooLarge, "MALFORMED_REQUEST", "Request body exceeds %d bytes.", maxRequestBodySize)
		default:
			rep, user = e.dispatch(r, body)
		}
		real = &rep
	}
	if passThrough {
		label := ""
		if fault != nil {
			label = fault.label(real.status)
		}
		commit(real.status, label)
		writeReply(w, *real)
		return
	}
	e.serveFault(w, r, fault, real, func(status int) { commit(status, fault.label(status)) })
}

// dispatch routes, authenticates and runs the handler, returning the reply
// and the authenticated principal's name.
func (e *Emulator) dispatch(r *http.Request, body []byte) (reply, string) {
	ep, tokenID := route(r.URL.Path)
	if ep == nil {
		return errorReply(http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'", r.Method, r.URL.Path), ""
	}
	h := ep.methods[r.Method]
	if h == nil {
		rep := errorReply(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method '%s' is not allowed for '%s'", r.Method, r.URL.Path)
		for m := range ep.methods {
			rep.header.Add("Allow", m)
		}
		return rep, ""
	}
	c := &call{r: r, body: body, tokenID: tokenID}
	if !ep.public {
		value, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			return errorReply(http.StatusUnauthorized, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API."), ""
		}
		if c.user = e.authenticate(value); c.user == nil {
			return errorReply(http.StatusForbidden, http.StatusForbidden, "Invalid access token."), ""
		}
	}
	name := ""
	if c.user != nil {
		name = c.user.name
	}
	return h(e, c), name
}

func bearerToken(header string) (string, bool) {
	scheme, value, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	value = strings.TrimSpace(value)
	return value, value != ""
}

// sleep waits for d and reports whether it elapsed before the client went
// away or the server shut down.
func (e *Emulator) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-e.done:
		return false
	}
}

// abortConn ends the exchange without a (complete) response, the way a
// crashed backend or a cut network would. Whatever was written but not
// flushed is lost.
func abortConn(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	if conn, _, err := rc.Hijack(); err == nil {
		conn.Close()
		return
	}
	// Not hijackable (e.g. HTTP/2): this makes net/http reset the stream.
	panic(http.ErrAbortHandler)
}

func (e *Emulator) finish(rec *Request, status int, user, fault string, d time.Duration) {
	e.mu.Lock()
	rec.Status, rec.User, rec.Fault, rec.Duration, rec.Done = status, user, fault, d, true
	e.mu.Unlock()
	if e.opts.Log == nil {
		return
	}
	line := fmt.Sprintf("%s %s %s %d user=%s %s", time.Now().Format("15:04:05.000"), rec.Method, e.redact(rec.Path), status, orDash(user), d.Round(10*time.Microsecond))
	if fault != "" {
		line += " fault=" + strconv.Quote(fault)
	}
	e.writeLog(line)
}

func (e *Emulator) writeLog(line string) {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	fmt.Fprintln(e.opts.Log, line)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var tokenLike = regexp.MustCompile(`dapi[0-9a-fA-F]{8,}(-\d+)?`)

// redact makes a client-supplied string safe for the log: a confused client
// might put a credential in the URL, and control characters could forge
// extra log lines.
func (e *Emulator) redact(s string) string {
	s = tokenLike.ReplaceAllString(s, "dapi[REDACTED]")
	e.mu.Lock()
	for v := range e.byValue {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "[REDACTED]")
		}
	}
	e.mu.Unlock()
	if strings.ContainsFunc(s, unicode.IsControl) {
		s = strconv.Quote(s)
	}
	return s
}

// decodeBody parses a JSON request body into v; an empty body means {}.
func decodeBody(body []byte, v any) (reply, bool) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return reply{}, true
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return reply{}, true
	}
	msg := err.Error()
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		// The default text names Go types, which a real server would not.
		if te.Field == "" {
			msg = fmt.Sprintf("expected an object, got %s", te.Value)
		} else {
			msg = fmt.Sprintf("expected %s for field %s, got %s", jsonKind(te.Type), te.Field, te.Value)
		}
	}
	return errorReply(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - %s", msg), false
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "an object"
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

// lifetime validates a requested lifetime; nil means none was given.
func (e *Emulator) lifetime(seconds *int64) (time.Duration, reply, bool) {
	if seconds == nil {
		d := e.opts.DefaultLifetime
		if d > e.opts.MaxLifetime {
			d = e.opts.MaxLifetime
		}
		return d, reply{}, true
	}
	s := *seconds
	if s <= 0 {
		return 0, errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "requirement failed: Invalid timeout: %d", s), false
	}
	if maxSeconds := int64(e.opts.MaxLifetime / time.Second); s > maxSeconds {
		return 0, errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE",
			"Token lifetime of %d seconds exceeds the maximum token lifetime of %s (%d seconds) allowed in this workspace.",
			s, describeDuration(e.opts.MaxLifetime), maxSeconds), false
	}
	return time.Duration(s) * time.Second, reply{}, true
}

func describeDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		if d == day {
			return "1 day"
		}
		return fmt.Sprintf("%d days", d/day)
	}
	return d.String()
}

// issueLocked creates a token for owner after checking the quota.
func (e *Emulator) issueLocked(owner, createdBy *principal, comment string, lifetime time.Duration) (*token, reply, bool) {
	if len(e.pruneLocked(owner)) >= e.opts.Quota {
		return nil, errorReply(http.StatusBadRequest, "QUOTA_EXCEEDED",
			"Cannot create more than %d tokens for %s: the limit of %d live tokens per user has been reached. Revoke unused tokens and try again.",
			e.opts.Quota, owner.name, e.opts.Quota), false
	}
	return e.addTokenLocked(owner, createdBy, comment, e.now(), lifetime, ""), reply{}, true
}

type createResponse struct {
	TokenValue string    `json:"token_value"`
	TokenInfo  TokenInfo `json:"token_info"`
}

type listResponse struct {
	TokenInfos []TokenInfo `json:"token_infos,omitempty"`
}

func (e *Emulator) handleCreate(c *call) reply {
	var req struct {
		LifetimeSeconds *int64 `json:"lifetime_seconds"`
		Comment         string `json:"comment"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	lifetime, rep, ok := e.lifetime(req.LifetimeSeconds)
	if !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t, rep, ok := e.issueLocked(c.user, c.user, req.Comment, lifetime)
	if !ok {
		return rep
	}
	return jsonReply(http.StatusOK, createResponse{TokenValue: t.value, TokenInfo: t.publicInfo()})
}

func (e *Emulator) handleList(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	var resp listResponse
	for _, t := range e.liveLocked(nil, c.user) {
		resp.TokenInfos = append(resp.TokenInfos, t.publicInfo())
	}
	return jsonReply(http.StatusOK, resp)
}

func tokenNotFound(id string) reply {
	return errorReply(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Token with id %s does not exist.", id)
}

// revokeLocked revokes the live token id if allowed accepts it.
func (e *Emulator) revokeLocked(id string, allowed func(*token) bool) reply {
	now := e.now()
	t := e.byID[id]
	if t == nil || !t.live(now) || !allowed(t) {
		return tokenNotFound(id)
	}
	t.revoked, t.revokedAt = true, now
	return jsonReply(http.StatusOK, struct{}{})
}

func (e *Emulator) handleDelete(c *call) reply {
	var req struct {
		TokenID string `json:"token_id"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	if req.TokenID == "" {
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Missing required field: token_id")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.revokeLocked(req.TokenID, func(t *token) bool { return t.owner == c.user })
}

func requireAdmin(c *call) (reply, bool) {
	if !c.user.admin {
		return errorReply(http.StatusForbidden, "PERMISSION_DENIED", "Only admins can access token management APIs; %s is not an admin.", c.user.name), false
	}
	return reply{}, true
}

func (e *Emulator) handleMgmtList(c *call) reply {
	if rep, ok := requireAdmin(c); !ok {
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
	var resp listResponse
	for _, t := range e.liveLocked(func(t *token) bool {
		return (byID == 0 || t.createdBy.id == byID) && (byName == "" || t.createdBy.name == byName)
	}, slices.Collect(maps.Values(e.principals))...) {
		resp.TokenInfos = append(resp.TokenInfos, t.info())
	}
	return jsonReply(http.StatusOK, resp)
}

func (e *Emulator) handleMgmtGet(c *call) reply {
	if rep, ok := requireAdmin(c); !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.byID[c.tokenID]
	if t == nil || !t.live(e.now()) {
		return tokenNotFound(c.tokenID)
	}
	return jsonReply(http.StatusOK, struct {
		TokenInfo TokenInfo `json:"token_info"`
	}{t.info()})
}

func (e *Emulator) handleMgmtDelete(c *call) reply {
	if rep, ok := requireAdmin(c); !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.revokeLocked(c.tokenID, func(*token) bool { return true })
}

func (e *Emulator) handleOBO(c *call) reply {
	if rep, ok := requireAdmin(c); !ok {
		return rep
	}
	var req struct {
		ApplicationID   string `json:"application_id"`
		LifetimeSeconds *int64 `json:"lifetime_seconds"`
		Comment         string `json:"comment"`
	}
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	if req.ApplicationID == "" {
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Missing required field: application_id")
	}
	lifetime, rep, ok := e.lifetime(req.LifetimeSeconds)
	if !ok {
		return rep
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	sp := e.principals[req.ApplicationID]
	switch {
	case sp == nil:
		sp = e.addPrincipalLocked(req.ApplicationID, false, true)
	case !sp.servicePrincipal:
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "%s is not the application ID of a service principal.", req.ApplicationID)
	}
	t, rep, ok := e.issueLocked(sp, c.user, req.Comment, lifetime)
	if !ok {
		return rep
	}
	return jsonReply(http.StatusOK, createResponse{TokenValue: t.value, TokenInfo: t.info()})
}
