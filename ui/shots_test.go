package ui

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// TestShotsApptFullmakt saves a picture of each appointment, settings and fullmakt screen in nn and nb to
// $HELSEKIOSK_SHOTS (skipped when unset), for a person to look at.
func TestShotsApptFullmakt(t *testing.T) {
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		t.Skip("HELSEKIOSK_SHOTS not set")
	}
	for _, lang := range []string{"nn", "nb"} {
		shot := func(h *harness, name string) {
			h.process()
			img := h.k.win.Canvas().Capture()
			f, err := os.Create(filepath.Join(dir, name+"-"+lang+".png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
		}
		h, _, _, _ := apptSetup(t, lang)
		shot(h, "appointments")
		h.tap(h.k.tr("ApptPast"))
		shot(h, "appointments-past")
		h.tap(h.k.tr("ApptUpcoming"))
		d := openAppt(t, h, "a-ingrid-hn-p2")
		shot(h, "appointment")
		h.tap(h.k.tr("ApptCancel"))
		h.tap(h.k.tr("ApptReasonOther"))
		h.tap(h.k.tr("ApptNext"))
		shot(h, "cancel-form-error")
		test.Type(d.comment, "Eg skal til tannlegen")
		h.tap(h.k.tr("ApptNext"))
		shot(h, "cancel-confirm")
		h.tap(h.k.tr("ApptConfirmYes"))
		h.waitForText(h.k.tr("ApptCancelDone"))
		shot(h, "cancel-sent")
		h.tap(h.k.tr("ApptBackToList"))
		h.waitFor("list", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
		d = openAppt(t, h, "a-ingrid-hn-p3")
		h.tap(h.k.tr("ApptChange"))
		d.proposals[0].daySel.SetSelectedIndex(2)
		d.proposals[0].winSel.SetSelectedIndex(1)
		h.tap(h.k.tr("ApptAddProposal"))
		d.proposals[1].daySel.SetSelectedIndex(5)
		h.tap(h.k.tr("ApptSendChange"))
		shot(h, "change-form")
		d.proposals[1].winSel.SetSelectedIndex(0)
		h.tap(h.k.tr("ApptSendChange"))
		h.waitForText(h.k.tr("ApptChangeDone"))
		shot(h, "change-sent")

		h2, _, _, _ := apptSetupAt(t, lang, apptNow(t).Add(30*time.Hour+30*time.Minute))
		openAppt(t, h2, "a-ingrid-hn-p1")
		h2.tap(h2.k.tr("ApptCancel"))
		shot(h2, "cancel-deadline")
		h2.tap(h2.k.tr("Home"))
		h2.waitForText(h2.k.tr("TileFullmakt"))
		shot(h2, "home")
		h2.tap(h2.k.tr("TileSettings"))
		h2.waitFor("settings", func() bool { s, ok := h2.k.cur.(*settings); return ok && s.current != nil })
		h2.tap(h2.k.tr("ChannelEmail"))
		h2.tap(h2.k.tr("SettingsSave"))
		h2.waitFor("saved", func() bool { s := h2.k.cur.(*settings); return !s.saving && s.current.Channel == api.Email })
		shot(h2, "settings-saved")

		h3, _, _ := fullmaktSetup(t, lang, "p-ingrid")
		shot(h3, "fullmakt")
		s := h3.k.cur.(*fullmaktScreen)
		h3.tap(h3.k.tr("FullmaktGrantButton"))
		test.Type(s.name, "Ola Berg")
		test.Type(s.nin, "15076500566")
		s.scopes[api.Messages].SetChecked(true)
		s.until.SetText("31.12.2027")
		shot(h3, "fullmakt-grant-error")
		h3.tap(h3.k.tr("FullmaktGrantSend"))
		shot(h3, "fullmakt-grant-error-sent")
		s.nin.SetText(demoNIN(t, "p-ola"))
		h3.tap(h3.k.tr("FullmaktGrantSend"))
		h3.waitFor("granted", func() bool {
			return h3.k.cur.(*fullmaktScreen).mode == fmLists && !s.busy && h3.containsText("Ola Berg") && len(s.lists.GrantedByMe) == 2
		})
		shot(h3, "fullmakt-granted")
		h3.tap(h3.k.tr("FullmaktRevoke"))
		shot(h3, "fullmakt-revoke-confirm")

		env := backendtest.New(t)
		h4 := newHarness(t, config.Config{API: env.URL, Lang: lang, Demo: true})
		logIn(t, h4, env, "p-kari")
		h4.waitForText(h4.k.tr("ChoosePersonHeading"))
		h4.tap("Ingrid Haugen – " + h4.k.tr("RelationFullmakt"))
		h4.waitFor("home", func() bool { _, ok := h4.k.cur.(*home); return ok })
		time.Sleep(500 * time.Millisecond)
		shot(h4, "home-acting-for")
		h4.tapWhenReady(h4.k.tr("TileFullmakt"))
		shot(h4, "fullmakt-acting-for")
		h4.tap(h4.k.tr("SwitchPerson"))
		h4.waitForText(h4.k.tr("ChoosePersonHeading"))
		h4.tap("Kari Haugen – " + h4.k.tr("RelationSelf"))
		h4.waitFor("home", func() bool { _, ok := h4.k.cur.(*home); return ok })
		time.Sleep(500 * time.Millisecond)
		shot(h4, "home-kari-self")
	}
}

// shotScreens are the pictures TestShotsScreens takes, in order (name: what it shows).
var shotScreens = []string{"welcome", "display-panel", "login", "home", "home-help", "inbox", "thread", "thread-keyboard",
	"compose", "appointments", "appointment", "fullmakt", "settings", "help"}

// TestShotsScreens renders every citizen screen in nn and nb at 1920x1080 and 1280x800, with normal and extra large text,
// into $HELSEKIOSK_SHOTS (skipped when unset; `make screenshots` writes docs/screenshots/): NAME-LANG.png and
// NAME-LANG-xl.png. A person looks at them; the test itself fails only when a screen cannot be reached.
func TestShotsScreens(t *testing.T) {
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		t.Skip("HELSEKIOSK_SHOTS not set")
	}
	for _, win := range []fyne.Size{{Width: 1920, Height: 1080}, {Width: 1280, Height: 800}} {
		for _, lang := range []string{"nn", "nb"} {
			for _, xl := range []bool{false, true} {
				shotScreensAt(t, dir, win, lang, xl)
			}
		}
	}
}

// shotScreensAt takes TestShotsScreens' pictures at one window size, language and text size: NAME-LANG[-xl].png
// at 1920×1080, NAME-LANG[-xl]-1280x800.png at 1280×800.
func shotScreensAt(t *testing.T, dir string, win fyne.Size, lang string, xl bool) {
	{
		{
			suffix := "-" + lang
			if xl {
				suffix += "-xl"
			}
			if win.Width != 1920 {
				suffix += fmt.Sprintf("-%.0fx%.0f", win.Width, win.Height)
			}
			env := backendtest.New(t)
			h := newHarness(t, config.Config{API: env.URL, Lang: lang, Demo: true, TouchKeyboard: true, ReadAloud: true})
			taken := map[string]bool{}
			shot := func(name string) {
				t.Helper()
				h.k.win.Resize(win)
				for i := 0; i < 3; i++ { // results arriving while laying out
					h.mu.Lock()
					n := len(h.q)
					h.mu.Unlock()
					if n == 0 {
						break
					}
					for _, f := range h.drain() {
						f()
					}
				}
				h.k.win.Resize(win)
				img := h.k.win.Canvas().Capture()
				f, err := os.Create(filepath.Join(dir, name+suffix+".png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
				taken[name] = true
			}
			if xl {
				h.tap(h.k.tr("DisplayButton"))
				h.tap(h.k.tr("DisplaySizeExtraLarge"))
				h.drainAll()
				h.tap(h.k.tr("DisplayClose"))
			}
			shot("welcome")
			h.tap(h.k.tr("DisplayButton"))
			shot("display-panel")
			h.tap(h.k.tr("DisplayClose"))
			h.tap(h.k.tr("Login"))
			var code string
			waitNoFit(t, h, "the code", func() bool {
				s, ok := h.k.cur.(*login)
				if ok && s.code.Visible() && s.code.Text != "" {
					code = s.code.Text
					return true
				}
				return false
			})
			shot("login")
			env.Approve(t, ungroupCode(code), "p-ingrid")
			waitNoFit(t, h, "home", func() bool { s, ok := h.k.cur.(*home); return ok && s != nil && h.hasText(h.k.tr("TileMessages")) })
			time.Sleep(300 * time.Millisecond)
			h.drainAll()
			shot("home")
			h.k.ops.help.id, h.k.ops.help.inVisit = "shot", true // «Ein tilsett kjem til deg.» as an open request shows it
			h.k.refreshHelp()
			shot("home-help")
			h.k.ops.help.id, h.k.ops.help.inVisit = "", false
			h.k.refreshHelp()
			h.tap(h.k.tr("TileMessages"))
			waitNoFit(t, h, "threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
			shot("inbox")
			h.k.cur.(*inbox).list.Select(0)
			waitNoFit(t, h, "the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
			th := h.k.cur.(*thread)
			test.Type(th.reply, map[string]string{"nn": "Takk for svaret. Kan de kome litt seinare på tysdag?", "nb": "Takk for svaret. Kan dere komme litt senere på tirsdag?"}[lang])
			h.k.hideKeyboard() // test.Type focused the box
			shot("thread")
			h.k.win.Canvas().Focus(th.reply)
			shot("thread-keyboard")
			h.tap(h.k.tr("BackToInbox"))
			h.tapWhenReadyNoFit(h.k.tr("MsgNewMessage"))
			waitNoFit(t, h, "compose", func() bool { s, ok := h.k.cur.(*compose); return ok && len(s.service.Options) > 0 })
			shot("compose")
			h.k.goHome()
			h.tapWhenReadyNoFit(h.k.tr("TileAppointments"))
			waitNoFit(t, h, "appointments", func() bool { s, ok := h.k.cur.(*appointments); return ok && s.view != nil })
			shot("appointments")
			for _, r := range h.k.cur.(*appointments).rows {
				if r.appt != nil {
					h.k.show(newAppointment(h.k, h.k.sess, *r.appt, false))
					break
				}
			}
			shot("appointment")
			h.k.goHome()
			h.tapWhenReadyNoFit(h.k.tr("TileFullmakt"))
			waitNoFit(t, h, "fullmakt", func() bool { s, ok := h.k.cur.(*fullmaktScreen); return ok && s.lists != nil })
			shot("fullmakt")
			h.k.goHome()
			h.tapWhenReadyNoFit(h.k.tr("TileSettings"))
			waitNoFit(t, h, "settings", func() bool { s, ok := h.k.cur.(*settings); return ok && s.current != nil })
			shot("settings")
			h.k.show(newHelp(h.k))
			shot("help")
			for _, n := range shotScreens {
				if !taken[n] {
					t.Errorf("no picture of %s%s", n, suffix)
				}
			}
			h.k.logout(logoutCitizen)
		}
	}
}

// drain takes the queued background results.
func (h *harness) drain() []func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := h.q
	h.q = nil
	return q
}

// drainAll applies queued results without checking that the screen fits (pictures at extra large text).
func (h *harness) drainAll() {
	for {
		q := h.drain()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}

// waitNoFit is harness.waitFor without the 1280x800 check.
func waitNoFit(t *testing.T, h *harness, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h.drainAll()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; the window shows: %q", what, h.texts(false))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) tapWhenReadyNoFit(text string) {
	h.t.Helper()
	waitNoFit(h.t, h, "«"+text+"»", func() bool {
		for _, o := range h.objects(false) {
			if b, ok := o.(*widgets.Button); ok && b.Text == text && !b.Disabled() {
				return true
			}
			if tl, ok := o.(*widgets.Tile); ok && tl.Title == text {
				return true
			}
		}
		return false
	})
	h.tap(text)
}

// TestShotsKeyboardFocus saves pictures of screens reached with keys alone, with the focus on a list row, a
// reply field, a service option and a tile, in nn at normal text and nb at extra large text, with speech
// guidance on (its marker shows), into $HELSEKIOSK_SHOTS (skipped when unset): focus-NAME-LANG[-xl].png.
func TestShotsKeyboardFocus(t *testing.T) {
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		t.Skip("HELSEKIOSK_SHOTS not set")
	}
	for _, c := range []struct {
		lang string
		xl   bool
	}{{"nn", false}, {"nb", true}} {
		suffix := "-" + c.lang
		if c.xl {
			suffix += "-xl"
		}
		env := backendtest.New(t)
		h := newHarnessWith(t, config.Config{API: env.URL, Lang: c.lang}, WithSpeaker(newFakeSpeaker()))
		shot := func(name string) {
			h.process()
			img := h.k.win.Canvas().Capture()
			f, err := os.Create(filepath.Join(dir, "focus-"+name+suffix+".png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
		}
		if c.xl {
			h.k.setDisplay(kt.SizeExtraLarge, false)
		}
		h.press(fyne.KeyF1)
		h.tabTo(h.k.tr("Login"), false)
		shot("welcome")
		logIn(t, h, env, "p-ingrid")
		h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
		h.waitCalls("home")
		h.tabTo(h.k.tr("TileMessages"), true)
		shot("home")
		h.press(fyne.KeyReturn)
		h.waitFor("the inbox", func() bool { s, ok := h.k.cur.(*inbox); return ok && len(s.threads) > 1 })
		tabToType(h, "the list", func(*widgets.List) bool { return true })
		h.press(fyne.KeyDown)
		shot("inbox")
		h.press(fyne.KeyReturn)
		h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
		h.waitCalls("the thread")
		tabToType(h, "the reply", func(e *widgets.Entry) bool { return e.MultiLine })
		h.typeKeys("Takk for sist")
		shot("thread")
		h.press(fyne.KeyEscape)
		h.waitFor("the inbox", func() bool { _, ok := h.k.cur.(*inbox); return ok })
		h.tabTo(h.k.tr("MsgNewMessage"), false)
		h.press(fyne.KeyReturn)
		h.waitFor("the services", func() bool { s, ok := h.k.cur.(*compose); return ok && len(s.service.Options) > 0 })
		tabToType(h, "a service", func(*widgets.RadioOption) bool { return true })
		h.press(fyne.KeySpace)
		shot("compose")
	}
}

// TestShotsKioskLogin saves the login screen with both ways in (login = phone,kiosk; no demo), in nn and
// nb, and the screen of a login on the kiosk that ended, into $HELSEKIOSK_SHOTS (skipped when unset).
func TestShotsKioskLogin(t *testing.T) {
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		t.Skip("HELSEKIOSK_SHOTS not set")
	}
	for _, lang := range []string{"nn", "nb"} {
		env := backendtest.New(t)
		cfg := config.Config{API: env.URL, Lang: lang}
		cfg.Login = config.LoginPhone + "," + config.LoginKiosk
		h := newHarness(t, cfg)
		shot := func(name string) {
			h.process()
			f, err := os.Create(filepath.Join(dir, name+"-"+lang+".png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := png.Encode(f, h.k.win.Canvas().Capture()); err != nil {
				t.Fatal(err)
			}
		}
		h.tap(h.k.tr("Login"))
		h.waitFor("the code", func() bool { s, ok := h.k.cur.(*login); return ok && s.code.Text != "" })
		shot("login-both")
		h.k.setDisplay(kt.SizeExtraLarge, false)
		h.k.win.Resize(fyne.NewSize(1280, 801)) // a layout pass at the new size, as the GL driver's next frame makes
		h.k.win.Resize(fyne.NewSize(1280, 800))
		shot("login-both-xl")
		h.k.setDisplay(kt.SizeNormal, false)
		// The screen behind the browser, before the browser's outcome is applied (the harness holds it).
		h.k.show(newBrowserLogin(h.k))
		if f, err := os.Create(filepath.Join(dir, "kiosk-login-"+lang+".png")); err == nil {
			_ = png.Encode(f, h.k.win.Canvas().Capture())
			f.Close()
		}
		h.k.setDisplay(kt.SizeExtraLarge, false)
		h.k.win.Resize(fyne.NewSize(1280, 801)) // a layout pass at the new size, as the GL driver's next frame makes
		h.k.win.Resize(fyne.NewSize(1280, 800))
		if f, err := os.Create(filepath.Join(dir, "kiosk-login-"+lang+"-xl.png")); err == nil {
			_ = png.Encode(f, h.k.win.Canvas().Capture())
			f.Close()
		}
		h.k.setDisplay(kt.SizeNormal, false)
		h.k.show(newLoginWith(h.k, id("KioskLoginBrowserEnded")))
		h.waitFor("the code", func() bool { s, ok := h.k.cur.(*login); return ok && s.code.Text != "" })
		shot("login-browser-ended")
	}
}
