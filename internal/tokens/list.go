package tokens

import (
	"encoding/hex"
	"sort"
	"strings"
)

// List holds many tokens compactly: what is printed or sorted on and
// nothing else. An ID that is 64 hex digits (a SHA-256, as workspaces
// make them) is kept as its 32 bytes; scope lists, autoscope states and
// creators' names, which repeat from token to token, are kept once and
// referred to by number. A token costs about 120 bytes plus its comment
// instead of about 400 as a Token, so an admin's 200,000 tokens fit in a
// few tens of MB; At rebuilds one Token on demand.
type List struct {
	rows  []row
	owned bool
	// strs are the interned strings, refs the interned string lists;
	// index 0 of each is the empty value.
	strs  []string
	strIx map[string]uint32
	refs  [][]string
	refIx map[string]uint32
}

type row struct {
	id               [32]byte
	idText           string // when the ID is not 64 hex digits
	comment          string
	created          int64
	expiry           int64
	scopes, inferred uint32
	autoscope        uint32
	owner            rowOwner
}

type rowOwner struct {
	createdByID int64
	ownerID     int64
	lastUsedDay int64
	createdBy   uint32
	present     bool
}

// NewList is an empty list.
func NewList() *List {
	return &List{strs: []string{""}, strIx: map[string]uint32{"": 0}, refs: [][]string{nil}, refIx: map[string]uint32{"": 0}}
}

// Len is the number of tokens.
func (l *List) Len() int { return len(l.rows) }

// Add appends t.
func (l *List) Add(t Token) {
	r := row{comment: t.Comment, created: t.CreationTime, expiry: t.ExpiryTime,
		scopes: l.ref(t.Scopes), inferred: l.ref(t.InferredScopes), autoscope: l.str(t.AutoscopeState)}
	if len(t.ID) == 64 && strings.ToLower(t.ID) == t.ID {
		if _, err := hex.Decode(r.id[:], []byte(t.ID)); err != nil {
			r.idText = t.ID
		}
	} else {
		r.idText = t.ID
	}
	if o := t.Owner; o != nil {
		r.owner = rowOwner{createdByID: o.CreatedByID, ownerID: o.OwnerID, lastUsedDay: o.LastUsedDay,
			createdBy: l.str(o.CreatedByUsername), present: true}
	}
	l.rows = append(l.rows, r)
}

// At is the i-th token.
func (l *List) At(i int) Token {
	r := &l.rows[i]
	t := Token{ID: r.idText, Comment: r.comment, CreationTime: r.created, ExpiryTime: r.expiry,
		Scopes: l.refs[r.scopes], InferredScopes: l.refs[r.inferred], AutoscopeState: l.strs[r.autoscope]}
	if t.ID == "" {
		t.ID = hex.EncodeToString(r.id[:])
	}
	if r.owner.present {
		t.Owner = &Owner{CreatedByID: r.owner.createdByID, OwnerID: r.owner.ownerID,
			LastUsedDay: r.owner.lastUsedDay, CreatedByUsername: l.strs[r.owner.createdBy]}
	}
	return t
}

// Tokens is the whole list as Tokens, for the few callers that need them.
func (l *List) Tokens() []Token {
	out := make([]Token, l.Len())
	for i := range out {
		out[i] = l.At(i)
	}
	return out
}

func (l *List) str(s string) uint32 {
	if i, ok := l.strIx[s]; ok {
		return i
	}
	i := uint32(len(l.strs))
	l.strs = append(l.strs, s)
	l.strIx[s] = i
	return i
}

func (l *List) ref(ss []string) uint32 {
	if len(ss) == 0 {
		return 0
	}
	// NUL never occurs in a scope name: the joined list is its key.
	key := strings.Join(ss, "\x00") + "\x00"
	if i, ok := l.refIx[key]; ok {
		return i
	}
	i := uint32(len(l.refs))
	l.refs = append(l.refs, append([]string(nil), ss...))
	l.refIx[key] = i
	return i
}

// Sort orders the list by key as Sort orders a slice of tokens.
func (l *List) Sort(key string) {
	mustSortKey(key)
	sort.SliceStable(l.rows, func(i, j int) bool {
		a, b := &l.rows[i], &l.rows[j]
		switch key {
		case "comment":
			if c := compareFold(a.comment, b.comment); c != 0 {
				return c < 0
			}
		case "expiry":
			if ea, eb := expiryKey(a.expiry), expiryKey(b.expiry); ea != eb {
				return ea < eb
			}
		}
		if a.created != b.created {
			return a.created < b.created
		}
		return l.idKey(a) < l.idKey(b)
	})
}

// idKey orders IDs as their text would order (hex digits order as bytes).
func (l *List) idKey(r *row) string {
	if r.idText != "" {
		return r.idText
	}
	return hex.EncodeToString(r.id[:])
}

// compareFold compares as strings.ToLower(a) and strings.ToLower(b) would,
// without allocating either.
func compareFold(a, b string) int {
	if a == b {
		return 0
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

// Concat appends every token of other.
func (l *List) Concat(other *List) {
	for i := 0; i < other.Len(); i++ {
		l.Add(other.At(i))
	}
}
