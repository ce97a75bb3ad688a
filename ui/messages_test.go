package ui

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// countingProxy forwards to env and counts the /v1 requests it sees.
type countingProxy struct {
	URL string
	mu  sync.Mutex
	v1  []string
}

func newCountingProxy(t *testing.T, env *backendtest.Env) *countingProxy {
	t.Helper()
	target, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			p.mu.Lock()
			p.v1 = append(p.v1, r.Method+" "+r.URL.Path)
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *countingProxy) calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.v1...)
}

func TestHomeTakesTwoCallsAndShowsTheNextAppointment(t *testing.T) {
	env := backendtest.New(t)
	proxy := newCountingProxy(t, env)
	h := newHarness(t, config.Config{API: proxy.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home with both tiles filled", func() bool {
		s, ok := h.k.cur.(*home)
		return ok && s.messages != nil && strings.Contains(s.messages.Detail, "ulesne") &&
			s.appointments != nil && s.appointments.Detail != "Hentar …"
	})
	h.waitCalls("every call home started") // anything else home asked for has gone by now
	calls := proxy.calls()
	if len(calls) > 2 {
		t.Errorf("reaching home took %d API calls, want at most 2: %v", len(calls), calls)
	}

	o, err := h.k.sess.api.Overview(context.Background(), "p-ingrid")
	if err != nil || o.NextAppointment == nil || o.UnreadCount == nil {
		t.Fatalf("overview %+v, %v", o, err)
	}
	s := h.k.cur.(*home)
	if want := h.k.trn("UnreadCount", *o.UnreadCount); s.messages.Detail != want {
		t.Errorf("messages tile %q, want %q", s.messages.Detail, want)
	}
	// "I morgon 08:00–10:00, heimesjukepleie", "I dag …", "Torsdag 26. nov. …"
	shape := regexp.MustCompile(`^(I dag|I morgon|[A-ZÅ][a-zø]+dag \d{1,2}\. [a-z]+\.?) \d\d:\d\d–\d\d:\d\d, (heimesjukepleie|praktisk bistand)$`)
	if !shape.MatchString(s.appointments.Detail) {
		t.Errorf("appointments tile %q is not like «I morgon 08:00–10:00, heimesjukepleie»", s.appointments.Detail)
	}
	start := o.NextAppointment.Start.In(workdays.Oslo)
	if !strings.Contains(s.appointments.Detail, start.Format("15:04")+"–"+o.NextAppointment.End.In(workdays.Oslo).Format("15:04")) {
		t.Errorf("appointments tile %q does not show the window of %v", s.appointments.Detail, o.NextAppointment)
	}
}

func TestNextAppointmentText(t *testing.T) {
	h := newHarness(t, config.Config{Lang: "nn"})
	k := h.k
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, workdays.Oslo) // Monday
	k.clk = nowClock(func() time.Time { return now })
	at := func(day, h1, h2 int) *api.Appointment {
		return &api.Appointment{
			Start:   time.Date(2026, 11, day, h1, 0, 0, 0, workdays.Oslo),
			End:     time.Date(2026, 11, day, h2, 0, 0, 0, workdays.Oslo),
			Service: api.Service{Code: "home_nursing", Name: "Heimesjukepleie"},
		}
	}
	tests := []struct {
		lang string
		a    *api.Appointment
		want string
	}{
		{"nn", at(24, 8, 10), "I morgon 08:00–10:00, heimesjukepleie"},
		{"nb", at(24, 8, 10), "I morgen 08:00–10:00, heimesjukepleie"},
		{"en", at(24, 8, 10), "Tomorrow 08:00–10:00, heimesjukepleie"},
		{"nn", at(23, 15, 16), "I dag 15:00–16:00, heimesjukepleie"},
		{"nn", at(26, 8, 10), "Torsdag 26. nov. 08:00–10:00, heimesjukepleie"},
		{"nb", at(26, 8, 10), "Torsdag 26. nov. 08:00–10:00, heimesjukepleie"},
		{"nn", nil, "Ingen avtalar framover"},
		{"nb", nil, "Ingen avtaler fremover"},
	}
	for _, tt := range tests {
		k.setLang(tt.lang)
		if got := k.nextAppointmentText(tt.a); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.lang, got, tt.want)
		}
	}
}

func TestTimeInWords(t *testing.T) {
	h := newHarness(t, config.Config{Lang: "nn"})
	k := h.k
	now := time.Date(2026, 11, 26, 16, 30, 0, 0, workdays.Oslo) // Thursday
	oslo := func(y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, workdays.Oslo)
	}
	tests := []struct {
		lang      string
		t         time.Time
		short, dt string
	}{
		{"nn", oslo(2026, 11, 26, 14, 5), "i dag 14:05", "i dag 14:05"},
		{"nn", oslo(2026, 11, 26, 0, 0), "i dag 00:00", "i dag 00:00"},
		{"nn", oslo(2026, 11, 25, 23, 59), "i går", "i går 23:59"},
		{"nn", oslo(2026, 11, 24, 9, 0), "tysdag 24. nov.", "tysdag 24. nov. 09:00"},
		{"nb", oslo(2026, 11, 24, 9, 0), "tirsdag 24. nov.", "tirsdag 24. nov. 09:00"},
		{"en", oslo(2026, 11, 24, 9, 0), "Tuesday 24 Nov", "Tuesday 24 Nov 09:00"},
		{"nb", oslo(2026, 11, 26, 14, 5), "i dag 14:05", "i dag 14:05"},
		{"nb", oslo(2026, 11, 25, 8, 0), "i går", "i går 08:00"},
		{"nn", oslo(2026, 3, 2, 9, 0), "måndag 2. mars", "måndag 2. mars 09:00"},
		{"nn", oslo(2025, 12, 31, 9, 0), "31. des. 2025", "31. des. 2025 09:00"},
		{"en", oslo(2025, 12, 31, 9, 0), "31 Dec 2025", "31 Dec 2025 09:00"},
		// 22:30 UTC is already the next day in Oslo.
		{"nn", time.Date(2026, 11, 25, 23, 30, 0, 0, time.UTC), "i dag 00:30", "i dag 00:30"},
	}
	for _, tt := range tests {
		k.setLang(tt.lang)
		if got := k.shortTimeAt(tt.t, now); got != tt.short {
			t.Errorf("%s shortTime(%v) = %q, want %q", tt.lang, tt.t, got, tt.short)
		}
		if got := k.dateTimeAt(tt.t, now); got != tt.dt {
			t.Errorf("%s dateTime(%v) = %q, want %q", tt.lang, tt.t, got, tt.dt)
		}
	}
	// Across the change to winter time (25 October 2026) the day count stays right.
	k.setLang("nn")
	if got := k.shortTimeAt(oslo(2026, 10, 24, 12, 0), oslo(2026, 10, 25, 12, 0)); got != "i går" {
		t.Errorf("across DST: %q", got)
	}
}

// The limits the kiosk enforces are the contract's.
func TestLimitsMatchContract(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	maxLen := func(schema, prop string) int {
		s := doc.Components.Schemas[schema].Value.Properties[prop].Value
		if s.MaxLength == nil {
			t.Fatalf("%s.%s has no maxLength", schema, prop)
		}
		return int(*s.MaxLength)
	}
	if got := maxLen("NewThread", "subject"); got != maxSubject {
		t.Errorf("NewThread.subject maxLength %d, the kiosk allows %d", got, maxSubject)
	}
	if got := maxLen("NewThread", "body"); got != maxReply {
		t.Errorf("NewThread.body maxLength %d, the kiosk allows %d", got, maxReply)
	}
	if got := maxLen("NewMessage", "body"); got != maxReply {
		t.Errorf("NewMessage.body maxLength %d, the kiosk allows %d", got, maxReply)
	}
}

// threadsWithSubject counts personID's threads with subject, straight from the backend's database.
func threadsWithSubject(t *testing.T, env *backendtest.Env, personID, subject string) int {
	t.Helper()
	var n int
	if err := env.Server.DB().QueryRow(`SELECT COUNT(*) FROM threads WHERE person_id = ? AND subject = ?`, personID, subject).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openCompose goes from home to a new message with the services loaded.
func openCompose(t *testing.T, h *harness, inboxTile, newMessage string) *compose {
	t.Helper()
	h.tapWhenReady(inboxTile)
	h.tapWhenReady(newMessage)
	h.waitFor("the services", func() bool {
		s, ok := h.k.cur.(*compose)
		return ok && len(s.service.Options) > 0
	})
	return h.k.cur.(*compose)
}

// osloDateNN writes a date as the nynorsk receipt should ("måndag 30. november"), independently of the
// kiosk's own formatting.
func osloDateNN(t time.Time) string {
	days := []string{"sundag", "måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag"}
	months := []string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"}
	t = t.In(workdays.Oslo)
	return days[t.Weekday()] + " " + itoa(t.Day()) + ". " + months[t.Month()-1]
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestNewMessageReadBackSendAndReceipt(t *testing.T) {
	// Friday 27 November 2026, 10:00: the answer is due by the end of Monday 30 November.
	clock := backendtest.NewClock(time.Date(2026, 11, 27, 10, 0, 0, 0, workdays.Oslo))
	env := backendtest.New(t, backendtest.WithClock(clock))
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.k.clk = nowClock(clock.Now)
	logIn(t, h, env, "p-ingrid")
	c := openCompose(t, h, "Meldingar", "Ny melding")

	if len(c.service.Options) > 1 && c.service.Selected != "" {
		t.Errorf("%q is chosen before the citizen chose a service", c.service.Selected)
	}
	h.tap("Les gjennom")
	h.waitForText("Vel kven du vil skrive til.")
	c.service.SetSelected("Heimesjukepleie")
	const subject = "Spørsmål om dosett <b>neste</b> veke"
	const text = "Hei!\nKan de kome litt seinare på tysdag? **Ikkje** markdown.\n\nHelsing Ingrid"
	test.Type(c.subject, subject)
	test.Type(c.text, text)
	if want := "76 av 4000 teikn"; c.textCount.Text != want {
		t.Errorf("live counter %q, want %q", c.textCount.Text, want)
	}
	if want := "36 av 100 teikn"; c.subjectCount.Text != want {
		t.Errorf("subject counter %q, want %q", c.subjectCount.Text, want)
	}

	h.tap("Les gjennom")
	h.waitForText("Les gjennom før du sender")
	for _, s := range []string{"Heimesjukepleie", subject, text} {
		if !h.hasText(s) {
			t.Errorf("the read-back does not show %q exactly: %q", s, h.texts(false))
		}
	}
	if threadsWithSubject(t, env, "p-ingrid", subject) != 0 {
		t.Fatal("reading back sent the message")
	}
	h.tap("Send")
	h.waitForText("Meldinga er send")
	if want := "Du får svar innan utgangen av neste arbeidsdag: måndag 30. november."; !h.hasText(want) {
		t.Errorf("the receipt lacks %q: %q", want, h.texts(false))
	}
	if !h.containsText("113") || !h.containsText("116\u00a0117") || !h.containsText("ikkje for akutte behov") {
		t.Errorf("the receipt lacks the emergency numbers: %q", h.texts(false))
	}
	if !h.hasText("Send i dag 10:00 til Heimesjukepleie.") {
		t.Errorf("the receipt does not say when and to whom: %q", h.texts(false))
	}
	if n := threadsWithSubject(t, env, "p-ingrid", subject); n != 1 {
		t.Errorf("%d threads stored, want 1", n)
	}
	if h.k.sess.msgs.compose != nil {
		t.Error("the draft outlived its sending")
	}

	// The receipt opens the conversation, which shows the message exactly as written.
	h.tap("Opne samtalen")
	h.waitFor("the new thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	if !h.hasText(text) || !h.hasText(subject) {
		t.Errorf("the thread does not show the message exactly: %q", h.texts(false))
	}
}

func TestNewMessageReceiptInBokmal(t *testing.T) {
	// Wednesday 13 May 2026: Thursday 14 May is Ascension Day, so the answer is due Friday 15 May.
	clock := backendtest.NewClock(time.Date(2026, 5, 13, 15, 0, 0, 0, workdays.Oslo))
	env := backendtest.New(t, backendtest.WithClock(clock))
	h := newHarness(t, config.Config{API: env.URL, Lang: "nb"})
	logIn(t, h, env, "p-ingrid")
	c := openCompose(t, h, "Meldinger", "Ny melding")
	c.service.SetSelected("Praktisk bistand")
	test.Type(c.subject, "Vask")
	test.Type(c.text, "Kan dere komme på fredag i stedet?")
	if want := "34 av 4000 tegn"; c.textCount.Text != want {
		t.Errorf("counter %q, want %q", c.textCount.Text, want)
	}
	h.tap("Les gjennom")
	h.tapWhenReady("Send")
	h.waitForText("Meldingen er sendt")
	if want := "Du får svar innen utgangen av neste arbeidsdag: fredag 15. mai."; !h.hasText(want) {
		t.Errorf("the receipt lacks %q: %q", want, h.texts(false))
	}
	if !h.containsText("Meldinger er ikke for akutte behov") {
		t.Errorf("no emergency line: %q", h.texts(false))
	}
}

func TestNewMessageRefusesBadInputAndKeepsIt(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	c := openCompose(t, h, "Meldingar", "Ny melding")
	c.service.SetSelected("Heimesjukepleie")
	long := strings.Repeat("æ", maxSubject+1)
	c.subject.SetText(long)
	c.text.SetText("Hei")
	if c.subjectCount.Importance != widget.DangerImportance || c.subjectCount.Text != "101 av 100 teikn" {
		t.Errorf("subject counter %q (importance %v) does not warn", c.subjectCount.Text, c.subjectCount.Importance)
	}
	h.tap("Les gjennom")
	h.waitForText("Emnet er for langt: 101 teikn. Det kan vere på høgst 100 teikn.")
	c.subject.SetText("Hei")
	c.text.SetText(strings.Repeat("a", maxReply+1))
	h.tap("Les gjennom")
	h.waitForText("Meldinga er for lang: 4001 teikn. Ho kan vere på høgst 4000 teikn.")
	if c.text.Text != strings.Repeat("a", maxReply+1) {
		t.Error("the too-long text was cut")
	}
	c.text.SetText("   ")
	h.tap("Les gjennom")
	h.waitForText("Skriv noko før du sender.")
	if env.Server == nil || threadsWithSubject(t, env, "p-ingrid", "Hei") != 0 {
		t.Error("refused input was stored")
	}
}

// lossyTransport delivers the first POST that matches to the server, then throws the answer away and
// reports a broken connection, as when the network fails after the backend has done the work.
type lossyTransport struct {
	match string
	lost  atomic.Int32
}

func (l *lossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, l.match) && l.lost.Add(1) == 1 {
		res.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return res, err
}

// sessionWith is a session for personID whose requests go through rt, with no automatic retries (so the
// UI sees the failure and the citizen retries).
func sessionWith(t *testing.T, env *backendtest.Env, personID string, rt http.RoundTripper) *client.Session {
	t.Helper()
	c, err := client.New(env.URL, client.WithHTTPClient(&http.Client{Transport: rt}), client.WithRetries(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return c.NewSession(&oauth2.Token{AccessToken: env.Token(t, personID), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)})
}

func TestNewMessageRetryAfterLostAnswerCreatesOne(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	c := openCompose(t, h, "Meldingar", "Ny melding")
	const subject = "Nøkkelboks"
	const text = "Koden til nøkkelboksen er endra. Ring meg, så får de han."
	c.service.SetSelected("Heimesjukepleie")
	test.Type(c.subject, subject)
	test.Type(c.text, text)
	h.tap("Les gjennom")
	h.waitForText("Les gjennom før du sender")

	// The first attempt reaches the backend, but the answer is lost on the way back.
	real := h.k.sess.api
	lossy := &lossyTransport{match: "/threads"}
	h.k.sess.api = sessionWith(t, env, "p-ingrid", lossy)
	h.k.sess.api.SetLanguage(h.k.Lang()) // as the kiosk does for its own sessions: the service names in nynorsk
	h.tap("Send")
	h.waitFor("the failure", func() bool { return h.containsText("Meldinga vart ikkje send. Teksten din er teken vare på.") })
	if !h.hasText("Prøv igjen") {
		t.Errorf("no «Prøv igjen» after the failure: %q", h.texts(false))
	}
	if n := threadsWithSubject(t, env, "p-ingrid", subject); n != 1 {
		t.Fatalf("the lost attempt stored %d threads, want 1 (the test needs it to have reached the backend)", n)
	}
	key := h.k.sess.msgs.compose.key.Key()
	if key == "" || !h.hasText(text) {
		t.Fatalf("the draft or its key is gone (key %q): %q", key, h.texts(false))
	}

	// The citizen wanders off and comes back: the draft, and its key, are still there.
	h.tap("Heim")
	c = openCompose(t, h, "Meldingar", "Ny melding")
	if c.subject.Text != subject || c.text.Text != text || c.service.Selected != "Heimesjukepleie" {
		t.Fatalf("the draft was not kept: %q / %q / %q", c.service.Selected, c.subject.Text, c.text.Text)
	}
	h.tap("Les gjennom")

	// Trying again with the same key gets the first answer: still one thread.
	h.k.sess.api = real
	h.tapWhenReady("Send")
	h.waitForText("Meldinga er send")
	if h.k.sess.msgs.compose != nil {
		t.Error("the draft outlived its sending")
	}
	if n := threadsWithSubject(t, env, "p-ingrid", subject); n != 1 {
		t.Errorf("%d threads with the subject after the retry, want exactly 1", n)
	}
	r := h.k.cur.(*receipt)
	if len(r.t.Messages) != 1 || r.t.Messages[0].Body != text {
		t.Errorf("the receipt's thread %+v", r.t)
	}
}

func TestNewMessageFailureWhenBackendIsDown(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nb"})
	logIn(t, h, env, "p-ingrid")
	c := openCompose(t, h, "Meldinger", "Ny melding")
	c.service.SetSelected("Hjemmesykepleie") // the backend names services in the kiosk's language
	test.Type(c.subject, "Ny tid")
	test.Type(c.text, "Kan dere komme etter klokka ti?")
	h.tap("Les gjennom")
	real := h.k.sess.api
	dead, err := client.New("http://127.0.0.1:1", client.WithRetries(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	h.k.sess.api = dead.NewSession(&oauth2.Token{AccessToken: "x"})
	h.tapWhenReady("Send")
	h.waitForText("Meldingen ble ikke sendt. Teksten din er tatt vare på. Tjenesten er ikke tilgjengelig akkurat nå. Prøv igjen om litt.")
	key := h.k.sess.msgs.compose.key.Key()
	h.k.sess.api = real
	h.tap("Prøv igjen")
	h.waitForText("Meldingen er sendt")
	if n := threadsWithSubject(t, env, "p-ingrid", "Ny tid"); n != 1 {
		t.Errorf("%d threads, want 1", n)
	}
	if key == "" {
		t.Error("no key was made for the first attempt")
	}
}

// labelLines returns the lines a wrapping label lays out, from its rendered text objects.
func labelLines(l *widget.Label) []string {
	var lines []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *canvas.Text:
			lines = append(lines, o.Text)
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(l)
	return lines
}

func TestThreadShowsTextExactlyAndWrapsLongWords(t *testing.T) {
	env := backendtest.New(t)
	word := strings.Repeat("Langtordutanmellomrom", 15)[:300]
	markup := "<b>x</b> **y**"
	body := word + "\n" + markup
	tok := env.Token(t, backend.DemoIngrid)
	res, b := env.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok,
		api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "# Ikkje ei overskrift _heller_", Body: body})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Meldingar")
	h.waitFor("the thread in the list", func() bool {
		in, ok := h.k.cur.(*inbox)
		if !ok {
			return false
		}
		for i, th := range in.threads {
			if strings.HasPrefix(th.Subject, "# Ikkje") {
				in.list.Select(i)
				return true
			}
		}
		return false
	})
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	h.process() // checkFits: a long word that did not wrap would make the screen wider than 1280
	if !h.hasText("# Ikkje ei overskrift _heller_") {
		t.Errorf("the subject is not shown as sent: %q", h.texts(false))
	}
	var found *widget.Label
	for _, o := range h.objects(false) {
		if l, ok := o.(*widget.Label); ok && l.Text == body {
			found = l
		}
		if _, ok := o.(*widget.RichText); ok {
			for _, s := range textOf(o) {
				if strings.Contains(s, "Langtord") || s == "x" || s == "y" {
					// a Label renders through RichText: its segments must hold the text verbatim
					if !strings.Contains(body, s) {
						t.Errorf("rendered segment %q is not part of the text as sent", s)
					}
				}
			}
		}
	}
	if found == nil {
		t.Fatalf("no label shows the message exactly as sent: %q", h.texts(false))
	}
	if found.Wrapping != fyne.TextWrapWord {
		t.Error("the message label does not wrap")
	}
	lines := labelLines(found)
	if len(lines) < 3 {
		t.Fatalf("the 300-character word was laid out on %d line(s): %q", len(lines), lines)
	}
	if got := strings.Join(lines[:len(lines)-1], ""); got != word {
		t.Errorf("the wrapped word's lines do not join to the word: %q", got)
	}
	if last := lines[len(lines)-1]; last != markup {
		t.Errorf("the markup line is shown as %q, want %q", last, markup)
	}
	if w := found.Size().Width; w <= 0 || w > 1280 {
		t.Errorf("the message is %v wide", w)
	}
}

func TestReplyDraftSurvivesNavigationAndNotLogout(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Meldingar")
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	tid := h.k.cur.(*inbox).threads[0].Id
	h.k.cur.(*inbox).list.Select(0)
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	const draftText = "Eg skriv på eit svar som eg ikkje vil miste"
	test.Type(h.k.cur.(*thread).reply, draftText)
	if got := h.k.cur.(*thread).counter.Text; got != "43 av 4000 teikn" {
		t.Errorf("counter %q", got)
	}
	h.tap("Heim")
	h.tapWhenReady("Meldingar")
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	h.k.show(newThread(h.k, h.k.sess, tid))
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	if got := h.k.cur.(*thread).reply.Text; got != draftText {
		t.Errorf("the reply draft was lost: %q", got)
	}
	// A new message's draft too.
	h.k.show(newCompose(h.k, h.k.sess))
	h.waitFor("compose", func() bool { s, ok := h.k.cur.(*compose); return ok && len(s.service.Options) > 0 })
	test.Type(h.k.cur.(*compose).text, "Utkast til ny melding")

	visit := h.k.sess
	h.tap("Logg ut")
	h.waitForText("Logg inn")
	if h.k.sess != nil || visit.msgs.compose != nil || len(visit.msgs.replies) != 0 || visit.msgs.known {
		t.Errorf("message state survives logout: %+v", visit.msgs)
	}
	for _, s := range h.texts(true) {
		if strings.Contains(s, "ikkje vil miste") || strings.Contains(s, "Utkast") {
			t.Errorf("after logout a widget still holds %q", s)
		}
	}
}

func TestNewMessagesArePolled(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.k.pollEvery = 100 * time.Millisecond
	logIn(t, h, env, "p-ingrid")
	var before int
	h.waitFor("the unread count", func() bool {
		s, ok := h.k.cur.(*home)
		if ok && h.k.sess.msgs.known {
			before = h.k.sess.msgs.unread
			return s.messages.Detail == h.k.trn("UnreadCount", before)
		}
		return false
	})
	if h.containsText("Du har fått") {
		t.Error("a notice before anything new came")
	}

	// The service writes (one thread whose last message is the service's: unread).
	if err := env.Server.SeedBulk(context.Background(), backend.DemoIngrid, 1, 2); err != nil {
		t.Fatal(err)
	}
	h.waitForText("Du har fått ei ny melding.")
	h.waitForText(h.k.trn("UnreadCount", before+1))

	// In the inbox too: the new thread comes to the top of what is loaded, with a notice.
	h.tap("Meldingar")
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	if h.containsText("Du har fått") {
		t.Error("the notice followed to the inbox though nothing new came")
	}
	if err := env.Server.SeedBulk(context.Background(), backend.DemoIngrid, 2, 2); err != nil {
		t.Fatal(err)
	}
	h.waitForText("Du har fått 2 nye meldingar.")
	h.waitForText(h.k.trn("UnreadCount", before+3))
	in := h.k.cur.(*inbox)
	// The page and the unread count are two queries, so one poll may see the count before the threads:
	// the next poll brings them.
	h.waitFor("the new threads in the list", func() bool { return len(in.threads) >= 6+3 })
	seen := map[string]bool{}
	for _, th := range in.threads {
		if seen[th.Id] {
			t.Errorf("thread %s listed twice after a poll", th.Id)
		}
		seen[th.Id] = true
	}
	if len(in.threads) != 6+3 {
		t.Errorf("%d threads listed, want 9", len(in.threads))
	}

	// No polling elsewhere: on a thread the poller is stopped.
	in.list.Select(0)
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	if in.stopPoll == nil {
		t.Fatal("no poller")
	}
}
