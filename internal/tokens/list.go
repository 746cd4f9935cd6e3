package tokens

import (
	"cmp"
	"context"
	"unsafe"

	"bytes"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dbtok/dbtok/internal/memlimit"
)

// List holds many tokens compactly: what is printed or sorted on and
// nothing else. An ID that is 64 lower-case hex digits (a SHA-256, as
// workspaces make them) is kept as its 32 bytes; comments (and other IDs)
// are kept end to end in one byte arena; scope lists, autoscope states
// and creators' names, which repeat from token to token, are kept once
// and referred to by number. A row is about 110 bytes plus its comment,
// instead of about 400 as a Token, and holds no pointer, so the garbage
// collector never scans the rows however many there are. At rebuilds one
// Token on demand.
type List struct {
	rows  []row
	arena []byte
	// strs are the interned strings, refs the interned string lists;
	// index 0 of each is the empty value.
	strs  []string
	strIx map[string]uint32
	refs  [][]string
	refIx map[string]uint32
	// owners are who owns the tokens, once ResolveOwners asked.
	owners ownerNames
}

// piece is a stretch of the arena.
type piece struct{ off, n uint32 }

type row struct {
	id       [32]byte
	idText   piece // when the ID is not 64 lower-case hex digits
	comment  piece
	created  int64
	expiry   int64
	scopes   uint32
	inferred uint32
	state    uint32
	owner    rowOwner
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

func (l *List) keep(s string) piece {
	sp := piece{off: uint32(len(l.arena)), n: uint32(len(s))}
	l.arena = append(l.arena, s...)
	return sp
}

func (l *List) text(sp piece) string { return string(l.arena[sp.off : sp.off+sp.n]) }

func (l *List) bytesOf(sp piece) []byte { return l.arena[sp.off : sp.off+sp.n] }

// Add appends t.
func (l *List) Add(t Token) {
	rows, arena := cap(l.rows), cap(l.arena)
	defer func() {
		// Held until printed: the soft memory limit moves up with it.
		if grown := (cap(l.rows)-rows)*int(unsafe.Sizeof(row{})) + cap(l.arena) - arena; grown > 0 {
			memlimit.Hold(int64(grown))
		}
	}()
	r := row{comment: l.keep(t.Comment), created: t.CreationTime, expiry: t.ExpiryTime,
		scopes: l.ref(t.Scopes), inferred: l.ref(t.InferredScopes), state: l.str(t.AutoscopeState)}
	if !digestID(t.ID) {
		r.idText = l.keep(t.ID)
	} else if _, err := hex.Decode(r.id[:], []byte(t.ID)); err != nil {
		r.idText = l.keep(t.ID)
	}
	if o := t.Owner; o != nil {
		r.owner = rowOwner{createdByID: o.CreatedByID, ownerID: o.OwnerID, lastUsedDay: o.LastUsedDay,
			createdBy: l.str(o.CreatedByUsername), present: true}
	}
	l.rows = append(l.rows, r)
}

// digestID reports whether id looks like a SHA-256 in lower-case hex,
// which is kept as its 32 bytes (and prints back the same).
func digestID(id string) bool { return len(id) == 64 && strings.ToLower(id) == id }

// At is the i-th token.
func (l *List) At(i int) Token {
	r := &l.rows[i]
	t := Token{ID: l.id(r), Comment: l.text(r.comment), CreationTime: r.created, ExpiryTime: r.expiry,
		Scopes: l.refs[r.scopes], InferredScopes: l.refs[r.inferred], AutoscopeState: l.strs[r.state]}
	if r.owner.present {
		t.Owner = &Owner{CreatedByID: r.owner.createdByID, OwnerID: r.owner.ownerID,
			LastUsedDay: r.owner.lastUsedDay, CreatedByUsername: l.strs[r.owner.createdBy]}
		if id, ok := l.owners.identity(*t.Owner); ok {
			t.Owner.Resolved = &id
		}
	}
	return t
}

// ResolveOwners looks up who owns the tokens in dir, as ResolveOwners
// does for a slice: in one request, for the owners that are not the
// token's creator, or every owner with all.
func (l *List) ResolveOwners(ctx context.Context, dir DirectoryAPI, all bool) error {
	seen := map[[2]int64]bool{}
	var owners []Owner
	for i := range l.rows {
		o := l.rows[i].owner
		key := [2]int64{o.ownerID, o.createdByID}
		if !o.present || seen[key] {
			continue
		}
		seen[key] = true
		owners = append(owners, Owner{OwnerID: o.ownerID, CreatedByID: o.createdByID, CreatedByUsername: l.strs[o.createdBy]})
	}
	names, err := lookUpOwners(ctx, dir, owners, all)
	if err != nil {
		return err
	}
	l.owners = names
	return nil
}

// ForeignOwners reports whether some token is owned by someone other than
// its creator (an on-behalf-of token): the table then needs an OWNER
// column.
func (l *List) ForeignOwners() bool {
	for i := range l.rows {
		if o := l.rows[i].owner; o.present && o.ownerID != 0 && o.ownerID != o.createdByID {
			return true
		}
	}
	return false
}

// Keep drops the tokens keep rejects, in place.
func (l *List) Keep(keep func(Token) bool) {
	n := 0
	for i := range l.rows {
		if keep(l.At(i)) {
			l.rows[n] = l.rows[i]
			n++
		}
	}
	l.rows = l.rows[:n]
}

func (l *List) id(r *row) string {
	if r.idText.n > 0 {
		return l.text(r.idText)
	}
	return hex.EncodeToString(r.id[:])
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

// Sort orders the list by key as Sort orders a slice of tokens. The order
// is total (the ID decides last), so an unstable sort gives the same
// result as a stable one, in O(n log n) moves.
func (l *List) Sort(key string) {
	if mustSortKey(key); key == Unsorted {
		return
	}
	slices.SortFunc(l.rows, func(a, b row) int {
		switch key {
		case "comment":
			if c := compareFold(l.bytesOf(a.comment), l.bytesOf(b.comment)); c != 0 {
				return c
			}
		case "expiry":
			if ea, eb := expiryKey(a.expiry), expiryKey(b.expiry); ea != eb {
				return cmp.Compare(ea, eb)
			}
		}
		if a.created != b.created {
			return cmp.Compare(a.created, b.created)
		}
		return l.compareIDs(&a, &b)
	})
}

// compareIDs orders IDs as their text would order: lower-case hex digits
// order as the bytes they encode.
func (l *List) compareIDs(a, b *row) int {
	if a.idText.n == 0 && b.idText.n == 0 {
		return bytes.Compare(a.id[:], b.id[:])
	}
	return strings.Compare(l.id(a), l.id(b))
}

// compareFold compares as strings.ToLower of each would, rune by rune,
// without allocating.
func compareFold(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		if ra, rb = unicode.ToLower(ra), unicode.ToLower(rb); ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// Tokens is the whole list as Tokens.
func (l *List) Tokens() []Token {
	out := make([]Token, l.Len())
	for i := range out {
		out[i] = l.At(i)
	}
	return out
}

// Reverse turns the list's order around.
func (l *List) Reverse() { slices.Reverse(l.rows) }

// Truncate keeps the first n tokens.
func (l *List) Truncate(n int) {
	if n < len(l.rows) {
		l.rows = l.rows[:n]
	}
}
