// Package fanout runs one piece of work per workspace profile, several at
// a time, and hands the results back in profile order.
package fanout

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/dbtok/dbtok/internal/databrickscfg"
	"github.com/dbtok/dbtok/internal/glob"
)

// Adaptive, as the parallel argument of Run and Each, works on as many
// items at once as Limit allows: each mostly waits on the network, so 500
// workspaces cost about one round trip, not 16 rounds of a fixed pool of
// 32. Requests to any one host are paced by that host's own answers (429
// with Retry-After; see package workspace), not by this bound.
const Adaptive = 0

// MaxParallel is the sane cap of Adaptive: beyond it, goroutines and
// connections cost more than the waits they overlap save.
const MaxParallel = 1024

// reservedFiles are the open files kept back for everything else a run
// opens (standard streams, the config file and its lock, state files).
const reservedFiles = 64

// Limit is how many items are worked on at once: parallel when given
// (--parallel), else as many as open files allow (each request in flight
// holds a connection), up to MaxParallel.
func Limit(parallel int) int {
	if parallel > 0 {
		return parallel
	}
	return max(1, min(MaxParallel, openFiles()-reservedFiles))
}

// Select returns the profiles to work on, in config-file order: all of
// them, or those matching any of patterns (globs, e.g. "prod-*"). A
// pattern that matches nothing is an error, so a typo is not silently
// "no tokens".
func Select(f *databrickscfg.File, all bool, patterns []string) ([]string, error) {
	if all {
		if len(f.Profiles) == 0 {
			return nil, fmt.Errorf("%s has no profiles", f.Path)
		}
		return f.Names(), nil
	}
	seen := map[string]bool{}
	for _, pat := range patterns {
		pat = strings.TrimSpace(pat)
		g, err := glob.Compile(pat)
		if err != nil || pat == "" {
			return nil, fmt.Errorf("invalid profile pattern %q", pat)
		}
		matched := false
		for _, name := range f.Names() {
			if g.Match(name) {
				matched = true
				seen[name] = true
			}
		}
		if !matched {
			return nil, fmt.Errorf("no profile in %s matches %q; available profiles: %s", f.Path, pat, strings.Join(f.Names(), ", "))
		}
	}
	// Keep the file's order whatever the order of the patterns.
	var ordered []string
	for _, name := range f.Names() {
		if seen[name] {
			ordered = append(ordered, name)
		}
	}
	return ordered, nil
}

// Result is one profile's outcome.
type Result[T any] struct {
	Profile string
	Value   T
	Err     error
}

// Run calls fn for every profile, at most Limit(parallel) at a time, and returns
// the results in the order of profiles. A failing profile does not stop
// the others.
func Run[T any](ctx context.Context, profiles []string, parallel int, fn func(ctx context.Context, profile string) (T, error)) []Result[T] {
	parallel = Limit(parallel)
	results := make([]Result[T], len(profiles))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, p := range profiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = Result[T]{Profile: p, Err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			v, err := fn(ctx, p)
			results[i] = Result[T]{Profile: p, Value: v, Err: err}
		}()
	}
	wg.Wait()
	return results
}

// Each is Run for work without a result: at most Limit(parallel) calls of
// fn at once over items, stopping early only when ctx ends.
func Each[T any](ctx context.Context, items []T, parallel int, fn func(ctx context.Context, item T)) {
	parallel = Limit(parallel)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(ctx, it)
		}()
	}
	wg.Wait()
}
