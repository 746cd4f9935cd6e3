// Package cmdtest runs commands in tests the way the GitHub CLI does: a
// command's run function gets Options whose cmdutil.Deps are fakes (test
// streams, a config file in a temp folder, one in-memory workspace per
// host from package tokenstest, an in-memory delivery record), and the test
// looks at what a user would see and what the workspaces hold afterwards.
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

// Now is the fixed time every test env runs at.
var Now = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// Env is one run's world: streams, config file, workspaces and record.
type Env struct {
	t testing.TB

	IO                    *iostreams.IOStreams
	Stdin, Stdout, Stderr *bytes.Buffer
	Clock                 time.Time
	ConfigPath            string
	Record                *tokenstest.Record
	// Output is -o, --jq and --template.
	Output output.Choice
	// Profile is --profile: the workspace Workspace("") opens; the config
	// file's default profile when empty.
	Profile string
	// EnvToken, when set, is DATABRICKS_TOKEN: it overrides the token of
	// every workspace opened, as the SDK does.
	EnvToken tokens.Secret
	// Asker is the person asked to confirm a plan; when nil, dbtok's own
	// asker on IO (which can ask only after IO.SetTerminal).
	Asker tokens.Asker

	mu sync.Mutex
	// fakes are the workspaces by host key.
	fakes map[string]*tokenstest.Fake
	// secrets are the workspaces' secret scopes by host key.
	secrets map[string]*Secrets
	// broken makes Workspace fail for a profile.
	broken map[string]error
	// signIns are the hosts SignIn was called for, in order.
	signIns []string
}

// New returns an env with an empty config file in a temp folder.
func New(t testing.TB) *Env {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	// Commands write to stderr from several goroutines at once (one per
	// workspace), which os.Stderr takes but a bytes.Buffer does not.
	ios.Out = &syncWriter{w: out}
	ios.ErrOut = &syncWriter{w: errOut}
	e := &Env{
		t: t, IO: ios, Stdin: in, Stdout: out, Stderr: errOut,
		Clock:      Now,
		ConfigPath: filepath.Join(t.TempDir(), ".databrickscfg"),
		Record:     &tokenstest.Record{},
		fakes:      map[string]*tokenstest.Fake{},
		secrets:    map[string]*Secrets{},
		broken:     map[string]error{},
	}
	e.WriteConfig("")
	return e
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Fake is the workspace at host, created on first use with the env's clock.
func (e *Env) Fake(host string) *tokenstest.Fake {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := tokens.HostKey(host)
	f, ok := e.fakes[key]
	if !ok {
		f = &tokenstest.Fake{Clock: e.now}
		e.fakes[key] = f
	}
	return f
}

func (e *Env) now() time.Time { return e.Clock }

// Secrets is the secret store of the workspace at host, created on first
// use without scopes.
func (e *Env) Secrets(host string) *Secrets {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := tokens.HostKey(host)
	s, ok := e.secrets[key]
	if !ok {
		s = &Secrets{scopes: map[string]map[string]secret{}, clock: e.now}
		e.secrets[key] = s
	}
	return s
}

// Secrets is a workspace's Databricks-backed secret scopes in memory.
type Secrets struct {
	mu     sync.Mutex
	scopes map[string]map[string]secret
	clock  func() time.Time
	puts   int
}

type secret struct {
	value   string
	updated time.Time
}

// AddScope creates an empty scope.
func (s *Secrets) AddScope(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes[name] = map[string]secret{}
}

// Value is what scope/key holds.
func (s *Secrets) Value(scope, key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.scopes[scope][key]
	return v.value, ok
}

func (s *Secrets) Put(_ context.Context, scope, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.scopes[scope]
	if !ok {
		return &failure.APIError{Kind: failure.KindNotFound, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST", Message: "Scope " + scope + " does not exist!"}
	}
	// Each write moves the clock a little, as writes do.
	s.puts++
	sc[key] = secret{value: value, updated: s.clock().Add(time.Duration(s.puts) * time.Millisecond)}
	return nil
}

func (s *Secrets) Updated(_ context.Context, scope, key string) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.scopes[scope]
	if !ok {
		return time.Time{}, false, &failure.APIError{Kind: failure.KindNotFound, Status: 404, Code: "RESOURCE_DOES_NOT_EXIST", Message: "Scope " + scope + " does not exist!"}
	}
	v, ok := sc[key]
	return v.updated, ok, nil
}

// WriteConfig replaces the config file.
func (e *Env) WriteConfig(ini string) {
	e.t.Helper()
	if err := os.WriteFile(e.ConfigPath, []byte(ini), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// Config is the config file as it is now.
func (e *Env) Config() string {
	e.t.Helper()
	b, err := os.ReadFile(e.ConfigPath)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// AddProfile adds a profile that signs in to host with a new live token of
// that workspace (comment "profile NAME"), and returns that token.
func (e *Env) AddProfile(name, host string) tokens.Token {
	e.t.Helper()
	t, v := e.Fake(host).Add(tokenstest.Seed{Comment: "profile " + name, Created: e.Clock.Add(-30 * 24 * time.Hour)})
	e.AddProfileWithToken(name, host, v)
	return t
}

// AddProfileWithToken adds a profile that signs in to host with value.
func (e *Env) AddProfileWithToken(name, host string, value tokens.Secret) {
	e.t.Helper()
	e.WriteConfig(e.Config() + fmt.Sprintf("[%s]\nhost = %s\ntoken = %s\n\n", name, host, value.Reveal()))
}

// Break makes opening profile's workspace fail with err.
func (e *Env) Break(profile string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.broken[profile] = err
}

// SignIns are the hosts a new token was proven on, in order.
func (e *Env) SignIns() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.signIns...)
}

// configFile reads the config file as it is on disk now, as the factory
// reads it.
func (e *Env) configFile() (*databrickscfg.File, error) {
	return databrickscfg.Load(e.ConfigPath)
}

// Workspace opens a profile's workspace as the config file on disk says
// now, the way the SDK reads it for every sign-in: a profile rewritten by
// rotate signs in with its new token.
func (e *Env) Workspace(profile string) (*workspace.Workspace, error) {
	if profile == "" {
		profile = e.Profile
	}
	file, err := e.configFile()
	if err != nil {
		return nil, &failure.ConfigError{Msg: err.Error()}
	}
	if profile == "" {
		profile = file.DefaultProfile()
	}
	e.mu.Lock()
	broken := e.broken[profile]
	e.mu.Unlock()
	if broken != nil {
		return nil, broken
	}
	p, ok := file.Get(profile)
	if !ok {
		return nil, failure.Configf("profile %q not found in %s", profile, e.ConfigPath)
	}
	fake := e.Fake(p.Host())
	ws := &workspace.Workspace{
		Place:      tokens.Place{Profile: p.Name, Host: p.Host()},
		ConfigFile: e.ConfigPath,
		AuthType:   p.AuthType(),
		Tokens:     fake,
		Secrets:    e.Secrets(p.Host()),
		Directory:  fake,
	}
	switch {
	case !e.EnvToken.IsZero():
		ws.AuthType = "pat"
		ws.Credential = e.EnvToken
		ws.CredentialFromEnv = true
		ws.Tokens = fake.As(e.EnvToken)
	case p.Keys["token"] != "":
		ws.Credential = tokens.NewSecret(p.Keys["token"])
		ws.Tokens = fake.As(ws.Credential)
	}
	if d, ok := ws.Tokens.(tokens.DirectoryAPI); ok {
		ws.Directory = d
	}
	return ws, nil
}

// Deps are the fakes as commands take them. The printer is chosen once,
// at first use, from Output and what IO says about the terminal then, as
// the factory does.
func (e *Env) Deps() cmdutil.Deps {
	var once sync.Once
	var printer *output.Printer
	var printerErr error
	return cmdutil.Deps{
		IO:  e.IO,
		Now: e.now,
		Printer: func() (*output.Printer, error) {
			once.Do(func() {
				printer, printerErr = output.NewPrinter(e.Output, output.Context{
					TTY: e.IO.HumanLayout(), Width: e.IO.TerminalWidth(), Color: e.IO.ColorEnabled(), Now: e.Clock,
				}, e.IO.Out, e.IO.ErrOut)
			})
			return printer, printerErr
		},
		Workspace: e.Workspace,
		SignIn: func(host string, value tokens.Secret) (tokens.API, error) {
			e.mu.Lock()
			e.signIns = append(e.signIns, host)
			e.mu.Unlock()
			return e.Fake(host).As(value), nil
		},
		ConfigFile:  e.configFile,
		Credentials: e.Credentials,
		Record:      func() cmdutil.Recorder { return e.Record },
		UpdateConfig: func(ctx context.Context) (*databrickscfg.Update, error) {
			u, err := databrickscfg.BeginUpdate(ctx, e.ConfigPath)
			if err != nil {
				return nil, &failure.ConfigError{Msg: err.Error()}
			}
			return u, nil
		},
		Asker: func() tokens.Asker {
			if e.Asker != nil {
				return e.Asker
			}
			return cmdutil.NewAsker(e.IO, e.now)
		},
		Timeout: func() (time.Duration, error) { return cmdutil.DefaultTimeout, nil },
	}
}

// Credentials is what signs in, as the factory works it out: every
// profile of file (the one on disk when nil) with a token, and
// DATABRICKS_TOKEN for the workspaces opened with it.
func (e *Env) Credentials(file *databrickscfg.File, opened ...*workspace.Workspace) *tokens.Credentials {
	if file == nil {
		file, _ = e.configFile()
	}
	var all []tokens.Credential
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
	return tokens.NewCredentials(all, e.Record)
}

// Terminal is a fake controlling terminal: what dbtok writes to it, and
// the answers a person types, in order.
type Terminal struct {
	mu      sync.Mutex
	answers *strings.Reader
	shown   bytes.Buffer
}

// SetTerminal gives the env's streams a controlling terminal on which a
// person types answers (each ending in a newline).
func (e *Env) SetTerminal(answers string) *Terminal {
	t := &Terminal{answers: strings.NewReader(answers)}
	e.IO.SetTerminal(t)
	return t
}

func (t *Terminal) Read(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.answers.Read(p)
}

func (t *Terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shown.Write(p)
}

// Shown is everything written to the terminal.
func (t *Terminal) Shown() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.shown.String()
}

// Code is err's exit code, failing the test with the error's text in the
// message when it is not want.
func Code(t testing.TB, err error, want int) {
	t.Helper()
	if got := failure.Code(err); got != want {
		t.Fatalf("exit code %d, want %d (error: %v)", got, want, err)
	}
}

// Contains fails the test unless s contains every one of want.
func Contains(t testing.TB, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// Lacks fails the test if s contains any of bad.
func Lacks(t testing.TB, what, s string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(s, b) {
			t.Errorf("%s contains %q:\n%s", what, b, s)
		}
	}
}

// Factory is a factory for flag-parsing tests: test streams, this env's
// config file (for --profiles and --all-profiles) and clock. Commands
// built from it get the real dependencies; tests pass a runF that captures
// the Options instead of running.
func (e *Env) Factory() *cmdutil.Factory {
	return &cmdutil.Factory{
		IOStreams: e.IO,
		Globals:   &cmdutil.GlobalOptions{ConfigFile: e.ConfigPath},
		Now:       e.now,
	}
}

// Exec runs cmd with args as cobra would from the command line, output
// to the env's streams.
func (e *Env) Exec(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetIn(e.Stdin)
	cmd.SetOut(e.Stdout)
	cmd.SetErr(e.Stderr)
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	// cobra's own flag errors carry no exit code; the root command turns
	// them into usage errors, and so does this.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		var usage *failure.UsageError
		if errors.As(err, &usage) {
			return usage
		}
		return &failure.UsageError{Err: err}
	})
	return cmd.ExecuteContext(context.Background())
}

// Hermetic clears the environment variables that would make a test depend
// on the machine it runs on: the SDK's and dbtok's own.
func Hermetic(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "DATABRICKS_") || strings.HasPrefix(name, "DBTOK_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}
