// Package tokenview is how a token looks in output: its stable JSON object
// (the documented contract) and its table columns and cells.
package tokenview

import (
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

// JSON is the documented JSON shape of a token. Field names follow the
// API; created_at/expires_at add RFC 3339 times for people and jq.
type JSON struct {
	TokenID      string  `json:"token_id"`
	Comment      string  `json:"comment"`
	CreationTime int64   `json:"creation_time"`
	ExpiryTime   int64   `json:"expiry_time"`
	CreatedAt    string  `json:"created_at"`
	ExpiresAt    *string `json:"expires_at"`
	// Scopes are the APIs the token may call, [] for every API;
	// autoscope_state and inferred_scopes say what autoscope observed.
	Scopes         []string `json:"scopes"`
	AutoscopeState *string  `json:"autoscope_state"`
	InferredScopes []string `json:"inferred_scopes"`
}

// ToJSON renders t; expiry_time is -1 and expires_at null when it never expires.
func ToJSON(t tokens.Token) JSON {
	j := JSON{
		TokenID:      t.ID,
		Comment:      t.Comment,
		CreationTime: t.CreationTime,
		ExpiryTime:   -1,
		CreatedAt:    output.Timestamp(t.Created()),
	}
	if exp, ok := t.Expires(); ok {
		j.ExpiryTime = t.ExpiryTime
		s := output.Timestamp(exp)
		j.ExpiresAt = &s
	}
	j.Scopes = nonNil(t.Scopes)
	j.InferredScopes = nonNil(t.InferredScopes)
	if t.AutoscopeState != "" {
		s := t.AutoscopeState
		j.AutoscopeState = &s
	}
	return j
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WorkspaceJSON names the workspace a token lives in; it is added to each
// object when a command works on several profiles.
type WorkspaceJSON struct {
	Profile string `json:"profile"`
	Host    string `json:"host"`
}

// OwnershipJSON is who created and who owns a token, as admins see it
// (--all-users) and as an on-behalf-of token is created.
type OwnershipJSON struct {
	CreatedByID       int64  `json:"created_by_id"`
	CreatedByUsername string `json:"created_by_username"`
	OwnerID           int64  `json:"owner_id"`
	// Owner is the owner's user name, or a service principal's
	// application ID; null when the directory could not name it.
	// OwnerDisplayName is a service principal's display name.
	Owner            *string `json:"owner"`
	OwnerDisplayName *string `json:"owner_display_name"`
}

// Ownership renders who created and owns t; nil when the listing does
// not say (the Token API's own list).
func Ownership(t tokens.Token) *OwnershipJSON {
	o := t.Owner
	if o == nil {
		return nil
	}
	j := &OwnershipJSON{CreatedByID: o.CreatedByID, CreatedByUsername: o.CreatedByUsername, OwnerID: o.OwnerID}
	j.Owner, j.OwnerDisplayName = OwnerNames(t)
	return j
}

// OwnerJSON is what admins see about a token's owner and use (--all-users).
type OwnerJSON struct {
	OwnershipJSON
	LastUsedDay int64   `json:"last_used_day"`
	LastUsedAt  *string `json:"last_used_at"`
	// UnusedRevocationAt is when the workspace revokes the token for going
	// 90 days unused, should it stay unused.
	UnusedRevocationAt string `json:"unused_revocation_at"`
}

// RowJSON is a token as list prints it: the token, whether it has expired
// (workspaces keep listing expired tokens until they are deleted), and the
// workspace and owner parts when the command's mode includes them.
type RowJSON struct {
	*WorkspaceJSON
	JSON
	Expired bool `json:"expired"`
	*OwnerJSON
}

// Row renders t as of now; place is nil in single-workspace mode.
func Row(t tokens.Token, place *tokens.Place, now time.Time) RowJSON {
	r := RowJSON{JSON: ToJSON(t), Expired: t.ExpiredAt(now)}
	if place != nil {
		r.WorkspaceJSON = &WorkspaceJSON{Profile: place.Profile, Host: place.Host}
	}
	if o := t.Owner; o != nil {
		r.OwnerJSON = &OwnerJSON{OwnershipJSON: *Ownership(t), LastUsedDay: o.LastUsedDay}
		if o.LastUsedDay > 0 {
			s := output.Timestamp(time.UnixMilli(o.LastUsedDay))
			r.OwnerJSON.LastUsedAt = &s
		}
		if at, ok := t.UnusedRevocation(); ok {
			r.OwnerJSON.UnusedRevocationAt = output.Timestamp(at)
		}
	}
	return r
}

// CreatedJSON is a new token's token_info: the token and, for an
// on-behalf-of token, who created it and which service principal owns it.
type CreatedJSON struct {
	JSON
	*OwnershipJSON
}

// Created renders a new token.
func Created(t tokens.Token) CreatedJSON {
	return CreatedJSON{JSON: ToJSON(t), OwnershipJSON: Ownership(t)}
}

// OwnerNames are the owner's name (user name or application ID) and
// display name (service principals only) for JSON, nil when unknown.
func OwnerNames(t tokens.Token) (name, displayName *string) {
	id, ok := t.OwnerIdentity()
	if !ok {
		return nil, nil
	}
	n := id.Name
	if id.Kind == tokens.ServicePrincipal && id.DisplayName != "" {
		d := id.DisplayName
		displayName = &d
	}
	return &n, displayName
}

// SoonThreshold is when an expiring token starts to be highlighted.
const SoonThreshold = 7 * 24 * time.Hour

// Style colours expired tokens red and soon-expiring ones yellow.
func Style(t tokens.Token, now time.Time) output.Style {
	exp, ok := t.Expires()
	switch {
	case !ok:
		return output.Plain
	case !exp.After(now):
		return output.Bad
	case exp.Sub(now) < SoonThreshold:
		return output.Warn
	}
	return output.Plain
}

// Columns says which columns a token table has.
type Columns struct {
	Profile   bool // several workspaces
	CreatedBy bool // --all-users
	Owner     bool // some token's owner is not its creator (on-behalf-of tokens)
	LastUsed  bool // --all-users: LAST USED and REVOKED IN
	Scopes    bool // any token is scoped
	SignsIn   bool // plans: what signs in with the token
}

// Header is the table's columns.
func (c Columns) Header() []output.Column {
	var h []output.Column
	if c.Profile {
		h = append(h, output.Column{Header: "PROFILE"})
	}
	h = append(h, output.Column{Header: "ID"})
	if c.CreatedBy {
		h = append(h, output.Column{Header: "CREATED BY", Short: "BY", Flex: true})
	}
	if c.Owner {
		h = append(h, output.Column{Header: "OWNER", Flex: true})
	}
	h = append(h, output.Column{Header: "COMMENT", Flex: true},
		output.Column{Header: "CREATED"}, output.Column{Header: "EXPIRES"})
	if c.LastUsed {
		h = append(h, output.Column{Header: "LAST USED", Short: "USED"}, output.Column{Header: "REVOKED IN", Short: "REVOKES"})
	}
	if c.Scopes {
		h = append(h, output.Column{Header: "SCOPES", Flex: true})
	}
	if c.SignsIn {
		h = append(h, output.Column{Header: "SIGNS IN", Flex: true})
	}
	return h
}

// Row is t's table row, in place, with what signs in with it.
func (c Columns) Row(place tokens.Place, t tokens.Token, signsIn []string, now time.Time) output.Row {
	var cells []output.Cell
	if c.Profile {
		cells = append(cells, output.Text(place.Profile))
	}
	cells = append(cells, output.ID(t.ID))
	if c.CreatedBy {
		by := ""
		if t.Owner != nil {
			by = t.Owner.CreatedByUsername
		}
		cells = append(cells, output.Text(by))
	}
	if c.Owner {
		cells = append(cells, OwnerCell(t))
	}
	cells = append(cells, output.Text(t.Comment), output.Time(t.Created()), output.Expiry(t.ExpiryOrZero()))
	if c.LastUsed {
		day, _ := t.LastUsed()
		cells = append(cells, output.Day(day))
		// When the 90-day rule will take the token, if it comes before its
		// expiry (otherwise the EXPIRES column says it all).
		at, byUnused, ok := t.Ends()
		switch {
		case ok && byUnused:
			cells = append(cells, output.Expiry(at).Styled(unusedStyle(at, now)))
		default:
			cells = append(cells, output.Text("-"))
		}
	}
	if c.Scopes {
		cells = append(cells, output.Text(ScopesText(t)))
	}
	if c.SignsIn {
		cells = append(cells, output.Join(", ", signsIn))
	}
	return output.Row{Cells: cells, Style: Style(t, now)}
}

// OwnerCell is the OWNER column's cell: "-" where the creator owns the
// token (CREATED BY says who), otherwise the owner, by display name and
// application ID for a service principal.
func OwnerCell(t tokens.Token) output.Cell {
	if t.OwnedByCreator() {
		return output.Text("-")
	}
	return output.Text(t.OwnerText())
}

func unusedStyle(at, now time.Time) output.Style {
	switch {
	case !at.After(now):
		return output.Bad
	case at.Sub(now) < SoonThreshold:
		return output.Warn
	}
	return output.Plain
}

// ScopesText is a token's scopes for a table cell: "-" for every API,
// "autoscope" while autoscope observes it.
func ScopesText(t tokens.Token) string {
	switch {
	case len(t.Scopes) > 0:
		return strings.Join(t.Scopes, ",")
	case t.Autoscoped():
		return "autoscope"
	}
	return "-"
}

// AnyScoped reports whether a scopes column is worth showing.
func AnyScoped(list []tokens.Token) bool {
	for _, t := range list {
		if len(t.Scopes) > 0 || t.Autoscoped() {
			return true
		}
	}
	return false
}

// Summary is a new token's details as "Label: value" lines.
func Summary(t tokens.Token) []output.Field {
	f := []output.Field{
		output.F("Token ID:", output.Text(t.ID)),
		output.F("Comment:", output.Text(t.Comment)),
		output.F("Created:", output.Stamp(t.Created())),
		output.F("Expires:", output.Stamp(t.ExpiryOrZero())),
		output.F("Scopes:", output.Text(scopesLong(t))),
	}
	if !t.OwnedByCreator() {
		// An on-behalf-of token: whose it is matters more than who made it.
		f = append(f, output.F("Owner:", output.Text(ownerLong(t))))
	}
	return f
}

// ownerLong names an owner in a summary, with its kind.
func ownerLong(t tokens.Token) string {
	id, ok := t.OwnerIdentity()
	switch {
	case !ok:
		return t.OwnerText()
	case id.Kind == tokens.ServicePrincipal:
		return "service principal " + id.Describe()
	}
	return id.Describe()
}

// scopesLong is a token's scopes in a summary, separated as in `view`.
func scopesLong(t tokens.Token) string {
	s := ScopesText(t)
	switch {
	case s == "-":
		return "all APIs"
	case len(t.Scopes) > 0:
		s = strings.Join(t.Scopes, ", ")
	}
	if len(t.InferredScopes) > 0 {
		s += " (inferred: " + strings.Join(t.InferredScopes, ", ") + ")"
	}
	return s
}
