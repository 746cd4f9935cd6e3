package cmdutil

import (
	"fmt"
	"strings"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// NoArgs is cobra.NoArgs as a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return failure.Usagef("unexpected argument %q: `%s` takes no arguments", args[0], cmd.CommandPath())
	}
	return nil
}

// NoSubcommand rejects a stray word after a command group, which cobra
// would otherwise answer with the group's help and exit 0.
func NoSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return failure.Usagef("%s", UnknownCommand(cmd, args[0]))
}

// UnknownCommand says that word is not a command of cmd, suggesting the
// closest one.
func UnknownCommand(cmd *cobra.Command, word string) string {
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return fmt.Sprintf("%s; see `%s --help`", msg, cmd.CommandPath())
}

// ShowHelp is the RunE of a command group: help without arguments, a
// usage error for a word that is not one of its commands.
func ShowHelp(cmd *cobra.Command, args []string) error {
	if err := NoSubcommand(cmd, args); err != nil {
		return err
	}
	return cmd.Help()
}

// Examples indents help examples the way cobra indents the rest of help.
func Examples(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}

// EnumFlag declares a string flag that takes one of values, checks it
// when it is parsed (a usage error naming the choices) and completes it.
func EnumFlag(cmd *cobra.Command, p *string, name, def string, values []string, usage string) {
	PersistentEnumFlag(cmd, cmd.Flags(), p, name, "", def, values, nil, usage)
}

// PersistentEnumFlag is EnumFlag on a chosen flag set (a root's
// persistent flags), with a shorthand and optional descriptions of the
// values for completion.
func PersistentEnumFlag(cmd *cobra.Command, fs *pflag.FlagSet, p *string, name, short, def string, values []string, help map[string]string, usage string) {
	PersistentEnumFlagOffering(cmd, fs, p, name, short, def, values, help, usage, nil)
}

// PersistentEnumFlagOffering is PersistentEnumFlag whose completion offers
// only offered(c) for the command c being completed (a persistent flag
// some of whose values only some subcommands accept); nil offers all.
func PersistentEnumFlagOffering(cmd *cobra.Command, fs *pflag.FlagSet, p *string, name, short, def string, values []string, help map[string]string, usage string, offered func(*cobra.Command) []string) {
	*p = def
	fs.VarP(&enumValue{p: p, name: name, values: values}, name, short, fmt.Sprintf("%s: {%s}", usage, strings.Join(values, "|")))
	_ = cmd.RegisterFlagCompletionFunc(name, func(c *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		vs := values
		if offered != nil {
			vs = offered(c)
		}
		var out []string
		for _, v := range vs {
			out = append(out, Candidate(v, help[v]))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

type enumValue struct {
	p      *string
	name   string
	values []string
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(v string) error {
	for _, x := range e.values {
		if strings.EqualFold(x, v) {
			*e.p = x
			return nil
		}
	}
	return failure.Usagef("--%s %q: use one of %s", e.name, v, strings.Join(e.values, ", "))
}
