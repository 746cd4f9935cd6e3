package build

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	withMain := func(v string, settings ...debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/dbtok/dbtok", Version: v}, Settings: settings}
	}
	stamp := []debug.BuildSetting{{Key: "vcs.revision", Value: "f454efd3469b7efc4903115ac4d904f7f47d2997"}, {Key: "vcs.time", Value: "2026-11-23T16:30:07Z"}}
	for _, tc := range []struct {
		name                  string
		version, commit, date string
		info                  *debug.BuildInfo
		want                  [3]string
	}{
		{"ldflags win", "v0.1.0", "abc", "2026-11-23T16:30:07Z", withMain("v9.9.9"),
			[3]string{"v0.1.0", "abc", "2026-11-23T16:30:07Z"}},
		{"go install from a tag", "", "", "", withMain("v0.1.0"),
			[3]string{"v0.1.0", "", ""}},
		{"go install of a commit", "", "", "", withMain("v0.1.1-0.20261123163007-f454efd3469b"),
			[3]string{"v0.1.1-0.20261123163007-f454efd3469b", "f454efd3469b", "2026-11-23T16:30:07Z"}},
		{"no tag yet", "", "", "", withMain("v0.0.0-20261123163007-f454efd3469b"),
			[3]string{"v0.0.0-20261123163007-f454efd3469b", "f454efd3469b", "2026-11-23T16:30:07Z"}},
		{"VCS stamp beats the pseudo-version's short commit", "", "", "", withMain("v0.0.0-20261123163007-f454efd3469b", stamp...),
			[3]string{"v0.0.0-20261123163007-f454efd3469b", "f454efd3469b7efc4903115ac4d904f7f47d2997", "2026-11-23T16:30:07Z"}},
		{"checkout without VCS stamping", "", "", "", withMain("(devel)"),
			[3]string{"(devel)", "", ""}},
		{"checkout with VCS stamp only", "", "", "", withMain("(devel)", stamp...),
			[3]string{"(devel)", "f454efd3469b7efc4903115ac4d904f7f47d2997", "2026-11-23T16:30:07Z"}},
		{"no build info", "", "", "", nil,
			[3]string{"(devel)", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, c, d := resolve(tc.version, tc.commit, tc.date, tc.info)
			if got := [3]string{v, c, d}; got != tc.want {
				t.Errorf("resolve = %q, want %q", got, tc.want)
			}
		})
	}
}
