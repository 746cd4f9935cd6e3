package tokens

import (
	"fmt"
	"sort"
	"strings"
)

// Unsorted keeps a list in the workspace's order, which lets it be
// printed as it arrives.
const Unsorted = "none"

// SortKeys are the orders a list can have.
var SortKeys = []string{"expiry", "created", "comment", Unsorted}

// ValidSortKey reports whether key is one of SortKeys.
func ValidSortKey(key string) bool {
	for _, k := range SortKeys {
		if k == key {
			return true
		}
	}
	return false
}

// Sort orders list by key: "expiry" (soonest first, never last), "created"
// (oldest first), "comment" (case-insensitive) or "none" (as it is). Ties fall back to
// creation time, then ID, so output is stable.
func Sort(list []Token, key string) {
	if mustSortKey(key); key == Unsorted {
		return
	}
	expiry := func(t Token) int64 { return expiryKey(t.ExpiryTime) }
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch key {
		case "comment":
			ac, bc := strings.ToLower(a.Comment), strings.ToLower(b.Comment)
			if ac != bc {
				return ac < bc
			}
		case "expiry":
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

func mustSortKey(key string) {
	// Unsorted is valid: callers return before sorting.
	if !ValidSortKey(key) {
		panic(fmt.Sprintf("tokens: unknown sort key %q", key))
	}
}

// expiryKey sorts a token that never expires last.
func expiryKey(expiry int64) int64 {
	if expiry <= 0 {
		return 1<<63 - 1
	}
	return expiry
}
