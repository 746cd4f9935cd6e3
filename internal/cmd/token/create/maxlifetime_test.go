package create

import (
	"context"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
	"github.com/dbtok/dbtok/internal/workspace"
)

// A create over the workspace's maximum lifetime names the maximum and
// the --lifetime that works, reading the settings once, only then.
func TestCreateOverTheMaximumLifetime(t *testing.T) {
	e, fake := setup(t)
	policy := tokenstest.NewPolicy()
	policy.SetSettings(tokens.Settings{MaxLifetimeDays: 90, Enabled: true})
	deps := e.Deps()
	open := deps.Workspace
	deps.Workspace = func(p string) (*workspace.Workspace, error) {
		ws, err := open(p)
		if err == nil {
			ws.Settings = policy
		}
		return ws, err
	}
	fake.Fail(tokenstest.Create, &failure.APIError{Kind: failure.KindInvalid, Status: 400, Code: "INVALID_PARAMETER_VALUE",
		Message: "Token lifetime of 8640000 seconds exceeds the maximum token lifetime of 90 days (7776000 seconds) allowed in this workspace."})
	err := createRun(context.Background(), &Options{Deps: deps, Comment: "ci", LifetimeSeconds: 100 * 86400})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "error", err.Error(), "cannot create a token in profile DEFAULT ("+host+"): Token lifetime of 8640000 seconds exceeds", "(HTTP 400); the workspace allows at most 90 days: use --lifetime 90d")
	if c := policy.Calls(); len(c) != 1 || c[0] != tokenstest.GetSettings {
		t.Errorf("settings calls %q, want one read", c)
	}
}
