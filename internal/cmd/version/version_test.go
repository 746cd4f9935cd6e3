package version

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
)

// stamp sets the link-time version information for one test.
func stamp(t *testing.T, version, commit, date string) {
	t.Helper()
	v, c, d := build.Version, build.Commit, build.Date
	t.Cleanup(func() { build.Version, build.Commit, build.Date = v, c, d })
	build.Version, build.Commit, build.Date = version, commit, date
}

func TestNewCmdVersion(t *testing.T) {
	e := cmdtest.New(t)
	called := false
	cmd := NewCmdVersion(e.Factory(), func(_ context.Context, o *Options) error {
		called = o.Printer != nil
		return nil
	})
	if err := e.Exec(cmd); err != nil || !called {
		t.Fatalf("err %v, called %v", err, called)
	}
	// Text unless -o says otherwise, and no config file read.
	if cmd.Annotations[cmdutil.DefaultOutputAnnotation] != "table" || cmd.Annotations[cmdutil.NoConfigAnnotation] == "" {
		t.Errorf("annotations %v", cmd.Annotations)
	}
	err := e.Exec(NewCmdVersion(e.Factory(), nil), "now")
	cmdtest.Code(t, err, failure.Usage)
}

func TestFormat(t *testing.T) {
	tests := []struct {
		version, commit, date string
		want                  string
	}{
		{"v1.2.3", "0123456789abcdef0123", "2026-03-01T10:00:00Z", "dbtok version v1.2.3 (commit 0123456789ab, built 2026-03-01T10:00:00Z)"},
		{"v1.2.3", "abc123", "", "dbtok version v1.2.3 (commit abc123)"},
		{"dev", "", "", "dbtok version dev"},
		// A date without a commit says nothing about the build.
		{"dev", "", "2026-03-01", "dbtok version dev"},
	}
	for _, tt := range tests {
		stamp(t, tt.version, tt.commit, tt.date)
		if got := Format(); got != tt.want {
			t.Errorf("Format() = %q, want %q", got, tt.want)
		}
	}
}

func printer(e *cmdtest.Env, ch output.Choice) func() (*output.Printer, error) {
	return func() (*output.Printer, error) {
		return output.NewPrinter(ch, output.Context{TTY: e.IO.IsStdoutTTY()}, e.IO.Out, e.IO.ErrOut)
	}
}

func TestVersionRun(t *testing.T) {
	stamp(t, "v0.9.0", "feedfacecafe1234", "2026-02-02")
	tests := []struct {
		name   string
		choice output.Choice
		want   string
	}{
		// The annotation makes table the default even when piped: one line.
		{"text", output.Choice{Format: "table"}, "dbtok version v0.9.0 (commit feedfacecafe, built 2026-02-02)\n"},
		{"jq", output.Choice{JQ: ".version"}, "v0.9.0\n"},
		{"csv", output.Choice{Format: "csv"}, "VERSION,COMMIT,DATE\nv0.9.0,feedfacecafe1234,2026-02-02\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := cmdtest.New(t)
			if err := versionRun(context.Background(), &Options{Printer: printer(e, tt.choice)}); err != nil {
				t.Fatal(err)
			}
			if got := e.Stdout.String(); got != tt.want {
				t.Errorf("stdout %q, want %q", got, tt.want)
			}
		})
	}

	e := cmdtest.New(t)
	if err := versionRun(context.Background(), &Options{Printer: printer(e, output.Choice{Format: "json"})}); err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got["version"] != "v0.9.0" || got["commit"] != "feedfacecafe1234" || got["date"] != "2026-02-02" || len(got) != 3 {
		t.Errorf("json %v", got)
	}

	e = cmdtest.New(t)
	err := versionRun(context.Background(), &Options{Printer: printer(e, output.Choice{Format: "bogus"})})
	cmdtest.Code(t, err, failure.Usage)
}
