// Package ui is the kiosk's user interface. The Kiosk owns the window, the backend client, the display
// state (text size, contrast, touch keyboard, read-aloud), the operations state that outlives visits (ops:
// local store, staff PIN, connection checks, help request) and at most one session.
//
//   - Screens: each screen is a type with buildUI, stop and kind (the help request's wire name), mostly one a
//     file (welcome.go, login.go, home.go, inbox.go, thread.go, compose.go, receipt.go, appointments.go,
//     appointment.go, fullmakt.go, settings.go, consent.go, choose.go, help.go, message.go, refusal.go,
//     pinscreen.go, staffpanel.go); the router (Kiosk.show) swaps the window's content and frame.go puts the
//     shared frame around it.
//   - The session (session.go) is one citizen's visit: the API session, Me, the person acted for, the drafts
//     with their idempotency keys, and the context logout cancels. Screens of a visit get it at construction
//     (newInbox(k, sess)) and change it only through its methods; logout (logout.go, with its logoutReason)
//     drops it whole.
//   - Background work (every.go): network calls never run on the UI goroutine. Kiosk.run (and async, for a
//     screen) runs a call in a goroutine and applies its result in one k.do, unless its owner (the screen,
//     the visit, or the kiosk) has ended meanwhile; Kiosk.every is the one loop (idle watch, polling, the
//     login's time left, connection checks, the help request), on the kiosk's clock, which tests replace.
//     The exceptions are fire-and-forget: the token revocation at logout and the operations log's writes.
//   - ops.go is the operations state (health, status banner, ops log, error codes, the heartbeat, the exit,
//     applying settings),
//     callstaff.go the help request, display.go the "Aa" panel, keyboard and read-aloud, idle.go the idle
//     watch, guide.go speech guidance and keys.go the keyboard and keypad, browserlogin.go the login on the
//     kiosk; the staff PIN's hashing and lockout are internal/kiosk/staffpin, the widgets ui/widgets (one a file),
//     the look ui/theme.
package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // appointments are shown in Europe/Oslo, also on a machine without zoneinfo

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/assets"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/locales"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// HelpLine is Helsenorge's help line (veiledningstenesta, for the digital service), shown on the welcome
// and help screens. It cannot cancel or change a municipal visit: that is the service's own number
// (config service_phones, centre_phone).
const HelpLine = "23 32 70 00"

// windowSize is the window's size when not full screen (a common kiosk screen is 1280x800 or larger).
var windowSize = fyne.NewSize(1280, 800)

// logoutTimeout bounds the background token revocation at logout.
const logoutTimeout = 5 * time.Second

// A screen is one full window content. buildUI makes its widgets (and may start its background loads);
// stop is called when the router leaves it (cancel tickers and requests). kind names what sort of screen it
// is (welcome, inbox, thread, …): the help request's wire name, which staff see, and what the frame asks
// about; never personal data, and not the Go type's name, so renaming a type changes nothing staff see.
type screen interface {
	buildUI() fyne.CanvasObject
	stop()
	kind() string
}

// The kinds the frame and the router compare.
const (
	kindHome       = "home"
	kindPinScreen  = "pinScreen"
	kindStaffPanel = "staffPanel"
)

// staffScreen reports whether s is one of the staff's screens (PIN, staff panel): no help button, no staff
// entry.
func staffScreen(s screen) bool {
	return s != nil && (s.kind() == kindPinScreen || s.kind() == kindStaffPanel)
}

// Kiosk is the running kiosk UI: one window, one backend client, at most one citizen session.
type Kiosk struct {
	app    fyne.App
	win    fyne.Window
	cfg    config.Config
	client *client.Client
	bundle *i18n.Bundle
	oslo   *time.Location

	// clock is the kiosk's time (wallClock; tests a testClock): the idle watch, every loop, dates shown.
	clk clock
	// inputIdle, when set, tells how long the display has seen no input at all (internal/kiosk/xidle): mouse
	// moves and scrolling count as activity too, not only taps on the kiosk's own widgets.
	inputIdle  func() (time.Duration, bool)
	httpClient *http.Client // nil: the default transport

	// inflight counts the calls run has started that have not yet handed in their result (tests wait for 0).
	inflight atomic.Int64

	// do applies a background result on the UI goroutine: fyne.Do, replaced in tests by a queue the test
	// goroutine drains.
	do func(func())

	// Everything below is touched on the UI goroutine only.
	lang   string
	loc    *i18n.Localizer
	gen    uint64             // bumped at every logout: results of an older generation are dropped
	ctx    context.Context    // cancelled at logout
	cancel context.CancelFunc //
	sess   *session           // the citizen's visit (ui/session.go); nil when no one is logged in
	cur    screen
	idle   idle
	// loginEnd is the warning that a login without a refresh token runs out soon (ui/loginend.go).
	loginEnd loginEnd
	notice   logoutReason // why the last visit ended, for the welcome screen's one-time notice ("Du er logga ut")
	// unsentNotice: the last visit ended with a message not confirmed sent (the welcome screen says so once).
	unsentNotice bool
	ops          ops      // local store, staff PIN, connection state, help request (ui/staff.go, ui/callstaff.go)
	ho           handover // a fresh process per citizen (ui/handover.go)

	hooks *widgets.Hooks // the widgets' callbacks: activity for the idle watch, text focus for the touch keyboard

	disp       display // text size, contrast, touch keyboard, read-aloud (ui/display.go)
	guide      guide   // speech guidance (ui/guide.go), with the keys (ui/keys.go)
	speakerSet bool    // WithSpeaker was given

	// browserOpts, when set, changes how the login on the kiosk starts its browser (tests).
	browserOpts func(*browser.Options)
	browsers    sync.WaitGroup // the logins on the kiosk whose browser may still run

	// pollEvery is how often home and the inbox look for new messages (default pollDefault; tests shorten it).
	pollEvery time.Duration
}

// New builds the kiosk for app with cfg: the window, the theme and the welcome screen. It does not show
// the window; Run does.
func New(a fyne.App, cfg config.Config, opts ...Option) (*Kiosk, error) {
	cfg = config.WithDefaults(cfg)
	if !config.ValidLang(cfg.Lang) {
		return nil, fmt.Errorf("ui: unsupported language %q", cfg.Lang)
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	k := &Kiosk{app: a, cfg: cfg, bundle: locales.NewBundle(), oslo: oslo, do: fyne.Do, clk: wallClock{}}
	k.hooks = &widgets.Hooks{Activity: k.touch, TextFocus: k.textFocused, Focus: k.focused, Key: k.key,
		KeyDown: k.keyDown, KeyUp: k.keyUp, Typed: k.typed}
	for _, o := range opts {
		o(k)
	}
	if k.client, err = k.newClient(cfg); err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	k.initDisplay() // the theme (normal text, no high contrast), the touch keyboard, read-aloud
	a.SetIcon(assets.Icon)
	title := "Helsekiosk"
	if cfg.Demo {
		title += " – DEMO"
	}
	k.win = a.NewWindow(title)
	k.win.SetIcon(assets.Icon)
	k.win.Resize(windowSize)
	k.win.SetFullScreen(cfg.Fullscreen)
	k.win.SetPadded(false)
	k.win.SetMaster()
	k.ctx, k.cancel = context.WithCancel(context.Background())
	k.win.Canvas().SetOnTypedRune(func(rune) { k.touch() })
	k.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) { k.key(ev) }) // nothing has the focus
	if dc, ok := k.win.Canvas().(desktop.Canvas); ok {
		dc.SetOnKeyDown(k.keyDown)
		dc.SetOnKeyUp(k.keyUp)
	}
	k.setLang(cfg.Lang)
	k.initOps()
	k.show(k.firstScreen())
	return k, nil
}

// An Option changes how New builds the kiosk.
type Option func(*Kiosk)

// WithInputIdle makes idle reports how long the display has seen no input (keyboard, mouse, touch) from
// anything, so that all input counts as activity. A nil idle is ignored.
func WithInputIdle(idle func() (time.Duration, bool)) Option {
	return func(k *Kiosk) { k.inputIdle = idle }
}

// WithHTTPClient makes the kiosk's API client use hc (a proxy, or a municipality's own CA bundle).
func WithHTTPClient(hc *http.Client) Option {
	return func(k *Kiosk) { k.httpClient = hc }
}

// Run shows the window and runs the app until the window is closed.
func (k *Kiosk) Run() {
	k.startOps() // the connection checks, after the first paint is queued
	k.win.ShowAndRun()
	if k.sess != nil {
		k.opLog(store.SessionEnded, "exit") // the kiosk closed during a visit (SIGTERM, staff's exit)
	}
	k.shutdownOps()
	k.endBrowserLogins(10 * time.Second) // cancels the kiosk's context: a login's browser is closed, its profile removed
	if k.sess != nil {
		k.revoke(k.sess.api)
	}
}

// RunUntil is Run, with a clean exit when ctx ends (main gives signal.NotifyContext's, for SIGTERM and
// SIGINT): the operations log gets kiosk_exited ("signal"), the window closes, and Run ends the visit and
// waits for the log's last writes.
func (k *Kiosk) RunUntil(ctx context.Context) {
	stop := k.exitOn(ctx)
	k.Run()
	stop()
	// Fyne's GLFW driver catches SIGTERM and SIGINT itself and quits, and may do so before exitOn's turn on
	// the UI goroutine comes: the exit is logged here then, once the loop has ended.
	if ctx.Err() != nil && !k.ops.exited.Swap(true) {
		k.opLog(store.KioskExited, "signal")
		k.ops.logs.Wait()
	}
}

// exitOn exits the kiosk (exitKiosk "signal", on the UI goroutine) when ctx ends, until stop is called.
func (k *Kiosk) exitOn(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { k.do(func() { k.exitKiosk("signal") }) })
}

// Window returns the kiosk's window (for tests).
func (k *Kiosk) Window() fyne.Window { return k.win }

// Lang returns the language shown now.
func (k *Kiosk) Lang() string { return k.lang }

// setLang shows lang from now on, and asks the backend for its labels (service names, staff roles) in it:
// for the citizen's session when one is open, else for the kiosk's own calls.
func (k *Kiosk) setLang(lang string) {
	k.lang = lang
	k.loc = i18n.NewLocalizer(k.bundle, lang)
	switch {
	case k.sess != nil:
		k.sess.api.SetLanguage(lang)
	case k.client != nil:
		k.client.SetLanguage(lang)
	}
}

// show makes s the window's content, stopping the screen shown before.
func (k *Kiosk) show(s screen) {
	if k.cur != nil {
		k.cur.stop()
	}
	k.leaveScreen() // the keyboard goes away and speech stops
	k.cur = s
	k.guide.notices = nil // the old screen's notice labels go with it
	k.win.SetContent(k.frame(s.buildUI()))
	if !k.cfg.Fullscreen {
		// Wrapping labels ask for a tall window before their first layout, and the driver grows the window
		// to that: put it back to the kiosk's size.
		k.win.Resize(windowSize)
	}
	k.announceScreen(false) // with speech guidance on: the screen's title and what one can do there
}

// loggedIn takes over a fresh session: read Me, then consent, person choice or home. The session may
// refresh its token only while the citizen is active (see client.Session): it asks the idle watch.
func (k *Kiosk) loggedIn(sess *client.Session) {
	k.sess = newSession(k.ctx, sess)
	sess.SetLanguage(k.lang) // the backend's labels in the language on screen
	k.sessionStarted()
	k.startIdle()
	sess.SetActivity(k.idle.lastActive, k.cfg.IdleTimeout)
	k.watchLoginEnd(k.sess) // a login without a refresh token: warned before it runs out, then ended
	k.loadMe()
}

func (k *Kiosk) loadMe() {
	wait := newMessageScreen(k, k.tr("Loading"), nil)
	k.show(wait)
	sess := k.sess
	k.async(wait, func(ctx context.Context) func() {
		me, err := sess.api.Me(ctx)
		return func() {
			if err != nil {
				k.fail(err, k.loadMe)
				return
			}
			sess.setMe(me)
			k.afterMe()
		}
	})
}

// afterMe routes a logged-in citizen: consent first, then whom they act for, then home.
func (k *Kiosk) afterMe() {
	sess := k.sess
	switch {
	case !sess.me.Consent.Given:
		k.show(newConsent(k, sess))
	case len(sess.me.Persons) > 1:
		k.show(newChoosePerson(k, sess))
	case len(sess.me.Persons) == 1:
		k.actFor(sess.me.Persons[0])
	default:
		k.show(newMessageScreen(k, k.tr("NoPersons"), nil))
	}
}

// actFor makes p the person the citizen acts for, and goes home.
func (k *Kiosk) actFor(p api.PersonAccess) {
	k.sess.actFor(p)
	k.goHome()
}

func (k *Kiosk) goHome() { k.show(newHome(k, k.sess)) }

// fail handles a failed call on the UI goroutine: an ended login goes back to the welcome screen with
// "you are logged out"; anything else shows its translated message, with "try again" when retry is set.
func (k *Kiosk) fail(err error, retry func()) {
	if k.handleUnauthorized(err) {
		return
	}
	k.show(newMessageScreen(k, k.errText(err), retry))
}

// handleUnauthorized handles what ends or redirects a session, whatever screen the call came from: a
// login the backend refuses (too low a level, no identity number, an unknown person, under age) ends on
// the refusal screen, and so does a token refused on the session's first call (tokenRefused); any other
// 401 logs out with "you are logged out"; the citizen's own consent missing
// (consent_required without another person) goes to the consent screen.
func (k *Kiosk) handleUnauthorized(err error) bool {
	if k.sess == nil {
		return false
	}
	if msg := refusalMessage(client.CodeOf(err)); msg != "" && (client.IsUnauthorized(err) || client.IsForbidden(err)) {
		k.refuse(err, msg)
		return true
	}
	if k.sess.me == nil && tokenRefused(err) {
		// The first call (Me) refused the token itself: the login just made cannot be used here (an issuer the
		// backend does not trust, another audience, a token already expired). "You are logged out" would
		// puzzle a citizen who has only just logged in.
		k.refuse(err, id("RefusedToken"))
		return true
	}
	if client.IsUnauthorized(err) {
		why := logoutExpired
		if client.CodeOf(err) == string(api.TokenExpired) && !k.sess.api.CanRefresh() {
			why = logoutTokenEnded // a login without a refresh token ran out: say so, not only «logged out»
		}
		k.logout(why)
		return true
	}
	if client.CodeOf(err) == string(api.ConsentRequired) && k.ownConsent(err) {
		k.noteError(err)
		k.loadMe() // Me says the consent is missing: the consent screen, and back where the citizen was after
		return true
	}
	return false
}

// ownConsent reports whether a consent_required is about the citizen's own consent (no person named, or
// the citizen themself).
func (k *Kiosk) ownConsent(err error) bool {
	return k.sess == nil || k.sess.ownConsent(client.PersonOf(err))
}

// personName is the name of a person the citizen may act for ("" when not among them, or no session).
func (k *Kiosk) personName(id string) string {
	if k.sess == nil {
		return ""
	}
	return k.sess.nameOf(id)
}

// errText is the translated message for a failed call.
func (k *Kiosk) errText(err error) string {
	k.noteError(err) // its code goes to the operations log
	switch {
	case err == nil:
		return ""
	case errors.Is(err, client.ErrLoginDenied):
		return k.tr("ErrLoginDenied")
	case errors.Is(err, client.ErrLoginDeclined):
		return k.tr("ErrLoginDeclined")
	case errors.Is(err, client.ErrLoginExpired):
		return k.tr("ErrLoginExpired")
	case errors.Is(err, client.ErrLoginBadCode):
		return k.tr("ErrLoginBadCode")
	case errors.Is(err, client.ErrLoginPending):
		return k.tr("ErrLoginPending")
	case errors.Is(err, client.ErrLoginSlowDown):
		return k.tr("ErrLoginSlowDown")
	case refusalMessage(client.CodeOf(err)) != "":
		return k.trd(refusalMessage(client.CodeOf(err)), map[string]any{"Phone": HelpLine})
	case client.CodeOf(err) == string(api.KioskRequired):
		return k.trd("ErrKioskRequired", map[string]any{"Phone": HelpLine})
	case client.CodeOf(err) == string(api.ConsentRequired) && !k.ownConsent(err):
		if name := k.personName(client.PersonOf(err)); name != "" {
			return k.trd("ErrConsentOther", map[string]any{"Name": name})
		}
		return k.tr("ErrConsentOtherUnnamed")
	case client.IsUnauthorized(err):
		return k.tr("NoticeLoggedOut")
	case client.IsForbidden(err):
		return k.tr("ErrForbidden")
	case client.IsNotFound(err):
		return k.tr("ErrNotFound")
	case client.IsConflict(err):
		return k.tr("ErrConflict")
	case errors.Is(err, client.ErrRateLimited):
		return k.tr("ErrRateLimited")
	case client.IsInvalid(err):
		return k.tr("ErrInvalid")
	case client.IsUnavailable(err), errors.Is(err, context.DeadlineExceeded):
		return k.tr("ErrUnavailable")
	}
	return k.tr("ErrUnknown")
}

// tr translates a message ID in the language shown now.
func (k *Kiosk) tr(id string) string {
	return k.localize(&i18n.LocalizeConfig{MessageID: id})
}

// trd translates a message ID with template data.
func (k *Kiosk) trd(id string, data map[string]any) string {
	return k.localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// trn translates a message ID with a plural count (CLDR one/other); {{.Count}} is the count.
func (k *Kiosk) trn(id string, count int) string {
	return k.localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: map[string]any{"Count": count}})
}

func (k *Kiosk) localize(c *i18n.LocalizeConfig) string {
	s, err := k.loc.Localize(c)
	if err != nil && s == "" {
		return c.MessageID // a missing translation shows its ID (the locale test keeps this from happening)
	}
	return s
}

// id marks a string as a message ID for the locale test, where a table holds IDs to translate later.
func id(s string) string { return s }
