package backend

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// noticeClock is a test clock for the notices' tests.
type noticeClock struct{ t time.Time }

func (c *noticeClock) now() time.Time      { return c.t }
func (c *noticeClock) add(d time.Duration) { c.t = c.t.Add(d) }

// newNoticeServer is a demo backend (SQLite in memory unless cfg says otherwise) on clk.
func newNoticeServer(t *testing.T, clk *noticeClock, edit func(*Config)) *Server {
	t.Helper()
	cfg := Config{Demo: true, Now: clk.now}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// queue runs queueNotice in a transaction of its own, as a staff page's write would.
func queue(t *testing.T, s *Server, personID string, kind NoticeKind) {
	t.Helper()
	if err := queueTx(s, personID, kind); err != nil {
		t.Fatalf("queueNotice(%s, %s): %v", personID, kind, err)
	}
}

// queueTx is queue for goroutines: it returns the error.
func queueTx(s *Server, personID string, kind NoticeKind) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := s.queueNotice(ctx, tx, personID, kind); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

type noticeRow struct {
	ID, Kinds, Status, SkipReason string
	Events                        int
}

func noticesOf(t *testing.T, s *Server, personID string) []noticeRow {
	t.Helper()
	rows, err := s.db.Query(`SELECT id, kinds, status, skip_reason, events FROM notices WHERE person_id = ? ORDER BY created_at, id`, personID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []noticeRow
	for rows.Next() {
		var r noticeRow
		if err := rows.Scan(&r.ID, &r.Kinds, &r.Status, &r.SkipReason, &r.Events); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func setPerson(t *testing.T, db *sql.DB, personID, set string, args ...any) {
	t.Helper()
	if _, err := db.Exec(`UPDATE persons SET `+set+` WHERE id = ?`, append(args, personID)...); err != nil {
		t.Fatal(err)
	}
}

// TestNoticeQueue: events for one person merge into the waiting notice; none, no address and completed
// visits not chosen are recorded or left out as the person's settings say; a rolled-back change leaves no
// notice.
func TestNoticeQueue(t *testing.T) {
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s := newNoticeServer(t, clk, nil)

	for id, want := range map[string]bool{DemoIngrid: true, DemoKari: false} {
		if p, err := getNoticePerson(context.Background(), s.db, id); err != nil || p.VisitDone != want {
			t.Fatalf("demo %s: notices of completed visits %v (%v), want %v", id, p.VisitDone, err, want)
		}
	}
	queue(t, s, DemoIngrid, NoticeMessage)
	clk.add(time.Minute)
	queue(t, s, DemoIngrid, NoticeVisitCancelled)
	queue(t, s, DemoIngrid, NoticeMessage)
	setPerson(t, s.db, DemoIngrid, `notify_visit_done = 0`)
	queue(t, s, DemoIngrid, NoticeVisitDone) // not chosen: nothing
	got := noticesOf(t, s, DemoIngrid)
	if len(got) != 1 || got[0].Kinds != "message,visit_cancelled" || got[0].Events != 3 || got[0].Status != "queued" {
		t.Fatalf("Ingrid's notices = %+v, want one queued of 3 events (message, visit_cancelled)", got)
	}
	setPerson(t, s.db, DemoIngrid, `notify_visit_done = 1`)
	queue(t, s, DemoIngrid, NoticeVisitDone)
	if got := noticesOf(t, s, DemoIngrid); len(got) != 1 || got[0].Kinds != "message,visit_cancelled,visit_done" || got[0].Events != 4 {
		t.Fatalf("after a completed visit chosen: %+v", got)
	}

	setPerson(t, s.db, DemoKari, `notification_channel = 'none'`)
	queue(t, s, DemoKari, NoticeMessage)
	if got := noticesOf(t, s, DemoKari); len(got) != 1 || got[0].Status != "skipped" || got[0].SkipReason != skipChannelNone {
		t.Fatalf("Kari (none): %+v", got)
	}
	if ch, ok, err := s.noticeReach(context.Background(), DemoKari); err != nil || ch != "none" || ok {
		t.Fatalf("noticeReach(Kari) = %q, %v, %v; want none, false", ch, ok, err)
	}
	setPerson(t, s.db, DemoOla, `notification_channel = 'email', email = ''`)
	queue(t, s, DemoOla, NoticeVisitChanged)
	if got := noticesOf(t, s, DemoOla); len(got) != 1 || got[0].Status != "skipped" || got[0].SkipReason != skipNoAddress {
		t.Fatalf("Ola (e-mail, no address): %+v", got)
	}
	if ch, ok, err := s.noticeReach(context.Background(), DemoOla); err != nil || ch != "email" || ok {
		t.Fatalf("noticeReach(Ola) = %q, %v, %v; want email, false", ch, ok, err)
	}
	if ch, ok, err := s.noticeReach(context.Background(), DemoIngrid); err != nil || ch != "sms" || !ok {
		t.Fatalf("noticeReach(Ingrid) = %q, %v, %v; want sms, true", ch, ok, err)
	}

	// The change rolled back: no notice.
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.queueNotice(ctx, tx, DemoPer, NoticeMessage); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if got := noticesOf(t, s, DemoPer); len(got) != 0 {
		t.Fatalf("rolled back, yet %+v", got)
	}
	if err := s.queueNotice(ctx, nil, DemoPer, "health_detail"); err == nil {
		t.Fatal("an unknown kind was queued")
	}

	b, err := s.noticeBacklog(ctx)
	if err != nil || b.Queued != 1 || b.Oldest != time.Minute || b.Email || b.SMS {
		t.Fatalf("noticeBacklog = %+v, %v; want 1 queued, 1m old, no transports", b, err)
	}
}
