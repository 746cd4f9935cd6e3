// Package shared renders tokens for the token commands: the stable JSON
// objects scripts rely on and the table cells people read.
package shared

import (
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/dbtok/dbtok/internal/iostreams"
	"github.com/dbtok/dbtok/internal/output"
	"github.com/dbtok/dbtok/internal/tokens"
)

// TokenJSON is the documented JSON shape of a token. Field names follow the
// API; created_at/expires_at add RFC 3339 times for people and jq.
type TokenJSON struct {
	TokenID      string  `json:"token_id"`
	Comment      string  `json:"comment"`
	CreationTime int64   `json:"creation_time"`
	ExpiryTime   int64   `json:"expiry_time"`
	CreatedAt    string  `json:"created_at"`
	ExpiresAt    *string `json:"expires_at"`
}

func ToJSON(t tokens.Token) TokenJSON {
	j := TokenJSON{
		TokenID:      t.ID,
		Comment:      t.Comment,
		CreationTime: t.CreationTime,
		ExpiryTime:   -1,
		CreatedAt:    output.Timestamp(t.Created()),
	}
	if exp, ok := t.Expires(); ok {
		j.ExpiryTime = t.ExpiryTime
		s := output.Timestamp(exp)
		j.ExpiresAt = &s
	}
	return j
}

// SoonThreshold is when an expiring token starts to be highlighted.
const SoonThreshold = 7 * 24 * time.Hour

// ExpiresCell is relative on a terminal ("in 12d", "expired", "never") and
// an absolute timestamp otherwise, where it may be parsed.
func ExpiresCell(now time.Time, t tokens.Token, tty bool) string {
	exp, ok := t.Expires()
	switch {
	case !ok:
		return "never"
	case !tty:
		return output.Timestamp(exp)
	case !exp.After(now):
		return "expired"
	}
	return output.Relative(now, exp)
}

func CreatedCell(now time.Time, t tokens.Token, tty bool) string {
	if !tty {
		return output.Timestamp(t.Created())
	}
	return output.Relative(now, t.Created())
}

// RowPaint colours expired tokens red and soon-expiring ones yellow.
func RowPaint(cs *iostreams.ColorScheme, now time.Time, t tokens.Token) func(string) string {
	exp, ok := t.Expires()
	switch {
	case !ok:
		return nil
	case !exp.After(now):
		return cs.Red
	case exp.Sub(now) < SoonThreshold:
		return cs.Yellow
	}
	return nil
}

// ShortIDLen is how much of a token ID a terminal table shows: a 64-digit
// ID would leave no room for the comment. revoke accepts such prefixes.
const ShortIDLen = 12

// IDCell shortens IDs on a terminal; scripts reading a table get them whole.
func IDCell(id string, tty bool) string {
	if tty && len(id) > ShortIDLen {
		return id[:ShortIDLen]
	}
	return id
}

// FullIDLen is the length of a Databricks token ID; shorter IDs given to
// revoke are taken as prefixes, of at least MinPrefixLen characters, so that
// a stray "a" can never pick a token.
const (
	FullIDLen    = 64
	MinPrefixLen = 8
)

var validID = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ValidateIDs rejects IDs that cannot be token IDs before any request is
// made: token IDs are hexadecimal, so spaces, slashes and dots are typos or
// worse (a "../" path segment).
func ValidateIDs(ids []string) error {
	for _, id := range ids {
		if id == "" {
			return cmdutil.FlagErrorf("empty token ID: pass the IDs shown by `dbtok list`")
		}
		if !validID.MatchString(id) {
			return cmdutil.FlagErrorf("invalid token ID %q: token IDs contain only letters, digits, - and _ (see `dbtok list`)", output.Sanitize(id))
		}
		if len(id) < MinPrefixLen {
			return cmdutil.FlagErrorf("token ID %q is too short: give the whole ID, or at least its first %d characters (see `dbtok list`)", id, MinPrefixLen)
		}
	}
	return nil
}

// WriteTokenInfo writes a new token's details as "Label: value" lines, the
// expiry also relative on a terminal.
func WriteTokenInfo(w io.Writer, t tokens.Token, now time.Time, tty bool) {
	expires := ExpiresCell(now, t, false)
	if exp, ok := t.Expires(); ok && tty {
		expires += " (" + output.Relative(now, exp) + ")"
	}
	for _, r := range [][2]string{
		{"Token ID:", t.ID},
		{"Comment:", output.Sanitize(t.Comment)},
		{"Created:", output.Timestamp(t.Created())},
		{"Expires:", expires},
	} {
		fmt.Fprintf(w, "%-10s %s\n", r[0], r[1])
	}
}

// CopyNowWarning tells a person at a terminal that a value printed once
// will not be shown again.
func CopyNowWarning(io *iostreams.IOStreams) {
	fmt.Fprintln(io.ErrOut, io.ColorScheme().Yellow("!")+" Copy the token now: it cannot be shown again.")
}
