package rotate

import (
	"context"
	"slices"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/tokenflags"
)

func TestNewCmdRotate(t *testing.T) {
	const id = "0123456789abcdef"
	tests := []struct {
		name    string
		args    []string
		env     string // DATABRICKS_TOKEN
		check   func(t *testing.T, o *Options)
		wantErr string
	}{
		{name: "by comment", args: []string{"--comment", "ci-*"}, check: func(t *testing.T, o *Options) {
			if o.Select.Describe() != `comment matching "ci-*"` || o.TokenID != "" || o.UpdateProfile || o.NewComment != nil || o.LifetimeSeconds != 0 || o.Parallel != fanout.Adaptive || o.Profiles != nil {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "by exact empty comment", args: []string{"--comment-exact", ""}, check: func(t *testing.T, o *Options) {
			if o.Select.Describe() != "without a comment" {
				t.Errorf("select %q", o.Select.Describe())
			}
		}},
		{name: "by ID, new comment, lifetime, file", args: []string{"--token-id", id, "--new-comment", "ci v2", "--lifetime", "30d", "--out", "f", "--force"}, check: func(t *testing.T, o *Options) {
			if o.TokenID != id || o.NewComment == nil || *o.NewComment != "ci v2" || o.LifetimeSeconds != 30*86400 || o.Delivery.File != "f" || !o.Delivery.Force {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "empty new comment is a comment", args: []string{"--comment", "x", "--new-comment", ""}, check: func(t *testing.T, o *Options) {
			if o.NewComment == nil || *o.NewComment != "" {
				t.Errorf("new comment %v", o.NewComment)
			}
		}},
		{name: "update profile", args: []string{"--update-profile", "--keep-old", "--yes", "--dry-run"}, check: func(t *testing.T, o *Options) {
			if !o.UpdateProfile || !o.KeepOld || o.Consent != (tokenflags.Consent{Yes: true, DryRun: true}) {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "every profile", args: []string{"--all-profiles", "--update-profile"}, check: func(t *testing.T, o *Options) {
			if !slices.Equal(o.Profiles, []string{"a", "b"}) {
				t.Errorf("profiles %v", o.Profiles)
			}
		}},
		{name: "no selection", args: nil, wantErr: "say which token to rotate: --comment, --token-id or --update-profile"},
		{name: "empty comment", args: []string{"--comment", ""}, wantErr: "--comment is empty"},
		{name: "both comments", args: []string{"--comment", "a", "--comment-exact", "a"}, wantErr: "either --comment (a glob) or --comment-exact"},
		{name: "bad glob", args: []string{"--comment", "[a"}, wantErr: "--comment"},
		{name: "control character", args: []string{"--comment", "x", "--new-comment", "a\tb"}, wantErr: "--new-comment contains a control character"},
		{name: "comment and ID", args: []string{"--comment", "x", "--token-id", id}, wantErr: "by --comment or by --token-id, not both"},
		{name: "short ID", args: []string{"--token-id", "0123"}, wantErr: "too short"},
		{name: "secret profile without secret", args: []string{"--comment", "ci", "--secret-profile", "x"}, wantErr: "--secret-profile only applies with --to-secret"},
		{name: "secret profile with several profiles", args: []string{"--all-profiles", "--comment", "ci", "--to-secret", "s/k", "--secret-profile", "x"}, wantErr: "would put every profile's new token into one secret"},
		{name: "bad secret", args: []string{"--comment", "ci", "--to-secret", "nokey"}, wantErr: "give SCOPE/KEY"},
		{name: "bad secret name", args: []string{"--comment", "ci", "--to-secret", "a b/k"}, wantErr: "may only have letters"},
		{name: "empty pipe", args: []string{"--comment", "ci", "--pipe-to", " "}, wantErr: "--pipe-to needs a command"},
		{name: "if expiring without unit", args: []string{"--comment", "ci", "--if-expiring-within", "14"}, wantErr: "--if-expiring-within"},
		{name: "if older than a date", args: []string{"--comment", "ci", "--if-older-than", "2026-01-01"}, wantErr: "is a date, but --if-older-than takes a duration"},
		{name: "update profile and comment", args: []string{"--update-profile", "--comment", "x"}, wantErr: "leave out --comment"},
		{name: "ID in several profiles", args: []string{"--all-profiles", "--token-id", id}, wantErr: "--token-id names a token in one workspace"},
		{name: "out in several profiles", args: []string{"--profiles", "a", "--comment", "x", "--out", "f"}, wantErr: "--out holds one token"},
		{name: "keep old and include own", args: []string{"--comment", "x", "--keep-old", "--include-own"}, wantErr: "--include-own has no effect with --keep-old"},
		{name: "bad lifetime", args: []string{"--comment", "x", "--lifetime-seconds", "-5"}, wantErr: "--lifetime-seconds must be a positive"},
		{name: "force without out", args: []string{"--comment", "x", "--force"}, wantErr: "--force only applies"},
		{name: "DATABRICKS_TOKEN overrides the profile", args: []string{"--update-profile"}, env: "dapi123", wantErr: "DATABRICKS_TOKEN is set"},
		{name: "unknown profiles", args: []string{"--profiles", "zzz", "--comment", "x"}, wantErr: `matches "zzz"`},
		{name: "argument", args: []string{"ci"}, wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmdtest.Hermetic(t)
			if tt.env != "" {
				t.Setenv("DATABRICKS_TOKEN", tt.env)
			}
			e := cmdtest.New(t)
			e.AddProfile("a", hostA)
			e.AddProfile("b", hostB)
			var got *Options
			cmd := NewCmdRotate(e.Factory(), func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			err := e.Exec(cmd, tt.args...)
			if tt.wantErr != "" {
				cmdtest.Code(t, err, failure.Usage)
				cmdtest.Contains(t, "error", err.Error(), tt.wantErr)
				if got != nil {
					t.Error("run was called")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}
