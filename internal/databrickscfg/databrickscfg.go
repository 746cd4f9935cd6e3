// Package databrickscfg reads the profiles in a .databrickscfg file, through
// viper, exactly as the Databricks SDK will read them when it authenticates.
package databrickscfg

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/spf13/viper"
	"gopkg.in/ini.v1"
)

// SettingsSection is the SDK's reserved section for tool settings; it is not a profile.
const SettingsSection = "__settings__"

type Profile struct {
	Name string
	// Keys holds the profile's settings as the SDK sees them (host, token, auth_type, ...).
	Keys map[string]string
}

func (p Profile) Host() string { return p.Keys["host"] }

// AuthType names how the SDK will authenticate this profile, following its
// own order: an explicit auth_type wins, otherwise the credentials present.
func (p Profile) AuthType() string {
	k := p.Keys
	switch {
	case k["auth_type"] != "":
		return k["auth_type"]
	case k["token"] != "":
		return "pat"
	case k["username"] != "" && k["password"] != "":
		return "basic"
	case k["client_id"] != "" && k["client_secret"] != "":
		return "oauth-m2m"
	case k["azure_client_secret"] != "":
		return "azure-client-secret"
	case k["azure_use_msi"] == "true":
		return "azure-msi"
	case k["google_credentials"] != "" || k["google_service_account"] != "":
		return "google"
	default:
		return "databricks-cli"
	}
}

type File struct {
	Path     string
	Mode     fs.FileMode
	Profiles []Profile
	// settings holds the [__settings__] section, where the Databricks CLI
	// records a default profile chosen with `databricks auth switch`.
	settings map[string]string
}

// DefaultPath is where the SDK looks: DATABRICKS_CONFIG_FILE, else ~/.databrickscfg.
func DefaultPath() string {
	if p := os.Getenv("DATABRICKS_CONFIG_FILE"); p != "" {
		return ExpandHome(p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".databrickscfg"
	}
	return filepath.Join(home, ".databrickscfg")
}

// ExpandHome expands a leading ~ as the SDK does.
func ExpandHome(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return home + p[1:]
}

// ErrNotFound is returned (wrapped) by Load when the file does not exist.
var ErrNotFound = errors.New("config file not found")

// MaxSize bounds what Load reads: a real config file is a few kilobytes,
// and a huge one is a mistake (the wrong path), not something to parse.
const MaxSize = 4 << 20

// Load reads the file at path. A missing file is ErrNotFound; a file that
// cannot be read or parsed gets an error that names it, and never quotes
// the file's contents, which hold credentials.
func Load(path string) (*File, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	case err != nil:
		return nil, fmt.Errorf("cannot read config file %s: %w", path, unwrapPathError(err))
	case st.IsDir():
		return nil, fmt.Errorf("config file %s is a folder, not a file", path)
	case !st.Mode().IsRegular():
		// A FIFO or a device would block the read, or never end.
		return nil, fmt.Errorf("config file %s is not a regular file (%s); point --config-file or DATABRICKS_CONFIG_FILE at a file", path, kind(st.Mode()))
	case st.Size() > MaxSize:
		return nil, fmt.Errorf("config file %s is %d MiB, too large to be a Databricks config file (limit %d MiB)", path, st.Size()>>20, MaxSize>>20)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config file %s: %w", path, unwrapPathError(err))
	}
	f, err := Parse(path, raw)
	if err != nil {
		return nil, err
	}
	f.Mode = st.Mode().Perm()
	return f, nil
}

// Parse reads a config file's contents as the SDK would; path is for
// messages. A rotation parses the file as read under its lock.
func Parse(path string, raw []byte) (*File, error) {
	// Checked first: the INI parser takes much of a binary file without
	// complaint, and would then report a garbled file as empty.
	if !isText(raw) {
		return nil, fmt.Errorf("cannot parse config file %s: it is not a text file", path)
	}
	v := viper.NewWithOptions(viper.WithCodecRegistry(codecRegistry()))
	v.SetConfigType("ini")
	if err := v.ReadConfig(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("cannot parse config file %s: %s", path, describeParseError(raw))
	}
	f := &File{Path: path}
	var sections []section
	if err := v.UnmarshalKey("sections", &sections); err != nil {
		return nil, fmt.Errorf("cannot parse config file %s: %w", path, err)
	}
	for _, s := range sections {
		switch {
		case s.Name == SettingsSection:
			f.settings = s.Keys
		case len(s.Keys) > 0:
			// The SDK treats a section without keys as "no such profile".
			f.Profiles = append(f.Profiles, Profile(s))
		}
	}
	return f, nil
}

// describeParseError locates the first line the INI parser cannot accept.
// The parser's own message quotes the line, which may hold a secret.
func describeParseError(raw []byte) string {
	if !isText(raw) {
		return "it is not a text file"
	}
	for i, line := range strings.Split(string(raw), "\n") {
		l := strings.TrimSpace(line)
		switch {
		case l == "", strings.HasPrefix(l, "#"), strings.HasPrefix(l, ";"):
		case strings.HasPrefix(l, "["):
			if !strings.Contains(l, "]") {
				return fmt.Sprintf("line %d: a [section] header is not closed", i+1)
			}
		case !strings.ContainsAny(l, "=:"):
			return fmt.Sprintf("line %d is neither a [profile] header nor key = value", i+1)
		}
	}
	return "it is not in INI format"
}

// isText reports whether raw can be a config file: UTF-8 without NULs.
func isText(raw []byte) bool { return utf8.Valid(raw) && bytes.IndexByte(raw, 0) < 0 }

// kind names a file type for messages.
func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a plain file"
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sensitiveKeys are the settings that hold credentials, as the SDK marks them.
var sensitiveKeys = []string{"token", "password", "client_secret", "azure_client_secret", "google_credentials", "actions_id_token_request_token"}

// HasSecrets reports whether any profile holds a credential.
func (f *File) HasSecrets() bool {
	for _, p := range f.Profiles {
		for _, k := range sensitiveKeys {
			if p.Keys[k] != "" {
				return true
			}
		}
	}
	return false
}

// ExposedToOthers reports whether users other than the owner may read or
// write the file, as ssh checks for private keys.
func (f *File) ExposedToOthers() bool {
	return runtime.GOOS != "windows" && f.Mode&0o077 != 0
}

// Get returns the named profile. Names are case-sensitive, as in the SDK.
func (f *File) Get(name string) (Profile, bool) {
	for _, p := range f.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

func (f *File) Names() []string {
	names := make([]string, len(f.Profiles))
	for i, p := range f.Profiles {
		names[i] = p.Name
	}
	return names
}

// DefaultProfile is the profile the SDK uses when none is named:
// [__settings__] default_profile if set, otherwise DEFAULT.
func (f *File) DefaultProfile() string {
	if p := strings.TrimSpace(f.settings["default_profile"]); p != "" {
		return p
	}
	return ini.DefaultSection
}

type section struct {
	Name string            `mapstructure:"name"`
	Keys map[string]string `mapstructure:"keys"`
}

// codec decodes INI the way the SDK's config.LoadFile does, into a shape
// that survives viper: viper lower-cases every map key and splits keys on
// dots, which would mangle profile names like [Acme.Prod]. Sections are
// therefore a list whose names are values, not keys.
type codec struct{}

func (codec) Decode(b []byte, v map[string]any) error {
	f := ini.Empty(ini.LoadOptions{
		// Tokens and passwords may contain '#': the SDK only treats " #" as a comment.
		SpaceBeforeInlineComment: true,
	})
	if err := f.Append(b); err != nil {
		return err
	}
	var sections []any
	for _, s := range f.Sections() {
		keys := map[string]any{}
		for _, k := range s.Keys() {
			// The SDK matches attribute names case-sensitively; a key it
			// would not see must not show up here either.
			if k.Name() != strings.ToLower(k.Name()) {
				continue
			}
			keys[k.Name()] = k.String()
		}
		sections = append(sections, map[string]any{"name": s.Name(), "keys": keys})
	}
	v["sections"] = sections
	return nil
}

func (codec) Encode(map[string]any) ([]byte, error) {
	return nil, errors.New("databrickscfg: writing through viper is not supported")
}

func codecRegistry() *viper.DefaultCodecRegistry {
	r := viper.NewCodecRegistry()
	_ = r.RegisterCodec("ini", codec{})
	return r
}
