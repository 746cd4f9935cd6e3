// Package workspace connects dbtok to a Databricks workspace through the
// SDK: it picks the profile by the SDK's own rules, bounds every wait by
// --timeout, and keeps credentials out of logs.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/databricks/databricks-sdk-go/client"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/useragent"
	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/hostmeta"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/tokens"
	"golang.org/x/mod/semver"
)

type Options struct {
	Profile    string // --profile; empty means DATABRICKS_CONFIG_PROFILE, then the file's default
	ConfigFile string // --config-file; empty means DATABRICKS_CONFIG_FILE, then ~/.databrickscfg
	// Timeout bounds signing in and then every API call of the workspace.
	Timeout time.Duration
	Debug   bool
	// Warn receives warnings that do not stop the command (one line each).
	Warn func(string)
	// File, when set, is the already-read config file at ConfigFile's path.
	File *databrickscfg.File
}

// Workspace is a resolved, authenticated connection.
type Workspace struct {
	tokens.Place
	ConfigFile string
	AuthType   string
	// Tokens is the Token API, each call bounded by --timeout; Settings,
	// Permissions and Secrets the other APIs commands use, likewise.
	Tokens      tokens.API
	Settings    tokens.SettingsAPI
	Permissions tokens.PermissionsAPI
	Secrets     delivery.SecretsAPI
	// Directory names the principals tokens belong to (SCIM).
	Directory tokens.DirectoryAPI
	// Credential is the PAT this workspace signs in with, when it uses
	// one: commands must not revoke it by accident.
	Credential tokens.Secret
	// CredentialFromEnv is set when that PAT is DATABRICKS_TOKEN rather
	// than the profile's token line.
	CredentialFromEnv bool
	// HostFromEnv is set when the host is DATABRICKS_HOST's.
	HostFromEnv bool
}

// Signer names what signs in with the workspace's credential: its profile,
// or DATABRICKS_TOKEN.
func (w *Workspace) Signer() string {
	if w.CredentialFromEnv || w.Profile == "" {
		return tokens.EnvCredential
	}
	return w.Profile
}

// CredentialsHint says where to check a refused credential.
func (w *Workspace) CredentialsHint() string {
	switch {
	case w.CredentialFromEnv:
		return "check DATABRICKS_TOKEN, which overrides the profile's token"
	case w.Profile != "":
		return fmt.Sprintf("check the credentials of profile %s in %s", w.Profile, w.ConfigFile)
	}
	return "check DATABRICKS_TOKEN or your other credentials"
}

// ProfileFromEnv is the profile named by the environment, as the SDK reads it.
func ProfileFromEnv() string { return os.Getenv("DATABRICKS_CONFIG_PROFILE") }

// ConfigPath is the config file dbtok and the SDK will read.
func ConfigPath(flag string) string {
	if flag != "" {
		return databrickscfg.ExpandHome(flag)
	}
	return databrickscfg.DefaultPath()
}

// Open resolves the workspace and authenticates, all within opts.Timeout:
// the SDK resolves credentials on a context of its own, and some methods
// (OAuth discovery, a CLI that never returns) could otherwise wait for
// minutes.
func Open(opts Options) (*Workspace, error) {
	profile := opts.Profile
	if profile == "" {
		profile = ProfileFromEnv()
	}
	path := ConfigPath(opts.ConfigFile)
	where := "the workspace"
	var file *databrickscfg.File
	// When the SDK is going to read the config file, read it first: the
	// SDK ignores a missing file, quotes unparsable lines (secrets
	// included) and reports a missing profile only as "cannot configure
	// default credentials".
	if profile != "" || !configuredByEnv() {
		// A name from DATABRICKS_CONFIG_PROFILE is easy to forget in a
		// stale export: the error says where it came from.
		fromEnv := opts.Profile == "" && profile != ""
		f, p, err := checkConfigFile(path, profile, fromEnv, opts.File, opts.Warn)
		if err != nil {
			return nil, err
		}
		file = f
		where = fmt.Sprintf("profile %s (%s)", p.Name, p.Host())
	} else if h := os.Getenv("DATABRICKS_HOST"); h != "" {
		if err := validateHost(h); err != nil {
			return nil, &failure.ConfigError{Msg: "DATABRICKS_HOST " + err.Error()}
		}
		where = h
	}

	type result struct {
		ws  *Workspace
		err error
	}
	done := make(chan result, 1)
	go func() {
		ws, err := connect(opts, profile, path, file)
		done <- result{ws, err}
	}()
	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.ws, r.err
	case <-timer.C:
		return nil, &failure.APIError{Kind: failure.KindTimeout, Waited: opts.Timeout, Message: fmt.Sprintf(
			"cannot authenticate to %s: no answer within %s; try again, or raise --timeout", where, opts.Timeout)}
	}
}

var userAgentOnce sync.Once

// setUserAgent makes requests say they come from dbtok, so that workspace
// audit logs can tell it apart. The SDK panics on a version that is not
// semver (a dev build's "f925d0b-dirty"), hence the check and the recover.
func setUserAgent() {
	userAgentOnce.Do(func() {
		v := strings.TrimPrefix(build.Version, "v")
		if !semver.IsValid("v" + v) {
			// A dev build's version ("f925d0b-dirty") goes in as build
			// metadata, so audit logs can still tell builds apart.
			v = "0.0.0-dev"
			// "(devel)" (an unstamped build) becomes "0.0.0-dev+devel".
			if meta := strings.Trim(regexp.MustCompile(`[^0-9A-Za-z-]+`).ReplaceAllString(build.Version, "."), ".-"); meta != "" {
				v += "+" + meta
			}
		}
		defer func() { _ = recover() }()
		useragent.WithProduct("dbtok", v)
	})
}

// connect signs in; file, when set, is the config file as checked, which
// the SDK then reads from memory instead of parsing it again.
func connect(opts Options, profile, path string, file *databrickscfg.File) (*Workspace, error) {
	setUserAgent()
	secs := sdkSeconds(opts.Timeout)
	var fromFile config.Loader = config.ConfigFile
	if file != nil {
		fromFile = parsedFile{file: file}
	}
	cfg := &config.Config{
		Profile:    profile,
		ConfigFile: path,
		// The SDK's defaults are 5 minutes of retries and a 60 s inactivity
		// timeout: a CLI must give up when the user said so.
		RetryTimeoutSeconds: secs,
		HTTPTimeoutSeconds:  secs,
		HTTPTransport:       newTransport(opts.Timeout),
		Loaders:             []config.Loader{config.ConfigAttributes, fromFile, hygiene{debug: opts.Debug}},
	}
	var probe error
	cfg.HostMetadataResolver = hostMetadata(cfg, &probe)

	c, err := client.New(cfg)
	if err != nil {
		return nil, resolveError(err)
	}
	// The SDK looked the workspace up first (for OAuth and other auth
	// methods; a PAT needs no lookup). If the host could not be reached at
	// all, every auth method would fail or wait for a metadata service:
	// say what is wrong now, as a network problem, not a credential one.
	if n := network(probe); n != nil && n.Kind != failure.KindProtocol {
		n.Message = fmt.Sprintf("cannot reach %s to sign in: %s; %s", authWhere(cfg), n.Message, hostHint(cfg.Profile != ""))
		return nil, n
	}
	// Authenticate now rather than inside the first API call, so that
	// "no credentials" is reported as such, not as a failed request.
	if err := cfg.Authenticate(&http.Request{Header: http.Header{}}); err != nil {
		return nil, authError(cfg, path, err)
	}
	api, err := newTokensAPI(c, opts.Timeout)
	if err != nil {
		return nil, &failure.ConfigError{Msg: redact.String(err.Error())}
	}
	set, perms := newPolicyAPIs(api.once, api.caller)
	ws := &Workspace{
		Place:       tokens.Place{Profile: cfg.Profile, Host: cfg.Host},
		ConfigFile:  path,
		AuthType:    cfg.AuthType,
		Tokens:      api,
		Settings:    set,
		Permissions: perms,
		Secrets:     newSecretsAPI(api.once, api.caller),
		Directory:   &directoryAPI{caller: api.caller, client: api.client},
	}
	if cfg.AuthType == "pat" {
		ws.Credential = tokens.NewSecret(cfg.Token)
		ws.CredentialFromEnv = os.Getenv("DATABRICKS_TOKEN") != ""
	}
	ws.HostFromEnv = os.Getenv("DATABRICKS_HOST") != ""
	return ws, nil
}

// OpenPAT connects to host with a personal access token and nothing else:
// no profile, no environment, no other auth method. rotate uses it to prove
// a new token works before anything depends on it.
func OpenPAT(host string, token string, timeout time.Duration) (*Workspace, error) {
	setUserAgent()
	secs := sdkSeconds(timeout)
	cfg := &config.Config{
		Host:                host,
		Token:               token,
		AuthType:            "pat",
		RetryTimeoutSeconds: secs,
		HTTPTimeoutSeconds:  secs,
		HTTPTransport:       newTransport(timeout),
		Loaders:             []config.Loader{hygiene{}},
	}
	cfg.HostMetadataResolver = hostMetadata(cfg, nil)
	c, err := client.New(cfg)
	if err != nil {
		return nil, resolveError(err)
	}
	api, err := newTokensAPI(c, timeout)
	if err != nil {
		return nil, &failure.ConfigError{Msg: redact.String(err.Error())}
	}
	return &Workspace{Place: tokens.Place{Host: cfg.Host}, AuthType: "pat", Tokens: api, Credential: tokens.NewSecret(token),
		Directory: &directoryAPI{caller: api.caller, client: api.client}}, nil
}

// sdkSeconds is the SDK's own retry and inactivity limit for a --timeout:
// a second longer, so that dbtok's deadline always ends a wait first and
// the message is the same whichever clock would have run out.
func sdkSeconds(timeout time.Duration) int {
	return int(math.Ceil(timeout.Seconds())) + 1
}

// validateHost accepts what the SDK accepts, and says how to fix the rest.
func validateHost(h string) error {
	u, err := url.Parse(h)
	if err == nil && u.Host != "" {
		if u.Scheme != "https" && u.Scheme != "http" {
			return fmt.Errorf("%q has scheme %q: use https://%s", h, u.Scheme, u.Host)
		}
		return nil
	}
	if !strings.Contains(h, "://") {
		if u2, err2 := url.Parse("https://" + h); err2 == nil && u2.Hostname() != "" {
			if err != nil {
				// The SDK only adds https:// to what parses on its own.
				return fmt.Errorf("%q has no scheme: use https://%s", h, h)
			}
			return nil
		}
	}
	return fmt.Errorf("%q is not a workspace URL: use https://<your-workspace>", h)
}

// configuredByEnv reports whether the environment alone configures the
// SDK (a host or a credential), in which case, with no profile named, the
// SDK does not read the config file at all.
func configuredByEnv() bool {
	var env config.Config
	if err := config.ConfigAttributes.Configure(&env); err != nil {
		return false
	}
	return env.Host != "" || hasCredentials(&env)
}

// checkConfigFile validates the file and the profile the SDK will use,
// and returns the file and that profile.
func checkConfigFile(path, profile string, fromEnv bool, f *databrickscfg.File, warn func(string)) (*databrickscfg.File, databrickscfg.Profile, error) {
	var none databrickscfg.Profile
	var err error
	if f == nil || f.Path != path {
		f, err = databrickscfg.Load(path)
	}
	switch {
	case errors.Is(err, databrickscfg.ErrNotFound) && profile != "":
		return nil, none, &failure.ConfigError{Msg: fmt.Sprintf("profile %q: config file %s does not exist; create it or pass --config-file", profile, path)}
	case errors.Is(err, databrickscfg.ErrNotFound):
		return nil, none, &failure.AuthError{Msg: fmt.Sprintf("no Databricks workspace configured: %s does not exist; set DATABRICKS_HOST and DATABRICKS_TOKEN, or create it (see `dbtok --help`)", path)}
	case err != nil:
		return nil, none, &failure.ConfigError{Msg: err.Error()}
	}
	if warn != nil && f.ExposedToOthers() && f.HasSecrets() {
		warn(fmt.Sprintf("%s holds credentials but other users can access it (mode %04o); run: chmod 600 %s", path, f.Mode, path))
	}
	name := profile
	if name == "" {
		name = f.DefaultProfile()
	}
	p, ok := f.Get(name)
	if !ok {
		return nil, none, &failure.ConfigError{Msg: missingProfile(f, path, name, profile != "", fromEnv)}
	}
	if p.Host() == "" {
		return nil, none, &failure.ConfigError{Msg: fmt.Sprintf("profile %s in %s has no host; add host = https://<your-workspace>", name, path)}
	}
	if err := validateHost(p.Host()); err != nil {
		return nil, none, &failure.ConfigError{Msg: fmt.Sprintf("profile %s in %s: host %v", name, path, err)}
	}
	return f, p, nil
}

func missingProfile(f *databrickscfg.File, path, name string, named, fromEnv bool) string {
	if len(f.Profiles) == 0 {
		return fmt.Sprintf("%s has no profiles; add one, e.g. [DEFAULT] with host and token", path)
	}
	available := strings.Join(f.Names(), ", ")
	if !named {
		return fmt.Sprintf("no profile selected and %s has no %s profile; pass --profile (available: %s)", path, name, available)
	}
	src, fix := "", ""
	if fromEnv {
		src, fix = " (from DATABRICKS_CONFIG_PROFILE)", "; unset the variable or pass --profile"
	}
	for _, n := range f.Names() {
		if strings.EqualFold(n, name) {
			return fmt.Sprintf("profile %q%s not found in %s: did you mean %q? (profile names are case-sensitive)%s", name, src, path, n, fix)
		}
	}
	return fmt.Sprintf("profile %q%s not found in %s; available profiles: %s%s", name, src, path, available, fix)
}

func resolveError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, ". Config:"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimPrefix(msg, "resolve: ")
	msg = strings.TrimPrefix(msg, "validate: ")
	return &failure.ConfigError{Msg: redact.String(msg)}
}

// authWhere names the workspace being signed in to.
func authWhere(cfg *config.Config) string {
	if cfg.Profile != "" {
		return fmt.Sprintf("profile %s (%s)", cfg.Profile, cfg.Host)
	}
	return cfg.Host
}

func authError(cfg *config.Config, path string, err error) error {
	if cfg.Host == "" {
		if cfg.Profile == "" && hasCredentials(cfg) {
			// The SDK reads no config file once credentials come from the
			// environment, so a profile's host does not apply either.
			return &failure.ConfigError{Msg: fmt.Sprintf("no Databricks host configured: %s is set, so the config file is not read (the Databricks SDK's rule); set DATABRICKS_HOST as well, or pass --profile NAME to use a profile's host", envCredentialNames())}
		}
		return &failure.AuthError{Msg: "no Databricks host configured: set DATABRICKS_HOST, or pass --profile with a profile that has a host"}
	}
	where := cfg.Host
	if cfg.Profile != "" {
		where = fmt.Sprintf("profile %s (%s)", cfg.Profile, cfg.Host)
	}
	if errors.Is(err, config.ErrCannotConfigureDefault) && !hasCredentials(cfg) {
		if cfg.Profile != "" {
			return &failure.AuthError{Msg: fmt.Sprintf("no credentials for %s: add token = <a PAT> (or another auth method) to the profile in %s", where, path)}
		}
		return &failure.AuthError{Msg: fmt.Sprintf("no credentials for %s: set DATABRICKS_TOKEN, or use a profile", where)}
	}
	if errors.Is(err, config.ErrCannotConfigureDefault) {
		return &failure.AuthError{Msg: fmt.Sprintf("cannot authenticate to %s: the configured credentials (%s) did not work; check them (--debug shows why)", where, strings.Join(credentialNames(cfg), ", "))}
	}
	msg := err.Error()
	if i := strings.Index(msg, ". Config:"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimPrefix(msg, "default auth: ")
	if errors.Is(err, config.ErrCliNotFound) || strings.Contains(msg, "databricks CLI not found") {
		return &failure.AuthError{Msg: fmt.Sprintf("cannot authenticate to %s: the profile signs in through the Databricks CLI, which is not installed: install it and run `databricks auth login --host %s`, or give the profile a token", where, cfg.Host)}
	}
	return &failure.AuthError{Msg: fmt.Sprintf("cannot authenticate to %s: %s (--debug shows more)", where, redact.String(strings.Join(strings.Fields(msg), " ")))}
}

// hasCredentials reports whether any credential is configured at all.
func hasCredentials(cfg *config.Config) bool { return len(credentialNames(cfg)) > 0 }

// credentialNames lists the credential settings that are set (names only).
func credentialNames(cfg *config.Config) []string {
	var names []string
	for _, a := range config.ConfigAttributes {
		if a.HasAuthAttribute() && !a.IsZero(cfg) {
			names = append(names, a.Name)
		}
	}
	return names
}

// envCredentialNames names the environment variables that set credentials
// (DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID, ...), never their values.
func envCredentialNames() string {
	var names []string
	for _, a := range config.ConfigAttributes {
		if !a.HasAuthAttribute() {
			continue
		}
		for _, env := range a.EnvVars {
			if os.Getenv(env) != "" {
				names = append(names, env)
			}
		}
	}
	if len(names) == 0 {
		return "a credential variable"
	}
	return strings.Join(names, " and ")
}

// registerSecrets teaches the redactor every credential the SDK resolved,
// so they are scrubbed from debug output and error text.
func registerSecrets(cfg *config.Config) {
	for _, a := range config.ConfigAttributes {
		if a.Sensitive {
			redact.Add(a.GetString(cfg))
		}
	}
}

// DefaultRateLimit replaces the SDK's client-side limit of 15 requests per
// second unless DATABRICKS_RATE_LIMIT or a profile's rate_limit sets one:
// dbtok already bounds its concurrency (--parallel), and at 15/s revoking
// a few hundred tokens would take half a minute. A workspace that wants
// fewer answers 429, which the SDK waits out.
const DefaultRateLimit = 500

// hygiene runs after the SDK has read the environment and the config file.
// DATABRICKS_DEBUG_HEADERS or debug_headers = true would make the SDK log
// the Authorization header in clear; dbtok shows headers only with --debug,
// where its own logger redacts them.
type hygiene struct{ debug bool }

func (hygiene) Name() string { return "dbtok-hygiene" }

func (h hygiene) Configure(cfg *config.Config) error {
	cfg.DebugHeaders = h.debug
	if cfg.RateLimitPerSecond == 0 {
		cfg.RateLimitPerSecond = DefaultRateLimit
	}
	// Before any request is made or logged.
	registerSecrets(cfg)
	return nil
}

// hostMetadata saves the SDK's /.well-known/databricks-config lookup, which
// would double the round trips of every command. With a PAT it is skipped:
// it feeds OAuth discovery and cloud detection, which token calls with a
// PAT never use. For other auth methods the answer is cached per host.
// A network failure of the lookup is kept in *failed, when given.
func hostMetadata(cfg *config.Config, failed *error) config.HostMetadataResolver {
	return func(ctx context.Context, host string) (*config.HostMetadata, error) {
		if cfg.Token != "" && (cfg.AuthType == "" || cfg.AuthType == "pat") {
			return nil, nil
		}
		if m, ok := hostmeta.Load(host, time.Now()); ok {
			return m, nil
		}
		m, err := cfg.DefaultHostMetadataResolver()(ctx, host)
		if err == nil {
			hostmeta.Store(host, m, time.Now())
		} else if failed != nil {
			*failed = err
		}
		return m, err
	}
}

// Fail describes a failed call: "cannot <action> in <workspace>: <cause>;
// <what to do>", keeping err's kind and exit code.
func (w *Workspace) Fail(action string, err error) error {
	cause := failure.Cause(err, w.CredentialsHint())
	if failure.KindOf(err) == failure.KindUnreachable && w.HostFromEnv {
		cause = strings.Replace(cause, "check the host and your network", hostHint(w.Profile != ""), 1)
	}
	return failure.Wrapf(err, "cannot %s in %s: %s", action, w, cause)
}

// FailList explains a failed listing of the scope's tokens; the Token
// Management API (--all-users) needs workspace admin rights, which is the
// usual reason it is refused.
func (w *Workspace) FailList(scope tokens.Scope, err error) error {
	if !scope.AllUsers {
		return w.Fail("list tokens", err)
	}
	if failure.KindOf(err) == failure.KindPermission {
		return failure.Wrapf(err, "cannot list every user's tokens in %s: workspace admin rights are needed for --all-users (HTTP 403)", w)
	}
	return w.Fail("list every user's tokens", err)
}

// hostHint says what to check when the host does not answer: the host is
// DATABRICKS_HOST's when that is set, whatever the profile says.
func hostHint(profile bool) string {
	switch {
	case os.Getenv("DATABRICKS_HOST") == "":
		return "check the host and your network"
	case profile:
		return "check DATABRICKS_HOST, which overrides the profile's host, and your network"
	}
	return "check DATABRICKS_HOST and your network"
}
