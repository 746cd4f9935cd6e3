package permissions

import (
	"fmt"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
)

// grantJSON is one grant, the documented JSON of `dbtok permissions`.
type grantJSON struct {
	*tokenview.WorkspaceJSON
	// PrincipalKind is user, group or service_principal.
	PrincipalKind string `json:"principal_kind"`
	// Name is the user name, group name or application ID.
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Level       string `json:"level"`
	Inherited   bool   `json:"inherited"`
}

func toJSON(p tokens.Place, g tokens.Grant, multi bool) grantJSON {
	j := grantJSON{
		PrincipalKind: string(g.Principal.Kind),
		Name:          g.Principal.Name,
		DisplayName:   g.DisplayName,
		Level:         g.Level,
		Inherited:     g.Inherited,
	}
	if multi {
		j.WorkspaceJSON = &tokenview.WorkspaceJSON{Profile: p.Profile, Host: p.Host}
	}
	return j
}

// kindText is a principal kind as people read it.
func kindText(k tokens.PrincipalKind) string {
	if k == tokens.ServicePrincipal {
		return "service principal"
	}
	return string(k)
}

// listed is what `dbtok permissions` prints: an array of grants.
type listed struct {
	rows  []grantJSON
	multi bool
	empty string
}

func (r listed) JSONValue() any { return r.rows }

func (r listed) Table() output.Table {
	cols := []output.Column{{Header: "KIND"}, {Header: "NAME"}, {Header: "DISPLAY NAME", Flex: true}, {Header: "LEVEL"}, {Header: "INHERITED"}}
	if r.multi {
		cols = append([]output.Column{{Header: "PROFILE"}}, cols...)
	}
	t := output.Table{Columns: cols, Empty: r.empty}
	for _, g := range r.rows {
		inherited := "no"
		if g.Inherited {
			inherited = "yes"
		}
		cells := []output.Cell{output.Text(kindText(tokens.PrincipalKind(g.PrincipalKind))), output.Text(g.Name), output.Text(g.DisplayName), output.Text(g.Level), output.Text(inherited)}
		if r.multi {
			cells = append([]output.Cell{output.Text(g.Profile)}, cells...)
		}
		t.Rows = append(t.Rows, output.Row{Cells: cells})
	}
	return t
}

// changeJSON is one workspace's grant or revocation, the documented JSON
// of `permissions grant|revoke`: levels are CAN_USE, CAN_MANAGE or null.
type changeJSON struct {
	Profile       string  `json:"profile"`
	Host          string  `json:"host"`
	PrincipalKind string  `json:"principal_kind"`
	Name          string  `json:"name"`
	OldLevel      *string `json:"old_level"`
	NewLevel      *string `json:"new_level"`
	Status        string  `json:"status"`
	Error         string  `json:"error,omitempty"`
	ErrorCode     string  `json:"error_code,omitempty"`
	// from and to are the levels as a person reads them.
	from, to string
	place    tokens.Place
}

func (c changeJSON) principal() tokens.Principal {
	return tokens.Principal{Kind: tokens.PrincipalKind(c.PrincipalKind), Name: c.Name}
}

// changeResult is what grant or revoke did, or would do with --dry-run.
type changeResult struct {
	DryRun  bool         `json:"dry_run"`
	Changes []changeJSON `json:"changes"`
	multi   bool
}

func (r changeResult) JSONValue() any {
	if r.Changes == nil {
		r.Changes = []changeJSON{}
	}
	return struct {
		DryRun  bool         `json:"dry_run"`
		Changes []changeJSON `json:"changes"`
	}{r.DryRun, r.Changes}
}

// Summary is one line per workspace; failures are on stderr.
func (r changeResult) Summary() []output.Field {
	var f []output.Field
	for _, c := range r.Changes {
		var cells []output.Cell
		where := " in " + c.place.String()
		switch {
		case c.Status == "changed" && c.NewLevel == nil:
			cells = []output.Cell{output.Text("✓").Styled(output.Good), output.Text(fmt.Sprintf("Revoked CAN_USE on tokens from %s%s", c.principal(), where))}
		case c.Status == "changed":
			cells = []output.Cell{output.Text("✓").Styled(output.Good), output.Text(fmt.Sprintf("Granted CAN_USE on tokens to %s%s", c.principal(), where))}
		case c.Status == "would_change" && c.NewLevel == nil:
			cells = []output.Cell{output.Text(fmt.Sprintf("Would revoke CAN_USE on tokens from %s%s", c.principal(), where))}
		case c.Status == "would_change":
			cells = []output.Cell{output.Text(fmt.Sprintf("Would grant CAN_USE on tokens to %s%s", c.principal(), where))}
		case c.Status == "unchanged":
			cells = []output.Cell{output.Text(fmt.Sprintf("%s already has %s on tokens in %s: nothing to change", capitalize(c.principal().String()), c.to, c.place))}
		default:
			continue
		}
		f = append(f, output.Field{Cells: cells})
	}
	return f
}

func (r changeResult) Table() output.Table {
	cols := []output.Column{{Header: "KIND"}, {Header: "NAME"}, {Header: "FROM"}, {Header: "TO"}, {Header: "STATUS"}, {Header: "DETAIL", Flex: true}}
	if r.multi {
		cols = append([]output.Column{{Header: "PROFILE"}}, cols...)
	}
	t := output.Table{Columns: cols}
	for _, c := range r.Changes {
		cells := []output.Cell{output.Text(kindText(tokens.PrincipalKind(c.PrincipalKind))), output.Text(c.Name), output.Text(c.from), output.Text(c.to), output.Text(c.Status), output.Text(c.Error)}
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

func (r changeResult) Notes(*output.Context) []string {
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
