package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/config"
	"github.com/helsekiosk/helsekiosk/internal/store"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// ops is the kiosk's operations state, which outlives citizen sessions: the local store (settings and the
// operations log), the staff PIN, the backend's connection state (checked in the background, so the
// welcome screen is painted at once even when the backend is down) and an open help request.
type ops struct {
	store *store.Store
	fixed map[string]bool // settings a flag or the environment sets: the staff panel shows them, read-only
	pin   pinGuard

	ctx  context.Context // the kiosk's lifetime; shutdown cancels it
	stop context.CancelFunc
	kick chan struct{} // wakes the health loop (the backend URL changed)

	healthEvery time.Duration // between checks while the backend answers
	retryEvery  time.Duration // between checks while it does not
	helpPoll    time.Duration // between looks at an open help request
	quit        func()        // "Exit kiosk" (the app's Quit; tests replace it)

	mu sync.Mutex     // guards cl, which background loops read
	cl *client.Client // the client for the backend URL in use

	// UI goroutine only.
	started    bool        // startOps has run
	firstStart bool        // no staff PIN yet in kiosk mode: the first screen asks for one
	state      connState   //
	health     *api.Health // the last good health answer
	statusSlot *fyne.Container
	help       helpState
}

type connState int

const (
	connUnknown connState = iota
	connUp
	connDown
)

// WithStore gives the kiosk its local store (settings, operations log, staff PIN) and the setting keys
// that flags or the environment fix. Without a store the staff entry is off and nothing is logged.
func WithStore(st *store.Store, fixed map[string]bool) Option {
	return func(k *Kiosk) { k.ops.store, k.ops.fixed = st, fixed }
}

// withOpsTiming shortens the background checks (tests).
func withOpsTiming(health, retry, helpPoll time.Duration) Option {
	return func(k *Kiosk) { k.ops.healthEvery, k.ops.retryEvery, k.ops.helpPoll = health, retry, helpPoll }
}

// initOps sets up kiosk mode (close refused, the staff shortcut) and starts the connection checks. New calls
// it once the window and the client exist.
func (k *Kiosk) initOps() {
	o := &k.ops
	o.pin.st = o.store
	o.pin.now = func() time.Time { return k.now() }
	if o.healthEvery <= 0 {
		o.healthEvery = 30 * time.Second
	}
	if o.retryEvery <= 0 {
		o.retryEvery = 3 * time.Second
	}
	if o.helpPoll <= 0 {
		o.helpPoll = 3 * time.Second
	}
	if o.quit == nil {
		o.quit = k.app.Quit
	}
	o.cl = k.client
	o.kick = make(chan struct{}, 1)
	o.ctx, o.stop = context.WithCancel(context.Background())
	if k.cfg.Kiosk {
		// A citizen cannot close the kiosk; staff use "Exit kiosk" in the staff panel.
		k.win.SetCloseIntercept(func() {})
	}
	k.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl | fyne.KeyModifierAlt},
		func(fyne.Shortcut) { k.staffEntry() })
	if o.store != nil {
		k.opLog(store.KioskStarted, "")
		if k.cfg.Kiosk {
			set, err := o.pin.isSet(context.Background())
			o.firstStart = err == nil && !set
		}
	}
}

// startOps starts the background connection checks (Run calls it; tests call it once the harness owns k.do).
func (k *Kiosk) startOps() {
	if !k.ops.started {
		k.ops.started = true
		go k.healthLoop(k.ops.ctx)
	}
}

// firstScreen is the welcome screen, or in kiosk mode at the very first start, the choice of a staff PIN.
func (k *Kiosk) firstScreen() screen {
	if k.ops.firstStart {
		return newPINScreen(k, pinFirstOnly, func() { k.show(newStaffPanel(k)) })
	}
	return newWelcome(k)
}

// shutdownOps stops the background checks and the help request's polling.
func (k *Kiosk) shutdownOps() {
	if k.ops.stop != nil {
		k.ops.stop()
	}
}

func (o *ops) client() *client.Client {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cl
}

// healthLoop asks the backend whether it is up, every healthEvery while it is and every retryEvery while it
// is not, and shows the result.
func (k *Kiosk) healthLoop(ctx context.Context) {
	o := &k.ops
	for {
		cl := o.client()
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		h, err := cl.Health(hctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		k.do(func() { k.setConn(cl, h, err) })
		wait := o.healthEvery
		if err != nil {
			wait = o.retryEvery
		}
		select {
		case <-ctx.Done():
			return
		case <-o.kick:
		case <-time.After(wait):
		}
	}
}

// setConn records a health answer from cl (dropped if the URL has changed since).
func (k *Kiosk) setConn(cl *client.Client, h *api.Health, err error) {
	o := &k.ops
	if cl != o.client() {
		return
	}
	was := o.state
	if err == nil {
		o.state, o.health = connUp, h
	} else {
		o.state = connDown
		if was != connDown {
			k.noteError(err)
		}
	}
	if was != o.state {
		k.refreshStatus()
		if p, ok := k.cur.(*staffPanel); ok {
			p.showConn()
		}
	}
}

// statusBanner is the frame's slot for "the service is unavailable", shown on screens without a session.
func (k *Kiosk) statusBanner() fyne.CanvasObject {
	k.ops.statusSlot = container.NewVBox()
	k.refreshStatus()
	return k.ops.statusSlot
}

func (k *Kiosk) refreshStatus() {
	slot := k.ops.statusSlot
	if slot == nil {
		return
	}
	slot.RemoveAll()
	if k.ops.state == connDown && k.sess == nil {
		slot.Add(widgets.NewBanner(k.tr("OpsUnavailable"), kt.ActingFor))
		slot.Show()
	} else {
		slot.Hide()
	}
	k.relayout()
}

// relayout lays the whole window out again after a slot in the frame changed size: a container's Refresh
// lays out itself and then refreshes its children, so refreshing the root reaches every level.
func (k *Kiosk) relayout() {
	if c := k.win.Content(); c != nil {
		c.Refresh()
	}
}

// opLog records an operations event in the background (nothing without a store).
func (k *Kiosk) opLog(kind store.Kind, detail string) {
	st := k.ops.store
	if st == nil {
		return
	}
	go func() { _ = st.Log(context.Background(), kind, detail) }()
}

var codeRE = regexp.MustCompile(`^[a-z0-9_.:-]{1,64}$`)

// errorCode is the code an error is logged under: the backend's problem code, or the kind of failure.
func errorCode(err error) string {
	c := strings.ToLower(client.CodeOf(err))
	switch {
	case c != "":
	case errors.Is(err, client.ErrLoginDenied):
		c = "login_denied"
	case errors.Is(err, client.ErrLoginExpired):
		c = "login_expired"
	case errors.Is(err, client.ErrRateLimited):
		c = "rate_limited"
	case errors.Is(err, context.DeadlineExceeded):
		c = "timeout"
	case client.IsUnauthorized(err):
		c = "unauthorized"
	case client.IsUnavailable(err):
		c = "unavailable"
	default:
		c = "other"
	}
	if !codeRE.MatchString(c) {
		c = "other"
	}
	return c
}

// noteError logs a failed call's code (never its message: a message may quote what was sent).
func (k *Kiosk) noteError(err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		k.opLog(store.Error, errorCode(err))
	}
}

// sessionEnded logs the end of a session and why, from the notice logout shows.
func (k *Kiosk) sessionEnded(notice string) {
	reason := "logout"
	switch notice {
	case "":
	case k.tr("NoticeIdle"):
		reason = "idle"
	case k.tr("NoticeLoggedOut"):
		reason = "expired"
	default:
		reason = "other"
	}
	k.opLog(store.SessionEnded, reason)
}

// kioskLabel is the kiosk's name with its location, as the citizen's phone and the staff page show it.
func (k *Kiosk) kioskLabel() string {
	if k.cfg.Location == "" {
		return k.cfg.KioskName
	}
	return k.cfg.KioskName + " – " + k.cfg.Location
}

// newClient makes a client for url with the kiosk's client options.
// newClient makes the API client for cfg: the issuer (the API's own discovery unless --issuer says
// otherwise), the API, the OAuth client and its secret, the scopes and the resource. Requests are logged at
// debug level (method, path, status: never a token, a name or text).
func (k *Kiosk) newClient(cfg config.Config) (*client.Client, error) {
	opts := []client.Option{client.WithLogger(slog.Default()),
		client.WithOAuthClient(cfg.ClientID, cfg.ClientSecret.Reveal())}
	if cfg.Issuer != "" { // an issuer of its own: the API is where --api says, whatever discovery names
		opts = append(opts, client.WithAPI(cfg.API))
	}
	if scopes := cfg.ScopeList(); len(scopes) > 0 {
		opts = append(opts, client.WithScopes(scopes...))
	}
	if cfg.Resource != "" {
		opts = append(opts, client.WithResource(cfg.Resource))
	}
	if k.httpClient != nil {
		opts = append(opts, client.WithHTTPClient(k.httpClient))
	}
	return client.New(cfg.IssuerURL(), opts...)
}

// staffPanel is for staff only (behind the PIN): the kiosk's settings, which apply at once and are kept in
// the local store, an operations view, and "Exit kiosk".
type staffPanel struct {
	k *Kiosk

	api, name, location *widgets.Entry
	lang                string
	langBox             *fyne.Container
	timeout, warning    *widget.Select
	keyboard, readAloud *widget.Check
	testResult          *widget.Label
	saveResult          *widget.Label
	errText             *widget.Label

	conn     *widget.Label
	sessions *widget.Label
	errs     *fyne.Container
}

func newStaffPanel(k *Kiosk) *staffPanel { return &staffPanel{k: k} }

// The choices for the idle timeout and its warning.
var (
	timeoutChoices = []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 5 * time.Minute, 10 * time.Minute}
	warningChoices = []time.Duration{15 * time.Second, 30 * time.Second, 45 * time.Second, 60 * time.Second, 90 * time.Second}
)

func (k *Kiosk) durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return k.trn("StaffMinutes", int(d/time.Minute))
	}
	return k.trn("StaffSeconds", int(d/time.Second))
}

func (s *staffPanel) durationSelect(choices []time.Duration, cur time.Duration) *widget.Select {
	k := s.k
	if !containsDur(choices, cur) {
		choices = append(append([]time.Duration{}, choices...), cur)
	}
	opts := make([]string, len(choices))
	for i, d := range choices {
		opts[i] = k.durationText(d)
	}
	sel := widget.NewSelect(opts, nil)
	sel.SetSelected(k.durationText(cur))
	return sel
}

func containsDur(ds []time.Duration, d time.Duration) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// selectedDuration reads a duration select back.
func (s *staffPanel) selectedDuration(sel *widget.Select, choices []time.Duration, cur time.Duration) time.Duration {
	for _, d := range append(append([]time.Duration{}, choices...), cur) {
		if s.k.durationText(d) == sel.Selected {
			return d
		}
	}
	return cur
}

func (s *staffPanel) buildUI() fyne.CanvasObject {
	k := s.k
	cfg := k.cfg
	fixedNote := func(key string, w fyne.Disableable) {
		if k.ops.fixed[key] {
			w.Disable()
		}
	}
	s.api = widgets.NewEntry()
	s.api.SetText(cfg.API)
	fixedNote(config.KeyAPI, s.api)
	s.testResult = para("")
	s.testResult.Hide()
	test := widgets.NewButton(k.tr("StaffTestConnection"), s.testConnection)

	s.name = widgets.NewEntry()
	s.name.SetText(cfg.KioskName)
	fixedNote(config.KeyKioskName, s.name)
	s.location = widgets.NewEntry()
	s.location.SetText(cfg.Location)
	s.location.SetPlaceHolder(k.tr("StaffLocationHint"))
	fixedNote(config.KeyLocation, s.location)

	s.lang = cfg.Lang
	s.langBox = container.NewHBox()
	s.showLangs()

	s.timeout = s.durationSelect(timeoutChoices, cfg.IdleTimeout)
	fixedNote(config.KeyIdleTimeout, s.timeout)
	s.warning = s.durationSelect(warningChoices, cfg.IdleWarning)
	fixedNote(config.KeyIdleWarning, s.warning)
	s.keyboard = widget.NewCheck(k.tr("StaffTouchKeyboard"), nil)
	s.keyboard.SetChecked(cfg.TouchKeyboard)
	fixedNote(config.KeyTouchKeyboard, s.keyboard)
	s.readAloud = widget.NewCheck(k.tr("StaffReadAloud"), nil)
	s.readAloud.SetChecked(cfg.ReadAloud)
	fixedNote(config.KeyReadAloud, s.readAloud)

	s.saveResult = para("")
	s.saveResult.Hide()
	s.errText = errorLabel()
	save := widgets.NewIconButton(k.tr("StaffSave"), theme.DocumentSaveIcon(), s.save)
	save.Importance = widget.HighImportance

	label := func(id string) *widget.Label {
		l := widget.NewLabel(k.tr(id))
		l.TextStyle = fyne.TextStyle{Bold: true}
		return l
	}
	form := container.New(layout.NewFormLayout(),
		label(id("StaffBackend")), container.NewVBox(container.NewBorder(nil, nil, nil, test, s.api), s.testResult),
		label(id("StaffLoginAt")), para(k.trd("StaffLoginAtValue", map[string]any{
			"Issuer": cfg.IssuerURL(), "ClientID": cfg.ClientID, "API": cfg.API})),
		label(id("StaffKioskName")), s.name,
		label(id("StaffLocation")), s.location,
		label(id("StaffDefaultLang")), s.langBox,
		label(id("StaffIdleTimeout")), s.timeout,
		label(id("StaffIdleWarning")), s.warning,
		layout.NewSpacer(), container.NewHBox(s.keyboard, s.readAloud),
	)
	left := container.NewVBox(subheading(k.tr("StaffSettingsHeading")), form, s.errText, s.saveResult)
	if len(k.ops.fixed) > 0 {
		left.Add(para(k.tr("StaffFixedNote")))
	}

	s.conn = para("")
	s.sessions = para(k.tr("Loading"))
	s.errs = container.NewVBox()
	s.showConn()
	s.loadOps()
	opsBox := container.NewVBox(
		subheading(k.tr("StaffOpsHeading")),
		label(id("StaffConnection")), s.conn,
		label(id("StaffSessionsToday")), s.sessions,
		label(id("StaffRecentErrors")), s.errs,
		widgets.NewButton(k.tr("StaffChangePin"), func() {
			k.showPIN(newPINScreen(k, pinChoose, func() { k.show(newStaffPanel(k)) }))
		}),
	)
	card := func(o fyne.CanvasObject) fyne.CanvasObject {
		bg := canvas.NewRectangle(kt.Surface)
		bg.CornerRadius = 12
		return container.NewStack(bg, container.NewPadded(o))
	}
	back := widgets.NewIconButton(k.tr("StaffBack"), theme.NavigateBackIcon(), func() { k.logout("") })
	exit := widgets.NewIconButton(k.tr("StaffExit"), theme.LogoutIcon(), func() {
		if st := k.ops.store; st != nil {
			_ = st.Log(context.Background(), store.KioskExited, "")
		}
		k.ops.quit()
	})
	exit.Importance = widget.DangerImportance
	header := container.NewBorder(nil, nil, nil, container.NewHBox(save, back, exit), heading(k.tr("StaffHeading")))
	body := container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(340, 0), card(opsBox)), card(left))
	return container.NewBorder(header, nil, nil, nil, container.NewVScroll(body))
}

func (s *staffPanel) showLangs() {
	k := s.k
	s.langBox.RemoveAll()
	for _, l := range langNames {
		b := widgets.NewButton(l.name, func() {
			s.lang = l.code
			s.showLangs()
		})
		if l.code == s.lang {
			b.Importance = widget.HighImportance
			b.Icon = theme.ConfirmIcon()
		}
		if k.ops.fixed[config.KeyLang] {
			b.Disable()
		}
		s.langBox.Add(b)
	}
	s.langBox.Refresh()
}

// showConn shows the connection state the health loop found.
func (s *staffPanel) showConn() {
	k := s.k
	switch k.ops.state {
	case connUp:
		v := healthVersion(k.ops.health)
		s.conn.SetText(k.trd("StaffConnUp", map[string]any{"URL": k.cfg.API, "Version": v}))
	case connDown:
		s.conn.SetText(k.trd("StaffConnDown", map[string]any{"URL": k.cfg.API}))
	default:
		s.conn.SetText(k.tr("StaffConnUnknown"))
	}
}

// loadOps reads sessions today and recent errors from the store.
func (s *staffPanel) loadOps() {
	k := s.k
	st := k.ops.store
	if st == nil {
		s.sessions.SetText("–")
		return
	}
	now := k.now().In(k.oslo)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, k.oslo)
	k.async(s, func(ctx context.Context) func() {
		n, err1 := st.Count(ctx, store.SessionStarted, midnight)
		ec, err2 := st.ErrorCounts(ctx, now.Add(-7*24*time.Hour), 8)
		return func() {
			if err1 != nil || err2 != nil {
				s.sessions.SetText(k.tr("StaffStoreFailed"))
				return
			}
			s.sessions.SetText(fmt.Sprint(n))
			s.errs.RemoveAll()
			if len(ec) == 0 {
				s.errs.Add(para(k.tr("StaffNoErrors")))
			}
			for _, c := range ec {
				s.errs.Add(para(k.trd("StaffErrorLine", map[string]any{
					"Code": c.Code, "Count": c.Count, "Last": c.Last.In(k.oslo).Format("02.01. 15:04")})))
			}
			s.errs.Refresh()
		}
	})
}

// testConnection asks the backend URL typed (not yet saved) for its health.
func (s *staffPanel) testConnection() {
	k := s.k
	cfg := k.cfg
	cfg.API = strings.TrimSpace(s.api.Text)
	s.testResult.Show()
	cl, err := k.newClient(cfg)
	if err != nil {
		s.testResult.SetText(k.tr("StaffBadURL"))
		return
	}
	s.testResult.SetText(k.tr("StaffTesting"))
	k.async(s, func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		h, err := cl.Health(ctx)
		return func() {
			if err != nil {
				s.testResult.SetText(k.trd("StaffTestFailed", map[string]any{"Error": k.errText(err)}))
				return
			}
			s.testResult.SetText(k.trd("StaffTestOK", map[string]any{"Version": healthVersion(h)}))
		}
	})
}

// save checks the settings, stores those staff may change, and applies them at once.
func (s *staffPanel) save() {
	k := s.k
	showError(s.errText, "")
	s.saveResult.Hide()
	next := k.cfg
	values := map[string]string{
		config.KeyAPI:           strings.TrimSpace(s.api.Text),
		config.KeyKioskName:     strings.TrimSpace(s.name.Text),
		config.KeyLocation:      strings.TrimSpace(s.location.Text),
		config.KeyLang:          s.lang,
		config.KeyIdleTimeout:   s.selectedDuration(s.timeout, timeoutChoices, k.cfg.IdleTimeout).String(),
		config.KeyIdleWarning:   s.selectedDuration(s.warning, warningChoices, k.cfg.IdleWarning).String(),
		config.KeyTouchKeyboard: fmt.Sprint(s.keyboard.Checked),
		config.KeyReadAloud:     fmt.Sprint(s.readAloud.Checked),
	}
	changed := map[string]string{}
	for key, v := range values {
		if k.ops.fixed[key] || v == config.Value(k.cfg, key) {
			continue
		}
		if err := config.Set(&next, key, v); err != nil {
			showError(s.errText, k.tr("StaffInvalid"))
			return
		}
		changed[key] = v
	}
	if values[config.KeyAPI] == "" && !k.ops.fixed[config.KeyAPI] {
		showError(s.errText, k.tr("StaffBadURL"))
		return
	}
	if err := config.Validate(&next); err != nil {
		if next.IdleWarning >= next.IdleTimeout {
			showError(s.errText, k.tr("StaffWarningTooLong"))
		} else {
			showError(s.errText, k.tr("StaffBadURL"))
		}
		return
	}
	var cl *client.Client
	if next.API != k.cfg.API {
		var err error
		if cl, err = k.newClient(next); err != nil {
			showError(s.errText, k.tr("StaffBadURL"))
			return
		}
	}
	if len(changed) == 0 {
		s.saved()
		return
	}
	st := k.ops.store
	k.async(s, func(ctx context.Context) func() {
		var err error
		if st != nil {
			err = st.Put(ctx, changed)
		}
		return func() {
			if err != nil {
				showError(s.errText, k.tr("StaffStoreFailed"))
				return
			}
			k.applyConfig(next, cl)
			k.opLog(store.SettingsSaved, "")
			s.saved()
		}
	})
}

func (s *staffPanel) saved() {
	s.saveResult.SetText(s.k.tr("StaffSaved"))
	s.saveResult.Show()
	s.showConn()
}

// applyConfig makes cfg the kiosk's settings now: the idle timer reads them at its next tick, the next
// login and help request use the new name, the welcome screen the new language, and a new backend URL gets
// a new client and an immediate health check.
func (k *Kiosk) applyConfig(cfg config.Config, cl *client.Client) {
	k.cfg = cfg
	if cl != nil {
		k.client = cl
		k.ops.mu.Lock()
		k.ops.cl = cl
		k.ops.mu.Unlock()
		k.ops.state, k.ops.health = connUnknown, nil
		select {
		case k.ops.kick <- struct{}{}:
		default:
		}
	}
}

func (s *staffPanel) stop() {}

// sessionStarted logs that a citizen logged in (not who).
func (k *Kiosk) sessionStarted() { k.opLog(store.SessionStarted, "") }

func healthVersion(h *api.Health) string {
	if h == nil || h.Version == nil || *h.Version == "" {
		return "–"
	}
	return *h.Version
}
