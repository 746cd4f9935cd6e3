package tokenview

import (
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

// NewDetail is how one token is shown in full, which signsIn sign in with.
func NewDetail(t tokens.Token, signsIn []string, now time.Time) Detail {
	return Detail{RowJSON: Row(t, nil, now), SignsIn: nonNil(signsIn), token: t, now: now}
}

// Detail is one token in full, for view and update: its JSON object, and
// what signs in with it.
type Detail struct {
	RowJSON
	SignsIn []string `json:"signs_in"`
	token   tokens.Token
	now     time.Time
}

func (r Detail) Summary() []output.Field {
	t := r.token
	f := []output.Field{
		output.F("Token ID:", output.Text(t.ID)),
		output.F("Comment:", output.Text(t.Comment)),
		output.F("Created:", output.Stamp(t.Created())),
		output.F("Expires:", output.Stamp(t.ExpiryOrZero())),
	}
	if r.Expired {
		f[3].Cells = append(f[3].Cells, output.Text("(expired: it no longer works)").Styled(output.Bad))
	}
	scopes := "all APIs"
	if len(t.Scopes) > 0 {
		scopes = strings.Join(t.Scopes, ", ")
	}
	f = append(f, output.F("Scopes:", output.Text(scopes)))
	if t.AutoscopeState != "" {
		f = append(f, output.F("Autoscope:", output.Text(strings.ToLower(strings.TrimPrefix(t.AutoscopeState, "AUTOSCOPE_STATE_")))))
		if len(t.InferredScopes) > 0 {
			f = append(f, output.F("Inferred:", output.Text(strings.Join(t.InferredScopes, ", "))))
		}
	}
	if t.Owner != nil {
		f = append(f, output.F("Creator:", output.Text(t.Owner.CreatedByUsername)))
		if !t.OwnedByCreator() {
			f = append(f, output.F("Owner:", output.Text(ownerLong(t))))
		}
		day, _ := t.LastUsed()
		f = append(f, output.F("Last used:", output.Day(day)))
		if at, ok := t.UnusedRevocation(); ok {
			f = append(f, output.Field{Label: "Unused by:", Cells: []output.Cell{output.Stamp(at), output.Text("(revoked then by the 90-day rule unless used)")}})
		}
	}
	if len(r.SignsIn) > 0 {
		f = append(f, output.F("Signs in:", output.Text(tokens.DescribeSigners(r.SignsIn))))
	}
	return f
}

func (r Detail) Table() output.Table {
	cols := Columns{CreatedBy: r.token.Owner != nil, Owner: !r.token.OwnedByCreator(), LastUsed: r.token.Owner != nil, Scopes: true, SignsIn: true}
	return output.Table{Columns: cols.Header(), Rows: []output.Row{cols.Row(tokens.Place{}, r.token, r.SignsIn, r.now)}}
}
