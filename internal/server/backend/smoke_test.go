package backend_test

import (
	"net/http"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func TestSmokeLoginMeThreads(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	res, b := e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	me := decode[api.Me](t, b)
	if me.Citizen.Id != backend.DemoIngrid || !me.Consent.Given || len(me.Persons) != 1 {
		t.Fatalf("me = %+v", me)
	}
	ts := allThreads(t, e, tok, backend.DemoIngrid)
	if len(ts) != 6 {
		t.Fatalf("%d threads", len(ts))
	}
	for i := 1; i < len(ts); i++ {
		if ts[i].LastMessageAt.After(ts[i-1].LastMessageAt) {
			t.Errorf("threads not newest first: %v after %v", ts[i].LastMessageAt, ts[i-1].LastMessageAt)
		}
	}
}
