package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// apptNow is the clock of the appointment tests: Tuesday 24 November 2026, 09:00 in Oslo. The demo data is
// laid out relative to it, so Ingrid's home nursing visit today (08:00–10:00) is under way, Thursday 26
// November has two visits and the cancellation deadline for Thursday is Wednesday 15:00.
func apptNow(t *testing.T) time.Time {
	t.Helper()
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(2026, time.November, 24, 9, 0, 0, 0, oslo)
}

// writeProxy stands between the kiosk and the backend. It records the Idempotency-Key of every write,
// and while failing is set it lets the backend store the write but answers 503, as when the answer is
// lost on the way back.
type writeProxy struct {
	URL string
	mu  sync.Mutex
	// writes are "METHOD path key" of every write the kiosk sent, in order.
	writes  []string
	failing bool
}

func newWriteProxy(t *testing.T, target string) *writeProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &writeProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1/") {
			rp.ServeHTTP(w, r)
			return
		}
		p.mu.Lock()
		p.writes = append(p.writes, r.Method+" "+r.URL.Path+" "+r.Header.Get("Idempotency-Key"))
		failing := p.failing
		p.mu.Unlock()
		if !failing {
			rp.ServeHTTP(w, r)
			return
		}
		rp.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Unavailable","status":503,"code":"unavailable"}`))
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *writeProxy) setFailing(f bool) {
	p.mu.Lock()
	p.failing = f
	p.mu.Unlock()
}

// writesTo returns the recorded writes whose path contains part.
func (p *writeProxy) writesTo(part string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, w := range p.writes {
		if strings.Contains(w, part) {
			out = append(out, w)
		}
	}
	return out
}

// backendSession is a session of its own on the backend, for checking what the kiosk stored.
func backendSession(t *testing.T, env *backendtest.Env, personID string) *client.Session {
	t.Helper()
	c, err := client.New(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c.NewSession(&oauth2.Token{AccessToken: env.Token(t, personID), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
}

// apptSetup logs Ingrid in through a writeProxy with the backend's and the kiosk's clocks at apptNow, and
// opens the appointments.
func apptSetup(t *testing.T, lang string) (*harness, *backendtest.Env, *backendtest.Clock, *writeProxy) {
	t.Helper()
	return apptSetupAt(t, lang, apptNow(t))
}

func apptSetupAt(t *testing.T, lang string, now time.Time) (*harness, *backendtest.Env, *backendtest.Clock, *writeProxy) {
	t.Helper()
	clk := backendtest.NewClock(now)
	// Tokens that outlive the test's clock jumps (the kiosk's client counts their life on the real clock).
	env := backendtest.New(t, backendtest.WithClock(clk),
		backendtest.WithConfig(func(c *backend.Config) { c.AccessTokenTTL = 24 * time.Hour }))
	proxy := newWriteProxy(t, env.URL)
	// The home nursing's own number, which a visit past its deadline is cancelled on (not Helsenorge's line).
	h := newHarness(t, config.Config{API: proxy.URL, Lang: lang, ServicePhones: map[string]string{"home_nursing": "22 11 22 33"}})
	h.k.clk = nowClock(clk.Now)
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady(h.k.tr("TileAppointments"))
	h.waitFor("the appointment list", func() bool {
		s, ok := h.k.cur.(*appointments)
		return ok && s.view != nil
	})
	return h, env, clk, proxy
}

// openAppt opens the listed appointment with id.
func openAppt(t *testing.T, h *harness, id string) *appointment {
	t.Helper()
	s, ok := h.k.cur.(*appointments)
	if !ok || !s.open(id) {
		t.Fatalf("appointment %s not in the list: %q", id, h.texts(false))
	}
	d, ok := h.k.cur.(*appointment)
	if !ok {
		t.Fatalf("the appointment did not open: %T", h.k.cur)
	}
	return d
}

func TestAppointmentsGroupedByDay(t *testing.T) {
	h, _, _, _ := apptSetup(t, "nn")
	s := h.k.cur.(*appointments)
	// Upcoming: today, tomorrow, then weekdays with dates, each heading followed by its visits in time order.
	var got []string
	for _, r := range s.rows[:8] {
		if r.appt == nil {
			got = append(got, "# "+r.day)
		} else {
			got = append(got, h.k.clock(r.appt.Start)+" "+r.appt.Service.Code)
		}
	}
	want := []string{
		"# I dag", "08:00 home_nursing",
		"# I morgon", "08:00 home_nursing",
		"# Torsdag 26. november", "08:00 home_nursing", "12:00 practical_help",
		"# Fredag 27. november",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("upcoming rows:\n got %q\nwant %q", got, want)
	}
	s.view.ScrollTo(6) // Thursday's practical help
	h.process()
	for _, text := range []string{"I morgon", "Torsdag 26. november", "kl. 08:00–10:00", "kl. 12:00–14:00",
		"Heimesjukepleie", "Praktisk bistand", "Heimebesøk  ·  Sjukepleiar", "Avtalt"} {
		if !h.hasText(text) {
			t.Errorf("the list does not show %q: %q", text, h.texts(false))
		}
	}
	days := 0
	for _, r := range s.rows {
		if r.appt != nil && r.appt.Start.Before(h.k.today()) {
			t.Errorf("a past visit among the upcoming: %v", r.appt.Start)
		}
		if r.appt == nil {
			days++
		}
	}
	if days != appointmentDays+1 {
		t.Errorf("%d day headings for the next three weeks, want %d", days, appointmentDays+1)
	}

	// Past: yesterday first, completed visits with the time they were done; cancelled and missed ones said
	// in words.
	h.tap("Tidlegare")
	if !s.past || s.rows[0].day != "I går" {
		t.Fatalf("past list does not start with yesterday: %+v", s.rows[:2])
	}
	h.process()
	if !h.hasText("I går") || !h.hasText("Utført 08:40") {
		t.Errorf("the past list lacks yesterday or «Utført 08:40»: %q", h.texts(false))
	}
	for _, want := range []struct {
		id, state string
	}{{"a-ingrid-hn-m5", "Avlyst"}, {"a-ingrid-hn-m12", "Ikkje gjennomført"}, {"a-ingrid-hn-m1", "Utført 08:40"}} {
		found := false
		for i, r := range s.rows {
			if r.appt != nil && r.appt.Id == want.id {
				found = true
				s.view.ScrollTo(i)
				h.process()
				if st, _, _ := h.k.apptState(*r.appt); st != want.state || !h.hasText(want.state) {
					t.Errorf("%s shows %q (visible: %v), want %q", want.id, st, h.hasText(want.state), want.state)
				}
			}
		}
		if !found {
			t.Errorf("%s not in the past list", want.id)
		}
	}
	for i := 1; i < len(s.rows); i++ {
		a, b := s.rows[i-1].appt, s.rows[i].appt
		if a != nil && b != nil && dayOf(a.Start, h.k.oslo).Before(dayOf(b.Start, h.k.oslo)) {
			t.Errorf("past days not newest first: %v before %v", a.Start, b.Start)
		}
	}
}

func TestAppointmentsBokmal(t *testing.T) {
	h, _, _, _ := apptSetup(t, "nb")
	for _, text := range []string{"I dag", "I morgen", "Torsdag 26. november", "Hjemmebesøk  ·  Sykepleier", "Kommende", "Tidligere"} {
		if !h.hasText(text) {
			t.Errorf("the bokmål list does not show %q: %q", text, h.texts(false))
		}
	}
}

// lastMessage is the newest message of personID's newest thread with the service.
func lastMessage(t *testing.T, sess *client.Session, personID, serviceID string) string {
	t.Helper()
	ctx := context.Background()
	page, err := sess.Threads(ctx, personID, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range page.Items {
		if th.Service.Id != serviceID {
			continue
		}
		full, err := sess.Thread(ctx, personID, th.Id)
		if err != nil {
			t.Fatal(err)
		}
		return full.Messages[len(full.Messages)-1].Body
	}
	return ""
}

func countIn(t *testing.T, sess *client.Session, personID, serviceID, part string) int {
	t.Helper()
	ctx := context.Background()
	page, err := sess.Threads(ctx, personID, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, th := range page.Items {
		if th.Service.Id != serviceID {
			continue
		}
		full, err := sess.Thread(ctx, personID, th.Id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range full.Messages {
			if strings.Contains(m.Body, part) {
				n++
			}
		}
	}
	return n
}

func TestCancelAppointment(t *testing.T) {
	h, env, _, proxy := apptSetup(t, "nn")
	d := openAppt(t, h, "a-ingrid-hn-p2")
	if !h.hasText("Torsdag 26. november, kl. 08:00–10:00") || !h.hasText("Status: Avtalt") {
		t.Fatalf("the appointment is not shown: %q", h.texts(false))
	}
	h.tap("Avlys")
	h.waitForText("Kvifor vil du avlyse?")
	if !h.hasText("Du kan avlyse her fram til onsdag 25. november kl. 15:00.") {
		t.Errorf("the deadline is not said: %q", h.texts(false))
	}

	// No reason, then «Anna» without a word: said at once, nothing sent.
	h.tap("Gå vidare")
	h.waitForText("Vel kvifor du vil avlyse.")
	h.tap("Anna")
	h.tap("Gå vidare")
	h.waitForText("Skriv kort kvifor når du vel «Anna».")
	h.tap("Eg er sjuk")
	test.Type(d.comment, "Feber sidan i går")
	h.tap("Gå vidare")
	h.waitForText("Vil du avlyse besøket torsdag 26. november kl. 08:00–10:00?")
	if !h.hasText("Årsak: Eg er sjuk") || !h.hasText("Feber sidan i går") {
		t.Errorf("the confirmation does not repeat the reason and comment: %q", h.texts(false))
	}

	// The answer is lost: the reason and comment stay, and trying again reuses the key, so the service gets
	// one cancellation.
	proxy.setFailing(true)
	h.tap("Ja, avlys besøket")
	h.waitFor("the failure", func() bool { return h.containsText("Avlysinga vart ikkje send.") })
	if !h.containsText(h.k.tr("ErrUnavailable")) || !h.hasText("Årsak: Eg er sjuk") || d.comment.Text != "Feber sidan i går" {
		t.Errorf("after a failure the choice or text is gone: %q", h.texts(false))
	}
	proxy.setFailing(false)
	h.tap("Ja, avlys besøket")
	h.waitForText("Avlysinga er send. Tenesta svarar i meldingane dine.")
	if !h.hasText("Status: Avlysinga er send") || !h.hasText("Du har bede om å avlyse. Tenesta har ikkje svart enno.") {
		t.Errorf("the appointment does not show the sent cancellation: %q", h.texts(false))
	}
	if h.hasText("Avlys") || h.hasText("Be om å endre") {
		t.Error("cancel and change are still offered after the cancellation")
	}
	keys := map[string]bool{}
	for _, w := range proxy.writesTo("/cancellation") {
		keys[w[strings.LastIndex(w, " ")+1:]] = true
	}
	if n := len(proxy.writesTo("/cancellation")); n < 2 || len(keys) != 1 {
		t.Errorf("the retry did not reuse the key: %q", proxy.writesTo("/cancellation"))
	}

	// The service has it in its thread, once.
	sess := backendSession(t, env, "p-ingrid")
	body := lastMessage(t, sess, "p-ingrid", "svc-home-nursing")
	if !strings.Contains(body, "Eg vil avlyse besøket torsdag 26. november kl. 08:00–10:00") ||
		!strings.Contains(body, "Årsak: Eg er sjuk") || !strings.Contains(body, "Feber sidan i går") {
		t.Errorf("the service's thread lacks the cancellation: %q", body)
	}
	if n := countIn(t, sess, "p-ingrid", "svc-home-nursing", "avlyse besøket torsdag 26. november"); n != 1 {
		t.Errorf("the cancellation reached the thread %d times, want once", n)
	}
	a, err := sess.Appointment(context.Background(), "p-ingrid", "a-ingrid-hn-p2")
	if err != nil || a.PendingRequest == nil || *a.PendingRequest != api.AppointmentPendingRequestCancellation {
		t.Errorf("the backend does not hold the cancellation: %+v %v", a, err)
	}

	// Back in the list it says so.
	h.tap("Alle avtalar")
	h.waitFor("the list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
	h.k.cur.(*appointments).view.ScrollTo(5)
	h.process()
	if !h.hasText("Avlysinga er send") {
		t.Errorf("the list does not show «Avlysinga er send»: %q", h.texts(false))
	}
}

func TestCancelAfterDeadlineShowsPhone(t *testing.T) {
	// Wednesday 25 November at 14:50: ten minutes left to cancel Thursday's visit.
	h, env, clk, proxy := apptSetupAt(t, "nn", apptNow(t).Add(24*time.Hour+5*time.Hour+50*time.Minute))
	d := openAppt(t, h, "a-ingrid-hn-p1")
	h.tap("Avlys")
	h.waitForText("Kvifor vil du avlyse?")
	h.tap("Eg har besøk")
	test.Type(d.comment, "Barnebarna kjem")
	h.tap("Gå vidare")
	h.waitForText("Ja, avlys besøket")

	// The deadline passes while the citizen reads: the backend refuses, and the kiosk says so plainly.
	clk.Advance(15 * time.Minute)
	h.tap("Ja, avlys besøket")
	h.waitForText("Fristen for å avlyse her gjekk ut onsdag 25. november kl. 15:00.")
	if !h.hasText("22 11 22 33") || !h.hasText("Ring oss heller, så hjelper vi deg:") {
		t.Errorf("no phone number after the deadline: %q", h.texts(false))
	}
	if len(proxy.writesTo("/cancellation")) != 1 {
		t.Errorf("writes: %q", proxy.writesTo("/cancellation"))
	}

	// Asking again goes straight to the phone number, without a form.
	h.tap("Tilbake")
	h.tap("Avlys")
	h.waitForText("22 11 22 33")
	if h.hasText("Kvifor vil du avlyse?") {
		t.Error("the form is offered after the deadline")
	}
	if len(proxy.writesTo("/cancellation")) != 1 {
		t.Errorf("a second cancellation was sent after the deadline: %q", proxy.writesTo("/cancellation"))
	}
	sess := backendSession(t, env, "p-ingrid")
	a, err := sess.Appointment(context.Background(), "p-ingrid", "a-ingrid-hn-p1")
	if err != nil || a.PendingRequest != nil {
		t.Errorf("the backend stored a late cancellation: %+v %v", a, err)
	}
	if n := countIn(t, sess, "p-ingrid", "svc-home-nursing", "avlyse besøket torsdag 26. november"); n != 0 {
		t.Errorf("a late cancellation reached the thread %d times", n)
	}
}

func TestCancelAfterDeadlineBokmal(t *testing.T) {
	// Wednesday 25 November at 15:30: too late for Thursday.
	h, _, _, proxy := apptSetupAt(t, "nb", apptNow(t).Add(24*time.Hour+6*time.Hour+30*time.Minute))
	openAppt(t, h, "a-ingrid-hn-p1")
	h.tap("Avlys")
	h.waitForText("Fristen for å avlyse her gikk ut onsdag 25. november kl. 15:00.")
	if !h.hasText("22 11 22 33") || !h.hasText("Ring oss i stedet, så hjelper vi deg:") {
		t.Errorf("no phone number after the deadline: %q", h.texts(false))
	}
	if len(proxy.writesTo("/cancellation")) != 0 {
		t.Error("a cancellation was sent after the deadline")
	}
}

func TestChangeRequest(t *testing.T) {
	h, env, _, proxy := apptSetup(t, "nn")
	d := openAppt(t, h, "a-ingrid-hn-p3")
	h.tap("Be om å endre")
	h.waitForText("Når passar det betre?")

	// Nothing chosen: said, nothing sent.
	h.tap("Send ønsket")
	h.waitForText("Vel ei tid eller skriv kva du ønskjer.")
	// A second suggestion with a day but no time window.
	d.proposals[0].daySel.SetSelectedIndex(2) // Fredag 27. november
	d.proposals[0].winSel.SetSelectedIndex(1) // 10:00–12:00
	h.tap("Legg til eit forslag")
	d.proposals[1].daySel.SetSelectedIndex(6) // Tysdag 1. desember
	h.tap("Send ønsket")
	h.waitForText("Vel både dag og tidsrom i forslag 2.")
	if len(proxy.writesTo("/change-request")) != 0 {
		t.Fatalf("an incomplete request was sent: %q", proxy.writesTo("/change-request"))
	}
	d.proposals[1].winSel.SetSelectedIndex(0) // 08:00–10:00
	h.tap("Legg til eit forslag")
	if h.hasText("Legg til eit forslag") {
		t.Error("a fourth suggestion is offered")
	}
	h.tap("Fjern") // the first row's
	if len(d.proposals) != 2 || d.proposals[0].day != 6 {
		t.Fatalf("removing the first suggestion left %+v", d.proposals)
	}
	d.proposals[1].daySel.SetSelectedIndex(2)
	d.proposals[1].winSel.SetSelectedIndex(1)
	test.Type(d.wish, "Helst etter klokka 10")

	// The answer is lost once: everything stays, and the retry reuses the key.
	proxy.setFailing(true)
	h.tap("Send ønsket")
	h.waitFor("the failure", func() bool { return h.containsText("Ønsket vart ikkje sendt.") })
	if d.wish.Text != "Helst etter klokka 10" || d.proposals[0].daySel.Selected != "Tysdag 1. desember" || d.proposals[1].winSel.Selected != "10:00–12:00" {
		t.Errorf("the failure lost what was chosen: %q", h.texts(false))
	}
	proxy.setFailing(false)
	h.tap("Send ønsket")
	h.waitForText("Ønsket om endring er sendt. Tenesta svarar i meldingane dine.")
	if !h.hasText("Status: Endringsønske sendt") {
		t.Errorf("the appointment does not show the change request: %q", h.texts(false))
	}
	keys := map[string]bool{}
	for _, w := range proxy.writesTo("/change-request") {
		keys[w[strings.LastIndex(w, " ")+1:]] = true
	}
	if len(keys) != 1 {
		t.Errorf("the retry did not reuse the key: %q", proxy.writesTo("/change-request"))
	}
	sess := backendSession(t, env, "p-ingrid")
	body := lastMessage(t, sess, "p-ingrid", "svc-home-nursing")
	for _, part := range []string{"Eg vil be om å endre besøket fredag 27. november kl. 08:00–10:00", "– tysdag 1. desember kl. 08:00–10:00",
		"– fredag 27. november kl. 10:00–12:00", "Kommentar: Helst etter klokka 10"} {
		if !strings.Contains(body, part) {
			t.Errorf("the service's thread lacks %q: %q", part, body)
		}
	}
	if n := countIn(t, sess, "p-ingrid", "svc-home-nursing", "endre besøket fredag 27. november"); n != 1 {
		t.Errorf("the change request reached the thread %d times, want once", n)
	}
	// A change request leaves cancelling possible.
	if !h.hasText("Avlys") {
		t.Error("cancelling is no longer offered after a change request")
	}
}

func TestChangeRequestWishOnlyBokmal(t *testing.T) {
	h, env, _, _ := apptSetup(t, "nb")
	d := openAppt(t, h, "a-ingrid-pb-p2")
	h.tap("Be om å endre")
	h.waitForText("Når passer det bedre?")
	test.Type(d.wish, "Kan dere komme en time senere?")
	h.tap("Send ønsket")
	h.waitForText("Ønsket om endring er sendt. Tjenesten svarer i meldingene dine.")
	if !h.hasText("Status: Endringsønske sendt") {
		t.Errorf("no «Endringsønske sendt»: %q", h.texts(false))
	}
	body := lastMessage(t, backendSession(t, env, "p-ingrid"), "p-ingrid", "svc-practical-help")
	if !strings.Contains(body, "Kommentar: Kan dere komme en time senere?") {
		t.Errorf("the wish did not reach the thread: %q", body)
	}
}
