package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/client"
)

// FuzzProblemDecoding serves any status, Content-Type, Retry-After and body to the client: it never panics,
// a non-2xx always becomes a *client.Error with that status and the error classes the UI picks its message
// from agree with the status, and a 2xx is either decoded or reported as a malformed response.
func FuzzProblemDecoding(f *testing.F) {
	var mu sync.Mutex
	var cur struct {
		status         int
		ct, retryAfter string
		body           []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if cur.ct != "" {
			w.Header().Set("Content-Type", cur.ct)
		}
		if cur.retryAfter != "" {
			w.Header().Set("Retry-After", cur.retryAfter)
		}
		w.WriteHeader(cur.status)
		_, _ = w.Write(cur.body)
	}))
	f.Cleanup(srv.Close)
	c, err := client.New(srv.URL, client.WithRetries(0, 0, 0), client.WithTimeout(5*time.Second))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(400, "application/problem+json", "", []byte(`{"type":"about:blank","title":"Bad","status":400,"code":"invalid_request","field":"body"}`))
	f.Add(503, "application/problem+json", "120", []byte(`{"title":"Down","status":503}`))
	f.Add(429, "application/problem+json", "Wed, 21 Oct 2015 07:28:00 GMT", []byte(`{"title":"Slow down","status":429,"code":"rate_limited"}`))
	f.Add(401, "application/json", "", []byte(`{"error":"invalid_token","error_description":"expired"}`))
	f.Add(200, "application/json", "", []byte(`{"status":"ok"}`))
	f.Add(200, "application/json", "", []byte(`{"status":`))
	f.Add(500, "text/html", "", []byte(`<html>Internal Server Error</html>`))
	f.Add(403, "application/problem+json", "-1", []byte(`{"title":5,"status":"403","code":{"x":1},"detail":null}`))
	f.Add(404, "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, status int, ct, retryAfter string, body []byte) {
		if status < 0 {
			status = -status
		}
		status = 200 + status%400 // 200..599
		ct, retryAfter = headerValue(ct), headerValue(retryAfter)
		if status == 204 || status == 304 {
			body = nil
		}
		mu.Lock()
		cur.status, cur.ct, cur.retryAfter, cur.body = status, ct, retryAfter, body
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h, err := c.Health(ctx)
		if err != nil {
			_ = err.Error() // its text must not panic either
		}
		var e *client.Error
		if status/100 == 2 {
			switch {
			case err == nil:
				if h == nil {
					t.Fatal("no error and no answer")
				}
			case errors.Is(err, client.ErrBadResponse):
			default:
				t.Fatalf("2xx answer became %v", err)
			}
			return
		}
		if status/100 == 3 && err == nil {
			return // a redirect without Location is answered as is; the client treats it as an error below
		}
		if !errors.As(err, &e) {
			t.Fatalf("status %d: %T %v is not a *client.Error", status, err, err)
		}
		if e.Status != status {
			t.Fatalf("status %d reported as %d", status, e.Status)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative Retry-After %v", e.RetryAfter)
		}
		if e.Title == "" && http.StatusText(status) != "" {
			t.Fatal("no title")
		}
		checks := []struct {
			name string
			got  bool
			want bool
		}{
			{"IsUnauthorized", client.IsUnauthorized(err), status == 401},
			{"IsForbidden", client.IsForbidden(err), status == 403},
			{"IsNotFound", client.IsNotFound(err), status == 404},
			{"IsConflict", client.IsConflict(err), status == 409},
			{"IsUnavailable", client.IsUnavailable(err), status >= 500 || status == 429 || status == 408},
			{"IsInvalid", client.IsInvalid(err), (status == 400 || status == 413 || status == 415 || status == 422) && e.Code != "malformed_response"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Fatalf("status %d: %s = %v", status, c.name, c.got)
			}
		}
		// The code the UI translates comes from the body's "code" (or an OAuth "error") when it is a string.
		var p struct {
			Code  any `json:"code"`
			Error any `json:"error"`
		}
		if json.Unmarshal(body, &p) == nil {
			if s, ok := p.Code.(string); ok && s != "" && client.CodeOf(err) != s {
				t.Fatalf("code %q reported as %q", s, client.CodeOf(err))
			}
		}
	})
}

// headerValue keeps the bytes a header value may hold (a server that sends others breaks HTTP itself, which
// the transport reports as no answer).
func headerValue(s string) string {
	b := []byte(s)
	out := b[:0]
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	return strings.TrimSpace(string(out))
}
