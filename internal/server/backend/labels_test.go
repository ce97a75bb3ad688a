package backend_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestLabelsInTheCitizensLanguage: service names and staff roles follow Accept-Language (nn, nb, en; default
// nb), on every operation that carries them, with Content-Language naming the choice.
func TestLabelsInTheCitizensLanguage(t *testing.T) {
	now := time.Now()
	e := backendtest.New(t, backendtest.WithClock(backendtest.NewClock(now)))
	tok := e.Token(t, backend.DemoIngrid)
	appts := "/v1/persons/p-ingrid/appointments?from=" + now.AddDate(0, 0, -7).Format(time.DateOnly) + "&to=" + now.AddDate(0, 0, 7).Format(time.DateOnly)
	tests := []struct {
		accept, lang, service, role string
	}{
		{"nn", "nn", "Heimesjukepleie", "sjukepleiar"},
		{"nb", "nb", "Hjemmesykepleie", "sykepleier"},
		{"en", "en", "Home nursing", "nurse"},
		{"en-GB,en;q=0.8", "en", "Home nursing", "nurse"},
		{"no", "nb", "Hjemmesykepleie", "sykepleier"},
		{"nn-NO;q=0.9, en;q=0.5", "nn", "Heimesjukepleie", "sjukepleiar"},
		{"", "nb", "Hjemmesykepleie", "sykepleier"},
		{"de, fr;q=0.5", "nb", "Hjemmesykepleie", "sykepleier"},
		{"***garbage;;q=x", "nb", "Hjemmesykepleie", "sykepleier"},
	}
	for _, tc := range tests {
		t.Run(tc.accept, func(t *testing.T) {
			get := func(path string) []byte {
				t.Helper()
				res, b := e.Do(t, http.MethodGet, path, tok, nil, "Accept-Language", tc.accept)
				wantStatus(t, res, b, http.StatusOK)
				if cl := res.Header.Get("Content-Language"); cl != tc.lang {
					t.Errorf("%s: Content-Language %q, want %q", path, cl, tc.lang)
				}
				return b
			}
			svcs := decode[[]api.Service](t, get("/v1/persons/p-ingrid/services"))
			if svcs[0].Code != "home_nursing" || svcs[0].Name != tc.service {
				t.Errorf("services: %+v, want %s", svcs[0], tc.service)
			}
			th := decode[api.Thread](t, get("/v1/persons/p-ingrid/threads/t-ingrid-5"))
			if th.Service.Name != tc.service || th.Messages[0].StaffRole == nil || *th.Messages[0].StaffRole != tc.role {
				t.Errorf("thread: service %q, role %v; want %s, %s", th.Service.Name, th.Messages[0].StaffRole, tc.service, tc.role)
			}
			mp := decode[api.MessagePage](t, get("/v1/persons/p-ingrid/threads/t-ingrid-5/messages"))
			if mp.Items[0].StaffRole == nil || *mp.Items[0].StaffRole != tc.role {
				t.Errorf("messages: role %v, want %s", mp.Items[0].StaffRole, tc.role)
			}
			page := decode[api.ThreadPage](t, get("/v1/persons/p-ingrid/threads?limit=100"))
			for _, it := range page.Items {
				if it.Service.Code == "home_nursing" && it.Service.Name != tc.service {
					t.Errorf("thread list: %q", it.Service.Name)
				}
			}
			seen := 0
			for _, a := range decode[[]api.Appointment](t, get(appts)) {
				if a.Service.Code == "home_nursing" {
					seen++
					if a.Service.Name != tc.service {
						t.Errorf("appointments: %q", a.Service.Name)
					}
				}
			}
			if seen == 0 {
				t.Error("no home-nursing appointment to check")
			}
			ov := decode[api.Overview](t, get("/v1/persons/p-ingrid/overview"))
			if ov.NextAppointment != nil && ov.NextAppointment.Service.Code == "home_nursing" && ov.NextAppointment.Service.Name != tc.service {
				t.Errorf("overview: %q", ov.NextAppointment.Service.Name)
			}
		})
	}
}
