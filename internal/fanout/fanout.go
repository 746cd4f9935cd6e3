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

// DefaultParallel bounds how many workspaces are worked on at once: enough
// that twenty workspaces cost about as much as one, as each mostly waits
// on the network.
const DefaultParallel = 32

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

// Run calls fn for every profile, at most parallel at a time, and returns
// the results in the order of profiles. A failing profile does not stop
// the others.
func Run[T any](ctx context.Context, profiles []string, parallel int, fn func(ctx context.Context, profile string) (T, error)) []Result[T] {
	if parallel < 1 {
		parallel = 1
	}
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

// Each is Run for work without a result: at most parallel calls of fn at
// once over items, stopping early only when ctx ends.
func Each[T any](ctx context.Context, items []T, parallel int, fn func(ctx context.Context, item T)) {
	if parallel < 1 {
		parallel = 1
	}
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
