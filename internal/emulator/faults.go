package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind says how a [Fault] misbehaves.
type FaultKind string

// Fault kinds. The zero kind answers with Status and Body.
const (
	FaultStatus     FaultKind = ""
	FaultDrop       FaultKind = "drop"        // close the connection without answering
	FaultDropMid    FaultKind = "drop-mid"    // send headers and half the body, then close
	FaultHang       FaultKind = "hang"        // never answer, until the client leaves or the server closes
	FaultHTML       FaultKind = "html"        // an HTML error page, as a proxy or gateway would send
	FaultMalformed  FaultKind = "malformed"   // 200 with a body that is not valid JSON
	FaultEmpty      FaultKind = "empty"       // 200 with an empty body
	FaultDelay      FaultKind = "delay"       // the real answer, only Delay later: a slow request, for races
	FaultRedirect   FaultKind = "redirect"    // Status (default 307) to Location, as a misconfigured proxy might
	FaultEchoBearer FaultKind = "echo-bearer" // an error whose message quotes the request's bearer token, as a careless proxy's would
	FaultHuge       FaultKind = "huge"        // 200 with a list answer of Size bytes whose one token has a comment that long, sent as it is made
)

// Fault makes matching API requests misbehave. See the package
// documentation for how faults are matched and recorded. In JSON (the
// control endpoint) the fields have their snake_case names and Delay is a
// duration string such as "50ms" or a number of milliseconds.
type Fault struct {
	// Name, if set, is recorded in Request.Fault instead of a generated label.
	Name string `json:"name,omitempty"`
	// Method and Path select requests; empty matches any. Path is exact, or a
	// prefix when it ends in "*".
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Count is how many requests the fault applies to; 0 means until
	// [Emulator.ClearFaults].
	Count int `json:"count,omitempty"`
	// Skip lets this many matching requests through untouched first, to
	// fail a later step of a multi-request command.
	Skip int `json:"skip,omitempty"`
	// Status overrides the status of the kind; for FaultStatus it defaults
	// to 500, for FaultHTML to 502, for FaultRedirect to 307, for
	// FaultEchoBearer to 401, and otherwise to 200 (or, for FaultDropMid
	// after the real handler, to the real status).
	Status int `json:"status,omitempty"`
	// Body overrides the body for FaultStatus, FaultHTML, FaultMalformed and
	// FaultEchoBearer. The default for FaultStatus is a Databricks error
	// suited to Status. In a FaultEchoBearer body, "{bearer}" stands for
	// the request's bearer token.
	Body string `json:"body,omitempty"`
	// RetryAfter, if positive, is sent as the Retry-After header in seconds.
	RetryAfter int       `json:"retry_after,omitempty"`
	Kind       FaultKind `json:"kind,omitempty"`
	// After runs the real handler first, with all its effects, and then
	// replaces its response: the server did the work but the client never
	// heard about it.
	After bool `json:"after,omitempty"`
	// Delay is added to the latency of matching requests.
	Delay time.Duration `json:"delay,omitempty"`
	// Size is the length of a FaultHuge answer in bytes (default 300 MB).
	Size int64 `json:"size,omitempty"`
	// Location is where a FaultRedirect points, e.g.
	// "http://127.0.0.1:9/{path}"; "{path}" stands for the request's path
	// and query, without the leading slash.
	Location string `json:"location,omitempty"`
}

// faultWire is Fault with the delay in the control endpoint's notation.
type faultWire struct {
	*faultFields
	Delay jsonDuration `json:"delay,omitempty"`
}

type faultFields Fault

// UnmarshalJSON decodes a fault strictly, so that a misspelt field fails
// loudly instead of silently injecting the wrong fault.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var fields faultFields
	w := faultWire{faultFields: &fields}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	*f = Fault(fields)
	f.Delay = time.Duration(w.Delay)
	return nil
}

// MarshalJSON writes the delay as a duration string.
func (f Fault) MarshalJSON() ([]byte, error) {
	fields := faultFields(f)
	out := struct {
		*faultFields
		Delay string `json:"delay,omitempty"`
	}{faultFields: &fields}
	if f.Delay != 0 {
		out.Delay = f.Delay.String()
	}
	return json.Marshal(out)
}

type activeFault struct {
	f       Fault
	used    int
	skipped int
}

func (f *Fault) validate() error {
	switch f.Kind {
	case FaultStatus, FaultDrop, FaultDropMid, FaultHang, FaultHTML, FaultMalformed, FaultEmpty, FaultDelay, FaultEchoBearer:
	case FaultHuge:
		if f.Size < 0 {
			return errors.New("a huge fault's size must not be negative")
		}
	case FaultRedirect:
		switch f.Status {
		case 0, 301, 302, 303, 307, 308:
		default:
			return fmt.Errorf("redirect status %d is not one of 301, 302, 303, 307, 308", f.Status)
		}
		if f.Location == "" {
			return errors.New("a redirect fault needs a location")
		}
		return f.validateCommon()
	default:
		return fmt.Errorf("unknown fault kind %q", f.Kind)
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		return fmt.Errorf("fault status %d out of range 200-599", f.Status)
	}
	return f.validateCommon()
}

func (f *Fault) validateCommon() error {
	switch {
	case f.Count < 0:
		return fmt.Errorf("negative fault count %d", f.Count)
	case f.Skip < 0:
		return fmt.Errorf("negative fault skip %d", f.Skip)
	case f.RetryAfter < 0:
		return fmt.Errorf("negative retry_after %d", f.RetryAfter)
	case f.Delay < 0:
		return fmt.Errorf("negative fault delay %v", f.Delay)
	}
	return nil
}

func (f *Fault) matches(method, path string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	switch {
	case f.Path == "":
		return path != discoveryPath
	case strings.HasSuffix(f.Path, "*"):
		return strings.HasPrefix(path, strings.TrimSuffix(f.Path, "*"))
	default:
		return path == f.Path
	}
}

// label names f for Request.Fault, given the status it sent (0 for none).
func (f *Fault) label(status int) string {
	if f.Name != "" {
		return f.Name
	}
	s := string(f.Kind)
	if f.Kind == FaultStatus {
		s = "status"
	}
	if status != 0 {
		s += " " + strconv.Itoa(status)
	}
	if f.After {
		s += " after"
	}
	return s
}

// AddFault appends f to the fault list. It panics if f is invalid (unknown
// kind, negative count, delay or retry-after, or a status outside 200-599).
func (e *Emulator) AddFault(f Fault) {
	if err := f.validate(); err != nil {
		panic("emulator: " + err.Error())
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &activeFault{f: f})
}

// ClearFaults removes all faults.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// takeFaultLocked returns a copy of the first fault matching the request and
// uses up one of its applications.
func (e *Emulator) takeFaultLocked(method, path string) *Fault {
	for i, af := range e.faults {
		if !af.f.matches(method, path) {
			continue
		}
		if af.skipped < af.f.Skip {
			af.skipped++
			return nil
		}
		af.used++
		if af.f.Count > 0 && af.used >= af.f.Count {
			e.faults = append(e.faults[:i:i], e.faults[i+1:]...)
		}
		f := af.f
		return &f
	}
	return nil
}

// serveFault answers as f dictates. real is the genuine reply when f runs
// after the handler, else nil. commit records the status about to be sent
// (0 for none) and must run before the client can observe anything.
func (e *Emulator) serveFault(w http.ResponseWriter, r *http.Request, f *Fault, real *reply, commit func(status int)) {
	switch f.Kind {
	case FaultDrop:
		commit(0)
		abortConn(w)
		return
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-e.done:
		}
		commit(0)
		abortConn(w)
		return
	case FaultDropMid:
		rep := jsonReply(http.StatusOK, sampleListResponse())
		if real != nil && len(real.body) >= 2 {
			rep = *real
		}
		if f.Status != 0 {
			rep.status = f.Status
		}
		commit(rep.status)
		h := w.Header()
		for k, v := range rep.header {
			h[k] = v
		}
		// Announcing the full length makes the cut detectable as an
		// unexpected EOF rather than a short but complete body.
		h.Set("Content-Length", strconv.Itoa(len(rep.body)))
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body[:len(rep.body)/2])
		_ = http.NewResponseController(w).Flush() // the half must reach the client before the cut
		abortConn(w)
		return
	case FaultHuge:
		commit(http.StatusOK)
		writeHuge(w, f.Size)
		return
	}
	rep := faultReply(f, r)
	if f.RetryAfter > 0 {
		rep.header.Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	commit(rep.status)
	writeReply(w, rep)
}

func faultReply(f *Fault, r *http.Request) reply {
	status := f.Status
	switch f.Kind {
	case FaultRedirect:
		if status == 0 {
			status = http.StatusTemporaryRedirect
		}
		loc := strings.ReplaceAll(f.Location, "{path}", strings.TrimPrefix(r.URL.RequestURI(), "/"))
		rep := errorReply(status, "REDIRECT", "Moved to %s", loc)
		rep.header.Set("Location", loc)
		return rep
	case FaultEchoBearer:
		if status == 0 {
			status = http.StatusUnauthorized
		}
		bearer, _ := bearerToken(r.Header.Get("Authorization"))
		if f.Body == "" {
			return errorReply(status, "UNAUTHENTICATED", "Upstream rejected the request with header Authorization: Bearer %s", bearer)
		}
		body := strings.ReplaceAll(f.Body, "{bearer}", bearer)
		ct := "text/plain; charset=utf-8"
		if json.Valid([]byte(body)) {
			ct = "application/json"
		}
		return reply{status: status, header: http.Header{"Content-Type": {ct}}, body: []byte(body)}
	case FaultHTML:
		if status == 0 {
			status = http.StatusBadGateway
		}
		body := f.Body
		if body == "" {
			body = htmlErrorPage(status)
		}
		return reply{status: status, header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: []byte(body)}
	case FaultMalformed:
		if status == 0 {
			status = http.StatusOK
		}
		body := f.Body
		if body == "" {
			body = `{"token_infos": [{"token_id": "0f`
		}
		return reply{status: status, header: http.Header{"Content-Type": {"application/json"}}, body: []byte(body)}
	case FaultEmpty:
		if status == 0 {
			status = http.StatusOK
		}
		return reply{status: status, header: http.Header{"Content-Type": {"application/json"}}}
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if f.Body != "" {
		ct := "text/plain; charset=utf-8"
		if json.Valid([]byte(f.Body)) {
			ct = "application/json"
		}
		return reply{status: status, header: http.Header{"Content-Type": {ct}}, body: []byte(f.Body)}
	}
	code, msg := defaultError(status)
	return errorReply(status, code, "%s", msg)
}

// defaultError picks the error code and message Databricks would plausibly
// send with status.
func defaultError(status int) (string, string) {
	switch status {
	case http.StatusBadRequest:
		return "INVALID_PARAMETER_VALUE", "Injected fault: the request was rejected as invalid."
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API."
	case http.StatusForbidden:
		return "PERMISSION_DENIED", "Injected fault: the caller does not have permission for this operation."
	case http.StatusNotFound:
		return "RESOURCE_DOES_NOT_EXIST", "Injected fault: the requested resource does not exist."
	case http.StatusConflict:
		return "RESOURCE_CONFLICT", "Injected fault: the request conflicts with the current state."
	case http.StatusTooManyRequests:
		return "REQUEST_LIMIT_EXCEEDED", "Injected fault: too many requests, please retry later."
	case http.StatusNotImplemented:
		return "NOT_IMPLEMENTED", "Injected fault: this operation is not implemented."
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return "TEMPORARILY_UNAVAILABLE", "Injected fault: the service is temporarily unavailable."
	case http.StatusGatewayTimeout:
		// Avoid wording the SDK treats as a transient error by message.
		return "DEADLINE_EXCEEDED", "Injected fault: the gateway gave up waiting for the backend."
	}
	if status >= 500 {
		return "INTERNAL_ERROR", "Injected fault: internal server error."
	}
	if status >= 400 {
		return "BAD_REQUEST", "Injected fault: " + http.StatusText(status) + "."
	}
	return "INJECTED_FAULT", "Injected fault."
}

// htmlErrorPage imitates a gateway's error page. The SDK extracts the
// message from the <pre> element, so there is one.
func htmlErrorPage(status int) string {
	text := http.StatusText(status)
	return fmt.Sprintf("<html>\n<head><title>%d %s</title></head>\n<body>\n<h1>HTTP ERROR %d</h1>\n<pre>%s</pre>\n</body>\n</html>\n",
		status, text, status, text)
}

// sampleListResponse is a plausible body to cut short when there is no real
// one.
func sampleListResponse() listResponse {
	return listResponse{TokenInfos: []TokenInfo{{
		TokenID:      strings.Repeat("0f", 32),
		Comment:      "truncated by the emulator",
		CreationTime: 1700000000000,
		ExpiryTime:   -1,
	}}}
}

// DefaultHugeSize is the length of a FaultHuge answer unless Size says.
const DefaultHugeSize = 300 << 20

// writeHuge sends a list answer of size bytes, one token whose comment
// fills it, a chunk at a time: a hostile or broken workspace, for clients
// that must not hold whatever they are sent.
func writeHuge(w http.ResponseWriter, size int64) {
	if size == 0 {
		size = DefaultHugeSize
	}
	head := `{"token_infos":[{"token_id":"` + strings.Repeat("0", 64) + `","comment":"`
	tail := `","creation_time":1700000000000,"expiry_time":-1}]}`
	fill := max(0, size-int64(len(head)+len(tail)))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(int64(len(head))+fill+int64(len(tail)), 10))
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for fill > 0 {
		n := min(fill, int64(len(chunk)))
		if _, err := w.Write(chunk[:n]); err != nil {
			return // the client refused the rest
		}
		fill -= n
	}
	_, _ = io.WriteString(w, tail)
}
