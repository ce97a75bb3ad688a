package backend_test

import (
	"net/http"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestLogoutOwnToken: POST /v1/logout ends the presented token of the own issuer at once (401 token_invalid
// on the next call), leaves the citizen's other tokens alone, answers 204 again on a repeat, and 401
// unauthorized without a token.
func TestLogoutOwnToken(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	other := e.Token(t, backend.DemoIngrid)
	res, b := e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantStatus(t, res, b, http.StatusOK)

	res, b = e.Do(t, http.MethodPost, "/v1/logout", tok, nil)
	wantStatus(t, res, b, http.StatusNoContent)
	res, b = e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "token_invalid")
	res, b = e.Do(t, http.MethodGet, "/v1/me", other, nil)
	wantStatus(t, res, b, http.StatusOK)

	res, b = e.Do(t, http.MethodPost, "/v1/logout", tok, nil)
	wantStatus(t, res, b, http.StatusNoContent)
	res, b = e.Do(t, http.MethodPost, "/v1/logout", "", nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "unauthorized")
}

// TestReplicasLogout: two replicas on one PostgreSQL database. A token logged out on one is refused by the
// other on the very next request (no cache between them and the shared list): the own issuer's citizen token,
// a trusted issuer's, and a kiosk token; a repeat of the logout on the other replica answers 204.
func TestReplicasLogout(t *testing.T) {
	op := newFakeOP(t)
	a, b := replicas(t, backendtest.WithConfig(func(c *backend.Config) { c.TrustIssuers = []string{op.URL} }))
	aud := "http://helsekiosk-api.test" // the replicas' public URL, their audience
	ingrid := nationalID(t, backend.DemoIngrid)
	tokens := []struct {
		name, token, path string
	}{
		{"own citizen token", a.Token(t, backend.DemoIngrid), "/v1/me"},
		{"trusted issuer's token", op.token(t, aud, ingrid, backend.ACRHigh, nil), "/v1/me"},
		{"own kiosk token", a.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret), "/v1/kiosk/help-requests/hr-none"},
	}
	for _, tt := range tokens {
		t.Run(tt.name, func(t *testing.T) {
			want := http.StatusOK
			if tt.path != "/v1/me" {
				want = http.StatusNotFound // a kiosk's read of a help request that is not its own
			}
			for _, e := range []*backendtest.Env{a, b} { // served by both first
				res, body := e.Do(t, http.MethodGet, tt.path, tt.token, nil)
				wantStatus(t, res, body, want)
			}
			res, body := a.Do(t, http.MethodPost, "/v1/logout", tt.token, nil)
			wantStatus(t, res, body, http.StatusNoContent)
			res, body = b.Do(t, http.MethodGet, tt.path, tt.token, nil)
			wantProblem(t, res, body, http.StatusUnauthorized, "token_invalid")
			res, body = a.Do(t, http.MethodGet, tt.path, tt.token, nil)
			wantProblem(t, res, body, http.StatusUnauthorized, "token_invalid")
			res, body = b.Do(t, http.MethodPost, "/v1/logout", tt.token, nil)
			wantStatus(t, res, body, http.StatusNoContent)
		})
	}
}
