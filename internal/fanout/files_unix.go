//go:build unix

package fanout

import (
	"math"
	"syscall"
)

// openFiles is the soft limit on open files (which the Go runtime raises
// to the hard limit at start-up).
func openFiles() int {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || l.Cur > math.MaxInt32 {
		return MaxParallel + reservedFiles
	}
	return int(l.Cur)
}
