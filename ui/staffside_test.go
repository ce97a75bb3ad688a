package ui

import (
	"context"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestThreadShowsAnswerWithoutNewLogin: on a thread waiting for the service the kiosk says by when it
// answers (the contract's replyDue); an answer the service writes while the citizen is on the thread
// appears there on the kiosk's poll, with the staff member's name and role, and is said aloud.
func TestThreadShowsAnswerWithoutNewLogin(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.k.pollEvery = 100 * time.Millisecond
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Meldingar")
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	in := h.k.cur.(*inbox)
	row := -1
	for i, th := range in.threads {
		if th.Id == "t-ingrid-2" { // Ingrid wrote last («Tusen takk!»)
			row = i
		}
	}
	if row < 0 {
		t.Fatal("t-ingrid-2 is not listed")
	}
	in.list.Select(row)
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	s := h.k.cur.(*thread)
	if s.t.ReplyDue == nil {
		t.Fatal("the thread waits for the service but has no replyDue")
	}
	due := h.k.trd("ThreadReplyDue", map[string]any{"Date": h.k.longDate(s.t.ReplyDue.Time)})
	h.waitForText(due)

	if err := env.Server.ReplyAsStaff(context.Background(), "t-ingrid-2", "Marit Lie", "sjukepleiar", "Vi kjem klokka ti på fredag."); err != nil {
		t.Fatal(err)
	}
	h.waitForText("Vi kjem klokka ti på fredag.")
	h.waitForText("Nytt svar frå tenesta.")
	if !h.containsText("Marit Lie, sjukepleiar") {
		t.Errorf("the answer does not name the staff member and role: %q", h.texts(false))
	}
	if h.hasText(due) {
		t.Error("the reply date is still shown after the service answered")
	}
	n := 0
	for _, m := range s.t.Messages {
		if m.Body == "Vi kjem klokka ti på fredag." {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the answer is shown %d times", n)
	}
}

// TestAppointmentShowsWhoComesAndCancellation: the employee's name and role where the visit is assigned,
// the role only where the name is hidden, and the service's cancellation with its reason; in nn and nb.
func TestAppointmentShowsWhoComesAndCancellation(t *testing.T) {
	for _, c := range []struct{ lang, named, role, cancelled, reason string }{
		{"nn", "Kven kjem: Sofie Dahl, sjukepleiar", "Kven kjem: Sjukepleiar", "Status: Avlyst av tenesta", "Grunnen tenesta gjev: Sjukepleiaren er sjuk"},
		{"nb", "Hvem kommer: Sofie Dahl, sykepleier", "Hvem kommer: Sykepleier", "Status: Avlyst av tjenesten", "Grunnen tjenesten gir: Sjukepleiaren er sjuk"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			h, env, _, _ := apptSetup(t, c.lang)
			exec := func(q string) {
				t.Helper()
				if _, err := env.Server.DB().Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			exec(`UPDATE appointments SET staff_name = 'Sofie Dahl' WHERE id = 'a-ingrid-hn-p1'`)
			exec(`UPDATE appointments SET status = 'cancelled', cancelled_by = 'service', cancel_reason = 'Sjukepleiaren er sjuk' WHERE id = 'a-ingrid-hn-p3'`)
			h.k.show(newAppointments(h.k, h.k.sess))
			h.waitFor("the list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
			openAppt(t, h, "a-ingrid-hn-p1")
			h.waitForText(c.named)
			h.k.show(newAppointments(h.k, h.k.sess))
			h.waitFor("the list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
			openAppt(t, h, "a-ingrid-hn-p3")
			h.waitForText(c.cancelled)
			h.waitForText(c.reason)

			exec(`UPDATE persons SET hide_staff_name = 1 WHERE id = 'p-ingrid'`)
			h.k.show(newAppointments(h.k, h.k.sess))
			h.waitFor("the list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
			openAppt(t, h, "a-ingrid-hn-p1")
			h.waitForText(c.role)
			if h.containsText("Sofie Dahl") {
				t.Errorf("the hidden name is shown: %q", h.texts(false))
			}
		})
	}
}
