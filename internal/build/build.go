// Package build holds the version information of the binary.
//
// One version story, whichever way dbtok was built from a commit:
//
//   - goreleaser and `make build` stamp Version, Commit and Date with
//     -ldflags -X. Both use the Go module version of the commit: the tag
//     (v0.1.0) on a tagged commit, else Go's pseudo-version
//     (v0.1.1-0.20261123163007-f454efd3469b); Date is the commit's date,
//     so that the binary is reproducible.
//   - `go install github.com/dbtok/dbtok/cmd/dbtok@v0.1.0` cannot pass
//     ldflags: the module version recorded in the binary's build info is
//     the same string, and a pseudo-version also names its commit and date.
//   - Otherwise (a plain `go build` in a checkout without VCS stamping)
//     the version is "(devel)", as Go itself says, never a made-up number.
package build

import (
	"runtime/debug"
	"time"

	"golang.org/x/mod/module"
)

// Devel is the version of a build that carries no version information.
const Devel = "(devel)"

// Set with -ldflags "-X github.com/dbtok/dbtok/internal/build.Version=..." by
// the Makefile and goreleaser; empty values are filled in by init.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

func init() {
	info, _ := debug.ReadBuildInfo()
	Version, Commit, Date = resolve(Version, Commit, Date, info)
}

// resolve fills what the linker did not set from the build info: the main
// module's version, the VCS stamp, and the commit and date that a
// pseudo-version names.
func resolve(version, commit, date string, info *debug.BuildInfo) (string, string, string) {
	if info != nil {
		if version == "" && info.Main.Version != "" && info.Main.Version != Devel {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && commit == "":
				commit = s.Value
			case s.Key == "vcs.time" && date == "":
				date = s.Value
			}
		}
	}
	if version == "" {
		return Devel, commit, date
	}
	if module.IsPseudoVersion(version) {
		if rev, err := module.PseudoVersionRev(version); err == nil && commit == "" {
			commit = rev
		}
		if t, err := module.PseudoVersionTime(version); err == nil && date == "" {
			date = t.UTC().Format(time.RFC3339)
		}
	}
	return version, commit, date
}
