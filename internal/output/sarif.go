package output

import (
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// SARIFer results are checks: rules and what they found. Only they render
// as SARIF, which is what CI systems (GitHub code scanning and others)
// read to show findings in their own interface.
type SARIFer interface{ SARIF() SARIFLog }

// SARIFLog is a check's run, in the terms SARIF 2.1.0 needs; the format
// builds the document from it.
type SARIFLog struct {
	Tool           string
	Version        string
	InformationURI string
	Rules          []SARIFRule
	Results        []SARIFResult
	// Notifications are problems of the run itself: a workspace that
	// could not be reached, rules that could not be checked.
	Notifications []SARIFNotification
	// Successful is false when part of the run failed.
	Successful bool
	// Properties describe the run (the policy applied, say).
	Properties map[string]any
}

// SARIFRule is one rule's metadata.
type SARIFRule struct {
	ID, Name    string
	Short, Full string
	// Help is plain text; HelpMarkdown the same for viewers that render it.
	Help, HelpMarkdown string
	// Level is the rule's default level: error, warning or note; a rule
	// that is switched off keeps its usual level and has Enabled false.
	Level   string
	Enabled bool
	Tags    []string
}

// SARIFResult is one finding.
type SARIFResult struct {
	RuleID  string
	Level   string
	Message string
	// Artifact is a relative URI naming what the result is about. Some
	// consumers (GitHub code scanning) refuse results without one, even
	// where, as for a token in a workspace, there is no file.
	Artifact string
	// Logical names the thing itself (a token, a workspace).
	Logical []SARIFLogicalLocation
	// Fingerprints identify the result across runs.
	Fingerprints map[string]string
	// Suppression, when set, is why the result is accepted (an
	// exemption): it is reported, marked suppressed.
	Suppression string
	Properties  map[string]any
}

// SARIFLogicalLocation is a named construct rather than a place in a file.
type SARIFLogicalLocation struct {
	Name, FullyQualifiedName, Kind string
}

// SARIFNotification is a message about the run, at a level (error,
// warning, note).
type SARIFNotification struct {
	Level, Message string
}

// renderSARIF is the "sarif" format: a SARIF 2.1.0 log of one run.
func renderSARIF(out *Rendered, v any, c *Context) error {
	s, ok := v.(SARIFer)
	if !ok {
		return errNoForm("sarif", v)
	}
	return writeDocument(out, SARIFReport(s.SARIF()), c)
}

// SARIFReport builds the SARIF document for l with the go-sarif types,
// which follow the 2.1.0 schema field by field.
func SARIFReport(l SARIFLog) *sarif.Report {
	driver := sarif.NewToolComponent().WithName(l.Tool).WithInformationURI(l.InformationURI)
	if l.Version != "" {
		driver.WithVersion(l.Version)
	}
	index := map[string]int{}
	for i, r := range l.Rules {
		index[r.ID] = i
		d := sarif.NewReportingDescriptor().WithID(r.ID).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(r.Short)).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(r.Full)).
			WithHelp(sarif.NewMultiformatMessageString().WithText(r.Help).WithMarkdown(r.HelpMarkdown)).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(r.Level).WithEnabled(r.Enabled))
		if r.Name != "" {
			d.WithName(r.Name)
		}
		if len(r.Tags) > 0 {
			d.WithProperties(sarif.NewPropertyBag().WithTags(r.Tags))
		}
		driver.AddRule(d)
	}
	run := sarif.NewRun().WithTool(sarif.NewTool().WithDriver(driver))
	inv := sarif.NewInvocation().WithExecutionSuccessful(l.Successful)
	for _, n := range l.Notifications {
		inv.AddToolExecutionNotification(sarif.NewNotification().WithLevel(n.Level).WithMessage(sarif.NewMessage().WithText(n.Message)))
	}
	run.AddInvocation(inv)
	if len(l.Properties) > 0 {
		run.WithProperties(bag(l.Properties))
	}
	for _, r := range l.Results {
		res := sarif.NewResult().WithRuleID(r.RuleID).WithLevel(r.Level).WithMessage(sarif.NewMessage().WithText(r.Message))
		if i, ok := index[r.RuleID]; ok {
			res.WithRuleIndex(i)
		}
		loc := sarif.NewLocation()
		if r.Artifact != "" {
			loc.WithPhysicalLocation(sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewArtifactLocation().WithURI(r.Artifact)))
		}
		for _, ll := range r.Logical {
			loc.AddLogicalLocation(sarif.NewLogicalLocation().WithName(ll.Name).WithFullyQualifiedName(ll.FullyQualifiedName).WithKind(ll.Kind))
		}
		res.AddLocation(loc)
		if len(r.Fingerprints) > 0 {
			res.WithPartialFingerprints(r.Fingerprints)
		}
		if r.Suppression != "" {
			res.AddSuppression(sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(r.Suppression))
		}
		if len(r.Properties) > 0 {
			res.WithProperties(bag(r.Properties))
		}
		run.AddResult(res)
	}
	return sarif.NewReport().AddRun(run)
}

func bag(props map[string]any) *sarif.PropertyBag {
	b := sarif.NewPropertyBag()
	for k, v := range props {
		b.Add(k, v)
	}
	return b
}
