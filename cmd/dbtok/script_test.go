package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/emulator"
	"github.com/itchyny/gojq"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/rogpeppe/go-internal/testscript"
)

// Users every script starts with. Bootstrap tokens are what the config
// file holds; tokens created during a script are "issued" values.
var scriptUsers = []emulator.User{
	{Name: "alice", Token: "dapiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Admin: true},
	{Name: "bob", Token: "dapibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
	// carol signs in with OAuth, so she may have no PATs at all.
	{Name: "carol", Token: "oauth-access-token-for-carol", OAuth: true},
}

// Service principals every script's workspace knows: on-behalf-of tokens
// are only minted for these.
var scriptServicePrincipals = []emulator.ServicePrincipal{
	{ApplicationID: "etl-app", DisplayName: "etl"},
	{ApplicationID: "6f1c0f5e-1111-2222-3333-444455556666", DisplayName: "etl"},
}

type serverKey struct{}

// otherKey is the second workspace's emulator (emu @other in scripts).
type otherKey struct{}

// legacyKey is the workspace with random token IDs (emu @legacy).
type legacyKey struct{}

// outFilesKey holds the files a script named with --out: the one place
// besides stdout where a token value may be.
type outFilesKey struct{}

// setupScript starts an emulator for the script and points a throwaway
// HOME at it, with this ~/.databrickscfg:
//
//	[DEFAULT]    alice, on the emulator
//	[bob]        bob
//	[acme.prod]  bob again, under a dotted name
func setupScript(env *testscript.Env) error {
	srv, err := emulator.Start(emulator.Options{Users: scriptUsers, ServicePrincipals: scriptServicePrincipals})
	if err != nil {
		return err
	}
	env.Defer(func() { srv.Close() })
	env.Values[serverKey{}] = srv
	// A second workspace, for commands that work on several at once.
	other, err := emulator.Start(emulator.Options{Users: scriptUsers, ServicePrincipals: scriptServicePrincipals})
	if err != nil {
		return err
	}
	env.Defer(func() { other.Close() })
	env.Values[otherKey{}] = other
	env.Setenv("OTHER_URL", other.URL)
	// A third, whose token IDs are random rather than derived from the
	// values: dbtok cannot tell which token a profile signs in with there.
	legacy, err := emulator.Start(emulator.Options{Users: scriptUsers, RandomIDs: true})
	if err != nil {
		return err
	}
	env.Defer(func() { legacy.Close() })
	env.Values[legacyKey{}] = legacy
	env.Setenv("LEGACY_URL", legacy.URL)
	env.Values[outFilesKey{}] = map[string]bool{}

	home := filepath.Join(env.WorkDir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".config"), 0o700); err != nil {
		return err
	}
	cfg := fmt.Sprintf("[DEFAULT]\nhost = %[1]s\ntoken = %[2]s\n\n[bob]\nhost = %[1]s\ntoken = %[3]s\n\n[acme.prod]\nhost = %[1]s\ntoken = %[3]s\n",
		srv.URL, scriptUsers[0].Token, scriptUsers[1].Token)
	if err := os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(cfg), 0o600); err != nil {
		return err
	}
	env.Setenv("HOME", home)
	// A developer running the tests from a terminal must never be asked:
	// scripts are what runs without one.
	env.Setenv("DBTOK_PROMPT_DISABLED", "1")
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	env.Setenv("EMULATOR_URL", srv.URL)
	env.Setenv("ALICE_TOKEN", scriptUsers[0].Token)
	env.Setenv("BOB_TOKEN", scriptUsers[1].Token)
	env.Setenv("CAROL_TOKEN", scriptUsers[2].Token)
	env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
	env.Setenv("DBTOK", filepath.Join(binDir, exe("dbtok")))
	return nil
}

func server(ts *testscript.TestScript) *emulator.Server {
	return ts.Value(serverKey{}).(*emulator.Server)
}

func scriptCommands() map[string]func(*testscript.TestScript, bool, []string) {
	return map[string]func(*testscript.TestScript, bool, []string){
		"dbtok":    cmdDbtok,
		"status":   cmdStatus,
		"emu":      cmdEmu,
		"filemode": cmdFilemode,
		"jq":       cmdJq,
		"envsubst": cmdEnvsubst,
		"cfgdiff":  cmdCfgdiff,
		"elapsed":  cmdElapsed,
		"sarif":    cmdSarif,
		"allowsecret": func(ts *testscript.TestScript, neg bool, args []string) {
			// allowsecret FILE: FILE holds a token value on purpose (a
			// config file the script wrote one into).
			if len(args) != 1 {
				ts.Fatalf("usage: allowsecret FILE")
			}
			ts.Value(outFilesKey{}).(map[string]bool)[ts.MkAbs(args[0])] = true
		},
		"checkhygiene": func(ts *testscript.TestScript, neg bool, args []string) {
			// For runs started with `exec ... &`, which bypass cmdDbtok.
			checkHygiene(ts, args)
		},
	}
}

// cmdDbtok runs the dbtok binary, records its exit code for `status` and
// $EXIT, and fails the script if the run leaked a secret or crashed.
//
//	dbtok args...   /   ! dbtok args...
func cmdDbtok(ts *testscript.TestScript, neg bool, args []string) {
	start := time.Now()
	err := ts.Exec("dbtok", args...)
	ts.Setenv("ELAPSED_MS", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		ts.Fatalf("cannot run dbtok: %v", err)
	}
	ts.Setenv("EXIT", strconv.Itoa(code))
	checkHygiene(ts, args)
	switch {
	case neg && code == 0:
		ts.Fatalf("dbtok %s: unexpected success", strings.Join(args, " "))
	case !neg && code != 0:
		ts.Fatalf("dbtok %s: exit %d", strings.Join(args, " "), code)
	}
}

// checkHygiene enforces what dbtok promises on every run: no token value it
// issued on stderr or in any file except the one named by --out, no temp
// files left behind, no Go stack traces, no panics.
func checkHygiene(ts *testscript.TestScript, args []string) {
	stderr := ts.ReadFile("stderr")
	for _, bad := range []string{"panic:", "goroutine ", "runtime error"} {
		if strings.Contains(stderr, bad) {
			ts.Fatalf("stderr shows a crash (%q)", bad)
		}
	}
	secrets := issuedSecrets(ts)
	for _, v := range secrets {
		if strings.Contains(stderr, v) {
			ts.Fatalf("a token value leaked to stderr")
		}
	}
	allowed := ts.Value(outFilesKey{}).(map[string]bool)
	abs := func(p string) string {
		if rest, ok := strings.CutPrefix(p, "~"); ok {
			return ts.Getenv("HOME") + rest
		}
		return ts.MkAbs(p)
	}
	for i, a := range args {
		if a == "--update-profile" {
			// The user asked for the config file to hold the new token.
			cfg := ts.Getenv("DATABRICKS_CONFIG_FILE")
			if cfg == "" {
				cfg = filepath.Join(ts.Getenv("HOME"), ".databrickscfg")
			}
			for j, b := range args {
				if b == "--config-file" && j+1 < len(args) {
					cfg = abs(args[j+1])
				}
			}
			allowed[cfg], allowed[cfg+".bak"] = true, true
		}
		if a == "--out" && i+1 < len(args) {
			allowed[abs(args[i+1])] = true
		}
		if v, ok := strings.CutPrefix(a, "--out="); ok {
			allowed[abs(v)] = true
		}
	}
	root := ts.Getenv("WORK")
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if strings.Contains(d.Name(), ".dbtok-") {
			ts.Fatalf("temp file left behind: %s", path)
		}
		// Scripts keep a token they meant to keep in *.secret files.
		if allowed[path] || strings.HasSuffix(path, ".secret") || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, v := range secrets {
			if strings.Contains(string(b), v) {
				ts.Fatalf("a token value leaked into %s", path)
			}
		}
		return nil
	})
}

// issuedSecrets are the values the emulator created during the script
// (bootstrap tokens live in the config file by design).
func issuedSecrets(ts *testscript.TestScript) []string {
	boot := map[string]bool{}
	for _, u := range scriptUsers {
		boot[u.Token] = true
	}
	var out []string
	for _, srv := range []*emulator.Server{server(ts), ts.Value(otherKey{}).(*emulator.Server), ts.Value(legacyKey{}).(*emulator.Server)} {
		for _, v := range srv.IssuedValues() {
			if !boot[v] {
				out = append(out, v)
			}
		}
	}
	return out
}

// status N: the last dbtok run exited with N.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: status CODE")
	}
	got := ts.Getenv("EXIT")
	if (got == args[0]) == neg {
		ts.Fatalf("exit code %s, want %s%s", got, map[bool]string{true: "not ", false: ""}[neg], args[0])
	}
}

// elapsed MAX: the last dbtok run took at most MAX (a duration). This
// guards against hangs (a 5-minute retry loop), not speed: speed belongs
// in `make bench`.
func cmdElapsed(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: elapsed MAX")
	}
	max, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("usage: elapsed MAX: %v", err)
	}
	ms := int64(atoi(ts, ts.Getenv("ELAPSED_MS")))
	if time.Duration(ms)*time.Millisecond > max {
		ts.Fatalf("dbtok took %dms, more than %s", ms, max)
	}
}

// emu talks to the script's emulator (emu @other ... to the second one):
//
//	emu tokens USER N                 USER holds N live tokens
//	emu has USER COMMENT              USER holds a live token with COMMENT
//	emu @legacy ...                   the same, on the workspace with random token IDs
//	emu fault key=value...            inject a fault (method path status count skip kind after retry-after delay body)
//	emu clear-faults
//	emu reset-requests                forget the requests seen so far
//	emu advance DURATION              move the server's clock
//	emu seed USER COMMENT AGE LIFETIME VAR   a token created AGE ago; its ID goes to $VAR (\n in COMMENT is a newline)
//	emu id USER COMMENT VAR           the ID of USER's live token with COMMENT into $VAR
//	emu seedid USER ID COMMENT        a token with a chosen ID
//	emu seedmany USER N COMMENT       N more tokens for USER
//	emu prefix VAR N NEWVAR           the first N characters of $VAR into $NEWVAR
//	emu shared-prefix USER VAR        a one-character prefix several of USER's IDs share, into $VAR
//	emu requests METHOD PATH N        the server saw N such requests
//	emu total N                       the server saw N requests in all
//	emu body PATH FILE                the body of the last non-GET request to PATH, into FILE
//	emu query PATH FILE               the query of the last request to PATH, decoded, one key=value a line, into FILE
//	emu state FILE                    every token (no values) as JSON, into FILE
//	emu scopes USER COMMENT LIST      USER's token with COMMENT has these scopes ("-" none, "autoscope")
//	emu seedused USER COMMENT AGE LIFETIME LASTUSED VAR
//	                                  a token created AGE ago, living LIFETIME ("never": no expiry),
//	                                  last used LASTUSED ago ("never"); durations may use d; its ID into $VAR
//	emu isvalue FILE USER             FILE holds exactly (no newline) the value of one of USER's live tokens
//	emu secretscope NAME USER         a secret scope USER created
//	emu secret SCOPE KEY FILE         the secret's value into FILE (name it *.secret); fails if there is none
//	emu conf KEY VALUE                the workspace holds setting KEY = VALUE (null: unset)
//	emu set-conf KEY VALUE            change a workspace setting, as an admin elsewhere would
//	emu can-use NAME                  user or service principal NAME may use tokens (! may not)
//	emu acl FILE                      the token permissions (access control list) as JSON, into FILE
//	emu user NAME TOKEN [admin] [oauth] [group=G]...   a new user; TOKEN is an OAuth token with oauth
//
// atoi is strconv.Atoi that fails the script on a typo instead of
// quietly reading 0.
func atoi(ts *testscript.TestScript, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		ts.Fatalf("%q is not a number", s)
	}
	return n
}

// emuArgs is how many arguments each emu subcommand takes, counting the
// subcommand itself.
var emuArgs = map[string]int{
	"tokens": 3, "has": 3, "clear-faults": 1, "reset-requests": 1, "advance": 2,
	"seed": 6, "id": 4, "seedid": 4, "seedmany": 4, "prefix": 4, "shared-prefix": 3,
	"requests": 4, "total": 2, "body": 3, "query": 3, "state": 2, "scopes": 4, "seedused": 7,
	"secretscope": 3, "secret": 4, "isvalue": 3,
	"conf": 3, "set-conf": 3, "can-use": 2, "acl": 2,
}

func cmdEmu(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: emu SUBCOMMAND ...")
	}
	srv := server(ts)
	switch args[0] {
	case "@other":
		srv, args = ts.Value(otherKey{}).(*emulator.Server), args[1:]
	case "@legacy":
		srv, args = ts.Value(legacyKey{}).(*emulator.Server), args[1:]
	}
	if len(args) == 0 {
		ts.Fatalf("usage: emu [@other|@legacy] SUBCOMMAND ...")
	}
	if n, ok := emuArgs[args[0]]; ok && len(args) != n {
		ts.Fatalf("emu %s takes %d arguments, got %d", args[0], n-1, len(args)-1)
	}
	if args[0] == "fault" && len(args) < 2 {
		ts.Fatalf("emu fault needs key=value arguments")
	}
	switch args[0] {
	case "tokens":
		want := atoi(ts, args[2])
		got := len(srv.Tokens(args[1]))
		if (got == want) == neg {
			ts.Fatalf("%s holds %d live tokens, want %d", args[1], got, want)
		}
	case "has":
		found := false
		for _, t := range srv.Tokens(args[1]) {
			found = found || t.Comment == args[2]
		}
		if found == neg {
			ts.Fatalf("%s live token with comment %q: found=%v", args[1], args[2], found)
		}
	case "fault":
		srv.AddFault(parseFault(ts, args[1:]))
	case "clear-faults":
		srv.ClearFaults()
	case "reset-requests":
		srv.ResetRequests()
	case "advance":
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		srv.Advance(d)
	case "seed":
		age, err := time.ParseDuration(args[3])
		ts.Check(err)
		life, err := time.ParseDuration(args[4])
		ts.Check(err)
		// A literal \n in COMMENT is a newline: scripts cannot quote one.
		comment := strings.ReplaceAll(args[2], `\n`, "\n")
		info, _, err := srv.Seed(args[1], comment, srv.Now().Add(-age), life)
		ts.Check(err)
		ts.Setenv(args[5], info.TokenID)
	case "id":
		// emu id USER COMMENT VAR: the ID of USER's live token with COMMENT
		for _, t := range srv.Tokens(args[1]) {
			if t.Comment == args[2] {
				ts.Setenv(args[3], t.TokenID)
				return
			}
		}
		ts.Fatalf("%s has no live token with comment %q", args[1], args[2])
	case "seedid":
		// emu seedid USER ID COMMENT: a token with a chosen ID
		_, err := srv.SeedWithID(args[1], args[2], args[3], srv.Now(), 24*time.Hour)
		ts.Check(err)
	case "seedmany":
		n := atoi(ts, args[2])
		for i := 0; i < n; i++ {
			_, _, err := srv.Seed(args[1], args[3], srv.Now(), 24*time.Hour)
			ts.Check(err)
		}
	case "prefix":
		// emu prefix VAR N NEWVAR: the first N characters of $VAR into $NEWVAR
		n := atoi(ts, args[2])
		if n > len(ts.Getenv(args[1])) {
			ts.Fatalf("$%s has fewer than %d characters", args[1], n)
		}
		ts.Setenv(args[3], ts.Getenv(args[1])[:n])
	case "shared-prefix":
		// emu shared-prefix USER VAR: a one-character prefix of two or more
		// of USER's token IDs into $VAR
		seen := map[string]int{}
		for _, t := range srv.Tokens(args[1]) {
			seen[t.TokenID[:1]]++
		}
		for p, n := range seen {
			if n > 1 {
				ts.Setenv(args[2], p)
				return
			}
		}
		ts.Fatalf("no shared prefix among %s's tokens", args[1])
	case "requests":
		want := atoi(ts, args[3])
		got := 0
		for _, r := range srv.Requests() {
			if r.Method == args[1] && r.Path == args[2] {
				got++
			}
		}
		if (got == want) == neg {
			ts.Fatalf("%d %s %s requests, want %d", got, args[1], args[2], want)
		}
	case "total":
		// emu total N: the server saw N requests in all
		want := atoi(ts, args[1])
		if got := len(srv.Requests()); (got == want) == neg {
			var seen []string
			for _, r := range srv.Requests() {
				seen = append(seen, r.Method+" "+r.Path)
			}
			ts.Fatalf("%d requests (%s), want %d", got, strings.Join(seen, ", "), want)
		}
	case "body":
		// The last request to PATH that sent something (a GET sends no body).
		body := ""
		for _, r := range srv.Requests() {
			if r.Path == args[1] && r.Method != "GET" {
				body = r.Body
			}
		}
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(body+"\n"), 0o600))
	case "query":
		// The query of the last request to PATH, decoded and sorted: what
		// dbtok asked the directory for.
		var lines []string
		for _, r := range srv.Requests() {
			if r.Path == args[1] {
				q, err := url.ParseQuery(r.RawQuery)
				ts.Check(err)
				lines = lines[:0]
				for k, vs := range q {
					for _, v := range vs {
						lines = append(lines, k+"="+v)
					}
				}
			}
		}
		slices.Sort(lines)
		ts.Check(os.WriteFile(ts.MkAbs(args[2]), []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	case "seedused":
		// emu seedused USER COMMENT AGE LIFETIME LASTUSED VAR
		span := func(s string) time.Duration {
			d, err := emulator.ParseDuration(s)
			ts.Check(err)
			return d
		}
		seed := emulator.TokenSeed{Owner: args[1], Comment: args[2], Created: srv.Now().Add(-span(args[3])), Lifetime: -1}
		if args[4] != "never" {
			seed.Lifetime = span(args[4])
		}
		if args[5] != "never" {
			seed.LastUsed = srv.Now().Add(-span(args[5]))
		}
		info, _, err := srv.SeedToken(seed)
		ts.Check(err)
		ts.Setenv(args[6], info.TokenID)
	case "isvalue":
		// The workspace derives token IDs from values (SHA-256).
		sum := sha256.Sum256([]byte(ts.ReadFile(args[1])))
		id := hex.EncodeToString(sum[:])
		found := false
		for _, t := range srv.Tokens(args[2]) {
			found = found || t.TokenID == id
		}
		if found == neg {
			ts.Fatalf("%s holds the value of a live token of %s: %v", args[1], args[2], found)
		}
	case "secretscope":
		ts.Check(srv.AddSecretScope(args[1], args[2], false))
	case "secret":
		v, ok := srv.Secret(args[1], args[2])
		if ok == neg {
			ts.Fatalf("secret %s/%s exists: %v", args[1], args[2], ok)
		}
		if ok {
			ts.Check(os.WriteFile(ts.MkAbs(args[3]), v, 0o600))
		}
	case "scopes":
		// emu scopes USER COMMENT LIST: USER's live token with COMMENT has
		// exactly these scopes (comma-separated, "-" for none; "autoscope"
		// for a token whose autoscope is running).
		for _, t := range srv.Tokens(args[1]) {
			if t.Comment != args[2] {
				continue
			}
			got := strings.Join(t.Scopes, ",")
			if got == "" {
				got = "-"
			}
			if t.AutoscopeState == "AUTOSCOPE_STATE_RUNNING" {
				got = "autoscope"
			}
			if (got == args[3]) == neg {
				ts.Fatalf("%s's token %q has scopes %q, want %s%q", args[1], args[2], got, map[bool]string{true: "not ", false: ""}[neg], args[3])
			}
			return
		}
		ts.Fatalf("%s has no live token with comment %q", args[1], args[2])
	case "state":
		b, err := json.MarshalIndent(srv.AllTokens(), "", "  ")
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o600))
	case "conf":
		got, ok := srv.WorkspaceConf()[args[1]]
		if !ok {
			got = "null"
		}
		if (got == args[2]) == neg {
			ts.Fatalf("the workspace holds %s = %s, want %s%s", args[1], got, map[bool]string{true: "not ", false: ""}[neg], args[2])
		}
	case "set-conf":
		// No value unsets a setting (the workspace refuses ""), so there
		// is no null here.
		ts.Check(srv.SetWorkspaceConf(map[string]string{args[1]: args[2]}))
	case "can-use":
		if srv.TokenPermissionsAllow(args[1]) == neg {
			ts.Fatalf("%s may use tokens: %v", args[1], !neg)
		}
	case "acl":
		// The ACL without the admins' built-in CAN_MANAGE; no token
		// values, unlike a full dump.
		b, err := json.MarshalIndent(srv.Dump().TokenPermissions, "", "  ")
		ts.Check(err)
		ts.Check(os.WriteFile(ts.MkAbs(args[1]), b, 0o600))
	case "user":
		// emu user NAME TOKEN [admin] [oauth] [group=G]...
		if len(args) < 3 {
			ts.Fatalf("usage: emu user NAME TOKEN [admin] [oauth] [group=G]...")
		}
		u := emulator.User{Name: args[1], Token: args[2]}
		for _, opt := range args[3:] {
			switch g, isGroup := strings.CutPrefix(opt, "group="); {
			case opt == "admin":
				u.Admin = true
			case opt == "oauth":
				u.OAuth = true
			case isGroup:
				u.Groups = append(u.Groups, g)
			default:
				ts.Fatalf("emu user: unknown option %q", opt)
			}
		}
		ts.Check(srv.AddUser(u))
	default:
		ts.Fatalf("unknown emu subcommand %q", args[0])
	}
}

func parseFault(ts *testscript.TestScript, args []string) emulator.Fault {
	var f emulator.Fault
	for _, kv := range args {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("fault argument %q is not key=value", kv)
		}
		var err error
		switch k {
		case "method":
			f.Method = v
		case "path":
			f.Path = v
		case "status":
			f.Status, err = strconv.Atoi(v)
		case "count":
			f.Count, err = strconv.Atoi(v)
		case "skip":
			f.Skip, err = strconv.Atoi(v)
		case "kind":
			f.Kind = emulator.FaultKind(v)
		case "after":
			f.After = v == "true"
		case "retry-after":
			f.RetryAfter, err = strconv.Atoi(v)
		case "delay":
			f.Delay, err = time.ParseDuration(v)
		case "body":
			f.Body = v
		default:
			ts.Fatalf("unknown fault key %q", k)
		}
		ts.Check(err)
	}
	return f
}

// filemode FILE MODE: FILE has permission bits MODE (octal).
func cmdFilemode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filemode FILE MODE")
	}
	st, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if (uint64(st.Mode().Perm()) == want) == neg {
		ts.Fatalf("%s has mode %o, want %o", args[0], st.Mode().Perm(), want)
	}
}

// jq EXPR [FILE]: every result of EXPR, applied to the last stdout (or
// FILE), is true (with !, none is). $NAME in EXPR is the script's variable
// (testscript does not expand inside single quotes).
func cmdJq(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: jq EXPR [FILE]")
	}
	expr := os.Expand(args[0], ts.Getenv)
	src := ts.ReadFile("stdout")
	if len(args) == 2 {
		src = ts.ReadFile(args[1])
	}
	var input any
	if err := json.Unmarshal([]byte(src), &input); err != nil {
		ts.Fatalf("not JSON: %v\n%s", err, src)
	}
	q, err := gojq.Parse(expr)
	ts.Check(err)
	iter := q.RunWithContext(context.Background(), input)
	results := 0
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		results++
		if e, isErr := v.(error); isErr {
			ts.Fatalf("jq %s: %v", expr, e)
		}
		if (v == true) == neg {
			ts.Fatalf("jq %s: result %d is %v", expr, results, v)
		}
	}
	if results == 0 {
		ts.Fatalf("jq %s: no result", expr)
	}
}

// sarif [FILE]: the last stdout (or FILE) is a SARIF 2.1.0 log that the
// schema accepts, as go-sarif validates it.
func cmdSarif(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) > 1 {
		ts.Fatalf("usage: sarif [FILE]")
	}
	src := ts.ReadFile("stdout")
	if len(args) == 1 {
		src = ts.ReadFile(args[0])
	}
	// Strict: arrays the document left null stay null, which the schema
	// refuses, rather than being filled in before validation.
	report, err := sarif.FromString(src, sarif.WithStrictValidation())
	if err == nil {
		err = report.Validate()
	}
	if (err == nil) == neg {
		ts.Fatalf("SARIF validation: %v", err)
	}
}

// envsubst FILE: expand $VARS in FILE in place, to write configs that
// point at the script's emulator.
func cmdEnvsubst(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: envsubst FILE")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	ts.Check(os.WriteFile(path, []byte(os.Expand(string(b), ts.Getenv)), 0o600))
}

// cfgdiff OLD NEW PROFILE: NEW is OLD with exactly one line changed, the
// token line of PROFILE, whose value is now a different dapi token.
func cmdCfgdiff(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: cfgdiff OLD NEW PROFILE")
	}
	before := strings.SplitAfter(ts.ReadFile(args[0]), "\n")
	after := strings.SplitAfter(ts.ReadFile(args[1]), "\n")
	if len(before) != len(after) {
		ts.Fatalf("line count changed: %d -> %d", len(before), len(after))
	}
	section, changed := "DEFAULT", 0
	for i := range before {
		if m := regexp.MustCompile(`^\s*\[([^\]]*)\]`).FindStringSubmatch(before[i]); m != nil {
			section = strings.TrimSpace(m[1])
		}
		if before[i] == after[i] {
			continue
		}
		changed++
		tok := regexp.MustCompile(`^(\s*token\s*[=:]\s*)dapi[0-9a-f]+(.*)$`)
		mb := tok.FindStringSubmatch(strings.TrimRight(before[i], "\r\n"))
		ma := tok.FindStringSubmatch(strings.TrimRight(after[i], "\r\n"))
		if section != args[2] || mb == nil || ma == nil || mb[1] != ma[1] || mb[2] != ma[2] {
			ts.Fatalf("line %d changed beyond the token value of [%s]:\n%q\n%q", i+1, args[2], before[i], after[i])
		}
	}
	if changed != 1 {
		ts.Fatalf("%d lines changed, want 1", changed)
	}
}
