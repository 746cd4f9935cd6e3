package revoke

import (
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
)

type revokedJSON struct {
	*tokenview.WorkspaceJSON
	TokenID string  `json:"token_id"`
	Comment *string `json:"comment,omitempty"`
	place   tokens.Place
}

// failedJSON is a token that could not be revoked, or (token_id null) a
// workspace that could not be listed.
type failedJSON struct {
	*tokenview.WorkspaceJSON
	TokenID   *string `json:"token_id"`
	Error     string  `json:"error"`
	ErrorCode string  `json:"error_code,omitempty"`
	ExitCode  int     `json:"exit_code"`
}

// skippedJSON is a token the plan left out, and why ("expired").
type skippedJSON struct {
	*tokenview.WorkspaceJSON
	TokenID string  `json:"token_id"`
	Comment *string `json:"comment,omitempty"`
	Reason  string  `json:"reason"`
}

// result is what revoke did: {"revoked": [...], "failed": [...]}, and
// "skipped" when expired tokens were left alone.
type result struct {
	Revoked []revokedJSON `json:"revoked"`
	Failed  []failedJSON  `json:"failed"`
	Skipped []skippedJSON `json:"skipped,omitempty"`
	multi   bool
}

func workspaceJSON(p tokens.Place, multi bool) *tokenview.WorkspaceJSON {
	if !multi {
		return nil
	}
	return &tokenview.WorkspaceJSON{Profile: p.Profile, Host: p.Host}
}

// Summary is one "✓ Revoked ID (comment) in profile" line per token;
// failures are on stderr.
func (r result) Summary() []output.Field {
	var f []output.Field
	for _, x := range r.Revoked {
		cells := []output.Cell{output.Text("✓").Styled(output.Good), output.Text("Revoked"), output.ID(x.TokenID)}
		if x.Comment != nil && *x.Comment != "" {
			cells = append(cells, output.Text("("+*x.Comment+")"))
		}
		if r.multi {
			cells = append(cells, output.Text("in "+x.place.Profile))
		}
		f = append(f, output.Field{Cells: cells})
	}
	return f
}

func (r result) Table() output.Table {
	cols := []output.Column{{Header: "STATUS"}, {Header: "ID"}, {Header: "DETAIL", Flex: true}}
	if r.multi {
		cols = append([]output.Column{{Header: "PROFILE"}}, cols...)
	}
	t := output.Table{Columns: cols}
	add := func(p *tokenview.WorkspaceJSON, status string, style output.Style, id, detail string) {
		cells := []output.Cell{output.Text(status), output.ID(id), output.Text(detail)}
		if r.multi {
			cells = append([]output.Cell{output.Text(p.Profile)}, cells...)
		}
		t.Rows = append(t.Rows, output.Row{Cells: cells, Style: style})
	}
	for _, x := range r.Revoked {
		c := ""
		if x.Comment != nil {
			c = *x.Comment
		}
		add(x.WorkspaceJSON, "revoked", output.Good, x.TokenID, c)
	}
	for _, x := range r.Failed {
		id := ""
		if x.TokenID != nil {
			id = *x.TokenID
		}
		add(x.WorkspaceJSON, "failed", output.Bad, id, x.Error)
	}
	return t
}

// dryRun is the plan, shown and not applied: {"dry_run": true, "would_revoke": [...]}.
type dryRun struct {
	DryRun      bool                `json:"dry_run"`
	WouldRevoke []tokenview.RowJSON `json:"would_revoke"`
	// Failed are the workspaces that could not be listed (several
	// profiles only).
	Failed []failedJSON `json:"failed,omitempty"`
	plan   *tokens.Plan
	multi  bool
	now    time.Time
}

func newDryRun(p *tokens.Plan, multi bool, now time.Time) dryRun {
	d := dryRun{DryRun: true, WouldRevoke: []tokenview.RowJSON{}, plan: p, multi: multi, now: now}
	for _, t := range p.Targets {
		var place *tokens.Place
		if multi {
			place = &t.Place
		}
		d.WouldRevoke = append(d.WouldRevoke, tokenview.Row(t.Token, place, now))
	}
	return d
}

func (d dryRun) JSONValue() any {
	if d.WouldRevoke == nil {
		d.WouldRevoke = []tokenview.RowJSON{}
	}
	return struct {
		DryRun      bool                `json:"dry_run"`
		WouldRevoke []tokenview.RowJSON `json:"would_revoke"`
	}{d.DryRun, d.WouldRevoke}
}

func (d dryRun) Table() output.Table {
	if d.plan == nil {
		return output.Table{}
	}
	cols := tokenview.Columns{Profile: d.multi, SignsIn: len(d.plan.Credentials()) > 0}
	t := output.Table{Columns: cols.Header()}
	for _, tg := range d.plan.Targets {
		if tg.Token.Owner != nil {
			cols.CreatedBy = true
		}
		cols.Owner = cols.Owner || !tg.Token.OwnedByCreator()
	}
	t.Columns = cols.Header()
	for _, tg := range d.plan.Targets {
		t.Rows = append(t.Rows, cols.Row(tg.Place, tg.Token, tg.SignsIn, d.now))
	}
	return t
}

func (d dryRun) Notes(*output.Context) []string {
	if d.plan == nil {
		return nil
	}
	return []string{output.Count(len(d.plan.Targets), "token") + " would be revoked (dry run: nothing was changed)."}
}
