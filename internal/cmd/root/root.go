// Package root assembles the dbtok command tree and runs it, turning errors
// into one line on stderr and a documented exit code.
package root

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/cmd/audit"
	"github.com/dbtok/dbtok/internal/cmd/completion"
	"github.com/dbtok/dbtok/internal/cmd/permissions"
	"github.com/dbtok/dbtok/internal/cmd/profiles"
	"github.com/dbtok/dbtok/internal/cmd/settings"
	"github.com/dbtok/dbtok/internal/cmd/token"
	"github.com/dbtok/dbtok/internal/cmd/version"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/memlimit"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/sdklog"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// MemoryLimit is the soft memory limit Main sets. dbtok's heap is small
// except when an admin lists hundreds of thousands of tokens, where the
// default GC pacing lets the heap double before collecting; lower, the
// 500 connections of a run over 500 workspaces keep the GC busy.
const MemoryLimit = 48 << 20

// Main runs dbtok with the process's arguments and returns its exit code.
func Main() int {
	// The user's GOMEMLIMIT still wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		memlimit.Set(MemoryLimit)
	}
	ios := iostreams.System()
	// A closed stdout must come back as an error, not kill the process:
	// create has to know that a token it printed was never received.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stopped := interruptible(ios)
	sdklog.Install(ios.ErrOut, false)

	f := NewFactory(ios)
	cmd := NewCmdRoot(f)
	cmd.SetArgs(os.Args[1:])
	if cmdutil.IsCompletionRequest(os.Args[1:]) {
		// Whatever completion writes on stderr lands in the middle of the
		// user's command line: nothing goes there, not even cobra's note
		// of the directive.
		f.Quiet = true
		plainFlagUsage(cmd)
		exclusiveForCompletion(cmd)
		cmd.SetErr(io.Discard)
	}
	err := cmd.ExecuteContext(ctx)
	code := reportError(ios, cmd, err)
	if sig := stopped(); sig != nil && code != failure.OK {
		code = signalCode(sig)
	}
	return code
}

// interruptible returns a context that the first SIGINT or SIGTERM
// cancels: every wait ends, and clean-up (revoking a token that was never
// delivered) still runs on a context of its own, bounded to well under a
// second. A second signal exits at once, and so does a command that has
// not stopped two seconds after the first.
func interruptible(ios *iostreams.IOStreams) (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	go func() {
		first := <-sigs
		got.Store(first)
		cancel()
		select {
		case second := <-sigs:
			os.Exit(signalCode(second))
		case <-time.After(2 * time.Second):
			ios.Errorf("interrupted")
			os.Exit(signalCode(first))
		}
	}()
	return ctx, func() os.Signal {
		if s, ok := got.Load().(os.Signal); ok {
			return s
		}
		return nil
	}
}

// signalCode is the exit code shells report for a signal: 128 + its number.
func signalCode(s os.Signal) int {
	if s == syscall.SIGTERM {
		return failure.Terminated
	}
	return failure.Canceled
}

// NewFactory builds the dependencies commands share.
func NewFactory(ios *iostreams.IOStreams) *cmdutil.Factory {
	return &cmdutil.Factory{IOStreams: ios, Globals: &cmdutil.GlobalOptions{}, Now: time.Now}
}

func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	g := f.Globals
	cmd := &cobra.Command{
		Use:   "dbtok <command>",
		Short: "Manage Databricks personal access tokens",
		Long: heredoc.Doc(`
			dbtok creates, lists, revokes and rotates Databricks personal access
			tokens in any workspace of your ~/.databrickscfg.

			Profiles and authentication follow the Databricks SDK: --profile,
			then DATABRICKS_CONFIG_PROFILE, then the file's default profile;
			DATABRICKS_HOST and DATABRICKS_TOKEN work without any config file.

			Output is a table on a terminal and JSON otherwise (-o to choose).
			A token's value goes only where you send it: stdout, the file named
			by --out, the command named by --pipe-to, the secret named by
			--to-secret, or the profiles rotate --update-profile rewrites.

			Exit codes: 0 ok, 1 API or other error, 2 usage or configuration
			error, 3 authentication or permission, 4 not found, 5 a check
			found something (list --fail-if-any, audit --fail-on), 130
			interrupted (Ctrl-C), 143 terminated.
		`),
		Example: cmdutil.Examples(heredoc.Doc(`
			$ dbtok create --lifetime 100d --comment ci
			$ dbtok list -p prod
			$ dbtok create --lifetime 2w --comment deploy -o json | jq -r .token_value
		`)),
		Version:       build.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cmdutil.NoSubcommand,
		RunE:          cmdutil.ShowHelp,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			f.DefaultOutput = cmd.Annotations[cmdutil.DefaultOutputAnnotation]
			f.NoConfig = cmd.Annotations[cmdutil.NoConfigAnnotation] != ""
			f.Command, f.Renders = cmd.CommandPath(), strings.Fields(cmd.Annotations[cmdutil.FormatsAnnotation])
			if g.NoColor {
				f.IOStreams.SetColorEnabled(false)
			}
			if g.Debug {
				sdklog.Install(f.IOStreams.ErrOut, true)
			}
			if g.ConfigFile != "" && !f.NoConfig {
				// A file named on the command line that is not there is a
				// typo, not a fresh machine: say so before anything else.
				path := workspace.ConfigPath(g.ConfigFile)
				if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
					return failure.Usagef("--config-file %s does not exist; name an existing Databricks config file, or leave the flag out to use $DATABRICKS_CONFIG_FILE or ~/.databrickscfg", path)
				}
			}
			return nil
		},
	}
	cmd.SetVersionTemplate(version.Format() + "\n")
	// Command groups run only to print help or reject a stray word: their
	// usage is "dbtok token [command]", not also "dbtok token [flags]".
	cmd.SetUsageTemplate(strings.Replace(cmd.UsageTemplate(),
		"{{if .Runnable}}\n  {{.UseLine}}{{end}}", "{{if and .Runnable (not .HasAvailableSubCommands)}}\n  {{.UseLine}}{{end}}", 1))
	// Declared here so cobra does not add -v: gh and kubectl users read -v
	// as "verbose".
	cmd.Flags().Bool("version", false, "show dbtok's version")
	cmd.CompletionOptions.DisableDefaultCmd = true
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		var usage *failure.UsageError
		if errors.As(err, &usage) {
			// A flag type that explains itself (an enum's choices).
			return usage
		}
		return failure.Usagef("%v; see `%s --help`", err, c.CommandPath())
	})

	pf := cmd.PersistentFlags()
	pf.StringVarP(&g.Profile, "profile", "p", "", "the `PROFILE` of the config file to use (default: $DATABRICKS_CONFIG_PROFILE, then the file's default_profile, then DEFAULT)")
	pf.StringVar(&g.ConfigFile, "config-file", "", "the Databricks config `FILE` (default: $DATABRICKS_CONFIG_FILE, then ~/.databrickscfg)")
	var format string
	cmdutil.PersistentEnumFlagOffering(cmd, pf, &format, "output", "o", "", output.Formats(), output.FormatHelp(), "output `FORMAT` (default: $DBTOK_OUTPUT, the config file, then table on a terminal and json otherwise)",
		func(c *cobra.Command) []string {
			return output.FormatsFor(strings.Fields(c.Annotations[cmdutil.FormatsAnnotation]))
		})
	pf.String("timeout", cmdutil.DefaultTimeout.String(), "give up waiting on a workspace after this `DURATION`, per request; also $DBTOK_TIMEOUT or the config file")
	pf.BoolVar(&g.Absolute, "absolute", false, "show times as dates (RFC 3339) on a terminal too, not as \"3d ago\"")
	pf.BoolVar(&g.NoColor, "no-color", false, "never colour the output (also: NO_COLOR=1)")
	pf.BoolVar(&g.Debug, "debug", false, "log API requests and responses to stderr, credentials redacted")
	pf.StringVarP(&g.JQ, "jq", "q", "", "filter JSON output with a jq `EXPRESSION` (implies -o json)")
	pf.StringVarP(&g.Template, "template", "t", "", "format JSON output with a Go `TEMPLATE` (implies -o json)")
	f.Flags = pf
	_ = cmd.RegisterFlagCompletionFunc("profile", f.CompleteProfiles)
	_ = cmd.RegisterFlagCompletionFunc("timeout", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"10s", "30s", "1m", "5m"}, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.MarkPersistentFlagFilename("config-file")

	cmd.AddGroup(&cobra.Group{ID: "tokens", Title: "Token commands:"})
	tokenCmd := token.NewCmdToken(f)
	tokenCmd.GroupID = "tokens"
	cmd.AddCommand(tokenCmd)
	for _, c := range token.Shortcuts(f) {
		c.GroupID = "tokens"
		cmd.AddCommand(c)
	}
	// What workspace admins allow about tokens, and a policy check of the
	// tokens themselves.
	cmd.AddGroup(&cobra.Group{ID: "policy", Title: "Workspace policy commands:"})
	for _, c := range []*cobra.Command{audit.NewCmdAudit(f, nil), settings.NewCmdSettings(f, nil), permissions.NewCmdPermissions(f, nil)} {
		c.GroupID = "policy"
		cmd.AddCommand(c)
	}
	cmd.AddCommand(profiles.NewCmdProfiles(f, nil))
	cmd.AddCommand(completion.NewCmdCompletion(f))
	cmd.AddCommand(completion.NewCmdRefresh(f))
	cmd.AddCommand(version.NewCmdVersion(f, nil))
	cmd.SetHelpCommand(newCmdHelp())
	return cmd
}

// newCmdHelp is `dbtok help [command]`. Unlike cobra's own, an unknown
// topic is a usage error (exit 2), as with gh, rather than the root help
// and exit 0, which a script would take for success.
func newCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			target, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []string
			for _, sub := range target.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cmdutil.Candidate(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err != nil || target == nil || len(rest) > 0 {
				return failure.Usagef("unknown help topic %q: run `dbtok --help` for the list of commands", strings.Join(args, " "))
			}
			return target.Help()
		},
	}
}

// reportError prints err as one line and returns the exit code.
func reportError(ios *iostreams.IOStreams, root *cobra.Command, err error) int {
	if err == nil {
		return failure.OK
	}
	if failure.IsReported(err) {
		return failure.Code(err)
	}
	if errors.Is(err, syscall.EPIPE) {
		// The reader went away (`dbtok list | head`): nothing to report.
		return failure.Error
	}
	msg := err.Error()
	var usage *failure.UsageError
	if strings.HasPrefix(msg, "unknown command") && !errors.As(err, &usage) {
		// cobra's own message spans lines and suggests on the next one.
		err = &failure.UsageError{Err: err}
		msg = unknownCommand(root, msg)
	}
	ios.Errorf("%s", msg)
	return failure.Code(err)
}

func unknownCommand(root *cobra.Command, msg string) string {
	first := strings.SplitN(msg, "\n", 2)[0]
	// first is: unknown command "x" for "dbtok"
	parts := strings.SplitN(first, `"`, 3)
	if len(parts) == 3 {
		return cmdutil.UnknownCommand(root, parts[1])
	}
	return first + "; see `dbtok --help`"
}

// plainFlagUsage drops the backticks that name a flag's value in --help
// ("the token's `TEXT`" shows as --comment TEXT) from every flag's usage:
// shells show completion descriptions as they are, backticks and all.
func plainFlagUsage(cmd *cobra.Command) {
	strip := func(fl *pflag.Flag) { _, fl.Usage = pflag.UnquoteUsage(fl) }
	cmd.PersistentFlags().VisitAll(strip)
	cmd.Flags().VisitAll(strip)
	for _, sub := range cmd.Commands() {
		plainFlagUsage(sub)
	}
}

// exclusiveForCompletion tells cobra's completion which flags exclude each
// other, so that TAB offers nothing the command would then refuse:
// --profile, --all-profiles and --profiles name the workspaces one way
// each, and a token ID (--token-id, --value-stdin) belongs to one
// workspace. Only for completion: the commands' own checks say why in
// their words, which cobra's generic check would replace.
func exclusiveForCompletion(cmd *cobra.Command) {
	_ = cmd.InheritedFlags() // merges the root's flags into Flags()
	has := func(names ...string) bool {
		for _, n := range names {
			if cmd.Flags().Lookup(n) == nil {
				return false
			}
		}
		return true
	}
	for _, group := range [][]string{
		{"profile", "all-profiles", "profiles"},
		{"token-id", "all-profiles", "profiles"},
		{"value-stdin", "all-profiles", "profiles"},
	} {
		if has(group...) {
			cmd.MarkFlagsMutuallyExclusive(group...)
		}
	}
	for _, sub := range cmd.Commands() {
		exclusiveForCompletion(sub)
	}
}
