package revoke

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const (
	hostA = "https://a.example.com"
	hostB = "https://b.example.com"
	day   = 24 * time.Hour
)

var fullID = strings.Repeat("ab", 32)

func TestNewCmdRevoke(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		check   func(t *testing.T, o *Options)
		wantErr string
	}{
		{name: "IDs from stdin", args: []string{"-"}, stdin: "abcdef12\n\n  " + fullID + "  \n", check: func(t *testing.T, o *Options) {
			if !slices.Equal(o.IDs, []string{"abcdef12", fullID}) {
				t.Errorf("IDs %q", o.IDs)
			}
		}},
		{name: "bad ID from stdin", args: []string{"-"}, stdin: "abc\n", wantErr: `token ID "abc" is too short`},
		{name: "no IDs on stdin", args: []string{"-"}, stdin: "\n \n", wantErr: "no token IDs on stdin"},
		{name: "stdin and IDs", args: []string{"-", fullID}, wantErr: "give no other IDs"},
		{name: "too much stdin", args: []string{"-"}, stdin: strings.Repeat(fullID+"\n", maxStdin/64), wantErr: "more than 1048576 bytes"},
		{name: "value from stdin", args: []string{"--value-stdin"}, stdin: "dapi0123456789\n", check: func(t *testing.T, o *Options) {
			if o.Value.Reveal() != "dapi0123456789" || len(o.IDs) != 0 {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "no value", args: []string{"--value-stdin"}, stdin: " \n", wantErr: "no token value on stdin"},
		{name: "two values", args: []string{"--value-stdin"}, stdin: "dapi1\ndapi2\n", wantErr: "give exactly one token value"},
		{name: "value and filter", args: []string{"--value-stdin", "--expired"}, wantErr: "give no IDs or filters"},
		{name: "value in several profiles", args: []string{"--value-stdin", "--all-profiles"}, wantErr: "--value-stdin looks in one workspace"},
		{name: "full ID", args: []string{fullID}, check: func(t *testing.T, o *Options) {
			if !slices.Equal(o.IDs, []string{fullID}) || o.Filter.Active() || o.Consent != (tokenflags.Consent{}) || o.Parallel != fanout.Adaptive || o.Profiles != nil {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "prefixes and consent", args: []string{"abcdef12", "0123456789", "-y", "--include-own", "--dry-run"}, check: func(t *testing.T, o *Options) {
			if !slices.Equal(o.IDs, []string{"abcdef12", "0123456789"}) || o.Consent != (tokenflags.Consent{Yes: true, DryRun: true, IncludeOwn: true}) {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "short prefix", args: []string{"abc"}, wantErr: `token ID "abc" is too short`},
		{name: "path in ID", args: []string{"../../etc"}, wantErr: "invalid token ID"},
		{name: "nothing named", args: nil, wantErr: "no token ID given"},
		{name: "IDs and filters", args: []string{fullID, "--expired"}, wantErr: "give token IDs or filters, not both"},
		{name: "IDs in several profiles", args: []string{fullID, "--all-profiles"}, wantErr: "token IDs belong to one workspace"},
		{name: "created-by alone", args: []string{"--created-by", "bob"}, wantErr: "--created-by goes with --all-users"},
		{name: "created-by is a filter", args: []string{"--all-users", "--created-by", "bob"}, check: func(t *testing.T, o *Options) {
			if o.Scope != (tokens.Scope{AllUsers: true, CreatedBy: "bob"}) || len(o.IDs) != 0 {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "filters in every profile", args: []string{"--expired", "--all-profiles", "--parallel", "2"}, check: func(t *testing.T, o *Options) {
			if !slices.Equal(o.Profiles, []string{"a", "b"}) || o.Parallel != 2 || o.Filter.Describe() != "expired" {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "empty filter", args: []string{"--comment", " "}, wantErr: "--comment is empty"},
		{name: "bad parallel", args: []string{"--expired", "--parallel", "-1"}, wantErr: "--parallel must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmdtest.Hermetic(t)
			e := cmdtest.New(t)
			e.AddProfile("a", hostA)
			e.AddProfile("b", hostB)
			e.Stdin.WriteString(tt.stdin)
			var got *Options
			cmd := NewCmdRevoke(e.Factory(), func(_ context.Context, o *Options) error {
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

// world is one workspace with a profile and three other tokens.
type world struct {
	e              *cmdtest.Env
	fake           *tokenstest.Fake
	cred           tokens.Token // the token profile DEFAULT signs in with
	ci1, ci2, keep tokens.Token
}

func setup(t *testing.T) *world {
	t.Helper()
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	w := &world{e: e, fake: e.Fake(hostA)}
	w.cred = e.AddProfile("DEFAULT", hostA)
	now := cmdtest.Now
	w.ci1, _ = w.fake.Add(tokenstest.Seed{Comment: "ci-1", Created: now.Add(-60 * day), Lifetime: 90 * day})
	w.ci2, _ = w.fake.Add(tokenstest.Seed{Comment: "ci-2", Created: now.Add(-50 * day), Lifetime: 90 * day})
	w.keep, _ = w.fake.Add(tokenstest.Seed{Comment: "keep", Created: now.Add(-day)})
	return w
}

func (w *world) opts(mod func(o *Options)) *Options {
	o := &Options{Deps: w.e.Deps(), Parallel: 4}
	if mod != nil {
		mod(o)
	}
	return o
}

func (w *world) run(t *testing.T, mod func(o *Options)) error {
	t.Helper()
	return revokeRun(context.Background(), w.opts(mod))
}

type resultJSON struct {
	Revoked []struct {
		Profile *string `json:"profile"`
		TokenID string  `json:"token_id"`
		Comment *string `json:"comment"`
	} `json:"revoked"`
	Failed []struct {
		TokenID   string `json:"token_id"`
		Error     string `json:"error"`
		ErrorCode string `json:"error_code"`
	} `json:"failed"`
}

func decode(t *testing.T, b []byte) resultJSON {
	t.Helper()
	var r resultJSON
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, b)
	}
	if r.Revoked == nil || r.Failed == nil {
		t.Errorf("revoked and failed must be arrays, never null: %s", b)
	}
	return r
}

func TestRevokeByFullID(t *testing.T) {
	w := setup(t)
	// The workspace is known to derive IDs from values: a full ID costs
	// no listing at all.
	w.e.Record.NoteDigestIDs(hostA)
	w.e.Record.Remember(hostA, tokens.NewSecret("dapi-any"), w.ci1.ID)
	if err := w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID} }); err != nil {
		t.Fatal(err)
	}
	if calls := w.fake.Calls(); len(calls) != 1 || calls[0].Method != tokenstest.Revoke || calls[0].TokenID != w.ci1.ID {
		t.Fatalf("calls %+v: one revocation, no listing", calls)
	}
	if w.fake.Has(w.ci1.ID) || !w.fake.Has(w.ci2.ID) {
		t.Error("wrong token revoked")
	}
	res := decode(t, w.e.Stdout.Bytes())
	if len(res.Revoked) != 1 || res.Revoked[0].TokenID != w.ci1.ID || res.Revoked[0].Comment != nil || len(res.Failed) != 0 {
		t.Errorf("result %+v: a token never listed has no comment", res)
	}
	if f := w.e.Record.Forgotten(); len(f) != 1 || f[0].Host != hostA || !slices.Equal(f[0].IDs, []string{w.ci1.ID}) {
		t.Errorf("record forgot %+v", f)
	}
	if ids := w.e.Record.IssuedIDs(hostA); len(ids) != 0 {
		t.Errorf("record still has %v", ids)
	}
}

func TestRevokeLearnsDigestIDsFromOneListing(t *testing.T) {
	w := setup(t)
	// Fresh record: the profile's token cannot be told apart from the one
	// named until a listing shows IDs are digests of values.
	if err := w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID} }); err != nil {
		t.Fatal(err)
	}
	if n := len(w.fake.CallsTo(tokenstest.List)); n != 1 {
		t.Errorf("%d listings, want 1", n)
	}
	if !w.e.Record.UsesDigestIDs(hostA) {
		t.Error("what the listing proved was not remembered")
	}
	if w.fake.Has(w.ci1.ID) {
		t.Error("not revoked")
	}
}

func TestRevokeByPrefix(t *testing.T) {
	w := setup(t)
	w.e.IO.SetStdoutTTY(true)
	if err := w.run(t, func(o *Options) { o.IDs = []string{w.ci2.ID[:10]} }); err != nil {
		t.Fatal(err)
	}
	if got := w.fake.Revoked(); !slices.Equal(got, []string{w.ci2.ID}) {
		t.Errorf("revoked %v", got)
	}
	cmdtest.Contains(t, "stdout", w.e.Stdout.String(), "✓ Revoked "+w.ci2.ID[:12]+" (ci-2)")
}

func TestRevokeAmbiguousPrefixRefusedBeforeAnything(t *testing.T) {
	w := setup(t)
	w.fake.Add(tokenstest.Seed{ID: "abcdef12" + strings.Repeat("0", 56), Comment: "x"})
	w.fake.Add(tokenstest.Seed{ID: "abcdef12" + strings.Repeat("1", 56), Comment: "y"})
	err := w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID, "abcdef12"}; o.Consent.Yes = true })
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "token ID prefix abcdef12 matches 2 tokens in profile DEFAULT", "nothing was revoked")
	if n := len(w.fake.CallsTo(tokenstest.Revoke)); n != 0 {
		t.Errorf("%d revocations: the unambiguous ID must not go either", n)
	}
}

func TestRevokeUnknownIDs(t *testing.T) {
	w := setup(t)
	w.e.Record.NoteDigestIDs(hostA)
	unknown := strings.Repeat("0", 64)
	err := w.run(t, func(o *Options) { o.IDs = []string{unknown, "ffffffff99"}; o.Consent.Yes = true })
	cmdtest.Code(t, err, failure.NotFound)
	if !failure.IsReported(err) {
		t.Error("failures are printed one per line, not again by the root")
	}
	res := decode(t, w.e.Stdout.Bytes())
	if len(res.Failed) != 2 || res.Failed[0].ErrorCode != "RESOURCE_DOES_NOT_EXIST" || len(res.Revoked) != 0 {
		t.Errorf("result %+v", res)
	}
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(),
		"Error: token "+unknown+" not found in profile DEFAULT ("+hostA+") (see `dbtok list -p DEFAULT`)",
		"Error: token ffffffff99 not found")
}

// Anything beats "not found" for the exit code, and every token is tried.
func TestRevokeWorstExitCode(t *testing.T) {
	w := setup(t)
	w.e.Record.NoteDigestIDs(hostA)
	w.fake.FailRevoke(w.ci2.ID, tokenstest.PermissionDenied())
	unknown := strings.Repeat("0", 64)
	err := w.run(t, func(o *Options) {
		o.IDs = []string{unknown, w.ci2.ID, w.ci1.ID}
		o.Consent.Yes = true
		o.Parallel = 1
	})
	cmdtest.Code(t, err, failure.Auth)
	if w.fake.Has(w.ci1.ID) {
		t.Error("one failure stopped the other revocations")
	}
	res := decode(t, w.e.Stdout.Bytes())
	if len(res.Revoked) != 1 || len(res.Failed) != 2 {
		t.Errorf("result %+v", res)
	}
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "cannot revoke token "+w.ci2.ID+" in profile DEFAULT ("+hostA+"): Only admins can do this (HTTP 403); your user lacks the permission")
}

func TestRevokeMaybeApplied(t *testing.T) {
	w := setup(t)
	w.e.Record.NoteDigestIDs(hostA)
	w.fake.FailRevoke(w.ci1.ID, tokenstest.LostAnswer())
	err := w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID} })
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "check the host and your network; it may have been revoked anyway: check with `dbtok list -p DEFAULT`")
}

func TestRevokeCredentialByID(t *testing.T) {
	t.Run("refused without --include-own", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.IDs = []string{w.cred.ID[:8]}; o.Consent.Yes = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "token "+w.cred.ID+" is the credential profile DEFAULT signs in with: revoking it locks it out; pass --include-own", "nothing was revoked")
		if n := len(w.fake.CallsTo(tokenstest.Revoke)); n != 0 {
			t.Errorf("%d revocations", n)
		}
	})
	t.Run("include-own still needs confirmation", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.IDs = []string{w.cred.ID}; o.Consent.IncludeOwn = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "refusing to revoke token "+w.cred.ID+" (profile DEFAULT) in profile DEFAULT", "pass --yes")
		if !w.fake.Has(w.cred.ID) {
			t.Error("revoked without confirmation")
		}
	})
	t.Run("revoked last, with a warning", func(t *testing.T) {
		w := setup(t)
		w.e.IO.SetStdoutTTY(true)
		err := w.run(t, func(o *Options) {
			o.IDs = []string{w.cred.ID, w.ci1.ID, w.ci2.ID}
			o.Consent = tokenflags.Consent{Yes: true, IncludeOwn: true}
		})
		if err != nil {
			t.Fatal(err)
		}
		// Signed in with the credential itself: revoking it first would
		// have failed the other two.
		got := w.fake.Revoked()
		if len(got) != 3 || got[2] != w.cred.ID {
			t.Errorf("revoked %v, want the credential %s last", got, w.cred.ID)
		}
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "Warning: token "+w.cred.ID+" was the credential profile DEFAULT signs in with; it no longer works")
	})
}

func TestRevokeByFilter(t *testing.T) {
	t.Run("credentials left out, with a note", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) {
			_ = o.Filter.SetCreatedBefore(20 * day) // ci-1, ci-2 and the profile's token
			o.Consent.Yes = true
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.fake.Revoked(); !slices.Equal(got, []string{w.ci1.ID, w.ci2.ID}) && !slices.Equal(got, []string{w.ci2.ID, w.ci1.ID}) {
			t.Errorf("revoked %v, want ci-1 and ci-2", got)
		}
		if !w.fake.Has(w.cred.ID) || !w.fake.Has(w.keep.ID) {
			t.Error("the credential or an unmatched token went")
		}
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "Note: left out token "+w.cred.ID+", which profile DEFAULT signs in with (--include-own to revoke it too).")
		res := decode(t, w.e.Stdout.Bytes())
		if len(res.Revoked) != 2 || res.Revoked[0].Comment == nil || !strings.HasPrefix(*res.Revoked[0].Comment, "ci-") {
			t.Errorf("result %+v: listed tokens carry their comment", res)
		}
	})
	t.Run("nothing matches", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.Filter.SetCommentExact("gone") })
		if err != nil {
			t.Fatal(err)
		}
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), `No tokens match (comment "gone"): nothing to revoke.`)
		res := decode(t, w.e.Stdout.Bytes())
		if len(res.Revoked)+len(res.Failed) != 0 {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("all users by creator", func(t *testing.T) {
		w := setup(t)
		// Bob's tokens alone cannot show that IDs are digests of values
		// (none of them is a profile's): the record knows it already.
		w.e.Record.NoteDigestIDs(hostA)
		bobs, _ := w.fake.Add(tokenstest.Seed{Comment: "b", Owner: "bob@example.com"})
		err := w.run(t, func(o *Options) {
			o.Scope = tokens.Scope{AllUsers: true, CreatedBy: "bob@example.com"}
			o.Consent.Yes = true
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.fake.CallsTo(tokenstest.RevokeAny); len(got) != 1 || got[0].TokenID != bobs.ID {
			t.Errorf("RevokeAny calls %+v", got)
		}
		if lists := w.fake.CallsTo(tokenstest.ListAll); len(lists) != 1 || lists[0].CreatedBy != "bob@example.com" {
			t.Errorf("ListAll calls %+v", lists)
		}
	})
	t.Run("not an admin", func(t *testing.T) {
		w := setup(t)
		w.e.Record.NoteDigestIDs(hostA)
		w.fake.Fail(tokenstest.RevokeAny, tokenstest.PermissionDenied())
		err := w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID}; o.Scope.AllUsers = true })
		cmdtest.Code(t, err, failure.Auth)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "workspace admin rights are needed for --all-users (HTTP 403)")
	})
	t.Run("listing fails", func(t *testing.T) {
		w := setup(t)
		w.fake.Fail(tokenstest.List, tokenstest.Unavailable())
		err := w.run(t, func(o *Options) { _ = o.Filter.SetExpired() })
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "error", err.Error(), "cannot list tokens in profile DEFAULT")
	})
}

func TestRevokeDryRun(t *testing.T) {
	w := setup(t)
	err := w.run(t, func(o *Options) {
		_ = o.Filter.SetComment("ci-*")
		o.Consent.DryRun = true
	})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		DryRun      bool `json:"dry_run"`
		WouldRevoke []struct {
			TokenID string `json:"token_id"`
			Comment string `json:"comment"`
		} `json:"would_revoke"`
	}
	if err := json.Unmarshal(w.e.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !got.DryRun || len(got.WouldRevoke) != 2 || got.WouldRevoke[0].TokenID != w.ci1.ID || got.WouldRevoke[1].TokenID != w.ci2.ID {
		t.Errorf("dry run %+v, want ci-1 then ci-2 (soonest to expire first)", got)
	}
	if n := len(w.fake.Revoked()); n != 0 {
		t.Errorf("dry run revoked %d tokens", n)
	}

	t.Run("on a terminal", func(t *testing.T) {
		w := setup(t)
		w.e.IO.SetStdoutTTY(true)
		w.e.IO.SetTerminalWidth(120)
		err := w.run(t, func(o *Options) {
			o.IDs = []string{w.cred.ID[:9], w.keep.ID}
			o.Consent = tokenflags.Consent{DryRun: true, IncludeOwn: true}
		})
		if err != nil {
			t.Fatal(err)
		}
		cmdtest.Contains(t, "stdout", w.e.Stdout.String(), "SIGNS IN", w.cred.ID[:12], "DEFAULT", w.keep.ID[:12])
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "2 tokens would be revoked (dry run: nothing was changed).")
		if n := len(w.fake.Revoked()); n != 0 {
			t.Errorf("dry run revoked %d tokens", n)
		}
	})
	t.Run("nothing matches", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.Filter.SetCommentExact("gone"); o.Consent.DryRun = true })
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(strings.Fields(w.e.Stdout.String()), ""); got != `{"dry_run":true,"would_revoke":[]}` {
			t.Errorf("stdout %s", got)
		}
	})
}

func TestRevokeConfirmation(t *testing.T) {
	selectCI := func(o *Options) { _ = o.Filter.SetComment("ci-*") }
	t.Run("refused without a terminal", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, selectCI)
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "refusing to revoke 2 tokens in profile DEFAULT ("+hostA+") without confirmation: there is no terminal to ask on; pass --yes")
		if n := len(w.fake.CallsTo(tokenstest.Revoke)); n != 0 {
			t.Errorf("%d revocations", n)
		}
	})
	t.Run("declined on the terminal", func(t *testing.T) {
		w := setup(t)
		term := w.e.SetTerminal("n\n")
		if err := w.run(t, selectCI); err != nil {
			t.Fatalf("declining is no failure: %v", err)
		}
		shown := term.Shown()
		cmdtest.Contains(t, "terminal", shown, w.ci1.ID[:12], w.ci2.ID[:12], "Revoke 2 tokens in profile DEFAULT ("+hostA+")? [y/N]")
		cmdtest.Lacks(t, "terminal", shown, w.keep.ID[:12])
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "Nothing revoked.")
		if n := len(w.fake.CallsTo(tokenstest.Revoke)); n != 0 {
			t.Errorf("%d revocations after no", n)
		}
		if w.e.Stdout.Len() != 0 {
			t.Errorf("stdout %q", w.e.Stdout)
		}
	})
	t.Run("accepted on the terminal", func(t *testing.T) {
		w := setup(t)
		w.e.SetTerminal("yes\n")
		if err := w.run(t, selectCI); err != nil {
			t.Fatal(err)
		}
		if n := len(w.fake.Revoked()); n != 2 {
			t.Errorf("%d revoked", n)
		}
	})
	t.Run("question names the credential", func(t *testing.T) {
		w := setup(t)
		asker := &tokenstest.Asker{Yes: true}
		w.e.Asker = asker
		err := w.run(t, func(o *Options) { o.IDs = []string{w.cred.ID}; o.Consent.IncludeOwn = true })
		if err != nil {
			t.Fatal(err)
		}
		q := asker.Questions()
		if len(q) != 1 || !strings.Contains(q[0], "Profile DEFAULT signs in with token "+w.cred.ID[:12]+" and stops working.") {
			t.Errorf("questions %q", q)
		}
		if p := asker.Plans(); len(p) != 1 || len(p[0].Targets) != 1 {
			t.Errorf("plans shown %+v", p)
		}
	})
	t.Run("interrupted at the question", func(t *testing.T) {
		w := setup(t)
		w.e.Asker = &tokenstest.Asker{Err: context.Canceled}
		err := w.run(t, selectCI)
		cmdtest.Code(t, err, failure.Canceled)
		cmdtest.Contains(t, "error", err.Error(), "interrupted: nothing was revoked")
	})
	t.Run("yes asks nothing", func(t *testing.T) {
		w := setup(t)
		asker := &tokenstest.Asker{}
		w.e.Asker = asker
		if err := w.run(t, func(o *Options) { selectCI(o); o.Consent.Yes = true }); err != nil {
			t.Fatal(err)
		}
		if len(asker.Questions()) != 0 {
			t.Errorf("asked %q despite --yes", asker.Questions())
		}
	})
}

// A workspace that does not derive IDs from values: the profile's token
// cannot be recognised, so it may be among those named.
func TestRevokeUnidentifiedCredential(t *testing.T) {
	setupOpaque := func(t *testing.T) (*cmdtest.Env, *tokenstest.Fake, tokens.Token) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		f := e.Fake(hostA)
		f.OpaqueIDs = true
		e.AddProfile("DEFAULT", hostA)
		other, _ := f.Add(tokenstest.Seed{Comment: "other"})
		return e, f, other
	}
	t.Run("refused without a terminal", func(t *testing.T) {
		e, f, other := setupOpaque(t)
		err := revokeRun(context.Background(), &Options{Deps: e.Deps(), IDs: []string{other.ID}, Parallel: 1})
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "cannot tell whether the tokens to revoke include the one profile DEFAULT signs in with", "--include-own")
		if !f.Has(other.ID) {
			t.Error("revoked")
		}
	})
	t.Run("asked on a terminal", func(t *testing.T) {
		e, f, other := setupOpaque(t)
		asker := &tokenstest.Asker{Yes: true}
		e.Asker = asker
		if err := revokeRun(context.Background(), &Options{Deps: e.Deps(), IDs: []string{other.ID}, Parallel: 1}); err != nil {
			t.Fatal(err)
		}
		if q := asker.Questions(); len(q) != 1 || !strings.Contains(q[0], "dbtok cannot tell which token profile DEFAULT signs in with; it may be among these. Go ahead?") {
			t.Errorf("questions %q", q)
		}
		if f.Has(other.ID) {
			t.Error("not revoked after yes")
		}
	})
	t.Run("include-own goes ahead", func(t *testing.T) {
		e, f, other := setupOpaque(t)
		if err := revokeRun(context.Background(), &Options{Deps: e.Deps(), IDs: []string{other.ID}, Parallel: 1, Consent: tokenflags.Consent{IncludeOwn: true}}); err != nil {
			t.Fatal(err)
		}
		if f.Has(other.ID) {
			t.Error("not revoked")
		}
	})
	t.Run("known from the record", func(t *testing.T) {
		e, f, other := setupOpaque(t)
		cred := f.Tokens()[0]
		v, _ := f.Value(cred.ID)
		e.Record.Remember(hostA, v, cred.ID)
		err := revokeRun(context.Background(), &Options{Deps: e.Deps(), IDs: []string{cred.ID}, Parallel: 1})
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "is the credential profile DEFAULT signs in with")
		if !f.Has(other.ID) || !f.Has(cred.ID) {
			t.Error("something was revoked")
		}
	})
}

func TestRevokeSeveralProfiles(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("a", hostA)
	e.AddProfile("b", hostB)
	e.AddProfile("down", "https://c.example.com")
	e.Fake("https://c.example.com").Fail(tokenstest.List, tokenstest.AuthError())
	now := cmdtest.Now
	oldA, _ := e.Fake(hostA).Add(tokenstest.Seed{Comment: "old", Created: now.Add(-10 * day), Lifetime: 100 * day})
	oldB, _ := e.Fake(hostB).Add(tokenstest.Seed{Comment: "old", Created: now.Add(-10 * day), Lifetime: 100 * day})
	e.IO.SetStdoutTTY(true)
	opts := &Options{Deps: e.Deps(), Parallel: 3, Profiles: []string{"a", "b", "down"}, Consent: tokenflags.Consent{Yes: true}}
	_ = opts.Filter.SetComment("old*")
	err := revokeRun(context.Background(), opts)
	// Both matching tokens went; the workspace that could not be listed
	// decides the exit code.
	cmdtest.Code(t, err, failure.Auth)
	if e.Fake(hostA).Has(oldA.ID) || e.Fake(hostB).Has(oldB.ID) {
		t.Error("a matching token is still there")
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "Error: cannot list tokens in profile down")
	cmdtest.Contains(t, "stdout", e.Stdout.String(), "Revoked "+oldA.ID[:12]+" (old) in a", "Revoked "+oldB.ID[:12]+" (old) in b")

	// -o json: every object names its workspace.
	e.Stdout.Reset()
	e.Output = output.Choice{Format: "json"}
	e.Fake(hostA).Add(tokenstest.Seed{Comment: "old2", Created: now.Add(-10 * day), Lifetime: 100 * day})
	opts = &Options{Deps: e.Deps(), Parallel: 3, Profiles: []string{"a", "b"}, Consent: tokenflags.Consent{Yes: true}}
	_ = opts.Filter.SetComment("old*")
	if err := revokeRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	res := decode(t, e.Stdout.Bytes())
	if len(res.Revoked) != 1 || res.Revoked[0].Profile == nil || *res.Revoked[0].Profile != "a" {
		t.Errorf("result %+v", res)
	}

	// A workspace that could not be listed is in "failed", with its
	// profile, host and exit code, and no token.
	e.Stdout.Reset()
	opts = &Options{Deps: e.Deps(), Parallel: 3, Profiles: []string{"a", "down"}, Consent: tokenflags.Consent{Yes: true}}
	_ = opts.Filter.SetComment("nothing-matches")
	cmdtest.Code(t, revokeRun(context.Background(), opts), failure.Auth)
	var got struct {
		Failed []struct {
			Profile  string  `json:"profile"`
			Host     string  `json:"host"`
			TokenID  *string `json:"token_id"`
			Error    string  `json:"error"`
			ExitCode int     `json:"exit_code"`
		} `json:"failed"`
	}
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Failed) != 1 || got.Failed[0].Profile != "down" || got.Failed[0].Host != "https://c.example.com" ||
		got.Failed[0].TokenID != nil || got.Failed[0].ExitCode != failure.Auth || !strings.Contains(got.Failed[0].Error, "cannot list tokens in profile down") {
		t.Errorf("failed %+v\n%s", got.Failed, e.Stdout)
	}
}

func TestRevokeTableAndFailures(t *testing.T) {
	w := setup(t)
	w.e.Record.NoteDigestIDs(hostA)
	w.e.Output = output.Choice{Format: "csv"}
	unknown := strings.Repeat("0", 64)
	err := w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID, unknown}; o.Consent.Yes = true; o.Parallel = 1 })
	cmdtest.Code(t, err, failure.NotFound)
	lines := strings.Split(strings.TrimSpace(w.e.Stdout.String()), "\n")
	if len(lines) != 3 || lines[0] != "STATUS,ID,DETAIL" || lines[1] != "revoked,"+w.ci1.ID+"," ||
		!strings.HasPrefix(lines[2], "failed,"+unknown+",token "+unknown+" not found") {
		t.Errorf("csv %q", lines)
	}
}

func TestRevokeInterrupted(t *testing.T) {
	w := setup(t)
	w.e.Record.NoteDigestIDs(hostA)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := revokeRun(ctx, w.opts(func(o *Options) { o.IDs = []string{w.ci1.ID} }))
	cmdtest.Code(t, err, failure.Canceled)
	if !w.fake.Has(w.ci1.ID) {
		t.Error("revoked after Ctrl-C")
	}
	// What happened is still reported, in one line rather than one per token.
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "interrupted: 1 token not revoked")
	res := decode(t, w.e.Stdout.Bytes())
	if len(res.Failed) != 1 {
		t.Errorf("result %+v", res)
	}
}

func TestRevokeSetupFailures(t *testing.T) {
	w := setup(t)
	w.e.Output = output.Choice{Template: "{{"}
	cmdtest.Code(t, w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID} }), failure.Usage)

	w = setup(t)
	w.e.Break("DEFAULT", failure.Configf("no such profile"))
	cmdtest.Code(t, w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID} }), failure.Usage)

	w = setup(t)
	w.fake.Fail(tokenstest.List, tokenstest.AuthError())
	err := w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID[:8]} })
	cmdtest.Code(t, err, failure.Auth)
	cmdtest.Contains(t, "error", err.Error(), "cannot list tokens (to expand short token IDs) in profile DEFAULT")

	// The listing that would identify the profile's token fails.
	w = setup(t)
	w.fake.Fail(tokenstest.List, tokenstest.Unavailable())
	err = w.run(t, func(o *Options) { o.IDs = []string{w.ci1.ID, w.ci2.ID} })
	cmdtest.Contains(t, "error", err.Error(), "cannot revoke tokens "+w.ci1.ID+", "+w.ci2.ID+" in profile DEFAULT")
	if n := len(w.fake.CallsTo(tokenstest.Revoke)); n != 0 {
		t.Errorf("%d revocations", n)
	}
}

func TestRevokeNothingByCreator(t *testing.T) {
	w := setup(t)
	err := w.run(t, func(o *Options) {
		_ = o.Filter.SetExpired()
		o.Scope = tokens.Scope{AllUsers: true, CreatedBy: "carol"}
	})
	if err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "No tokens match (expired, created by carol): nothing to revoke.")
}

// DATABRICKS_TOKEN signs in too, and is protected like a profile's token.
func TestRevokeEnvironmentCredential(t *testing.T) {
	w := setup(t)
	envTok, envValue := w.fake.Add(tokenstest.Seed{Comment: "env"})
	w.e.EnvToken = envValue
	err := w.run(t, func(o *Options) { o.IDs = []string{envTok.ID} })
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "is the credential DATABRICKS_TOKEN signs in with")
	if !w.fake.Has(envTok.ID) {
		t.Error("revoked")
	}
}

// --value-stdin finds the token whose ID is the value's digest, among the
// user's own tokens or, with --all-users, everyone's; and says clearly
// when none has it.
func TestRevokeByValue(t *testing.T) {
	w := setup(t)
	theirs, theirValue := w.fake.Add(tokenstest.Seed{Comment: "bob's", Owner: "bob"})
	mine, myValue := w.fake.Add(tokenstest.Seed{Comment: "leaked"})
	if err := w.run(t, func(o *Options) { o.Value = myValue }); err != nil {
		t.Fatal(err)
	}
	if r := decode(t, w.e.Stdout.Bytes()); len(r.Revoked) != 1 || r.Revoked[0].TokenID != mine.ID {
		t.Errorf("revoked %+v", r.Revoked)
	}
	err := w.run(t, func(o *Options) { o.Value = myValue })
	cmdtest.Code(t, err, failure.NotFound)
	cmdtest.Contains(t, "error", err.Error(), "no token of yours in profile DEFAULT", "its ID would be "+mine.ID, "--all-users")
	err = w.run(t, func(o *Options) { o.Value = theirValue })
	cmdtest.Code(t, err, failure.NotFound)
	if err := w.run(t, func(o *Options) { o.Value = theirValue; o.Scope.AllUsers = true }); err != nil {
		t.Fatal(err)
	}
	if w.fake.Has(theirs.ID) {
		t.Errorf("bob's token is still live")
	}
	// The profile's own credential is protected like its ID.
	own, _ := w.fake.Value(w.cred.ID)
	err = w.run(t, func(o *Options) { o.Value = own })
	cmdtest.Code(t, err, failure.Usage)
	cmdtest.Contains(t, "error", err.Error(), "is the credential profile DEFAULT signs in with", "--include-own")
	if !w.fake.Has(w.cred.ID) {
		t.Error("the credential was revoked")
	}
}
