package backend_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// FuzzWrites sends arbitrary bodies and query strings to the write endpoints: the answer is never a
// 5xx.
func FuzzWrites(f *testing.F) {
	e := backendtest.New(f, backendtest.AllowInvalidRequests(), backendtest.WithNow(func() time.Time { return testNow }))
	tok := e.Token(f, backend.DemoIngrid)
	h := e.Server.Handler()
	paths := []string{
		"POST /v1/persons/p-ingrid/threads",
		"POST /v1/persons/p-ingrid/threads/t-ingrid-1/messages",
		"POST /v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/cancellation",
		"POST /v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/change-request",
		"PUT /v1/persons/p-ingrid/notification-settings",
		"POST /v1/persons/p-ingrid/fullmakt",
		"PUT /v1/consent",
		"POST /v1/kiosk/help-requests",
		"GET /v1/persons/p-ingrid/threads",
		"GET /v1/persons/p-ingrid/appointments",
		"POST /oauth/token",
		"POST /oauth/device_authorization",
		"POST /device",
	}
	f.Add(uint8(0), []byte(`{"serviceId":"svc-home-nursing","subject":"Hei","body":"Hei"}`), "")
	f.Add(uint8(2), []byte(`{"reason":"other","comment":"x"}`), "")
	f.Add(uint8(3), []byte(`{"proposedTimes":[{"start":"2030-01-01T08:00:00Z","end":"2030-01-01T07:00:00Z"}]}`), "")
	f.Add(uint8(5), []byte(`{"receiverName":"Ola Berg","receiverNationalId":"11828534092","scopes":["messages"],"validUntil":"2020-01-01"}`), "")
	f.Add(uint8(8), []byte(nil), "cursor=eyJ0IjoxLCJpZCI6IngifQ&limit=3")
	f.Add(uint8(9), []byte(nil), "from=2026-01-01&to=2026-01-01")
	f.Add(uint8(10), []byte("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=x"), "")
	f.Add(uint8(12), []byte("user_code=BBBB-BBBB&action=approve&person_id=p-ingrid"), "")
	f.Fuzz(func(t *testing.T, which uint8, body []byte, query string) {
		method, path, _ := cut(paths[int(which)%len(paths)])
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		r.URL.RawQuery = query
		ct := "application/json"
		if path[:3] == "/oa" || path == "/device" {
			ct = "application/x-www-form-urlencoded"
		}
		r.Header.Set("Content-Type", ct)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %s?%s with %q: %d %s", method, path, query, body, w.Code, w.Body.Bytes())
		}
	})
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// BenchmarkListThreads pages through a person with 100,000 messages (1,000 threads of 100).
func BenchmarkListThreads(b *testing.B) {
	e := backendtest.New(b)
	if err := e.Server.SeedBulk(b.Context(), backend.DemoOla, 1000, 100); err != nil {
		b.Fatal(err)
	}
	tok := e.Token(b, backend.DemoOla)
	b.ResetTimer()
	for b.Loop() {
		res, body := e.Do(b, http.MethodGet, "/v1/persons/p-ola/threads?limit=25", tok, nil)
		if res.StatusCode != 200 {
			b.Fatalf("%d %s", res.StatusCode, body)
		}
	}
}

// BenchmarkGetThread reads a thread of 100 messages in a database of 100,000.
func BenchmarkGetThread(b *testing.B) {
	e := backendtest.New(b)
	if err := e.Server.SeedBulk(b.Context(), backend.DemoOla, 1000, 100); err != nil {
		b.Fatal(err)
	}
	var id string
	if err := e.Server.DB().QueryRow(`SELECT id FROM threads WHERE person_id = 'p-ola' LIMIT 1`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	tok := e.Token(b, backend.DemoOla)
	b.ResetTimer()
	for b.Loop() {
		res, body := e.Do(b, http.MethodGet, "/v1/persons/p-ola/threads/"+id, tok, nil)
		if res.StatusCode != 200 {
			b.Fatalf("%d %s", res.StatusCode, body)
		}
	}
}
