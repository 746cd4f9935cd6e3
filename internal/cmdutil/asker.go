package cmdutil

import (
	"context"
	"time"

	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
)

// asker is a person at the controlling terminal, for the safety engine's
// confirm step: the plan is shown there as a table, whatever -o says, and
// the question is asked there even when stdout is piped.
type asker struct {
	io  *iostreams.IOStreams
	now func() time.Time
}

// NewAsker returns the terminal's asker.
func NewAsker(io *iostreams.IOStreams, now func() time.Time) tokens.Asker {
	return &asker{io: io, now: now}
}

// NewChangeAsker returns the terminal's asker for change plans (workspace
// settings and permissions): the same person, shown a table of changes
// rather than of tokens.
func NewChangeAsker(io *iostreams.IOStreams, now func() time.Time) tokens.ChangeAsker {
	return &asker{io: io, now: now}
}

func (a *asker) CanAsk() bool { return a.io.CanPrompt() }

func (a *asker) Confirm(ctx context.Context, question string) (bool, error) {
	return a.io.Confirm(ctx, output.Sanitize(question))
}

func (a *asker) ShowPlan(p *tokens.Plan) error {
	return a.show(tokenview.PlanTable{Plan: p, Now: a.now()})
}

// show prints v as a table on the terminal.
func (a *asker) show(v any) error {
	w, err := a.io.Terminal()
	if err != nil {
		return err
	}
	printer, err := output.NewPrinter(output.Choice{Format: "table"}, output.Context{
		TTY: true, Width: a.io.TerminalWidth(), Color: a.io.ColorEnabled(), Now: a.now(),
	}, w, w)
	if err != nil {
		return err
	}
	return printer.Print(context.Background(), v)
}

func (a *asker) ShowChanges(p *tokens.ChangePlan) error {
	return a.show(tokenview.ChangeTable{Plan: p})
}
