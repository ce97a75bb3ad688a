package backend_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// The overview must agree with what the threads and appointments endpoints say, follow the clock, and
// leave out what the fullmakt does not cover.
func TestOverview(t *testing.T) {
	clock := backendtest.NewClock(testNow)
	e := backendtest.New(t, backendtest.WithClock(clock))
	ingrid := e.Token(t, backend.DemoIngrid)

	overview := func(tok, pid string) api.Overview {
		t.Helper()
		res, b := e.Do(t, http.MethodGet, "/v1/persons/"+pid+"/overview", tok, nil)
		wantStatus(t, res, b, http.StatusOK)
		return decode[api.Overview](t, b)
	}
	unreadByList := func() int {
		n := 0
		for _, th := range allThreads(t, e, ingrid, backend.DemoIngrid) {
			if th.Unread {
				n++
			}
		}
		return n
	}
	// nextByList is the first booked appointment not yet ended, from the list endpoint.
	nextByList := func() *api.Appointment {
		now := clock.Now()
		from := now.AddDate(0, 0, -1).Format(time.DateOnly)
		to := now.AddDate(0, 0, 60).Format(time.DateOnly)
		res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments?from="+from+"&to="+to, ingrid, nil)
		wantStatus(t, res, b, http.StatusOK)
		for _, a := range decode[[]api.Appointment](t, b) {
			if a.Status == api.Booked && a.End.After(now) {
				return &a
			}
		}
		return nil
	}

	o := overview(ingrid, backend.DemoIngrid)
	if o.UnreadCount == nil || *o.UnreadCount != unreadByList() || *o.UnreadCount == 0 {
		t.Fatalf("unread count %v, the list says %d", o.UnreadCount, unreadByList())
	}
	want := nextByList()
	if want == nil || o.NextAppointment == nil || o.NextAppointment.Id != want.Id {
		t.Fatalf("next appointment %+v, want %+v", o.NextAppointment, want)
	}
	if o.NextAppointment.Service.Name == "" || o.NextAppointment.Status != api.Booked {
		t.Errorf("next appointment lacks its service or is not booked: %+v", o.NextAppointment)
	}

	// Reading a thread lowers the count.
	unread := ""
	for _, th := range allThreads(t, e, ingrid, backend.DemoIngrid) {
		if th.Unread {
			unread = th.Id
			break
		}
	}
	res, b := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/"+unread+"/read", ingrid, nil)
	wantStatus(t, res, b, http.StatusNoContent)
	if o2 := overview(ingrid, backend.DemoIngrid); *o2.UnreadCount != *o.UnreadCount-1 {
		t.Errorf("after reading one thread the count is %d, was %d", *o2.UnreadCount, *o.UnreadCount)
	}

	// While a visit is under way it is still the next one; once it has ended, the one after it is.
	clock.Set(want.Start.Add(time.Minute))
	ingrid = e.Token(t, backend.DemoIngrid) // the clock moved past the old token's lifetime
	if o2 := overview(ingrid, backend.DemoIngrid); o2.NextAppointment == nil || o2.NextAppointment.Id != want.Id {
		t.Errorf("during the visit, next = %+v, want %s", o2.NextAppointment, want.Id)
	}
	clock.Set(want.End.Add(time.Minute))
	ingrid = e.Token(t, backend.DemoIngrid)
	after := nextByList()
	o2 := overview(ingrid, backend.DemoIngrid)
	switch {
	case after == nil && o2.NextAppointment != nil:
		t.Errorf("next = %s, the list has none", o2.NextAppointment.Id)
	case after != nil && (o2.NextAppointment == nil || o2.NextAppointment.Id != after.Id || after.Id == want.Id):
		t.Errorf("after the visit, next = %+v, want %s", o2.NextAppointment, after.Id)
	}
	clock.Set(testNow)
	ingrid = e.Token(t, backend.DemoIngrid)

	// A fullmakt for messages only: the count, no appointment.
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/fullmakt", ingrid, api.NewFullmakt{
		ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: []api.Scope{api.Messages}})
	wantStatus(t, res, b, http.StatusCreated)
	ola := e.Token(t, backend.DemoOla)
	if o3 := overview(ola, backend.DemoIngrid); o3.UnreadCount == nil || o3.NextAppointment != nil {
		t.Errorf("messages-only fullmakt: %+v", o3)
	}
	// Appointments only (Ingrid revokes and grants again): the appointment, no count.
	var f api.FullmaktLists
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/fullmakt", ingrid, nil)
	f = decode[api.FullmaktLists](t, b)
	for _, g := range f.GrantedByMe {
		if g.Receiver.Id == backend.DemoOla {
			res, b = e.Do(t, http.MethodDelete, "/v1/persons/p-ingrid/fullmakt/"+g.Id, ingrid, nil)
			wantStatus(t, res, b, http.StatusNoContent)
		}
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/fullmakt", ingrid, api.NewFullmakt{
		ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: []api.Scope{api.Appointments}})
	wantStatus(t, res, b, http.StatusCreated)
	if o3 := overview(ola, backend.DemoIngrid); o3.UnreadCount != nil || o3.NextAppointment == nil {
		t.Errorf("appointments-only fullmakt: %+v", o3)
	}

	// Someone the citizen does not reach: 404, as everywhere.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ola/overview", ingrid, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
}

// A caller that goes away mid-request (the kiosk left the screen or logged out) is not a server fault: the
// answer is a 4xx problem, never a 500.
func TestCancelledRequestIsNot500(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	for _, path := range []string{"/v1/persons/p-ingrid/overview", "/v1/persons/p-ingrid/threads", "/v1/me"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.Server.Handler().ServeHTTP(rec, req)
		if rec.Code/100 != 4 {
			t.Errorf("%s with a cancelled context: %d %s", path, rec.Code, rec.Body)
		}
	}
}
