package tokenview

import (
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

// ChangeTable shows a change plan as a person confirms it: where, what,
// and the value before and after.
type ChangeTable struct {
	Plan *tokens.ChangePlan
}

func (t ChangeTable) Table() output.Table {
	places := map[tokens.Place]bool{}
	for _, c := range t.Plan.Changes {
		places[c.Place] = true
	}
	multi := len(places) > 1
	cols := []output.Column{{Header: "CHANGE", Flex: true}, {Header: "FROM"}, {Header: "TO"}}
	if multi {
		cols = append([]output.Column{{Header: "PROFILE"}}, cols...)
	}
	tab := output.Table{Columns: cols}
	for _, c := range t.Plan.Changes {
		cells := []output.Cell{output.Text(c.Subject), output.Text(c.From), output.Text(c.To)}
		if multi {
			cells = append([]output.Cell{output.Text(c.Place.Profile)}, cells...)
		}
		style := output.Plain
		if c.Effect != "" {
			style = output.Warn
		}
		tab.Rows = append(tab.Rows, output.Row{Cells: cells, Style: style})
	}
	return tab
}
