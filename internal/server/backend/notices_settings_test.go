package backend_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
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

// TestNoticeCompletedVisitsSetting: the choice of notices of completed visits is in the notification
// settings: the demo's Ingrid has it; a PUT with completedVisits changes it, one without leaves it.
func TestNoticeCompletedVisitsSetting(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	get := func() api.NotificationSettings {
		res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/notification-settings", tok, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET: %d %s", res.StatusCode, b)
		}
		var out api.NotificationSettings
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if s := get(); s.CompletedVisits == nil || !*s.CompletedVisits {
		t.Fatalf("the demo's Ingrid: %+v, want completedVisits true", s)
	}
	for i, c := range []struct {
		body string
		want bool
	}{{`{"channel":"sms","completedVisits":false}`, false}, {`{"channel":"email"}`, false}, {`{"channel":"email","completedVisits":true}`, true}} {
		res, b := e.Do(t, http.MethodPut, "/v1/persons/p-ingrid/notification-settings", tok, c.body, "Idempotency-Key", fmt.Sprintf("cv-%d", i))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", c.body, res.StatusCode, b)
		}
		var put api.NotificationSettings
		if err := json.Unmarshal(b, &put); err != nil {
			t.Fatal(err)
		}
		if s := get(); s.CompletedVisits == nil || *s.CompletedVisits != c.want || put.CompletedVisits == nil || *put.CompletedVisits != c.want {
			t.Errorf("after %s: GET %v, PUT answered %v; want %v", c.body, s.CompletedVisits, put.CompletedVisits, c.want)
		}
	}
}
