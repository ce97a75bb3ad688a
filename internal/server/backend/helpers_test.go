package backend_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, b)
	}
	return v
}

func wantStatus(t testing.TB, res *http.Response, body []byte, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, body)
	}
}

// wantProblem checks a problem+json answer with status and code.
func wantProblem(t testing.TB, res *http.Response, body []byte, status int, code string) api.Problem {
	t.Helper()
	if !api.ProblemCode(code).Valid() {
		t.Fatalf("the test expects code %q, which is not a ProblemCode of the contract", code)
	}
	if res.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d (%s): %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, status, code, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	p := decode[api.Problem](t, body)
	if p.Code == nil || *p.Code != code {
		got := "<nil>"
		if p.Code != nil {
			got = *p.Code
		}
		t.Fatalf("%s %s: code %s, want %s: %s", res.Request.Method, res.Request.URL.Path, got, code, body)
	}
	if p.Status != status {
		t.Errorf("problem status %d, want %d", p.Status, status)
	}
	return p
}

func postForm(t testing.TB, e *backendtest.Env, path string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	res, b := e.Do(t, http.MethodPost, path, "", []byte(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	return res, b
}

// allThreads pages through a person's threads.
func allThreads(t testing.TB, e *backendtest.Env, token, personID string) []api.ThreadSummary {
	t.Helper()
	var out []api.ThreadSummary
	path := "/v1/persons/" + personID + "/threads?limit=2"
	for i := 0; i < 1000; i++ {
		res, b := e.Do(t, http.MethodGet, path, token, nil)
		wantStatus(t, res, b, http.StatusOK)
		page := decode[api.ThreadPage](t, b)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		path = "/v1/persons/" + personID + "/threads?limit=2&cursor=" + url.QueryEscape(*page.NextCursor)
	}
	t.Fatal("too many pages")
	return nil
}

func apiSpec() []byte { return api.Spec }
