// Package rotate implements `dbtok token rotate`: replace a token with a new
// one without an outage. The order is fixed: create the new token, prove it
// works, deliver it, and only then revoke the old one; any failure stops
// the rotation with at least one working token in the user's hands.
package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/cmd/token/create"
	"github.com/dbtok/dbtok/internal/cmd/token/shared"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/fanout"
	"github.com/dbtok/dbtok/internal/issued"
	"github.com/dbtok/dbtok/internal/lifetime"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/redact"
	"github.com/dbtok/dbtok/internal/secretfile"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

type Options struct {
	cmdutil.Deps
	// VerifyToken proves a token value works on host (a seam for tests).
	VerifyToken func(ctx context.Context, host, value string, timeout time.Duration) error

	Comment         string
	TokenID         string
	Lifetime        string
	LifetimeSeconds int64
	Out             string
	Force           bool
	UpdateProfile   bool
	KeepOld         bool
	Selection       shared.ProfileSelection
	Profiles        []string
}

func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Deps: f.Deps(), VerifyToken: verifyToken}
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Replace a token with a new one, without an outage",
		Long: heredoc.Doc(`
			Create a new token, prove it works, deliver it, and only then revoke
			the token it replaces.

			The old token is chosen by --comment (every token with exactly that
			comment; the new one gets the same comment) or by --token-id. With
			--update-profile, the old token is the one the profile itself uses,
			and the new value is written into that profile's token line: every
			other byte of the config file stays as it was, the previous file is
			kept next to it as <file>.bak (mode 0600), and the new token is
			proven to work from the rewritten file before anything is revoked.

			To know which token ID a profile's token has, dbtok remembers every
			token it delivers by a SHA-256 digest of its value (never the value)
			in $XDG_STATE_HOME/dbtok/issued.json. For a token dbtok did not
			create, pass --token-id, or pick it from a list on a terminal.

			If any step fails, rotation stops: the message says which tokens
			exist and which, if any, was revoked. With -o json, stdout gets the
			new token ({"token_value", "token_info", "replaces": [...]}) before
			the old ones are revoked; revocation failures go to stderr.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			# a new CI token, the old one(s) with that comment revoked
			$ dbtok rotate --comment ci --lifetime 60d --out ~/.secrets/ci-token --force

			# the token in ~/.databrickscfg itself
			$ dbtok rotate -p prod --update-profile --lifetime 90d

			# every profile's own token
			$ dbtok rotate --all-profiles --update-profile
		`)),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validate(cmd, f, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Comment, "comment", "", "rotate the tokens with exactly this `TEXT` as comment; the new token gets it too (with --token-id: only the new token's comment)")
	fl.StringVar(&opts.TokenID, "token-id", "", "rotate the token with this `ID` (or ID prefix)")
	fl.StringVar(&opts.Lifetime, "lifetime", "", "the new token's lifetime `DURATION` (default: the workspace's default)")
	fl.StringVar(&opts.Out, "out", "", "write the new token to `FILE` (mode 0600) instead of stdout")
	fl.BoolVar(&opts.Force, "force", false, "with --out, replace FILE if it exists")
	fl.BoolVar(&opts.UpdateProfile, "update-profile", false, "rotate the profile's own token and write the new one into the config file")
	fl.BoolVar(&opts.KeepOld, "keep-old", false, "do not revoke the old token(s)")
	fl.IntVar(&opts.Selection.Parallel, "parallel", fanout.DefaultParallel, "with several profiles, work on `N` workspaces at once")
	opts.Selection.AddFlags(cmd, f)
	_ = cmd.RegisterFlagCompletionFunc("token-id", f.CompleteTokenIDs)
	_ = cmd.RegisterFlagCompletionFunc("comment", cobra.NoFileCompletions)
	return cmd
}

func validate(cmd *cobra.Command, f *cmdutil.Factory, opts *Options) error {
	if err := create.ValidateComment(opts.Comment); err != nil {
		return err
	}
	if cmd.Flags().Changed("lifetime") {
		secs, err := lifetime.Parse(opts.Lifetime)
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		opts.LifetimeSeconds = secs
	}
	if cmd.Flags().Changed("out") {
		if strings.TrimSpace(opts.Out) == "" {
			return cmdutil.FlagErrorf("--out needs a file name")
		}
		opts.Out = databrickscfg.ExpandHome(opts.Out)
	}
	if err := opts.Selection.Validate(f); err != nil {
		return err
	}
	switch {
	case opts.Out != "" && opts.UpdateProfile:
		return cmdutil.FlagErrorf("deliver the new token to --out or --update-profile, not both")
	case opts.Force && opts.Out == "":
		return cmdutil.FlagErrorf("--force only applies with --out")
	case opts.Comment == "" && opts.TokenID == "" && !opts.UpdateProfile:
		return cmdutil.FlagErrorf("say which token to rotate: --comment, --token-id or --update-profile")
	case opts.Selection.Active() && opts.TokenID != "":
		return cmdutil.FlagErrorf("--token-id names a token in one workspace: with several profiles use --comment or --update-profile")
	case opts.Selection.Active() && opts.Out != "":
		return cmdutil.FlagErrorf("--out holds one token: with several profiles use stdout or --update-profile")
	case opts.Selection.Parallel < 1:
		return cmdutil.FlagErrorf("--parallel must be at least 1")
	}
	if opts.TokenID != "" {
		if err := shared.ValidateIDs([]string{opts.TokenID}); err != nil {
			return err
		}
	}
	if opts.UpdateProfile && os.Getenv("DATABRICKS_TOKEN") != "" {
		return cmdutil.FlagErrorf("DATABRICKS_TOKEN is set and overrides the profile's token: unset it to use --update-profile")
	}
	if opts.Selection.Active() {
		names, err := f.SelectProfiles(opts.Selection.All, opts.Selection.Patterns)
		if err != nil {
			return err
		}
		opts.Profiles = names
	}
	return nil
}

func verifyToken(ctx context.Context, host, value string, timeout time.Duration) error {
	ws, err := workspace.OpenPAT(host, value, timeout)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err = ws.Tokens.List(ctx)
	return err
}

// job is the rotation in one workspace.
type job struct {
	profile string // "" for the single, implicitly selected workspace
	ws      *workspace.Workspace
	old     []tokens.Token
	created *tokens.Created
	// with --update-profile: the profiles (one, or several sharing the
	// same token) whose token line gets the new value
	profiles []string
	current  string // their current token value
	revoked  []string
	failed   map[string]error
	err      error  // the step that stopped this rotation
	skipped  string // why nothing was done here, when that is no failure
	listed   []string
}

func rotateRun(ctx context.Context, opts *Options) error {
	run, err := opts.Prepare()
	if err != nil {
		return err
	}
	format, printer, timeout := run.Format, run.Printer, run.Timeout
	if opts.Out == "" && !opts.UpdateProfile && opts.IO.IsStdoutDiscarded() {
		return cmdutil.FlagErrorf("stdout is discarded (/dev/null or closed): the new token would be lost; use --out FILE or --update-profile")
	}

	var out *secretfile.Pending
	if opts.Out != "" {
		abs, err := filepath.Abs(opts.Out)
		if err != nil {
			return cmdutil.FlagErrorf("--out %s: %v", opts.Out, err)
		}
		if out, err = secretfile.Prepare(abs, opts.Force); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		defer out.Abort()
	}

	jobs, err := plan(opts)
	if err != nil {
		return err
	}
	var raw []byte
	if opts.UpdateProfile {
		if raw, err = prepareProfiles(opts, jobs); err != nil {
			return err
		}
	}

	// 1. Find what each rotation replaces, in every workspace at once.
	fanout.Each(ctx, jobs, opts.Selection.Parallel, func(ctx context.Context, j *job) {
		j.err = openAndSelect(ctx, opts, j, timeout)
	})
	skipDuplicates(jobs)

	// 2. Create the new tokens and prove they work.
	fanout.Each(ctx, pending(jobs), opts.Selection.Parallel, func(ctx context.Context, j *job) {
		j.err = createAndVerify(ctx, opts, j, timeout)
	})

	// 3. Deliver.
	live := succeeded(jobs)
	if len(live) > 0 {
		if err := deliver(ctx, opts, format, printer, live, out, raw, timeout); err != nil {
			return err
		}
	}

	// 4. Revoke what was replaced.
	if !opts.KeepOld {
		fanout.Each(ctx, succeeded(jobs), opts.Selection.Parallel, func(ctx context.Context, j *job) {
			revokeOld(ctx, opts, j, timeout)
		})
	}
	for _, j := range succeeded(jobs) {
		if err := issued.Record(j.ws.Host, j.created.Value.Reveal(), j.created.Token.ID, j.revoked...); err != nil {
			fmt.Fprintf(opts.IO.ErrOut, "Warning: could not remember the new token for later rotations: %v\n", err)
		}
	}
	return summarize(opts, format, jobs)
}

// plan lists the workspaces to rotate in; with --update-profile it also
// groups profiles that share one token, which must be rotated together.
func plan(opts *Options) ([]*job, error) {
	if opts.Profiles == nil {
		return []*job{{}}, nil
	}
	if !opts.UpdateProfile {
		jobs := make([]*job, len(opts.Profiles))
		for i, p := range opts.Profiles {
			jobs[i] = &job{profile: p}
		}
		return jobs, nil
	}
	file, err := opts.ConfigFile()
	if err != nil {
		return nil, &workspace.ConfigError{Msg: err.Error()}
	}
	byToken := map[string]*job{}
	var jobs []*job
	for _, name := range opts.Profiles {
		p, _ := file.Get(name)
		key := p.Host() + "\x00" + p.Keys["token"]
		if j, ok := byToken[key]; ok && p.Keys["token"] != "" {
			j.profiles = append(j.profiles, name)
			continue
		}
		j := &job{profile: name}
		byToken[key] = j
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// prepareProfiles checks, before anything is created, that each profile's
// token line can be rewritten and that the file's folder is writable.
func prepareProfiles(opts *Options, jobs []*job) ([]byte, error) {
	file, err := opts.ConfigFile()
	if err != nil {
		return nil, &workspace.ConfigError{Msg: err.Error()}
	}
	raw, err := os.ReadFile(file.Path)
	if err != nil {
		return nil, &workspace.ConfigError{Msg: fmt.Sprintf("cannot read %s: %v", file.Path, err)}
	}
	probe := raw
	claimed := map[string]bool{}
	for _, j := range jobs {
		claimed[j.profile] = true
		for _, name := range j.profiles {
			claimed[name] = true
		}
	}
	for _, j := range jobs {
		if j.profile == "" {
			ws, err := opts.Workspace()
			if err != nil {
				return nil, err
			}
			if ws.Profile == "" {
				return nil, cmdutil.FlagErrorf("--update-profile needs a profile: the workspace comes from environment variables")
			}
			j.profile = ws.Profile
		}
		j.profiles = append([]string{j.profile}, j.profiles...)
		p, _ := file.Get(j.profile)
		j.current = p.Keys["token"]
		// Every profile that signs in with the same token must get the new
		// one, selected or not: its token is about to be revoked.
		for _, other := range file.Profiles {
			if other.Host() == p.Host() && other.Keys["token"] == j.current && j.current != "" && !claimed[other.Name] && !slices.Contains(j.profiles, other.Name) {
				j.profiles = append(j.profiles, other.Name)
			}
		}
		for _, name := range j.profiles {
			claimed[name] = true
		}
		for _, name := range j.profiles {
			// A stand-in value of the real shape proves the edit works.
			if probe, err = databrickscfg.SetToken(probe, name, "dapi"+strings.Repeat("0", 32)); err != nil {
				return nil, &workspace.ConfigError{Msg: fmt.Sprintf("cannot update %s: %v", file.Path, err)}
			}
		}
	}
	dir := filepath.Dir(resolve(file.Path))
	tmp, err := os.CreateTemp(dir, ".dbtok-probe-*")
	if err != nil {
		return nil, &workspace.ConfigError{Msg: fmt.Sprintf("cannot update %s: folder %s is not writable", file.Path, dir)}
	}
	tmp.Close()
	os.Remove(tmp.Name())
	return raw, nil
}

func resolve(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// openAndSelect signs in and finds the tokens this rotation replaces.
func openAndSelect(ctx context.Context, opts *Options, j *job, timeout time.Duration) error {
	var err error
	if j.profile == "" {
		j.ws, err = opts.Workspace()
	} else {
		j.ws, err = opts.WorkspaceFor(j.profile)
	}
	if err != nil {
		return err
	}
	if err := selectOld(ctx, opts, j, timeout); err != nil {
		return err
	}
	if len(j.old) == 0 {
		if opts.Profiles != nil {
			j.skipped = fmt.Sprintf("no token with comment %q in %s: nothing to rotate there", opts.Comment, j.ws)
			return nil
		}
		return cmdutil.WrapAPIError(fmt.Sprintf("no token with comment %q in %s: nothing rotated (`dbtok create --comment %q` makes a new one)", opts.Comment, j.ws, opts.Comment), &tokens.Error{Kind: tokens.KindNotFound})
	}
	// Rotating the very token the profile signs in with, but delivering
	// the new one elsewhere, would leave the profile holding a revoked
	// token.
	if own := j.ws.OwnTokenID(); own != "" && !opts.UpdateProfile && !opts.KeepOld {
		for _, t := range j.old {
			if t.ID == own {
				return cmdutil.FlagErrorf("token %s is the credential %s signs in with: rotate it with --update-profile, so the config file gets the new token (or keep it with --keep-old)", own, j.ws)
			}
		}
	}
	return nil
}

// skipDuplicates drops a rotation that another profile on the same
// workspace, for the same user, already covers: it would replace the same
// tokens a second time.
func skipDuplicates(jobs []*job) {
	seen := map[string]string{}
	for _, j := range pending(jobs) {
		ids := shared.IDs(j.old)
		sort.Strings(ids)
		key := strings.ToLower(j.ws.Host) + "\x00" + strings.Join(ids, ",")
		if first, ok := seen[key]; ok {
			j.skipped = fmt.Sprintf("%s reaches the same tokens as profile %s: rotated once, there", j.ws, first)
			continue
		}
		seen[key] = j.ws.Profile
	}
}

func createAndVerify(ctx context.Context, opts *Options, j *job, timeout time.Duration) error {
	comment := opts.Comment
	if comment == "" && len(j.old) == 1 {
		comment = j.old[0].Comment
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	started := opts.Now()
	created, err := j.ws.Tokens.Create(callCtx, tokens.CreateRequest{Comment: comment, LifetimeSeconds: lifetimeFor(opts, j.old)})
	if err != nil {
		msg := cmdutil.APIError("create the new token", j.ws, err, timeout).Error()
		var te *tokens.Error
		if errors.As(err, &te) && te.MaybeApplied {
			msg += "; " + shared.MaybeCreated(j.ws, comment, started, j.listed, timeout, false)
		}
		return cmdutil.WrapAPIError(msg+"; "+keptMessage(j.old), err)
	}
	redact.Add(created.Value.Reveal())
	j.created = created
	if err := opts.VerifyToken(ctx, j.ws.Host, created.Value.Reveal(), timeout); err != nil {
		return undo(j, timeout, fmt.Errorf("the new token %s in %s does not work (%s)", created.Token.ID, j.ws, cmdutil.Brief(err)))
	}
	return nil
}

// lifetimeFor is --lifetime, else the lifetime the replaced token had (the
// newest one's, if several), else the workspace's default: a rotated
// 30-day token should not come back as a 2-year one.
func lifetimeFor(opts *Options, old []tokens.Token) int64 {
	if opts.LifetimeSeconds > 0 {
		return opts.LifetimeSeconds
	}
	var newest *tokens.Token
	for i := range old {
		if newest == nil || old[i].CreationTime > newest.CreationTime {
			newest = &old[i]
		}
	}
	if newest == nil || newest.ExpiryTime <= 0 || newest.ExpiryTime <= newest.CreationTime {
		return 0
	}
	return (newest.ExpiryTime - newest.CreationTime + 999) / 1000
}

// selectOld finds the tokens the new one replaces.
func selectOld(ctx context.Context, opts *Options, j *job, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	list, err := j.ws.Tokens.List(ctx)
	if err != nil {
		return cmdutil.APIError("list tokens", j.ws, err, timeout)
	}
	j.listed = shared.IDs(list)
	switch {
	case opts.TokenID != "":
		var found []tokens.Token
		for _, t := range list {
			if strings.HasPrefix(t.ID, opts.TokenID) {
				found = append(found, t)
			}
		}
		switch len(found) {
		case 0:
			return cmdutil.WrapAPIError(fmt.Sprintf("no token %s in %s: nothing rotated (see `dbtok list%s`)", opts.TokenID, j.ws, shared.ProfileFlag(j.ws)), &tokens.Error{Kind: tokens.KindNotFound})
		case 1:
			j.old = found
		default:
			return cmdutil.FlagErrorf("token ID prefix %s matches %d tokens in %s: give more of the ID", opts.TokenID, len(found), j.ws)
		}
	case opts.UpdateProfile:
		t, err := profileToken(ctx, opts, j, list)
		if err != nil {
			return err
		}
		j.old = []tokens.Token{t}
	default:
		for _, t := range list {
			if t.Comment == opts.Comment {
				j.old = append(j.old, t)
			}
		}
	}
	return nil
}

// profileToken works out which listed token the profile's own token is:
// one dbtok delivered (remembered by digest), or one the user picks.
func profileToken(ctx context.Context, opts *Options, j *job, list []tokens.Token) (tokens.Token, error) {
	if id, ok := issued.Lookup(j.ws.Host, j.current); ok {
		for _, t := range list {
			if t.ID == id {
				return t, nil
			}
		}
	}
	if opts.Profiles != nil {
		return tokens.Token{}, cmdutil.FlagErrorf("cannot tell which token profile %s uses (dbtok did not create it): rotate it on its own with `dbtok rotate -p %s --update-profile --token-id ID` (see `dbtok list -p %s`)", j.profiles[0], j.profiles[0], j.profiles[0])
	}
	if !opts.IO.CanPrompt() {
		return tokens.Token{}, cmdutil.FlagErrorf("cannot tell which token profile %s uses (dbtok did not create it): pass --token-id ID (see `dbtok list -p %s`)", j.profiles[0], j.profiles[0])
	}
	return pickToken(ctx, opts, j, list)
}

var promptMu sync.Mutex

func pickToken(ctx context.Context, opts *Options, j *job, list []tokens.Token) (tokens.Token, error) {
	promptMu.Lock()
	defer promptMu.Unlock()
	shared.Sort(list, "created")
	now := opts.Now()
	w := opts.IO.ErrOut
	fmt.Fprintf(w, "Which token does profile %s use? dbtok did not create it, so it cannot tell.\n", j.profiles[0])
	for i, t := range list {
		fmt.Fprintf(w, "  %d) %s  %s  created %s, expires %s\n", i+1, shared.IDCell(t.ID, true), output.Sanitize(t.Comment),
			shared.CreatedCell(now, t, true), shared.ExpiresCell(now, t, true))
	}
	fmt.Fprintf(w, "Number (Enter to cancel): ")
	answer, err := opts.IO.ReadLine(ctx)
	if err != nil {
		return tokens.Token{}, cmdutil.WrapAPIError("interrupted: nothing rotated", &tokens.Error{Kind: tokens.KindCanceled, Message: "interrupted", Err: err})
	}
	n, err := strconv.Atoi(strings.TrimSpace(answer))
	if err != nil || n < 1 || n > len(list) {
		return tokens.Token{}, cmdutil.FlagErrorf("no token chosen: nothing rotated")
	}
	return list[n-1], nil
}

// deliver hands the new tokens over: into the config file, the --out file,
// or stdout. It runs before anything is revoked.
func deliver(ctx context.Context, opts *Options, format output.Format, printer *output.JSONPrinter, jobs []*job, out *secretfile.Pending, raw []byte, timeout time.Duration) error {
	switch {
	case opts.UpdateProfile:
		if err := deliverToProfiles(ctx, opts, jobs, raw, timeout); err != nil {
			return err
		}
		if live := succeeded(jobs); len(live) > 0 {
			file, _ := opts.ConfigFile()
			return printNew(opts, format, printer, live, file.Path)
		}
		return nil
	case out != nil:
		j := jobs[0]
		if err := out.Commit([]byte(j.created.Value.Reveal() + "\n")); err != nil {
			j.err = undo(j, timeout, fmt.Errorf("cannot write the new token to %s: %w", out.Path(), err))
			return nil
		}
		return printNew(opts, format, printer, jobs, out.Path())
	default:
		if err := printNew(opts, format, printer, jobs, ""); err != nil {
			for _, j := range jobs {
				j.err = undo(j, timeout, fmt.Errorf("cannot print the new token: %v", err))
			}
		}
		return nil
	}
}

// deliverToProfiles rewrites the config file once with every new token,
// then proves each profile works as written; if one does not, the old
// file comes back and the new tokens are revoked.
func deliverToProfiles(ctx context.Context, opts *Options, jobs []*job, raw []byte, timeout time.Duration) error {
	file, _ := opts.ConfigFile()
	updated := raw
	var err error
	for _, j := range jobs {
		for _, name := range j.profiles {
			if updated, err = databrickscfg.SetToken(updated, name, j.created.Value.Reveal()); err != nil {
				break
			}
		}
	}
	var backup string
	if err == nil {
		backup, err = secretfile.Rewrite(file.Path, updated, raw)
	}
	if err != nil {
		for _, j := range jobs {
			j.err = undo(j, timeout, fmt.Errorf("cannot update %s: %v", file.Path, err))
		}
		return nil
	}
	var failed []string
	for _, j := range jobs {
		for _, name := range j.profiles {
			if err := checkProfile(ctx, opts, name, timeout); err != nil {
				failed = append(failed, fmt.Sprintf("profile %s: %v", name, err))
			}
		}
	}
	if len(failed) > 0 {
		restore := ""
		if rerr := secretfile.Restore(file.Path, raw, updated); rerr != nil {
			restore = fmt.Sprintf(" (and restoring it failed: %v; the old file is in %s)", rerr, backup)
		}
		for _, j := range jobs {
			j.err = undo(j, timeout, fmt.Errorf("the rewritten %s did not work (%s), so the previous file is back%s", file.Path, strings.Join(failed, "; "), restore))
		}
		return nil
	}
	for _, j := range jobs {
		fmt.Fprintf(opts.IO.ErrOut, "%s New token %s written to profile %s in %s (previous file kept as %s).\n",
			opts.IO.ColorScheme().Green("✓"), j.created.Token.ID, strings.Join(j.profiles, ", "), file.Path, backup)
	}
	return nil
}

// checkProfile signs in with the profile exactly as it is now on disk.
func checkProfile(ctx context.Context, opts *Options, profile string, timeout time.Duration) error {
	file, _ := opts.ConfigFile()
	ws, err := workspace.Open(workspace.Options{Profile: profile, ConfigFile: file.Path, Timeout: timeout})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := ws.Tokens.List(ctx); err != nil {
		return errors.New(cmdutil.Cause(ws, err, timeout))
	}
	return nil
}

type rotatedJSON struct {
	*shared.WorkspaceJSON
	TokenValue      *string          `json:"token_value,omitempty"`
	TokenInfo       shared.TokenJSON `json:"token_info"`
	OutFile         string           `json:"out_file,omitempty"`
	ConfigFile      string           `json:"config_file,omitempty"`
	UpdatedProfiles []string         `json:"updated_profiles,omitempty"`
	Replaces        []string         `json:"replaces"`
	KeptOld         bool             `json:"kept_old,omitempty"`
}

// printNew shows the new tokens; dest is the --out file or, with
// --update-profile, the config file, and the value is shown only when
// stdout is where it is delivered.
func printNew(opts *Options, format output.Format, printer *output.JSONPrinter, jobs []*job, dest string) error {
	var buf bytes.Buffer
	multi := opts.Profiles != nil
	if format == output.JSON {
		var rows []rotatedJSON
		for _, j := range jobs {
			r := rotatedJSON{TokenInfo: shared.ToJSON(j.created.Token), Replaces: shared.IDs(j.old), KeptOld: opts.KeepOld}
			switch {
			case opts.UpdateProfile:
				r.ConfigFile, r.UpdatedProfiles = dest, j.profiles
			case dest != "":
				r.OutFile = dest
			default:
				v := j.created.Value.Reveal()
				r.TokenValue = &v
			}
			if multi {
				r.WorkspaceJSON = &shared.WorkspaceJSON{Profile: j.ws.Profile, Host: j.ws.Host}
			}
			rows = append(rows, r)
		}
		var v any = rows[0]
		if multi {
			v = rows
		}
		if err := printer.Write(&buf, v); err != nil {
			return err
		}
	} else {
		for _, j := range jobs {
			if multi {
				fmt.Fprintf(&buf, "%-10s %s\n", "Profile:", j.ws.Profile)
			}
			shared.WriteTokenInfo(&buf, j.created.Token, opts.Now(), opts.IO.IsStdoutTTY())
			label := "Replaces:"
			if opts.KeepOld {
				label = "Old:"
			}
			fmt.Fprintf(&buf, "%-10s %s\n", label, strings.Join(shared.IDs(j.old), ", "))
			switch {
			case opts.UpdateProfile:
				fmt.Fprintf(&buf, "%-10s profile %s in %s\n", "Saved to:", strings.Join(j.profiles, ", "), dest)
			case dest != "":
				fmt.Fprintf(&buf, "%-10s %s (mode 0600)\n", "Saved to:", dest)
			default:
				fmt.Fprintf(&buf, "%-10s %s\n", "Token:", j.created.Value.Reveal())
			}
		}
	}
	if _, err := opts.IO.Out.Write(buf.Bytes()); err != nil {
		return err
	}
	if format == output.Table && opts.IO.IsStdoutTTY() && dest == "" && !opts.UpdateProfile {
		shared.CopyNowWarning(opts.IO)
	}
	return nil
}

// revokeOld revokes the replaced tokens, signed in with the new token: the
// old one may be the very credential the profile was using.
func revokeOld(ctx context.Context, opts *Options, j *job, timeout time.Duration) {
	j.failed = map[string]error{}
	api := j.ws.Tokens
	if ws, err := workspace.OpenPAT(j.ws.Host, j.created.Value.Reveal(), timeout); err == nil {
		api = ws.Tokens
	}
	for _, t := range j.old {
		callCtx, cancel := context.WithTimeout(ctx, timeout)
		err := api.Revoke(callCtx, t.ID)
		cancel()
		if err != nil && tokens.KindOf(err) != tokens.KindNotFound {
			j.failed[t.ID] = err
			continue
		}
		j.revoked = append(j.revoked, t.ID)
		fmt.Fprintf(opts.IO.ErrOut, "%s Revoked the old token %s in %s.\n", opts.IO.ColorScheme().Green("✓"), t.ID, j.ws)
	}
}

// summarize reports each workspace's end state and picks the exit code.
func summarize(opts *Options, format output.Format, jobs []*job) error {
	var first error
	done := false
	for _, j := range jobs {
		switch {
		case j.err != nil:
			cmdutil.PrintError(opts.IO.ErrOut, j.err)
			if first == nil {
				first = j.err
			}
		case j.skipped != "":
			fmt.Fprintf(opts.IO.ErrOut, "Note: %s.\n", j.skipped)
		case len(j.failed) > 0:
			done = true
			for _, id := range slices.Sorted(maps.Keys(j.failed)) {
				err := j.failed[id]
				e := cmdutil.WrapAPIError(fmt.Sprintf("the new token %s is in place, but the old token %s could not be revoked (%s); it still works: revoke it with `dbtok revoke %s%s`",
					j.created.Token.ID, id, cmdutil.Cause(j.ws, err, 0), id, shared.ProfileFlag(j.ws)), err)
				cmdutil.PrintError(opts.IO.ErrOut, e)
				if first == nil {
					first = e
				}
			}
		default:
			done = true
		}
	}
	if opts.Profiles != nil && len(pending(jobs)) == 0 && first == nil {
		return cmdutil.WrapAPIError(fmt.Sprintf("no token with comment %q in any of the %d workspaces: nothing rotated", opts.Comment, len(jobs)), &tokens.Error{Kind: tokens.KindNotFound})
	}
	if first == nil {
		return nil
	}
	code := cmdutil.ExitCode(first)
	if done && code == cmdutil.ExitUsage {
		// Some rotations happened: "nothing was sent" no longer holds.
		code = cmdutil.ExitError
	}
	return &cmdutil.SilentError{Code: code}
}

// undo revokes a new token that was created but not delivered, and says
// what the user still holds.
func undo(j *job, timeout time.Duration, cause error) error {
	t := j.created.Token
	j.created = nil
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := j.ws.Tokens.Revoke(ctx, t.ID); err != nil {
		return fmt.Errorf("%w; revoking that new token %s failed too (%s): revoke it with `dbtok revoke %s%s`; %s",
			cause, t.ID, cmdutil.Cause(j.ws, err, timeout), t.ID, shared.ProfileFlag(j.ws), keptMessage(j.old))
	}
	return fmt.Errorf("%w; the new token %s was revoked; %s", cause, t.ID, keptMessage(j.old))
}

func keptMessage(old []tokens.Token) string {
	switch len(old) {
	case 0:
		return "nothing was revoked"
	case 1:
		return fmt.Sprintf("the old token %s was not revoked and still works", old[0].ID)
	}
	return fmt.Sprintf("the old tokens %s were not revoked and still work", strings.Join(shared.IDs(old), ", "))
}

// pending are the jobs still under way: not failed, not skipped.
func pending(jobs []*job) []*job {
	var out []*job
	for _, j := range jobs {
		if j.err == nil && j.skipped == "" {
			out = append(out, j)
		}
	}
	return out
}

func succeeded(jobs []*job) []*job {
	var out []*job
	for _, j := range jobs {
		if j.err == nil && j.created != nil {
			out = append(out, j)
		}
	}
	return out
}
