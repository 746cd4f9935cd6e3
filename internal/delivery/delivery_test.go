package delivery

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/tokens"
)

// value is no token anything else knows (the demo's token is in make's environment).
const value = "dapi5f1e0c2b7a9d4e3f8c6b1a0d9e8f7c6b"

func item() Item {
	return Item{
		Value: tokens.NewSecret(value),
		Token: tokens.Token{ID: "abc123", ExpiryTime: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()},
		Place: tokens.Place{Profile: "prod", Host: "https://example.cloud.databricks.com"},
	}
}

// The value reaches the command on stdin, byte for byte, and nowhere else;
// the command learns which token it got from its environment.
func TestPipeDeliversOnStdinOnly(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	p, err := PreparePipe(`cat > stdin; printf '%s\n' "$0" "$@" > argv; env > env`, time.Minute, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if err := p.Deliver(context.Background(), item()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "stdin")); string(b) != value {
		t.Errorf("stdin %q, want the value without a newline", b)
	}
	for _, f := range []string{"argv", "env"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if strings.Contains(string(b), value) {
			t.Errorf("the value is in the command's %s", f)
		}
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	for _, want := range []string{"DBTOK_TOKEN_ID=abc123\n", "DBTOK_PROFILE=prod\n", "DBTOK_HOST=https://example.cloud.databricks.com\n", "DBTOK_EXPIRY_TIME=2027-01-02T03:04:05Z\n"} {
		if !strings.Contains(string(env), want) {
			t.Errorf("environment lacks %q", want)
		}
	}
	if got := p.Target(); got.Type != "command" || got.Command == "" {
		t.Errorf("target %+v", got)
	}
}

func TestPipeFailures(t *testing.T) {
	redact.Add(value)
	for _, tt := range []struct {
		name, command string
		timeout       time.Duration
		want          string
		output        string
	}{
		{"exit status", "echo denied >&2; exit 4", time.Minute, `the command "echo denied >&2; exit 4" failed with exit status 4`, "denied\n"},
		{"echoes the value", "cat; exit 1", time.Minute, "exit status 1", "[REDACTED]\n"},
		{"too slow", "sleep 20", 200 * time.Millisecond, "did not finish within 200ms and was stopped (raise --timeout if it needs longer)", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p, err := PreparePipe(tt.command, tt.timeout, &out)
			if err != nil {
				t.Fatal(err)
			}
			err = p.Deliver(context.Background(), item())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
			if out.String() != tt.output {
				t.Errorf("output %q, want %q", out.String(), tt.output)
			}
		})
	}
	t.Run("interrupted", func(t *testing.T) {
		p, _ := PreparePipe("sleep 20", time.Minute, &bytes.Buffer{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := p.Deliver(ctx, item()); failure.Code(err) != failure.Canceled {
			t.Errorf("error %v (exit %d), want an interrupt", err, failure.Code(err))
		}
	})
	t.Run("empty command", func(t *testing.T) {
		_, err := PreparePipe("  ", time.Minute, &bytes.Buffer{})
		if failure.Code(err) != failure.Usage {
			t.Errorf("error %v", err)
		}
	})
	t.Run("no sh", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := PreparePipe("true", time.Minute, &bytes.Buffer{})
		if failure.Code(err) != failure.Usage || !strings.Contains(err.Error(), "sh, which is not on PATH") {
			t.Errorf("error %v", err)
		}
	})
}

// A command that floods its output keeps only the end of it.
func TestPipeOutputIsBounded(t *testing.T) {
	var out bytes.Buffer
	p, _ := PreparePipe("head -c 1000000 /dev/zero | tr '\\0' x; echo; echo last line", time.Minute, &out)
	if err := p.Deliver(context.Background(), item()); err != nil {
		t.Fatal(err)
	}
	if out.Len() > outputLimit+100 || !strings.HasPrefix(out.String(), "[...]") || !strings.HasSuffix(out.String(), "last line\n") {
		t.Errorf("output of %d bytes: %q...%q", out.Len(), out.String()[:10], out.String()[out.Len()-12:])
	}
}

// fakeSecrets is a Secrets API in memory.
type fakeSecrets struct {
	clock   time.Time
	scopes  map[string]map[string]time.Time
	values  map[string]string
	putErr  error
	readErr error
	// frozen keeps the last-updated time from moving on a put.
	frozen bool
	// vanish drops a secret right after it is put.
	vanish bool
}

func (f *fakeSecrets) Put(_ context.Context, scope, key, value string) error {
	if f.putErr != nil {
		return f.putErr
	}
	if f.vanish {
		return nil
	}
	if !f.frozen {
		f.clock = f.clock.Add(time.Millisecond)
		f.scopes[scope][key] = f.clock
	} else if _, ok := f.scopes[scope][key]; !ok {
		f.scopes[scope][key] = f.clock
	}
	f.values[scope+"/"+key] = value
	return nil
}

func (f *fakeSecrets) Updated(_ context.Context, scope, key string) (time.Time, bool, error) {
	if f.readErr != nil {
		return time.Time{}, false, f.readErr
	}
	s, ok := f.scopes[scope]
	if !ok {
		return time.Time{}, false, &failure.APIError{Kind: failure.KindNotFound, Status: 404, Message: "Scope " + scope + " does not exist!"}
	}
	at, ok := s[key]
	return at, ok, nil
}

func newFakeSecrets() *fakeSecrets {
	return &fakeSecrets{clock: time.Unix(1e9, 0), scopes: map[string]map[string]time.Time{"ci": {"old": time.Unix(1e9, 0)}}, values: map[string]string{}}
}

var place = tokens.Place{Profile: "prod", Host: "https://example.cloud.databricks.com"}

func TestSecretDeliveredAndProven(t *testing.T) {
	for _, key := range []string{"new", "old"} {
		f := newFakeSecrets()
		s, err := PrepareSecret(context.Background(), f, place, SecretRef{"ci", key})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Deliver(context.Background(), item()); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if f.values["ci/"+key] != value {
			t.Errorf("%s: secret holds %q", key, f.values["ci/"+key])
		}
	}
}

func TestSecretFailures(t *testing.T) {
	denied := &failure.APIError{Kind: failure.KindPermission, Status: 403, Message: "User bob does not have READ permission on scope ci"}
	for _, tt := range []struct {
		name    string
		ref     SecretRef
		setup   func(*fakeSecrets)
		prepare string // the error of PrepareSecret
		deliver string // the error of Deliver
	}{
		{name: "no scope", ref: SecretRef{"nope", "k"}, prepare: "there is no secret scope nope in profile prod (https://example.cloud.databricks.com); create it first (databricks secrets create-scope nope)"},
		{name: "no access", ref: SecretRef{"ci", "k"}, setup: func(f *fakeSecrets) { f.readErr = denied }, prepare: "you may not use secret scope ci"},
		{name: "put refused", ref: SecretRef{"ci", "k"}, setup: func(f *fakeSecrets) { f.putErr = denied }, deliver: "cannot write secret ci/k in profile prod"},
		{name: "put lost", ref: SecretRef{"ci", "k"}, setup: func(f *fakeSecrets) {
			f.putErr = &failure.APIError{Kind: failure.KindUnavailable, Status: 503, Message: "busy", MaybeApplied: true}
		}, deliver: "may or may not hold the new value"},
		{name: "not listed after", ref: SecretRef{"ci", "k"}, setup: func(f *fakeSecrets) { f.vanish = true }, deliver: "the scope does not list it afterwards"},
		{name: "not updated", ref: SecretRef{"ci", "old"}, setup: func(f *fakeSecrets) { f.frozen = true }, deliver: "its last-updated time did not change"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSecrets()
			var s *Secret
			var err error
			if tt.prepare != "" && tt.setup != nil {
				tt.setup(f)
			}
			s, err = PrepareSecret(context.Background(), f, place, tt.ref)
			if tt.prepare != "" {
				if err == nil || !strings.Contains(err.Error(), tt.prepare) {
					t.Fatalf("prepare: %v, want %q", err, tt.prepare)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.setup(f)
			if err := s.Deliver(context.Background(), item()); err == nil || !strings.Contains(err.Error(), tt.deliver) {
				t.Errorf("deliver: %v, want %q", err, tt.deliver)
			}
		})
	}
}

func TestParseSecretRef(t *testing.T) {
	for in, want := range map[string]string{
		"ci/databricks-token":            "",
		"a.b@c_d-e/K.1":                  "",
		"ci":                             "give SCOPE/KEY",
		"/k":                             "give SCOPE/KEY",
		"ci/":                            "give SCOPE/KEY",
		"c i/k":                          `the scope name "c i"`,
		"ci/k/x":                         `the key name "k/x"`,
		"ci/" + strings.Repeat("k", 129): "at most 128",
	} {
		ref, err := ParseSecretRef(in)
		switch {
		case want == "" && (err != nil || ref.String() != in):
			t.Errorf("%q: %v %v", in, ref, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || failure.Code(err) != failure.Usage):
			t.Errorf("%q: error %v, want %q", in, err, want)
		}
	}
}

// recorder is a destination that remembers what it got, or fails.
type recorder struct {
	name string
	fail error
	got  []string
}

func (r *recorder) String() string { return r.name }
func (r *recorder) Target() Target { return Target{Type: r.name} }
func (r *recorder) Close()         {}
func (r *recorder) Deliver(_ context.Context, it Item) error {
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, it.Value.Reveal())
	return nil
}

func TestAllStopsAtFirstFailure(t *testing.T) {
	boom := errors.New("boom")
	a, b, c := &recorder{name: "a"}, &recorder{name: "b", fail: boom}, &recorder{name: "c"}
	err := All(context.Background(), []Destination{a, b, c}, item())
	var p *PartialError
	if !errors.As(err, &p) || !errors.Is(err, boom) || len(Reached(err)) != 1 || Reached(err)[0] != a {
		t.Fatalf("error %v, reached %v", err, Reached(err))
	}
	if err.Error() != "delivered to a, but not to b: boom" || len(a.got) != 1 || len(c.got) != 0 {
		t.Errorf("%v; a got %d, c got %d", err, len(a.got), len(c.got))
	}
	// The first destination failing leaves nothing delivered: its own error.
	err = All(context.Background(), []Destination{b, a}, item())
	if err != boom || Reached(err) != nil {
		t.Errorf("error %v, reached %v", err, Reached(err))
	}
	if err := All(context.Background(), []Destination{a, c}, item()); err != nil || len(c.got) != 1 {
		t.Errorf("error %v", err)
	}
}

func TestPrepareOrderAndCleanup(t *testing.T) {
	dir := t.TempDir()
	f := newFakeSecrets()
	env := Env{What: "the token", Timeout: time.Minute, Output: &bytes.Buffer{},
		Secrets: func(context.Context, string) (SecretsAPI, tokens.Place, error) { return f, place, nil }}
	req := Request{File: filepath.Join(dir, "tok"), Pipes: []string{"cat >/dev/null"}, Secrets: []SecretRef{{"ci", "k"}}}
	dests, err := Prepare(context.Background(), req, env)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, tg := range Targets(dests) {
		types = append(types, tg.Type)
	}
	if strings.Join(types, ",") != "command,secret,file" {
		t.Errorf("order %v", types)
	}
	CloseAll(dests)
	// A destination that cannot be used releases the ones before it: no
	// reserved file is left behind.
	req.Secrets = []SecretRef{{"nope", "k"}}
	if _, err := Prepare(context.Background(), req, env); err == nil {
		t.Fatal("no error for a missing scope")
	}
	req.Secrets = nil
	req.File = filepath.Join(dir, "missing", "tok")
	if _, err := Prepare(context.Background(), req, env); err == nil {
		t.Fatal("no error for a missing folder")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if !req.Printed(false) == false || (Request{}).Printed(true) || !(Request{}).Printed(false) || !(Request{Stdout: true, Pipes: []string{"x"}}).Printed(true) {
		t.Error("Printed")
	}
}
