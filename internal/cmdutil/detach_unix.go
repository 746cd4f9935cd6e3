//go:build unix

package cmdutil

import (
	"os/exec"
	"syscall"
)

// detach runs cmd in a session of its own, so that the terminal's signals
// (Ctrl-C at the next prompt) are not sent to it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
