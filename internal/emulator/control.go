package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

const controlPrefix = "/__emulator/"

type controlFunc func(e *Emulator, r *http.Request) reply

// controlRoutes builds the router of the test-only control endpoints.
func (e *Emulator) controlRoutes() *http.ServeMux {
	mux := http.NewServeMux()
	for pattern, h := range map[string]controlFunc{
		"GET state":                     (*Emulator).controlState,
		"GET dump":                      (*Emulator).controlDump,
		"GET requests":                  (*Emulator).controlRequests,
		"POST reset-requests":           (*Emulator).controlResetRequests,
		"POST faults":                   (*Emulator).controlAddFault,
		"DELETE faults":                 (*Emulator).controlClearFaults,
		"POST latency":                  (*Emulator).controlLatency,
		"POST rate-limit":               (*Emulator).controlRateLimit,
		"POST advance":                  (*Emulator).controlAdvance,
		"POST clock":                    (*Emulator).controlClock,
		"GET issued":                    (*Emulator).controlIssued,
		"POST users":                    (*Emulator).controlAddUser,
		"POST service-principals":       (*Emulator).controlAddServicePrincipal,
		"POST settings":                 (*Emulator).controlSettings,
		"POST token-permissions/revoke": (*Emulator).controlRevokePermission,
		"POST seed":                     (*Emulator).controlSeed,
		"POST seed-bulk":                (*Emulator).controlSeedBulk,
		"GET secret":                    (*Emulator).controlSecret,
	} {
		method, path, _ := strings.Cut(pattern, " ")
		mux.HandleFunc(method+" "+controlPrefix+path, func(w http.ResponseWriter, r *http.Request) {
			writeReply(w, h(e, r))
		})
	}
	return mux
}

// serveControl answers the test-only control endpoints. They are
// unauthenticated, so they refuse anyone not on this machine.
func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	if !isLoopback(r.RemoteAddr) {
		writeReply(rec, errorReply(http.StatusForbidden, "PERMISSION_DENIED", "Emulator control endpoints answer loopback clients only."))
	} else {
		h, pattern := e.control.Handler(r)
		if pattern != "" {
			h.ServeHTTP(rec, r)
		} else {
			cw := &captureWriter{header: http.Header{}}
			h.ServeHTTP(cw, r)
			if cw.status == http.StatusMethodNotAllowed {
				rep := errorReply(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method '%s' is not allowed for '%s'", r.Method, r.URL.Path)
				rep.header.Set("Allow", cw.header.Get("Allow"))
				writeReply(rec, rep)
			} else {
				writeReply(rec, errorReply(http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'", r.Method, r.URL.Path))
			}
		}
	}
	if e.opts.Log != nil {
		e.writeLog(fmt.Sprintf("%s %s %s %d control %s", time.Now().Format("15:04:05.000"), r.Method, e.redact(r.URL.Path), rec.status, time.Since(start).Round(10*time.Microsecond)))
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decodeStrict parses JSON refusing unknown fields, so that a misspelt
// field fails loudly instead of silently doing something else.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func decodeControl(r *http.Request, v any) (reply, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBodySize))
	if err == nil {
		err = decodeStrict(body, v)
	}
	if err != nil {
		return badControl("Invalid control request body: %v", err), false
	}
	return reply{}, true
}

func badControl(format string, args ...any) reply {
	return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", format, args...)
}

var emptyObject = struct{}{}

type stateUser struct {
	ID               int64       `json:"id"`
	Admin            bool        `json:"admin"`
	ServicePrincipal bool        `json:"service_principal"`
	Tokens           []TokenInfo `json:"tokens"`
}

type stateResponse struct {
	NowMillis int64                `json:"now_ms"`
	Users     map[string]stateUser `json:"users"`
}

// controlState summarises principals and their live tokens.
func (e *Emulator) controlState(*http.Request) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	resp := stateResponse{NowMillis: now.UnixMilli(), Users: make(map[string]stateUser)}
	for name, p := range e.principals {
		u := stateUser{ID: p.id, Admin: p.admin, ServicePrincipal: p.servicePrincipal, Tokens: []TokenInfo{}}
		for _, t := range e.heldLocked(p) {
			if !t.expired(now) {
				u.Tokens = append(u.Tokens, e.infoLocked(t, now))
			}
		}
		resp.Users[name] = u
	}
	return jsonReply(http.StatusOK, resp)
}

func (e *Emulator) controlDump(*http.Request) reply {
	return jsonReply(http.StatusOK, e.Dump())
}

func (e *Emulator) controlRequests(*http.Request) reply {
	return jsonReply(http.StatusOK, e.Requests())
}

func (e *Emulator) controlResetRequests(*http.Request) reply {
	e.ResetRequests()
	return jsonReply(http.StatusOK, emptyObject)
}

func (e *Emulator) controlIssued(*http.Request) reply {
	return jsonReply(http.StatusOK, e.IssuedValues())
}

func (e *Emulator) controlAddFault(r *http.Request) reply {
	var f Fault
	if rep, ok := decodeControl(r, &f); !ok {
		return rep
	}
	if err := f.validate(); err != nil {
		return badControl("%v", err)
	}
	e.AddFault(f)
	return jsonReply(http.StatusOK, emptyObject)
}

func (e *Emulator) controlClearFaults(*http.Request) reply {
	e.ClearFaults()
	return jsonReply(http.StatusOK, emptyObject)
}

func (e *Emulator) controlLatency(r *http.Request) reply {
	var req struct {
		Latency *jsonDuration `json:"latency"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if req.Latency == nil || *req.Latency < 0 {
		return badControl("latency must be given and not negative")
	}
	e.SetLatency(time.Duration(*req.Latency))
	return jsonReply(http.StatusOK, emptyObject)
}

func (e *Emulator) controlRateLimit(r *http.Request) reply {
	var req struct {
		PerSecond float64 `json:"per_second"`
		Burst     int     `json:"burst"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if req.PerSecond < 0 || req.Burst < 0 {
		return badControl("per_second and burst must not be negative")
	}
	e.SetRateLimit(req.PerSecond, req.Burst)
	return jsonReply(http.StatusOK, emptyObject)
}

func nowReply(e *Emulator) reply {
	return jsonReply(http.StatusOK, struct {
		NowMillis int64 `json:"now_ms"`
	}{e.Now().UnixMilli()})
}

func (e *Emulator) controlAdvance(r *http.Request) reply {
	var req struct {
		Duration *jsonDuration `json:"duration"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if req.Duration == nil || *req.Duration < 0 {
		return badControl("duration must be given and not negative: the clock only moves forward")
	}
	e.Advance(time.Duration(*req.Duration))
	return nowReply(e)
}

func (e *Emulator) controlClock(r *http.Request) reply {
	var req struct {
		Now *time.Time `json:"now"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if req.Now == nil {
		return badControl("now must be given, as RFC 3339")
	}
	if err := e.SetNow(*req.Now); err != nil {
		return badControl("%v", err)
	}
	return nowReply(e)
}

func (e *Emulator) controlAddUser(r *http.Request) reply {
	var req struct {
		Name        string   `json:"name"`
		Token       string   `json:"token"`
		Admin       bool     `json:"admin"`
		OAuth       bool     `json:"oauth"`
		DisplayName string   `json:"display_name"`
		Groups      []string `json:"groups"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if err := e.AddUser(User(req)); err != nil {
		return badControl("%v", err)
	}
	id, _ := e.PrincipalID(req.Name)
	return jsonReply(http.StatusOK, map[string]int64{"id": id})
}

func (e *Emulator) controlAddServicePrincipal(r *http.Request) reply {
	var req struct {
		ApplicationID string   `json:"application_id"`
		DisplayName   string   `json:"display_name"`
		Token         string   `json:"token"`
		Admin         bool     `json:"admin"`
		Groups        []string `json:"groups"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	id, err := e.AddServicePrincipal(ServicePrincipal(req))
	if err != nil {
		return badControl("%v", err)
	}
	return jsonReply(http.StatusOK, map[string]int64{"id": id})
}

func (e *Emulator) controlSettings(r *http.Request) reply {
	var req map[string]string
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if err := e.SetWorkspaceConf(req); err != nil {
		return badControl("%v", err)
	}
	return jsonReply(http.StatusOK, e.WorkspaceConf())
}

// controlRevokePermission takes CAN_USE away from a user, service
// principal or group without an admin's credential, with the same effect
// on their tokens as the API.
func (e *Emulator) controlRevokePermission(r *http.Request) reply {
	var req TokenPermission
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if err := e.RevokeTokenPermission(req); err != nil {
		return badControl("%v", err)
	}
	return jsonReply(http.StatusOK, emptyObject)
}

// seedRequest is TokenSeed in the control endpoint's notation: times are
// relative to the emulator's clock.
type seedRequest struct {
	Owner            string        `json:"owner"`
	CreatedBy        string        `json:"created_by"`
	Comment          string        `json:"comment"`
	TokenID          string        `json:"token_id"`
	Value            string        `json:"value"`
	Age              jsonDuration  `json:"age"`      // created this long ago
	Lifetime         *jsonLifetime `json:"lifetime"` // default: the default lifetime
	LastUsedAgo      *jsonDuration `json:"last_used_ago"`
	Scopes           []string      `json:"scopes"`
	AutoscopeEnabled bool          `json:"autoscope_enabled"`
	AutoscopeState   string        `json:"autoscope_state"`
	InferredScopes   []string      `json:"inferred_scopes"`
}

func (e *Emulator) controlSeed(r *http.Request) reply {
	var req seedRequest
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	now := e.Now()
	s := TokenSeed{
		Owner: req.Owner, CreatedBy: req.CreatedBy, Comment: req.Comment, ID: req.TokenID, Value: req.Value,
		Created: now.Add(-time.Duration(req.Age)), Scopes: req.Scopes, AutoscopeEnabled: req.AutoscopeEnabled,
		AutoscopeState: req.AutoscopeState, InferredScopes: req.InferredScopes,
	}
	if req.Lifetime != nil {
		s.Lifetime = time.Duration(*req.Lifetime)
	}
	if req.LastUsedAgo != nil {
		s.LastUsed = now.Add(-time.Duration(*req.LastUsedAgo))
	}
	info, value, err := e.SeedToken(s)
	if err != nil {
		return badControl("%v", err)
	}
	return jsonReply(http.StatusOK, map[string]any{"token_value": value, "token_info": info})
}

func (e *Emulator) controlSeedBulk(r *http.Request) reply {
	var req struct {
		Owner    string        `json:"owner"`
		Count    int           `json:"count"`
		Comment  string        `json:"comment"`
		Lifetime *jsonLifetime `json:"lifetime"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	lifetime := e.opts.DefaultLifetime
	if req.Lifetime != nil {
		lifetime = time.Duration(*req.Lifetime)
	}
	if err := e.SeedBulk(req.Owner, req.Count, req.Comment, lifetime); err != nil {
		return badControl("%v", err)
	}
	return jsonReply(http.StatusOK, emptyObject)
}

func (e *Emulator) controlSecret(r *http.Request) reply {
	q := r.URL.Query()
	v, ok := e.Secret(q.Get("scope"), q.Get("key"))
	if !ok {
		return errorReply(http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "No secret %q in scope %q.", q.Get("key"), q.Get("scope"))
	}
	return jsonReply(http.StatusOK, map[string]string{"value": base64.StdEncoding.EncodeToString(v)})
}

// jsonDuration accepts "50ms", "48h", "2d" or a number of milliseconds.
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*d = jsonDuration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return errors.New(`a duration must be a string such as "50ms" or a number of milliseconds`)
	}
	*d = jsonDuration(ms * float64(time.Millisecond))
	return nil
}

// jsonLifetime is a jsonDuration or "never" (negative).
type jsonLifetime time.Duration

func (l *jsonLifetime) UnmarshalJSON(b []byte) error {
	if string(b) == `"never"` {
		*l = -1
		return nil
	}
	var d jsonDuration
	if err := d.UnmarshalJSON(b); err != nil {
		return err
	}
	if d < 0 {
		d = -1
	}
	*l = jsonLifetime(d)
	return nil
}
