package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Workspace settings the emulator knows. Values are strings, as in the API.
const (
	confMaxLifetime   = "maxTokenLifetimeDays"
	confTokensEnabled = "enableTokensConfig"
	confIPAccessLists = "enableIpAccessLists"
)

// workspaceConf holds the settings as the API shows them (nil: never set,
// shown as null) and the two the emulator enforces, parsed.
type workspaceConf struct {
	values        map[string]*string
	maxLifetime   time.Duration // 0: no workspace maximum
	tokensEnabled bool
}

func newWorkspaceConf(maxLifetime time.Duration, tokensEnabled bool) workspaceConf {
	c := workspaceConf{values: map[string]*string{
		confMaxLifetime:   nil,
		confTokensEnabled: new(strconv.FormatBool(tokensEnabled)),
		confIPAccessLists: nil,
	}, maxLifetime: maxLifetime, tokensEnabled: tokensEnabled}
	if maxLifetime > 0 {
		// Sub-day maxima are a test-only extension; the API shows whole
		// days, rounded up.
		days := (maxLifetime + 24*time.Hour - 1) / (24 * time.Hour)
		c.values[confMaxLifetime] = new(strconv.FormatInt(int64(days), 10))
	}
	return c
}

// validValue reports whether the workspace accepts value for key, a key
// it knows. Boolean settings take true or false in any case and keep the
// spelling they were given (the Terraform provider's acceptance tests set
// and read back "TRue"). Nothing takes "": a setting cannot be unset, so
// "0" is how a workspace drops its maximum lifetime.
func validValue(key, value string) bool {
	switch key {
	case confMaxLifetime:
		days, err := strconv.Atoi(value)
		return err == nil && days >= 0 && days <= 730
	default:
		return strings.EqualFold(value, "true") || strings.EqualFold(value, "false")
	}
}

// confError is a refusal of a workspace-conf request, in the service's
// words where public reports quote them.
type confError struct {
	code    string
	message string
}

func (e *confError) Error() string { return e.message }

func (e *confError) reply() reply {
	return errorReply(http.StatusBadRequest, e.code, "%s", e.message)
}

// unknownKeysError names keys the workspace does not know as a JSON array,
// `Invalid keys: ["a","b"]`: the form users quote and the Terraform
// provider parses to drop keys a workspace no longer supports.
func unknownKeysError(keys []string) *confError {
	return &confError{code: "INVALID_PARAMETER_VALUE", message: "Invalid keys: " + string(compactJSON(keys))}
}

// badValuesError names the refused values as a JSON object, `Some values
// are not allowed: {"maxTokenLifetimeDays":""}`, as users of the
// Terraform provider quote it; the code is the one the provider's own
// tests give that message.
func badValuesError(values map[string]string) *confError {
	return &confError{code: "INVALID_REQUEST", message: "Some values are not allowed: " + string(compactJSON(values))}
}

// compactJSON marshals v without escaping <, > and &, for messages that
// quote what the client sent.
func compactJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("emulator: marshal %T: %v", v, err))
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// workspaceConfRoutes serves the workspace settings API.
func (e *Emulator) workspaceConfRoutes(mux *http.ServeMux) {
	e.handle(mux, "GET /api/2.0/workspace-conf", scopeSettings, (*Emulator).handleGetConf)
	e.handle(mux, "PATCH /api/2.0/workspace-conf", scopeSettings, (*Emulator).handleSetConf)
}

func (e *Emulator) handleGetConf(c *call) reply {
	keys := c.r.URL.Query().Get("keys")
	if keys == "" {
		return missingField("keys")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	resp := map[string]*string{}
	var unknown []string
	for k := range strings.SplitSeq(keys, ",") {
		k = strings.TrimSpace(k)
		v, ok := e.conf.values[k]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		resp[k] = v
	}
	if len(unknown) > 0 {
		return unknownKeysError(unknown).reply()
	}
	return jsonReply(http.StatusOK, resp)
}

func (e *Emulator) handleSetConf(c *call) reply {
	if rep, ok := requireAdmin(c, "change workspace settings"); !ok {
		return rep
	}
	var req map[string]json.RawMessage
	if rep, ok := decodeBody(c.body, &req); !ok {
		return rep
	}
	values := map[string]string{}
	for k, raw := range req {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			// Clients sometimes send JSON booleans and numbers; the
			// service reads their text.
			var v any
			if json.Unmarshal(raw, &v) != nil {
				return errorReply(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid value for %s", k)
			}
			switch v.(type) {
			case bool, float64:
				s = string(raw)
			default:
				return errorReply(http.StatusBadRequest, "MALFORMED_REQUEST", "The value of %s must be a string", k)
			}
		}
		values[k] = s
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.setConfLocked(values); err != nil {
		return err.reply()
	}
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

// setConfLocked applies all of values or, if a key is unknown or a value
// refused, none. Unknown keys are reported first, all of them, then every
// refused value.
func (e *Emulator) setConfLocked(values map[string]string) *confError {
	var unknown []string
	bad := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		switch _, known := e.conf.values[k]; {
		case !known:
			unknown = append(unknown, k)
		case !validValue(k, values[k]):
			bad[k] = values[k]
		}
	}
	if len(unknown) > 0 {
		return unknownKeysError(unknown)
	}
	if len(bad) > 0 {
		return badValuesError(bad)
	}
	for k, v := range values {
		e.conf.values[k] = new(v)
		switch k {
		case confMaxLifetime:
			days, _ := strconv.Atoi(v)
			e.conf.maxLifetime = time.Duration(days) * 24 * time.Hour
		case confTokensEnabled:
			e.conf.tokensEnabled = strings.EqualFold(v, "true")
		}
	}
	return nil
}

// SetWorkspaceConf changes workspace settings as an admin's PATCH
// /api/2.0/workspace-conf would: all of them or, on an invalid one, none.
func (e *Emulator) SetWorkspaceConf(values map[string]string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.setConfLocked(values); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return nil
}

// WorkspaceConf returns the settings that are set.
func (e *Emulator) WorkspaceConf() map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]string{}
	for k, v := range e.conf.values {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}
