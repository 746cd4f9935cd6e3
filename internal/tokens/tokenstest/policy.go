package tokenstest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// Policy is an in-memory workspace policy: its token settings (a
// tokens.SettingsAPI) and who may use tokens (a tokens.PermissionsAPI),
// as a new workspace has them until a test changes them: no maximum
// lifetime, tokens enabled, admins CAN_MANAGE and users CAN_USE.
type Policy struct {
	mu       sync.Mutex
	settings tokens.Settings
	grants   []tokens.Grant
	fail     map[string]error
	calls    []string
	// NotAdmin answers changes, and reading the grants, with a 403, as a
	// workspace answers a caller who is not a workspace admin.
	NotAdmin bool
}

// NewPolicy returns a policy with a new workspace's defaults.
func NewPolicy() *Policy {
	return &Policy{
		settings: tokens.Settings{Enabled: true},
		grants: []tokens.Grant{
			{Principal: tokens.Principal{Kind: tokens.Group, Name: tokens.AdminsGroup}, Level: tokens.CanManage},
			{Principal: tokens.Principal{Kind: tokens.Group, Name: tokens.UsersGroup}, Level: tokens.CanUse},
		},
		fail: map[string]error{},
	}
}

// Policy method names, for injected errors and call records.
const (
	GetSettings    = "Settings"
	SetMaxLifetime = "SetMaxLifetimeDays"
	SetEnabled     = "SetEnabled"
	GetGrants      = "Grants"
	Grant          = "Grant"
	RevokeGrant    = "Revoke"
)

// SetSettings replaces the settings, as an admin elsewhere would.
func (p *Policy) SetSettings(s tokens.Settings) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.settings = s
}

// Current is the settings as they are now.
func (p *Policy) Current() tokens.Settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.settings
}

// SetGrants replaces every grant.
func (p *Policy) SetGrants(g ...tokens.Grant) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.grants = slices.Clone(g)
}

// CurrentGrants is the grants as they are now.
func (p *Policy) CurrentGrants() []tokens.Grant {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.grants)
}

// Fail makes every call of method fail with err (nil clears it).
func (p *Policy) Fail(method string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail[method] = err
}

// Calls are the methods called, in order.
func (p *Policy) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// begin records a call and returns its injected failure.
func (p *Policy) begin(ctx context.Context, method string, adminOnly bool) error {
	p.calls = append(p.calls, method)
	if err := ctx.Err(); err != nil {
		return failure.Interrupted(err)
	}
	if err := p.fail[method]; err != nil {
		return err
	}
	if adminOnly && p.NotAdmin {
		return PermissionDenied()
	}
	return nil
}

func (p *Policy) Settings(ctx context.Context) (tokens.Settings, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, GetSettings, false); err != nil {
		return tokens.Settings{}, err
	}
	return p.settings, nil
}

func (p *Policy) SetMaxLifetimeDays(ctx context.Context, days int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, SetMaxLifetime, true); err != nil {
		return err
	}
	if days < 0 || days > tokens.PlatformMaxLifetimeDays {
		return &failure.APIError{Kind: failure.KindInvalid, Status: 400, Code: "INVALID_PARAMETER_VALUE", Message: fmt.Sprintf("maxTokenLifetimeDays must be from 0 to 730, not %d", days)}
	}
	p.settings.MaxLifetimeDays = days
	return nil
}

func (p *Policy) SetEnabled(ctx context.Context, enabled bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, SetEnabled, true); err != nil {
		return err
	}
	p.settings.Enabled = enabled
	return nil
}

func (p *Policy) Grants(ctx context.Context) ([]tokens.Grant, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, GetGrants, true); err != nil {
		return nil, err
	}
	return slices.Clone(p.grants), nil
}

func (p *Policy) Grant(ctx context.Context, pr tokens.Principal, level string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, Grant, true); err != nil {
		return err
	}
	for i, g := range p.grants {
		if g.Principal == pr && !g.Inherited {
			p.grants[i].Level = level
			return nil
		}
	}
	p.grants = append(p.grants, tokens.Grant{Principal: pr, DisplayName: pr.Name, Level: level})
	return nil
}

func (p *Policy) Revoke(ctx context.Context, pr tokens.Principal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.begin(ctx, RevokeGrant, true); err != nil {
		return err
	}
	p.grants = slices.DeleteFunc(p.grants, func(g tokens.Grant) bool { return g.Principal == pr && !g.Inherited })
	return nil
}
