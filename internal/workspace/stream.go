package workspace

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

// Limits on a token list answer. Memory follows the tokens kept, not the
// bytes received, but an answer could still be built to exhaust it: a
// single token object (or any other value in the answer) larger than
// MaxTokenBytes, or more than MaxListTokens tokens, is refused with an
// error that says so. A real token is about 300 bytes, and a workspace of
// 3,000 users at the 600-token quota holds 1.8 million.
const (
	MaxTokenBytes = 64 << 10
	MaxListTokens = 2_000_000
)

// streamedKey marks a request whose answer is read as a stream.
type streamedKey struct{}

// streamed marks the requests of ctx as read as a stream.
func streamed(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamedKey{}, true)
}

// streamContentType is what the transport calls a successful JSON answer
// to a streamed request. The SDK reads any JSON answer whole into memory
// before handing it over (400 MB for a 400 MB list); an answer that is
// not JSON, to a request that did not ask for JSON, it hands over unread
// as the body itself (its own convention for downloads). Error answers
// keep their type: the SDK reads and maps them as always.
const streamContentType = "application/x-dbtok-stream"

// markStreamed retypes resp for the SDK when req asked for a stream.
func markStreamed(req *http.Request, resp *http.Response) {
	if resp.StatusCode != http.StatusOK || req.Context().Value(streamedKey{}) == nil {
		return
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		resp.Header.Set("Content-Type", streamContentType)
		resp.Header.Set("X-Dbtok-Original-Content-Type", ct)
	}
}

// windowReader counts what is read since the start of the value being
// decoded. json.Decoder reads a value whole into its buffer before
// decoding it, so a value that never ends would grow the buffer without
// bound; past the window the read fails instead. (The decoder reads ahead
// by at most its buffer, which small values keep small.)
type windowReader struct {
	r    io.Reader
	read int
	max  int
	// ended is set when the answer ended where the server said it would:
	// a value cut short then is malformed, not a cut connection.
	ended bool
}

var errTooLarge = errors.New("value too large")

func (w *windowReader) Read(p []byte) (int, error) {
	if w.read >= w.max {
		return 0, errTooLarge
	}
	if len(p) > w.max-w.read+1 {
		p = p[:w.max-w.read+1]
	}
	n, err := w.r.Read(p)
	w.read += n
	w.ended = w.ended || err == io.EOF
	return n, err
}

func (w *windowReader) reset() { w.read = 0 }

// decodeList reads a list answer ({"token_infos": [...]}, the key absent
// when there are none) from body token by token, calling add for each.
func decodeList(body io.Reader, owners bool, add func(tokens.Token) error) error {
	br := bufio.NewReaderSize(body, 32<<10)
	if first, _ := br.Peek(1); len(first) == 1 && first[0] == '<' {
		return &failure.APIError{Kind: failure.KindProtocol, Message: "an HTML page came back instead of an API response", Err: errors.New("HTML")}
	}
	win := &windowReader{r: br, max: MaxTokenBytes}
	dec := json.NewDecoder(win)
	fail := func(err error) error {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, errTooLarge):
			return &failure.APIError{Kind: failure.KindProtocol, Err: err, Message: fmt.Sprintf(
				"the answer holds a value larger than %d KiB, which no token list has; refused (the limit protects your memory)", MaxTokenBytes>>10)}
		case errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, io.EOF),
			errors.Is(err, io.ErrUnexpectedEOF) && win.ended:
			return &failure.APIError{Kind: failure.KindProtocol, Message: "the response is not valid JSON", Err: err}
		}
		// A read that failed: classified as a network failure.
		return err
	}
	if tok, err := dec.Token(); err != nil {
		return fail(err)
	} else if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &failure.APIError{Kind: failure.KindProtocol, Message: "the response is not valid JSON", Err: errors.New("not an object")}
	}
	n := 0
	for dec.More() {
		win.reset()
		key, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		if key != "token_infos" {
			// Another field: read past it, within the window.
			var skip json.RawMessage
			win.reset()
			if err := dec.Decode(&skip); err != nil {
				return fail(err)
			}
			continue
		}
		if tok, err := dec.Token(); err != nil {
			return fail(err)
		} else if tok == nil {
			continue // "token_infos": null
		} else if d, ok := tok.(json.Delim); !ok || d != '[' {
			return &failure.APIError{Kind: failure.KindProtocol, Message: "the response is not valid JSON", Err: errors.New("token_infos is not a list")}
		}
		for dec.More() {
			if n++; n > MaxListTokens {
				return &failure.APIError{Kind: failure.KindProtocol, Err: errors.New("too many tokens"), Message: fmt.Sprintf(
					"the answer lists more than %d tokens, more than any workspace holds; refused (the limit protects your memory)", MaxListTokens)}
			}
			win.reset()
			var ti tokenInfo
			if err := dec.Decode(&ti); err != nil {
				return fail(err)
			}
			if err := add(ti.token(owners)); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return fail(err)
		}
	}
	win.reset()
	if _, err := dec.Token(); err != nil { // }
		return fail(err)
	}
	return nil
}

// tokenInfo is one token of a list answer.
type tokenInfo struct {
	TokenID           string   `json:"token_id"`
	Comment           string   `json:"comment"`
	CreationTime      int64    `json:"creation_time"`
	ExpiryTime        int64    `json:"expiry_time"`
	Scopes            []string `json:"scopes"`
	AutoscopeState    string   `json:"autoscope_state"`
	InferredScopes    []string `json:"inferred_scopes"`
	CreatedByID       int64    `json:"created_by_id"`
	CreatedByUsername string   `json:"created_by_username"`
	OwnerID           int64    `json:"owner_id"`
	LastUsedDay       int64    `json:"last_used_day"`
}

func (t *tokenInfo) token(owners bool) tokens.Token {
	out := tokens.Token{ID: t.TokenID, Comment: t.Comment, CreationTime: t.CreationTime, ExpiryTime: t.ExpiryTime,
		Scopes: t.Scopes, AutoscopeState: t.AutoscopeState, InferredScopes: t.InferredScopes}
	if owners {
		out.Owner = &tokens.Owner{
			CreatedByID:       t.CreatedByID,
			CreatedByUsername: t.CreatedByUsername,
			OwnerID:           t.OwnerID,
			LastUsedDay:       t.LastUsedDay,
		}
	}
	return out
}
