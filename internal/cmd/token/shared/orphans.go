package shared

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
)

// clockSkew allows for the workspace's clock being a little behind ours.
const clockSkew = 5 * time.Second

// MaybeCreated explains a create that failed after reaching the server: it
// lists the workspace again and names the tokens with that comment made
// since the attempt began (not those in known), so the user can revoke the
// orphan and nothing else. It uses its own short deadline: the command's
// may be why the create failed (a timeout, Ctrl-C). A token made for a
// service principal is its, not the caller's: allUsers looks through the
// Token Management API.
func MaybeCreated(ws *workspace.Workspace, comment string, started time.Time, known []string, timeout time.Duration, allUsers bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), min(timeout, 5*time.Second))
	defer cancel()
	list, err := ws.Tokens.List(ctx)
	revoke := "dbtok revoke"
	if allUsers {
		list, err = ws.Tokens.ListAll(ctx, tokens.ListAllRequest{})
		revoke = "dbtok revoke --all-users"
	}
	if err != nil {
		return fmt.Sprintf("the token may have been created anyway: look for comment %q created after %s in `dbtok list%s` and revoke it",
			comment, started.UTC().Format("15:04:05 UTC"), ProfileFlag(ws))
	}
	skip := map[string]bool{}
	for _, id := range known {
		skip[id] = true
	}
	var found []string
	for _, t := range list {
		if t.Comment == comment && !skip[t.ID] && !t.Created().Before(started.Add(-clockSkew)) {
			found = append(found, t.ID)
		}
	}
	switch len(found) {
	case 0:
		return fmt.Sprintf("no token with comment %q appeared since, so none was left behind", comment)
	case 1:
		return fmt.Sprintf("the server created it anyway, as token %s, which you never received: revoke it with `%s %s%s`", found[0], revoke, found[0], ProfileFlag(ws))
	}
	return fmt.Sprintf("tokens %s with comment %q appeared since, which you never received: revoke them with `%s %s%s`",
		strings.Join(found, ", "), comment, revoke, strings.Join(found, " "), ProfileFlag(ws))
}

// ProfileFlag is " -p NAME" for advice that names a command to run.
func ProfileFlag(ws *workspace.Workspace) string {
	if ws.Profile == "" {
		return ""
	}
	return " -p " + ws.Profile
}

// IDs lists the tokens' IDs.
func IDs(list []tokens.Token) []string {
	out := make([]string, len(list))
	for i, t := range list {
		out[i] = t.ID
	}
	return out
}
