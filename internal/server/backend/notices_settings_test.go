package backend_test

import (
	"net/http"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestNoticeLanguageFromSettings: the notices' language is the one the kiosk spoke (Accept-Language) when
// the citizen last set the channel; a call without Accept-Language leaves it.
func TestNoticeLanguageFromSettings(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	lang := func() string {
		var l string
		if err := e.Server.DB().QueryRow(`SELECT language FROM persons WHERE id = ?`, backend.DemoIngrid).Scan(&l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	if l := lang(); l != "" {
		t.Fatalf("language before any setting: %q", l)
	}
	for i, c := range []struct{ accept, want string }{{"nn", "nn"}, {"", "nn"}, {"en-GB,en;q=0.9", "en"}, {"nb-NO", "nb"}} {
		res, b := e.Do(t, http.MethodPut, "/v1/persons/p-ingrid/notification-settings", tok, `{"channel":"email"}`,
			"Idempotency-Key", "lang-"+string(rune('a'+i)), "Accept-Language", c.accept)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("PUT: %d %s", res.StatusCode, b)
		}
		if l := lang(); l != c.want {
			t.Errorf("Accept-Language %q: language %q, want %q", c.accept, l, c.want)
		}
	}
}
