package workspace

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dbtok/dbtok/internal/failure"
	"github.com/dbtok/dbtok/internal/tokens"
)

func decodeAll(t *testing.T, body io.Reader) ([]tokens.Token, error) {
	t.Helper()
	var got []tokens.Token
	err := decodeList(body, false, func(tk tokens.Token) error {
		got = append(got, tk)
		return nil
	})
	return got, err
}

func TestDecodeList(t *testing.T) {
	got, err := decodeAll(t, strings.NewReader(`{"other": {"x": [1, 2]}, "token_infos": [
		{"token_id": "a", "comment": "one", "creation_time": 1, "expiry_time": -1, "unknown": "ignored"},
		{"token_id": "b", "comment": "two", "creation_time": 2, "expiry_time": 3, "scopes": ["sql"]}]}`))
	if err != nil || len(got) != 2 || got[0].ID != "a" || got[1].Comment != "two" || got[1].Scopes[0] != "sql" {
		t.Fatalf("got %+v, %v", got, err)
	}
	for _, empty := range []string{`{}`, `{"token_infos": null}`, `{"token_infos": []}`} {
		if got, err := decodeAll(t, strings.NewReader(empty)); err != nil || len(got) != 0 {
			t.Errorf("%s: %+v, %v", empty, got, err)
		}
	}
}

// endless is a reader of a value that never ends.
type endless struct{ prefix string }

func (e *endless) Read(p []byte) (int, error) {
	if e.prefix != "" {
		n := copy(p, e.prefix)
		e.prefix = e.prefix[n:]
		return n, nil
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// A value that never ends is refused once it passes the limit, whether it
// is a token's field or some other field of the answer; nothing is read
// much past the limit.
func TestDecodeListRefusesHugeValues(t *testing.T) {
	for _, prefix := range []string{
		`{"token_infos": [{"token_id": "a", "comment": "`,
		`{"junk": "`,
		`{"token_infos": [{"token_id": "a"}, {"scopes": ["`,
	} {
		_, err := decodeAll(t, &endless{prefix: prefix})
		var e *failure.APIError
		if !errors.As(err, &e) || e.Kind != failure.KindProtocol || !strings.Contains(e.Message, "larger than 64 KiB") {
			t.Errorf("%s...: %v", prefix, err)
		}
	}
}

func TestDecodeListMalformed(t *testing.T) {
	for _, body := range []string{`[]`, `{"token_infos": {}}`, `{"token_infos": [{"token_id": 5}]}`, `{"token_infos": [`, `nonsense`} {
		_, err := decodeAll(t, strings.NewReader(body))
		var e *failure.APIError
		if !errors.As(err, &e) || e.Message != "the response is not valid JSON" {
			t.Errorf("%s: %v", body, err)
		}
	}
}
