package rotate

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
	"github.com/dbtok/dbtok/internal/workspace"
)

const (
	hostA = "https://a.example.com"
	hostB = "https://b.example.com"
	day   = 24 * time.Hour
)

// world is a workspace with profile DEFAULT and a 30-day "ci" token.
type world struct {
	e      *cmdtest.Env
	fake   *tokenstest.Fake
	cred   tokens.Token
	ci     tokens.Token
	before map[string]bool
}

func setup(t *testing.T) *world {
	t.Helper()
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	w := &world{e: e, fake: e.Fake(hostA)}
	w.cred = e.AddProfile("DEFAULT", hostA)
	w.ci, _ = w.fake.Add(tokenstest.Seed{Comment: "ci", Created: cmdtest.Now.Add(-20 * day), Lifetime: 30 * day})
	w.snapshot()
	return w
}

// snapshot notes the tokens that exist now; added is what came since.
func (w *world) snapshot() {
	w.before = map[string]bool{}
	for _, f := range []*tokenstest.Fake{w.e.Fake(hostA), w.e.Fake(hostB)} {
		for _, t := range f.Tokens() {
			w.before[t.ID] = true
		}
	}
}

func (w *world) added(f *tokenstest.Fake) []tokens.Token {
	var out []tokens.Token
	for _, t := range f.Tokens() {
		if !w.before[t.ID] {
			out = append(out, t)
		}
	}
	return out
}

func byComment(pattern string) tokens.Filter {
	var f tokens.Filter
	if err := f.SetComment(pattern); err != nil {
		panic(err)
	}
	return f
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
	return rotateRun(context.Background(), w.opts(mod))
}

type rotated struct {
	Profile    *string `json:"profile"`
	TokenValue *string `json:"token_value"`
	TokenInfo  struct {
		TokenID      string `json:"token_id"`
		Comment      string `json:"comment"`
		CreationTime int64  `json:"creation_time"`
		ExpiryTime   int64  `json:"expiry_time"`
	} `json:"token_info"`
	OutFile         string   `json:"out_file"`
	ConfigFile      string   `json:"config_file"`
	UpdatedProfiles []string `json:"updated_profiles"`
	Replaces        []string `json:"replaces"`
	KeptOld         bool     `json:"kept_old"`
}

// callOrder is the calls the workspace received, each with who made it:
// "new" for the new token newID, "profile" for the profile's credential.
func callOrder(f *tokenstest.Fake, newID string) []string {
	var out []string
	for _, c := range f.Calls() {
		who := "profile"
		if c.SignedInAs == newID {
			who = "new"
		}
		out = append(out, string(c.Method)+" as "+who)
	}
	return out
}

func decodeOne(t *testing.T, b []byte) rotated {
	t.Helper()
	var r rotated
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, b)
	}
	return r
}

func TestRotateByCommentToStdout(t *testing.T) {
	w := setup(t)
	if err := w.run(t, func(o *Options) { o.Select = byComment("c*") }); err != nil {
		t.Fatal(err)
	}
	added := w.added(w.fake)
	if len(added) != 1 {
		t.Fatalf("new tokens %+v", added)
	}
	n := added[0]
	// The new token inherits the old one's comment and 30-day lifetime.
	if n.Comment != "ci" || n.ExpiryTime-n.CreationTime != (30*day).Milliseconds() {
		t.Errorf("new token %+v: want comment ci and 30 days", n)
	}
	if w.fake.Has(w.ci.ID) || !w.fake.Has(w.cred.ID) {
		t.Error("the old token is still there, or the profile's token went")
	}
	value, _ := w.fake.Value(n.ID)
	res := decodeOne(t, w.e.Stdout.Bytes())
	if res.TokenValue == nil || *res.TokenValue != value.Reveal() || res.TokenInfo.TokenID != n.ID || !slices.Equal(res.Replaces, []string{w.ci.ID}) || res.Profile != nil {
		t.Errorf("result %+v", res)
	}

	// Order: list, create, prove the new token works, and only then
	// revoke the old one, signed in with the new one.
	got := callOrder(w.fake, n.ID)
	// The new token proves itself with /Me, which every token may call.
	want := []string{"List as profile", "Create as profile", "WhoAmI as new", "Revoke as new"}
	if !slices.Equal(got, want) {
		t.Errorf("calls %v, want %v", got, want)
	}
	if c := w.fake.CallsTo(tokenstest.Create)[0]; c.LifetimeSeconds != 30*86400 || c.Comment != "ci" {
		t.Errorf("create %+v", c)
	}
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "✓ Revoked the old token "+w.ci.ID+" in profile DEFAULT ("+hostA+").")
	if id, ok := w.e.Record.Issued(hostA, value); !ok || id != n.ID {
		t.Error("the new token was not recorded")
	}
}

func TestRotateOnTerminal(t *testing.T) {
	w := setup(t)
	w.e.IO.SetStdoutTTY(true)
	life := int64(7 * 86400)
	comment := "ci v2"
	if err := w.run(t, func(o *Options) {
		o.TokenID = w.ci.ID[:8]
		o.LifetimeSeconds = life
		o.NewComment = &comment
	}); err != nil {
		t.Fatal(err)
	}
	n := w.added(w.fake)[0]
	if n.Comment != "ci v2" || n.ExpiryTime-n.CreationTime != life*1000 {
		t.Errorf("new token %+v", n)
	}
	v, _ := w.fake.Value(n.ID)
	cmdtest.Contains(t, "stdout", w.e.Stdout.String(), "Token ID:", n.ID, "Replaces:", w.ci.ID, "Token:", v.Reveal())
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "Copy the new token now")
}

func TestRotateSelection(t *testing.T) {
	t.Run("different comments need --new-comment", func(t *testing.T) {
		w := setup(t)
		w.fake.Add(tokenstest.Seed{Comment: "ci-2"})
		err := w.run(t, func(o *Options) { o.Select = byComment("ci*"); o.Consent.Yes = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), `have different comments ("ci", "ci-2"): the new token can have only one; pass --new-comment TEXT`)
		if n := len(w.fake.CallsTo(tokenstest.Create)); n != 0 {
			t.Errorf("%d creates", n)
		}
	})
	t.Run("several replaced by one", func(t *testing.T) {
		w := setup(t)
		ci2, _ := w.fake.Add(tokenstest.Seed{Comment: "ci-2", Created: cmdtest.Now.Add(-day), Lifetime: 2 * day})
		w.snapshot()
		nc := "ci"
		err := w.run(t, func(o *Options) { o.Select = byComment("ci*"); o.NewComment = &nc; o.Consent.Yes = true })
		if err != nil {
			t.Fatal(err)
		}
		n := w.added(w.fake)
		// The newest replaced token's lifetime: 2 days, not 30.
		if len(n) != 1 || n[0].ExpiryTime-n[0].CreationTime != (2*day).Milliseconds() {
			t.Fatalf("new tokens %+v", n)
		}
		if w.fake.Has(w.ci.ID) || w.fake.Has(ci2.ID) {
			t.Error("an old token survived")
		}
	})
	t.Run("several need confirmation", func(t *testing.T) {
		w := setup(t)
		w.fake.Add(tokenstest.Seed{Comment: "ci"})
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "refusing to replace 2 tokens in profile DEFAULT", "pass --yes")
		if n := len(w.fake.CallsTo(tokenstest.Create)); n != 0 {
			t.Errorf("%d creates", n)
		}
	})
	t.Run("no match", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.Select = byComment("deploy") })
		cmdtest.Code(t, err, failure.NotFound)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), `no token matches (comment matching "deploy") in profile DEFAULT`, "see `dbtok list -p DEFAULT`")
	})
	t.Run("unknown ID", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.TokenID = "ffffffffffff" })
		cmdtest.Code(t, err, failure.NotFound)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "no token ffffffffffff in profile DEFAULT")
	})
	t.Run("ambiguous prefix", func(t *testing.T) {
		w := setup(t)
		w.fake.Add(tokenstest.Seed{ID: "abcdef12" + strings.Repeat("0", 56)})
		w.fake.Add(tokenstest.Seed{ID: "abcdef12" + strings.Repeat("1", 56)})
		err := w.run(t, func(o *Options) { o.TokenID = "abcdef12" })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "token ID prefix abcdef12 matches 2 tokens")
	})
}

func TestRotateProtectsCredentials(t *testing.T) {
	t.Run("without --update-profile", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.TokenID = w.cred.ID; o.Consent.Yes = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "in profile DEFAULT ("+hostA+"), token "+w.cred.ID+" is the credential profile DEFAULT signs in with",
			"run `dbtok rotate --profiles DEFAULT --update-profile`")
		if n := len(w.fake.CallsTo(tokenstest.Create)); n != 0 {
			t.Errorf("%d creates", n)
		}
	})
	t.Run("keep-old may copy it", func(t *testing.T) {
		w := setup(t)
		err := w.run(t, func(o *Options) { o.TokenID = w.cred.ID; o.KeepOld = true })
		if err != nil {
			t.Fatal(err)
		}
		if !w.fake.Has(w.cred.ID) || len(w.added(w.fake)) != 1 || len(w.fake.Revoked()) != 0 {
			t.Error("with --keep-old the credential stays and a successor appears")
		}
		if res := decodeOne(t, w.e.Stdout.Bytes()); !res.KeptOld {
			t.Errorf("result %+v: kept_old", res)
		}
	})
	t.Run("DATABRICKS_TOKEN", func(t *testing.T) {
		w := setup(t)
		envTok, envValue := w.fake.Add(tokenstest.Seed{Comment: "env"})
		w.e.EnvToken = envValue
		err := w.run(t, func(o *Options) { o.TokenID = envTok.ID })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "is DATABRICKS_TOKEN, which dbtok cannot update")
	})
}

func TestRotateDryRun(t *testing.T) {
	w := setup(t)
	err := w.run(t, func(o *Options) { o.Select = byComment("ci"); o.Consent.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		DryRun       bool `json:"dry_run"`
		WouldReplace []struct {
			Replaces []struct {
				TokenID string `json:"token_id"`
			} `json:"replaces"`
			NewComment         string `json:"new_comment"`
			NewLifetimeSeconds *int64 `json:"new_lifetime_seconds"`
		} `json:"would_replace"`
	}
	if err := json.Unmarshal(w.e.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !got.DryRun || len(got.WouldReplace) != 1 {
		t.Fatalf("dry run %+v", got)
	}
	p := got.WouldReplace[0]
	if len(p.Replaces) != 1 || p.Replaces[0].TokenID != w.ci.ID || p.NewComment != "ci" || p.NewLifetimeSeconds == nil || *p.NewLifetimeSeconds != 30*86400 {
		t.Errorf("plan %+v", p)
	}
	for _, c := range w.fake.Calls() {
		if c.Method != tokenstest.List {
			t.Errorf("dry run called %s", c.Method)
		}
	}

	t.Run("update profile on a terminal", func(t *testing.T) {
		w := setup(t)
		w.e.IO.SetStdoutTTY(true)
		w.e.IO.SetTerminalWidth(150)
		before := w.e.Config()
		err := w.run(t, func(o *Options) { o.UpdateProfile = true; o.Consent.DryRun = true })
		if err != nil {
			t.Fatal(err)
		}
		cmdtest.Contains(t, "stdout", w.e.Stdout.String(), "NEW LIFETIME", "UPDATES", w.cred.ID[:12], "workspace default", "DEFAULT")
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "1 token would be replaced (dry run: nothing was changed).")
		if w.e.Config() != before {
			t.Error("dry run changed the config file")
		}
	})
	t.Run("keep old", func(t *testing.T) {
		w := setup(t)
		w.e.IO.SetStdoutTTY(true)
		if err := w.run(t, func(o *Options) { o.Select = byComment("ci"); o.KeepOld = true; o.Consent.DryRun = true }); err != nil {
			t.Fatal(err)
		}
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "1 token would get a successor (--keep-old)")
	})
	t.Run("with --out named, nothing is written", func(t *testing.T) {
		w := setup(t)
		out := filepath.Join(t.TempDir(), "tok")
		w.e.IO.SetStdoutDiscarded(true)
		if err := w.run(t, func(o *Options) { o.Select = byComment("ci"); o.Delivery.File = out; o.Consent.DryRun = true }); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(out); err == nil {
			t.Error("dry run wrote the file")
		}
	})
}

func TestRotateConfirmation(t *testing.T) {
	t.Run("declined", func(t *testing.T) {
		w := setup(t)
		w.fake.Add(tokenstest.Seed{Comment: "ci"})
		term := w.e.SetTerminal("n\n")
		if err := w.run(t, func(o *Options) { o.Select = byComment("ci") }); err != nil {
			t.Fatalf("declining is no failure: %v", err)
		}
		cmdtest.Contains(t, "terminal", term.Shown(), "Replace 2 tokens in profile DEFAULT ("+hostA+")? [y/N]")
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "Nothing rotated.")
		if n := len(w.fake.CallsTo(tokenstest.Create)); n != 0 {
			t.Errorf("%d creates", n)
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		w := setup(t)
		w.fake.Add(tokenstest.Seed{Comment: "ci"})
		w.e.Asker = &tokenstest.Asker{Err: context.Canceled}
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Canceled)
		cmdtest.Contains(t, "error", err.Error(), "interrupted: nothing rotated")
	})
}

// Every failure leaves the user holding a working token.
func TestRotateFailures(t *testing.T) {
	t.Run("create refused: old kept", func(t *testing.T) {
		w := setup(t)
		w.fake.Fail(tokenstest.Create, tokenstest.Unavailable())
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "cannot create the new token in profile DEFAULT", "the old token "+w.ci.ID+" was not revoked and still works")
		if !w.fake.Has(w.ci.ID) || len(w.fake.Revoked()) != 0 {
			t.Error("something was revoked")
		}
	})
	t.Run("create answer lost: orphan named", func(t *testing.T) {
		w := setup(t)
		w.fake.FailNext(tokenstest.Create, tokenstest.AfterApplying(tokenstest.LostAnswer()))
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Error)
		orphan := w.added(w.fake)
		if len(orphan) != 1 {
			t.Fatalf("added %+v", orphan)
		}
		// The old token has the same comment but existed before: only
		// the new one is an orphan.
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "the server created it anyway, as token "+orphan[0].ID, "still works")
		if !w.fake.Has(w.ci.ID) {
			t.Error("old token revoked")
		}
	})
	t.Run("new token does not sign in: revoked, old kept", func(t *testing.T) {
		w := setup(t)
		deps := w.e.Deps()
		deps.SignIn = func(string, tokens.Secret) (tokens.API, error) { return nil, tokenstest.AuthError() }
		err := rotateRun(context.Background(), &Options{Deps: deps, Parallel: 1, Select: byComment("ci")})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "does not work (Invalid access token (HTTP 401))", "was revoked; the old token "+w.ci.ID+" was not revoked and still works")
		if len(w.added(w.fake)) != 0 || !w.fake.Has(w.ci.ID) {
			t.Error("the new token must go and the old stay")
		}
		if w.e.Stdout.Len() != 0 {
			t.Errorf("stdout %q: an unproven token is never delivered", w.e.Stdout)
		}
	})
	t.Run("jq leaves the value out: new revoked, old kept", func(t *testing.T) {
		w := setup(t)
		w.e.Output = output.Choice{JQ: ".token_info.token_id"}
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		// A token was created (and revoked): not "nothing was sent".
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "does not contain the new token's value", "still works")
		if len(w.added(w.fake)) != 0 || !w.fake.Has(w.ci.ID) {
			t.Error("the new token must go and the old stay")
		}
		if w.e.Stdout.Len() != 0 {
			t.Errorf("stdout %q", w.e.Stdout)
		}
	})
	t.Run("stdout broken: new revoked, old kept", func(t *testing.T) {
		w := setup(t)
		w.e.IO.Out = failingWriter{}
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "cannot print the new token: pipe closed")
		if len(w.added(w.fake)) != 0 || !w.fake.Has(w.ci.ID) {
			t.Error("the new token must go and the old stay")
		}
	})
	t.Run("undo fails too", func(t *testing.T) {
		w := setup(t)
		w.e.IO.Out = failingWriter{}
		w.fake.Fail(tokenstest.Revoke, tokenstest.Unavailable())
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Error)
		n := w.added(w.fake)
		if len(n) != 1 {
			t.Fatalf("added %+v", n)
		}
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "revoking the new token "+n[0].ID+" failed too", "revoke it with `dbtok revoke "+n[0].ID+" -p DEFAULT`")
	})
	t.Run("old not revoked: new in place", func(t *testing.T) {
		w := setup(t)
		w.fake.FailRevoke(w.ci.ID, tokenstest.Unavailable())
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Error)
		n := w.added(w.fake)
		if len(n) != 1 || !w.fake.Has(w.ci.ID) {
			t.Fatal("both tokens should exist")
		}
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "the new token "+n[0].ID+" is in place, but the old token "+w.ci.ID+" could not be revoked",
			"revoke it with `dbtok revoke "+w.ci.ID+" -p DEFAULT`")
		if res := decodeOne(t, w.e.Stdout.Bytes()); res.TokenInfo.TokenID != n[0].ID {
			t.Errorf("the new token was not delivered: %+v", res)
		}
	})
	t.Run("old already gone counts as revoked", func(t *testing.T) {
		w := setup(t)
		w.fake.FailRevoke(w.ci.ID, tokenstest.NotFound(w.ci.ID))
		if err := w.run(t, func(o *Options) { o.Select = byComment("ci") }); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("listing fails", func(t *testing.T) {
		w := setup(t)
		w.fake.Fail(tokenstest.List, tokenstest.AuthError())
		err := w.run(t, func(o *Options) { o.Select = byComment("ci") })
		cmdtest.Code(t, err, failure.Auth)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "cannot list tokens in profile DEFAULT")
	})
	t.Run("record fails: a warning", func(t *testing.T) {
		w := setup(t)
		w.e.Record.Err = errors.New("read-only")
		if err := w.run(t, func(o *Options) { o.Select = byComment("ci") }); err != nil {
			t.Fatal(err)
		}
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "Warning: could not remember the new token for later rotations: read-only")
	})
	t.Run("refused before anything", func(t *testing.T) {
		for name, mod := range map[string]func(w *world, o *Options){
			"stdout discarded": func(w *world, o *Options) { w.e.IO.SetStdoutDiscarded(true) },
			"out file exists": func(w *world, o *Options) {
				o.Delivery.File = filepath.Join(t.TempDir(), "f")
				_ = os.WriteFile(o.Delivery.File, nil, 0o600)
			},
			"bad format": func(w *world, o *Options) { w.e.Output = output.Choice{Format: "toml"} },
		} {
			w := setup(t)
			o := w.opts(func(o *Options) { o.Select = byComment("ci") })
			mod(w, o)
			// The printer is built at first use, after mod.
			err := rotateRun(context.Background(), o)
			if failure.Code(err) != failure.Usage {
				t.Errorf("%s: %v, want a usage error", name, err)
			}
			if len(w.fake.Calls()) != 0 {
				t.Errorf("%s: calls %+v", name, w.fake.Calls())
			}
		}
	})
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("pipe closed") }

func TestRotateToFile(t *testing.T) {
	w := setup(t)
	out := filepath.Join(t.TempDir(), "ci-token")
	if err := w.run(t, func(o *Options) { o.Select = byComment("ci"); o.Delivery.File = out }); err != nil {
		t.Fatal(err)
	}
	n := w.added(w.fake)
	v, _ := w.fake.Value(n[0].ID)
	if b, _ := os.ReadFile(out); string(b) != v.Reveal()+"\n" {
		t.Errorf("file holds %q", b)
	}
	res := decodeOne(t, w.e.Stdout.Bytes())
	if res.OutFile != out || res.TokenValue != nil {
		t.Errorf("result %+v", res)
	}
	if w.fake.Has(w.ci.ID) {
		t.Error("old token not revoked")
	}

	t.Run("file cannot take it: old kept", func(t *testing.T) {
		w := setup(t)
		out := filepath.Join(t.TempDir(), "ci-token")
		deps := w.e.Deps()
		open := deps.Workspace
		// The file appears while the rotation runs (another program).
		deps.Workspace = func(p string) (*workspace.Workspace, error) {
			_ = os.WriteFile(out, []byte("other"), 0o600)
			return open(p)
		}
		err := rotateRun(context.Background(), &Options{Deps: deps, Parallel: 1, Select: byComment("ci"), Delivery: delivery.Request{File: out}})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "already exists", "the old token "+w.ci.ID+" was not revoked and still works")
		if len(w.added(w.fake)) != 0 || !w.fake.Has(w.ci.ID) {
			t.Error("the new token must go and the old stay")
		}
		if b, _ := os.ReadFile(out); string(b) != "other" {
			t.Errorf("file %q", b)
		}
	})
}

// A conditional rotation that is not due creates, runs and revokes
// nothing, and says why; one that is due rotates as usual.
func TestRotateOnlyWhenDue(t *testing.T) {
	w := setup(t) // ci expires in 10 days
	piped := filepath.Join(t.TempDir(), "piped")
	pipe := delivery.Request{Pipes: []string{"cat > " + piped}}
	err := w.run(t, func(o *Options) { o.Select = byComment("ci"); o.Due = tokens.Due{Within: 7 * day}; o.Delivery = pipe })
	if err != nil {
		t.Fatal(err)
	}
	var notDue struct {
		Rotated bool   `json:"rotated"`
		Reason  string `json:"reason"`
		Current []struct {
			TokenID string `json:"token_id"`
		} `json:"current"`
	}
	if err := json.Unmarshal(w.e.Stdout.Bytes(), &notDue); err != nil {
		t.Fatal(err)
	}
	if notDue.Rotated || !strings.Contains(notDue.Reason, "it expires in 10 days") || len(notDue.Current) != 1 || notDue.Current[0].TokenID != w.ci.ID {
		t.Errorf("stdout %s", w.e.Stdout)
	}
	if len(w.added(w.fake)) != 0 || len(w.fake.Revoked()) != 0 {
		t.Error("something was created or revoked")
	}
	if _, err := os.Stat(piped); err == nil {
		t.Error("the command ran")
	}

	w.e.Stdout.Reset()
	err = w.run(t, func(o *Options) { o.Select = byComment("ci"); o.Due = tokens.Due{Within: 14 * day}; o.Delivery = pipe })
	if err != nil {
		t.Fatal(err)
	}
	added := w.added(w.fake)
	if len(added) != 1 || !slices.Equal(w.fake.Revoked(), []string{w.ci.ID}) {
		t.Fatalf("added %v, revoked %v", added, w.fake.Revoked())
	}
	value, _ := w.fake.Value(added[0].ID)
	if b, _ := os.ReadFile(piped); string(b) != value.Reveal() {
		t.Errorf("the command got %q", b)
	}
	if !strings.Contains(w.e.Stdout.String(), `"rotated": true`) {
		t.Errorf("stdout %s", w.e.Stdout)
	}
}

// The old token goes only after every destination took the new one: a
// failure after one did leaves both live, and says which holds which.
func TestRotatePartialDelivery(t *testing.T) {
	w := setup(t)
	w.e.Secrets(hostA).AddScope("ci")
	err := w.run(t, func(o *Options) {
		o.Select = byComment("ci")
		o.Delivery = delivery.Request{Pipes: []string{"cat >/dev/null"}, Secrets: []delivery.SecretRef{{Scope: "ci", Key: "k"}}}
		o.Consent.Yes = true
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := w.e.Secrets(hostA).Value("ci", "k"); !ok || !strings.HasPrefix(v, "dapi") {
		t.Errorf("secret %q %v", v, ok)
	}
	w.snapshot()
	second, _ := w.fake.Add(tokenstest.Seed{Comment: "cd", Created: cmdtest.Now.Add(-day), Lifetime: 30 * day})
	w.snapshot()
	err = w.run(t, func(o *Options) {
		o.Select = byComment("cd")
		o.Delivery = delivery.Request{Pipes: []string{"cat >/dev/null", "exit 9"}}
	})
	cmdtest.Code(t, err, failure.Error)
	added := w.added(w.fake)
	if len(added) != 1 || !w.fake.Has(second.ID) {
		t.Fatalf("added %v; the old token live: %v", added, w.fake.Has(second.ID))
	}
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "the new token "+added[0].ID+" was delivered to the command", "it stays live", "the old token "+second.ID+" was not revoked and still works")
}
