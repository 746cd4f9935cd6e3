package audit

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

// The JSON form is the contract (documented in the README): field names
// are snake_case, every key is always present, null where a value does
// not apply.

type findingJSON struct {
	Rule       string  `json:"rule"`
	Severity   string  `json:"severity"`
	Profile    string  `json:"profile"`
	Host       string  `json:"host"`
	TokenID    *string `json:"token_id"`
	Comment    *string `json:"comment"`
	Owner      *string `json:"owner"`
	CreatedAt  *string `json:"created_at"`
	ExpiresAt  *string `json:"expires_at"`
	LastUsedAt *string `json:"last_used_at"`
	Message    string  `json:"message"`
	Advice     string  `json:"advice"`
	Command    *string `json:"command"`
	// Fingerprint identifies the finding across runs: workspace, rule and
	// token (or principal).
	Fingerprint string         `json:"fingerprint"`
	Exemption   *exemptionJSON `json:"exemption,omitempty"`
}

type exemptionJSON struct {
	Reason  string  `json:"reason"`
	Expires *string `json:"expires"`
	// Selects says what the exemption names (token-id, comment, ...).
	Selects string `json:"selects"`
}

type settingsJSON struct {
	// Null when the workspace sets no maximum, as in `dbtok settings`.
	MaxTokenLifetimeDays *int `json:"max_token_lifetime_days"`
	TokensEnabled        bool `json:"tokens_enabled"`
}

type workspaceJSON struct {
	Profile  string `json:"profile"`
	Host     string `json:"host"`
	AllUsers bool   `json:"all_users"`
	// Tokens is how many tokens were checked (each once, under the first
	// profile that listed it).
	Tokens          int           `json:"tokens"`
	LastUseChecked  bool          `json:"last_use_checked"`
	SettingsChecked bool          `json:"settings_checked"`
	Settings        *settingsJSON `json:"settings"`
	SettingsError   *string       `json:"settings_error"`
	// Error is why the workspace could not be audited.
	Error *string `json:"error"`
}

type summaryJSON struct {
	Workspaces       int `json:"workspaces"`
	FailedWorkspaces int `json:"failed_workspaces"`
	Tokens           int `json:"tokens"`
	Findings         int `json:"findings"`
	Errors           int `json:"errors"`
	Warnings         int `json:"warnings"`
	Notes            int `json:"notes"`
	Exempted         int `json:"exempted"`
	// Failing counts the findings at or above fail_on.
	Failing int    `json:"failing"`
	FailOn  string `json:"fail_on"`
	// Passed: every workspace was audited and no finding fails.
	Passed bool `json:"passed"`
}

type policyJSON struct {
	File               *string           `json:"file"`
	MaxLifetimeSeconds int64             `json:"max_lifetime_seconds"`
	UnusedForSeconds   int64             `json:"unused_for_seconds"`
	WarnWithinSeconds  int64             `json:"warn_within_seconds"`
	QuotaWarning       int               `json:"quota_warning"`
	Rules              map[string]string `json:"rules"`
	Exemptions         int               `json:"exemptions"`
}

type auditJSON struct {
	Findings   []findingJSON   `json:"findings"`
	Exempted   []findingJSON   `json:"exempted"`
	Summary    summaryJSON     `json:"summary"`
	Workspaces []workspaceJSON `json:"workspaces"`
	Policy     policyJSON      `json:"policy"`
}

// notice is something about the run itself, for SARIF's notifications.
type notice struct{ level, text string }

// result is audit's output.
type result struct {
	policy     tokens.AuditPolicy
	policyFile string
	failOn     tokens.Severity
	allUsers   bool
	multi      bool
	now        time.Time

	findings, exempted []tokens.Finding
	workspaces         []workspaceJSON
	notices            []notice
	tokens             int
	failedWorkspaces   int
	summary            summaryJSON
}

func (r *result) add(f tokens.Finding) {
	if f.Exemption != nil {
		r.exempted = append(r.exempted, f)
		return
	}
	r.findings = append(r.findings, f)
}

// finish orders the findings and counts them.
func (r *result) finish() {
	tokens.SortFindings(r.findings)
	tokens.SortFindings(r.exempted)
	s := summaryJSON{
		Workspaces: len(r.workspaces), FailedWorkspaces: r.failedWorkspaces, Tokens: r.tokens,
		Findings: len(r.findings), Exempted: len(r.exempted), FailOn: failOnName(r.failOn),
	}
	for _, f := range r.findings {
		switch f.Severity {
		case tokens.SeverityError:
			s.Errors++
		case tokens.SeverityWarning:
			s.Warnings++
		case tokens.SeverityNote:
			s.Notes++
		}
		if f.Fails(r.failOn) {
			s.Failing++
		}
	}
	s.Passed = s.Failing == 0 && s.FailedWorkspaces == 0
	r.summary = s
}

func failOnName(s tokens.Severity) string {
	if s == tokens.SeverityOff {
		return "none"
	}
	return s.String()
}

func strp(s string) *string { return &s }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toJSON(f tokens.Finding) findingJSON {
	j := findingJSON{
		Rule: f.Rule.ID, Severity: f.Severity.String(), Profile: f.Place.Profile, Host: f.Place.Host,
		Owner: optional(f.Owner), Message: f.Message, Advice: f.Advice, Command: optional(f.Command),
		Fingerprint: f.Fingerprint(),
	}
	if t := f.Token; t != nil {
		j.TokenID, j.Comment = strp(t.ID), strp(t.Comment)
		j.CreatedAt = strp(output.Timestamp(t.Created()))
		if exp, ok := t.Expires(); ok {
			j.ExpiresAt = strp(output.Timestamp(exp))
		}
		if used, known := t.LastUsed(); known && !used.IsZero() {
			j.LastUsedAt = strp(used.Format(time.DateOnly))
		}
	}
	if e := f.Exemption; e != nil {
		j.Exemption = &exemptionJSON{Reason: e.Reason, Selects: e.Describe()}
		if !e.Expires.IsZero() {
			j.Exemption.Expires = strp(e.Expires.UTC().Format(time.DateOnly))
		}
	}
	return j
}

// JSONValue is the documented JSON form.
func (r *result) JSONValue() any {
	out := auditJSON{Findings: []findingJSON{}, Exempted: []findingJSON{}, Summary: r.summary, Workspaces: r.workspaces, Policy: r.policyJSON()}
	if out.Workspaces == nil {
		out.Workspaces = []workspaceJSON{}
	}
	for _, f := range r.findings {
		out.Findings = append(out.Findings, toJSON(f))
	}
	for _, f := range r.exempted {
		out.Exempted = append(out.Exempted, toJSON(f))
	}
	return out
}

func (r *result) policyJSON() policyJSON {
	p := policyJSON{
		File:               optional(r.policyFile),
		MaxLifetimeSeconds: int64(r.policy.MaxLifetime / time.Second),
		UnusedForSeconds:   int64(r.policy.UnusedFor / time.Second),
		WarnWithinSeconds:  int64(r.policy.WarnWithin / time.Second),
		QuotaWarning:       r.policy.QuotaWarning,
		Rules:              map[string]string{},
		Exemptions:         len(r.policy.Exemptions),
	}
	for _, rule := range tokens.AuditRules {
		p.Rules[rule.ID] = r.policy.Severity(rule.ID).String()
	}
	return p
}

// Table is one row per finding, most severe first. ACTION is the dbtok
// command that fixes it, or the advice where there is none; it does not
// give way to the terminal's width (the finding does), since a cut
// command is no use. -o wide adds the advice.
func (r *result) Table() output.Table {
	cols := []output.Column{{Header: "SEVERITY"}, {Header: "RULE"}}
	if r.multi {
		cols = append(cols, output.Column{Header: "PROFILE"})
	}
	cols = append(cols, output.Column{Header: "TOKEN"})
	if r.allUsers {
		cols = append(cols, output.Column{Header: "OWNER", Flex: true})
	}
	cols = append(cols, output.Column{Header: "COMMENT", Flex: true}, output.Column{Header: "FINDING", Flex: true},
		output.Column{Header: "ACTION"}, output.Column{Header: "ADVICE", Wide: true})
	t := output.Table{Columns: cols, Empty: r.empty()}
	for _, f := range r.findings {
		cells := []output.Cell{output.Text(f.Severity.String()), output.Text(f.Rule.ID)}
		if r.multi {
			cells = append(cells, output.Text(f.Place.Profile))
		}
		id, comment := output.Text(""), ""
		if f.Token != nil {
			id, comment = output.ID(f.Token.ID), f.Token.Comment
		}
		cells = append(cells, id)
		if r.allUsers {
			cells = append(cells, output.Text(f.Owner))
		}
		action := f.Command
		switch {
		case !strings.HasPrefix(action, "dbtok "):
			// No command, or another tool's (long: -o wide shows it).
			action = f.Advice
		case f.Token != nil && len(f.Token.ID) > output.ShortIDLen:
			// The ID column shows a prefix on a terminal; commands take
			// prefixes, and the whole ID would crowd out the rest.
			action = strings.ReplaceAll(action, f.Token.ID, f.Token.ID[:output.ShortIDLen])
		}
		cells = append(cells, output.Text(comment), output.Text(f.Message), output.Text(action), output.Text(f.Advice))
		t.Rows = append(t.Rows, output.Row{Cells: cells, Style: style(f.Severity)})
	}
	return t
}

func style(s tokens.Severity) output.Style {
	switch s {
	case tokens.SeverityError:
		return output.Bad
	case tokens.SeverityWarning:
		return output.Warn
	}
	return output.Plain
}

func (r *result) where() string {
	if len(r.workspaces) == 1 && r.failedWorkspaces == 0 {
		w := r.workspaces[0]
		return tokens.Place{Profile: w.Profile, Host: w.Host}.String()
	}
	return output.Count(len(r.workspaces)-r.failedWorkspaces, "workspace")
}

func (r *result) empty() string {
	return fmt.Sprintf("No findings in %s (%s checked).", r.where(), output.Count(r.tokens, "token"))
}

// Notes sum the run up for people (table formats).
func (r *result) Notes(*output.Context) []string {
	var notes []string
	s := r.summary
	if s.Findings > 0 {
		var parts []string
		for _, c := range []struct {
			n    int
			noun string
		}{{s.Errors, "error"}, {s.Warnings, "warning"}, {s.Notes, "note"}} {
			if c.n > 0 {
				parts = append(parts, output.Count(c.n, c.noun))
			}
		}
		notes = append(notes, fmt.Sprintf("%s in %s (%s checked).", joinAnd(parts), r.where(), output.Count(r.tokens, "token")))
	}
	if s.Exempted > 0 {
		notes = append(notes, fmt.Sprintf("%s exempted by the policy (-o json lists them).", output.Count(s.Exempted, "finding")))
	}
	if s.Failing > 0 {
		notes = append(notes, fmt.Sprintf("The audit fails: %s at or above --fail-on %s.", output.Count(s.Failing, "finding"), s.FailOn))
	}
	return notes
}

func joinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// SARIF is the run as a SARIF log: every rule with the level the policy
// gives it, every finding (exempt ones suppressed, with the reason), and
// the workspaces or rules that could not be checked as notifications.
func (r *result) SARIF() output.SARIFLog {
	l := output.SARIFLog{
		Tool:           "dbtok",
		Version:        build.Version,
		InformationURI: "https://github.com/dbtok/dbtok",
		Successful:     r.failedWorkspaces == 0,
		Properties:     map[string]any{"policy": r.policyJSON(), "summary": r.summary},
	}
	for _, rule := range tokens.AuditRules {
		sev := r.policy.Severity(rule.ID)
		level := sev
		if sev == tokens.SeverityOff {
			level = rule.Default
		}
		l.Rules = append(l.Rules, output.SARIFRule{
			ID: rule.ID, Name: rule.Name, Short: rule.Short, Full: rule.Full,
			Help:         rule.Full + " What to do: " + rule.Help,
			HelpMarkdown: rule.Full + "\n\n**What to do:** " + rule.Help,
			Level:        level.String(), Enabled: sev != tokens.SeverityOff,
			Tags: []string{"security", "databricks", "personal-access-token"},
		})
	}
	for _, f := range append(append([]tokens.Finding{}, r.findings...), r.exempted...) {
		l.Results = append(l.Results, sarifResult(f))
	}
	for _, n := range r.notices {
		l.Notifications = append(l.Notifications, output.SARIFNotification{Level: n.level, Message: n.text})
	}
	return l
}

func sarifResult(f tokens.Finding) output.SARIFResult {
	host := tokens.HostKey(f.Place.Host)
	bare := host[strings.Index(host, "://")+3:]
	// A relative path (GitHub code scanning wants one for every result):
	// databricks/<host>/tokens/<id>, with a port as _PORT since a colon
	// has no place in a path segment.
	base := "databricks/" + strings.ReplaceAll(bare, ":", "_")
	res := output.SARIFResult{
		RuleID:       f.Rule.ID,
		Level:        f.Severity.String(),
		Fingerprints: map[string]string{"dbtokFinding/v1": f.Fingerprint()},
		Properties:   map[string]any{"profile": f.Place.Profile, "host": f.Place.Host},
	}
	subject := "Workspace " + f.Place.String()
	switch {
	case f.Token != nil:
		short := f.Token.ID
		if len(short) > output.ShortIDLen {
			short = short[:output.ShortIDLen]
		}
		subject = fmt.Sprintf("Token %s", short)
		if f.Token.Comment != "" {
			subject += fmt.Sprintf(" (%q)", f.Token.Comment)
		}
		if f.Owner != "" {
			subject += " of " + f.Owner
		}
		subject += " in " + f.Place.String()
		res.Artifact = base + "/tokens/" + url.PathEscape(f.Token.ID)
		res.Logical = []output.SARIFLogicalLocation{{Name: f.Token.ID, FullyQualifiedName: host + "/tokens/" + f.Token.ID, Kind: "resource"}}
		res.Properties["token_id"] = f.Token.ID
		res.Properties["comment"] = f.Token.Comment
	case f.Rule.ID == tokens.RuleQuotaNear:
		who := f.Owner
		if who == "" {
			subject = "The user of " + f.Place.String()
			who = "profile-" + f.Place.Profile
		} else {
			subject = fmt.Sprintf("Principal %s in %s", f.Owner, f.Place.String())
		}
		res.Artifact = base + "/principals/" + url.PathEscape(who)
		res.Logical = []output.SARIFLogicalLocation{{Name: who, FullyQualifiedName: host + "/principals/" + who, Kind: "resource"}}
	default:
		res.Artifact = base + "/workspace-conf"
		res.Logical = []output.SARIFLogicalLocation{{Name: bare, FullyQualifiedName: host, Kind: "namespace"}}
	}
	if f.Owner != "" {
		res.Properties["owner"] = f.Owner
	}
	res.Message = fmt.Sprintf("%s: %s. %s", subject, f.Message, f.Advice)
	if f.Command != "" {
		res.Message += " Run: " + f.Command
		res.Properties["command"] = f.Command
	}
	if f.Exemption != nil {
		res.Suppression = f.Exemption.Reason
	}
	return res
}
