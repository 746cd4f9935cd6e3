package output_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// checks is a minimal SARIFer.
type checks struct{ log output.SARIFLog }

func (c checks) SARIF() output.SARIFLog { return c.log }

func sarifPrinter(t *testing.T, tty bool, out *bytes.Buffer) *output.Printer {
	t.Helper()
	p, err := output.NewPrinter(output.Choice{Format: "sarif", Command: "dbtok audit", Renders: []string{"sarif"}}, output.Context{TTY: tty}, out, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSARIFRendersChecks(t *testing.T) {
	log := output.SARIFLog{
		Tool: "dbtok", Version: "v1.2.3", InformationURI: "https://example.com/dbtok", Successful: true,
		Rules: []output.SARIFRule{
			{ID: "r1", Name: "RuleOne", Short: "short", Full: "full", Help: "help", HelpMarkdown: "**help**", Level: "error", Enabled: true, Tags: []string{"security"}},
			{ID: "r2", Short: "off", Full: "off", Help: "off", Level: "note"},
		},
		Results: []output.SARIFResult{{
			RuleID: "r2", Level: "note", Message: "a \x1b[31mred\x1b[0m comment",
			Artifact: "databricks/h/tokens/x", Logical: []output.SARIFLogicalLocation{{Name: "x", FullyQualifiedName: "https://h/tokens/x", Kind: "resource"}},
			Fingerprints: map[string]string{"k/v1": "abc"}, Suppression: "because", Properties: map[string]any{"p": 1},
		}},
		Notifications: []output.SARIFNotification{{Level: "warning", Message: "not checked"}},
		Properties:    map[string]any{"policy": "x"},
	}
	var out bytes.Buffer
	if err := sarifPrinter(t, false, &out).Print(context.Background(), checks{log}); err != nil {
		t.Fatal(err)
	}
	report, err := sarif.FromBytes(out.Bytes(), sarif.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Validate(); err != nil {
		t.Fatalf("invalid SARIF: %v\n%s", err, out.String())
	}
	run := report.Runs[0]
	res := run.Results[0]
	if report.Version != "2.1.0" || *run.Tool.Driver.Name != "dbtok" || len(run.Tool.Driver.Rules) != 2 || res.RuleIndex != 1 || *res.RuleID != "r2" ||
		*res.Suppressions[0].Justification != "because" || *res.Locations[0].PhysicalLocation.ArtifactLocation.URI != "databricks/h/tokens/x" ||
		!*run.Invocations[0].ExecutionSuccessful || *run.Invocations[0].ToolExecutionNotifications[0].Message.Text != "not checked" {
		t.Errorf("document:\n%s", out.String())
	}
	if en := run.Tool.Driver.Rules[1].DefaultConfiguration.Enabled; en {
		t.Error("a rule off is enabled")
	}
	// Piped, text is byte-exact (JSON escapes); on a terminal, escape
	// sequences never reach it.
	if !strings.Contains(out.String(), `\u001b[31mred`) {
		t.Errorf("piped: %s", out.String())
	}
	out.Reset()
	if err := sarifPrinter(t, true, &out).Print(context.Background(), checks{log}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("an escape sequence reached the terminal")
	}
}

// Only checks are SARIF: anything else is an error when rendered, and
// commands that do not print checks refuse the format up front.
func TestSARIFOnlyForChecks(t *testing.T) {
	var out bytes.Buffer
	if err := sarifPrinter(t, false, &out).Print(context.Background(), []string{"a"}); err == nil || !strings.Contains(err.Error(), "has no sarif form") {
		t.Errorf("a list rendered as SARIF: %v", err)
	}
	_, err := output.NewPrinter(output.Choice{Format: "SARIF", Source: "--output", Command: "dbtok list"}, output.Context{}, &out, &out)
	if failure.Code(err) != failure.Usage || err.Error() != "output format sarif is only for dbtok audit; for dbtok list use table, wide, json, jsonl, yaml or csv" {
		t.Errorf("%v", err)
	}
	// --jq on a command that renders SARIF still means JSON.
	p, err := output.NewPrinter(output.Choice{Format: "sarif", JQ: ".", Command: "dbtok audit", Renders: []string{"sarif"}}, output.Context{}, &out, &out)
	if err != nil || p == nil {
		t.Errorf("--jq with sarif from the config: %v", err)
	}
}
