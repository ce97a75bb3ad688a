package backendtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/contract"
)

// recordingTB records Errorf calls instead of failing.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) messages() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// TestValidatorCatches checks that the wrapper reports responses and requests that break the contract.
func TestValidatorCatches(t *testing.T) {
	v, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	bad := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/health":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"fine"}`)) // not in the enum
		case "/v1/me":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte("no"))
		case "/v1/persons/p-1/services", "/v1/unrouted":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"code":"no_such_code"}`))
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
	tests := []struct {
		name, method, path string
		body               any
		allowBad           bool
		want               string // substring of the reported error; "" = none
	}{
		{"response breaks enum", "GET", "/v1/health", nil, false, "response 200 breaks the contract"},
		{"error without problem+json", "GET", "/v1/me", nil, false, "error 401 with Content-Type"},
		{"request breaks schema", "PUT", "/v1/consent", map[string]any{"termsVersion": 5}, false, "request breaks the contract"},
		{"bad request accepted with 2xx even when allowed", "PUT", "/v1/consent", map[string]any{"termsVersion": 5}, true, "request breaks the contract"},
		{"unknown operation", "GET", "/v1/nothing", nil, false, "not an operation of the contract"},
		{"unknown operation allowed", "GET", "/v1/nothing", nil, true, ""},
		{"problem code outside the enum", "GET", "/v1/persons/p-1/services", nil, false, "response 401 breaks the contract"},
		{"problem code outside the enum, no route", "GET", "/v1/unrouted", nil, true, `problem code "no_such_code" is not in the contract's ProblemCode enum`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			e := &Env{t: rec, contract: v, allowBadReq: tt.allowBad}
			srv := newTestServer(t, e.validating(bad))
			e.URL, e.Client = srv.URL, srv.Client()
			if tt.name == "unknown operation allowed" {
				// a 200 from an unknown route is still flagged; answer 404 instead
				srv.Close()
				srv = newTestServer(t, e.validating(http.NotFoundHandler()))
				e.URL, e.Client = srv.URL, srv.Client()
			}
			e.Do(t, tt.method, tt.path, "", tt.body)
			got := rec.messages()
			if tt.want == "" {
				if strings.Contains(got, "breaks the contract") {
					t.Errorf("unexpected report: %s", got)
				}
				return
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("reported %q, want it to mention %q", got, tt.want)
			}
		})
	}
}

func TestEnvAgainstRealBackend(t *testing.T) {
	e := New(t)
	tok := e.Token(t, backend.DemoIngrid)
	res, b := e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	if res.StatusCode != 200 || !strings.Contains(string(b), "Ingrid Haugen") {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	da := e.StartLogin(t)
	e.Deny(t, da.UserCode)
}

func newTestServer(t *testing.T, h http.Handler) *httptest.Server {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}
