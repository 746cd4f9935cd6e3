package shared

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/glob"
	"github.com/dbtok/dbtok/internal/lifetime"
	"github.com/dbtok/dbtok/internal/tokens"
	"github.com/spf13/pflag"
)

// Filter selects tokens for list and revoke. Every condition given must
// hold.
type Filter struct {
	ExpiringWithin string
	Expired        bool
	Comment        string
	CreatedBefore  string
	NoExpiry       bool

	within, age time.Duration
	comment     *glob.Pattern
}

func (f *Filter) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.ExpiringWithin, "expiring-within", "", "only tokens that expire within `DURATION` (e.g. 14d), expired ones included")
	fs.BoolVar(&f.Expired, "expired", false, "only tokens past their expiry time")
	fs.StringVar(&f.Comment, "comment", "", "only tokens whose comment matches `GLOB` (* ? [...])")
	fs.StringVar(&f.CreatedBefore, "created-before", "", "only tokens created more than `DURATION` ago (e.g. 90d)")
	fs.BoolVar(&f.NoExpiry, "no-expiry", false, "only tokens that never expire")
}

// Parse validates the flags; call it before any request.
func (f *Filter) Parse() error {
	if f.ExpiringWithin != "" {
		secs, err := lifetime.Parse(f.ExpiringWithin)
		if err != nil {
			return cmdutil.FlagErrorf("--expiring-within: %s", strings.TrimPrefix(err.Error(), "lifetime "))
		}
		f.within = time.Duration(secs) * time.Second
	}
	if f.CreatedBefore != "" {
		secs, err := lifetime.Parse(f.CreatedBefore)
		if err != nil {
			return cmdutil.FlagErrorf("--created-before: %s", strings.TrimPrefix(err.Error(), "lifetime "))
		}
		f.age = time.Duration(secs) * time.Second
	}
	if f.Comment != "" {
		p, err := glob.Compile(f.Comment)
		if err != nil {
			return cmdutil.FlagErrorf("--comment %q is not a valid pattern: %v", f.Comment, err)
		}
		f.comment = p
	}
	if f.NoExpiry && (f.Expired || f.ExpiringWithin != "") {
		return cmdutil.FlagErrorf("--no-expiry cannot be combined with --expired or --expiring-within: no token matches both")
	}
	return nil
}

// Active reports whether any condition was given.
func (f *Filter) Active() bool {
	return f.ExpiringWithin != "" || f.Expired || f.Comment != "" || f.CreatedBefore != "" || f.NoExpiry
}

func (f *Filter) Match(t tokens.Token, now time.Time) bool {
	exp, expires := t.Expires()
	switch {
	case f.NoExpiry && expires:
		return false
	case f.Expired && (!expires || exp.After(now)):
		return false
	case f.within > 0 && (!expires || exp.After(now.Add(f.within))):
		return false
	case f.age > 0 && t.Created().After(now.Add(-f.age)):
		return false
	case f.comment != nil && !f.comment.Match(t.Comment):
		return false
	}
	return true
}

// Apply returns the tokens that match, in their original order.
func (f *Filter) Apply(list []tokens.Token, now time.Time) []tokens.Token {
	if !f.Active() {
		return list
	}
	var out []tokens.Token
	for _, t := range list {
		if f.Match(t, now) {
			out = append(out, t)
		}
	}
	return out
}

// Sort orders list by key: "expiry" (soonest first, never last),
// "created" (oldest first) or "comment". Ties fall back to creation time,
// then ID, so output is stable.
func Sort(list []tokens.Token, key string) {
	expiry := func(t tokens.Token) int64 {
		if t.ExpiryTime <= 0 {
			return 1<<63 - 1
		}
		return t.ExpiryTime
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch key {
		case "comment":
			if a.Comment != b.Comment {
				return a.Comment < b.Comment
			}
		case "created":
		default:
			if expiry(a) != expiry(b) {
				return expiry(a) < expiry(b)
			}
		}
		if a.CreationTime != b.CreationTime {
			return a.CreationTime < b.CreationTime
		}
		return a.ID < b.ID
	})
}

// SortKeys are the accepted --sort values.
var SortKeys = []string{"expiry", "created", "comment"}

func ValidateSort(key string) error {
	for _, k := range SortKeys {
		if k == key {
			return nil
		}
	}
	return cmdutil.FlagErrorf("--sort %q: use one of %s", key, strings.Join(SortKeys, ", "))
}

// Describe says in words what the filter selects, for messages.
func (f *Filter) Describe() string {
	var parts []string
	if f.Comment != "" {
		parts = append(parts, fmt.Sprintf("comment matching %q", f.Comment))
	}
	if f.Expired {
		parts = append(parts, "expired")
	}
	if f.ExpiringWithin != "" {
		parts = append(parts, "expiring within "+f.ExpiringWithin)
	}
	if f.CreatedBefore != "" {
		parts = append(parts, "created more than "+f.CreatedBefore+" ago")
	}
	if f.NoExpiry {
		parts = append(parts, "never expiring")
	}
	return strings.Join(parts, ", ")
}
