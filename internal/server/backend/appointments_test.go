package backend_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func oslo(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, workdays.Oslo)
	if err != nil {
		panic(err)
	}
	return t
}

func TestListAppointments(t *testing.T) {
	e := backendtest.New(t, backendtest.WithNow(func() time.Time { return testNow }))
	tok := e.Token(t, backend.DemoIngrid)
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments?from=2026-02-17&to=2026-04-01", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	list := decode[[]api.Appointment](t, b)
	counts := map[api.AppointmentStatus]int{}
	for i, a := range list {
		counts[a.Status]++
		if i > 0 && a.Start.Before(list[i-1].Start) {
			t.Errorf("not ordered by start")
		}
		switch a.Status {
		case api.Fulfilled:
			if a.CompletedAt == nil {
				t.Errorf("%s fulfilled without completedAt", a.Id)
			}
		case api.Booked:
			if a.CancellableUntil == nil {
				t.Errorf("%s booked without cancellableUntil", a.Id)
			}
			if !a.Start.After(testNow) {
				t.Errorf("%s booked in the past", a.Id)
			}
		}
		if a.Service.Code == "home_nursing" && (!a.HomeVisit || a.End.Sub(a.Start) != 2*time.Hour) {
			t.Errorf("%s: home visit window %v-%v", a.Id, a.Start, a.End)
		}
	}
	// 21 days back and forth of home nursing (today's is fulfilled at 16:00), practical help on Thursdays.
	if counts[api.Cancelled] != 1 || counts[api.Noshow] != 1 || counts[api.Booked] < 21 || counts[api.Fulfilled] < 19 {
		t.Errorf("statuses %v", counts)
	}
	// The range is [from, to) in Oslo time: one day gives exactly that day's visits.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments?from=2026-03-12&to=2026-03-13", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	day := decode[[]api.Appointment](t, b)
	if len(day) != 2 { // Thursday: home nursing and practical help
		t.Fatalf("Thursday 12 March: %d appointments", len(day))
	}
	for _, a := range day {
		if a.Start.In(workdays.Oslo).Format("2006-01-02") != "2026-03-12" {
			t.Errorf("%s starts %v", a.Id, a.Start)
		}
	}
	// Emma's physiotherapy is at the clinic.
	ola := e.Token(t, backend.DemoOla)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-emma/appointments/a-emma-fy-p7", ola, nil)
	wantStatus(t, res, b, http.StatusOK)
	if a := decode[api.Appointment](t, b); a.HomeVisit || deref(a.Address) != backend.DemoPhysioAddress || a.Service.Code != "physiotherapy" {
		t.Errorf("Emma's appointment %+v", a)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments/a-emma-fy-p7", tok, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	// Exactly 400 days is allowed.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments?from=2026-01-01&to=2027-02-05", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
}

func TestCancellationDeadline(t *testing.T) {
	tests := []struct {
		name   string
		now    time.Time
		appt   string // Ingrid's home nursing, by offset from now's date
		status int
		code   string
	}{
		// Tuesday 10 March 2026.
		{"tomorrow, before 15:00 today", oslo("2026-03-10 14:59"), "a-ingrid-hn-p1", 201, ""},
		{"tomorrow, at 15:00 today", oslo("2026-03-10 15:00"), "a-ingrid-hn-p1", 409, "cancellation_deadline_passed"},
		{"tomorrow, after 15:00 today", oslo("2026-03-10 16:00"), "a-ingrid-hn-p1", 409, "cancellation_deadline_passed"},
		{"the day after tomorrow, after 15:00 today", oslo("2026-03-10 16:00"), "a-ingrid-hn-p2", 201, ""},
		// Friday 13 March: Monday's visit must be cancelled by Friday 15:00.
		{"Monday's visit on Friday afternoon", oslo("2026-03-13 15:30"), "a-ingrid-hn-p3", 409, "cancellation_deadline_passed"},
		{"Sunday's visit on Friday afternoon", oslo("2026-03-13 15:30"), "a-ingrid-hn-p2", 409, "cancellation_deadline_passed"},
		{"Monday's visit on Friday morning", oslo("2026-03-13 09:00"), "a-ingrid-hn-p3", 201, ""},
		{"Tuesday's visit on Friday afternoon", oslo("2026-03-13 15:30"), "a-ingrid-hn-p4", 201, ""},
		// Easter 2026: the Tuesday after Easter's deadline is Wednesday 1 April at 15:00.
		{"after Easter, Wednesday before, 14:00", oslo("2026-04-01 14:00"), "a-ingrid-hn-p6", 201, ""},
		{"after Easter, Wednesday before, 15:30", oslo("2026-04-01 15:30"), "a-ingrid-hn-p6", 409, "cancellation_deadline_passed"},
		// Not booked.
		{"fulfilled", oslo("2026-03-10 16:00"), "a-ingrid-hn-m1", 409, "not_cancellable"},
		{"already cancelled", oslo("2026-03-10 16:00"), "a-ingrid-hn-m5", 409, "not_cancellable"},
		{"noshow", oslo("2026-03-10 16:00"), "a-ingrid-hn-m12", 409, "not_cancellable"},
		{"unknown", oslo("2026-03-10 16:00"), "a-nope", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			e := backendtest.New(t, backendtest.WithNow(func() time.Time { return now }))
			tok := e.Token(t, backend.DemoIngrid)
			path := "/v1/persons/p-ingrid/appointments/" + tt.appt
			if tt.status == 201 {
				res, b := e.Do(t, http.MethodGet, path, tok, nil)
				wantStatus(t, res, b, http.StatusOK)
				a := decode[api.Appointment](t, b)
				if a.CancellableUntil == nil || !now.Before(*a.CancellableUntil) {
					t.Fatalf("cancellableUntil %v not after now %v", a.CancellableUntil, now)
				}
			}
			res, b := e.Do(t, http.MethodPost, path+"/cancellation", tok, api.CancellationRequest{Reason: api.Hospital})
			if tt.status != 201 {
				wantProblem(t, res, b, tt.status, tt.code)
				return
			}
			wantStatus(t, res, b, http.StatusCreated)
		})
	}
}

func TestCancellationDeadlineValue(t *testing.T) {
	e := backendtest.New(t, backendtest.WithNow(func() time.Time { return oslo("2026-03-30 12:00") }))
	tok := e.Token(t, backend.DemoIngrid)
	tests := []struct{ appt, want string }{
		{"a-ingrid-hn-p1", "2026-03-30 15:00"}, // Tuesday 31 March: Monday
		{"a-ingrid-hn-p2", "2026-03-31 15:00"}, // Wednesday 1 April: Tuesday
		{"a-ingrid-hn-p3", "2026-04-01 15:00"}, // Skjærtorsdag: Wednesday
		{"a-ingrid-hn-p8", "2026-04-01 15:00"}, // Tuesday 7 April after Easter: Wednesday 1 April
		{"a-ingrid-hn-p9", "2026-04-07 15:00"}, // Wednesday 8 April: Tuesday 7 April
	}
	for _, tt := range tests {
		res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments/"+tt.appt, tok, nil)
		wantStatus(t, res, b, http.StatusOK)
		a := decode[api.Appointment](t, b)
		if a.CancellableUntil == nil || !a.CancellableUntil.Equal(oslo(tt.want)) {
			t.Errorf("%s (%v): cancellableUntil %v, want %s", tt.appt, a.Start, a.CancellableUntil, tt.want)
		}
	}
}

func TestCancellationPostsMessage(t *testing.T) {
	e := backendtest.New(t, backendtest.WithNow(func() time.Time { return testNow }))
	kari := e.Token(t, backend.DemoKari) // acting for Ingrid
	comment := "Eg er på hytta."
	res, b := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/cancellation", kari,
		api.CancellationRequest{Reason: api.Other, Comment: &comment})
	wantStatus(t, res, b, http.StatusCreated)
	req := decode[api.AppointmentRequest](t, b)
	if req.Kind != api.AppointmentRequestKindCancellation || req.Status != api.Sent || req.AppointmentId != "a-ingrid-hn-p5" || req.ThreadId == nil {
		t.Fatalf("request %+v", req)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5", kari, nil)
	if a := decode[api.Appointment](t, b); a.PendingRequest == nil || *a.PendingRequest != api.AppointmentPendingRequestCancellation || a.Status != api.Booked {
		t.Errorf("appointment after request %+v", a)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/"+*req.ThreadId, kari, nil)
	wantStatus(t, res, b, http.StatusOK)
	th := decode[api.Thread](t, b)
	last := th.Messages[len(th.Messages)-1]
	if th.Service.Id != backend.ServiceHomeNursing || last.Author != api.AuthorKindCitizen || deref(last.AuthorName) != "Kari Haugen" ||
		!strings.Contains(last.Body, "søndag 15. mars kl. 08:00–10:00") || !strings.Contains(last.Body, comment) {
		t.Errorf("thread %s, last message %+v", th.Service.Id, last)
	}

	// A change request for Emma creates her a thread with physiotherapy when she has none... she has
	// one; use Ingrid's practical help which has threads too, and check the 1-3 windows are listed.
	tok := e.Token(t, backend.DemoIngrid)
	windows := []api.TimeWindow{
		{Start: oslo("2026-03-20 12:00"), End: oslo("2026-03-20 14:00")},
		{Start: oslo("2026-03-21 09:00"), End: oslo("2026-03-21 11:00")},
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/appointments/a-ingrid-pb-p2/change-request", tok, api.ChangeRequest{ProposedTimes: &windows})
	wantStatus(t, res, b, http.StatusCreated)
	req = decode[api.AppointmentRequest](t, b)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/"+*req.ThreadId, tok, nil)
	th = decode[api.Thread](t, b)
	last = th.Messages[len(th.Messages)-1]
	if th.Service.Id != backend.ServicePracticalHelp || !strings.Contains(last.Body, "fredag 20. mars kl. 12:00–14:00") || !strings.Contains(last.Body, "lørdag 21. mars kl. 09:00–11:00") {
		t.Errorf("change message %q in %s", last.Body, th.Service.Id)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments/a-ingrid-pb-p2", tok, nil)
	if a := decode[api.Appointment](t, b); a.PendingRequest == nil || *a.PendingRequest != api.AppointmentPendingRequestChange {
		t.Errorf("pendingRequest %v", a.PendingRequest)
	}
	// Change of a fulfilled appointment.
	c := "Seinare"
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/appointments/a-ingrid-hn-m2/change-request", tok, api.ChangeRequest{Comment: &c})
	wantProblem(t, res, b, http.StatusConflict, "not_cancellable")
}

func TestRequestCreatesThreadWhenNone(t *testing.T) {
	e := backendtest.New(t, backendtest.WithNow(func() time.Time { return testNow }))
	tok := e.Token(t, backend.DemoPer)
	res, b := e.Do(t, http.MethodPut, "/v1/consent", tok, api.ConsentGive{TermsVersion: backend.TermsVersion})
	wantStatus(t, res, b, http.StatusOK)
	// Remove Per's threads so the request has to start one.
	if _, err := e.Server.DB().Exec(`DELETE FROM messages WHERE thread_id IN (SELECT id FROM threads WHERE person_id = 'p-per')`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Server.DB().Exec(`DELETE FROM threads WHERE person_id = 'p-per'`); err != nil {
		t.Fatal(err)
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-per/appointments/a-per-hn-p5/cancellation", tok, api.CancellationRequest{Reason: api.Visitors})
	wantStatus(t, res, b, http.StatusCreated)
	req := decode[api.AppointmentRequest](t, b)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-per/threads", tok, nil)
	page := decode[api.ThreadPage](t, b)
	if len(page.Items) != 1 || page.Items[0].Id != *req.ThreadId || page.Items[0].Subject != "Avlysning av besøk" {
		t.Errorf("threads %+v", page.Items)
	}
}
