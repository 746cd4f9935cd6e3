//go:build unix

package delivery

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own and, when its context
// ends (a deadline, Ctrl-C, SIGTERM), stops the whole group: the shell and
// whatever it started, so that no grandchild outlives dbtok holding the
// token on its stdin.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
