package emulator

import (
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

// set validates and applies one setting.
func (c *workspaceConf) set(key, value string) error {
	switch key {
	case confMaxLifetime:
		if value == "" {
			c.values[key], c.maxLifetime = nil, 0
			return nil
		}
		days, err := strconv.Atoi(value)
		if err != nil || days < 0 || days > 730 {
			return fmt.Errorf("%s must be a whole number of days from 0 (no maximum) to 730, not %q", key, value)
		}
		c.values[key], c.maxLifetime = new(value), time.Duration(days)*24*time.Hour
	case confTokensEnabled, confIPAccessLists:
		if value != "true" && value != "false" {
			return fmt.Errorf("%s must be \"true\" or \"false\", not %q", key, value)
		}
		c.values[key] = new(value)
		if key == confTokensEnabled {
			c.tokensEnabled = value == "true"
		}
	default:
		return unknownKeys([]string{key})
	}
	return nil
}

// unknownKeys words the refusal of keys the emulator does not know.
type unknownKeys []string

func (u unknownKeys) Error() string { return "Invalid keys: " + strings.Join(u, ", ") }

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
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "%v", unknownKeys(unknown))
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
		return errorReply(http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "%v", err)
	}
	return reply{status: http.StatusNoContent, header: http.Header{}}
}

// setConfLocked applies all of values or, if one is invalid, none.
func (e *Emulator) setConfLocked(values map[string]string) error {
	next := workspaceConf{values: maps.Clone(e.conf.values), maxLifetime: e.conf.maxLifetime, tokensEnabled: e.conf.tokensEnabled}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if err := next.set(k, values[k]); err != nil {
			return err
		}
	}
	e.conf = next
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
