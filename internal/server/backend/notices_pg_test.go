package backend

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
)

// TestNoticeReplicasPostgres: two replicas on one PostgreSQL database queue and send together. Events for
// one person queued on both at once make one notice; of many notices each is sent once (one Message-ID or
// SMS reference each, none twice), though both senders run at the same time.
func TestNoticeReplicasPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	gw := newSMSGateway(t)
	clk := &syncClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	mk := func() *Server {
		s, err := New(Config{DSN: dsn, Demo: true, Now: clk.now, Notices: NoticeConfig{manual: true,
			SMTP: "smtp://" + sink.Addr, MailFrom: testMailFrom, TLS: ca.clientTLS(), SMSURL: gw.URL, SMSToken: gw.Token}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := mk(), mk()
	if a.Store() != "postgres" {
		t.Fatalf("store %s", a.Store())
	}

	// Many persons, a notice each, queued half on each replica.
	const persons = 40
	wantEmail, wantSMS := 0, 0
	for i := range persons {
		id := fmt.Sprintf("p-bulk-%02d", i)
		channel := []string{"email", "sms", "both"}[i%3]
		if _, err := a.db.Exec(`INSERT INTO persons (id, name, birth_date, national_id, phone, email, notification_channel)
			VALUES (?, ?, '1950-01-01', ?, ?, ?, ?)`, id, "Bulk "+id, fmt.Sprintf("bulk%02d", i), fmt.Sprintf("9100%04d", i),
			fmt.Sprintf("bulk%02d@example.no", i), channel); err != nil {
			t.Fatal(err)
		}
		if channel != "sms" {
			wantEmail++
		}
		if channel != "email" {
			wantSMS++
		}
		queue(t, []*Server{a, b}[i%2], id, NoticeMessage)
	}
	// Ingrid: ten events at once, five on each replica: one notice.
	setPerson(t, a.db, DemoIngrid, `notification_channel = 'email'`)
	wantEmail++
	var wg sync.WaitGroup
	for i := range 10 {
		s := []*Server{a, b}[i%2]
		kind := []NoticeKind{NoticeMessage, NoticeVisitChanged}[i%2]
		wg.Go(func() {
			if err := queueTx(s, DemoIngrid, kind); err != nil {
				t.Errorf("queueNotice: %v", err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if got := noticesOf(t, a, DemoIngrid); len(got) != 1 || got[0].Events != 10 || got[0].Kinds != "message,visit_changed" &&
		got[0].Kinds != "visit_changed,message" {
		t.Fatalf("Ingrid's notices: %+v; want one of 10 events", got)
	}

	clk.add(2 * time.Minute)
	handled := [2]int{}
	for i, s := range []*Server{a, b} {
		wg.Go(func() {
			for {
				n, err := s.notices.pass(t.Context())
				handled[i] += n
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
				if n == 0 || err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// A notice one replica still held when the other looked is done by the time both stop; one more pass
	// each finds nothing.
	if n := pass(t, a) + pass(t, b); n != 0 {
		t.Fatalf("%d notices left after both senders stopped", n)
	}
	t.Logf("notices handled: replica a %d, replica b %d", handled[0], handled[1])
	var queued int
	if err := a.db.QueryRow(`SELECT COUNT(*) FROM notices WHERE status <> 'sent'`).Scan(&queued); err != nil || queued != 0 {
		t.Fatalf("%d notices not sent (%v)", queued, err)
	}
	all, byID := sink.All(), sink.ByMessageID()
	if len(all) != wantEmail || len(byID) != wantEmail {
		t.Errorf("e-mail: %d deliveries, %d Message-IDs; want %d of each", len(all), len(byID), wantEmail)
	}
	kept, repeats, bad := gw.Stats()
	if kept != wantSMS || repeats != 0 || len(bad) != 0 {
		t.Errorf("SMS: %d kept, %d repeats, %v refused; want %d, 0", kept, repeats, bad, wantSMS)
	}
}
