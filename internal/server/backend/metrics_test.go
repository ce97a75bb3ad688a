package backend_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestMetrics: the Prometheus metrics count requests by route template and status (never a raw path with
// ids), latency, logins by outcome, open help requests (at scrape) and database errors; the API's own
// listener does not serve them.
func TestMetrics(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests(), backendtest.AllowUnavailable())
	tok := e.Token(t, backend.DemoIngrid)
	kiosk := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/t-ingrid-1", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/t-nobody", tok, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	res, b = e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", kiosk, api.NewHelpRequest{KioskName: "Kiosk", Screen: "welcome"})
	wantStatus(t, res, b, http.StatusCreated)
	if e.Server.Store() != "sqlite" {
		t.Skip("the unwritable database below is SQLite's PRAGMA query_only")
	}
	if _, err := e.Server.DB().Exec("PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/t-ingrid-1/read", tok, nil)
	wantUnavailable(t, res, b)
	if _, err := e.Server.DB().Exec("PRAGMA query_only = 0"); err != nil {
		t.Fatal(err)
	}
	res, b = e.Do(t, http.MethodGet, "/metrics", "", nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")

	ms := httptest.NewServer(e.Server.MetricsHandler())
	defer ms.Close()
	mres, err := http.Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(mres.Body)
	mres.Body.Close()
	text := string(body)
	for _, want := range []string{
		`helsekiosk_http_requests_total{method="GET",route="/v1/persons/{personId}/threads/{threadId}",status="200"} 1`,
		`helsekiosk_http_requests_total{method="GET",route="/v1/persons/{personId}/threads/{threadId}",status="404"} 1`,
		`helsekiosk_http_requests_total{method="POST",route="/v1/kiosk/help-requests",status="201"} 1`,
		`helsekiosk_http_requests_total{method="POST",route="/v1/persons/{personId}/threads/{threadId}/read",status="503"} 1`,
		`helsekiosk_http_request_duration_seconds_bucket{method="GET",route="/v1/persons/{personId}/threads/{threadId}",le="+Inf"} 2`,
		`helsekiosk_logins_total{outcome="ok"} 1`,
		`helsekiosk_help_requests_open 1`,
		`helsekiosk_db_errors_total{kind="readonly"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, leak := range []string{"p-ingrid", "t-ingrid-1", "t-nobody"} {
		if strings.Contains(text, leak) {
			t.Errorf("metrics hold the raw path part %q", leak)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", text)
	}
}
