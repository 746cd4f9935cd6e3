package settings

import (
	"fmt"
	"strconv"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

// settingsJSON is a workspace's token settings, the documented JSON:
// max_token_lifetime_days is null when the workspace sets no maximum.
type settingsJSON struct {
	Profile              string `json:"profile"`
	Host                 string `json:"host"`
	MaxTokenLifetimeDays *int   `json:"max_token_lifetime_days"`
	TokensEnabled        bool   `json:"tokens_enabled"`
}

func toJSON(p tokens.Place, s tokens.Settings) settingsJSON {
	j := settingsJSON{Profile: p.Profile, Host: p.Host, TokensEnabled: s.Enabled}
	if s.MaxLifetimeDays > 0 {
		d := s.MaxLifetimeDays
		j.MaxTokenLifetimeDays = &d
	}
	return j
}

func (j settingsJSON) days() int {
	if j.MaxTokenLifetimeDays == nil {
		return 0
	}
	return *j.MaxTokenLifetimeDays
}

// lifetimeText is the maximum as a person reads it.
func lifetimeText(days int) string {
	if days <= 0 {
		return fmt.Sprintf("no maximum (new tokens may live up to %s)", tokens.DescribeDays(tokens.PlatformMaxLifetimeDays))
	}
	return "at most " + tokens.DescribeDays(days) + " for new tokens"
}

// one is what `dbtok settings` prints for one workspace: an object, and
// a few labelled lines for people.
type one struct{ settingsJSON }

func (r one) JSONValue() any { return r.settingsJSON }

func (r one) Summary() []output.Field {
	j := r.settingsJSON
	tokensCell := output.Text(tokens.DescribeEnabled(j.TokensEnabled))
	if !j.TokensEnabled {
		tokensCell = output.Text("disabled: no personal access token works in this workspace").Styled(output.Warn)
	}
	return []output.Field{
		output.F("Workspace:", output.Text(tokens.Place{Profile: j.Profile, Host: j.Host}.String())),
		output.F("Lifetime:", output.Text(lifetimeText(j.days()))),
		output.F("Tokens:", tokensCell),
	}
}

// Table is for CSV: the same columns as for several workspaces.
func (r one) Table() output.Table { return several{rows: []settingsJSON{r.settingsJSON}}.Table() }

// several is what `dbtok settings` prints for several workspaces: an
// array, and a table with a PROFILE column.
type several struct{ rows []settingsJSON }

func (r several) JSONValue() any {
	if r.rows == nil {
		return []settingsJSON{}
	}
	return r.rows
}

func (r several) Table() output.Table {
	t := output.Table{
		Columns: []output.Column{{Header: "PROFILE"}, {Header: "HOST", Flex: true}, {Header: "MAX LIFETIME"}, {Header: "TOKENS"}},
		Empty:   "No workspace could be read.",
	}
	for _, j := range r.rows {
		row := output.Row{Cells: []output.Cell{
			output.Text(j.Profile), output.Text(j.Host), output.Text(maxCell(j.days())), output.Text(tokens.DescribeEnabled(j.TokensEnabled)),
		}}
		if !j.TokensEnabled {
			row.Style = output.Warn
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// maxCell is the table's maximum: a number of days, or none.
func maxCell(days int) string {
	if days <= 0 {
		return "none"
	}
	return strconv.Itoa(days) + "d"
}

// changeJSON is one workspace's change, the documented JSON of `settings
// set`: old and new are a number of days (null for no maximum) for
// max_token_lifetime_days, true or false for tokens_enabled.
type changeJSON struct {
	Profile   string `json:"profile"`
	Host      string `json:"host"`
	Setting   string `json:"setting"`
	Old       any    `json:"old"`
	New       any    `json:"new"`
	Status    string `json:"status"`
	Error     string `json:"error,omitempty"`
	ErrorCode string `json:"error_code,omitempty"`
	// from and to are old and new as a person reads them.
	from, to string
	place    tokens.Place
}

// setResult is what `settings set` did, or would do with --dry-run.
type setResult struct {
	DryRun  bool         `json:"dry_run"`
	Changes []changeJSON `json:"changes"`
	multi   bool
}

func (r setResult) JSONValue() any {
	if r.Changes == nil {
		r.Changes = []changeJSON{}
	}
	return struct {
		DryRun  bool         `json:"dry_run"`
		Changes []changeJSON `json:"changes"`
	}{r.DryRun, r.Changes}
}

// Summary is one line per workspace; failures are on stderr.
func (r setResult) Summary() []output.Field {
	var f []output.Field
	for _, c := range r.Changes {
		var cells []output.Cell
		if c.Setting == "tokens_enabled" {
			onOff := map[bool]string{true: "on", false: "off"}[c.New == true]
			switch c.Status {
			case "changed":
				cells = []output.Cell{output.Text("✓").Styled(output.Good), output.Text(fmt.Sprintf("Turned personal access tokens %s in %s", onOff, c.place))}
			case "would_change":
				cells = []output.Cell{output.Text(fmt.Sprintf("Would turn personal access tokens %s in %s", onOff, c.place))}
			case "unchanged":
				cells = []output.Cell{output.Text(fmt.Sprintf("Personal access tokens are already %s in %s: nothing to change", onOff, c.place))}
			default:
				continue
			}
			f = append(f, output.Field{Cells: cells})
			continue
		}
		switch c.Status {
		case "changed":
			cells = []output.Cell{output.Text("✓").Styled(output.Good), output.Text(fmt.Sprintf("Changed the maximum token lifetime from %s to %s in %s", c.from, c.to, c.place))}
		case "would_change":
			cells = []output.Cell{output.Text(fmt.Sprintf("Would change the maximum token lifetime from %s to %s in %s", c.from, c.to, c.place))}
		case "unchanged":
			cells = []output.Cell{output.Text(fmt.Sprintf("The maximum token lifetime is already %s in %s: nothing to change", c.to, c.place))}
		default:
			continue
		}
		f = append(f, output.Field{Cells: cells})
	}
	return f
}

func (r setResult) Table() output.Table {
	cols := []output.Column{{Header: "SETTING"}, {Header: "FROM"}, {Header: "TO"}, {Header: "STATUS"}, {Header: "DETAIL", Flex: true}}
	if r.multi {
		cols = append([]output.Column{{Header: "PROFILE"}}, cols...)
	}
	t := output.Table{Columns: cols}
	for _, c := range r.Changes {
		cells := []output.Cell{output.Text(c.Setting), output.Text(c.from), output.Text(c.to), output.Text(c.Status), output.Text(c.Error)}
		if r.multi {
			cells = append([]output.Cell{output.Text(c.Profile)}, cells...)
		}
		row := output.Row{Cells: cells}
		switch c.Status {
		case "changed":
			row.Style = output.Good
		case "failed":
			row.Style = output.Bad
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func (r setResult) Notes(*output.Context) []string {
	if !r.DryRun {
		return nil
	}
	n := 0
	for _, c := range r.Changes {
		if c.Status == "would_change" {
			n++
		}
	}
	return []string{output.Count(n, "change") + " would be made (dry run: nothing was changed)."}
}
