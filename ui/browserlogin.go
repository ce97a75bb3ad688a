package ui

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// browserLogin is the login here on the kiosk, for a citizen without a phone of their own: the OP's login
// page (BankID with a code device or the app) in a locked Chromium window over the kiosk
// (internal/kiosk/browser), the authorization code flow with PKCE on a loopback redirect (client
// StartBrowserLogin). The screen behind it says what is going on and has a large «Avbryt». However the
// login ends – success, cancel, an error, the time running out, the browser closed or crashed, logout –
// the browser and all its processes are ended and its profile removed (Browser.Close) before anything
// else happens.
type browserLogin struct {
	k      *Kiosk
	ctx    context.Context
	cancel context.CancelFunc
	status *widget.Label

	b *browser.Browser // the browser while it runs (tests attach to it); touched on the UI goroutine
}

func newBrowserLogin(k *Kiosk) *browserLogin {
	ctx, cancel := context.WithCancel(k.ctx)
	return &browserLogin{k: k, ctx: ctx, cancel: cancel}
}

func (s *browserLogin) kind() string { return "browserLogin" }

func (s *browserLogin) stop() { s.cancel() }

func (s *browserLogin) buildUI() fyne.CanvasObject {
	ui := s.widgets(id("KioskLoginOpening"))
	s.start()
	return ui
}

// rerender implements rerenderer: a new language or text size draws the screen again without starting
// another login (the browser already open goes on).
func (s *browserLogin) rerender() fyne.CanvasObject {
	msg := id("KioskLoginOpening")
	if s.b != nil {
		msg = id("KioskLoginOpen")
	}
	return s.widgets(msg)
}

// widgets builds the screen, its status saying msg (an ID).
func (s *browserLogin) widgets(msg string) fyne.CanvasObject {
	k := s.k
	s.status = para(k.tr(msg))
	cancel := widgets.NewIconButton(k.hooks, k.tr("Cancel"), theme.CancelIcon(), s.abort)
	cancel.Importance = widget.HighImportance
	body := container.NewVBox(
		heading(k.tr("KioskLoginHeading")),
		para(k.tr("KioskLoginIntro")),
		para(k.tr("KioskLoginKeyboard")),
		s.status)
	// «Avbryt» below the scroll: in view at every text size.
	return readingBorder(nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(420, 80), cancel)), k.scrolled(body))
}

// start runs the login in the background: the loopback login, the browser on its URL, the wait, and the
// browser's end, whatever happens.
func (s *browserLogin) start() {
	k := s.k
	// The guard holds Chromium's shortcuts for the kiosk (internal/kiosk/browser/guard.go) and reports the
	// keys it takes: Escape (and the close keys people know) ends the login as «Avbryt» does, F1 says where
	// the citizen is.
	opts := browser.Options{Kiosk: k.cfg.Kiosk, Zoom: float64(k.disp.size.Scale()), Lang: k.lang, Guard: true,
		Log:   slog.Default(), // the browser's start and end, the guard's findings: never a URL or a name
		OnKey: func(key string) { k.do(func() { s.guardKey(key) }) }}
	if !k.cfg.Kiosk { // an app window that leaves the kiosk's «Avbryt» in sight below it
		sz := k.win.Canvas().Size()
		opts.WindowSize = strconv.Itoa(int(sz.Width)) + "," + strconv.Itoa(max(400, int(sz.Height)-200))
	}
	if k.browserOpts != nil {
		k.browserOpts(&opts)
	}
	lo := client.BrowserLoginOptions{DoneTitle: k.tr("KioskLoginDoneTitle"), DoneText: k.tr("KioskLoginDoneText"),
		Prompt: k.cfg.LoginPrompt} // empty: login, with consent where offline_access is asked for

	cl := k.client
	k.browsers.Add(1)
	k.async(s, func(context.Context) func() {
		defer k.browsers.Done()
		ctx := s.ctx
		l, err := cl.StartBrowserLogin(ctx, lo)
		if err != nil {
			return func() { s.end(nil, err) }
		}
		opts.URL = l.AuthURL
		b, err := browser.Start(ctx, opts)
		if err != nil {
			l.Close()
			return func() { s.end(nil, err) }
		}
		k.do(func() { s.b = b; s.opened() })
		sess, err := l.Wait(ctx, b.Ended())
		_ = b.Close() // every ending: the processes gone and the profile removed before the kiosk goes on
		return func() { s.b = nil; s.end(sess, err) }
	})
	// A screen that is left (logout, idle, shutdown) cancels ctx: Wait returns and the browser is closed
	// by the goroutine above even though its result is dropped.
}

// abort is «Avbryt»: the login ends (its goroutine closes the browser) and the login screen is back.
func (s *browserLogin) abort() {
	if s.k.cur != s {
		return
	}
	s.cancel()
	s.k.show(newLoginWith(s.k, ""))
}

// guardKey takes a key the guard held back from the browser: a close key aborts the login; F1 starts
// speech guidance, or with guidance on says again that a login page is open and how to leave it; F2–F12
// do what they do on the kiosk's own screens (repeat, read the screen, more time, speech rate and volume).
// Every other key (Chromium's shortcuts) does nothing.
func (s *browserLogin) guardKey(key string) {
	if s.k.cur != s {
		return
	}
	switch {
	case browser.IsCloseKey(key):
		s.abort()
	case key == "F1":
		if !s.k.guiding() {
			s.k.startGuide()
			s.k.queue(s.k.tr("GuideBrowserOpen"))
			return
		}
		s.k.speak(s.k.tr("GuideBrowserOpen"))
	case !strings.Contains(key, "+"):
		// A key without a modifier goes to the kiosk's own key router, which knows F2–F12 and the
		// configured guide keys; Menu and the browser keys are none of its.
		s.k.key(&fyne.KeyEvent{Name: fyne.KeyName(key)})
	}
}

// opened says that the login page is open.
func (s *browserLogin) opened() {
	if s.k.cur != s {
		return
	}
	s.status.SetText(s.k.tr("KioskLoginOpen"))
	s.k.speak(s.k.tr("GuideBrowserOpen"))
	s.watchIdle()
}

// watchIdle ends a login page nobody uses: where the display tells how long it has seen no input at all
// (WithInputIdle: typing and tapping on Chromium's page count), a page left for the idle timeout is
// closed, as a visit is. The idle warning cannot be seen behind the page, so it is heard: the tone, and
// with guidance the spoken warning (any key gives more time). Without an idle source the kiosk cannot see
// input to the page, and the login's own limit (ten minutes) ends it. The loop ends with the login.
func (s *browserLogin) watchIdle() {
	k := s.k
	if k.inputIdle == nil {
		return
	}
	warned := false
	k.every(idleTick, owner{ctx: s.ctx, alive: k.forScreen(s).alive}, func(context.Context) func() {
		return func() { // on the UI goroutine, where the idle source is read
			d, ok := k.inputIdle()
			switch {
			case !ok || k.cur != s:
			case d >= k.cfg.IdleTimeout:
				slog.Info("kiosk_login_idle", "after_ms", d.Milliseconds())
				s.cancel()
				k.show(newLoginWith(k, id("KioskLoginTimeout")))
			case d >= k.cfg.IdleTimeout-k.cfg.IdleWarning:
				if !warned {
					warned = true
					k.idleWarned(int(math.Ceil((k.cfg.IdleTimeout - d).Seconds())))
				}
			default:
				warned = false
			}
		}
	})
}

// end takes the login's outcome on the UI goroutine: a session goes on as any login does; anything else
// returns to the login screen with what happened, in words.
func (s *browserLogin) end(sess *client.Session, err error) {
	k := s.k
	if err == nil && sess != nil {
		k.loggedIn(sess)
		return
	}
	if k.cur != s {
		if sess != nil {
			k.revoke(sess)
		}
		return
	}
	k.noteError(err)
	k.show(newLoginWith(k, browserLoginMessage(err)))
}

// browserLoginMessage is the translated message for a login on the kiosk that ended without a session.
func browserLoginMessage(err error) string {
	var acr *client.ACRError
	switch {
	case errors.As(err, &acr):
		return id("KioskLoginLevel")
	case errors.Is(err, client.ErrLoginDenied), errors.Is(err, client.ErrBrowserLoginCancelled),
		errors.Is(err, context.Canceled):
		return id("KioskLoginCancelled")
	case errors.Is(err, client.ErrBrowserLoginTimeout), errors.Is(err, context.DeadlineExceeded):
		return id("KioskLoginTimeout")
	case errors.Is(err, browser.ErrHung):
		return id("KioskLoginBrowserHung")
	case errors.Is(err, client.ErrBrowserEnded):
		return id("KioskLoginBrowserEnded")
	case errors.Is(err, client.ErrBrowserLoginState), errors.Is(err, client.ErrBrowserLoginNonce),
		errors.Is(err, client.ErrBrowserLoginIDToken), errors.Is(err, client.ErrBrowserLoginIssuer):
		return id("KioskLoginNotVerified")
	case errors.Is(err, browser.ErrNoChromium), errors.Is(err, browser.ErrNoGuard),
		errors.Is(err, client.ErrBrowserLoginUnsupported):
		return id("KioskLoginUnavailable")
	}
	return id("KioskLoginFailed")
}

// offersKioskLogin says whether the municipality offers the login on the kiosk (login = kiosk or both).
func (k *Kiosk) offersKioskLogin() bool { return k.cfg.Offers(config.LoginKiosk) }

// offersPhoneLogin says whether it offers the login with the citizen's phone.
func (k *Kiosk) offersPhoneLogin() bool { return k.cfg.Offers(config.LoginPhone) }

// startLogin is «Logg inn» on the welcome screen: the phone's login screen (with the kiosk way beside it
// when offered), or straight to the kiosk way when that is the only one.
func (k *Kiosk) startLogin() {
	if !k.offersPhoneLogin() && k.offersKioskLogin() {
		k.show(newBrowserLogin(k))
		return
	}
	k.show(newLogin(k))
}

// withBrowserOptions changes how the kiosk starts its login browser (tests: headless, a DevTools port, a
// private policy).
func withBrowserOptions(f func(*browser.Options)) Option { return func(k *Kiosk) { k.browserOpts = f } }

// endBrowserLogins ends a login on the kiosk under way (the kiosk shutting down: its context is cancelled)
// and waits up to timeout for its browser to be gone.
func (k *Kiosk) endBrowserLogins(timeout time.Duration) {
	k.cancel()
	done := make(chan struct{})
	go func() { k.browsers.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}
