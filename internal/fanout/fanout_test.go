package fanout

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dbtok/dbtok/internal/databrickscfg"
)

func file(names ...string) *databrickscfg.File {
	f := &databrickscfg.File{Path: "cfg"}
	for _, n := range names {
		f.Profiles = append(f.Profiles, databrickscfg.Profile{Name: n, Keys: map[string]string{"host": "h"}})
	}
	return f
}

func TestSelect(t *testing.T) {
	f := file("DEFAULT", "prod-eu", "dev", "prod-us", "acme.prod")
	for _, c := range []struct {
		all      bool
		patterns []string
		want     []string
		err      string
	}{
		{all: true, want: []string{"DEFAULT", "prod-eu", "dev", "prod-us", "acme.prod"}},
		{patterns: []string{"prod-*"}, want: []string{"prod-eu", "prod-us"}},
		{patterns: []string{"dev", "prod-eu", "dev"}, want: []string{"prod-eu", "dev"}},
		{patterns: []string{"*.prod"}, want: []string{"acme.prod"}},
		{patterns: []string{"staging"}, err: `no profile in cfg matches "staging"`},
		{patterns: []string{"[bad"}, err: `invalid profile pattern "[bad"`},
	} {
		got, err := Select(f, c.all, c.patterns)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: err = %v, want %q", c.patterns, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: got %v %v, want %v", c.patterns, got, err, c.want)
		}
	}
}

func TestRunIsBoundedOrderedAndIsolatesFailures(t *testing.T) {
	profiles := []string{"a", "b", "c", "d", "e", "f"}
	var running, peak atomic.Int32
	res := Run(context.Background(), profiles, 2, func(ctx context.Context, p string) (string, error) {
		n := running.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		if p == "c" {
			return "", errors.New("boom")
		}
		return strings.ToUpper(p), nil
	})
	if peak.Load() > 2 {
		t.Errorf("ran %d at once, limit 2", peak.Load())
	}
	for i, r := range res {
		if r.Profile != profiles[i] {
			t.Fatalf("result %d is %s, want %s", i, r.Profile, profiles[i])
		}
		if (r.Err != nil) != (r.Profile == "c") {
			t.Errorf("%s: err = %v", r.Profile, r.Err)
		}
		if r.Err == nil && r.Value != strings.ToUpper(r.Profile) {
			t.Errorf("%s: value %q", r.Profile, r.Value)
		}
	}
}

// Without --parallel, many workspaces are waited on at once, not in rounds
// of a fixed pool: every call here waits until all 300 have started.
func TestAdaptiveRunsEveryItemAtOnce(t *testing.T) {
	const n = 300
	if Limit(Adaptive) < n {
		t.Skipf("open-file limit allows only %d at once", Limit(Adaptive))
	}
	items := make([]int, n)
	var started atomic.Int32
	all := make(chan struct{})
	var timedOut atomic.Bool
	Each(context.Background(), items, Adaptive, func(ctx context.Context, _ int) {
		if started.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			timedOut.Store(true)
		}
	})
	if timedOut.Load() {
		t.Fatalf("only %d of %d ran at once", started.Load(), n)
	}
}

func TestLimit(t *testing.T) {
	if got := Limit(5); got != 5 {
		t.Errorf("Limit(5) = %d: --parallel must cap", got)
	}
	if got := Limit(Adaptive); got < 1 || got > MaxParallel {
		t.Errorf("Limit(Adaptive) = %d, want 1..%d", got, MaxParallel)
	}
}
