package tokens

import (
	"reflect"
	"testing"
)

// A List gives back the tokens it was given, and sorts them as Sort
// sorts a slice.
func TestListKeepsTokensAndSortsLikeSort(t *testing.T) {
	hexID := "5f3a0c9e81d2000000000000000000000000000000000000000000000000abcd"
	in := []Token{
		{ID: hexID, Comment: "Beta", CreationTime: 3, ExpiryTime: -1, Scopes: []string{"sql"}},
		{ID: "legacy-id", Comment: "alpha", CreationTime: 2, ExpiryTime: 50,
			Owner: &Owner{CreatedByID: 7, CreatedByUsername: "bob", OwnerID: 7, LastUsedDay: 86400000}},
		{ID: "ABCDEF", Comment: "émile", CreationTime: 2, ExpiryTime: 40, AutoscopeState: "AUTOSCOPE_STATE_RUNNING", InferredScopes: []string{"jobs"}},
		{ID: "0000000000000000000000000000000000000000000000000000000000000001", Comment: "beta", CreationTime: 1, ExpiryTime: 40},
		{ID: "aaaa", Comment: "", CreationTime: 1, ExpiryTime: 0},
	}
	l := NewList()
	for _, tk := range in {
		l.Add(tk)
	}
	for i, tk := range in {
		if got := l.At(i); !reflect.DeepEqual(got, tk) {
			t.Errorf("At(%d) = %+v, want %+v", i, got, tk)
		}
	}
	for _, key := range SortKeys {
		want := append([]Token(nil), in...)
		Sort(want, key)
		sorted := NewList()
		for _, tk := range in {
			sorted.Add(tk)
		}
		sorted.Sort(key)
		if got := sorted.Tokens(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", key, ids(got), ids(want))
		}
	}
}

func ids(list []Token) []string {
	out := make([]string, len(list))
	for i, t := range list {
		out[i] = t.ID
	}
	return out
}
