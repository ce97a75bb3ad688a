package faults_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/faults"
)

func get(c *http.Client, url string) (int, http.Header, []byte, error) {
	res, err := c.Get(url)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b, err
}

func helpRequests(t *testing.T, env *backendtest.Env) int {
	t.Helper()
	var n int
	if err := env.Server.DB().QueryRow(`SELECT COUNT(*) FROM help_requests`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Each fault does what it says, and healing restores the path to the real backend.
func TestFaultsDoWhatTheySay(t *testing.T) {
	env := backendtest.New(t)
	n := faults.New(t, env.URL)
	health := n.URL + "/v1/health"
	c := &http.Client{Timeout: 2 * time.Second}
	healthy := func() {
		t.Helper()
		status, _, b, err := get(c, health)
		if err != nil || status != http.StatusOK || !json.Valid(b) {
			t.Fatalf("healed network: %d %s %v", status, b, err)
		}
	}
	healthy()

	for _, f := range []faults.Fault{faults.BackendDown, faults.ConnRefused, faults.Timeout} {
		n.Set(f, nil, 0)
		start := time.Now()
		_, _, _, err := get(c, health)
		if err == nil {
			t.Errorf("%s: the request succeeded", f)
		}
		if f == faults.ConnRefused && !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: %v, want ECONNREFUSED", f, err)
		}
		if f == faults.Timeout && time.Since(start) < 2*time.Second {
			t.Errorf("%s: failed after %v, before the client's timeout: %v", f, time.Since(start), err)
		}
		n.Heal()
		healthy()
	}

	n.Set(faults.Latency, nil, 0)
	start := time.Now()
	slow := &http.Client{Timeout: 10 * time.Second}
	if status, _, _, err := get(slow, health); err != nil || status != 200 || time.Since(start) < faults.LatencyMS*time.Millisecond {
		t.Errorf("latency: %d %v after %v", status, err, time.Since(start))
	}
	n.Heal()

	for _, tc := range []struct {
		f          faults.Fault
		status     int
		retryAfter string
	}{{faults.Status500, 500, ""}, {faults.Status503, 503, "1"}, {faults.Status429, 429, "1"}} {
		n.Set(tc.f, nil, 0)
		status, h, b, err := get(c, health)
		if err != nil || status != tc.status || h.Get("Retry-After") != tc.retryAfter ||
			h.Get("Content-Type") != "application/problem+json" || !json.Valid(b) {
			t.Errorf("%s: %d Retry-After %q %s %v", tc.f, status, h.Get("Retry-After"), b, err)
		}
		if n.Broken() != 1 {
			t.Errorf("%s: broken %d", tc.f, n.Broken())
		}
	}

	n.Set(faults.MalformedJSON, nil, 0)
	if status, _, b, err := get(c, health); err != nil || status != 200 || json.Valid(b) {
		t.Errorf("malformed: %d %q %v", status, b, err)
	}

	// Only matching requests break, and only as often as asked.
	n.Set(faults.Status500, faults.PathContains("/help-requests"), 1)
	healthy()
	kioskToken := env.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	post := func() (int, error) {
		req, err := http.NewRequest(http.MethodPost, n.URL+"/v1/kiosk/help-requests", strings.NewReader(`{"kioskName":"K","screen":"home"}`))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+kioskToken)
		res, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		res.Body.Close()
		return res.StatusCode, nil
	}
	if s, err := post(); s != 500 || err != nil {
		t.Errorf("first matching request: %d %v", s, err)
	}
	if s, err := post(); s != 201 || err != nil {
		t.Errorf("second matching request: %d %v", s, err)
	}

	// A reset after the write: no answer reaches the client, but the backend has stored the request.
	n.Set(faults.ResetAfterSave, faults.Writes, 0)
	before := helpRequests(t, env)
	if _, err := post(); err == nil {
		t.Error("reset after write: the client got an answer")
	}
	if got := helpRequests(t, env); got != before+1 {
		t.Errorf("reset after write: %d help requests stored, want %d", got-before, 1)
	}
	n.Heal()
	healthy()
}
