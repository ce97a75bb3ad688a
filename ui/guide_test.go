package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// fakeSpeaker is a talker that records what the kiosk says, in order: "say: …", "queue: …", "tone", "stop".
type fakeSpeaker struct {
	mu     sync.Mutex
	events []string
	rate   int
	volume int
}

func newFakeSpeaker() *fakeSpeaker { return &fakeSpeaker{rate: 150, volume: 100} }

func (f *fakeSpeaker) record(e string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

func (f *fakeSpeaker) Available() bool { return true }
func (f *fakeSpeaker) Say(_ context.Context, lang, text string) error {
	f.record("say: " + text)
	return nil
}
func (f *fakeSpeaker) Queue(_ context.Context, lang, text string) error {
	f.record("queue: " + text)
	return nil
}
func (f *fakeSpeaker) Tone(context.Context) error { f.record("tone"); return nil }
func (f *fakeSpeaker) Stop()                      { f.record("stop") }
func (f *fakeSpeaker) Done() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
func (f *fakeSpeaker) SetRate(wpm int)   { f.mu.Lock(); f.rate = wpm; f.mu.Unlock() }
func (f *fakeSpeaker) Rate() int         { f.mu.Lock(); defer f.mu.Unlock(); return f.rate }
func (f *fakeSpeaker) SetVolume(pct int) { f.mu.Lock(); f.volume = pct; f.mu.Unlock() }
func (f *fakeSpeaker) Volume() int       { f.mu.Lock(); defer f.mu.Unlock(); return f.volume }

// spoken returns what was said since the last call (say and queue only), and forgets it.
func (f *fakeSpeaker) spoken() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		if t, ok := strings.CutPrefix(e, "say: "); ok {
			out = append(out, t)
		} else if t, ok := strings.CutPrefix(e, "queue: "); ok {
			out = append(out, t)
		}
	}
	f.events = nil
	return out
}

// peek returns what was said and queued since the last call, keeping it.
func (f *fakeSpeaker) peek() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		if strings.HasPrefix(e, "say: ") || strings.HasPrefix(e, "queue: ") {
			out = append(out, e)
		}
	}
	return out
}

// all returns every event since the last call, and forgets them.
func (f *fakeSpeaker) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.events
	f.events = nil
	return out
}

// transcript collects everything said in a test, for the closing note's spoken session.
type transcript struct{ lines []string }

// heard fails unless something said since the last call contains each of want; it returns what was said.
func (h *harness) heard(sp *fakeSpeaker, tr *transcript, want ...string) string {
	h.t.Helper()
	h.process()
	said := strings.Join(sp.spoken(), "\n")
	if tr != nil && said != "" {
		tr.lines = append(tr.lines, said)
	}
	for _, w := range want {
		if !strings.Contains(said, w) {
			h.t.Errorf("speech lacks %q; it said:\n%s", w, said)
		}
	}
	return said
}

// press sends a key as the GLFW driver does: key down, then Tab to the focus manager (with shift:
// backwards) or the key to the focused widget (else to the canvas's handler, which is the kiosk's), then key
// up.
func (h *harness) press(name fyne.KeyName) { h.pressKey(&fyne.KeyEvent{Name: name}, false) }

// pressShift is press with Shift held (Shift+Tab).
func (h *harness) pressShift(name fyne.KeyName) { h.pressKey(&fyne.KeyEvent{Name: name}, true) }

// pressPad presses a numeric keypad key: the scan code tells it from the main keyboard's.
func (h *harness) pressPad(name fyne.KeyName, scan int) {
	h.pressKey(&fyne.KeyEvent{Name: name, Physical: fyne.HardwareKey{ScanCode: scan}}, false)
}

func (h *harness) keyDown(ev *fyne.KeyEvent) {
	c := h.k.win.Canvas()
	if f := c.Focused(); f != nil {
		if kb, ok := f.(desktop.Keyable); ok {
			kb.KeyDown(ev)
		}
	} else {
		h.k.keyDown(ev)
	}
}

func (h *harness) keyUp(ev *fyne.KeyEvent) {
	c := h.k.win.Canvas()
	if f := c.Focused(); f != nil {
		if kb, ok := f.(desktop.Keyable); ok {
			kb.KeyUp(ev)
		}
	} else {
		h.k.keyUp(ev)
	}
}

func (h *harness) pressKey(ev *fyne.KeyEvent, shift bool) {
	h.t.Helper()
	c := h.k.win.Canvas()
	h.keyDown(ev)
	tabbable, _ := c.Focused().(fyne.Tabbable)
	switch {
	case ev.Name == fyne.KeyTab && tabbable != nil && tabbable.AcceptsTab():
		c.Focused().TypedKey(ev) // the widget keeps Tab for itself, as GLFW's window lets it
	case ev.Name == fyne.KeyTab && shift:
		c.FocusPrevious()
	case ev.Name == fyne.KeyTab:
		c.FocusNext()
	default:
		if f := c.Focused(); f != nil {
			f.TypedKey(ev)
			if ev.Name == fyne.KeySpace {
				f.TypedRune(' ')
			} else if r := []rune(string(ev.Name)); len(r) == 1 && r[0] >= '0' && r[0] <= '9' {
				f.TypedRune(r[0]) // GLFW's character callback: a digit key types its digit
			}
		} else {
			h.k.key(ev)
		}
	}
	h.keyUp(ev)
	h.process()
}

// typeKeys types text into the focused widget, a character at a time, as the keyboard does.
func (h *harness) typeKeys(text string) {
	h.t.Helper()
	f := h.k.win.Canvas().Focused()
	if f == nil {
		h.t.Fatal("nothing has the focus to type into")
	}
	for _, r := range text {
		if r == ' ' {
			h.press(fyne.KeySpace)
			continue
		}
		f.TypedRune(r)
	}
	h.process()
}

// focusedText is the focused control's text (a button's, a tile's title), "" for others.
func (h *harness) focusedText() string {
	switch f := h.k.win.Canvas().Focused().(type) {
	case *widgets.Button:
		return f.Text
	case *widgets.Tile:
		return f.Title
	case *widgets.Check:
		return f.Text
	}
	return ""
}

// tabTo presses Tab (or the keypad's 2 with pad) until the focused control is labelled text, failing after
// a full round.
func (h *harness) tabTo(text string, pad bool) {
	h.t.Helper()
	for range 60 {
		_, typing := h.k.win.Canvas().Focused().(*widgets.Entry)
		switch {
		case pad && typing: // in a text field the keypad types digits; its Enter moves on
			h.pressPad(fyne.KeyEnter, scanKPEnter)
		case pad:
			h.pressPad(fyne.Key2, scanKP2)
		default:
			h.press(fyne.KeyTab)
		}
		if h.focusedText() == text {
			return
		}
	}
	h.t.Fatalf("Tab never reached %q; the window shows:\n%s", text, strings.Join(h.texts(false), "\n"))
}

// tabToType is tabTo for a control of type T that ok accepts.
func tabToType[T fyne.Focusable](h *harness, what string, ok func(T) bool) T {
	h.t.Helper()
	for range 60 {
		h.press(fyne.KeyTab)
		if f, is := h.k.win.Canvas().Focused().(T); is && ok(f) {
			return f
		}
	}
	h.t.Fatalf("Tab never reached %s; the window shows:\n%s", what, strings.Join(h.texts(false), "\n"))
	var zero T
	return zero
}

// TestKeysOnlySessionIsSpoken drives a whole visit in nynorsk with keys alone, as a blind citizen with the
// kiosk's keyboard and keypad would, and checks what the kiosk says at each step: speech guidance started
// with F1, the screens announced, the focus spoken (kind, name, state), list rows, the login code, typed
// letters and words, an error, a notice, going back with Escape, and the logout. The transcript is logged
// (go test -v -run TestKeysOnlySessionIsSpoken ./ui/) for the closing note.
func TestKeysOnlySessionIsSpoken(t *testing.T) {
	env := backendtest.New(t)
	sp := newFakeSpeaker()
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn"}, WithSpeaker(sp))
	tr := &transcript{}
	defer func() { t.Logf("spoken transcript:\n%s", strings.Join(tr.lines, "\n— ")) }()

	// F1 starts guidance; the screen says that speech is on, and the screen is announced after that, not
	// over it.
	h.press(fyne.KeyF1)
	if ev := sp.peek(); len(ev) < 2 || !strings.HasPrefix(ev[0], "say: Talerettleiinga er på") || !strings.HasPrefix(ev[1], "queue: ") {
		t.Errorf("F1's message is not followed by the queued announcement: %q", ev)
	}
	h.heard(sp, tr, "Talerettleiinga er på", "Helsekiosk", "Her loggar du inn med BankID", "Trykk 2 eller Tab")
	if !h.hasText("Talerettleiing er på") {
		t.Error("the screen does not show that speech is on")
	}
	h.press(fyne.KeyF1) // again: what the keys do
	h.heard(sp, tr, "Tastane: 2 eller pil ned")

	// Tab to «Logg inn»: each control is spoken as the focus reaches it.
	h.tabTo("Logg inn", false)
	h.heard(sp, tr, "Knapp, Logg inn.")
	h.press(fyne.KeyReturn)
	h.waitFor("the user code", func() bool { s, ok := h.k.cur.(*login); return ok && s.code.Visible() && s.code.Text != "" })
	code := ungroupCode(h.k.cur.(*login).code.Text)
	said := h.heard(sp, tr, "Logg inn med BankID på telefonen din", "Koden er:")
	if spelled := spellCode(code); !strings.Contains(said, spelled) {
		t.Errorf("the code %s is not spelled out group by group (%q) in:\n%s", code, spelled, said)
	}
	env.Approve(t, code, "p-ingrid")
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome && h.k.sess.me != nil })
	h.waitCalls("home's loads")
	h.heard(sp, tr, "Startsida")

	// The keypad: 2 moves on until «Meldingar»; 5 opens it.
	h.tabTo("Meldingar", true)
	h.heard(sp, tr, "Knapp, Meldingar")
	h.pressPad(fyne.Key5, scanKP5)
	h.waitFor("the inbox", func() bool { s, ok := h.k.cur.(*inbox); return ok && len(s.threads) > 0 })
	h.heard(sp, tr, "Meldingar", "nyaste først")

	// The list: its name and size, then a row as the focus moves (sender, subject, date, position).
	in := h.k.cur.(*inbox)
	tabToType(h, "the inbox list", func(*widgets.List) bool { return true })
	said = h.heard(sp, tr, "Liste, Meldingar", "1 av ")
	if !strings.Contains(said, in.threads[0].Subject) {
		t.Errorf("the first row's subject %q is not said: %s", in.threads[0].Subject, said)
	}
	h.pressPad(fyne.Key2, scanKP2)
	said = h.heard(sp, tr, "2 av ")
	if !strings.Contains(said, in.threads[1].Subject) {
		t.Errorf("the second row's subject %q is not said: %s", in.threads[1].Subject, said)
	}
	subject := in.threads[1].Subject
	h.press(fyne.KeyReturn)
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil && !s.send.Disabled() })
	h.heard(sp, tr, subject, "Du får svar innan utgangen av neste arbeidsdag")

	// The reply: the field is spoken with its name; typed letters and words are echoed.
	reply := tabToType(h, "the reply field", func(e *widgets.Entry) bool { return e.MultiLine })
	h.heard(sp, tr, "Tekstfelt med fleire linjer, Skriv svar, tomt.")
	h.typeKeys("Takk ")
	said = h.heard(sp, tr, "T\n", "Takk")
	h.typeKeys("for sist")
	if reply.Text != "Takk for sist" {
		t.Errorf("typing with keys gave %q", reply.Text)
	}
	h.heard(sp, tr)
	h.tabTo("Send", false)
	h.heard(sp, tr, "Knapp, Send.")
	h.press(fyne.KeyReturn)
	h.waitForText("Meldinga er send.")
	h.waitCalls("the send")
	h.heard(sp, tr, "Meldinga er send.")

	// Escape goes back the way the screen's back button does: to the inbox, then home.
	h.press(fyne.KeyEscape)
	h.waitFor("the inbox again", func() bool { _, ok := h.k.cur.(*inbox); return ok })
	h.heard(sp, tr, "Meldingane dine")
	h.press(fyne.KeyEscape)
	h.waitFor("home again", func() bool { return h.k.cur.kind() == kindHome })
	h.heard(sp, tr, "Startsida")

	// An error is spoken when it appears: a new message sent without text.
	h.waitCalls("home's loads")
	h.tabTo("Meldingar", false)
	h.press(fyne.KeyReturn)
	h.waitFor("the inbox", func() bool { _, ok := h.k.cur.(*inbox); return ok })
	h.tabTo("Ny melding", false)
	h.press(fyne.KeyReturn)
	h.waitFor("the services", func() bool { s, ok := h.k.cur.(*compose); return ok && len(s.service.Options) > 0 })
	h.heard(sp, tr, "Skriv ei ny melding")
	opt := tabToType(h, "a service option", func(*widgets.RadioOption) bool { return true })
	said = h.heard(sp, tr, "Valknapp", "1 av ")
	if !strings.Contains(said, opt.Text()) {
		t.Errorf("the option %q is not said: %s", opt.Text(), said)
	}
	h.pressPad(fyne.Key6, scanKP6) // within the group: the next service
	h.heard(sp, tr, "2 av ")
	h.press(fyne.KeySpace)
	h.heard(sp, tr, "valt")
	if next := h.k.win.Canvas().Focused().(*widgets.RadioOption); !next.Chosen() {
		t.Error("Space did not choose the focused service")
	}
	h.tabTo(h.k.tr("MsgReadBack"), false)
	h.press(fyne.KeyReturn)
	h.heard(sp, tr, h.k.tr("MsgSubjectEmpty"))

	// Logout from the top bar: it is said, and guidance ends with the session.
	h.press(fyne.KeyEscape)
	h.waitFor("the inbox", func() bool { _, ok := h.k.cur.(*inbox); return ok })
	h.heard(sp, tr)
	h.pressShift(fyne.KeyTab)
	for range 40 {
		if h.focusedText() == "Logg ut" {
			break
		}
		h.pressShift(fyne.KeyTab)
	}
	if h.focusedText() != "Logg ut" {
		t.Fatal("Shift+Tab never reached «Logg ut»")
	}
	h.press(fyne.KeyReturn)
	h.waitForText("Logg inn")
	h.heard(sp, tr, "Du er logga ut.", "Talerettleiinga er slått av.")
	if h.k.guiding() || h.hasText("Talerettleiing er på") {
		t.Error("speech guidance outlives the session")
	}
}

// TestGuideStartsByHoldingKeypadEnter: the keypad's Enter held for two seconds starts guidance; a short
// press does not (it activates, as 5 does). The welcome screen says how, now and then, while nobody is
// logged in.
func TestGuideStartsByHoldingKeypadEnter(t *testing.T) {
	clk := &testClock{t: time.Now()}
	sp := newFakeSpeaker()
	h := newHarnessWith(t, config.Config{Lang: "nb", GuideHintEvery: time.Minute}, WithSpeaker(sp), withClock(clk))
	h.advanceUntil(clk, 10*time.Second, 2*time.Minute, "the spoken hint", func() bool {
		for _, s := range sp.spoken() {
			if strings.Contains(s, "hold inne Enter-tasten på talltastaturet i to sekunder") {
				return true
			}
		}
		return false
	})

	enter := &fyne.KeyEvent{Name: fyne.KeyEnter, Physical: fyne.HardwareKey{ScanCode: scanKPEnter}}
	h.keyDown(enter) // a short press: down and up at once
	h.keyUp(enter)
	h.process()
	if h.k.guiding() {
		t.Fatal("a short press of Enter started speech guidance")
	}
	h.keyDown(enter)
	h.advanceUntil(clk, guideHoldTime/4, guideHoldTime*2, "guidance started by holding Enter", func() bool { return h.k.guiding() })
	h.keyUp(enter)
	h.heard(sp, nil, "Taleveiledningen er på", "Her logger du inn med BankID")

	// + reads the whole screen: the welcome screen's texts (in a scroll container) and its controls.
	h.pressPad(fyne.KeyPlus, scanKPAdd)
	h.heard(sp, nil, "Les og send meldinger", "Knapp, Logg inn.", "Knapp, Be om hjelp.")

	// Rate and volume from the keypad: 9 faster, / softer; the speaker gets them.
	rate, vol := sp.Rate(), sp.Volume()
	h.pressPad(fyne.Key9, scanKP9)
	h.pressPad(fyne.KeySlash, scanKPDiv)
	if sp.Rate() <= rate || sp.Volume() >= vol {
		t.Errorf("rate %d→%d, volume %d→%d: 9 and / did not reach the speaker", rate, sp.Rate(), vol, sp.Volume())
	}
	h.heard(sp, nil, "Raskere", "Lavere")
	// The main keyboard's 9 is a digit, not a speech key.
	h.press(fyne.Key9)
	if r := sp.Rate(); r != rate+rateStep {
		t.Errorf("the main keyboard's 9 changed the rate to %d", r)
	}
}

// TestIdleWarningIsSpokenAndSounded: with guidance on, the idle warning sounds a tone and then says the
// warning and that any key gives more time; a key does.
func TestIdleWarningIsSpokenAndSounded(t *testing.T) {
	env := backendtest.New(t)
	clk := &testClock{t: time.Now()}
	sp := newFakeSpeaker()
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", IdleTimeout: 20 * time.Second, IdleWarning: 10 * time.Second},
		WithSpeaker(sp), withClock(clk))
	h.press(fyne.KeyF1)
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
	h.waitCalls("home's loads")
	sp.all()
	h.advanceUntil(clk, idleTick, 15*time.Second, "the warning", func() bool { return h.k.idle.overlay != nil })
	ev := strings.Join(sp.all(), "\n")
	tone := strings.Index(ev, "tone")
	warn := strings.Index(ev, "Er du her framleis?")
	if tone < 0 || warn < tone || !strings.Contains(ev, "Trykk ein tast for meir tid.") || !strings.Contains(ev, "Du blir logga ut om") {
		t.Fatalf("the warning was not sounded, then spoken:\n%s", ev)
	}
	h.press(fyne.KeyF4)
	if h.k.idle.overlay != nil || h.k.sess == nil {
		t.Fatal("a key did not give more time")
	}
}

// TestKeysOnlyChoosePersonAndCancelVisit is the second half of a key-only visit: Kari logs in with the keys,
// chooses Ingrid (whose fullmakt she holds) with the keypad, opens the appointments, moves through the list
// to a visit, cancels it with a reason, and logs out; each step is spoken.
func TestKeysOnlyChoosePersonAndCancelVisit(t *testing.T) {
	clk := backendtest.NewClock(apptNow(t))
	env := backendtest.New(t, backendtest.WithClock(clk),
		backendtest.WithConfig(func(c *backend.Config) { c.AccessTokenTTL = 24 * time.Hour }))
	sp := newFakeSpeaker()
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn"}, WithSpeaker(sp))
	h.k.clk = nowClock(clk.Now)
	tr := &transcript{}
	defer func() { t.Logf("spoken transcript:\n%s", strings.Join(tr.lines, "\n— ")) }()

	h.pressPad(fyne.KeyEnter, scanKPEnter) // a short press with nothing focused: the focus goes to the first control
	h.press(fyne.KeyF1)
	h.heard(sp, tr, "Talerettleiinga er på")
	h.tabTo("Logg inn", true)
	h.pressPad(fyne.Key5, scanKP5)
	h.waitFor("the user code", func() bool { s, ok := h.k.cur.(*login); return ok && s.code.Visible() && s.code.Text != "" })
	h.heard(sp, tr, "Koden er:")
	env.Approve(t, ungroupCode(h.k.cur.(*login).code.Text), "p-kari")
	h.waitFor("the choice of person", func() bool { return h.k.cur != nil && h.k.cur.kind() == "choosePerson" })
	h.heard(sp, tr, "Kven gjeld det?", "Vel kven det gjeld")
	h.tabTo("Ingrid Haugen – fullmakt", true)
	h.heard(sp, tr, "Knapp, Ingrid Haugen – fullmakt.")
	h.pressPad(fyne.Key5, scanKP5)
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
	h.waitCalls("home's loads")
	h.heard(sp, tr, "Du handlar på vegner av Ingrid Haugen.", "Startsida")

	h.tabTo("Avtalar", true)
	h.pressPad(fyne.Key5, scanKP5)
	h.waitFor("the appointment list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil && len(s.rows) > 0 })
	h.waitCalls("the appointments")
	h.heard(sp, tr, "Avtalane dine")
	list := tabToType(h, "the appointment list", func(*widgets.List) bool { return true })
	h.heard(sp, tr, "Liste, Avtalar", "1 av ")
	s := h.k.cur.(*appointments)
	for range len(s.rows) {
		if r := s.rows[list.Current()]; r.appt != nil && r.appt.Id == "a-ingrid-hn-p2" {
			break
		}
		h.pressPad(fyne.Key2, scanKP2)
	}
	said := h.heard(sp, tr, "Torsdag 26. november", "08:00–10:00", "Avtalt")
	if !strings.Contains(said, "Heimesjukepleie") && !strings.Contains(said, "heimesjukepleie") && !strings.Contains(said, "Heimesjukepleia") {
		t.Logf("the row does not name the service as expected: %s", said)
	}
	h.pressPad(fyne.KeyEnter, scanKPEnter)
	h.waitFor("the appointment", func() bool { _, ok := h.k.cur.(*appointment); return ok })
	h.heard(sp, tr, "Ein avtale. Du kan avlyse han eller be om ny tid.")

	h.tabTo("Avlys", true)
	h.pressPad(fyne.Key5, scanKP5)
	h.heard(sp, tr, "Kvifor vil du avlyse?")
	h.tabTo("Gå vidare", true)
	h.pressPad(fyne.Key5, scanKP5)
	h.heard(sp, tr, "Vel kvifor du vil avlyse.") // the error, as it appears
	h.tabTo("Eg er sjuk", true)
	h.heard(sp, tr, "Knapp, Eg er sjuk, ikkje valt.")
	h.pressPad(fyne.Key5, scanKP5)
	// The form is drawn anew with the reason chosen; the focus stays on it, and says so.
	if h.focusedText() != "Eg er sjuk" {
		t.Errorf("after choosing, the focus is on %q, not on the reason", h.focusedText())
	}
	h.heard(sp, tr, "Knapp, Eg er sjuk, valt.")
	h.tabTo("Gå vidare", true)
	h.pressPad(fyne.Key5, scanKP5)
	h.heard(sp, tr, "Vil du avlyse besøket torsdag 26. november kl. 08:00–10:00?")
	h.tabTo("Ja, avlys besøket", true)
	h.pressPad(fyne.Key5, scanKP5)
	h.waitForText("Avlysinga er send. Tenesta svarar i meldingane dine.")
	h.waitCalls("the cancellation")
	h.heard(sp, tr, "Avlysinga er send. Tenesta svarar i meldingane dine.")

	// The keypad's 0 goes back; logout is said.
	h.pressPad(fyne.Key0, scanKP0)
	h.waitFor("the list", func() bool { _, ok := h.k.cur.(*appointments); return ok })
	h.heard(sp, tr, "Avtalane dine")
	h.tabTo("Logg ut", true)
	h.pressPad(fyne.Key5, scanKP5)
	h.waitForText("Logg inn")
	h.heard(sp, tr, "Du er logga ut.", "Talerettleiinga er slått av.")
}

// TestSpeechRateAndVolumeResetAtLogout: the next citizen gets the kiosk's speed and volume.
func TestSpeechRateAndVolumeResetAtLogout(t *testing.T) {
	env := backendtest.New(t)
	sp := newFakeSpeaker()
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn"}, WithSpeaker(sp))
	h.press(fyne.KeyF1)
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
	h.press(fyne.KeyF6)
	h.press(fyne.KeyF8)
	if sp.Rate() == 150 || sp.Volume() == 100 {
		t.Fatalf("F6 and F8 did not change rate and volume: %d, %d", sp.Rate(), sp.Volume())
	}
	h.k.logout(logoutCitizen)
	if sp.Rate() != 150 || sp.Volume() != 100 {
		t.Errorf("after logout rate %d and volume %d, want the kiosk's 150 and 100", sp.Rate(), sp.Volume())
	}
}
