package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
)

// flaky answers each request with the next status from plan (then 200), counting attempts. It is a fault
// injector for the transport rules, not a stand-in for the backend: those tests run on the real one.
func flaky(t *testing.T, retryAfter string, plan ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(plan) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(plan[i])
			_, _ = w.Write([]byte(`{"title":"x","status":503,"code":"unavailable"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok","id":"h1","kioskName":"k","screen":"s","createdAt":"2026-11-25T10:00:00Z"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetryPolicy(t *testing.T) {
	tests := []struct {
		name     string
		plan     []int
		call     func(*Client) error
		attempts int32
		wantErr  error
	}{
		{"GET retried on 503", []int{503, 503}, func(c *Client) error { _, err := c.Health(context.Background()); return err }, 3, nil},
		{"GET gives up after the retries", []int{503, 503, 503, 503}, func(c *Client) error { _, err := c.Health(context.Background()); return err }, 3, ErrUnavailable},
		{"GET not retried on 404", []int{404}, func(c *Client) error { _, err := c.Health(context.Background()); return err }, 1, ErrNotFound},
		{"GET not retried on 500", []int{500}, func(c *Client) error { _, err := c.Health(context.Background()); return err }, 1, ErrUnavailable},
		{"POST without key not retried", []int{503}, func(c *Client) error {
			_, err := c.CreateHelpRequest(context.Background(), "", api.NewHelpRequest{KioskName: "k", Screen: "s"})
			return err
		}, 1, ErrUnavailable},
		{"POST with key retried", []int{503, 429}, func(c *Client) error {
			_, err := c.CreateHelpRequest(context.Background(), "key-1", api.NewHelpRequest{KioskName: "k", Screen: "s"})
			return err
		}, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := flaky(t, "", tt.plan...)
			c, err := New(srv.URL, WithRetries(2, time.Millisecond, 5*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := n.Load(); got != tt.attempts {
				t.Fatalf("attempts = %d, want %d", got, tt.attempts)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv, n := flaky(t, "1", 503)
	c, err := New(srv.URL, WithRetries(1, time.Millisecond, 3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Fatalf("retried after %v, want about the 1 s Retry-After", waited)
	}
	if n.Load() != 2 {
		t.Fatalf("attempts = %d", n.Load())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"-1", 0},
		{"soon", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestErrorClasses(t *testing.T) {
	all := []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrInvalid, ErrRateLimited, ErrUnavailable, ErrBadResponse}
	tests := []struct {
		err  *Error
		want []error
	}{
		{&Error{Status: 401}, []error{ErrUnauthorized}},
		{&Error{Status: 403, Code: "scope_missing"}, []error{ErrForbidden}},
		{&Error{Status: 404}, []error{ErrNotFound}},
		{&Error{Status: 409, Code: "cancellation_deadline_passed"}, []error{ErrConflict}},
		{&Error{Status: 400}, []error{ErrInvalid}},
		{&Error{Status: 413}, []error{ErrInvalid}},
		{&Error{Status: 422}, []error{ErrInvalid}},
		{&Error{Status: 429}, []error{ErrRateLimited, ErrUnavailable}},
		{&Error{Status: 503}, []error{ErrUnavailable}},
		{&Error{Err: errors.New("connection refused")}, []error{ErrUnavailable}},
		{&Error{Status: 200, Code: "malformed_response"}, []error{ErrBadResponse}},
	}
	for _, tt := range tests {
		for _, target := range all {
			want := false
			for _, w := range tt.want {
				want = want || w == target
			}
			if got := errors.Is(tt.err, target); got != want {
				t.Errorf("errors.Is(%v, %v) = %v, want %v", tt.err, target, got, want)
			}
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"https://helse.kommune.no", true},
		{"http://127.0.0.1:8080", true},
		{"http://127.8.9.1", true},
		{"http://localhost:1234/", true},
		{"http://[::1]:80", true},
		{"http://helse.kommune.no", false},
		{"http://10.0.0.5", false},
		{"ftp://127.0.0.1", false},
		{"helse.kommune.no", false},
		{"", false},
	}
	for _, tt := range tests {
		_, err := CheckURL(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestMalformedJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status": "ok"`))
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	_, err := c.Health(context.Background())
	if !errors.Is(err, ErrBadResponse) || IsUnavailable(err) {
		t.Fatalf("err = %v, want ErrBadResponse", err)
	}
}

func TestClockSkew(t *testing.T) {
	offset := -7 * time.Minute
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, known := c.ClockSkew(); known {
		t.Fatal("skew known before any answer")
	}
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	skew, known := c.ClockSkew()
	if !known || skew > offset+2*time.Second || skew < offset-2*time.Second {
		t.Fatalf("ClockSkew = %v, %v; want about %v", skew, known, offset)
	}
}
