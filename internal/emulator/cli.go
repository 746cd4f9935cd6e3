package emulator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Main runs the dbtok-emulator command until SIGINT or SIGTERM and returns
// its exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdout, stderr)
}

// Run is [Main] with the stop signal supplied as ctx, for tests.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dbtok-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: dbtok-emulator [flags]\n\nServes a local emulation of the Databricks Token API for tests and demos.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var users userList
	var sps spList
	var bulk bulkList
	var maxLifetime durationValue
	defaultLifetime := lifetimeValue(DefaultDefaultLifetime)
	unused := lifetimeValue(DefaultUnusedRevocation)
	var latency durationValue
	addr := fs.String("addr", "127.0.0.1:0", "listen `address`")
	fs.Var(&users, "user", "login user as `NAME=TOKEN` or NAME=TOKEN:admin; repeatable (default demo="+DemoToken+":admin)")
	fs.Var(&sps, "service-principal", "service principal as `APPLICATION_ID` or APPLICATION_ID=DISPLAY NAME, for on-behalf-of tokens; repeatable")
	fs.Var(&maxLifetime, "max-lifetime", "workspace maximum token lifetime (maxTokenLifetimeDays), e.g. 90d; default none, which leaves the platform cap of 730d")
	fs.Var(&defaultLifetime, "default-lifetime", "lifetime of tokens created without one, or \"never\"")
	tokensDisabled := fs.Bool("tokens-disabled", false, "start with personal access tokens disabled (enableTokensConfig false)")
	quota := fs.Int("quota", DefaultQuota, "tokens allowed per user")
	fs.Var(&unused, "revoke-unused-after", "revoke tokens unused for this long, or \"never\"")
	fs.Var(&latency, "latency", "delay added before every API response, e.g. 50ms")
	rateLimit := fs.Float64("rate-limit", 0, "API requests per second allowed per host name; more get 429 with Retry-After (0: no limit)")
	rateBurst := fs.Int("rate-burst", 0, "requests a host may send at once under --rate-limit (default: the rate)")
	bulkUsers := fs.Int("bulk-users", 0, "add `N` users user1..userN whose tokens are dapi followed by the user's number in 32 digits")
	fs.Var(&bulk, "bulk-tokens", "give user `USER=N` more tokens (never used, values never revealed); repeatable")
	stateFile := fs.String("state", "", "load users, service principals, tokens and settings from JSON `file` (see GET /__emulator/dump)")
	dumpFile := fs.String("dump", "", "write the state to JSON `file` on exit")
	startTime := fs.String("start-time", "", "start the emulator's clock at this RFC 3339 `time`")
	urlFile := fs.String("url-file", "", "write the base URL to `file` once listening")
	logRequests := fs.Bool("log", false, "log one line per request to stderr")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "dbtok-emulator: "+format+"\n", args...)
		fs.Usage()
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	case maxLifetime < 0:
		return usageErr("--max-lifetime must not be negative")
	case time.Duration(maxLifetime) > DefaultMaxLifetime:
		return usageErr("--max-lifetime cannot exceed the platform cap of 730d")
	case *quota <= 0:
		return usageErr("--quota must be positive")
	case latency < 0:
		return usageErr("--latency must not be negative")
	case *rateLimit < 0 || *rateBurst < 0:
		return usageErr("--rate-limit and --rate-burst must not be negative")
	case *bulkUsers < 0:
		return usageErr("--bulk-users must not be negative")
	}
	opts := Options{
		Users:             users,
		ServicePrincipals: sps,
		MaxLifetime:       time.Duration(maxLifetime),
		DefaultLifetime:   time.Duration(defaultLifetime),
		TokensDisabled:    *tokensDisabled,
		Quota:             *quota,
		UnusedRevocation:  time.Duration(unused),
		Latency:           time.Duration(latency),
		RateLimit:         *rateLimit,
		RateBurst:         *rateBurst,
		BulkUsers:         *bulkUsers,
	}
	if *startTime != "" {
		t, err := time.Parse(time.RFC3339, *startTime)
		if err != nil {
			return usageErr("--start-time: %v", err)
		}
		base := time.Now()
		opts.Now = func() time.Time { return t.Add(time.Since(base)) }
	}
	if *stateFile != "" {
		st, err := ReadStateFile(*stateFile)
		if err != nil {
			fmt.Fprintf(stderr, "dbtok-emulator: %v\n", err)
			return 1
		}
		// Flags given on the command line win over the file.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if set["start-time"] {
			st.Now = 0
		}
		if st.Settings == nil {
			st.Settings = map[string]string{}
		}
		if set["tokens-disabled"] {
			st.Settings[confTokensEnabled] = strconv.FormatBool(!*tokensDisabled)
		}
		if set["max-lifetime"] {
			st.Settings[confMaxLifetime] = ""
			if v := newWorkspaceConf(opts.MaxLifetime, true).values[confMaxLifetime]; v != nil {
				st.Settings[confMaxLifetime] = *v
			}
		}
		opts.State = st
	}
	if len(users) == 0 && opts.State == nil {
		opts.Users = []User{{Name: DemoUser, Token: DemoToken, Admin: true}}
	}
	if *logRequests {
		opts.Log = stderr
	}

	srv, err := Listen(*addr, opts)
	if err != nil {
		fmt.Fprintf(stderr, "dbtok-emulator: %v\n", err)
		return 1
	}
	defer srv.Close()
	for _, b := range bulk {
		if err := srv.SeedBulk(b.user, b.n, "bulk", opts.DefaultLifetime); err != nil {
			fmt.Fprintf(stderr, "dbtok-emulator: --bulk-tokens: %v\n", err)
			return 1
		}
	}
	if *urlFile != "" {
		if err := writeFileAtomic(*urlFile, srv.URL+"\n", 0o644); err != nil {
			fmt.Fprintf(stderr, "dbtok-emulator: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "dbtok-emulator listening on %s\n", srv.URL)
	if f, ok := stdout.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}

	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "dbtok-emulator: %v\n", err)
		return 1
	}
	if *dumpFile != "" {
		if err := WriteStateFile(*dumpFile, srv.Dump()); err != nil {
			fmt.Fprintf(stderr, "dbtok-emulator: --dump: %v\n", err)
			return 1
		}
	}
	return 0
}

// writeFileAtomic replaces name by renaming a complete temporary file over
// it, so a script polling for the file never reads half a URL or state.
func writeFileAtomic(name, content string, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".dbtok-emulator-*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// ParseDuration parses a Go duration with an optional leading whole number
// of days, such as "730d", "1d12h" or "-2d"; plain Go durations ("50ms",
// "48h") work as well.
func ParseDuration(s string) (time.Duration, error) {
	rest, neg := strings.CutPrefix(s, "-")
	var days int64
	if before, after, ok := strings.Cut(rest, "d"); ok {
		n, err := strconv.ParseInt(before, 10, 64)
		if err != nil || n < 0 || n > math.MaxInt64/int64(24*time.Hour) {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		days, rest = n, after
		if rest == "" {
			rest = "0"
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	total := time.Duration(days) * 24 * time.Hour
	if d > math.MaxInt64-total {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	total += d
	if neg {
		total = -total
	}
	return total, nil
}

// durationValue is a flag accepting [ParseDuration] syntax.
type durationValue time.Duration

func (d *durationValue) String() string {
	if *d == 0 {
		return ""
	}
	return formatDuration(time.Duration(*d))
}

// formatDuration prints whole days the way they are usually given.
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d != 0 && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

func (d *durationValue) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = durationValue(v)
	return nil
}

// lifetimeValue is a positive duration or "never".
type lifetimeValue time.Duration

func (l *lifetimeValue) String() string {
	if *l < 0 {
		return "never"
	}
	return formatDuration(time.Duration(*l))
}

func (l *lifetimeValue) Set(s string) error {
	if s == "never" {
		*l = -1
		return nil
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	if v == 0 {
		return errors.New(`must be positive, or "never"`)
	}
	if v < 0 {
		v = -1
	}
	*l = lifetimeValue(v)
	return nil
}

// userList collects repeated --user flags.
type userList []User

func (u *userList) String() string {
	names := make([]string, len(*u))
	for i, user := range *u {
		names[i] = user.Name
	}
	return strings.Join(names, ",")
}

func (u *userList) Set(s string) error {
	name, tok, ok := strings.Cut(s, "=")
	admin := false
	if t, isAdmin := strings.CutSuffix(tok, ":admin"); isAdmin {
		tok, admin = t, true
	}
	if !ok || name == "" || tok == "" {
		return errors.New("want NAME=TOKEN or NAME=TOKEN:admin")
	}
	*u = append(*u, User{Name: name, Token: tok, Admin: admin})
	return nil
}

// spList collects repeated --service-principal flags.
type spList []ServicePrincipal

func (l *spList) String() string {
	ids := make([]string, len(*l))
	for i, sp := range *l {
		ids[i] = sp.ApplicationID
	}
	return strings.Join(ids, ",")
}

func (l *spList) Set(s string) error {
	id, name, _ := strings.Cut(s, "=")
	if id == "" {
		return errors.New("want APPLICATION_ID or APPLICATION_ID=DISPLAY NAME")
	}
	*l = append(*l, ServicePrincipal{ApplicationID: id, DisplayName: name})
	return nil
}

// bulkList collects repeated --bulk-tokens flags.
type bulkList []struct {
	user string
	n    int
}

func (l *bulkList) String() string { return "" }

func (l *bulkList) Set(s string) error {
	user, count, ok := strings.Cut(s, "=")
	n, err := strconv.Atoi(count)
	if !ok || user == "" || err != nil || n < 0 {
		return errors.New("want USER=N")
	}
	*l = append(*l, struct {
		user string
		n    int
	}{user, n})
	return nil
}
