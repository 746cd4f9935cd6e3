package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

const (
	discoveryPath      = "/.well-known/databricks-config"
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
	return rawJSONReply(status, body)
}

func rawJSONReply(status int, body []byte) reply {
	return reply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

func errorReply(status int, code any, format string, args ...any) reply {
	return jsonReply(status, apiError{ErrorCode: code, Message: fmt.Sprintf(format, args...)})
}

// The refusals of a credential, shared by every API.
func invalidToken() reply {
	return errorReply(http.StatusForbidden, http.StatusForbidden, "Invalid access token.")
}

func noTokenPermission() reply {
	return errorReply(http.StatusForbidden, "PERMISSION_DENIED", "User does not have permission to use tokens.")
}

func tokensDisabled() reply {
	return errorReply(http.StatusForbidden, "PERMISSION_DENIED", "Personal access tokens are disabled for this workspace.")
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

// call is a request on its way to a handler.
type call struct {
	r    *http.Request // carries the path values of the matched pattern
	body []byte
	user *principal // nil only for the public discovery endpoint
	cred *token     // the credential user signed in with
}

type handlerFunc func(e *Emulator, c *call) reply

// routed carries a call through http.ServeMux and the reply back: the mux
// picks the handler (and rejects unknown paths and methods), while replies
// stay values so that faults can replace them.
type routed struct {
	call    *call
	rep     reply
	user    string // the authenticated principal, for the record
	matched bool
}

type routeKey struct{}

// handle registers h for a ServeMux pattern ("METHOD /path/{name}"). The
// caller's credential is checked, and then the scope it needs, under one
// lock; scopePublic skips both.
func (e *Emulator) handle(mux *http.ServeMux, pattern, scope string, h handlerFunc) {
	mux.HandleFunc(pattern, func(_ http.ResponseWriter, r *http.Request) {
		rt := r.Context().Value(routeKey{}).(*routed)
		rt.matched = true
		c := rt.call
		c.r = r
		if scope != scopePublic {
			rep, ok := e.signIn(c, scope)
			if c.user != nil {
				rt.user = c.user.name
			}
			if !ok {
				rt.rep = rep
				return
			}
		}
		rt.rep = h(e, c)
	})
}

// signIn authenticates the caller of c and checks that its credential
// covers scope.
func (e *Emulator) signIn(c *call, scope string) (reply, bool) {
	value, ok := bearerToken(c.r.Header.Get("Authorization"))
	if !ok {
		return errorReply(http.StatusUnauthorized, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API."), false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	t, rep, ok := e.authenticateLocked(value, now)
	if !ok {
		return rep, false
	}
	c.cred, c.user = t, t.owner
	if !e.allowsLocked(t, scope, now) {
		return missingScope(scope), false
	}
	return reply{}, true
}

// routes builds the API's router; each API's file lists its endpoints.
func (e *Emulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	e.discoveryRoutes(mux)
	e.tokenRoutes(mux)
	e.tokenManagementRoutes(mux)
	e.permissionRoutes(mux)
	e.workspaceConfRoutes(mux)
	e.scimRoutes(mux)
	e.secretRoutes(mux)
	return mux
}

// captureWriter receives what ServeMux itself answers for unknown paths
// and methods, so that it can be turned into a Databricks error.
type captureWriter struct {
	header http.Header
	status int
}

func (w *captureWriter) Header() http.Header         { return w.header }
func (w *captureWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *captureWriter) WriteHeader(status int)      { w.status = status }

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
			var limited bool
			if rep, limited = e.rateLimit(r); !limited {
				rep, user = e.dispatch(r, body)
			}
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

// rateLimit answers 429 when the request's host has used up its budget.
func (e *Emulator) rateLimit(r *http.Request) (reply, bool) {
	lim := e.limiter.Load()
	if lim == nil || r.URL.Path == discoveryPath {
		return reply{}, false
	}
	wait := lim.take(r.Host, time.Now())
	if wait <= 0 {
		return reply{}, false
	}
	rep := errorReply(http.StatusTooManyRequests, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again.")
	rep.header.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return rep, true
}

// dispatch routes, authenticates and runs the handler, returning the reply
// and the authenticated principal's name. A bad credential gets 401 or 403
// even on a path that does not exist, as on the real service: only a good
// one learns that the endpoint is unknown.
func (e *Emulator) dispatch(r *http.Request, body []byte) (reply, string) {
	rt := &routed{call: &call{body: body}}
	cw := &captureWriter{header: http.Header{}}
	e.mux.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), routeKey{}, rt)))
	if rt.matched {
		return rt.rep, rt.user
	}
	c := &call{r: r}
	if rep, ok := e.signIn(c, scopeAny); !ok {
		name := ""
		if c.user != nil {
			name = c.user.name
		}
		return rep, name
	}
	if cw.status == http.StatusMethodNotAllowed {
		rep := errorReply(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method '%s' is not allowed for '%s'", r.Method, r.URL.Path)
		if allow := cw.header.Get("Allow"); allow != "" {
			rep.header.Set("Allow", allow)
		}
		return rep, c.user.name
	}
	// Everything else ServeMux would do (404, or a redirect to a cleaned
	// path) is an unknown endpoint to the API.
	return errorReply(http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'", r.Method, r.URL.Path), c.user.name
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
	line := fmt.Sprintf("%s %s %s %d user=%s %s", time.Now().Format("15:04:05.000"), rec.Method, e.redact(rec.Path), status, orDash(e.redact(user)), d.Round(10*time.Microsecond))
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
	for _, v := range e.issued {
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
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

func missingField(name string) reply {
	return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "Missing required field: %s", name)
}

func requireAdmin(c *call, what string) (reply, bool) {
	if !c.user.admin {
		return errorReply(http.StatusForbidden, "PERMISSION_DENIED", "Only admins can %s; %s is not an admin.", what, c.user.name), false
	}
	return reply{}, true
}
