package backend_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// BenchmarkInboxPage is the inbox page query with 100,000 messages in the database: one person with 1,000
// threads of 100 messages, pages of 20 (what the kiosk asks for), walking from the first page to the last
// by cursor and starting over. It calls the backend's handler directly (authentication, the page query,
// the unread count, JSON), without the contract-validating wrapper of the tests, and reports the latency
// percentiles p50 and p95 in microseconds besides ns/op.
func BenchmarkInboxPage(b *testing.B) {
	e := backendtest.New(b)
	if err := e.Server.SeedBulk(b.Context(), backend.DemoOla, 1000, 100); err != nil {
		b.Fatal(err)
	}
	var n int
	if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&n); err != nil || n < 100_000 {
		b.Fatalf("%d messages, %v", n, err)
	}
	tok := e.Token(b, backend.DemoOla)
	h := e.Server.Handler()
	cursor := ""
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		q := url.Values{"limit": {"20"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req := httptest.NewRequest(http.MethodGet, "/v1/persons/p-ola/threads?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		lat = append(lat, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		var page api.ThreadPage
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page.Items) == 0 {
			b.Fatalf("page: %v (%d items)", err, len(page.Items))
		}
		cursor = ""
		if page.NextCursor != nil {
			cursor = *page.NextCursor
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.95), "p95-µs")
}
