package client_test

import (
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// The overview agrees with the threads and appointments calls it stands in for, and is refused for a
// person the citizen does not reach.
func TestOverview(t *testing.T) {
	env := backendtest.New(t)
	c := newClient(t, env)
	s := session(t, env, c, "p-ingrid")

	o, err := s.Overview(ctx(t), "p-ingrid")
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.Threads(ctx(t), "p-ingrid", "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if o.UnreadCount == nil || *o.UnreadCount != page.UnreadCount || page.UnreadCount == 0 {
		t.Errorf("overview unread %v, threads page says %d", o.UnreadCount, page.UnreadCount)
	}
	now := time.Now()
	list, err := s.Appointments(ctx(t), "p-ingrid", now.AddDate(0, 0, -1), now.AddDate(0, 0, 30))
	if err != nil {
		t.Fatal(err)
	}
	var next *api.Appointment
	for i := range list {
		if list[i].Status == api.Booked && list[i].End.After(now) {
			next = &list[i]
			break
		}
	}
	if next == nil || o.NextAppointment == nil || o.NextAppointment.Id != next.Id {
		t.Errorf("overview next %+v, the list's first booked one %+v", o.NextAppointment, next)
	}

	kari := session(t, env, c, "p-kari")
	if o, err := kari.Overview(ctx(t), "p-ingrid"); err != nil || o.UnreadCount == nil || o.NextAppointment == nil {
		t.Errorf("Kari for Ingrid (messages and appointments): %+v, %v", o, err)
	}
	if _, err := s.Overview(ctx(t), "p-ola"); !client.IsNotFound(err) {
		t.Errorf("Ingrid for Ola: err = %v, want 404", err)
	}
}
