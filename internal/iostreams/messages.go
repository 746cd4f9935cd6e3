package iostreams

import (
	"fmt"
	"strings"

	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/redact"
)

// Every line dbtok writes to stderr goes through here: it may carry text
// from a server or a config file, so control characters are escaped,
// whitespace folded to one line, and every known credential scrubbed.

func (s *IOStreams) line(prefix, format string, args []any) {
	msg := strings.Join(strings.Fields(output.Sanitize(fmt.Sprintf(format, args...))), " ")
	if prefix != "" {
		msg = prefix + " " + msg
	}
	fmt.Fprintln(s.ErrOut, redact.String(msg))
}

// Errorf writes dbtok's one-line error: "Error: " and the message.
func (s *IOStreams) Errorf(format string, args ...any) {
	s.line("Error:", format, args)
}

// Warnf writes "Warning: ..." for something that did not stop the command.
func (s *IOStreams) Warnf(format string, args ...any) {
	s.line(s.ColorScheme().Yellow("Warning:"), format, args)
}

// Notef writes "Note: ..." for something worth knowing.
func (s *IOStreams) Notef(format string, args ...any) {
	s.line("Note:", format, args)
}

// Successf writes "✓ ..." for a step that was done.
func (s *IOStreams) Successf(format string, args ...any) {
	s.line(s.ColorScheme().Green("✓"), format, args)
}

// Infof writes a plain line.
func (s *IOStreams) Infof(format string, args ...any) {
	s.line("", format, args)
}
