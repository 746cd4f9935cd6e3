package create

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/delivery"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const host = "https://a.example.com"

func TestNewCmdCreate(t *testing.T) {
	home, _ := os.UserHomeDir()
	tests := []struct {
		name    string
		args    []string
		want    Options
		wantErr string // a usage error containing this
	}{
		{name: "no flags", args: nil, want: Options{}},
		{name: "lifetime in days", args: []string{"--lifetime", "100d", "--comment", "ci"}, want: Options{LifetimeSeconds: 100 * 86400, Comment: "ci"}},
		{name: "combined lifetime", args: []string{"--lifetime", "1w2d"}, want: Options{LifetimeSeconds: 9 * 86400}},
		{name: "lifetime seconds", args: []string{"--lifetime-seconds", "3600"}, want: Options{LifetimeSeconds: 3600}},
		{name: "both lifetimes", args: []string{"--lifetime", "1d", "--lifetime-seconds", "60"}, wantErr: "either --lifetime or --lifetime-seconds"},
		{name: "zero lifetime seconds", args: []string{"--lifetime-seconds", "0"}, wantErr: "positive number of seconds"},
		{name: "bad lifetime", args: []string{"--lifetime", "soon"}, wantErr: "soon"},
		{name: "comment with newline", args: []string{"--comment", "a\nb"}, wantErr: "--comment contains a control character"},
		{name: "lifetime in seconds, as the Databricks CLI", args: []string{"--lifetime-seconds", "3600"}, want: Options{LifetimeSeconds: 3600}},
		{name: "both lifetimes", args: []string{"--lifetime", "1h", "--lifetime-seconds", "3600"}, wantErr: "use either --lifetime or --lifetime-seconds, not both"},
		{name: "no seconds", args: []string{"--lifetime-seconds", "0"}, wantErr: "--lifetime-seconds must be a positive number of seconds"},
		{name: "out file", args: []string{"--out", "tok.txt", "--force"}, want: Options{Delivery: delivery.Request{File: "tok.txt", Force: true}}},
		{name: "out home", args: []string{"--out", "~/tok.txt"}, want: Options{Delivery: delivery.Request{File: filepath.Join(home, "tok.txt")}}},
		{name: "out dash is stdout", args: []string{"--out", "-"}, want: Options{Delivery: delivery.Request{Stdout: true}}},
		{name: "out empty", args: []string{"--out", ""}, wantErr: "--out needs a file name"},
		{name: "force without out", args: []string{"--force"}, wantErr: "--force only applies with --out FILE"},
		{name: "force with stdout", args: []string{"--out", "-", "--force"}, wantErr: "--force only applies"},
		{name: "service principal", args: []string{"--for-service-principal", "app-1", "--comment", "etl"}, want: Options{ServicePrincipal: "app-1", Comment: "etl"}},
		{name: "empty service principal", args: []string{"--for-service-principal", ""}, wantErr: "--for-service-principal needs an application ID"},
		{name: "argument", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
		{name: "unknown flag", args: []string{"--bogus"}, wantErr: "unknown flag: --bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := cmdtest.New(t)
			var got *Options
			cmd := NewCmdCreate(e.Factory(), func(_ context.Context, o *Options) error {
				got = o
				return nil
			})
			err := e.Exec(cmd, tt.args...)
			if tt.wantErr != "" {
				cmdtest.Code(t, err, failure.Usage)
				cmdtest.Contains(t, "error", err.Error(), tt.wantErr)
				if got != nil {
					t.Error("run was called despite the usage error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.LifetimeSeconds != tt.want.LifetimeSeconds || got.Comment != tt.want.Comment || !reflect.DeepEqual(got.Delivery, tt.want.Delivery) || got.ServicePrincipal != tt.want.ServicePrincipal {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
			if got.IO != e.IO || got.Printer == nil || got.Workspace == nil || got.Record == nil {
				t.Error("the factory's dependencies were not handed over")
			}
		})
	}
}

func setup(t *testing.T) (*cmdtest.Env, *tokenstest.Fake) {
	t.Helper()
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", host)
	return e, e.Fake(host)
}

// created are the live tokens other than the profile's own: what the
// command left in the workspace.
func created(t *testing.T, f *tokenstest.Fake) []string {
	t.Helper()
	var live []string
	for _, tok := range f.Tokens() {
		if !strings.HasPrefix(tok.Comment, "profile ") {
			live = append(live, tok.ID)
		}
	}
	return live
}

func TestCreateToStdoutAsJSON(t *testing.T) {
	e, fake := setup(t)
	opts := &Options{Deps: e.Deps(), Comment: "ci", LifetimeSeconds: 7200}
	if err := createRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var got struct {
		TokenValue string `json:"token_value"`
		TokenInfo  struct {
			TokenID    string `json:"token_id"`
			Comment    string `json:"comment"`
			ExpiryTime int64  `json:"expiry_time"`
		} `json:"token_info"`
		OutFile *string `json:"out_file"`
	}
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, e.Stdout)
	}
	calls := fake.CallsTo(tokenstest.Create)
	if len(calls) != 1 || calls[0].Comment != "ci" || calls[0].LifetimeSeconds != 7200 {
		t.Fatalf("create calls %+v, want one with comment ci and 7200 s", calls)
	}
	value, ok := fake.Value(got.TokenInfo.TokenID)
	if !ok || value.Reveal() != got.TokenValue {
		t.Fatalf("printed value is not the live token %s's value", got.TokenInfo.TokenID)
	}
	if got.TokenInfo.Comment != "ci" || got.TokenInfo.ExpiryTime != cmdtest.Now.UnixMilli()+7200_000 || got.OutFile != nil {
		t.Errorf("token_info %+v, out_file %v", got.TokenInfo, got.OutFile)
	}
	// Remembered for later rotations, and the workspace noted as one that
	// derives IDs from values.
	if id, ok := e.Record.Issued(host, value); !ok || id != got.TokenInfo.TokenID {
		t.Errorf("record has %q, %v", id, ok)
	}
	if !e.Record.UsesDigestIDs(host) {
		t.Error("the new token's digest ID was not learnt")
	}
	if e.Stderr.Len() != 0 {
		t.Errorf("stderr: %s", e.Stderr)
	}
}

func TestCreateOnTerminalShowsSummaryAndWarning(t *testing.T) {
	e, fake := setup(t)
	e.IO.SetStdoutTTY(true)
	e.IO.SetTerminalWidth(100)
	if err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "laptop"}); err != nil {
		t.Fatal(err)
	}
	ids := created(t, fake)
	if len(ids) != 1 {
		t.Fatalf("live tokens %v", ids)
	}
	v, _ := fake.Value(ids[0])
	cmdtest.Contains(t, "stdout", e.Stdout.String(), "Token ID:", ids[0], "Comment:", "laptop", "Token:", v.Reveal(), "Expires:")
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "Copy the token now")
	if calls := fake.CallsTo(tokenstest.Create); calls[0].LifetimeSeconds != 0 {
		t.Errorf("no --lifetime sent %d s; want 0 (the workspace default)", calls[0].LifetimeSeconds)
	}
}

func TestCreateToFile(t *testing.T) {
	e, fake := setup(t)
	out := filepath.Join(t.TempDir(), "token")
	if err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "nightly", Delivery: delivery.Request{File: out}}); err != nil {
		t.Fatal(err)
	}
	ids := created(t, fake)
	if len(ids) != 1 {
		t.Fatalf("live tokens %v", ids)
	}
	v, _ := fake.Value(ids[0])
	b, err := os.ReadFile(out)
	if err != nil || string(b) != v.Reveal()+"\n" {
		t.Fatalf("file holds %q (%v), want the value and a newline", b, err)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 0600", st.Mode().Perm())
	}
	cmdtest.Lacks(t, "stdout", e.Stdout.String(), v.Reveal(), "token_value")
	var res map[string]any
	if err := json.Unmarshal(e.Stdout.Bytes(), &res); err != nil || res["out_file"] != out {
		t.Errorf("stdout %s: want out_file %s", e.Stdout, out)
	}

	// Summary on a terminal says where it went, and no copy warning.
	e2, _ := setup(t)
	e2.IO.SetStdoutTTY(true)
	out2 := filepath.Join(t.TempDir(), "token")
	if err := createRun(context.Background(), &Options{Deps: e2.Deps(), Delivery: delivery.Request{File: out2}}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stdout", e2.Stdout.String(), "Saved to:", out2+" (mode 0600)")
	cmdtest.Lacks(t, "stderr", e2.Stderr.String(), "Copy the token")
}

func TestCreateRefusesBeforeCreating(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "taken")
	if err := os.WriteFile(existing, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		prepare func(e *cmdtest.Env, o *Options)
		code    int
		wantErr string
	}{
		{"existing out file", func(e *cmdtest.Env, o *Options) { o.Delivery.File = existing }, failure.Usage, "already exists: use --force"},
		{"out folder missing", func(e *cmdtest.Env, o *Options) { o.Delivery.File = filepath.Join(existing+".d", "x") }, failure.Usage, "does not exist"},
		{"stdout discarded", func(e *cmdtest.Env, o *Options) { e.IO.SetStdoutDiscarded(true) }, failure.Usage, "stdout is discarded"},
		{"bad output format", func(e *cmdtest.Env, o *Options) { e.Output = output.Choice{Format: "xml"} }, failure.Usage, `unknown output format "xml"`},
		{"bad jq", func(e *cmdtest.Env, o *Options) { e.Output = output.Choice{JQ: ".["} }, failure.Usage, `--jq ".["`},
		{"workspace fails to open", func(e *cmdtest.Env, o *Options) {
			e.Break("DEFAULT", failure.Configf("profile DEFAULT has no host"))
		}, failure.Usage, "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, fake := setup(t)
			opts := &Options{Deps: e.Deps(), Comment: "x"}
			tt.prepare(e, opts)
			err := createRun(context.Background(), opts)
			cmdtest.Code(t, err, tt.code)
			cmdtest.Contains(t, "error", err.Error(), tt.wantErr)
			if n := len(fake.CallsTo(tokenstest.Create)); n != 0 {
				t.Errorf("%d create calls: nothing may be created", n)
			}
			if b, _ := os.ReadFile(existing); string(b) != "old" {
				t.Errorf("existing file changed to %q", b)
			}
		})
	}
}

// A --jq or --template that leaves the value out must not leave a live
// token nobody received.
func TestCreateDeliveryGuard(t *testing.T) {
	t.Run("jq without the value", func(t *testing.T) {
		e, fake := setup(t)
		e.Output = output.Choice{JQ: ".tokenvalue"}
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "typo"})
		// A token was created (and revoked): not "nothing was sent".
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "error", err.Error(), "does not contain the new token's value", "was revoked, so nothing was left behind")
		creates := fake.CallsTo(tokenstest.Create)
		if len(creates) != 1 {
			t.Fatalf("create calls %+v", creates)
		}
		if revoked := fake.Revoked(); len(revoked) != 1 || len(created(t, fake)) != 0 {
			t.Errorf("revoked %v, live %v: the new token must be revoked again", revoked, created(t, fake))
		}
		if e.Stdout.Len() != 0 {
			t.Errorf("stdout %q: nothing may be printed", e.Stdout)
		}
		if ids := e.Record.IssuedIDs(host); len(ids) != 0 {
			t.Errorf("record %v: an undelivered token is not recorded", ids)
		}
	})
	t.Run("jq with the value", func(t *testing.T) {
		e, fake := setup(t)
		e.Output = output.Choice{JQ: ".token_value"}
		if err := createRun(context.Background(), &Options{Deps: e.Deps()}); err != nil {
			t.Fatal(err)
		}
		ids := created(t, fake)
		v, _ := fake.Value(ids[0])
		// --jq prints strings raw, as gh does: ready for $(...).
		if got := strings.TrimSpace(e.Stdout.String()); got != v.Reveal() {
			t.Errorf("stdout %q", got)
		}
	})
	t.Run("template with the value", func(t *testing.T) {
		e, fake := setup(t)
		e.Output = output.Choice{Template: "{{.token_value}}"}
		if err := createRun(context.Background(), &Options{Deps: e.Deps()}); err != nil {
			t.Fatal(err)
		}
		v, _ := fake.Value(created(t, fake)[0])
		if got := strings.TrimSpace(e.Stdout.String()); got != v.Reveal() {
			t.Errorf("stdout %q", got)
		}
	})
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("stdout closed") }

func TestCreateStdoutFails(t *testing.T) {
	t.Run("token revoked", func(t *testing.T) {
		e, fake := setup(t)
		e.IO.Out = brokenWriter{}
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "lost"})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "error", err.Error(), "cannot print the token: stdout closed", "was revoked")
		if live := created(t, fake); len(live) != 0 {
			t.Errorf("live %v", live)
		}
	})
	t.Run("revoking fails too", func(t *testing.T) {
		e, fake := setup(t)
		e.IO.Out = brokenWriter{}
		fake.Fail(tokenstest.Revoke, tokenstest.Unavailable())
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "lost"})
		live := created(t, fake)
		if len(live) != 1 {
			t.Fatalf("live %v", live)
		}
		cmdtest.Contains(t, "error", err.Error(), "revoking the new token "+live[0]+" failed too",
			"revoke it with `dbtok revoke "+live[0]+" -p DEFAULT`")
	})
	t.Run("value safe in file", func(t *testing.T) {
		e, fake := setup(t)
		e.IO.Out = brokenWriter{}
		out := filepath.Join(t.TempDir(), "tok")
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Delivery: delivery.Request{File: out}})
		live := created(t, fake)
		if len(live) != 1 {
			t.Fatalf("live %v: the delivered token must be kept", live)
		}
		cmdtest.Contains(t, "error", err.Error(), "token "+live[0]+" was delivered to "+out+", but printing the result failed")
	})
}

// A file that appears while the token is being created cannot take it:
// the token is revoked and the file left alone.
func TestCreateFileDeliveryFails(t *testing.T) {
	e, fake := setup(t)
	out := filepath.Join(t.TempDir(), "tok")
	fake.On(tokenstest.Create, func() {
		if err := os.WriteFile(out, []byte("someone else's"), 0o600); err != nil {
			t.Error(err)
		}
	})
	err := createRun(context.Background(), &Options{Deps: e.Deps(), Delivery: delivery.Request{File: out}})
	cmdtest.Code(t, err, failure.Error)
	cmdtest.Contains(t, "error", err.Error(), "appeared while the token was being created", "was revoked")
	if live := created(t, fake); len(live) != 0 {
		t.Errorf("live %v", live)
	}
	if b, _ := os.ReadFile(out); string(b) != "someone else's" {
		t.Errorf("file now %q", b)
	}
}

func TestCreateFailures(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		e, fake := setup(t)
		fake.Fail(tokenstest.Create, &failure.APIError{Kind: failure.KindQuota, Status: 400, Code: "QUOTA_EXCEEDED", Message: "too many tokens"})
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "ci"})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "error", err.Error(), "cannot create a token in profile DEFAULT ("+host+"): too many tokens (HTTP 400)", "dbtok revoke")
		cmdtest.Lacks(t, "error", err.Error(), "may have been created", "anyway")
		if len(fake.CallsTo(tokenstest.List)) != 0 {
			t.Error("a clear refusal needs no search for orphans")
		}
	})
	t.Run("answer lost, token created", func(t *testing.T) {
		e, fake := setup(t)
		fake.FailNext(tokenstest.Create, tokenstest.AfterApplying(tokenstest.LostAnswer()))
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "ci"})
		cmdtest.Code(t, err, failure.Error)
		orphans := created(t, fake)
		if len(orphans) != 1 {
			t.Fatalf("live %v: the fake should have created the token", orphans)
		}
		cmdtest.Contains(t, "error", err.Error(), "the server created it anyway, as token "+orphans[0],
			"revoke it with `dbtok revoke "+orphans[0]+" -p DEFAULT`")
		if e.Stdout.Len() != 0 {
			t.Errorf("stdout %q", e.Stdout)
		}
	})
	t.Run("answer lost, nothing there yet", func(t *testing.T) {
		e, fake := setup(t)
		fake.FailNext(tokenstest.Create, tokenstest.LostAnswer())
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "ci"})
		cmdtest.Code(t, err, failure.Error)
		// It never claims nothing was left: the server may still create it.
		cmdtest.Contains(t, "error", err.Error(), "connection reset by peer", `no token with comment "ci" has appeared yet`,
			"check `dbtok list --comment-exact ci -p DEFAULT` in a minute")
		if len(fake.CallsTo(tokenstest.List)) != 1 {
			t.Error("the orphan search must list once")
		}
	})
	t.Run("answer lost, listing fails", func(t *testing.T) {
		e, fake := setup(t)
		fake.FailNext(tokenstest.Create, &failure.APIError{Kind: failure.KindUnavailable, Message: "bad gateway", Status: 502, MaybeApplied: true})
		fake.Fail(tokenstest.List, tokenstest.Unavailable())
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "ci job"})
		cmdtest.Contains(t, "error", err.Error(), "may have been created anyway", "dbtok list --comment-exact 'ci job' -p DEFAULT")
	})
}

func TestCreateForServicePrincipal(t *testing.T) {
	e, fake := setup(t)
	if err := createRun(context.Background(), &Options{Deps: e.Deps(), ServicePrincipal: "app-123", Comment: "etl", LifetimeSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	calls := fake.CallsTo(tokenstest.CreateOnBehalfOf)
	if len(calls) != 1 || calls[0].ApplicationID != "app-123" || calls[0].Comment != "etl" || calls[0].LifetimeSeconds != 60 {
		t.Fatalf("on-behalf-of calls %+v", calls)
	}
	if n := len(fake.CallsTo(tokenstest.Create)); n != 0 {
		t.Errorf("%d own-token creates", n)
	}

	t.Run("not an admin", func(t *testing.T) {
		e, fake := setup(t)
		fake.Fail(tokenstest.CreateOnBehalfOf, tokenstest.PermissionDenied())
		err := createRun(context.Background(), &Options{Deps: e.Deps(), ServicePrincipal: "app-123"})
		cmdtest.Code(t, err, failure.Auth)
		cmdtest.Contains(t, "error", err.Error(), "cannot create a token for service principal app-123", "workspace admin rights are needed")
	})
	t.Run("undelivered token revoked as admin", func(t *testing.T) {
		e, fake := setup(t)
		e.Output = output.Choice{JQ: ".token_info"}
		err := createRun(context.Background(), &Options{Deps: e.Deps(), ServicePrincipal: "app-123", Comment: "etl"})
		cmdtest.Code(t, err, failure.Error)
		any := fake.CallsTo(tokenstest.RevokeAny)
		if len(any) != 1 || any[0].Err != nil {
			t.Fatalf("RevokeAny calls %+v: a service principal's token is revoked through Token Management", any)
		}
		cmdtest.Contains(t, "error", err.Error(), "was revoked")
	})
	t.Run("maybe created, advice names --all-users", func(t *testing.T) {
		e, fake := setup(t)
		fake.FailNext(tokenstest.CreateOnBehalfOf, tokenstest.AfterApplying(tokenstest.LostAnswer()))
		err := createRun(context.Background(), &Options{Deps: e.Deps(), ServicePrincipal: "app-9", Comment: "etl"})
		orphan := fake.Tokens()[len(fake.Tokens())-1]
		cmdtest.Contains(t, "error", err.Error(), "as token "+orphan.ID, "dbtok revoke --all-users "+orphan.ID)
	})
}

func TestCreateRecordFailureIsAWarning(t *testing.T) {
	e, fake := setup(t)
	e.Record.Err = errors.New("disk full")
	if err := createRun(context.Background(), &Options{Deps: e.Deps()}); err != nil {
		t.Fatal(err)
	}
	if len(created(t, fake)) != 1 {
		t.Fatal("the token must stay: it was delivered")
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "Warning:", "could not remember the new token", "disk full")
}

// The table format shows a one-row table with the value as its last column.
func TestCreateResultTable(t *testing.T) {
	e, fake := setup(t)
	e.Output = output.Choice{Format: "csv"}
	if err := createRun(context.Background(), &Options{Deps: e.Deps(), Comment: "c"}); err != nil {
		t.Fatal(err)
	}
	v, _ := fake.Value(created(t, fake)[0])
	lines := strings.Split(strings.TrimSpace(e.Stdout.String()), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "TOKEN") || !strings.HasSuffix(lines[1], v.Reveal()) {
		t.Errorf("csv %q", lines)
	}

	e2, _ := setup(t)
	e2.Output = output.Choice{Format: "csv"}
	out := filepath.Join(t.TempDir(), "t")
	if err := createRun(context.Background(), &Options{Deps: e2.Deps(), Delivery: delivery.Request{File: out}}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "csv", e2.Stdout.String(), "DELIVERED TO", out)
}

// Named destinations take the value (a command's stdin, a secret) and
// stdout only the summary; JSON says where it went.
func TestCreateDeliversToCommandAndSecret(t *testing.T) {
	e, fake := setup(t)
	e.Secrets(host).AddScope("ci")
	piped := filepath.Join(t.TempDir(), "piped")
	opts := &Options{Deps: e.Deps(), Comment: "ci", Delivery: delivery.Request{
		Pipes: []string{"cat > " + piped}, Secrets: []delivery.SecretRef{{Scope: "ci", Key: "token"}},
	}}
	if err := createRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	live := created(t, fake)
	if len(live) != 1 {
		t.Fatalf("live %v", live)
	}
	value, _ := fake.Value(live[0])
	if b, _ := os.ReadFile(piped); string(b) != value.Reveal() {
		t.Errorf("the command got %q", b)
	}
	if v, _ := e.Secrets(host).Value("ci", "token"); v != value.Reveal() {
		t.Errorf("the secret holds %q", v)
	}
	var got struct {
		TokenValue  *string          `json:"token_value"`
		DeliveredTo []map[string]any `json:"delivered_to"`
	}
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.TokenValue != nil || len(got.DeliveredTo) != 2 || got.DeliveredTo[0]["type"] != "command" || got.DeliveredTo[1]["type"] != "secret" || got.DeliveredTo[1]["profile"] != "DEFAULT" {
		t.Errorf("stdout %s", e.Stdout)
	}
	if strings.Contains(e.Stdout.String()+e.Stderr.String(), value.Reveal()) {
		t.Error("the value was printed")
	}
}

// The first destination failing revokes the new token; a later one leaves
// it live for the destinations that hold it, and the error says so.
func TestCreateDeliveryFailures(t *testing.T) {
	t.Run("first fails", func(t *testing.T) {
		e, fake := setup(t)
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Delivery: delivery.Request{Pipes: []string{"cat >/dev/null; exit 3"}}})
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "error", err.Error(), "failed with exit status 3", "was revoked")
		if live := created(t, fake); len(live) != 0 {
			t.Errorf("live %v", live)
		}
	})
	t.Run("later fails", func(t *testing.T) {
		e, fake := setup(t)
		kept := filepath.Join(t.TempDir(), "kept")
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Delivery: delivery.Request{Pipes: []string{"cat > " + kept, "exit 4"}}})
		live := created(t, fake)
		if len(live) != 1 {
			t.Fatalf("live %v: the delivered token must stay", live)
		}
		cmdtest.Code(t, err, failure.Error)
		cmdtest.Contains(t, "error", err.Error(), "token "+live[0]+" was delivered to the command", "it stays live since", "dbtok revoke "+live[0])
	})
	t.Run("missing scope", func(t *testing.T) {
		e, fake := setup(t)
		err := createRun(context.Background(), &Options{Deps: e.Deps(), Delivery: delivery.Request{Secrets: []delivery.SecretRef{{Scope: "nope", Key: "k"}}}})
		cmdtest.Code(t, err, failure.NotFound)
		if len(fake.CallsTo(tokenstest.Create)) != 0 {
			t.Error("a token was created")
		}
	})
}
