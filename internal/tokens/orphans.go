package tokens

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dbtok/dbtok/internal/failure"
)

// CleanupTime bounds clean-up after a failure that used up the wait
// (a timeout) or that the user interrupted: the first Ctrl-C ends dbtok
// within a second, clean-up included, and a timeout ends it within
// --timeout and a second.
const CleanupTime = 800 * time.Millisecond

// CleanupContext is the context clean-up runs under after cause: not
// cancelled by Ctrl-C (clean-up must still run), and short when the cause
// was a timeout or an interrupt; otherwise each call gets the usual
// --timeout.
func CleanupContext(ctx context.Context, cause error) (context.Context, context.CancelFunc) {
	base := context.WithoutCancel(ctx)
	k := failure.KindOf(cause)
	if ctx.Err() != nil || k == failure.KindTimeout || k == failure.KindCanceled {
		return context.WithTimeout(base, CleanupTime)
	}
	return context.WithCancel(base)
}

// Orphans are the tokens a failed create may have left: created at or
// after the attempt started, with its comment, and not among known (the
// tokens that existed before, and those delivered since).
func Orphans(list []Token, comment string, started time.Time, known map[string]bool) []Token {
	var out []Token
	startMs := started.UnixMilli()
	for _, t := range list {
		if t.Comment == comment && !known[t.ID] && t.CreationTime >= startMs {
			out = append(out, t)
		}
	}
	return out
}

// ExplainMaybeCreated says what became of a create that failed after it
// may have reached the server: it lists again and names any token that
// appeared. It never claims that nothing was left behind, since the
// server may still be carrying the request out.
func ExplainMaybeCreated(ctx context.Context, cause error, place Place, scope Scope, api API, comment string, started time.Time, known map[string]bool) string {
	ctx, cancel := CleanupContext(ctx, cause)
	defer cancel()
	list, err := scope.List(ctx, api)
	look := fmt.Sprintf("`%s --comment-exact %s%s`", scope.ListCommand(), shellQuote(comment), place.ProfileFlag())
	if err != nil {
		return fmt.Sprintf("the token may have been created anyway: look for comment %q created after %s in %s and revoke it",
			comment, started.UTC().Format("15:04:05 UTC"), look)
	}
	found := Orphans(list, comment, started, known)
	switch len(found) {
	case 0:
		return fmt.Sprintf("no token with comment %q has appeared yet, but the workspace may still create it: check %s in a minute and revoke any token created after %s",
			comment, look, started.UTC().Format("15:04:05 UTC"))
	case 1:
		return fmt.Sprintf("the server created it anyway, as token %s, which you never received: revoke it with `%s %s%s`",
			found[0].ID, scope.RevokeCommand(), found[0].ID, place.ProfileFlag())
	}
	ids := IDs(found)
	return fmt.Sprintf("tokens %s with comment %q appeared since, which you never received: revoke them with `%s %s%s`",
		strings.Join(ids, ", "), comment, scope.RevokeCommand(), strings.Join(ids, " "), place.ProfileFlag())
}

// shellQuote quotes s for a command line a person may paste.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// RevokeUndelivered revokes a token that was created but never delivered,
// so that no live token is left that the user never received. It returns
// cause, extended with what became of the token and, when given, kept:
// what the user still holds.
//
// t should come from Credentials.Undelivered: when the ID the workspace
// gave the new token is one that something signs in with, nothing is
// revoked, since the answer cannot be trusted to name the new token.
func RevokeUndelivered(ctx context.Context, cause error, t Target, hint, kept string) error {
	if len(t.SignsIn) > 0 {
		msg := fmt.Sprintf("%v; the workspace named the new token %s, but that is the token %s, so it was not revoked: the new token (comment %q) is live and was never delivered; find it with `dbtok list%s` and revoke it",
			cause, t.Token.ID, SignsIn(t.SignsIn), t.Token.Comment, t.Place.ProfileFlag())
		if kept != "" {
			msg += "; " + kept
		}
		return failure.Wrap(msg, cause)
	}
	ctx, cancel := CleanupContext(ctx, cause)
	defer cancel()
	if err := t.Scope.Revoke(ctx, t.API, t.Token.ID); err != nil {
		msg := fmt.Sprintf("%v; revoking the new token %s failed too (%s): revoke it with `%s %s%s`",
			cause, t.Token.ID, failure.Cause(err, hint), t.Scope.RevokeCommand(), t.Token.ID, t.Place.ProfileFlag())
		if kept != "" {
			msg += "; " + kept
		}
		return failure.Wrap(msg, cause)
	}
	msg := fmt.Sprintf("%v; the new token %s was revoked", cause, t.Token.ID)
	if kept != "" {
		msg += "; " + kept
	} else {
		msg += ", so nothing was left behind"
	}
	return failure.Wrap(msg, cause)
}
