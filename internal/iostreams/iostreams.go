// Package iostreams bundles the process's standard streams with what dbtok
// needs to know about them: whether stdout is a terminal and whether colour is on.
package iostreams

import (
	"bytes"
	"io"
	"os"

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
	stdinTTY     bool
	colorEnabled bool
	termWidth    func() int
}

// System wires up the real stdin/stdout/stderr and reads the colour
// conventions gh and most modern CLIs follow: NO_COLOR and CLICOLOR=0 turn
// colour off, CLICOLOR_FORCE turns it on even when piped.
func System() *IOStreams {
	stdoutTTY := isTerminal(os.Stdout)
	s := &IOStreams{
		In:         os.Stdin,
		Out:        os.Stdout,
		ErrOut:     os.Stderr,
		stdoutTTY:  stdoutTTY,
		stdoutNull: isNullDevice(os.Stdout),
		stdinTTY:   isTerminal(os.Stdin),
		termWidth: func() int {
			w, _, err := term.GetSize(int(os.Stdout.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
	}
	s.colorEnabled = colorFromEnv(os.Getenv, stdoutTTY)
	return s
}

func colorFromEnv(getenv func(string) string, tty bool) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	if f := getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	if getenv("CLICOLOR") == "0" {
		return false
	}
	return tty
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Test returns streams backed by buffers, for unit tests of run functions.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, termWidth: func() int { return 0 }}, in, out, errOut
}

func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStdoutDiscarded reports stdout going to the null device, which is also
// where the Go runtime points a stdout that was closed at start-up.
func (s *IOStreams) IsStdoutDiscarded() bool { return s.stdoutNull }
func (s *IOStreams) SetColorEnabled(v bool)  { s.colorEnabled = v }

// TerminalWidth is 0 when stdout is not a terminal, meaning "do not truncate".
func (s *IOStreams) TerminalWidth() int {
	if !s.stdoutTTY || s.termWidth == nil {
		return 0
	}
	return s.termWidth()
}

// ColorScheme returns colour helpers that honour this stream's colour setting
// rather than fatih/color's own global detection, so that --no-color and
// tests behave the same everywhere.
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
