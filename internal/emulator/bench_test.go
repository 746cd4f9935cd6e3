package emulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeList measures the ordinary request path (authentication,
// routing, a small list) without the network.
func BenchmarkServeList(b *testing.B) {
	e := New(Options{Users: testUsers()})
	req := httptest.NewRequest("GET", "/api/2.0/token/list", nil)
	req.Header.Set("Authorization", "Bearer "+aliceToken)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
		e.ResetRequests()
	}
}
