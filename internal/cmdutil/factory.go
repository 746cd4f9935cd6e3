// Package cmdutil is the plumbing commands share: the factory that hands
// out dependencies (streams, the printer, workspaces, the config file, the
// delivery record), the flags every command has, and helpers for cobra.
package cmdutil

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/issued"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/userconfig"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/pflag"
)

// GlobalOptions are the root command's persistent flags.
type GlobalOptions struct {
	Profile    string
	ConfigFile string
	NoColor    bool
	Debug      bool
	JQ         string
	Template   string
	// Absolute shows times as timestamps on a terminal too.
	Absolute bool
}

// Command annotations the factory reads.
const (
	// DefaultOutputAnnotation is the format a command prints when -o and
	// DBTOK_OUTPUT are not given (instead of table on a terminal, JSON
	// otherwise).
	DefaultOutputAnnotation = "dbtok/default-output"
	// NoConfigAnnotation marks commands that read no config file at all
	// (version, completion): a broken one must not stop them.
	NoConfigAnnotation = "dbtok/no-config"
	// FormatsAnnotation names, space-separated, the output formats
	// reserved for some commands that this command renders (audit:
	// "sarif"); other commands refuse them before sending anything.
	FormatsAnnotation = "dbtok/formats"
)

// DefaultTimeout bounds every network wait unless --timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// Factory builds the dependencies commands share, once per run. Expensive
// ones are built on first use, so that commands which never need them
// (help, version, completion of flags) never pay for them.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Globals   *GlobalOptions
	Now       func() time.Time
	// Flags are the root's persistent flags, for settings resolution.
	Flags *pflag.FlagSet

	// Quiet suppresses warnings, for shell completion, where anything on
	// stderr would land in the middle of the user's command line.
	Quiet bool
	// MaxTimeout, when set, caps the resolved timeout (shell completion
	// must not keep a TAB press waiting).
	MaxTimeout time.Duration
	// DefaultOutput, NoConfig and Renders come from the running
	// command's annotations (see DefaultOutputAnnotation,
	// NoConfigAnnotation, FormatsAnnotation).
	DefaultOutput string
	NoConfig      bool
	// Command is the running command's path and Renders its reserved
	// formats (see FormatsAnnotation), for the printer's choice.
	Command string
	Renders []string

	settingsOnce sync.Once
	settings     *userconfig.Settings
	settingsErr  error

	fileOnce sync.Once
	file     *databrickscfg.File
	fileErr  error

	printerOnce sync.Once
	printer     *output.Printer
	printerErr  error

	wsOnce sync.Once
	ws     *workspace.Workspace
	wsErr  error

	record *issued.Store
	warned sync.Map
}

// Settings resolves dbtok's own settings (flag > env > config file) once.
func (f *Factory) Settings() (*userconfig.Settings, error) {
	f.settingsOnce.Do(func() {
		f.settings, f.settingsErr = userconfig.Load(f.Flags, !f.NoConfig)
		if f.settingsErr != nil {
			f.settingsErr = &failure.UsageError{Err: f.settingsErr}
			return
		}
		for _, k := range f.settings.Unknown() {
			f.Warn(fmt.Sprintf("%s has an unknown setting %q (known: %s).", f.settings.Path(), k, userconfig.KnownKeys()))
		}
	})
	return f.settings, f.settingsErr
}

// Warn writes a warning once per run (several profiles in one file would
// repeat it), and never during shell completion.
func (f *Factory) Warn(msg string) {
	if _, dup := f.warned.LoadOrStore(msg, true); dup || f.Quiet {
		return
	}
	f.IOStreams.Warnf("%s", msg)
}

// Timeout resolves --timeout.
func (f *Factory) Timeout() (time.Duration, error) {
	s, err := f.Settings()
	if err != nil {
		return 0, err
	}
	d, err := s.Duration(userconfig.KeyTimeout)
	if err != nil {
		return 0, &failure.UsageError{Err: err}
	}
	if f.MaxTimeout > 0 && d > f.MaxTimeout {
		d = f.MaxTimeout
	}
	return d, nil
}

// ConfigFile reads the Databricks config file once per run.
func (f *Factory) ConfigFile() (*databrickscfg.File, error) {
	f.fileOnce.Do(func() {
		f.file, f.fileErr = databrickscfg.Load(workspace.ConfigPath(f.Globals.ConfigFile))
	})
	return f.file, f.fileErr
}

// Printer is the output chosen once from -o, --jq and --template; a bad
// choice is a usage error before anything is sent.
func (f *Factory) Printer() (*output.Printer, error) {
	f.printerOnce.Do(func() {
		s, err := f.Settings()
		if err != nil {
			f.printerErr = err
			return
		}
		ios := f.IOStreams
		ctx := output.Context{
			TTY:   ios.HumanLayout(),
			Width: ios.TerminalWidth(),
			Color: ios.ColorEnabled(),
			Now:   f.Now(),
			// --absolute: a terminal shows timestamps, as pipes get them.
			Absolute: f.Globals.Absolute,
		}
		ch := output.Choice{
			Format:   s.String(userconfig.KeyOutput),
			Source:   s.Source(userconfig.KeyOutput),
			JQ:       f.Globals.JQ,
			Template: f.Globals.Template,
			Command:  f.Command,
			Renders:  f.Renders,
		}
		if ch.Format == "" {
			ch.Format = f.DefaultOutput
		}
		f.printer, f.printerErr = output.NewPrinter(ch, ctx, ios.Out, ios.ErrOut)
	})
	return f.printer, f.printerErr
}

// Workspace signs in to profile's workspace; "" is the one selected by
// --profile, DATABRICKS_CONFIG_PROFILE or the file's default (opened once
// per run). Every API call of the result is bounded by --timeout.
func (f *Factory) Workspace(profile string) (*workspace.Workspace, error) {
	if profile == "" {
		f.wsOnce.Do(func() { f.ws, f.wsErr = f.open(f.Globals.Profile) })
		return f.ws, f.wsErr
	}
	return f.open(profile)
}

func (f *Factory) open(profile string) (*workspace.Workspace, error) {
	timeout, err := f.Timeout()
	if err != nil {
		return nil, err
	}
	file, err := f.ConfigFile()
	if err != nil {
		file = nil // let workspace.Open report it in context
	}
	return workspace.Open(workspace.Options{
		Profile:    profile,
		ConfigFile: f.Globals.ConfigFile,
		File:       file,
		Timeout:    timeout,
		Debug:      f.Globals.Debug,
		Warn:       f.Warn,
	})
}

// SignIn connects to host with a token value and nothing else, to prove a
// new token works before anything depends on it.
func (f *Factory) SignIn(host string, value tokens.Secret) (tokens.API, error) {
	timeout, err := f.Timeout()
	if err != nil {
		return nil, err
	}
	ws, err := workspace.OpenPAT(host, value.Reveal(), timeout)
	if err != nil {
		return nil, err
	}
	return ws.Tokens, nil
}

// Record is dbtok's record of delivered tokens.
func (f *Factory) Record() *issued.Store {
	if f.record == nil {
		f.record = issued.Open()
	}
	return f.record
}

// UpdateConfig locks the config file for a change, waiting for another
// dbtok run's change at most --timeout.
func (f *Factory) UpdateConfig(ctx context.Context) (*databrickscfg.Update, error) {
	timeout, err := f.Timeout()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u, err := databrickscfg.BeginUpdate(ctx, workspace.ConfigPath(f.Globals.ConfigFile))
	if err != nil {
		return nil, &failure.ConfigError{Msg: err.Error()}
	}
	return u, nil
}

// Credentials is every personal access token something signs in with:
// each profile of file (the config file, as read once per run, when nil)
// that has a token, and DATABRICKS_TOKEN where it overrides a workspace's
// credential. opened are the workspaces the command signed in to.
func (f *Factory) Credentials(file *databrickscfg.File, opened ...*workspace.Workspace) *tokens.Credentials {
	var all []tokens.Credential
	if file == nil {
		file, _ = f.ConfigFile()
	}
	if file != nil {
		for _, p := range file.Profiles {
			if v := p.Keys["token"]; v != "" && p.Host() != "" {
				all = append(all, tokens.Credential{Profile: p.Name, Host: p.Host(), Value: tokens.NewSecret(v)})
			}
		}
	}
	for _, ws := range opened {
		if ws != nil && !ws.Credential.IsZero() && ws.Signer() == tokens.EnvCredential {
			all = append(all, tokens.Credential{Profile: tokens.EnvCredential, Host: ws.Host, Value: ws.Credential})
		}
	}
	return tokens.NewCredentials(all, f.Record())
}

// Deps are the factory's dependencies as commands take them: a command's
// Options embeds Deps, and its tests replace any field with a fake.
type Deps struct {
	IO  *iostreams.IOStreams
	Now func() time.Time
	// Printer renders results in the format chosen once for the run.
	Printer func() (*output.Printer, error)
	// Workspace signs in to a profile's workspace ("" for the selected one).
	Workspace func(profile string) (*workspace.Workspace, error)
	// SignIn proves a token value works on a host.
	SignIn     func(host string, value tokens.Secret) (tokens.API, error)
	ConfigFile func() (*databrickscfg.File, error)
	// Credentials is what profiles sign in with, for the safety engine.
	Credentials func(file *databrickscfg.File, opened ...*workspace.Workspace) *tokens.Credentials
	// Record remembers delivered tokens.
	Record func() Recorder
	// UpdateConfig locks the config file for a change.
	UpdateConfig func(ctx context.Context) (*databrickscfg.Update, error)
	// Asker asks a person at the terminal to confirm a plan.
	Asker func() tokens.Asker
	// Timeout is --timeout, for waits that are not API calls (a
	// --pipe-to command).
	Timeout func() (time.Duration, error)
}

// Recorder is the part of the delivery record commands change.
type Recorder interface {
	Record(host, value, tokenID string, revoked ...string) error
	Forget(host string, tokenIDs ...string) error
}

// Deps hands out the factory's dependencies.
func (f *Factory) Deps() Deps {
	return Deps{
		IO:           f.IOStreams,
		Now:          f.Now,
		Printer:      f.Printer,
		Workspace:    f.Workspace,
		SignIn:       f.SignIn,
		ConfigFile:   f.ConfigFile,
		Credentials:  f.Credentials,
		Record:       func() Recorder { return f.Record() },
		UpdateConfig: f.UpdateConfig,
		Asker:        func() tokens.Asker { return NewAsker(f.IOStreams, f.Now) },
		Timeout:      f.Timeout,
	}
}

// SelectProfiles resolves --all-profiles / --profiles to profile names, in
// the config file's order.
func (f *Factory) SelectProfiles(sel tokenflags.Profiles) ([]string, error) {
	file, err := f.ConfigFile()
	if err != nil {
		return nil, &failure.ConfigError{Msg: err.Error()}
	}
	names, err := fanout.Select(file, sel.All, sel.Patterns)
	if err != nil {
		return nil, &failure.ConfigError{Msg: err.Error()}
	}
	return names, nil
}

// FindToken signs in to the selected workspace and finds one token by ID
// or unique prefix in the scope, with the error a user can act on when it
// is not there: the lookup every single-token command starts with.
func (d Deps) FindToken(ctx context.Context, scope tokens.Scope, id string) (*workspace.Workspace, tokens.Token, error) {
	ws, err := d.Workspace("")
	if err != nil {
		return nil, tokens.Token{}, err
	}
	t, err := tokens.Find(ctx, scope, ws.Tokens, id)
	if err != nil {
		return nil, tokens.Token{}, tokens.FindFailed(ws.Place, scope, id, err, ws.CredentialsHint())
	}
	return ws, t, nil
}

// PrepareDelivery checks every destination req names before a token is
// created in ws: secrets go to ws unless --secret-profile names another
// workspace. what names the token in messages.
func (d Deps) PrepareDelivery(ctx context.Context, req delivery.Request, ws *workspace.Workspace, what string) ([]delivery.Destination, error) {
	timeout, err := d.Timeout()
	if err != nil {
		return nil, err
	}
	return delivery.Prepare(ctx, req, delivery.Env{
		What: what, Timeout: timeout, Output: d.IO.ErrOut,
		Secrets: func(ctx context.Context, profile string) (delivery.SecretsAPI, tokens.Place, error) {
			target := ws
			if profile != "" && profile != ws.Profile {
				if target, err = d.Workspace(profile); err != nil {
					return nil, tokens.Place{}, err
				}
			}
			if target.Secrets == nil {
				return nil, tokens.Place{}, fmt.Errorf("%s offers no Secrets API to dbtok", target)
			}
			return target.Secrets, target.Place, nil
		},
	})
}

// Selection checks --all-profiles/--profiles/--parallel against --profile
// and resolves them: the profiles, in the config file's order (nil for the
// one selected workspace), and the parallelism.
func (f *Factory) Selection(sel tokenflags.Profiles) ([]string, int, error) {
	if err := sel.Validate(f.Globals.Profile); err != nil {
		return nil, 0, err
	}
	if !sel.Active() {
		return nil, sel.Parallel, nil
	}
	names, err := f.SelectProfiles(sel)
	return names, sel.Parallel, err
}

// HostOf is a profile's host as the config file names it, for a workspace
// that could not be opened ("" when the file does not say).
func (d Deps) HostOf(profile string) string {
	if d.ConfigFile == nil {
		return ""
	}
	file, err := d.ConfigFile()
	if err != nil || file == nil {
		return ""
	}
	p, ok := file.Get(profile)
	if !ok {
		return ""
	}
	return p.Host()
}
