package emulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"
)

// State is a workspace's content as one JSON document: what
// [Options.State] and the --state flag load and what [Emulator.Dump], the
// GET /__emulator/dump endpoint and --dump write, so that a demo or a bug
// report can be replayed. Times are epoch milliseconds, like the API's.
//
// A dump holds token values and secret values in clear text: it is test
// data, like everything in the emulator.
type State struct {
	// Now, if set, is where the emulator's clock starts when the state is
	// loaded through [Options.State].
	Now      int64             `json:"now,omitempty"`
	Settings map[string]string `json:"settings,omitempty"`
	// TokenPermissions, if not null, replace the default token ACL (users:
	// CAN_USE); [] leaves only the admins' CAN_MANAGE, which is implicit.
	TokenPermissions  []TokenPermission       `json:"token_permissions"`
	Users             []StateUser             `json:"users,omitempty"`
	ServicePrincipals []StateServicePrincipal `json:"service_principals,omitempty"`
	// Tokens are held tokens, live or expired, bootstrap tokens included.
	Tokens       []StateToken       `json:"tokens,omitempty"`
	SecretScopes []StateSecretScope `json:"secret_scopes,omitempty"`
}

// TokenPermission is one entry of the token ACL, as in the Permissions API.
type TokenPermission struct {
	UserName             string `json:"user_name,omitempty"`
	GroupName            string `json:"group_name,omitempty"`
	ServicePrincipalName string `json:"service_principal_name,omitempty"`
	PermissionLevel      string `json:"permission_level"`
}

// StateUser is a user. Their personal access tokens, bootstrap ones
// included, are in State.Tokens.
type StateUser struct {
	Name        string   `json:"name"`
	ID          int64    `json:"id,omitempty"` // default: derived from the name
	DisplayName string   `json:"display_name,omitempty"`
	Admin       bool     `json:"admin,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	// OAuthToken is an OAuth access token the user signs in with, if any.
	OAuthToken string `json:"oauth_token,omitempty"`
}

// StateServicePrincipal is a service principal.
type StateServicePrincipal struct {
	ApplicationID string   `json:"application_id"`
	ID            int64    `json:"id,omitempty"`
	DisplayName   string   `json:"display_name,omitempty"`
	Admin         bool     `json:"admin,omitempty"`
	Groups        []string `json:"groups,omitempty"`
}

// StateToken is a token. Value and TokenID default to a fresh value and its
// SHA-256; CreationTime defaults to now and ExpiryTime (-1 for never) to
// the default lifetime. A token with no LastUsed has never been used, and
// its 90-day unused clock starts when it is loaded.
type StateToken struct {
	Owner            string   `json:"owner"`
	CreatedBy        string   `json:"created_by,omitempty"`
	Value            string   `json:"value,omitempty"`
	TokenID          string   `json:"token_id,omitempty"`
	Comment          string   `json:"comment,omitempty"`
	CreationTime     int64    `json:"creation_time,omitempty"`
	ExpiryTime       int64    `json:"expiry_time,omitempty"`
	LastUsed         int64    `json:"last_used,omitempty"`
	Scopes           []string `json:"scopes,omitempty"`
	AutoscopeEnabled bool     `json:"autoscope_enabled,omitempty"`
	AutoscopeState   string   `json:"autoscope_state,omitempty"`
	InferredScopes   []string `json:"inferred_scopes,omitempty"`
	Bootstrap        bool     `json:"bootstrap,omitempty"`
}

// StateSecretScope is a Databricks-backed secret scope.
type StateSecretScope struct {
	Name    string `json:"name"`
	Creator string `json:"creator"`
	// InitialManagePrincipal "users" lets every user manage the scope.
	InitialManagePrincipal string        `json:"initial_manage_principal,omitempty"`
	Secrets                []StateSecret `json:"secrets,omitempty"`
}

// StateSecret is a secret; its value is base64, as the API's bytes_value.
type StateSecret struct {
	Key                  string `json:"key"`
	Value                string `json:"value"`
	LastUpdatedTimestamp int64  `json:"last_updated_timestamp,omitempty"`
}

// ReadStateFile reads a State from a JSON file, strictly: unknown fields
// are errors.
func ReadStateFile(name string) (*State, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var st State
	if err := decodeStrict(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &st, nil
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// loadStateLocked adds st's content to the emulator.
func (e *Emulator) loadStateLocked(st *State) error {
	for _, u := range st.Users {
		if u.Name == "" {
			return errors.New("user with empty name")
		}
		p, err := e.addPrincipalLocked(u.Name, u.DisplayName, u.Admin, false, u.Groups, u.ID)
		if err != nil {
			return err
		}
		if u.OAuthToken != "" {
			if e.byValue[u.OAuthToken] != nil {
				return fmt.Errorf("user %q reuses another principal's token", u.Name)
			}
			e.addBootstrapLocked(p, u.OAuthToken, true)
		}
	}
	for _, sp := range st.ServicePrincipals {
		if sp.ApplicationID == "" {
			return errors.New("service principal without an application ID")
		}
		if _, err := e.addPrincipalLocked(sp.ApplicationID, sp.DisplayName, sp.Admin, true, sp.Groups, sp.ID); err != nil {
			return err
		}
	}
	if err := e.setConfLocked(st.Settings); err != nil {
		return err
	}
	if st.TokenPermissions != nil {
		acl := []aclEntry{}
		for _, tp := range st.TokenPermissions {
			a := aclEntry(tp)
			if rep, ok := e.checkSubjectLocked(a); !ok {
				return fmt.Errorf("token permissions: %s", rep.body)
			}
			if a.PermissionLevel != levelCanUse {
				return fmt.Errorf("token permissions: only %s can be granted, not %q", levelCanUse, a.PermissionLevel)
			}
			acl = append(acl, a)
		}
		e.acl = acl
	}
	now := e.now()
	for i, st := range st.Tokens {
		s := TokenSeed{
			Owner:            st.Owner,
			CreatedBy:        st.CreatedBy,
			Comment:          st.Comment,
			Value:            st.Value,
			ID:               st.TokenID,
			Scopes:           st.Scopes,
			AutoscopeEnabled: st.AutoscopeEnabled,
			AutoscopeState:   st.AutoscopeState,
			InferredScopes:   st.InferredScopes,
		}
		s.Created = now
		if st.CreationTime != 0 {
			s.Created = msTime(st.CreationTime)
		}
		switch {
		case st.ExpiryTime == -1:
			s.Lifetime = -1
		case st.ExpiryTime != 0:
			s.Lifetime = msTime(st.ExpiryTime).Sub(s.Created)
			if s.Lifetime < 0 {
				return fmt.Errorf("token %d: expiry_time before creation_time", i)
			}
		}
		if st.LastUsed != 0 {
			s.LastUsed = msTime(st.LastUsed)
		}
		t, err := e.seedLocked(s, false)
		if err != nil {
			return fmt.Errorf("token %d: %w", i, err)
		}
		if s.Lifetime == 0 && st.ExpiryTime != 0 {
			t.expiry = s.Created // expires as it is created
		}
		t.bootstrap = st.Bootstrap
	}
	for _, sc := range st.SecretScopes {
		creator := e.principals[sc.Creator]
		switch {
		case !secretNameRE.MatchString(sc.Name):
			return fmt.Errorf("secret scope %q: invalid name", sc.Name)
		case e.scopes[sc.Name] != nil:
			return fmt.Errorf("secret scope %q given twice", sc.Name)
		case creator == nil:
			return fmt.Errorf("secret scope %q: no creator %q", sc.Name, sc.Creator)
		case sc.InitialManagePrincipal != "" && sc.InitialManagePrincipal != groupUsers:
			return fmt.Errorf("secret scope %q: initial_manage_principal must be %q", sc.Name, groupUsers)
		}
		s := &secretScope{name: sc.Name, creator: creator, usersManage: sc.InitialManagePrincipal == groupUsers, secrets: map[string]*secret{}}
		for _, sec := range sc.Secrets {
			v, err := base64.StdEncoding.DecodeString(sec.Value)
			if err != nil || !secretNameRE.MatchString(sec.Key) {
				return fmt.Errorf("secret scope %q: secret %q: invalid key or value", sc.Name, sec.Key)
			}
			updated := now
			if sec.LastUpdatedTimestamp != 0 {
				updated = msTime(sec.LastUpdatedTimestamp)
			}
			s.secrets[sec.Key] = &secret{value: v, updated: updated}
		}
		e.scopes[sc.Name] = s
	}
	return nil
}

// Dump returns the emulator's state in the format [Options.State] loads.
// Revoked tokens are gone and not included; expired ones are.
func (e *Emulator) Dump() *State {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	st := &State{Now: now.UnixMilli(), Settings: map[string]string{}, TokenPermissions: []TokenPermission{}}
	for k, v := range e.conf.values {
		if v != nil {
			st.Settings[k] = *v
		}
	}
	for _, a := range e.acl {
		st.TokenPermissions = append(st.TokenPermissions, TokenPermission(a))
	}
	var held []*token
	for _, p := range e.sortedPrincipalsLocked() {
		if p.servicePrincipal {
			st.ServicePrincipals = append(st.ServicePrincipals, StateServicePrincipal{
				ApplicationID: p.name, ID: p.id, DisplayName: p.displayName, Admin: p.admin, Groups: slices.Clone(p.groups),
			})
		} else {
			st.Users = append(st.Users, StateUser{Name: p.name, ID: p.id, DisplayName: p.displayName, Admin: p.admin, Groups: slices.Clone(p.groups)})
		}
		held = append(held, e.heldLocked(p)...)
	}
	for v, t := range e.byValue {
		if t.oauth {
			for i := range st.Users {
				if st.Users[i].Name == t.owner.name {
					st.Users[i].OAuthToken = v
				}
			}
		}
	}
	slices.SortFunc(held, compareTokens)
	for _, t := range held {
		ti := e.infoLocked(t, now)
		stt := StateToken{
			Owner:            t.owner.name,
			CreatedBy:        t.createdBy.name,
			Value:            t.value,
			TokenID:          t.id,
			Comment:          t.comment,
			CreationTime:     ti.CreationTime,
			ExpiryTime:       ti.ExpiryTime,
			Scopes:           slices.Clone(t.scopes),
			AutoscopeEnabled: t.autoscope,
			AutoscopeState:   t.autoscopeState,
			InferredScopes:   slices.Clone(t.inferred),
			Bootstrap:        t.bootstrap,
		}
		if !t.lastUsed.IsZero() {
			stt.LastUsed = t.lastUsed.UnixMilli()
		}
		if stt.CreatedBy == stt.Owner {
			stt.CreatedBy = ""
		}
		st.Tokens = append(st.Tokens, stt)
	}
	for _, name := range slices.Sorted(maps.Keys(e.scopes)) {
		s := e.scopes[name]
		ss := StateSecretScope{Name: name, Creator: s.creator.name}
		if s.usersManage {
			ss.InitialManagePrincipal = groupUsers
		}
		for _, k := range slices.Sorted(maps.Keys(s.secrets)) {
			sec := s.secrets[k]
			ss.Secrets = append(ss.Secrets, StateSecret{Key: k, Value: base64.StdEncoding.EncodeToString(sec.value), LastUpdatedTimestamp: sec.updated.UnixMilli()})
		}
		st.SecretScopes = append(st.SecretScopes, ss)
	}
	return st
}

// WriteStateFile writes st as indented JSON, readable only by its owner:
// it holds credentials.
func WriteStateFile(name string, st *State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(name, string(b)+"\n", 0o600)
}
