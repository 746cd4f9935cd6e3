package tokens

import (
	"fmt"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/glob"
)

// Filter selects tokens. Every condition that is set must hold; the zero
// Filter selects everything. Build one with the Set methods, which reject
// values that would silently widen a selection.
type Filter struct {
	expiringWithin time.Duration
	expired        bool
	comment        *glob.Pattern
	commentText    string
	commentExact   *string
	createdBefore  time.Duration
	noExpiry       bool
	unusedFor      time.Duration
	neverUsed      bool
	owner          string
	parts          []string
}

// SetExpiringWithin keeps tokens that expire within d (expired ones included).
func (f *Filter) SetExpiringWithin(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("must be longer than zero")
	}
	f.expiringWithin = d
	f.parts = append(f.parts, "expiring within "+span(d))
	return f.check()
}

// SetExpired keeps tokens past their expiry time.
func (f *Filter) SetExpired() error {
	f.expired = true
	f.parts = append(f.parts, "expired")
	return f.check()
}

// SetNoExpiry keeps tokens that never expire.
func (f *Filter) SetNoExpiry() error {
	f.noExpiry = true
	f.parts = append(f.parts, "never expiring")
	return f.check()
}

// SetUnusedFor keeps tokens not used for longer than d (never used ones
// since their creation). Only listings with last use can answer it.
func (f *Filter) SetUnusedFor(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("must be longer than zero")
	}
	f.unusedFor = d
	f.parts = append(f.parts, "unused for more than "+span(d))
	return nil
}

// SetNeverUsed keeps tokens that never signed in.
func (f *Filter) SetNeverUsed() {
	f.neverUsed = true
	f.parts = append(f.parts, "never used")
}

// SetOwner keeps tokens owned by name: a user name, a service
// principal's application ID or display name, or a numeric principal ID.
// Only listings with owners can answer it, once ResolveOwners has named
// them. An empty name is refused, as for --comment.
func (f *Filter) SetOwner(name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("is empty")
	}
	f.owner = name
	f.parts = append(f.parts, fmt.Sprintf("owned by %s", name))
	return nil
}

// NeedsOwners reports whether the filter asks who owns a token, which only
// the Token Management API (admins) lists, and only the directory names:
// call ResolveOwners with all set before Match.
func (f *Filter) NeedsOwners() bool { return f.owner != "" }

// WithoutOwner is the filter without its owner test, for a listing to be
// matched as it arrives, before the directory can name the owners.
func (f Filter) WithoutOwner() Filter {
	f.owner = ""
	return f
}

// Owner is the --owner name, "" if none.
func (f *Filter) Owner() string { return f.owner }

// NeedsLastUse reports whether the filter asks about last use, which only
// the Token Management API (admins) lists.
func (f *Filter) NeedsLastUse() bool { return f.unusedFor > 0 || f.neverUsed }

// ExpiringWithin is the --expiring-within window, 0 when not given.
func (f *Filter) ExpiringWithin() time.Duration { return f.expiringWithin }

// SetCreatedBefore keeps tokens created more than d ago.
func (f *Filter) SetCreatedBefore(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("must be longer than zero")
	}
	f.createdBefore = d
	f.parts = append(f.parts, "created more than "+span(d)+" ago")
	return nil
}

// SetComment keeps tokens whose comment matches the glob pattern. An empty
// pattern is refused: `--comment "$UNSET"` must not mean "any comment".
func (f *Filter) SetComment(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("is empty")
	}
	p, err := glob.Compile(pattern)
	if err != nil {
		return fmt.Errorf("%q is not a valid pattern: %v", pattern, err)
	}
	f.comment, f.commentText = p, pattern
	f.parts = append(f.parts, fmt.Sprintf("comment matching %q", pattern))
	return nil
}

// SetCommentExact keeps tokens whose comment is exactly text; an empty
// text means tokens without a comment.
func (f *Filter) SetCommentExact(text string) {
	f.commentExact = &text
	if text == "" {
		f.parts = append(f.parts, "without a comment")
	} else {
		f.parts = append(f.parts, fmt.Sprintf("comment %q", text))
	}
}

func (f *Filter) check() error {
	if f.noExpiry && (f.expired || f.expiringWithin > 0) {
		return fmt.Errorf("--no-expiry cannot be combined with --expired or --expiring-within: no token matches both")
	}
	return nil
}

// Active reports whether any condition is set.
func (f *Filter) Active() bool { return len(f.parts) > 0 }

// Match reports whether t meets every condition at time now.
func (f *Filter) Match(t Token, now time.Time) bool {
	exp, expires := t.Expires()
	// A token stops working at its expiry or, when it goes unused, at the
	// 90-day rule's revocation, whichever comes first (when last use is
	// listed): --expiring-within catches both.
	ends, _, ends0 := t.Ends()
	lastUsed, known := t.LastUsed()
	switch {
	case f.noExpiry && expires:
		return false
	case f.expired && (!expires || exp.After(now)):
		return false
	case f.expiringWithin > 0 && (!ends0 || ends.After(now.Add(f.expiringWithin))):
		return false
	case f.neverUsed && !t.NeverUsed():
		return false
	case f.unusedFor > 0 && (!known || idleSince(t, lastUsed).After(now.Add(-f.unusedFor))):
		return false
	case f.createdBefore > 0 && t.Created().After(now.Add(-f.createdBefore)):
		return false
	case f.comment != nil && !f.comment.Match(t.Comment):
		return false
	case f.commentExact != nil && t.Comment != *f.commentExact:
		return false
	case f.owner != "" && !t.OwnedBy(f.owner):
		return false
	}
	return true
}

// idleSince is when a token was last used, or created if never used.
func idleSince(t Token, lastUsed time.Time) time.Time {
	if lastUsed.IsZero() {
		return t.Created()
	}
	// Last use is a day: the token may have been used until its end.
	return lastUsed.Add(24 * time.Hour)
}

// Apply returns the tokens that match, in their original order.
func (f *Filter) Apply(list []Token, now time.Time) []Token {
	if !f.Active() {
		return list
	}
	var out []Token
	for _, t := range list {
		if f.Match(t, now) {
			out = append(out, t)
		}
	}
	return out
}

// Describe says in words what the filter selects, for messages.
func (f *Filter) Describe() string { return strings.Join(f.parts, ", ") }

// CommentPattern is the --comment glob, "" if none.
func (f *Filter) CommentPattern() string { return f.commentText }

// span renders a duration as a person typed it: days when whole.
func span(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}
