package rotate

import (
	"fmt"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
)

// rotatedJSON is one rotation as rotate prints it.
type rotatedJSON struct {
	*tokenview.WorkspaceJSON
	TokenValue      *string        `json:"token_value,omitempty"`
	TokenInfo       tokenview.JSON `json:"token_info"`
	OutFile         string         `json:"out_file,omitempty"`
	ConfigFile      string         `json:"config_file,omitempty"`
	UpdatedProfiles []string       `json:"updated_profiles,omitempty"`
	Replaces        []string       `json:"replaces"`
	KeptOld         bool           `json:"kept_old,omitempty"`

	profile string
	token   tokens.Token
}

// result is rotate's output: one object, or an array with several profiles.
type result struct {
	rows  []rotatedJSON
	multi bool
}

func newResult(opts *Options, js []*job, outFile string) result {
	r := result{multi: opts.Profiles != nil}
	for _, j := range js {
		x := rotatedJSON{
			TokenInfo: tokenview.ToJSON(j.created.Token),
			Replaces:  tokens.IDs(j.old),
			KeptOld:   opts.KeepOld,
			profile:   j.ws.Profile,
			token:     j.created.Token,
		}
		switch {
		case j.profiles != nil:
			x.ConfigFile, x.UpdatedProfiles = j.profiles.Path(), j.profiles.Names()
		case outFile != "":
			x.OutFile = outFile
		default:
			v := j.created.Value.Reveal()
			x.TokenValue = &v
		}
		if r.multi {
			x.WorkspaceJSON = &tokenview.WorkspaceJSON{Profile: j.ws.Profile, Host: j.ws.Host}
		}
		r.rows = append(r.rows, x)
	}
	return r
}

func (r result) JSONValue() any {
	if r.multi {
		return r.rows
	}
	return r.rows[0]
}

func (r result) Summary() []output.Field {
	var f []output.Field
	for i, x := range r.rows {
		if i > 0 {
			f = append(f, output.Field{})
		}
		if r.multi {
			f = append(f, output.F("Profile:", output.Text(x.profile)))
		}
		f = append(f, tokenview.Summary(x.token)...)
		label := "Replaces:"
		if x.KeptOld {
			label = "Old:"
		}
		f = append(f, output.F(label, output.Text(strings.Join(x.Replaces, ", "))))
		switch {
		case x.ConfigFile != "":
			f = append(f, output.F("Saved to:", output.Text(fmt.Sprintf("profile %s in %s", strings.Join(x.UpdatedProfiles, ", "), x.ConfigFile))))
		case x.OutFile != "":
			f = append(f, output.F("Saved to:", output.Text(x.OutFile+" (mode 0600)")))
		default:
			f = append(f, output.F("Token:", output.Text(*x.TokenValue)))
		}
	}
	return f
}

func (r result) Table() output.Table {
	cols := []output.Column{{Header: "PROFILE"}, {Header: "NEW ID"}, {Header: "COMMENT", Flex: true}, {Header: "EXPIRES"}, {Header: "REPLACES"}, {Header: "DELIVERED TO", Flex: true}}
	t := output.Table{Columns: cols}
	for _, x := range r.rows {
		dest := ""
		switch {
		case x.ConfigFile != "":
			dest = "profile " + strings.Join(x.UpdatedProfiles, ", ")
		case x.OutFile != "":
			dest = x.OutFile
		default:
			dest = *x.TokenValue
		}
		t.Rows = append(t.Rows, output.Row{Cells: []output.Cell{
			output.Text(x.profile), output.ID(x.token.ID), output.Text(x.token.Comment),
			output.Expiry(x.token.ExpiryOrZero()), output.Text(strings.Join(x.Replaces, ", ")), output.Text(dest),
		}})
	}
	return t
}

func (r result) Notes(c *output.Context) []string {
	for _, x := range r.rows {
		if x.TokenValue != nil && c.TTY {
			return []string{"! Copy the new token now: it cannot be shown again."}
		}
	}
	return nil
}

// planJSON is one workspace's part of a dry run.
type planJSON struct {
	*tokenview.WorkspaceJSON
	Replaces           []tokenview.RowJSON `json:"replaces"`
	NewComment         string              `json:"new_comment"`
	NewLifetimeSeconds *int64              `json:"new_lifetime_seconds"`
	NewScopes          []string            `json:"new_scopes"`
	NewAutoscope       bool                `json:"new_autoscope"`
	UpdateProfiles     []string            `json:"update_profiles,omitempty"`
	KeepOld            bool                `json:"keep_old,omitempty"`

	place tokens.Place
	old   []tokens.Token
}

// dryRun is the plan, shown and not applied.
type dryRun struct {
	DryRun       bool       `json:"dry_run"`
	WouldReplace []planJSON `json:"would_replace"`
	multi        bool
	now          time.Time
}

func newDryRun(opts *Options, js []*job) dryRun {
	d := dryRun{DryRun: true, WouldReplace: []planJSON{}, multi: opts.Profiles != nil, now: opts.Now()}
	for _, j := range js {
		p := planJSON{NewComment: j.comment, UpdateProfiles: j.holders, KeepOld: opts.KeepOld, place: j.ws.Place, old: j.old,
			NewScopes: append([]string{}, j.scopes...), NewAutoscope: j.autoscope}
		if j.lifetime > 0 {
			l := j.lifetime
			p.NewLifetimeSeconds = &l
		}
		for _, t := range j.old {
			p.Replaces = append(p.Replaces, tokenview.Row(t, nil, d.now))
		}
		if d.multi {
			p.WorkspaceJSON = &tokenview.WorkspaceJSON{Profile: j.ws.Profile, Host: j.ws.Host}
		}
		d.WouldReplace = append(d.WouldReplace, p)
	}
	return d
}

func (d dryRun) Table() output.Table {
	cols := tokenview.Columns{Profile: d.multi}
	header := append(cols.Header(), output.Column{Header: "NEW LIFETIME"}, output.Column{Header: "UPDATES", Flex: true})
	t := output.Table{Columns: header}
	for _, p := range d.WouldReplace {
		life := "workspace default"
		if p.NewLifetimeSeconds != nil {
			life = output.Span(time.Duration(*p.NewLifetimeSeconds) * time.Second)
		}
		for _, old := range p.old {
			row := cols.Row(p.place, old, nil, d.now)
			row.Cells = append(row.Cells, output.Text(life), output.Join(", ", p.UpdateProfiles))
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

func (d dryRun) Notes(*output.Context) []string {
	n := 0
	for _, p := range d.WouldReplace {
		n += len(p.old)
	}
	verb := "would be replaced"
	if len(d.WouldReplace) > 0 && d.WouldReplace[0].KeepOld {
		verb = "would get a successor (--keep-old)"
	}
	return []string{fmt.Sprintf("%s %s (dry run: nothing was changed).", output.Count(n, "token"), verb)}
}

// Table numbers the tokens a person picks from.
func (p pickList) Table() output.Table {
	t := output.Table{Columns: []output.Column{{Header: "#"}, {Header: "ID"}, {Header: "COMMENT", Flex: true}, {Header: "CREATED"}, {Header: "EXPIRES"}}}
	for i, tok := range p.tokens {
		t.Rows = append(t.Rows, output.Row{Cells: []output.Cell{
			output.Text(fmt.Sprintf("%d)", i+1)), output.ID(tok.ID), output.Text(tok.Comment),
			output.Time(tok.Created()), output.Expiry(tok.ExpiryOrZero()),
		}})
	}
	return t
}
