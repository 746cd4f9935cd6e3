package workspace

import (
	"fmt"

	"github.com/databricks/databricks-sdk-go/config"
	"github.com/dbtok/dbtok/internal/databrickscfg"
)

// parsedFile is the SDK's config-file loader over a file dbtok has already
// read and parsed once for the run. The SDK's own loader reads and parses
// the whole file for every workspace it signs in to, so that a run over
// every profile of a file of n profiles did n² work: half a second of CPU
// at 500 profiles. It follows the SDK's loader rule for rule (config.ConfigFile):
// skipped when nothing names a profile and the environment already
// configures a host or credentials, the file's default profile otherwise,
// and values set earlier (the environment) are never overwritten. The
// File is read with the SDK's own INI library and options (databrickscfg),
// so the values are the ones the SDK would have read.
type parsedFile struct {
	file *databrickscfg.File
}

func (parsedFile) Name() string { return "config-file" }

func (l parsedFile) Configure(cfg *config.Config) error {
	if cfg.Profile == "" && (hasCredentials(cfg) || cfg.Host != "" || cfg.AzureResourceID != "") {
		return nil
	}
	name, fallback := cfg.Profile, false
	if name == "" {
		name = l.file.DefaultProfile()
		fallback = name == "DEFAULT"
	}
	if name == databrickscfg.SettingsSection {
		return fmt.Errorf("%s is a reserved section name and cannot be used as a profile", name)
	}
	p, ok := l.file.Get(name)
	if !ok {
		if fallback {
			return nil
		}
		return fmt.Errorf("%s has no %s profile configured", l.file.Path, name)
	}
	src := config.Source{Type: config.SourceFile, Name: l.file.Path}
	if err := config.ConfigAttributes.ResolveFromStringMapWithSource(cfg, p.Keys, src); err != nil {
		return fmt.Errorf("%s %s profile: %w", l.file.Path, name, err)
	}
	cfg.Profile = name
	return nil
}
