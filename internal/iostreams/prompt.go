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
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(s.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(s.ErrOut)
		return false, ctx.Err()
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}
