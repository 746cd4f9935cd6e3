//go:build !unix

package cmdutil

import "os/exec"

// detach: a child started without the shell's streams does not hold up
// the shell on Windows either.
func detach(*exec.Cmd) {}
