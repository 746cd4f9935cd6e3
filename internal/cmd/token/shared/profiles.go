package shared

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/dbtok/dbtok/internal/cmdutil"
)

// ProfileSelection is --all-profiles / --profiles, for commands that can
// work on several workspaces at once.
type ProfileSelection struct {
	All      bool
	Patterns []string
	Parallel int
}

func (s *ProfileSelection) AddFlags(cmd *cobra.Command, f *cmdutil.Factory) {
	fs := cmd.Flags()
	fs.BoolVar(&s.All, "all-profiles", false, "work on every profile in the config file, concurrently")
	fs.StringSliceVar(&s.Patterns, "profiles", nil, "work on these `PROFILES` (comma-separated; globs such as prod-* allowed)")
	_ = cmd.RegisterFlagCompletionFunc("profiles", f.CompleteProfiles)
}

// Active reports whether several workspaces were asked for.
func (s *ProfileSelection) Active() bool { return s.All || len(s.Patterns) > 0 }

// Validate rejects combinations that cannot be meant.
func (s *ProfileSelection) Validate(f *cmdutil.Factory) error {
	switch {
	case s.All && len(s.Patterns) > 0:
		return cmdutil.FlagErrorf("use either --all-profiles or --profiles, not both")
	case s.Active() && f.Globals.Profile != "":
		return cmdutil.FlagErrorf("--profile names one workspace; with --all-profiles or --profiles leave it out")
	}
	if s.Parallel < 1 {
		return cmdutil.FlagErrorf("--parallel must be at least 1")
	}
	for _, p := range s.Patterns {
		if strings.TrimSpace(p) == "" {
			return cmdutil.FlagErrorf("--profiles has an empty name")
		}
	}
	return nil
}
