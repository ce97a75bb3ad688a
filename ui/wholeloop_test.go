package ui

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/chromedp/chromedp"
	"github.com/emersion/go-smtp"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// loopMail is a message the test's SMTP server (emersion/go-smtp) received.
type loopMail struct {
	from string
	to   []string
	data string
}

type loopSMTP struct {
	mu   sync.Mutex
	mail []loopMail
	got  chan struct{} // one per message received
}

type loopSession struct {
	k *loopSMTP
	m loopMail
}

func (s *loopSession) AuthPlain(string, string) error              { return nil }
func (s *loopSession) Mail(from string, _ *smtp.MailOptions) error { s.m.from = from; return nil }
func (s *loopSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.to = append(s.m.to, to)
	return nil
}
func (s *loopSession) Reset()        { s.m = loopMail{} }
func (s *loopSession) Logout() error { return nil }
func (s *loopSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.data = string(b)
	s.k.mu.Lock()
	s.k.mail = append(s.k.mail, s.m)
	s.k.mu.Unlock()
	s.k.got <- struct{}{}
	return nil
}

func (k *loopSMTP) all() []loopMail {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]loopMail(nil), k.mail...)
}

// loopChromium starts headless Chromium for the whole loop; the test is skipped without it, except under CI.
func loopChromium(t *testing.T) context.Context {
	t.Helper()
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/deps.sh --test installs it)")
		}
		t.Skip("chromium is not installed")
	}
	dir, err := os.MkdirTemp("", "helsekiosk-loop-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20 && os.RemoveAll(dir) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(dir), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(1280, 900), chromedp.WSURLReadTimeout(2*time.Minute))
	t.Cleanup(acancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, tcancel := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(tcancel)
	return ctx
}

// TestWholeLoop: Ingrid writes at the kiosk (the UI on Fyne's test driver); a nurse, logged in through the
// demo staff IdP in headless Chromium, sees it with its deadline and answers; Ingrid's thread shows the answer
// without a new login; the notice arrives once at a real SMTP server (emersion/go-smtp) with no health detail;
// the nurse cancels Thursday's visit with a reason and marks today's done; the kiosk shows both; an SMS for the
// cancellation arrives at a test SMS gateway (the JSON POST the backend's --sms-url speaks).
func TestWholeLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := loopChromium(t)

	mails := &loopSMTP{got: make(chan struct{}, 100)}
	ms := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &loopSession{k: mails}, nil }))
	ms.Domain = "mx.loop.test"
	ms.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ms.Serve(ln)
	t.Cleanup(func() { ms.Close() })

	var smsMu sync.Mutex
	var sms []map[string]any
	smsGot := make(chan struct{}, 100)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if json.NewDecoder(r.Body).Decode(&m) != nil || r.Header.Get("Authorization") != "Bearer loop-token" {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		smsMu.Lock()
		sms = append(sms, m)
		smsMu.Unlock()
		smsGot <- struct{}{}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"id":"gw-1"}`))
	}))
	t.Cleanup(gw.Close)
	// arrival waits for the next delivery (an event), at most a minute.
	arrival := func(ch chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(time.Minute):
			t.Fatalf("no %s within a minute", what)
		}
	}

	env := backendtest.New(t, backendtest.WithStaffPages(), backendtest.WithConfig(func(c *backend.Config) {
		c.Notices = backend.NoticeConfig{SMTP: "smtp://" + ln.Addr().String(), MailFrom: "Helsekiosk <varsel@kommune.example>",
			SMSURL: gw.URL, SMSToken: "loop-token", SMSHours: "00:00-24:00", MergeDelay: time.Millisecond, Poll: 50 * time.Millisecond}
	}))
	if _, err := env.Server.DB().Exec(`UPDATE persons SET notification_channel = 'both' WHERE id = 'p-ingrid'`); err != nil {
		t.Fatal(err)
	}

	// Ingrid writes at the kiosk, in the thread about Friday's visit.
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.k.pollEvery = 100 * time.Millisecond
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Meldingar")
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	in := h.k.cur.(*inbox)
	for i, th := range in.threads {
		if th.Id == "t-ingrid-5" { // the service wrote last: Ingrid's message makes it wait
			in.list.Select(i)
		}
	}
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil && s.t.Id == "t-ingrid-5" })
	th := h.k.cur.(*thread)
	const ingrids = "Det klør framleis og er litt raudt i kveld."
	test.Type(th.reply, ingrids)
	h.tap(h.k.tr("Send"))
	h.waitForText(h.k.tr("ReplySent"))
	due := h.k.longDate(workdays.ReplyDue(time.Now()))
	t.Logf("Ingrid wrote at the kiosk; the kiosk promises an answer by the end of %s", due)

	// The nurse logs in through the demo staff IdP in Chromium and sees it waiting, with its deadline.
	var row string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(env.URL+"/staff/inbox"),
		chromedp.WaitVisible(`#login-nurse`, chromedp.ByQuery),
		chromedp.Click(`#login-nurse`, chromedp.ByQuery),
		chromedp.WaitVisible(`#logout`, chromedp.ByQuery),
		chromedp.Navigate(env.URL+"/staff/inbox"),
		chromedp.WaitVisible(`tr.thread[data-id="t-ingrid-5"]`, chromedp.ByQuery),
		chromedp.Text(`tr.thread[data-id="t-ingrid-5"]`, &row, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	dueDay := workdays.ReplyDue(time.Now())
	if !strings.Contains(row, "Svar innan") || !strings.Contains(row, dueDay.Format("2.1.2006")) {
		t.Errorf("the nurse's inbox row: %q, want the deadline %s", row, dueDay.Format("2.1.2006"))
	}
	// She answers.
	const answer = "Vi ser på leggen i morgon tidleg. Ring legevakta om det blir verre i natt."
	var note string
	if err := chromedp.Run(ctx,
		chromedp.Click(`tr.thread[data-id="t-ingrid-5"] a[href="/staff/threads/t-ingrid-5"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#reply-body`, chromedp.ByQuery),
		chromedp.SendKeys(`#reply-body`, answer, chromedp.ByQuery),
		chromedp.Click(`#send-reply`, chromedp.ByQuery),
		chromedp.WaitVisible(`#due.muted`, chromedp.ByQuery),
		chromedp.Text(`#live-status`, &note, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if note != "Svaret er sendt." {
		t.Errorf("after answering the page says %q", note)
	}

	// Ingrid, still on the thread, sees the answer on the kiosk's next poll: no new login.
	h.waitForText(answer)
	h.waitForText("Nytt svar frå tenesta.")
	if !h.containsText("Marit Lie, sjukepleiar") {
		t.Errorf("the answer does not name the nurse and her role: %q", h.texts(false))
	}

	// The notice arrives at the SMTP server, once, without a health detail.
	arrival(mails.got, "e-mail after the answer")
	arrival(smsGot, "SMS after the answer")
	got := mails.all()
	if len(got) != 1 {
		t.Fatalf("%d e-mails after the answer, want 1", len(got))
	}
	m := got[0]
	t.Logf("the notice as received: MAIL FROM %s, RCPT TO %v\n%s", m.from, m.to, m.data)
	if len(m.to) != 1 || m.to[0] != "ingrid.haugen@example.no" {
		t.Errorf("the notice went to %v", m.to)
	}
	for _, secret := range []string{answer, ingrids, "legg", "Sårstell", "Marit", "sjukepleiar", "heimesjukepleie", "Heimesjukepleie"} {
		if strings.Contains(m.data, secret) {
			t.Errorf("the notice holds %q", secret)
		}
	}

	// The nurse cancels the next Thursday's visit with a reason and marks today's done.
	off := 1
	for time.Now().In(workdays.Oslo).AddDate(0, 0, off).Weekday() != time.Thursday {
		off++
	}
	thursday := "a-ingrid-hn-p" + strconv.Itoa(off)
	const reason = "Vi har for få på jobb denne dagen."
	// submit clicks a form's button and waits for the answer's page (RunResponse follows the navigation).
	submit := func(sel string) {
		t.Helper()
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(sel, chromedp.ByQuery))
		if err != nil || resp == nil || resp.Status != 200 {
			t.Fatalf("submit %s: %v %v", sel, resp, err)
		}
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(env.URL+"/staff/visits/"+thursday),
		chromedp.WaitVisible(`#cancel-reason`, chromedp.ByQuery),
		chromedp.SendKeys(`#cancel-reason`, reason, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	submit(`#cancel-visit`)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(env.URL+"/staff/visits/a-ingrid-hn-p0"),
		chromedp.WaitVisible(`#mark-done`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	submit(`#mark-done`)
	var doneAt string

	// The kiosk shows both.
	h.k.show(newAppointments(h.k, h.k.sess))
	h.waitFor("the list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
	list := h.k.cur.(*appointments)
	for _, r := range list.rows {
		if r.appt != nil && r.appt.Id == "a-ingrid-hn-p0" && r.appt.CompletedAt != nil {
			doneAt = h.k.clock(*r.appt.CompletedAt)
		}
	}
	if doneAt == "" {
		t.Fatalf("today's visit is not done in the kiosk's list")
	}
	openAppt(t, h, "a-ingrid-hn-p0")
	h.waitForText("Status: Utført " + doneAt)
	h.k.show(newAppointments(h.k, h.k.sess))
	h.waitFor("the list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
	openAppt(t, h, thursday)
	h.waitForText("Status: Avlyst av tenesta")
	h.waitForText("Grunnen tenesta gjev: " + reason)
	t.Logf("the kiosk shows «Utført %s» today and Thursday «Avlyst av tenesta» with the reason", doneAt)

	// An SMS for the cancellation reaches the gateway (with Ingrid's channel both, every notice goes both ways).
	arrival(smsGot, "SMS after the cancellation")
	smsMu.Lock()
	defer smsMu.Unlock()
	if len(sms) < 2 {
		t.Fatalf("%d SMS at the gateway, want the answer's and the cancellation's", len(sms))
	}
	last := sms[len(sms)-1]
	t.Logf("the SMS for the cancellation as received: %v", last)
	// Each notice once: no Message-ID twice at the SMTP server.
	ids := map[string]int{}
	for _, m := range mails.all() {
		for _, line := range strings.Split(m.data, "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "message-id:") {
				ids[strings.TrimSpace(line[len("message-id:"):])]++
			}
		}
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("Message-ID %s arrived %d times", id, n)
		}
	}
	t.Logf("%d e-mails (distinct Message-IDs: %d), %d SMS", len(mails.all()), len(ids), len(sms))
	if txt, _ := last["text"].(string); txt == "" || strings.Contains(txt, reason) || strings.Contains(txt, "torsdag") {
		t.Errorf("the SMS text: %q", txt)
	}
}
