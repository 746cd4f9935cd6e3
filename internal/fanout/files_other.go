//go:build !unix

package fanout

// openFiles: Windows has no per-process limit on sockets that a CLI could
// reach; the cap alone applies.
func openFiles() int { return MaxParallel + reservedFiles }
