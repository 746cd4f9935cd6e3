package rotate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokenflags"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
	"github.com/dbtok/dbtok/internal/workspace"
)

var consentYes = tokenflags.Consent{Yes: true}

// --update-profile: the new token goes into the config file, is proven
// from the rewritten file, and only then is the old one revoked.
func TestRotateUpdateProfile(t *testing.T) {
	w := setup(t)
	// A comment and a second profile that shares the token: every byte
	// but the token values must stay.
	oldValue, _ := w.fake.Value(w.cred.ID)
	w.e.WriteConfig("# work laptop\n" + w.e.Config())
	w.e.AddProfileWithToken("alias", hostA, oldValue)
	before := w.e.Config()

	if err := w.run(t, func(o *Options) { o.UpdateProfile = true; o.Consent.Yes = true }); err != nil {
		t.Fatal(err)
	}
	added := w.added(w.fake)
	if len(added) != 1 {
		t.Fatalf("new tokens %+v", added)
	}
	n := added[0]
	newValue, _ := w.fake.Value(n.ID)
	if want := strings.ReplaceAll(before, oldValue.Reveal(), newValue.Reveal()); w.e.Config() != want {
		t.Errorf("config file\n%s\nwant\n%s", w.e.Config(), want)
	}
	bak, err := os.ReadFile(w.e.ConfigPath + ".bak")
	if err != nil || string(bak) != before {
		t.Errorf("backup %q (%v), want the previous file", bak, err)
	}
	if st, _ := os.Stat(w.e.ConfigPath + ".bak"); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %o", st.Mode().Perm())
	}
	if w.fake.Has(w.cred.ID) {
		t.Error("the profile's old token still works")
	}
	if n.Comment != "profile DEFAULT" || n.ExpiryTime != -1 {
		t.Errorf("new token %+v: the old one's comment, and like it no expiry", n)
	}

	// The file was proven: a listing signed in with the new token after
	// the rewrite, then the old token revoked with it.
	var afterCreate []string
	seenCreate := false
	for _, c := range w.fake.Calls() {
		if c.Method == tokenstest.Create {
			seenCreate = true
			continue
		}
		if seenCreate {
			who := "old"
			if c.SignedInAs == n.ID {
				who = "new"
			}
			afterCreate = append(afterCreate, string(c.Method)+" as "+who)
		}
	}
	// Verify the token, prove each of the two profiles from the file, revoke.
	if want := []string{"WhoAmI as new", "WhoAmI as new", "WhoAmI as new", "Revoke as new"}; !slices.Equal(afterCreate, want) {
		t.Errorf("calls after create %v, want %v", afterCreate, want)
	}

	var res rotated
	if err := json.Unmarshal(w.e.Stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.ConfigFile != w.e.ConfigPath || !slices.Equal(res.UpdatedProfiles, []string{"DEFAULT", "alias"}) || res.TokenValue != nil {
		t.Errorf("result %+v", res)
	}
	cmdtest.Lacks(t, "stdout", w.e.Stdout.String(), newValue.Reveal())
	cmdtest.Contains(t, "stderr", w.e.Stderr.String(),
		"✓ New token "+n.ID+" written to profile DEFAULT, alias in "+w.e.ConfigPath+" (previous file kept as "+w.e.ConfigPath+".bak).",
		"✓ Revoked the old token "+w.cred.ID)
}

func TestRotateUpdateProfileRefusals(t *testing.T) {
	t.Run("no confirmation", func(t *testing.T) {
		w := setup(t)
		before := w.e.Config()
		err := w.run(t, func(o *Options) { o.UpdateProfile = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "error", err.Error(), "refusing to replace token "+w.cred.ID)
		if w.e.Config() != before || len(w.fake.CallsTo(tokenstest.Create)) != 0 {
			t.Error("something changed")
		}
	})
	t.Run("profile without a token", func(t *testing.T) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		e.WriteConfig("[DEFAULT]\nhost = " + hostA + "\nauth_type = databricks-cli\n")
		err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 1, UpdateProfile: true, Consent: consentYes})
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", e.Stderr.String(), "profile DEFAULT does not sign in with a personal access token (auth type databricks-cli)")
	})
	t.Run("token not the user's", func(t *testing.T) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		_, v := e.Fake(hostA).Add(tokenstest.Seed{Owner: "service@example.com"})
		e.AddProfileWithToken("DEFAULT", hostA, v)
		e.Record.NoteDigestIDs(hostA)
		err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 1, UpdateProfile: true, Consent: consentYes})
		cmdtest.Code(t, err, failure.NotFound)
		cmdtest.Contains(t, "stderr", e.Stderr.String(), "is not among its tokens in profile DEFAULT")
	})
	t.Run("config file locked elsewhere fails cleanly", func(t *testing.T) {
		w := setup(t)
		deps := w.e.Deps()
		deps.UpdateConfig = func(context.Context) (*databrickscfg.Update, error) {
			return nil, failure.Configf("cannot update %s: another dbtok run is changing it", w.e.ConfigPath)
		}
		err := rotateRun(context.Background(), &Options{Deps: deps, Parallel: 1, UpdateProfile: true, Consent: consentYes})
		cmdtest.Code(t, err, failure.Usage)
		if len(w.fake.Calls()) != 0 {
			t.Error("calls made")
		}
	})
}

// The rewritten file is checked before anything is revoked; if it does
// not work the previous file comes back and the old token stays.
func TestRotateUpdateProfileDeliveryFails(t *testing.T) {
	t.Run("file edited behind dbtok's back", func(t *testing.T) {
		w := setup(t)
		deps := w.e.Deps()
		signIn := deps.SignIn
		edited := w.e.Config() + "# edited by hand\n"
		deps.SignIn = func(host string, v tokens.Secret) (tokens.API, error) {
			// An editor writes the file while the new token is proven.
			if err := os.WriteFile(w.e.ConfigPath, []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
			return signIn(host, v)
		}
		err := rotateRun(context.Background(), &Options{Deps: deps, Parallel: 1, UpdateProfile: true, Consent: consentYes})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "changed while dbtok was working; it was left as it is", "the old token "+w.cred.ID+" was not revoked and still works")
		if w.e.Config() != edited {
			t.Errorf("config %q: the edit must survive", w.e.Config())
		}
		if len(w.added(w.fake)) != 0 || !w.fake.Has(w.cred.ID) {
			t.Error("the new token must go and the old stay")
		}
	})
	t.Run("profile does not sign in as written", func(t *testing.T) {
		w := setup(t)
		before := w.e.Config()
		deps := w.e.Deps()
		open := deps.Workspace
		deps.Workspace = func(p string) (*workspace.Workspace, error) {
			if p == "DEFAULT" { // the proof names the profile; the first open does not
				return nil, &failure.AuthError{Msg: "default auth: cannot configure default credentials"}
			}
			return open(p)
		}
		err := rotateRun(context.Background(), &Options{Deps: deps, Parallel: 1, UpdateProfile: true, Consent: consentYes})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "did not work (profile DEFAULT: default auth: cannot configure default credentials), so the previous file is back",
			"the new token", "was revoked")
		if w.e.Config() != before {
			t.Errorf("config not restored:\n%s", w.e.Config())
		}
		if len(w.added(w.fake)) != 0 || !w.fake.Has(w.cred.ID) {
			t.Error("the new token must go and the old stay")
		}
	})
	t.Run("profile's token refused when proving", func(t *testing.T) {
		w := setup(t)
		before := w.e.Config()
		// The workspace refuses the proof once the file is rewritten.
		w.e.Fake(hostA).On(tokenstest.WhoAmI, func() {
			if w.e.Config() != before {
				w.fake.FailNext(tokenstest.WhoAmI, tokenstest.AuthError())
			}
		})
		err := rotateRun(context.Background(), w.opts(func(o *Options) { o.UpdateProfile = true; o.Consent.Yes = true }))
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "profile DEFAULT: Invalid access token (HTTP 401); check the credentials of profile DEFAULT")
		if w.e.Config() != before {
			t.Error("config not restored")
		}
	})
}

// A workspace whose IDs are not digests of values, and a token dbtok did
// not deliver: a person picks the profile's token.
func TestRotatePickProfileToken(t *testing.T) {
	opaque := func(t *testing.T) (*world, tokens.Token) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		w := &world{e: e, fake: e.Fake(hostA)}
		w.fake.OpaqueIDs = true
		w.cred = e.AddProfile("DEFAULT", hostA) // created 30 days ago
		decoy, _ := w.fake.Add(tokenstest.Seed{Comment: "decoy", Created: cmdtest.Now.Add(-day)})
		w.snapshot()
		return w, decoy
	}
	t.Run("refused without a terminal", func(t *testing.T) {
		w, _ := opaque(t)
		err := w.run(t, func(o *Options) { o.UpdateProfile = true; o.Consent.Yes = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "cannot tell which token profile DEFAULT signs in with", "pass --token-id ID")
	})
	t.Run("several profiles: one at a time", func(t *testing.T) {
		w, _ := opaque(t)
		w.e.SetTerminal("1\ny\n")
		err := w.run(t, func(o *Options) { o.UpdateProfile = true; o.Profiles = []string{"DEFAULT"}; o.Consent.Yes = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "rotate it on its own, `dbtok rotate -p DEFAULT --update-profile --token-id ID`")
	})
	t.Run("picked, re-asked, confirmed", func(t *testing.T) {
		w, decoy := opaque(t)
		term := w.e.SetTerminal("9\n1\ny\n")
		if err := w.run(t, func(o *Options) { o.UpdateProfile = true }); err != nil {
			t.Fatalf("%v\n%s", err, term.Shown())
		}
		shown := term.Shown()
		cmdtest.Contains(t, "terminal", shown,
			"Which token does profile DEFAULT sign in with in "+hostA+"? dbtok did not create it, so it cannot tell.",
			"1)", "2)", w.cred.ID[:12], decoy.ID[:12],
			`"9" is not one of the numbers 1 to 2.`,
			"Replace token "+w.cred.ID+" (profile DEFAULT) in profile DEFAULT ("+hostA+") and revoke it? [y/N]")
		// The pick was the confirmation: the plan is not asked about again.
		if strings.Count(shown, "[y/N]") != 1 {
			t.Errorf("asked %d times", strings.Count(shown, "[y/N]"))
		}
		if w.fake.Has(w.cred.ID) || !w.fake.Has(decoy.ID) {
			t.Error("the wrong token was revoked")
		}
		n := w.added(w.fake)
		v, _ := w.fake.Value(n[0].ID)
		cmdtest.Contains(t, "config", w.e.Config(), "token = "+v.Reveal())
		// Delivered by dbtok now, so the next rotation need not ask.
		if id, ok := w.e.Record.Issued(hostA, v); !ok || id != n[0].ID {
			t.Error("the new token was not recorded")
		}
	})
	t.Run("cancelled with Enter", func(t *testing.T) {
		w, _ := opaque(t)
		w.e.SetTerminal("\n")
		err := w.run(t, func(o *Options) { o.UpdateProfile = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "no token chosen: nothing rotated")
		if len(w.fake.CallsTo(tokenstest.Create)) != 0 {
			t.Error("created")
		}
	})
	t.Run("choice not confirmed", func(t *testing.T) {
		w, _ := opaque(t)
		w.e.SetTerminal("2\nn\n")
		err := w.run(t, func(o *Options) { o.UpdateProfile = true })
		cmdtest.Code(t, err, failure.Usage)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "not confirmed: nothing rotated")
	})
	t.Run("interrupted at the question", func(t *testing.T) {
		w, _ := opaque(t)
		ctx, cancel := context.WithCancel(context.Background())
		term := &hangingTerminal{onPrompt: cancel, done: make(chan struct{})}
		t.Cleanup(func() { close(term.done) })
		w.e.IO.SetTerminal(term)
		err := rotateRun(ctx, w.opts(func(o *Options) { o.UpdateProfile = true }))
		cmdtest.Code(t, err, failure.Canceled)
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "interrupted: nothing rotated")
		if len(w.fake.CallsTo(tokenstest.Create)) != 0 {
			t.Error("created after Ctrl-C")
		}
	})
	t.Run("the wrong token picked", func(t *testing.T) {
		w, decoy := opaque(t)
		w.e.SetTerminal("2\ny\n")
		err := w.run(t, func(o *Options) { o.UpdateProfile = true })
		// The profile's previous token still signs in after the pick was
		// revoked: the person picked wrong, and is told what is left.
		cmdtest.Contains(t, "stderr", w.e.Stderr.String(), "the token you picked ("+decoy.ID+") was not the one profile DEFAULT signed in with: that one still works")
		if w.fake.Has(decoy.ID) || !w.fake.Has(w.cred.ID) {
			t.Error("expected the decoy revoked and the profile's token alive")
		}
		// A token was created, the file rewritten and a token revoked:
		// exit 2 would say nothing was sent.
		cmdtest.Code(t, err, failure.Error)
	})
	t.Run("remembered from the record: no question", func(t *testing.T) {
		w, _ := opaque(t)
		v, _ := w.fake.Value(w.cred.ID)
		w.e.Record.Remember(hostA, v, w.cred.ID)
		if err := w.run(t, func(o *Options) { o.UpdateProfile = true; o.Consent.Yes = true }); err != nil {
			t.Fatal(err)
		}
		if w.fake.Has(w.cred.ID) {
			t.Error("not rotated")
		}
	})
}

// Several workspaces: each rotates on its own, and a failure or a
// workspace without a match does not stop the others.
func TestRotateSeveralProfiles(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("a", hostA)
	e.AddProfile("a2", hostA) // same workspace and user as a: same tokens
	e.AddProfile("b", hostB)
	e.AddProfile("c", "https://c.example.com")
	ciA, _ := e.Fake(hostA).Add(tokenstest.Seed{Comment: "ci"})
	ciB, _ := e.Fake(hostB).Add(tokenstest.Seed{Comment: "ci"})
	w := &world{e: e, fake: e.Fake(hostA)}
	w.snapshot()

	err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 4, Select: byComment("ci"),
		Profiles: []string{"a", "a2", "b", "c"}, Consent: consentYes})
	if err != nil {
		t.Fatal(err)
	}
	var res []rotated
	if err := json.Unmarshal(e.Stdout.Bytes(), &res); err != nil {
		t.Fatalf("stdout is not an array: %v\n%s", err, e.Stdout)
	}
	if len(res) != 2 || *res[0].Profile != "a" || *res[1].Profile != "b" ||
		!slices.Equal(res[0].Replaces, []string{ciA.ID}) || !slices.Equal(res[1].Replaces, []string{ciB.ID}) {
		t.Errorf("result %+v", res)
	}
	if e.Fake(hostA).Has(ciA.ID) || e.Fake(hostB).Has(ciB.ID) {
		t.Error("an old token survived")
	}
	if len(w.added(e.Fake(hostA))) != 1 {
		t.Errorf("workspace a got %d new tokens, want 1 (a2 reaches the same tokens)", len(w.added(e.Fake(hostA))))
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(),
		"Note: profile a2 ("+hostA+") reaches the same tokens as profile a: rotated once, there.",
		`Note: no token matches (comment matching "ci") in profile c (https://c.example.com): nothing to rotate there.`)

	t.Run("nothing anywhere", func(t *testing.T) {
		err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 4, Select: byComment("deploy"), Profiles: []string{"a", "b"}})
		cmdtest.Code(t, err, failure.NotFound)
		cmdtest.Contains(t, "error", err.Error(), `no token matches (comment matching "deploy") in any of the 2 workspaces: nothing rotated`)
	})
	t.Run("one fails, the other rotates", func(t *testing.T) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		e.AddProfile("a", hostA)
		e.AddProfile("b", hostB)
		e.Fake(hostA).Add(tokenstest.Seed{Comment: "ci"})
		ciB, _ := e.Fake(hostB).Add(tokenstest.Seed{Comment: "ci"})
		e.Fake(hostA).Fail(tokenstest.Create, tokenstest.Unavailable())
		err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 1, Select: byComment("ci"), Profiles: []string{"a", "b"}, Consent: consentYes})
		cmdtest.Code(t, err, failure.Error)
		if e.Fake(hostB).Has(ciB.ID) {
			t.Error("b was not rotated")
		}
		cmdtest.Contains(t, "stderr", e.Stderr.String(), "cannot create the new token in profile a")
	})
	t.Run("a usage failure after other rotations is exit 1", func(t *testing.T) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		e.AddProfile("a", hostA)
		e.AddProfile("b", hostB)
		e.Fake(hostA).Add(tokenstest.Seed{Comment: "ci-1"})
		e.Fake(hostA).Add(tokenstest.Seed{Comment: "ci-2"}) // different comments: refused in a
		e.Fake(hostB).Add(tokenstest.Seed{Comment: "ci-1"})
		err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 1, Select: byComment("ci-*"), Profiles: []string{"a", "b"}, Consent: consentYes})
		// b was rotated: "nothing was sent" (exit 2) no longer holds.
		cmdtest.Code(t, err, failure.Error)
	})
	t.Run("profiles sharing a token are updated together", func(t *testing.T) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		cred := e.AddProfile("x", hostA)
		v, _ := e.Fake(hostA).Value(cred.ID)
		e.AddProfileWithToken("y", hostA, v)
		err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 2, UpdateProfile: true, Profiles: []string{"x", "y"}, Consent: consentYes})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(e.Fake(hostA).CallsTo(tokenstest.Create)); n != 1 {
			t.Errorf("%d creates: one token replaces the shared one", n)
		}
		cfg := e.Config()
		if strings.Contains(cfg, v.Reveal()) || strings.Count(cfg, "token = ") != 2 {
			t.Errorf("config:\n%s", cfg)
		}
		var res []rotated
		if err := json.Unmarshal(e.Stdout.Bytes(), &res); err != nil || len(res) != 1 || !slices.Equal(res[0].UpdatedProfiles, []string{"x", "y"}) {
			t.Errorf("result %s (%v)", e.Stdout, err)
		}
	})
	t.Run("workspace fails to open", func(t *testing.T) {
		cmdtest.Hermetic(t)
		e := cmdtest.New(t)
		e.AddProfile("a", hostA)
		e.AddProfile("b", hostB)
		e.Break("b", errors.New("cannot reach b"))
		e.Fake(hostA).Add(tokenstest.Seed{Comment: "ci"})
		err := rotateRun(context.Background(), &Options{Deps: e.Deps(), Parallel: 2, Select: byComment("ci"), Profiles: []string{"a", "b"}, Consent: consentYes})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "stderr", e.Stderr.String(), "Error: cannot reach b")
	})
}

// hangingTerminal is a person who never answers: the question waits until
// Ctrl-C, which onPrompt simulates as soon as the question is written.
type hangingTerminal struct {
	onPrompt func()
	done     chan struct{}
	once     sync.Once
}

func (h *hangingTerminal) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "Number for profile") {
		h.once.Do(h.onPrompt)
	}
	return len(p), nil
}

func (h *hangingTerminal) Read([]byte) (int, error) {
	<-h.done
	return 0, io.EOF
}
