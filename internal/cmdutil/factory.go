// Package cmdutil is the plumbing every command shares: the factory that
// hands out dependencies, global options, errors and exit codes.
package cmdutil

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/userconfig"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// GlobalOptions are the root command's persistent flags.
type GlobalOptions struct {
	Profile    string
	ConfigFile string
	Output     string
	Timeout    time.Duration
	NoColor    bool
	Debug      bool
	JQ         string
	Template   string
}

// DefaultTimeout bounds every command's network wait unless --timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// Factory hands commands their dependencies. Expensive ones are functions
// so that commands which never need them (help, version, completion of
// flags) never pay for them.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Globals   *GlobalOptions
	Now       func() time.Time

	// Workspace resolves the selected profile and authenticates.
	Workspace func() (*workspace.Workspace, error)
	// WorkspaceFor does the same for a named profile, for commands that
	// work on several workspaces.
	WorkspaceFor func(profile string) (*workspace.Workspace, error)

	// Flags are the root's persistent flags, for settings resolution.
	Flags *pflag.FlagSet

	// Quiet suppresses warnings, for shell completion, where anything on
	// stderr would land in the middle of the user's command line.
	Quiet bool
	// MaxTimeout, when set, caps the resolved timeout (shell completion
	// must not keep a TAB press waiting).
	MaxTimeout time.Duration

	settingsOnce sync.Once
	settings     *userconfig.Settings
	settingsErr  error

	fileOnce sync.Once
	file     *databrickscfg.File
	fileErr  error
}

// ConfigFile reads the Databricks config file once per run.
func (f *Factory) ConfigFile() (*databrickscfg.File, error) {
	f.fileOnce.Do(func() {
		f.file, f.fileErr = databrickscfg.Load(workspace.ConfigPath(f.Globals.ConfigFile))
	})
	return f.file, f.fileErr
}

// SelectProfiles resolves --all-profiles / --profiles to profile names.
func (f *Factory) SelectProfiles(all bool, patterns []string) ([]string, error) {
	file, err := f.ConfigFile()
	if err != nil {
		return nil, &workspace.ConfigError{Msg: err.Error()}
	}
	names, err := fanout.Select(file, all, patterns)
	if err != nil {
		return nil, &workspace.ConfigError{Msg: err.Error()}
	}
	return names, nil
}

func (f *Factory) Settings() (*userconfig.Settings, error) {
	f.settingsOnce.Do(func() {
		f.settings, f.settingsErr = userconfig.Load(f.Flags)
		if f.settingsErr == nil && !f.Quiet {
			for _, k := range f.settings.Unknown() {
				fmt.Fprintf(f.IOStreams.ErrOut, "Warning: %s has an unknown setting %q (known: output, timeout).\n", f.settings.Path(), k)
			}
		}
	})
	return f.settings, f.settingsErr
}

// OutputFormat resolves -o/--output: flag, DBTOK_OUTPUT, config file, then
// table on a terminal and JSON otherwise.
func (f *Factory) OutputFormat() (output.Format, error) {
	s, err := f.Settings()
	if err != nil {
		return "", &FlagError{Err: err}
	}
	format, err := output.ParseFormat(s.String(userconfig.KeyOutput))
	if err != nil {
		return "", FlagErrorf("%v (from %s)", err, s.Source(userconfig.KeyOutput))
	}
	if f.Globals.JQ != "" || f.Globals.Template != "" {
		// --jq and --template work on JSON, as in gh.
		if format == output.Table && s.Source(userconfig.KeyOutput) == "--output" {
			return "", FlagErrorf("--jq and --template work on JSON output; drop -o table")
		}
		return output.JSON, nil
	}
	return output.Default(format, f.IOStreams.IsStdoutTTY()), nil
}

// JSONPrinter renders JSON output, through --jq or --template when given.
// The expressions are checked here, before any request is made.
func (f *Factory) JSONPrinter() (*output.JSONPrinter, error) {
	p, err := output.NewJSONPrinter(f.Globals.JQ, f.Globals.Template)
	if err != nil {
		return nil, &FlagError{Err: err}
	}
	return p, nil
}

// Timeout resolves --timeout the same way.
func (f *Factory) Timeout() (time.Duration, error) {
	s, err := f.Settings()
	if err != nil {
		return 0, &FlagError{Err: err}
	}
	d, err := s.Duration(userconfig.KeyTimeout)
	if err != nil {
		return 0, &FlagError{Err: err}
	}
	if f.MaxTimeout > 0 && d > f.MaxTimeout {
		d = f.MaxTimeout
	}
	return d, nil
}

// NoArgs is cobra.NoArgs as a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q: `%s` takes no arguments", args[0], cmd.CommandPath())
	}
	return nil
}

// NoSubcommand rejects a stray word after a command group, which cobra
// would otherwise answer with the group's help and exit 0.
func NoSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return FlagErrorf("%s", UnknownCommand(cmd, args[0]))
}

// UnknownCommand says that word is not a command of cmd, suggesting the
// closest one.
func UnknownCommand(cmd *cobra.Command, word string) string {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return fmt.Sprintf("%s; see `%s --help`", msg, cmd.CommandPath())
}

// ShowHelp is the RunE of a command group: help without arguments, a
// usage error for a word that is not one of its commands.
func ShowHelp(cmd *cobra.Command, args []string) error {
	if err := NoSubcommand(cmd, args); err != nil {
		return err
	}
	return cmd.Help()
}

// Examples indents help examples the way cobra indents the rest of help.
func Examples(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}

// Deps are the factory's dependencies that most commands take; a command's
// Options embeds them, so tests can replace any one.
type Deps struct {
	IO           *iostreams.IOStreams
	Workspace    func() (*workspace.Workspace, error)
	WorkspaceFor func(profile string) (*workspace.Workspace, error)
	ConfigFile   func() (*databrickscfg.File, error)
	OutputFormat func() (output.Format, error)
	JSONPrinter  func() (*output.JSONPrinter, error)
	Timeout      func() (time.Duration, error)
	Now          func() time.Time
}

func (f *Factory) Deps() Deps {
	return Deps{
		IO:           f.IOStreams,
		Workspace:    f.Workspace,
		WorkspaceFor: f.WorkspaceFor,
		ConfigFile:   f.ConfigFile,
		OutputFormat: f.OutputFormat,
		JSONPrinter:  f.JSONPrinter,
		Timeout:      f.Timeout,
		Now:          f.Now,
	}
}

// Settings of one run that every command checks before its first request.
type RunSettings struct {
	Format  output.Format
	Printer *output.JSONPrinter
	Timeout time.Duration
}

// Prepare resolves the output format, the JSON printer and the timeout, so
// that a bad value is a usage error before anything is sent.
func (d Deps) Prepare() (RunSettings, error) {
	var r RunSettings
	var err error
	if r.Format, err = d.OutputFormat(); err != nil {
		return r, err
	}
	if r.Printer, err = d.JSONPrinter(); err != nil {
		return r, err
	}
	r.Timeout, err = d.Timeout()
	return r, err
}
