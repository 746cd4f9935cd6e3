package emulator

import (
	"bytes"
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

var controlRoutes = map[string]map[string]controlFunc{
	"state":          {http.MethodGet: (*Emulator).controlState},
	"requests":       {http.MethodGet: (*Emulator).controlRequests},
	"reset-requests": {http.MethodPost: (*Emulator).controlResetRequests},
	"faults":         {http.MethodPost: (*Emulator).controlAddFault, http.MethodDelete: (*Emulator).controlClearFaults},
	"latency":        {http.MethodPost: (*Emulator).controlLatency},
	"advance":        {http.MethodPost: (*Emulator).controlAdvance},
	"issued":         {http.MethodGet: (*Emulator).controlIssued},
}

// serveControl answers the test-only control endpoints. They are
// unauthenticated, so they refuse anyone not on this machine.
func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var rep reply
	name := strings.TrimPrefix(r.URL.Path, controlPrefix)
	methods := controlRoutes[name]
	switch {
	case !isLoopback(r.RemoteAddr):
		rep = errorReply(http.StatusForbidden, "PERMISSION_DENIED", "Emulator control endpoints answer loopback clients only.")
	case methods == nil:
		rep = errorReply(http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'", r.Method, r.URL.Path)
	case methods[r.Method] == nil:
		rep = errorReply(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method '%s' is not allowed for '%s'", r.Method, r.URL.Path)
	default:
		rep = methods[r.Method](e, r)
	}
	if e.opts.Log != nil {
		e.writeLog(fmt.Sprintf("%s %s %s %d control %s", time.Now().Format("15:04:05.000"), r.Method, e.redact(r.URL.Path), rep.status, time.Since(start).Round(10*time.Microsecond)))
	}
	writeReply(w, rep)
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decodeControl strictly parses a control request body, so that a misspelt
// field fails loudly instead of silently injecting the wrong fault.
func decodeControl(r *http.Request, v any) (reply, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBodySize))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
	}
	if err != nil {
		return errorReply(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid control request body: %v", err), false
	}
	return reply{}, true
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

func (e *Emulator) controlState(*http.Request) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	resp := stateResponse{NowMillis: e.now().UnixMilli(), Users: make(map[string]stateUser)}
	for name, p := range e.principals {
		u := stateUser{ID: p.id, Admin: p.admin, ServicePrincipal: p.servicePrincipal, Tokens: []TokenInfo{}}
		for _, t := range e.liveLocked(nil, p) {
			u.Tokens = append(u.Tokens, t.info())
		}
		resp.Users[name] = u
	}
	return jsonReply(http.StatusOK, resp)
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

// faultJSON is the wire form of a Fault.
type faultJSON struct {
	Name       string       `json:"name"`
	Method     string       `json:"method"`
	Path       string       `json:"path"`
	Count      int          `json:"count"`
	Skip       int          `json:"skip"`
	Status     int          `json:"status"`
	Body       string       `json:"body"`
	RetryAfter int          `json:"retry_after"`
	Kind       string       `json:"kind"`
	After      bool         `json:"after"`
	Delay      jsonDuration `json:"delay"`
}

func (e *Emulator) controlAddFault(r *http.Request) reply {
	var fj faultJSON
	if rep, ok := decodeControl(r, &fj); !ok {
		return rep
	}
	f := Fault{
		Name:       fj.Name,
		Method:     fj.Method,
		Path:       fj.Path,
		Count:      fj.Count,
		Skip:       fj.Skip,
		Status:     fj.Status,
		Body:       fj.Body,
		RetryAfter: fj.RetryAfter,
		Kind:       fj.Kind,
		After:      fj.After,
		Delay:      time.Duration(fj.Delay),
	}
	if err := f.validate(); err != nil {
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "%v", err)
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
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "latency must be given and not negative")
	}
	e.SetLatency(time.Duration(*req.Latency))
	return jsonReply(http.StatusOK, emptyObject)
}

func (e *Emulator) controlAdvance(r *http.Request) reply {
	var req struct {
		Duration *jsonDuration `json:"duration"`
	}
	if rep, ok := decodeControl(r, &req); !ok {
		return rep
	}
	if req.Duration == nil || *req.Duration < 0 {
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "duration must be given and not negative: the clock only moves forward")
	}
	e.Advance(time.Duration(*req.Duration))
	return jsonReply(http.StatusOK, struct {
		NowMillis int64 `json:"now_ms"`
	}{e.Now().UnixMilli()})
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
