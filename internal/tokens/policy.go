package tokens

import (
	"context"
)

// The workspace's token policy: what admins set about tokens for
// everybody. The implementation over the SDK lives in package workspace.

// Settings are the workspace-conf keys about tokens.
type Settings struct {
	// MaxLifetimeDays is maxTokenLifetimeDays; 0 means no maximum is set.
	MaxLifetimeDays int
	// Enabled is enableTokensConfig: whether users may create and use
	// personal access tokens at all.
	Enabled bool
}

// SettingsAPI reads and (for admins) changes the token settings.
type SettingsAPI interface {
	Settings(ctx context.Context) (Settings, error)
	SetMaxLifetimeDays(ctx context.Context, days int) error
	SetEnabled(ctx context.Context, enabled bool) error
}

// PrincipalKind is what a grant names.
type PrincipalKind string

const (
	User             PrincipalKind = "user"
	Group            PrincipalKind = "group"
	ServicePrincipal PrincipalKind = "service_principal"
)

// Principal is a user (by user name), a group (by name) or a service
// principal (by application ID).
type Principal struct {
	Kind PrincipalKind
	Name string
}

// Grant is one principal's permission on tokens.
type Grant struct {
	Principal Principal
	// DisplayName is how the workspace names the principal, when it does.
	DisplayName string
	// Level is CAN_USE or CAN_MANAGE.
	Level string
	// Inherited grants come from elsewhere (workspace admins' CAN_MANAGE).
	Inherited bool
}

// Permission levels on tokens.
const (
	CanUse    = "CAN_USE"
	CanManage = "CAN_MANAGE"
)

// PermissionsAPI reads and (for admins) changes who may use tokens.
type PermissionsAPI interface {
	Grants(ctx context.Context) ([]Grant, error)
	// Grant adds level for p, keeping every other grant.
	Grant(ctx context.Context, p Principal, level string) error
	// Revoke removes p's direct grants, keeping every other grant.
	Revoke(ctx context.Context, p Principal) error
}
