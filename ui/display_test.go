package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	fynetheme "fyne.io/fyne/v2/theme"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/speech"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// openFirstThread logs in as personID and opens the first thread of the inbox.
func openFirstThread(t *testing.T, h *harness, env *backendtest.Env, personID string) *thread {
	t.Helper()
	logIn(t, h, env, personID)
	h.tapWhenReady(h.k.tr("TileMessages"))
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	h.k.cur.(*inbox).list.Select(0)
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	return h.k.cur.(*thread)
}

// chooseDisplay opens the "Aa" panel, taps the button labelled with the translation of choice (or choice
// itself, for a language's own name), and closes the panel.
func chooseDisplay(h *harness, choice string) {
	h.t.Helper()
	h.tap(h.k.tr("DisplayButton"))
	h.tap(choice)
	h.process()
	h.tap(h.k.tr("DisplayClose"))
	if h.k.disp.panel != nil {
		h.t.Fatal("the Aa panel did not close")
	}
}

// TestLanguageSwitchKeepsDrafts types a reply draft and a new message, switches nn → nb → en on each screen
// from the "Aa" panel, and finds the labels changed and the drafts, subject and chosen service still there.
func TestLanguageSwitchKeepsDrafts(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	th := openFirstThread(t, h, env, "p-ingrid")
	const reply = "Eg skriv eit svar på nynorsk: æ ø å"
	test.Type(th.reply, reply)
	for _, l := range []struct{ name, lang, back string }{
		{"Bokmål", "nb", "Alle meldinger"},
		{"English", "en", "All messages"},
		{"Nynorsk", "nn", "Alle meldingar"},
	} {
		chooseDisplay(h, l.name)
		if h.k.Lang() != l.lang {
			t.Fatalf("language %q after choosing %s", h.k.Lang(), l.name)
		}
		// The rebuilt screen shows the subject once its reload has been applied (s.t is set before).
		h.waitFor("the thread again, with its subject", func() bool {
			s, ok := h.k.cur.(*thread)
			return ok && s.t != nil && h.hasText(s.t.Subject)
		})
		if h.k.cur != th {
			t.Errorf("%s: the thread screen was replaced, not rebuilt", l.lang)
		}
		if got := th.reply.Text; got != reply {
			t.Errorf("%s: reply draft %q, want %q", l.lang, got, reply)
		}
		if !h.hasText(l.back) || !h.hasText(h.k.tr("Logout")) {
			t.Errorf("%s: labels not translated: %q", l.lang, h.texts(false))
		}
		if !h.hasText(th.t.Subject) {
			t.Errorf("%s: the thread's subject is gone", l.lang)
		}
	}
	if h.k.tr("Logout") != "Logg ut" {
		t.Fatalf("back in nynorsk, Logout is %q", h.k.tr("Logout"))
	}

	// A new message: service, subject and text survive, also while the screen is rebuilt.
	h.tap(h.k.tr("BackToInbox"))
	h.tapWhenReady(h.k.tr("MsgNewMessage"))
	h.waitFor("the services", func() bool { s, ok := h.k.cur.(*compose); return ok && len(s.service.Options) > 0 })
	c := h.k.cur.(*compose)
	c.service.SetSelected(c.service.Options[len(c.service.Options)-1])
	service := c.d.serviceID
	test.Type(c.subject, "Ny tid")
	test.Type(c.text, "Kan de kome klokka ti?")
	for _, l := range []struct{ name, heading string }{
		{"Bokmål", "Ny melding til helse- og omsorgstjenesten"}, {"English", "New message to the health and care service"},
	} {
		chooseDisplay(h, l.name)
		h.waitFor("the services again", func() bool { return len(c.service.Options) > 0 && c.service.Visible() })
		if c.subject.Text != "Ny tid" || c.text.Text != "Kan de kome klokka ti?" || c.d.serviceID != service {
			t.Errorf("%s: compose lost its draft: subject %q, text %q, service %q (want %q)", l.name, c.subject.Text, c.text.Text, c.d.serviceID, service)
		}
		if !h.hasText(l.heading) {
			t.Errorf("%s: heading %q not shown: %q", l.name, l.heading, h.texts(false))
		}
	}
	// Logout: the kiosk's own language again, and nothing of the drafts.
	h.tap(h.k.tr("Logout"))
	h.waitForText("Logg inn")
	for _, s := range h.texts(true) {
		if strings.Contains(s, "Ny tid") || strings.Contains(s, "nynorsk: æ") {
			t.Errorf("after logout a widget holds %q", s)
		}
	}
}

// TestTextSizeAndContrastOnEveryScreen switches text size and high contrast on the welcome screen and in a
// session: Fyne's theme, the palette of rebuilt canvas objects, and the draft follow; logout resets both.
func TestTextSizeAndContrastOnEveryScreen(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nb"})
	if h.k.app.Settings().Theme().Size(fynetheme.SizeNameText) != 20 {
		t.Fatalf("normal body text is %v, want 20", h.k.app.Settings().Theme().Size(fynetheme.SizeNameText))
	}
	chooseDisplay(h, h.k.tr("DisplaySizeLarge"))
	if got := h.k.app.Settings().Theme().Size(fynetheme.SizeNameText); got != 25 {
		t.Errorf("large body text is %v, want 25", got)
	}
	if _, ok := h.k.cur.(*welcome); !ok {
		t.Errorf("the welcome screen was left: %T", h.k.cur)
	}

	th := openFirstThread(t, h, env, "p-ingrid")
	if kt.Active().Size != kt.SizeLarge {
		t.Errorf("the text size did not last into the session: %v", kt.Active())
	}
	test.Type(th.reply, "Utkast")
	chooseDisplay(h, h.k.tr("DisplaySizeExtraLarge"))
	chooseDisplay(h, h.k.tr("DisplayHighContrastOff")) // the button says what it is now, and turns it on
	if cur := kt.Active(); cur.Size != kt.SizeExtraLarge || !cur.HighContrast {
		t.Fatalf("variant %+v, want extra large with high contrast", cur)
	}
	if got := h.k.app.Settings().Theme().Size(fynetheme.SizeNameText); got != 30 {
		t.Errorf("extra large body text is %v, want 30", got)
	}
	if got := h.k.app.Settings().Theme().Color(fynetheme.ColorNameForeground, 0); got != kt.HighContrast.Text {
		t.Errorf("high-contrast text colour %v", got)
	}
	if bg := frameBackground(h); bg != kt.HighContrast.Background {
		t.Errorf("the rebuilt frame's background is %v, want the high-contrast %v", bg, kt.HighContrast.Background)
	}
	h.waitFor("the thread again", func() bool { return h.k.cur == th && th.t != nil })
	if th.reply.Text != "Utkast" {
		t.Errorf("the draft was lost: %q", th.reply.Text)
	}
	if !h.hasText(h.k.tr("DisplayButton")) {
		t.Error("no Aa button in the session's top bar")
	}

	h.tap(h.k.tr("Logout"))
	h.waitForText(h.k.tr("Login"))
	if cur := kt.Active(); cur.Size != kt.SizeNormal || cur.HighContrast {
		t.Errorf("after logout the variant is %+v, want normal", cur)
	}
	if bg := frameBackground(h); bg != kt.Light.Background {
		t.Errorf("after logout the background is %v", bg)
	}
}

// TestTextSizeAtStart: a kiosk set to start at large text (text_size) shows the welcome screen at large; the
// citizen's «Ekstra stor» lasts through her visit and is gone at logout, when the kiosk's own size is back;
// staff changing it in the panel change what the next visit starts at.
func TestTextSizeAtStart(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn", TextSize: "large"})
	if cur := kt.Active(); cur.Size != kt.SizeLarge {
		t.Fatalf("the kiosk starts at %v, want large", cur.Size)
	}
	openFirstThread(t, h, env, "p-ingrid")
	if cur := kt.Active(); cur.Size != kt.SizeLarge {
		t.Errorf("the visit starts at %v, want large", cur.Size)
	}
	chooseDisplay(h, h.k.tr("DisplaySizeExtraLarge"))
	h.k.goHome()
	if cur := kt.Active(); cur.Size != kt.SizeExtraLarge {
		t.Errorf("the citizen's choice did not last: %v", cur.Size)
	}
	h.tap(h.k.tr("Logout"))
	h.waitForText(h.k.tr("Login"))
	if cur := kt.Active(); cur.Size != kt.SizeLarge {
		t.Errorf("after logout the size is %v, want the kiosk's large", cur.Size)
	}
	cfg := h.k.cfg
	cfg.TextSize = "xlarge"
	h.k.applyConfig(cfg, nil) // what the staff panel's «Lagre» does
	if cur := kt.Active(); cur.Size != kt.SizeExtraLarge {
		t.Errorf("after staff set xlarge the welcome screen is at %v", cur.Size)
	}
	if hb := h.k.heartbeatBody(); hb.TextSize != api.Xl {
		t.Errorf("the heartbeat says %q, want xl", hb.TextSize)
	}
}

// frameBackground is the colour of the frame's background rectangle.
func frameBackground(h *harness) any {
	c, ok := h.k.win.Content().(*fyne.Container)
	if !ok || len(c.Objects) == 0 {
		h.t.Fatalf("unexpected window content %T", h.k.win.Content())
	}
	r, ok := c.Objects[0].(*canvas.Rectangle)
	if !ok {
		h.t.Fatalf("the frame's first object is %T", c.Objects[0])
	}
	return r.FillColor
}

// TestTouchKeyboardTypesIntoTheReply: with the touch keyboard on, focusing the reply box shows the keyboard,
// and tapping its keys (æ ø å, shift, space, backspace) types into the box; leaving the screen hides it.
func TestTouchKeyboardTypesIntoTheReply(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn", TouchKeyboard: true})
	th := openFirstThread(t, h, env, "p-ingrid")
	if h.k.keyboardShown() {
		t.Fatal("the keyboard shows before a text field has the focus")
	}
	h.k.win.Canvas().Focus(th.reply)
	if !h.k.keyboardShown() {
		t.Fatal("focusing the reply box did not show the keyboard")
	}
	kb := h.k.disp.kb
	if kb.Target() != th.reply {
		t.Errorf("the keyboard types into %T, not the reply box", kb.Target())
	}
	if kb.Labels.Space != "Mellomrom" || kb.Labels.Backspace != "Slett" {
		t.Errorf("key words not translated: %+v", kb.Labels)
	}
	press := func(kind widgets.KeyKind, r rune) {
		t.Helper()
		key := kb.KeyFor(kind, r)
		if key == nil {
			t.Fatalf("no key %v %q", kind, r)
		}
		test.Tap(key)
	}
	press(widgets.KeyShift, 0)
	for _, r := range "blå" {
		press(widgets.KeyChar, r)
	}
	press(widgets.KeySpace, 0)
	for _, r := range "ærøx" {
		press(widgets.KeyChar, r)
	}
	press(widgets.KeyBackspace, 0)
	if got, want := th.reply.Text, "Blå ærø"; got != want {
		t.Errorf("the reply box holds %q, want %q", got, want)
	}
	if d := h.k.sess.replyDraft(th.id, false); d == nil || d.text != "Blå ærø" {
		t.Errorf("typing on the keyboard did not reach the draft: %+v", d)
	}
	h.checkFits()

	// The keyboard follows a language change, and goes away with the screen.
	chooseDisplay(h, "English")
	h.k.win.Canvas().Focus(h.k.cur.(*thread).reply)
	if !h.k.keyboardShown() || h.k.disp.kb.Labels.Space != "Space" {
		t.Errorf("after switching to English the keyboard is not shown in English: %+v", h.k.disp.kb)
	}
	h.tap(h.k.tr("BackToInbox"))
	if h.k.keyboardShown() || h.k.disp.kb.Target() != nil {
		t.Error("the keyboard stayed after leaving the screen")
	}
}

// TestNoTouchKeyboardWhenOff: without cfg.TouchKeyboard a focused field shows no keyboard.
func TestNoTouchKeyboardWhenOff(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	th := openFirstThread(t, h, env, "p-ingrid")
	h.k.win.Canvas().Focus(th.reply)
	if h.k.keyboardShown() || h.k.disp.kb != nil {
		t.Error("a keyboard was shown with the touch keyboard off")
	}
}

// slowSpeaker is a Speaker whose espeak-ng is a stand-in that reads its input and then waits a minute, so
// that a test can see speech running and see it stopped.
func slowSpeaker(t *testing.T) *speech.Speaker {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\ncat > /dev/null\nexec sleep 60\n"
	if err := os.WriteFile(filepath.Join(dir, speech.Program), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	sp := speech.New()
	if !sp.Available() {
		t.Fatal("the stand-in espeak-ng was not found")
	}
	t.Cleanup(sp.Stop)
	return sp
}

// readAloudButtons are the visible read-aloud buttons.
func readAloudButtons(h *harness) []*widgets.Button {
	var out []*widgets.Button
	for _, o := range h.objects(false) {
		if b, ok := o.(*widgets.Button); ok && (b.Text == h.k.tr("ReadAloud") || b.Text == h.k.tr("ReadAloudStop")) {
			out = append(out, b)
		}
	}
	return out
}

// TestReadAloudButtonsAndStop: with read-aloud on and espeak-ng there, each message and an appointment has
// "Les opp"; a tap speaks (the button becomes "Stopp opplesinga"), leaving the screen stops it, and so does
// logout.
func TestReadAloudButtonsAndStop(t *testing.T) {
	sp := slowSpeaker(t)
	env := backendtest.New(t)
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", ReadAloud: true}, WithSpeaker(sp))
	th := openFirstThread(t, h, env, "p-ingrid")
	buttons := readAloudButtons(h)
	if len(buttons) != len(th.t.Messages) || len(buttons) == 0 {
		t.Fatalf("%d read-aloud buttons for %d messages", len(buttons), len(th.t.Messages))
	}
	test.Tap(buttons[0])
	if !sp.Speaking() {
		t.Fatal("tapping Les opp did not start speech")
	}
	if buttons[0].Text != "Stopp opplesinga" {
		t.Errorf("while speaking the button says %q", buttons[0].Text)
	}
	h.tap(h.k.tr("BackToInbox"))
	if sp.Speaking() {
		t.Error("speech went on after leaving the thread")
	}

	h.tap("Heim")
	h.tapWhenReady(h.k.tr("TileAppointments"))
	h.waitFor("the appointment list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil && len(s.rows) > 0 })
	list := h.k.cur.(*appointments)
	for _, r := range list.rows {
		if r.appt != nil {
			h.k.show(newAppointment(h.k, h.k.sess, *r.appt, false))
			break
		}
	}
	buttons = readAloudButtons(h)
	if len(buttons) != 1 {
		t.Fatalf("%d read-aloud buttons on the appointment", len(buttons))
	}
	test.Tap(buttons[0])
	if !sp.Speaking() {
		t.Fatal("the appointment's Les opp did not start speech")
	}
	h.tap(h.k.tr("Logout"))
	if sp.Speaking() {
		t.Error("speech went on after logout")
	}
}

// TestReadAloudHiddenWhenUnavailable: no espeak-ng, or read-aloud off in the configuration: no buttons.
func TestReadAloudHiddenWhenUnavailable(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  bool
		sp   func(t *testing.T) *speech.Speaker
	}{
		{"not installed", true, func(*testing.T) *speech.Speaker { return nil }},
		// A speaker that is there (the stand-in, so the case holds where espeak-ng is missing too): only the
		// configuration keeps the buttons away.
		{"turned off", false, slowSpeaker},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := backendtest.New(t)
			h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", ReadAloud: c.cfg}, WithSpeaker(c.sp(t)))
			openFirstThread(t, h, env, "p-ingrid")
			if b := readAloudButtons(h); len(b) != 0 {
				t.Errorf("%d read-aloud buttons", len(b))
			}
		})
	}
}

// TestReadAloudWithEspeak speaks a message with the real espeak-ng into a WAV file (no sound card needed).
func TestReadAloudWithEspeak(t *testing.T) {
	if _, err := exec.LookPath(speech.Program); err != nil {
		t.Skip("espeak-ng is not installed (scripts/deps.sh installs it)")
	}
	wav := filepath.Join(t.TempDir(), "speech.wav")
	sp := speech.New(speech.ToWAV(wav))
	env := backendtest.New(t)
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nb", ReadAloud: true}, WithSpeaker(sp))
	openFirstThread(t, h, env, "p-ingrid")
	buttons := readAloudButtons(h)
	if len(buttons) == 0 {
		t.Fatal("no read-aloud button with espeak-ng installed")
	}
	test.Tap(buttons[len(buttons)-1])
	select {
	case <-sp.Done():
	case <-time.After(60 * time.Second):
		t.Fatal("espeak-ng did not finish")
	}
	h.waitFor("the button back to Les opp", func() bool { return buttons[len(buttons)-1].Text == "Les opp" })
	fi, err := os.Stat(wav)
	if err != nil || fi.Size() < 10_000 {
		t.Fatalf("espeak-ng wrote no speech: %v %v", fi, err)
	}
}
