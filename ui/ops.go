package ui

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/staffpin"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// ops is the kiosk's operations state, which outlives citizen sessions: the local store (settings and the
// operations log), the staff PIN, the backend's connection state (checked in the background, so the
// welcome screen is painted at once even when the backend is down) and an open help request.
type ops struct {
	store  *store.Store
	exited atomic.Bool     // kiosk_exited is logged
	fixed  map[string]bool // settings a flag or the environment sets: the staff panel shows them, read-only
	pin    *staffpin.Guard

	ctx        context.Context // the kiosk's lifetime; shutdown cancels it
	stop       context.CancelFunc
	nextHealth atomic.Int64 // when the next connection check is due (Unix ns on the kiosk's clock)

	healthEvery time.Duration // between checks while the backend answers
	retryEvery  time.Duration // between checks while it does not
	helpPoll    time.Duration // between looks at an open help request
	heartbeat   time.Duration // between heartbeats (PUT /v1/kiosk/heartbeat)
	startedAt   time.Time     // when the kiosk started, on its clock
	reachable   atomic.Bool   // the last health check reached the backend
	quit        func()        // "Exit kiosk" (the app's Quit; tests replace it)

	logs sync.WaitGroup // the operations log's writes in flight; shutdownOps waits for them

	mu    sync.Mutex     // guards cl, hbCfg and errs, which background loops read
	cl    *client.Client // the client for the backend URL in use
	hbCfg config.Config  // the settings the heartbeat reports (name, location, speech, keyboard)
	errs  []string       // the last error codes (at most maxErrorCodes), newest last

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

// withHeartbeat sets the time between heartbeats (tests).
func withHeartbeat(d time.Duration) Option { return func(k *Kiosk) { k.ops.heartbeat = d } }

// heartbeatDefault is how often the kiosk reports its state to the backend.
const heartbeatDefault = 60 * time.Second

// maxErrorCodes is how many of the last error codes the heartbeat reports.
const maxErrorCodes = 10

// Version is the kiosk program's version, reported in the heartbeat; set with
// -ldflags "-X github.com/helsekiosk/helsekiosk/ui.Version=…".
var Version = "dev"

// initOps sets up kiosk mode (close refused, the staff shortcut) and starts the connection checks. New calls
// it once the window and the client exist.
func (k *Kiosk) initOps() {
	o := &k.ops
	o.pin = staffpin.New(o.store, func() time.Time { return k.now() })
	if o.healthEvery <= 0 {
		o.healthEvery = 30 * time.Second
	}
	if o.retryEvery <= 0 {
		o.retryEvery = 3 * time.Second
	}
	if o.helpPoll <= 0 {
		o.helpPoll = 3 * time.Second
	}
	if o.heartbeat <= 0 {
		o.heartbeat = heartbeatDefault
	}
	if o.quit == nil {
		o.quit = k.app.Quit
	}
	o.startedAt = k.now()
	o.cl, o.hbCfg = k.client, k.cfg
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
			set, err := o.pin.IsSet(context.Background())
			o.firstStart = err == nil && !set
		}
	}
}

// startOps starts the background connection checks (Run calls it; tests call it once the harness owns k.do):
// one at once, then every retryEvery on the kiosk's clock a check when one is due (see healthCheck); and the
// heartbeat, once the first check is done and then every heartbeat.
func (k *Kiosk) startOps() {
	if !k.ops.started {
		k.ops.started = true
		k.run(k.forKiosk(), func(ctx context.Context) func() {
			apply := k.healthCheck(ctx)
			k.run(k.forKiosk(), k.sendHeartbeat)
			return apply
		})
		k.every(k.ops.heartbeat, k.forKiosk(), k.sendHeartbeat)
		k.every(k.ops.retryEvery, k.forKiosk(), func(ctx context.Context) func() {
			if k.now().UnixNano() < k.ops.nextHealth.Load() {
				return nil
			}
			return k.healthCheck(ctx)
		})
	}
}

// firstScreen is the welcome screen, or in kiosk mode at the very first start, the choice of a staff PIN.
func (k *Kiosk) firstScreen() screen {
	if k.ops.firstStart {
		return newPINScreen(k, pinFirstOnly, func() { k.show(newStaffPanel(k)) })
	}
	return newWelcome(k)
}

// shutdownOps stops the background checks and the help request's polling, and waits for the operations
// log's last writes.
func (k *Kiosk) shutdownOps() {
	if k.ops.stop != nil {
		k.ops.stop()
	}
	k.ops.logs.Wait() // the last events (the session's end, the exit) reach the store
}

func (o *ops) client() *client.Client {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cl
}

// healthCheck asks the backend whether it is up, and makes the next check due healthEvery later while it
// is and retryEvery later while it is not (less half a tick, so that the tick at that time takes it); the
// result is shown on the UI goroutine.
func (k *Kiosk) healthCheck(ctx context.Context) func() {
	o := &k.ops
	cl := o.client()
	start := k.now()
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	h, err := cl.Health(hctx)
	cancel()
	wait := o.healthEvery
	if err != nil {
		wait = o.retryEvery
	}
	o.nextHealth.Store(start.Add(wait - o.retryEvery/2).UnixNano())
	if cl == o.client() {
		o.reachable.Store(err == nil)
	}
	return func() { k.setConn(cl, h, err) }
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
		b := widgets.NewBanner(k.tr("OpsUnavailable"), kt.Colors().ActingFor)
		if l, ok := b.(*fyne.Container).Objects[1].(*widget.Label); ok {
			k.noticeLabel(l) // speech guidance says it when it comes
		}
		slot.Add(b)
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
	k.ops.logs.Add(1)
	go func() {
		defer k.ops.logs.Done()
		_ = st.Log(context.Background(), kind, detail)
	}()
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

// noteError logs a failed call's code (never its message: a message may quote what was sent), and keeps it
// among the last codes the heartbeat reports.
func (k *Kiosk) noteError(err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		code := errorCode(err)
		k.opLog(store.Error, code)
		o := &k.ops
		o.mu.Lock()
		o.errs = append(o.errs, code)
		if n := len(o.errs); n > maxErrorCodes {
			o.errs = append([]string(nil), o.errs[n-maxErrorCodes:]...)
		}
		o.mu.Unlock()
	}
}

// heartbeatBody is the kiosk's state as the heartbeat reports it: its name, location and version, how long
// it has run, whether the last health check reached the backend, its last error codes, and its own display
// settings (read aloud, touch keyboard, its default text size: never a citizen's choices). Nothing about a
// citizen: no name, number or text of a visit.
func (k *Kiosk) heartbeatBody() api.KioskHeartbeat {
	o := &k.ops
	o.mu.Lock()
	cfg := o.hbCfg
	codes := append([]string{}, o.errs...)
	o.mu.Unlock()
	name := cfg.KioskName
	if strings.TrimSpace(name) == "" {
		name = "Helsekiosk"
	}
	up := int64(k.now().Sub(o.startedAt) / time.Second)
	return api.KioskHeartbeat{
		Name: truncRunes(name, 100), Location: truncRunes(cfg.Location, 200), Version: truncRunes(Version, 64),
		UptimeSeconds: max(up, 0), BackendReachable: o.reachable.Load(), LastErrorCodes: codes,
		Speech: cfg.ReadAloud, TouchKeyboard: cfg.TouchKeyboard,
		TextSize: heartbeatSize(cfg.TextSize), // the kiosk's default: every visit starts with it (resetDisplay)
	}
}

// sendHeartbeat reports the kiosk's state (see heartbeatBody) with the kiosk's own token. A failure is not
// an operations event of its own (the health check logs that the backend is down).
func (k *Kiosk) sendHeartbeat(ctx context.Context) func() {
	cl := k.ops.client()
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err := cl.Heartbeat(hctx, k.heartbeatBody())
	cancel()
	if err != nil && ctx.Err() == nil {
		slog.Debug("heartbeat not sent", "code", errorCode(err))
	}
	return nil
}

func truncRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
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

// applyConfig makes cfg the kiosk's settings now: the idle timer reads them at its next tick, the next
// login and help request use the new name, the welcome screen the new language, and a new backend URL gets
// a new client and an immediate health check.
func (k *Kiosk) applyConfig(cfg config.Config, cl *client.Client) {
	resize := cfg.TextSize != k.cfg.TextSize
	k.cfg = cfg
	if resize && k.sess == nil { // no visit: the next one starts at the new size (the staff panel shows it now)
		k.setDisplay(k.startSize(), k.disp.hc)
	}
	k.ops.mu.Lock()
	k.ops.hbCfg = cfg
	k.ops.mu.Unlock()
	if cl != nil {
		k.client = cl
		cl.SetLanguage(k.lang)
		k.ops.mu.Lock()
		k.ops.cl = cl
		k.ops.mu.Unlock()
		k.ops.state, k.ops.health = connUnknown, nil
		k.run(k.forKiosk(), k.healthCheck) // at once, at the new URL
	}
}

// exitKiosk logs kiosk_exited with why (signal, staff) and quits the app.
func (k *Kiosk) exitKiosk(why string) {
	if !k.ops.exited.Swap(true) {
		k.opLog(store.KioskExited, why)
	}
	k.ops.quit()
}

// sessionStarted logs that a citizen logged in (not who).
func (k *Kiosk) sessionStarted() {
	k.ho.served = true
	k.opLog(store.SessionStarted, "")
}

// heartbeatSize is the contract's name of a configured text size.
func heartbeatSize(size string) api.KioskHeartbeatTextSize {
	switch size {
	case "large":
		return api.Large
	case "xlarge":
		return api.Xl
	}
	return api.Normal
}

func healthVersion(h *api.Health) string {
	if h == nil || h.Version == nil || *h.Version == "" {
		return "–"
	}
	return *h.Version
}
