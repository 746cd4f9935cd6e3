// Package databrickscfg reads the profiles in a .databrickscfg file, through
// viper, exactly as the Databricks SDK will read them when it authenticates.
package databrickscfg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

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

// Load reads the file at path. A missing file is ErrNotFound; a file that
// cannot be parsed gets an error that names it.
func Load(path string) (*File, error) {
	v := viper.NewWithOptions(viper.WithCodecRegistry(codecRegistry()))
	v.SetConfigFile(path)
	v.SetConfigType("ini")
	if err := v.ReadInConfig(); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
		}
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, fmt.Errorf("cannot read config file %s: %w", path, pathErr.Err)
		}
		return nil, fmt.Errorf("cannot parse config file %s: %s", path, parseErrorText(err))
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
			f.Profiles = append(f.Profiles, Profile{Name: s.Name, Keys: s.Keys})
		}
	}
	return f, nil
}

func parseErrorText(err error) string {
	msg := err.Error()
	// viper wraps decoder errors as "While parsing config: ...".
	msg = strings.TrimPrefix(msg, "While parsing config: ")
	return strings.ReplaceAll(msg, "\n", " ")
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

// SortedNames is Names in alphabetical order, for messages.
func (f *File) SortedNames() []string {
	n := f.Names()
	sort.Strings(n)
	return n
}
