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
