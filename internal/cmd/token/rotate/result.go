package rotate

import (
	"fmt"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokenview"
)

// rotatedJSON is one rotation as rotate prints it, or (rotated false) a
// conditional rotation that found the token not due.
type rotatedJSON struct {
	*tokenview.WorkspaceJSON
	Rotated         bool                   `json:"rotated"`
	Reason          string                 `json:"reason,omitempty"`
	TokenValue      *string                `json:"token_value,omitempty"`
	TokenInfo       *tokenview.CreatedJSON `json:"token_info,omitempty"`
	OutFile         string                 `json:"out_file,omitempty"`
	ConfigFile      string                 `json:"config_file,omitempty"`
	UpdatedProfiles []string               `json:"updated_profiles,omitempty"`
	DeliveredTo     []delivery.Target      `json:"delivered_to,omitempty"`
	Replaces        []string               `json:"replaces,omitempty"`
	// Current are the tokens a rotation that was not due left in place.
	Current []tokenview.JSON `json:"current,omitempty"`
	KeptOld bool             `json:"kept_old,omitempty"`

	profile string
	token   tokens.Token
}

// result is rotate's output: one object, or an array with several profiles.
type result struct {
	rows  []rotatedJSON
	multi bool
}

// newResult describes the jobs rotated (and those not due); printed says
// whether the new values are part of the output.
func newResult(opts *Options, js []*job, printed bool) result {
	r := result{multi: opts.Profiles != nil}
	for _, j := range js {
		x := rotatedJSON{profile: j.ws.Profile}
		if r.multi {
			x.WorkspaceJSON = &tokenview.WorkspaceJSON{Profile: j.ws.Profile, Host: j.ws.Host}
		}
		if j.created == nil {
			x.Reason = j.notDue
			for _, t := range j.old {
				x.Current = append(x.Current, tokenview.ToJSON(t))
			}
			r.rows = append(r.rows, x)
			continue
		}
		info := tokenview.Created(j.created.Token)
		x.Rotated, x.TokenInfo, x.token = true, &info, j.created.Token
		x.Replaces, x.KeptOld = tokens.IDs(j.old), opts.KeepOld
		x.DeliveredTo = delivery.Targets(j.dests)
		for _, d := range j.dests {
			switch d := d.(type) {
			case *delivery.File:
				x.OutFile = d.Path()
			case *delivery.Profiles:
				x.ConfigFile, x.UpdatedProfiles = d.Path(), d.Names()
			}
		}
		if printed {
			v := j.created.Value.Reveal()
			x.TokenValue = &v
			x.DeliveredTo = append(x.DeliveredTo, delivery.StdoutTarget)
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
		if !x.Rotated {
			f = append(f, output.F("Not rotated:", output.Text(x.Reason)))
			continue
		}
		f = append(f, tokenview.Summary(x.token)...)
		label := "Replaces:"
		if x.KeptOld {
			label = "Old:"
		}
		f = append(f, output.F(label, output.Text(strings.Join(x.Replaces, ", "))))
		f = append(f, tokenview.DeliveryFields(x.DeliveredTo, x.TokenValue)...)
	}
	return f
}

func (r result) Table() output.Table {
	cols := []output.Column{{Header: "PROFILE"}, {Header: "ROTATED"}, {Header: "NEW ID"}, {Header: "COMMENT", Flex: true}, {Header: "EXPIRES"}, {Header: "REPLACES"}, {Header: "DELIVERED TO", Flex: true}}
	t := output.Table{Columns: cols}
	for _, x := range r.rows {
		if !x.Rotated {
			t.Rows = append(t.Rows, output.Row{Cells: []output.Cell{
				output.Text(x.profile), output.Text("no"), output.Text(""), output.Text(""), output.Text(""), output.Text(""), output.Text(x.Reason),
			}})
			continue
		}
		dest := tokenview.Destinations(x.DeliveredTo)
		if x.TokenValue != nil {
			dest = strings.TrimPrefix(dest+", "+*x.TokenValue, ", ")
		}
		t.Rows = append(t.Rows, output.Row{Cells: []output.Cell{
			output.Text(x.profile), output.Text("yes"), output.ID(x.token.ID), output.Text(x.token.Comment),
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
	// NewOwner is the service principal (application ID) the new
	// on-behalf-of token is for (--all-users).
	NewOwner       *string  `json:"new_owner,omitempty"`
	UpdateProfiles []string `json:"update_profiles,omitempty"`
	KeepOld        bool     `json:"keep_old,omitempty"`

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
		if j.owner != nil {
			o := j.owner.Name
			p.NewOwner = &o
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
	for _, p := range d.WouldReplace {
		// A service principal's tokens (--all-users): whose they are.
		if p.NewOwner != nil {
			cols.CreatedBy, cols.Owner = true, true
		}
	}
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
