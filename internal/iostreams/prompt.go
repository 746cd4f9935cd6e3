package iostreams

import (
	"bufio"
	"context"
	"fmt"
	"strings"
)

// CanPrompt reports whether a person can answer a question: both stdin
// and stdout are terminals.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

// Confirm asks a yes/no question on stderr and reads the answer from
// stdin; anything but y or yes is no. Ctrl-C (ctx cancelled) abandons the
// question with ctx's error.
func (s *IOStreams) Confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	line, err := s.ReadLine(ctx)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// ReadLine reads one line of the user's answer from stdin, giving up with
// ctx's error when ctx ends (Ctrl-C) rather than blocking on the terminal.
func (s *IOStreams) ReadLine(ctx context.Context) (string, error) {
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(s.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(s.ErrOut)
		return "", ctx.Err()
	case line := <-answer:
		return line, nil
	}
}
