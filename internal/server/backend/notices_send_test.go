package backend

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const testMailFrom = "Helsekiosk <varsel@kommune.example>"

// senderServer is a demo backend on clk whose notices go to sink (e-mail) and gw (SMS) when given; its
// sender does not run on its own: the test calls pass.
func senderServer(t *testing.T, clk *noticeClock, ca *testCA, sink *smtpSink, gw *smsGateway, edit func(*Config)) *Server {
	t.Helper()
	return newNoticeServer(t, clk, func(c *Config) {
		c.Notices.manual = true
		if sink != nil {
			c.Notices.SMTP, c.Notices.MailFrom, c.Notices.TLS = "smtp://"+sink.Addr, testMailFrom, ca.clientTLS()
		}
		if gw != nil {
			c.Notices.SMSURL, c.Notices.SMSToken = gw.URL, gw.Token
		}
		if edit != nil {
			edit(c)
		}
	})
}

// pass runs one pass of the sender and returns how many notices it handled.
func pass(t *testing.T, s *Server) int {
	t.Helper()
	n, err := s.notices.pass(context.Background())
	if err != nil {
		t.Fatalf("sender pass: %v", err)
	}
	return n
}

func noticeStatus(t *testing.T, s *Server, personID string) (status string, attempts int, due time.Time, lastError string) {
	t.Helper()
	var d int64
	if err := s.db.QueryRow(`SELECT status, attempts, due_at, last_error FROM notices WHERE person_id = ? ORDER BY created_at DESC LIMIT 1`, personID).
		Scan(&status, &attempts, &d, &lastError); err != nil {
		t.Fatal(err)
	}
	return status, attempts, time.UnixMilli(d), lastError
}

func noticeIDs(t *testing.T, s *Server, personID string) []string {
	t.Helper()
	var ids []string
	for _, r := range noticesOf(t, s, personID) {
		ids = append(ids, r.ID)
	}
	return ids
}

// secrets is what a notice must never hold: every subject, message text, staff name and role, visit
// description and address, service name and person name in the database.
func secrets(t *testing.T, s *Server) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT subject FROM threads`, `SELECT body FROM messages`, `SELECT author_name FROM messages`,
		`SELECT staff_role FROM messages`, `SELECT description FROM appointments`, `SELECT address FROM appointments`,
		`SELECT staff_role FROM appointments`, `SELECT name FROM services`, `SELECT name FROM persons`,
	} {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v = strings.TrimSpace(v); len(v) >= 4 {
				out = append(out, v)
			}
		}
		rows.Close()
	}
	for _, names := range serviceNames {
		for _, n := range names {
			out = append(out, n)
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d secrets found: is the demo data there?", len(out))
	}
	return out
}

var clockTime = regexp.MustCompile(`\b\d{1,2}[:.]\d{2}\b`)

// noSecrets fails when text holds a secret or a time of day.
func noSecrets(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	low := strings.ToLower(text)
	for _, s := range secrets {
		if strings.Contains(low, strings.ToLower(s)) {
			t.Errorf("%s holds %q", what, s)
		}
	}
	if m := clockTime.FindString(text); m != "" {
		t.Errorf("%s holds a time: %q", what, m)
	}
}

// hasMetrics fails unless /metrics has each of the lines.
func hasMetrics(t *testing.T, s *Server, lines ...string) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range lines {
		if !strings.Contains("\n"+string(body), "\n"+want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// TestNoticeEmail: a notice for a message and a cancellation reaches a real SMTP server (STARTTLS, AUTH
// PLAIN) once, after the merge delay, in the person's language, with the headers a mail system needs and
// nothing of what happened; a second pass sends nothing more.
func TestNoticeEmail(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "helsekiosk", "s3cret-smtp")
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s := senderServer(t, clk, ca, sink, nil, func(c *Config) {
		c.Notices.SMTP = "smtp://helsekiosk@" + sink.Addr
		c.Notices.SMTPPassword = "s3cret-smtp"
	})
	setPerson(t, s.db, DemoIngrid, `notification_channel = 'email', language = 'nn'`)

	queue(t, s, DemoIngrid, NoticeMessage)
	clk.add(time.Minute)
	queue(t, s, DemoIngrid, NoticeVisitCancelled)
	if n := pass(t, s); n != 0 {
		t.Fatalf("a pass within the merge delay handled %d notices", n)
	}
	clk.add(time.Minute)
	if n := pass(t, s); n != 1 {
		t.Fatalf("a pass after the merge delay handled %d notices, want 1", n)
	}
	if n := pass(t, s); n != 0 {
		t.Fatalf("a second pass handled %d notices", n)
	}
	got := sink.All()
	if len(got) != 1 {
		t.Fatalf("the SMTP server got %d messages, want 1", len(got))
	}
	m := got[0]
	ids := noticeIDs(t, s, DemoIngrid)
	want := map[string]string{
		"From":             `"Helsekiosk" <varsel@kommune.example>`,
		"To":               "<ingrid.haugen@example.no>",
		"Message-Id":       "<" + ids[0] + "@kommune.example>",
		"Subject":          "Nytt i Helsekiosk",
		"Content-Language": "nn",
		"Auto-Submitted":   "auto-generated",
	}
	dec := new(mime.WordDecoder)
	for h, v := range want {
		got, err := dec.DecodeHeader(m.Header.Get(h))
		if err != nil || got != v {
			t.Errorf("%s: %q (%v), want %q", h, got, err, v)
		}
	}
	ct, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || ct != "text/plain" || !strings.EqualFold(params["charset"], "UTF-8") {
		t.Errorf("Content-Type %q: want text/plain; charset=UTF-8", m.Header.Get("Content-Type"))
	}
	if m.Header.Get("Date") == "" || m.From != "varsel@kommune.example" || len(m.To) != 1 || m.To[0] != "ingrid.haugen@example.no" || !m.TLS {
		t.Errorf("envelope %s -> %v, TLS %v, Date %q", m.From, m.To, m.TLS, m.Header.Get("Date"))
	}
	if !strings.Contains(m.Body, "Les det på Helsekiosken på servicesenteret.") || !strings.Contains(m.Body, "ikkje kan svare på") {
		t.Errorf("the body is not the nynorsk notice:\n%s", m.Body)
	}
	sec := secrets(t, s)
	subject, _ := dec.DecodeHeader(m.Header.Get("Subject"))
	noSecrets(t, "the subject", subject, sec)
	noSecrets(t, "the body", m.Body, sec)
	t.Logf("the notice as received:\n%s", m.Raw)

	if st, _, _, _ := noticeStatus(t, s, DemoIngrid); st != "sent" {
		t.Errorf("status %s, want sent", st)
	}
	hasMetrics(t, s, `helsekiosk_notices_sent_total{channel="email"} 1`, `helsekiosk_notices_queued{channel="email"} 0`)
}

// TestNoticeEmailSMTPS: smtps:// speaks TLS from the start (no STARTTLS), in English for a person whose
// language is English.
func TestNoticeEmailSMTPS(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, true, "", "")
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s := senderServer(t, clk, ca, sink, nil, func(c *Config) { c.Notices.SMTP = "smtps://" + sink.Addr })
	setPerson(t, s.db, DemoPer, `notification_channel = 'email', language = 'en'`)
	queue(t, s, DemoPer, NoticeVisitChanged)
	clk.add(2 * time.Minute)
	pass(t, s)
	got := sink.All()
	if len(got) != 1 || !got[0].TLS || got[0].Header.Get("Subject") != "New in Helsekiosk" || !strings.Contains(got[0].Body, "service centre") {
		t.Fatalf("got %d messages (%+v)", len(got), got)
	}
}

// TestNoticeSMTPRefusesForAWhile: the SMTP server answers 451 three times; the sender retries after 30 s,
// 1 and 2 minutes on the server's clock (and not before), then the notice is sent once.
func TestNoticeSMTPRefusesForAWhile(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s := senderServer(t, clk, ca, sink, nil, nil)
	setPerson(t, s.db, DemoIngrid, `notification_channel = 'email'`)
	queue(t, s, DemoIngrid, NoticeMessage)
	clk.add(2 * time.Minute)
	sink.Refuse(3)
	for i, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
		if n := pass(t, s); n != 1 {
			t.Fatalf("attempt %d: pass handled %d", i+1, n)
		}
		st, attempts, due, lastErr := noticeStatus(t, s, DemoIngrid)
		if st != "queued" || attempts != i+1 || !due.Equal(clk.t.Add(wait)) || lastErr != "smtp_4xx" {
			t.Fatalf("after refusal %d: %s, %d attempts, due %v (want %v), %q", i+1, st, attempts, due, clk.t.Add(wait), lastErr)
		}
		clk.add(wait - time.Second)
		if n := pass(t, s); n != 0 {
			t.Fatalf("retried %d before the back-off ended", n)
		}
		clk.add(time.Second)
	}
	if n := pass(t, s); n != 1 {
		t.Fatalf("the fourth attempt handled %d", n)
	}
	if got := sink.All(); len(got) != 1 {
		t.Fatalf("the SMTP server accepted %d messages, want 1", len(got))
	}
	if st, attempts, _, _ := noticeStatus(t, s, DemoIngrid); st != "sent" || attempts != 3 {
		t.Fatalf("status %s after %d failed attempts", st, attempts)
	}
	hasMetrics(t, s, `helsekiosk_notices_failed_total{channel="email"} 3`, `helsekiosk_notices_sent_total{channel="email"} 1`)
}

// TestNoticeSMS: the SMS goes to the gateway as JSON with the bearer token and the notice id as its
// reference, in bokmål by default; a notice due at 22:30 Oslo time waits for 08:00; "both" sends both.
func TestNoticeSMS(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	gw := newSMSGateway(t)
	oslo, _ := time.LoadLocation("Europe/Oslo")
	clk := &noticeClock{t: time.Date(2026, 3, 10, 22, 28, 0, 0, oslo)}
	s := senderServer(t, clk, ca, sink, gw, nil)

	queue(t, s, DemoIngrid, NoticeVisitCancelled) // Ingrid: sms, no language stored
	clk.add(2 * time.Minute)
	if n := pass(t, s); n != 1 {
		t.Fatalf("pass at 22:30 handled %d", n)
	}
	if kept, _, _ := gw.Stats(); kept != 0 {
		t.Fatal("an SMS went at 22:30")
	}
	st, attempts, due, _ := noticeStatus(t, s, DemoIngrid)
	if want := time.Date(2026, 3, 11, 8, 0, 0, 0, oslo); st != "queued" || attempts != 0 || !due.Equal(want) {
		t.Fatalf("held: %s, %d, due %v, want due %v", st, attempts, due, want)
	}
	clk.t = time.Date(2026, 3, 11, 7, 59, 0, 0, oslo)
	if n := pass(t, s); n != 0 {
		t.Fatalf("pass at 07:59 handled %d", n)
	}
	clk.t = time.Date(2026, 3, 11, 8, 0, 0, 0, oslo)
	if n := pass(t, s); n != 1 {
		t.Fatalf("pass at 08:00 handled %d", n)
	}
	kept, repeats, bad := gw.Stats()
	if kept != 1 || repeats != 0 || len(bad) != 0 {
		t.Fatalf("gateway: %d kept, %d repeats, refused %v", kept, repeats, bad)
	}
	sms := <-gw.Got
	want := textOf(LangNB).SMS
	if sms.Recipient != "+4790000234" || sms.Text != want || sms.Reference != noticeIDs(t, s, DemoIngrid)[0] {
		t.Errorf("SMS %+v, want +4790000234, %q, the notice id", sms, want)
	}
	noSecrets(t, "the SMS", sms.Text, secrets(t, s))
	t.Logf("the SMS as received: %+v", sms)

	// Both channels: an e-mail and an SMS, each once.
	setPerson(t, s.db, DemoKari, `notification_channel = 'both', language = 'en'`)
	queue(t, s, DemoKari, NoticeMessage)
	clk.add(2 * time.Minute)
	gw.Fail(1)
	pass(t, s) // the e-mail goes; the gateway answers 503
	if got := sink.All(); len(got) != 1 || got[0].To[0] != "kari.haugen@example.no" {
		t.Fatalf("e-mail: %+v", got)
	}
	if st, attempts, _, lastErr := noticeStatus(t, s, DemoKari); st != "queued" || attempts != 1 || lastErr != "sms_5xx" {
		t.Fatalf("after the gateway's 503: %s %d %q", st, attempts, lastErr)
	}
	clk.add(30 * time.Second)
	pass(t, s)
	if got := sink.All(); len(got) != 1 {
		t.Fatalf("the e-mail went again on the SMS's retry: %d", len(got))
	}
	if sms := <-gw.Got; sms.Recipient != "+4790000567" || sms.Text != textOf(LangEN).SMS {
		t.Fatalf("Kari's SMS: %+v", sms)
	}
	if st, _, _, _ := noticeStatus(t, s, DemoKari); st != "sent" {
		t.Fatalf("Kari's notice: %s", st)
	}
}

// TestNoticeChannelAtSendTime: the channel in force when the notice is sent counts: a person who turned
// notices off after the event gets none (skipped); e-mail chosen after an SMS event goes by e-mail.
func TestNoticeChannelAtSendTime(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	gw := newSMSGateway(t)
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s := senderServer(t, clk, ca, sink, gw, nil)
	queue(t, s, DemoIngrid, NoticeMessage)
	queue(t, s, DemoOla, NoticeMessage)
	setPerson(t, s.db, DemoIngrid, `notification_channel = 'none'`)
	setPerson(t, s.db, DemoOla, `notification_channel = 'email'`)
	clk.add(2 * time.Minute)
	if n := pass(t, s); n != 2 {
		t.Fatalf("pass handled %d", n)
	}
	if got := noticesOf(t, s, DemoIngrid); got[0].Status != "skipped" || got[0].SkipReason != skipChannelNone {
		t.Errorf("Ingrid: %+v", got)
	}
	if got := sink.All(); len(got) != 1 || got[0].To[0] != "ola.berg@example.no" {
		t.Errorf("e-mail: %+v", got)
	}
	if kept, _, _ := gw.Stats(); kept != 0 {
		t.Errorf("%d SMS", kept)
	}
}

// TestNoticeNoTransport: without --smtp and --sms-url notices stay queued, and the staff page's backlog
// and /metrics say so; with only SMTP an SMS notice stays queued while an e-mail one is sent.
func TestNoticeNoTransport(t *testing.T) {
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s := newNoticeServer(t, clk, nil)
	if s.notices.active() || s.notices.started {
		t.Fatal("a sender runs without a transport")
	}
	queue(t, s, DemoIngrid, NoticeMessage)
	clk.add(90 * time.Minute)
	b, err := s.noticeBacklog(context.Background())
	if err != nil || b.Queued != 1 || b.Oldest != 90*time.Minute || b.Email || b.SMS {
		t.Fatalf("backlog %+v, %v", b, err)
	}
	hasMetrics(t, s, `helsekiosk_notices_queued{channel="sms"} 1`, `helsekiosk_notices_queued{channel="email"} 0`,
		`helsekiosk_notices_oldest_queued_age_seconds 5400`,
		`helsekiosk_notices_transport{channel="email"} 0`, `helsekiosk_notices_transport{channel="sms"} 0`,
		`helsekiosk_notices_sent_total{channel="email"} 0`, `helsekiosk_notices_failed_total{channel="sms"} 0`)

	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	s2 := senderServer(t, clk, ca, sink, nil, nil)
	queue(t, s2, DemoIngrid, NoticeMessage) // sms
	setPerson(t, s2.db, DemoOla, `notification_channel = 'email'`)
	queue(t, s2, DemoOla, NoticeMessage)
	clk.add(2 * time.Minute)
	if n := pass(t, s2); n != 1 {
		t.Fatalf("pass handled %d, want Ola's e-mail only", n)
	}
	if st, _, _, _ := noticeStatus(t, s2, DemoIngrid); st != "queued" {
		t.Fatalf("Ingrid's SMS notice: %s", st)
	}
	if b, _ := s2.noticeBacklog(context.Background()); b.Queued != 1 || !b.Email || b.SMS {
		t.Fatalf("backlog %+v", b)
	}
}

// TestNoticeSenderLoop: the sender started with the server sends on its own (the loop, on the test
// clock for due times): the test waits for the SMTP server's delivery.
func TestNoticeSenderLoop(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	clk := &syncClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	cfg := Config{Demo: true, Now: clk.now}
	cfg.Notices = NoticeConfig{SMTP: "smtp://" + sink.Addr, MailFrom: testMailFrom, TLS: ca.clientTLS(), Poll: 20 * time.Millisecond}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	setPerson(t, s.db, DemoOla, `notification_channel = 'email'`)
	queue(t, s, DemoOla, NoticeMessage)
	clk.add(2 * time.Minute)
	select {
	case m := <-sink.Got:
		if m.To[0] != "ola.berg@example.no" {
			t.Fatalf("to %v", m.To)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("no e-mail from the sender loop")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// syncClock is a test clock safe for the sender's goroutine.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *syncClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestNoticeTexts: every language has the notice texts; the SMS is one GSM 03.38 message; nynorsk and
// bokmål are themselves; no text has a placeholder or a time.
func TestNoticeTexts(t *testing.T) {
	gsm := "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	for _, l := range []Lang{LangNN, LangNB, LangEN} {
		x := textOf(l)
		if x.SMS == "" || x.EmailSubject == "" || len(x.EmailBody) < 100 {
			t.Errorf("%s: %+v", l, x)
		}
		if n := len([]rune(x.SMS)); n > 160 {
			t.Errorf("%s: the SMS has %d characters", l, n)
		}
		for _, r := range x.SMS {
			if !strings.ContainsRune(gsm, r) {
				t.Errorf("%s: the SMS has %q, not in GSM 03.38", l, r)
			}
		}
		for _, s := range []string{x.SMS, x.EmailSubject, x.EmailBody} {
			if strings.Contains(s, "{{") || clockTime.MatchString(s) {
				t.Errorf("%s: %q", l, s)
			}
		}
	}
	if noticeLang("") != LangNB || noticeLang("nn") != LangNN || noticeLang("de") != LangNB {
		t.Error("noticeLang")
	}
	nn, nb := textOf(LangNN), textOf(LangNB)
	for _, w := range []string{"ikke", "noe ", "fra ", "tjeneste"} {
		if strings.Contains(nn.SMS+nn.EmailBody, w) {
			t.Errorf("nynorsk has the bokmål %q", w)
		}
	}
	for _, w := range []string{"ikkje", "noko", "frå", "teneste"} {
		if strings.Contains(nb.SMS+nb.EmailBody, w) {
			t.Errorf("bokmål has the nynorsk %q", w)
		}
	}
}

// TestNoticeConfig: bad settings are refused when the server starts.
func TestNoticeConfig(t *testing.T) {
	for _, c := range []NoticeConfig{
		{SMTP: "smtp://mail.example"},                                // no --mail-from
		{SMTP: "http://mail.example", MailFrom: "a@b.example"},       // scheme
		{SMTP: "smtp://u:pw@mail.example", MailFrom: "a@b.example"},  // password in the URL
		{SMTP: "smtp://mail.example:99999", MailFrom: "a@b.example"}, // port
		{SMTP: "smtp://mail.example", MailFrom: "not an address"},    // from
		{SMSURL: "ftp://gw.example"},                                 // scheme
		{SMSURL: "https://gw.example", SMSHours: "21:00-08:00"},      // hours
		{SMSURL: "https://gw.example", SMSHours: "08:00"},            // hours
		{SMSURL: "https://gw.example", SMSHours: "24:00-24:00"},      // hours
	} {
		s, err := New(Config{Notices: c})
		if err == nil {
			s.Close()
			t.Errorf("%+v accepted", c)
		}
	}
}

// TestNoticePrune: notices done more than NoticeKeep ago are deleted by the sender; waiting ones stay.
func TestNoticePrune(t *testing.T) {
	ca := newTestCA(t)
	sink := newSMTPSink(t, ca, false, "", "")
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	s := senderServer(t, clk, ca, sink, nil, nil)
	setPerson(t, s.db, DemoOla, `notification_channel = 'email'`)
	queue(t, s, DemoOla, NoticeMessage)
	queue(t, s, DemoIngrid, NoticeMessage) // sms: no transport, stays queued
	clk.add(2 * time.Minute)
	pass(t, s)
	clk.add(NoticeKeep - time.Minute)
	pass(t, s)
	if got := len(noticesOf(t, s, DemoOla)); got != 1 {
		t.Fatalf("pruned before its time: %d", got)
	}
	clk.add(2 * time.Hour)
	pass(t, s)
	if got, waiting := len(noticesOf(t, s, DemoOla)), len(noticesOf(t, s, DemoIngrid)); got != 0 || waiting != 1 {
		t.Fatalf("after NoticeKeep: %d sent notices left, %d waiting (want 0, 1)", got, waiting)
	}
}

// loseAnswers is a RoundTripper that delivers the request and then loses the gateway's answer (as a
// connection that breaks after the gateway took the SMS), lose times.
type loseAnswers struct {
	mu   sync.Mutex
	lose int
}

func (l *loseAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.lose > 0 {
		l.lose--
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil, errors.New("connection reset by peer (test)")
	}
	return res, err
}

// TestNoticeSMSAnswerLost: the gateway takes the SMS but its answer is lost; the sender retries after the
// back-off with the same reference, and the gateway recognises the repeat: one SMS.
func TestNoticeSMSAnswerLost(t *testing.T) {
	gw := newSMSGateway(t)
	clk := &noticeClock{t: time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)}
	lost := &loseAnswers{lose: 1}
	s := senderServer(t, clk, nil, nil, gw, func(c *Config) { c.Notices.HTTPClient = &http.Client{Transport: lost} })
	queue(t, s, DemoIngrid, NoticeVisitDone) // the demo's Ingrid chose notices of completed visits
	clk.add(2 * time.Minute)
	pass(t, s)
	if st, attempts, _, lastErr := noticeStatus(t, s, DemoIngrid); st != "queued" || attempts != 1 || lastErr != "sms_network" {
		t.Fatalf("after the lost answer: %s, %d attempts, %q", st, attempts, lastErr)
	}
	clk.add(30 * time.Second)
	pass(t, s)
	kept, repeats, bad := gw.Stats()
	if kept != 1 || repeats != 1 || len(bad) != 0 {
		t.Fatalf("gateway: %d kept, %d repeats, %v refused; want 1 SMS and 1 repeat recognised", kept, repeats, bad)
	}
	if st, _, _, _ := noticeStatus(t, s, DemoIngrid); st != "sent" {
		t.Fatalf("status %s", st)
	}
	hasMetrics(t, s, `helsekiosk_notices_sent_total{channel="sms"} 1`, `helsekiosk_notices_failed_total{channel="sms"} 1`)
}

// TestNoticeSMSHours: the SMS hours' edges, over a day and across the change to summer time.
func TestNoticeSMSHours(t *testing.T) {
	oslo, _ := time.LoadLocation("Europe/Oslo")
	at := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, oslo) }
	for _, c := range []struct {
		hours string
		now   time.Time
		want  time.Time // zero: now
	}{
		{"08:00-21:00", at(10, 8, 0), time.Time{}},
		{"08:00-21:00", at(10, 20, 59), time.Time{}},
		{"08:00-21:00", at(10, 21, 0), at(11, 8, 0)},
		{"08:00-21:00", at(10, 7, 59), at(10, 8, 0)},
		{"08:00-21:00", at(10, 0, 0), at(10, 8, 0)},
		{"08:00-21:00", at(28, 23, 30), at(29, 8, 0)}, // the night summer time begins (29 March 2026)
		{"00:00-24:00", at(10, 23, 59), time.Time{}},
		{"09:30-16:15", at(10, 16, 15), at(11, 9, 30)},
	} {
		clk := &noticeClock{t: c.now}
		s := newNoticeServer(t, clk, func(cfg *Config) {
			cfg.Notices.SMSURL, cfg.Notices.SMSHours, cfg.Notices.manual = "http://gw.test/sms", c.hours, true
		})
		if got := s.notices.smsAllowedFrom(c.now); !got.Equal(c.want) {
			t.Errorf("%s at %v: %v, want %v", c.hours, c.now, got, c.want)
		}
	}
}
