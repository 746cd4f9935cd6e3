// Package memlimit is dbtok's soft memory limit. It keeps the heap small
// (the garbage collector does not let it double before collecting) but
// moves up with what a command holds on purpose: a list of a million
// tokens kept for sorting is live, and a limit below it would make the
// collector run thousands of times for nothing.
package memlimit

import (
	"runtime/debug"
	"sync/atomic"
)

var base, held atomic.Int64

// Set sets the limit at the start of a run; without it (the user's
// GOMEMLIMIT wins) Hold does nothing.
func Set(limit int64) {
	base.Store(limit)
	debug.SetMemoryLimit(limit)
}

// Hold says n more bytes are held on purpose until the run ends. The
// limit becomes what is held plus half the base limit, once that is more
// than the base: room for the garbage made while the rows are read and
// printed, so the collector runs tens of times for a million tokens, not
// thousands, while the heap still never doubles.
func Hold(n int64) {
	b := base.Load()
	if b == 0 {
		return
	}
	debug.SetMemoryLimit(max(b, held.Add(n)+b/2))
}
