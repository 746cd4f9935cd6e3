package list

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil/cmdtest"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/tokens/tokenstest"
)

const (
	hostA = "https://a.example.com"
	hostB = "https://b.example.com"
	day   = 24 * time.Hour
)

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		globalProf string
		check      func(t *testing.T, o *Options)
		wantErr    string
	}{
		{name: "defaults", check: func(t *testing.T, o *Options) {
			if o.Sort != "expiry" || o.Parallel != fanout.Adaptive || o.Profiles != nil || o.FailIfAny || o.Scope != (tokens.Scope{}) || o.Filter.Active() {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "sort", args: []string{"--sort", "CREATED"}, check: func(t *testing.T, o *Options) {
			if o.Sort != "created" {
				t.Errorf("sort %q", o.Sort)
			}
		}},
		{name: "bad sort", args: []string{"--sort", "age"}, wantErr: `--sort "age": use one of expiry, created, comment`},
		{name: "fail if any", args: []string{"--fail-if-any", "--expiring-within", "14d"}, check: func(t *testing.T, o *Options) {
			if !o.FailIfAny || o.Filter.Describe() != "expiring within 14d" {
				t.Errorf("fail-if-any %v, filter %q", o.FailIfAny, o.Filter.Describe())
			}
		}},
		{name: "all users by creator", args: []string{"--all-users", "--created-by", "bob"}, check: func(t *testing.T, o *Options) {
			if o.Scope != (tokens.Scope{AllUsers: true, CreatedBy: "bob"}) {
				t.Errorf("scope %+v", o.Scope)
			}
		}},
		{name: "created-by alone", args: []string{"--created-by", "bob"}, wantErr: "--created-by needs --all-users"},
		{name: "filters", args: []string{"--comment", "ci-*", "--no-expiry", "--created-before", "90d"}, check: func(t *testing.T, o *Options) {
			want := `never expiring, created more than 90d ago, comment matching "ci-*"`
			if got := o.Filter.Describe(); got != want {
				t.Errorf("filter %q, want %q", got, want)
			}
		}},
		{name: "comment exact empty", args: []string{"--comment-exact", ""}, check: func(t *testing.T, o *Options) {
			if o.Filter.Describe() != "without a comment" {
				t.Errorf("filter %q", o.Filter.Describe())
			}
		}},
		{name: "empty comment", args: []string{"--comment", ""}, wantErr: "--comment is empty"},
		{name: "both comments", args: []string{"--comment", "a", "--comment-exact", "a"}, wantErr: "either --comment (a glob) or --comment-exact"},
		{name: "expired and no expiry", args: []string{"--expired", "--no-expiry"}, wantErr: "--no-expiry cannot be combined"},
		{name: "date", args: []string{"--created-before", "2026-03-04"}, check: func(t *testing.T, o *Options) {
			// A day counts from its midnight (UTC), and now is noon ten days on: 10.5 days.
			if got := o.Filter.Describe(); got != "created more than 252h0m0s ago" {
				t.Errorf("filter %q", got)
			}
		}},
		{name: "future date", args: []string{"--created-before", "2027-01-01"}, wantErr: "is in the future"},
		{name: "date as duration", args: []string{"--expiring-within", "2026-05-01"}, wantErr: "is a date"},
		{name: "all profiles", args: []string{"--all-profiles", "--parallel", "4"}, check: func(t *testing.T, o *Options) {
			if !slices.Equal(o.Profiles, []string{"prod-a", "prod-b", "dev"}) || o.Parallel != 4 {
				t.Errorf("profiles %v, parallel %d", o.Profiles, o.Parallel)
			}
		}},
		{name: "profiles glob", args: []string{"--profiles", "dev,prod-*"}, check: func(t *testing.T, o *Options) {
			// The config file's order, whatever the patterns' order.
			if !slices.Equal(o.Profiles, []string{"prod-a", "prod-b", "dev"}) {
				t.Errorf("profiles %v", o.Profiles)
			}
		}},
		{name: "profiles no match", args: []string{"--profiles", "staging"}, wantErr: `no profile in`},
		{name: "profile and all profiles", args: []string{"--all-profiles"}, globalProf: "dev", wantErr: "--profile names one workspace"},
		{name: "all and some profiles", args: []string{"--all-profiles", "--profiles", "dev"}, wantErr: "either --all-profiles or --profiles"},
		{name: "parallel zero", args: []string{"--parallel", "0"}, wantErr: "--parallel must be at least 1"},
		{name: "argument", args: []string{"prod"}, wantErr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmdtest.Hermetic(t)
			e := cmdtest.New(t)
			e.AddProfile("prod-a", hostA)
			e.AddProfile("prod-b", hostB)
			e.AddProfile("dev", hostA)
			f := e.Factory()
			f.Globals.Profile = tt.globalProf
			var got *Options
			cmd := NewCmdList(f, func(_ context.Context, o *Options) error {
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

// rowJSON is list's documented JSON for one token.
type rowJSON struct {
	Profile           *string `json:"profile"`
	Host              *string `json:"host"`
	TokenID           string  `json:"token_id"`
	Comment           string  `json:"comment"`
	CreationTime      int64   `json:"creation_time"`
	ExpiryTime        int64   `json:"expiry_time"`
	ExpiresAt         *string `json:"expires_at"`
	CreatedByUsername *string `json:"created_by_username"`
	LastUsedAt        *string `json:"last_used_at"`
}

func decode(t *testing.T, b []byte) []rowJSON {
	t.Helper()
	var rows []rowJSON
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, b)
	}
	return rows
}

func comments(rows []rowJSON) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Comment)
	}
	return out
}

// setup is one workspace whose profile token never expires, and three
// more tokens of the user's.
func setup(t *testing.T) (*cmdtest.Env, *tokenstest.Fake) {
	t.Helper()
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("DEFAULT", hostA)
	f := e.Fake(hostA)
	now := cmdtest.Now
	f.Add(tokenstest.Seed{Comment: "ci-nightly", Created: now.Add(-100 * day), Lifetime: 103 * day}) // expires in 3 days
	f.Add(tokenstest.Seed{Comment: "Alpha", Created: now.Add(-10 * day), Lifetime: 40 * day})        // in 30 days
	f.Add(tokenstest.Seed{Comment: "ci-old", Created: now.Add(-200 * day), Lifetime: 190 * day})     // expired 10 days ago
	return e, f
}

func TestListJSON(t *testing.T) {
	e, fake := setup(t)
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 4}); err != nil {
		t.Fatal(err)
	}
	rows := decode(t, e.Stdout.Bytes())
	// Soonest to expire first, never-expiring last.
	if got, want := comments(rows), []string{"ci-old", "ci-nightly", "Alpha", "profile DEFAULT"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if rows[3].ExpiryTime != -1 || rows[3].ExpiresAt != nil {
		t.Errorf("never-expiring token: expiry_time %d, expires_at %v", rows[3].ExpiryTime, rows[3].ExpiresAt)
	}
	for _, r := range rows {
		if r.Profile != nil || r.Host != nil || r.CreatedByUsername != nil {
			t.Errorf("single-workspace, own-token row has extra fields: %+v", r)
		}
		if !fake.Has(r.TokenID) {
			t.Errorf("row %s is not a token of the workspace", r.TokenID)
		}
	}
	if calls := fake.Calls(); len(calls) != 1 || calls[0].Method != tokenstest.List {
		t.Errorf("calls %+v: one listing of the caller's own tokens", calls)
	}
	if e.Stderr.Len() != 0 {
		t.Errorf("stderr %q", e.Stderr)
	}
}

func TestListSortAndFilter(t *testing.T) {
	tests := []struct {
		sort   string
		filter func(f *tokens.Filter)
		want   []string
	}{
		{sort: "created", want: []string{"ci-old", "ci-nightly", "profile DEFAULT", "Alpha"}},
		{sort: "comment", want: []string{"Alpha", "ci-nightly", "ci-old", "profile DEFAULT"}},
		{sort: "expiry", filter: func(f *tokens.Filter) { _ = f.SetComment("ci-*") }, want: []string{"ci-old", "ci-nightly"}},
		{sort: "expiry", filter: func(f *tokens.Filter) { _ = f.SetExpired() }, want: []string{"ci-old"}},
		{sort: "expiry", filter: func(f *tokens.Filter) { _ = f.SetExpiringWithin(7 * day) }, want: []string{"ci-old", "ci-nightly"}},
		{sort: "comment", filter: func(f *tokens.Filter) { _ = f.SetCreatedBefore(50 * day) }, want: []string{"ci-nightly", "ci-old"}},
		{sort: "expiry", filter: func(f *tokens.Filter) { _ = f.SetNoExpiry() }, want: []string{"profile DEFAULT"}},
	}
	for _, tt := range tests {
		e, _ := setup(t)
		opts := &Options{Deps: e.Deps(), Sort: tt.sort, Parallel: 1}
		if tt.filter != nil {
			tt.filter(&opts.Filter)
		}
		if err := listRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		if got := comments(decode(t, e.Stdout.Bytes())); !slices.Equal(got, tt.want) {
			t.Errorf("sort %s, filter %q: %v, want %v", tt.sort, opts.Filter.Describe(), got, tt.want)
		}
	}
}

func TestListTableOnTerminal(t *testing.T) {
	e, fake := setup(t)
	e.IO.SetStdoutTTY(true)
	e.IO.SetTerminalWidth(60)
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(e.Stdout.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want a header and 4 rows:\n%s", len(lines), e.Stdout)
	}
	if f := strings.Fields(lines[0]); !slices.Equal(f, []string{"ID", "COMMENT", "CREATED", "EXPIRES"}) {
		t.Errorf("header %q", lines[0])
	}
	first := fake.Tokens()[3] // ci-old: expired, so listed first
	cmdtest.Contains(t, "first row", lines[1], first.ID[:12], "expired")
	cmdtest.Lacks(t, "first row", lines[1], first.ID[:13])
	cmdtest.Contains(t, "last row", lines[4], "never")
	for _, l := range lines {
		if len([]rune(l)) > 60 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}

func TestListPipedTableIsTabSeparated(t *testing.T) {
	e, fake := setup(t)
	e.Output = output.Choice{Format: "table"}
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "created", Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(e.Stdout.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("lines %q: no header off a terminal", lines)
	}
	oldest := fake.Tokens()[3]
	want := strings.Join([]string{oldest.ID, "ci-old", "2025-08-26T12:00:00Z", "2026-03-04T12:00:00Z"}, "\t")
	if lines[0] != want {
		t.Errorf("first line %q, want %q: full ID, comment, timestamps", lines[0], want)
	}
	if !strings.HasSuffix(lines[2], "\tnever") {
		t.Errorf("profile token line %q should end in never", lines[2])
	}
}

func TestListEmpty(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.WriteConfig("[DEFAULT]\nhost = " + hostA + "\nauth_type = databricks-cli\n")
	e.IO.SetStdoutTTY(true)
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1}); err != nil {
		t.Fatal(err)
	}
	if e.Stdout.Len() != 0 {
		t.Errorf("stdout %q", e.Stdout)
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "No tokens in profile DEFAULT ("+hostA+").")

	e2, _ := setup(t)
	e2.IO.SetStdoutTTY(true)
	opts := &Options{Deps: e2.Deps(), Sort: "expiry", Parallel: 1}
	opts.Filter.SetCommentExact("nope")
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", e2.Stderr.String(), "No matching tokens in profile DEFAULT")

	// Piped, an empty list is an empty JSON array, not nothing.
	e3, _ := setup(t)
	opts = &Options{Deps: e3.Deps(), Sort: "expiry", Parallel: 1}
	opts.Filter.SetCommentExact("nope")
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(e3.Stdout.String()); got != "[]" {
		t.Errorf("stdout %q, want []", got)
	}
}

func TestListFailIfAny(t *testing.T) {
	e, _ := setup(t)
	e.IO.SetStdoutTTY(true)
	opts := &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1, FailIfAny: true}
	_ = opts.Filter.SetExpiringWithin(7 * day)
	err := listRun(context.Background(), opts)
	cmdtest.Code(t, err, failure.Matched)
	if !failure.IsReported(err) {
		t.Error("exit 5 is not a failure to print")
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "2 tokens matched.")

	e2, _ := setup(t)
	opts = &Options{Deps: e2.Deps(), Sort: "expiry", Parallel: 1, FailIfAny: true}
	opts.Filter.SetCommentExact("nothing like this")
	if err := listRun(context.Background(), opts); err != nil {
		t.Errorf("no match: %v, want exit 0", err)
	}
}

func TestListAllUsers(t *testing.T) {
	e, fake := setup(t)
	fake.Add(tokenstest.Seed{Comment: "bob's", Owner: "bob@example.com", Created: cmdtest.Now.Add(-day)})
	opts := &Options{Deps: e.Deps(), Sort: "comment", Parallel: 1, Scope: tokens.Scope{AllUsers: true, CreatedBy: "bob@example.com"}}
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	calls := fake.CallsTo(tokenstest.ListAll)
	if len(calls) != 1 || calls[0].CreatedBy != "bob@example.com" || len(fake.CallsTo(tokenstest.List)) != 0 {
		t.Fatalf("calls %+v", fake.Calls())
	}
	rows := decode(t, e.Stdout.Bytes())
	if len(rows) != 1 || rows[0].Comment != "bob's" || rows[0].CreatedByUsername == nil || *rows[0].CreatedByUsername != "bob@example.com" {
		t.Errorf("rows %+v", rows)
	}

	// On a terminal the admin columns appear.
	e2, _ := setup(t)
	e2.IO.SetStdoutTTY(true)
	e2.IO.SetTerminalWidth(200)
	if err := listRun(context.Background(), &Options{Deps: e2.Deps(), Sort: "expiry", Parallel: 1, Scope: tokens.Scope{AllUsers: true}}); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "header", strings.SplitN(e2.Stdout.String(), "\n", 2)[0], "CREATED BY", "LAST USED")
	cmdtest.Contains(t, "table", e2.Stdout.String(), tokenstest.DefaultUser)
}

func TestListFailures(t *testing.T) {
	tests := []struct {
		name  string
		scope tokens.Scope
		err   *failure.APIError
		code  int
		want  string
	}{
		{"own tokens refused", tokens.Scope{}, tokenstest.AuthError(), failure.Auth, "cannot list tokens in profile DEFAULT (" + hostA + "): Invalid access token (HTTP 401); check the credentials of profile DEFAULT"},
		{"not an admin", tokens.Scope{AllUsers: true}, tokenstest.PermissionDenied(), failure.Auth, "workspace admin rights are needed for --all-users"},
		{"all users unavailable", tokens.Scope{AllUsers: true}, tokenstest.Unavailable(), failure.Error, "cannot list every user's tokens in profile DEFAULT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, fake := setup(t)
			fake.Fail(tokenstest.List, tt.err)
			fake.Fail(tokenstest.ListAll, tt.err)
			err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1, Scope: tt.scope})
			cmdtest.Code(t, err, tt.code)
			cmdtest.Contains(t, "error", err.Error(), tt.want)
			if e.Stdout.Len() != 0 {
				t.Errorf("stdout %q", e.Stdout)
			}
		})
	}

	e, _ := setup(t)
	e.Output = output.Choice{Format: "nope"}
	cmdtest.Code(t, listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry"}), failure.Usage)
	e.Output = output.Choice{}
	e.Break("DEFAULT", &failure.AuthError{Msg: "no credentials"})
	cmdtest.Code(t, listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry"}), failure.Auth)
}

// Several profiles: one failing workspace is reported and does not hide
// the others, and two profiles that reach the same tokens show them once.
func TestListSeveralProfiles(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	a := e.AddProfile("a", hostA)
	b := e.AddProfile("b", hostB)
	e.AddProfile("broken", "https://c.example.com")
	// Same workspace and user as a, spelled differently.
	aValue, _ := e.Fake(hostA).Value(a.ID)
	e.AddProfileWithToken("a-again", "https://A.example.com:443/", aValue)
	e.Fake("https://c.example.com").Fail(tokenstest.List, tokenstest.Unavailable())

	opts := &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 2, Profiles: []string{"a", "b", "broken", "a-again"}}
	err := listRun(context.Background(), opts)
	cmdtest.Code(t, err, failure.Error)
	if !failure.IsReported(err) {
		t.Error("the failure was already printed; the root must not print it again")
	}
	var got struct {
		Tokens []rowJSON `json:"tokens"`
		Failed []struct {
			Profile  string `json:"profile"`
			Host     string `json:"host"`
			Error    string `json:"error"`
			ExitCode int    `json:"exit_code"`
		} `json:"failed"`
	}
	if err := json.Unmarshal(e.Stdout.Bytes(), &got); err != nil {
		t.Fatalf("stdout: %v\n%s", err, e.Stdout)
	}
	if len(got.Failed) != 1 || got.Failed[0].Profile != "broken" || got.Failed[0].Host != "https://c.example.com" ||
		got.Failed[0].ExitCode != 1 || !strings.Contains(got.Failed[0].Error, "HTTP 503") {
		t.Errorf("failed %+v", got.Failed)
	}
	var ids, profiles []string
	for _, r := range got.Tokens {
		ids = append(ids, r.TokenID)
		if r.Profile == nil || r.Host == nil {
			t.Fatalf("row without profile and host: %+v", r)
		}
		profiles = append(profiles, *r.Profile)
	}
	if !slices.Equal(ids, []string{a.ID, b.ID}) || !slices.Equal(profiles, []string{"a", "b"}) {
		t.Errorf("rows %v in %v, want a's and b's token once each", ids, profiles)
	}
	stderr := e.Stderr.String()
	cmdtest.Contains(t, "stderr", stderr,
		"Error: cannot list tokens in profile broken (https://c.example.com): Service is temporarily unavailable (HTTP 503)",
		"Note: profile a-again reaches the same workspace and tokens as profile a; they are shown once, under a.")

	// On a terminal, after the table, a line says which workspaces failed.
	e.Stdout.Reset()
	e.Stderr.Reset()
	e.IO.SetStdoutTTY(true)
	opts = &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 2, Profiles: []string{"a", "b", "broken", "a-again"}}
	cmdtest.Code(t, listRun(context.Background(), opts), failure.Error)
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "Error: 1 of 4 workspaces could not be listed: broken (see above)")
}

// JSON Lines over several workspaces: each workspace's tokens as soon as
// it answered, a failed workspace as a record with its error.
func TestListSeveralProfilesAsJSONLines(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	a := e.AddProfile("a", hostA)
	e.AddProfile("broken", "https://c.example.com")
	e.Fake("https://c.example.com").Fail(tokenstest.List, tokenstest.Unavailable())
	e.Output = output.Choice{Format: "jsonl"}
	err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 1, Profiles: []string{"a", "broken"}})
	cmdtest.Code(t, err, failure.Error)
	// In the order the workspaces answered.
	lines := strings.Split(strings.TrimSuffix(e.Stdout.String(), "\n"), "\n")
	slices.Sort(lines)
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"profile":"a","host":"https://a.example.com","token_id":"`+a.ID+`"`) ||
		!strings.HasPrefix(lines[1], `{"profile":"broken","host":"https://c.example.com","error":"cannot list tokens`) || !strings.HasSuffix(lines[1], `"exit_code":1}`) {
		t.Errorf("stdout:\n%s", e.Stdout)
	}
}

// --reverse turns the order around and --limit keeps the first N, over
// one workspace and over several.
func TestListReverseAndLimit(t *testing.T) {
	e, fake := setup(t)
	for _, d := range []time.Duration{3, 1, 2} {
		fake.Add(tokenstest.Seed{Comment: fmt.Sprint(int(d)), Created: cmdtest.Now, Lifetime: d * day})
	}
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Reverse: true, Limit: 2}); err != nil {
		t.Fatal(err)
	}
	// Never-expiring last by expiry: first when reversed.
	if got := comments(decode(t, e.Stdout.Bytes())); !slices.Equal(got, []string{"profile DEFAULT", "Alpha"}) {
		t.Errorf("reverse, limit 2: %v", got)
	}
	e.Stdout.Reset()
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Limit: 2}); err != nil {
		t.Fatal(err)
	}
	if got := comments(decode(t, e.Stdout.Bytes())); !slices.Equal(got, []string{"ci-old", "1"}) {
		t.Errorf("limit 2: %v", got)
	}
}

func TestListSeveralProfilesEmpty(t *testing.T) {
	cmdtest.Hermetic(t)
	e := cmdtest.New(t)
	e.AddProfile("a", hostA)
	e.AddProfile("b", hostB)
	e.IO.SetStdoutTTY(true)
	opts := &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 2, Profiles: []string{"a", "b"}}
	_ = opts.Filter.SetExpired()
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	cmdtest.Contains(t, "stderr", e.Stderr.String(), "No matching tokens in 2 workspaces.")

	// The table of several workspaces starts with the profile.
	e.Stdout.Reset()
	if err := listRun(context.Background(), &Options{Deps: e.Deps(), Sort: "expiry", Parallel: 2, Profiles: []string{"a", "b"}}); err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(strings.SplitN(e.Stdout.String(), "\n", 2)[0]); len(f) == 0 || f[0] != "PROFILE" {
		t.Errorf("header %v", f)
	}
}
