// Package iostreams bundles the process's standard streams with what dbtok
// needs to know about them (is this a terminal, how wide, is colour on)
// and is the one way dbtok talks to a person: messages on stderr, escaped
// and scrubbed of secrets, and questions on the controlling terminal.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY    bool
	stdoutNull   bool
	colorEnabled bool
	colorForced  bool
	termWidth    func() int

	// terminal opens the controlling terminal, where questions are asked
	// even when stdout is piped; nil when there is none.
	terminal       func() (io.ReadWriteCloser, error)
	promptDisabled bool
	tty            *ttySession
}

// System wires up the real stdin/stdout/stderr and reads the conventions gh
// and most modern CLIs follow: NO_COLOR and CLICOLOR=0 turn colour off,
// TERM=dumb too, and CLICOLOR_FORCE turns it on (with the terminal layout)
// even when piped, for `| less -R`. DBTOK_PROMPT_DISABLED=1 makes dbtok
// behave as if no one could answer a question.
func System() *IOStreams {
	stdoutTTY := isTerminal(os.Stdout)
	s := &IOStreams{
		In:         os.Stdin,
		Out:        os.Stdout,
		ErrOut:     os.Stderr,
		stdoutTTY:  stdoutTTY,
		stdoutNull: isNullDevice(os.Stdout),
		termWidth:  systemWidth,
		terminal: func() (io.ReadWriteCloser, error) {
			return os.OpenFile("/dev/tty", os.O_RDWR, 0)
		},
		promptDisabled: truthy(os.Getenv("DBTOK_PROMPT_DISABLED")),
	}
	s.colorEnabled, s.colorForced = colorFromEnv(os.Getenv, stdoutTTY)
	return s
}

// systemWidth is the terminal's width: stdout's, else stderr's (for
// CLICOLOR_FORCE into a pager), else $COLUMNS, else 80.
func systemWidth() int {
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

func truthy(v string) bool { return v != "" && v != "0" && v != "false" }

func colorFromEnv(getenv func(string) string, tty bool) (enabled, forced bool) {
	if getenv("NO_COLOR") != "" {
		return false, truthy(getenv("CLICOLOR_FORCE"))
	}
	if truthy(getenv("CLICOLOR_FORCE")) {
		return true, true
	}
	if getenv("CLICOLOR") == "0" || getenv("TERM") == "dumb" {
		return false, false
	}
	return tty, false
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams backed by buffers, for tests of run functions. They
// are not a terminal until SetStdoutTTY, and no one answers questions
// until SetTerminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, termWidth: func() int { return 80 }}, in, out, errOut
}

// SetStdoutTTY makes stdout a terminal or not (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStdoutDiscarded makes stdout /dev/null or not (tests).
func (s *IOStreams) SetStdoutDiscarded(v bool) { s.stdoutNull = v }

// SetTerminalWidth sets the terminal's width (tests).
func (s *IOStreams) SetTerminalWidth(w int) { s.termWidth = func() int { return w } }

// SetTerminal gives the streams a controlling terminal: questions are
// written to it and answers read from it (tests pass a fake).
func (s *IOStreams) SetTerminal(rw io.ReadWriter) {
	s.terminal = func() (io.ReadWriteCloser, error) { return nopCloser{rw}, nil }
}

type nopCloser struct{ io.ReadWriter }

func (nopCloser) Close() error { return nil }

func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// HumanLayout reports whether output is laid out for a person: stdout is
// a terminal, or CLICOLOR_FORCE asks for the terminal's layout in a pipe.
func (s *IOStreams) HumanLayout() bool { return s.stdoutTTY || s.colorForced }

// IsStdoutDiscarded reports stdout going to the null device, which is also
// where the Go runtime points a stdout that was closed at start-up.
func (s *IOStreams) IsStdoutDiscarded() bool { return s.stdoutNull }

func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }
func (s *IOStreams) ColorEnabled() bool     { return s.colorEnabled }

// TerminalWidth is the width output should fit, 0 for "do not cut".
func (s *IOStreams) TerminalWidth() int {
	if !s.HumanLayout() || s.termWidth == nil {
		return 0
	}
	return s.termWidth()
}

// ColorScheme returns colour helpers that honour this stream's colour
// setting rather than fatih/color's own global detection, so that
// --no-color and tests behave the same everywhere.
func (s *IOStreams) ColorScheme() *ColorScheme {
	return &ColorScheme{enabled: s.colorEnabled}
}

type ColorScheme struct{ enabled bool }

func (c *ColorScheme) paint(attr color.Attribute, text string) string {
	if !c.enabled {
		return text
	}
	p := color.New(attr)
	p.EnableColor()
	return p.Sprint(text)
}

func (c *ColorScheme) Red(s string) string    { return c.paint(color.FgRed, s) }
func (c *ColorScheme) Yellow(s string) string { return c.paint(color.FgYellow, s) }
func (c *ColorScheme) Green(s string) string  { return c.paint(color.FgGreen, s) }

func isNullDevice(f *os.File) bool {
	st, err := f.Stat()
	if err != nil {
		return false
	}
	null, err := os.Stat(os.DevNull)
	if err != nil {
		return false
	}
	return os.SameFile(st, null)
}
