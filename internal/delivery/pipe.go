package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/redact"
)

// Pipe is --pipe-to COMMAND: the command runs under sh with the value on
// its standard input and nowhere else (not in its arguments, which other
// users can read in ps, and not in its environment, which its children
// inherit). The value has no trailing newline, so that a command storing
// all of its input (gh secret set, vault kv put k=-) stores exactly the
// token. A non-zero exit is a failed delivery.
type Pipe struct {
	command string
	shell   string
	timeout time.Duration
	// output receives what the command prints, both streams, with every
	// known secret masked: its own stdout must not mix with dbtok's.
	output io.Writer
}

// outputLimit bounds what is kept of a command's output: the end of it,
// where the error usually is.
const outputLimit = 64 << 10

// PreparePipe checks that command can be run before the token exists.
func PreparePipe(command string, timeout time.Duration, output io.Writer) (*Pipe, error) {
	if strings.TrimSpace(command) == "" {
		return nil, failure.Usagef("--pipe-to needs a command, e.g. --pipe-to 'gh secret set DATABRICKS_TOKEN'")
	}
	shell, err := exec.LookPath("sh")
	if err != nil {
		return nil, failure.Usagef("--pipe-to runs its command with sh, which is not on PATH")
	}
	return &Pipe{command: command, shell: shell, timeout: timeout, output: output}, nil
}

func (p *Pipe) String() string { return fmt.Sprintf("the command %q", p.command) }

func (p *Pipe) Target() Target { return Target{Type: "command", Command: p.command} }

func (p *Pipe) Close() {}

func (p *Pipe) Deliver(ctx context.Context, item Item) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.shell, "-c", p.command)
	cmd.Stdin = strings.NewReader(item.Value.Reveal())
	out := &tail{max: outputLimit}
	cmd.Stdout, cmd.Stderr = out, out
	// What the command may want to know about the token, never its value:
	// e.g. --pipe-to 'vault kv put secret/databricks/$DBTOK_PROFILE token=-'.
	expires := ""
	if at, ok := item.Token.Expires(); ok {
		expires = at.UTC().Format(time.RFC3339)
	}
	cmd.Env = append(os.Environ(),
		"DBTOK_TOKEN_ID="+item.Token.ID,
		"DBTOK_HOST="+item.Place.Host,
		"DBTOK_PROFILE="+item.Place.Profile,
		"DBTOK_EXPIRY_TIME="+expires,
	)
	ownGroup(cmd)
	// A background child that keeps the output pipes open must not keep
	// dbtok waiting: after a signal, the clean-up (revoking the token
	// nobody received) must run well within the two seconds root allows.
	cmd.WaitDelay = 500 * time.Millisecond
	err := cmd.Run()
	if s := strings.TrimRight(out.String(), "\n"); s != "" {
		fmt.Fprintln(p.output, redact.String(s))
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() == context.DeadlineExceeded:
		return fmt.Errorf("the command %q did not finish within %s and was stopped (raise --timeout if it needs longer)", p.command, p.timeout)
	case ctx.Err() != nil:
		return failure.Interrupted(ctx.Err())
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return fmt.Errorf("the command %q failed with exit status %d", p.command, exit.ExitCode())
	}
	return fmt.Errorf("the command %q failed: %v", p.command, err)
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	buf []byte
	cut bool
}

func (t *tail) Write(b []byte) (int, error) {
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.cut = true
	}
	return len(b), nil
}

func (t *tail) String() string {
	if t.cut {
		return "[...]" + string(t.buf)
	}
	return string(t.buf)
}
