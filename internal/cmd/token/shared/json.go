package shared

import (
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
)

// WorkspaceJSON names the workspace a token lives in; it is added to each
// object when a command works on several profiles.
type WorkspaceJSON struct {
	Profile string `json:"profile"`
	Host    string `json:"host"`
}

// OwnerJSON is what admins see about a token's owner (--all-users).
type OwnerJSON struct {
	CreatedByID       int64   `json:"created_by_id"`
	CreatedByUsername string  `json:"created_by_username"`
	OwnerID           int64   `json:"owner_id"`
	LastUsedDay       int64   `json:"last_used_day"`
	LastUsedAt        *string `json:"last_used_at"`
}

// RowJSON is a token as list prints it: the token, and the workspace and
// owner parts when the command's mode includes them.
type RowJSON struct {
	*WorkspaceJSON
	TokenJSON
	*OwnerJSON
}

// Row renders t; ws is nil in single-workspace mode.
func Row(t tokens.Token, ws *workspace.Workspace) RowJSON {
	r := RowJSON{TokenJSON: ToJSON(t)}
	if ws != nil {
		r.WorkspaceJSON = &WorkspaceJSON{Profile: ws.Profile, Host: ws.Host}
	}
	if o := t.Owner; o != nil {
		r.OwnerJSON = &OwnerJSON{
			CreatedByID:       o.CreatedByID,
			CreatedByUsername: o.CreatedByUsername,
			OwnerID:           o.OwnerID,
			LastUsedDay:       o.LastUsedDay,
		}
		if o.LastUsedDay > 0 {
			s := time.UnixMilli(o.LastUsedDay).UTC().Format(time.DateOnly)
			r.OwnerJSON.LastUsedAt = &s
		}
	}
	return r
}

// LastUsedCell is the day a token was last used, for admin tables.
func LastUsedCell(now time.Time, t tokens.Token, tty bool) string {
	if t.Owner == nil || t.Owner.LastUsedDay <= 0 {
		return "never"
	}
	day := time.UnixMilli(t.Owner.LastUsedDay).UTC()
	if !tty {
		return day.Format(time.DateOnly)
	}
	if now.Sub(day) < 24*time.Hour {
		return "today"
	}
	return output.Relative(now, day)
}
