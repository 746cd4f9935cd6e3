// Package build holds the version information stamped into the binary at link time.
package build

import "runtime/debug"

// Set with -ldflags "-X github.com/dbtok/dbtok/internal/build.Version=..." by the Makefile and goreleaser.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

func init() {
	// `go install module@version` cannot pass ldflags, but the module version
	// and VCS stamp are still recorded in the binary: use them as a fallback.
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && Commit == "":
			Commit = s.Value
		case s.Key == "vcs.time" && Date == "":
			Date = s.Value
		}
	}
}
