package tokenview

import (
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

// PlanTable shows a plan's targets as a person confirms them: where,
// which token, and what signs in with it.
type PlanTable struct {
	Plan *tokens.Plan
	Now  time.Time
}

func (t PlanTable) Table() output.Table {
	cols := Columns{SignsIn: len(t.Plan.Credentials()) > 0}
	places := map[string]bool{}
	for _, tg := range t.Plan.Targets {
		places[tg.Place.String()] = true
		if tg.Token.Owner != nil {
			cols.CreatedBy = true
		}
	}
	cols.Profile = len(places) > 1
	for _, tg := range t.Plan.Targets {
		cols.Owner = cols.Owner || !tg.Token.OwnedByCreator()
	}
	tab := output.Table{Columns: cols.Header()}
	for _, tg := range t.Plan.Targets {
		tab.Rows = append(tab.Rows, cols.Row(tg.Place, tg.Token, tg.SignsIn, t.Now))
	}
	return tab
}
