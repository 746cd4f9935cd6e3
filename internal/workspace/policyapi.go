package workspace

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/service/settings"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// The workspace-conf keys about tokens.
const (
	keyMaxLifetime = "maxTokenLifetimeDays"
	keyEnabled     = "enableTokensConfig"
)

// settingsAPI implements tokens.SettingsAPI with the SDK's WorkspaceConf.
type settingsAPI struct {
	caller
	conf *settings.WorkspaceConfAPI
}

func (a *settingsAPI) Settings(ctx context.Context) (tokens.Settings, error) {
	var out tokens.Settings
	err := a.call(ctx, func(ctx context.Context) error {
		return retryReads(ctx, a.timeout, func(ctx context.Context) error {
			m, err := a.conf.GetStatus(ctx, settings.GetStatusRequest{Keys: keyMaxLifetime + "," + keyEnabled})
			if err != nil {
				return err
			}
			out, err = parseSettings(*m)
			return err
		})
	})
	return out, err
}

// parseSettings reads the string values workspace-conf answers with: an
// unset maximum is empty (or "0"), an unset switch means tokens are on.
func parseSettings(m map[string]string) (tokens.Settings, error) {
	s := tokens.Settings{Enabled: true}
	if v := strings.TrimSpace(m[keyMaxLifetime]); v != "" {
		days, err := strconv.Atoi(v)
		if err != nil || days < 0 {
			return s, &failure.APIError{Kind: failure.KindProtocol, Message: fmt.Sprintf("the workspace's %s is %q, not a number of days", keyMaxLifetime, v)}
		}
		s.MaxLifetimeDays = days
	}
	if v := strings.TrimSpace(m[keyEnabled]); v != "" {
		s.Enabled = !strings.EqualFold(v, "false")
	}
	return s, nil
}

// SetMaxLifetimeDays sends 0 for no maximum: workspaces refuse "" with 400
// `Some values are not allowed: {"maxTokenLifetimeDays":""}` (as users of
// the Terraform provider report), and the documentation says 0 lets new
// tokens live without a workspace limit.
func (a *settingsAPI) SetMaxLifetimeDays(ctx context.Context, days int) error {
	return a.set(ctx, keyMaxLifetime, strconv.Itoa(days))
}

func (a *settingsAPI) SetEnabled(ctx context.Context, enabled bool) error {
	return a.set(ctx, keyEnabled, strconv.FormatBool(enabled))
}

func (a *settingsAPI) set(ctx context.Context, key, value string) error {
	return a.call(ctx, func(ctx context.Context) error {
		if e := changing(ctx, a.timeout, func(ctx context.Context) error {
			return a.conf.SetStatus(ctx, settings.WorkspaceConf{key: value})
		}); e != nil {
			return e
		}
		return nil
	})
}

// permissionsAPI implements tokens.PermissionsAPI with Token Management's
// permission calls (/api/2.0/permissions/authorization/tokens).
type permissionsAPI struct {
	caller
	mgmt *settings.TokenManagementAPI
}

func (a *permissionsAPI) Grants(ctx context.Context) ([]tokens.Grant, error) {
	var out []tokens.Grant
	err := a.call(ctx, func(ctx context.Context) error {
		return retryReads(ctx, a.timeout, func(ctx context.Context) error {
			p, err := a.mgmt.GetPermissions(ctx)
			if err != nil {
				return err
			}
			out = grants(p)
			return nil
		})
	})
	return out, err
}

func grants(p *settings.TokenPermissions) []tokens.Grant {
	var out []tokens.Grant
	for _, acl := range p.AccessControlList {
		pr := principal(acl.UserName, acl.GroupName, acl.ServicePrincipalName)
		for _, perm := range acl.AllPermissions {
			out = append(out, tokens.Grant{Principal: pr, DisplayName: acl.DisplayName, Level: string(perm.PermissionLevel), Inherited: perm.Inherited})
		}
	}
	return out
}

func principal(user, group, sp string) tokens.Principal {
	switch {
	case user != "":
		return tokens.Principal{Kind: tokens.User, Name: user}
	case group != "":
		return tokens.Principal{Kind: tokens.Group, Name: group}
	}
	return tokens.Principal{Kind: tokens.ServicePrincipal, Name: sp}
}

func request(p tokens.Principal, level string) settings.TokenAccessControlRequest {
	r := settings.TokenAccessControlRequest{PermissionLevel: settings.TokenPermissionLevel(level)}
	switch p.Kind {
	case tokens.User:
		r.UserName = p.Name
	case tokens.Group:
		r.GroupName = p.Name
	default:
		r.ServicePrincipalName = p.Name
	}
	return r
}

// Grant is a PATCH: it adds to the access control list. A failure after
// the request may have reached the workspace is marked MaybeApplied, as
// for every change.
func (a *permissionsAPI) Grant(ctx context.Context, p tokens.Principal, level string) error {
	return a.call(ctx, func(ctx context.Context) error {
		if e := changing(ctx, a.timeout, func(ctx context.Context) error {
			_, err := a.mgmt.UpdatePermissions(ctx, settings.TokenPermissionsRequest{
				AccessControlList: []settings.TokenAccessControlRequest{request(p, level)},
			})
			return err
		}); e != nil {
			return e
		}
		return nil
	})
}

// Revoke reads the access control list and puts it back without p's
// direct grants (a PUT replaces the whole list; inherited grants are not
// part of it).
func (a *permissionsAPI) Revoke(ctx context.Context, p tokens.Principal) error {
	return a.call(ctx, func(ctx context.Context) error {
		cur, err := a.mgmt.GetPermissions(ctx)
		if err != nil {
			return err
		}
		var keep []settings.TokenAccessControlRequest
		for _, g := range grants(cur) {
			if g.Inherited || g.Principal == p {
				continue
			}
			keep = append(keep, request(g.Principal, g.Level))
		}
		if e := changing(ctx, a.timeout, func(ctx context.Context) error {
			_, err := a.mgmt.SetPermissions(ctx, settings.TokenPermissionsRequest{AccessControlList: keep})
			return err
		}); e != nil {
			return e
		}
		return nil
	})
}

func newPolicyAPIs(once *client.DatabricksClient, timeout caller) (*settingsAPI, *permissionsAPI) {
	return &settingsAPI{caller: timeout, conf: settings.NewWorkspaceConf(once)},
		&permissionsAPI{caller: timeout, mgmt: settings.NewTokenManagement(once)}
}
