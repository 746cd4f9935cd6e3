package iostreams

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CanPrompt reports whether a person can be asked: there is a controlling
// terminal (stdout may still be piped: questions go to the terminal, not
// into the pipe) and DBTOK_PROMPT_DISABLED is not set.
func (s *IOStreams) CanPrompt() bool {
	_, err := s.openTTY()
	return err == nil
}

// ErrNoTerminal is returned by prompts when there is no one to ask.
var ErrNoTerminal = errors.New("no terminal to ask on")

// Terminal opens the controlling terminal for writing a plan or a list
// above a question. The caller closes it.
func (s *IOStreams) Terminal() (io.Writer, error) {
	t, err := s.openTTY()
	if err != nil {
		return nil, err
	}
	return t.rw, nil
}

// Confirm asks a yes/no question on the terminal; anything but y or yes is
// no. Ctrl-C (ctx cancelled) abandons the question with ctx's error.
func (s *IOStreams) Confirm(ctx context.Context, question string) (bool, error) {
	answer, err := s.Ask(ctx, question+" [y/N] ")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// Ask writes prompt on the terminal and reads one line of answer, giving
// up with ctx's error when ctx ends (Ctrl-C) rather than blocking. At the
// end of input (Ctrl-D) it returns "" after moving to a new line, so the
// next output does not start after the prompt.
func (s *IOStreams) Ask(ctx context.Context, prompt string) (string, error) {
	t, err := s.openTTY()
	if err != nil {
		return "", err
	}
	fmt.Fprint(t.rw, prompt)
	type result struct {
		line string
		err  error
	}
	answer := make(chan result, 1)
	go func() {
		line, err := t.r.ReadString('\n')
		answer <- result{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(t.rw)
		return "", ctx.Err()
	case r := <-answer:
		if r.err != nil && !strings.HasSuffix(r.line, "\n") {
			fmt.Fprintln(t.rw)
		}
		return strings.TrimRight(r.line, "\r\n"), nil
	}
}

// ttySession is the controlling terminal, opened once per run: one reader
// keeps what a person typed ahead for the next question.
type ttySession struct {
	rw io.ReadWriteCloser
	r  *bufio.Reader
}

func (s *IOStreams) openTTY() (*ttySession, error) {
	if s.promptDisabled || s.terminal == nil {
		return nil, ErrNoTerminal
	}
	if s.tty == nil {
		rw, err := s.terminal()
		if err != nil {
			return nil, ErrNoTerminal
		}
		s.tty = &ttySession{rw: rw, r: bufio.NewReader(rw)}
	}
	return s.tty, nil
}
