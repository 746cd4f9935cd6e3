// Package root assembles the dbtok command tree and runs it, turning errors
// into one line on stderr and a documented exit code.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/dbtok/dbtok/internal/build"
	"github.com/dbtok/dbtok/internal/cmd/completion"
	"github.com/dbtok/dbtok/internal/cmd/profiles"
	"github.com/dbtok/dbtok/internal/cmd/token"
	"github.com/dbtok/dbtok/internal/cmd/version"
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/sdklog"
	"github.com/dbtok/dbtok/internal/workspace"
	"github.com/spf13/cobra"
)

// Main runs dbtok with the process's arguments and returns its exit code.
func Main() int {
	// A soft memory limit: dbtok's heap is tiny except when an admin lists
	// tens of thousands of tokens, where the default GC pacing lets the
	// heap double before collecting. The user's GOMEMLIMIT still wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32 << 20)
	}
	ios := iostreams.System()
	// A closed stdout must come back as an error, not kill the process:
	// create has to know that a token it printed was never received.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sdklog.Install(ios.ErrOut, false)

	f := NewFactory(ios)
	cmd := NewCmdRoot(f)
	cmd.SetArgs(os.Args[1:])
	err := cmd.ExecuteContext(ctx)
	return reportError(ios, cmd, err)
}

// NewFactory builds the dependencies commands share.
func NewFactory(ios *iostreams.IOStreams) *cmdutil.Factory {
	g := &cmdutil.GlobalOptions{}
	f := &cmdutil.Factory{IOStreams: ios, Globals: g, Now: time.Now}
	var warned sync.Map
	warn := func(msg string) {
		// Several profiles in one file would repeat the same warning.
		if _, dup := warned.LoadOrStore(msg, true); dup || f.Quiet {
			return
		}
		fmt.Fprintf(ios.ErrOut, "%s %s\n", ios.ColorScheme().Yellow("Warning:"), msg)
	}
	f.WorkspaceFor = func(profile string) (*workspace.Workspace, error) {
		timeout, err := f.Timeout()
		if err != nil {
			return nil, err
		}
		file, err := f.ConfigFile()
		if err != nil && !errors.Is(err, databrickscfg.ErrNotFound) {
			file = nil // let workspace.Open report it in context
		}
		return workspace.Open(workspace.Options{
			Profile:    profile,
			ConfigFile: g.ConfigFile,
			File:       file,
			Timeout:    timeout,
			Debug:      g.Debug,
			Warn:       warn,
		})
	}
	var (
		once sync.Once
		ws   *workspace.Workspace
		err  error
	)
	f.Workspace = func() (*workspace.Workspace, error) {
		once.Do(func() { ws, err = f.WorkspaceFor(g.Profile) })
		return ws, err
	}
	return f
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
			A token's value is only ever written to stdout or to the file named
			by --out.

			Exit codes: 0 ok, 1 API or other error, 2 usage or configuration
			error, 3 authentication or permission, 4 not found, 5 a token
			matched list --fail-if-any, 130 interrupted.
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
			if g.NoColor {
				f.IOStreams.SetColorEnabled(false)
			}
			if g.Debug {
				sdklog.Install(f.IOStreams.ErrOut, true)
			}
			return nil
		},
	}
	cmd.SetVersionTemplate(version.Format())
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
		return cmdutil.FlagErrorf("%v; see `%s --help`", err, c.CommandPath())
	})

	pf := cmd.PersistentFlags()
	pf.StringVarP(&g.Profile, "profile", "p", "", "the `PROFILE` of the config file to use (default: $DATABRICKS_CONFIG_PROFILE, then the file's default_profile, then DEFAULT)")
	pf.StringVar(&g.ConfigFile, "config-file", "", "the Databricks config `FILE` (default: $DATABRICKS_CONFIG_FILE, then ~/.databrickscfg)")
	pf.StringVarP(&g.Output, "output", "o", "", "output `FORMAT`: table or json (default: $DBTOK_OUTPUT, the config file, then table on a terminal and json otherwise)")
	pf.DurationVar(&g.Timeout, "timeout", cmdutil.DefaultTimeout, "give up on the workspace after this `DURATION`; also $DBTOK_TIMEOUT or the config file")
	pf.BoolVar(&g.NoColor, "no-color", false, "never colour the output (also: NO_COLOR=1)")
	pf.BoolVar(&g.Debug, "debug", false, "log API requests and responses to stderr, credentials redacted")
	pf.StringVarP(&g.JQ, "jq", "q", "", "filter JSON output with a jq `EXPRESSION` (implies -o json)")
	pf.StringVarP(&g.Template, "template", "t", "", "format JSON output with a Go `TEMPLATE` (implies -o json)")
	f.Flags = pf
	_ = cmd.RegisterFlagCompletionFunc("profile", f.CompleteProfiles)
	_ = cmd.RegisterFlagCompletionFunc("output", cmdutil.CompleteOutput)
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
	cmd.AddCommand(profiles.NewCmdProfiles(f, nil))
	cmd.AddCommand(completion.NewCmdCompletion(f))
	cmd.AddCommand(version.NewCmdVersion(f))
	return cmd
}

// reportError prints err as one line and returns the exit code.
func reportError(ios *iostreams.IOStreams, root *cobra.Command, err error) int {
	if err == nil {
		return cmdutil.ExitOK
	}
	var silent *cmdutil.SilentError
	if errors.As(err, &silent) {
		return silent.Code
	}
	if errors.Is(err, syscall.EPIPE) {
		// The reader went away (`dbtok list | head`): nothing to report.
		return cmdutil.ExitError
	}
	msg := err.Error()
	var flagErr *cmdutil.FlagError
	if strings.HasPrefix(msg, "unknown command") && !errors.As(err, &flagErr) {
		// cobra's own message spans lines and suggests on the next one.
		err = &cmdutil.FlagError{Err: err}
		msg = unknownCommand(root, msg)
	}
	cmdutil.PrintError(ios.ErrOut, errors.New(msg))
	return cmdutil.ExitCode(err)
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
