package ui

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/staffpin"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// typePIN taps the PIN on the number pad and OK.
func (h *harness) typePIN(pin string) {
	h.t.Helper()
	for _, d := range pin {
		h.tap(string(d))
	}
	h.tap(h.k.tr("StaffPinOK"))
	h.waitFor("the PIN check", func() bool { s, ok := h.k.cur.(*pinScreen); return !ok || !s.busy })
}

// longPressLogo holds the welcome screen's logo down until the staff entry opens.
func (h *harness) longPressLogo() {
	h.t.Helper()
	for _, o := range h.objects(false) {
		if l, ok := o.(*widgets.LongPress); ok {
			l.MouseDown(&desktop.MouseEvent{})
			h.waitFor("the PIN screen", func() bool { _, ok := h.k.cur.(*pinScreen); return ok })
			l.MouseUp(&desktop.MouseEvent{})
			return
		}
	}
	h.t.Fatal("no long-press logo on this screen")
}

// openStaffPanel goes from the welcome screen to the staff panel, choosing pin first when none is set.
func (h *harness) openStaffPanel(pin string) {
	h.t.Helper()
	h.longPressLogo()
	if h.k.cur.(*pinScreen).mode == pinChoose {
		h.typePIN(pin)
		h.waitForText(h.k.tr("StaffPinRepeat"))
	}
	h.typePIN(pin)
	h.waitFor("the staff panel", func() bool { _, ok := h.k.cur.(*staffPanel); return ok })
}

func TestPINLockoutWithClock(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	st := openStore(t, t.TempDir())
	h := newHarnessWith(t, config.Config{Lang: "nn"}, WithStore(st, nil))
	h.k.clk = nowClock(clock.Now)
	setLongPressDelay(t, 50*time.Millisecond)

	// A short tap on the logo does nothing: its timer is stopped before it fires.
	for _, o := range h.objects(false) {
		if l, ok := o.(*widgets.LongPress); ok {
			l.MouseDown(&desktop.MouseEvent{})
			l.MouseUp(&desktop.MouseEvent{})
			if l.Fired() {
				t.Fatal("a short tap counted as a long press")
			}
		}
	}
	h.process()
	if _, ok := h.k.cur.(*welcome); !ok {
		t.Fatalf("a short tap left the welcome screen for %T", h.k.cur)
	}

	// The first time: choose a PIN, twice; too short and a mismatch are refused.
	h.longPressLogo()
	h.typePIN("123")
	h.waitForText("PIN-koden må ha mellom 6 og 12 siffer, berre tal.")
	h.typePIN("246810")
	h.waitForText("Skriv den nye PIN-koden ein gong til.")
	h.typePIN("246811")
	h.waitForText("Dei to PIN-kodane var ikkje like. Vel PIN-koden på nytt.")
	h.typePIN("246810")
	h.typePIN("246810")
	h.waitFor("the staff panel", func() bool { _, ok := h.k.cur.(*staffPanel); return ok })
	if v, _, _ := st.Get(context.Background(), staffpin.KeyHash); !strings.HasPrefix(v, "$argon2id$") || strings.Contains(v, "246810") {
		t.Errorf("stored PIN %q is not an argon2id hash", v)
	}
	h.tap("Tilbake til kiosken")
	h.waitForText("Logg inn")

	// Four wrong tries count down; the fifth locks for five minutes, even for the right PIN.
	h.longPressLogo()
	for left := 4; left >= 1; left-- {
		h.typePIN("999999")
		want := h.k.trn("StaffPinWrong", left)
		h.waitForText(want)
	}
	h.typePIN("999999")
	h.waitForText("For mange feil forsøk. Prøv igjen om 5 minutt.")
	h.typePIN("246810")
	if !h.hasText("For mange feil forsøk. Prøv igjen om 5 minutt.") {
		t.Errorf("the right PIN while locked: %q", h.texts(false))
	}
	clock.Advance(4*time.Minute + 50*time.Second)
	h.typePIN("246810")
	h.waitForText("For mange feil forsøk. Prøv igjen om 1 minutt.")
	if _, ok := h.k.cur.(*staffPanel); ok {
		t.Fatal("the right PIN opened the panel while locked")
	}

	// The lock is kept in the store: a restarted kiosk is locked too.
	h2 := newHarnessWith(t, config.Config{Lang: "nn"}, WithStore(st, nil))
	h2.k.clk = nowClock(clock.Now)
	h2.longPressLogo()
	h2.typePIN("246810")
	h2.waitForText("For mange feil forsøk. Prøv igjen om 1 minutt.")

	clock.Advance(11 * time.Second)
	h.typePIN("246810")
	h.waitFor("the staff panel after the lock", func() bool { _, ok := h.k.cur.(*staffPanel); return ok })
	// A success resets the count: four wrong tries do not lock again.
	g := staffpin.New(st, clock.Now)
	for i := 0; i < 4; i++ {
		if r, err := g.Check(context.Background(), "000000"); err != nil || r.Locked > 0 || r.Left != 4-i {
			t.Fatalf("try %d: %+v, %v", i, r, err)
		}
	}
	if r, _ := g.Check(context.Background(), "246810"); !r.OK {
		t.Errorf("right PIN after four wrong: %+v", r)
	}
	n, _ := st.Count(context.Background(), store.StaffLocked, time.Time{})
	if n != 1 {
		t.Errorf("staff_locked logged %d times, want 1", n)
	}
}

func TestStaffPanelSettingsApply(t *testing.T) {
	env := backendtest.New(t)
	env2 := backendtest.New(t)
	dir := t.TempDir()
	st := openStore(t, dir)
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn"}, WithStore(st, nil), withOpsTiming(time.Hour, 50*time.Millisecond, time.Hour))
	h.k.startOps()
	setLongPressDelay(t, 10*time.Millisecond)
	h.openStaffPanel("112233")
	p := h.k.cur.(*staffPanel)
	h.waitFor("the connection state", func() bool { return h.containsText("Tilkopla " + env.URL) })
	h.waitFor("sessions today", func() bool { return p.sessions.Text == "0" })
	if !h.hasText("Ingen feil.") {
		t.Errorf("operations view: %q", h.texts(false))
	}

	// Test connection: a refused URL, then a backend that answers.
	p.api.SetText("http://10.1.2.3")
	h.tap("Test tilkoplinga")
	h.waitForText(h.k.tr("StaffBadURL"))
	p.api.SetText(env2.URL)
	h.tap("Test tilkoplinga")
	h.waitFor("the test result", func() bool { return h.containsText("Tilkoplinga verkar (versjon") })

	// A warning not shorter than the timeout is refused, and nothing is stored.
	p.timeout.SetSelected("1 minutt")
	p.warning.SetSelected("90 sekund")
	h.tap("Lagre")
	h.waitForText(h.k.tr("StaffWarningTooLong"))
	if got, _ := st.Settings(context.Background()); len(got) != 3 { // the PIN's three keys only
		t.Errorf("stored after a refused save: %v", got)
	}

	p.name.SetText(p.name.Text + " 2")
	p.location.SetText("Servicetorget, 1. etasje")
	h.tap("Bokmål")
	p.warning.SetSelected("15 sekund")
	p.keyboard.SetChecked(true)
	p.readAloud.SetChecked(true)
	h.tap("Lagre")
	h.waitForText("Lagra. Endringane gjeld no.")

	cfg := h.k.cfg
	if cfg.API != env2.URL || cfg.KioskName != "Helsekiosk 2" || cfg.Location != "Servicetorget, 1. etasje" || cfg.Lang != "nb" ||
		cfg.IdleTimeout != time.Minute || cfg.IdleWarning != 15*time.Second || !cfg.TouchKeyboard || !cfg.ReadAloud {
		t.Errorf("not applied: %+v", cfg)
	}
	if h.k.client.Issuer() != env2.URL {
		t.Errorf("client still on %s", h.k.client.Issuer())
	}
	// Kept in the store: a restart reads them as the staff layer.
	saved, err := st.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := config.LoadWith([]string{"--config-dir", dir}, nil, saved)
	if err != nil {
		t.Fatal(err)
	}
	again.Dir = ""
	cfg.GuideHintEvery = config.Defaults().GuideHintEvery // a Config made in a test has no spoken hint; a loaded one has the default
	if cfg.Dir = ""; !reflect.DeepEqual(again, cfg) {
		t.Errorf("after a restart:\n %+v\nwant\n %+v", again, cfg)
	}

	// Without a restart: the welcome screen is in bokmål, and the next login shows name and location on
	// the phone's page, from the new backend.
	h.tap("Tilbake til kiosken")
	h.waitForText("Kommunikasjon med helse- og omsorgstjenesten")
	logIn(t, h, env2, "p-ingrid")
	var kiosk string
	if err := env2.Server.DB().QueryRow(`SELECT kiosk_name FROM device_codes ORDER BY created_at DESC LIMIT 1`).Scan(&kiosk); err != nil {
		t.Fatal(err)
	}
	if kiosk != "Helsekiosk 2 – Servicetorget, 1. etasje" {
		t.Errorf("the approval page shows %q", kiosk)
	}
	h.waitFor("home", func() bool { return h.hasText("Meldinger") })
	h.tap("Logg ut")
	h.waitForText("Logg inn")
	h.waitFor("the session in the log", func() bool {
		n, _ := st.Count(context.Background(), store.SessionEnded, time.Now().Add(-time.Hour))
		return n == 1
	})
}

func TestStaffPanelFixedSettings(t *testing.T) {
	st := openStore(t, t.TempDir())
	h := newHarnessWith(t, config.Config{Lang: "nb"}, WithStore(st, map[string]bool{config.KeyLang: true, config.KeyAPI: true}))
	setLongPressDelay(t, 10*time.Millisecond)
	h.openStaffPanel("445566")
	p := h.k.cur.(*staffPanel)
	if !p.api.Disabled() || p.name.Disabled() {
		t.Error("fixed/not fixed entries")
	}
	for _, o := range p.langBox.Objects {
		if b, ok := o.(interface{ Disabled() bool }); !ok || !b.Disabled() {
			t.Error("a language button is enabled though the language is fixed")
		}
	}
	if !h.containsText("satt ved oppstart") {
		t.Error("no note on fixed settings")
	}
}

// TestSignalExitsKiosk: the end of RunUntil's context (SIGTERM, SIGINT) logs kiosk_exited "signal" and quits.
func TestSignalExitsKiosk(t *testing.T) {
	st := openStore(t, t.TempDir())
	h := newHarnessWith(t, config.Config{Lang: "nn"}, WithStore(st, nil))
	quit := make(chan struct{})
	h.k.ops.quit = func() { close(quit) }
	ctx, cancel := context.WithCancel(context.Background())
	defer h.k.exitOn(ctx)()
	cancel()
	h.waitFor("the quit", func() bool {
		select {
		case <-quit:
			return true
		default:
			return false
		}
	})
	h.k.ops.logs.Wait()
	e, err := st.Recent(context.Background(), 2)
	if err != nil || len(e) != 2 || e[0].Kind != store.KioskExited || e[0].Detail != "signal" || e[1].Kind != store.KioskStarted {
		t.Errorf("the operations log (newest first): %+v, %v", e, err)
	}
}

func TestKioskModeFirstStartAsksForPIN(t *testing.T) {
	st := openStore(t, t.TempDir())
	quit := false
	h := newHarnessWith(t, config.Config{Lang: "nb", Kiosk: true, Fullscreen: true}, WithStore(st, nil))
	h.k.ops.quit = func() { quit = true }
	s, ok := h.k.cur.(*pinScreen)
	if !ok || s.mode != pinFirstOnly {
		t.Fatalf("first screen in kiosk mode is %T", h.k.cur)
	}
	if h.hasText("Avbryt") {
		t.Error("the first PIN can be skipped")
	}
	h.typePIN("778899")
	h.typePIN("778899")
	h.waitFor("the staff panel", func() bool { _, ok := h.k.cur.(*staffPanel); return ok })
	h.tap("Avslutt kiosken")
	if !quit {
		t.Error("Exit kiosk did not quit")
	}
	h.k.ops.logs.Wait()
	if e, _ := st.Recent(context.Background(), 1); len(e) != 1 || e[0].Kind != store.KioskExited || e[0].Detail != "staff" {
		t.Errorf("the last operations event: %+v", e)
	}
	h2 := newHarnessWith(t, config.Config{Lang: "nb", Kiosk: true}, WithStore(st, nil))
	if _, ok := h2.k.cur.(*welcome); !ok {
		t.Errorf("with a PIN set, kiosk mode starts on %T", h2.k.cur)
	}
}

func TestCallStaffUntilHandled(t *testing.T) {
	env := backendtest.New(t)
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", KioskName: "Kiosk A", Location: "Servicetorget",
		ClientID: backendtest.KioskID, ClientSecret: config.Secret(backendtest.KioskSecret)},
		withOpsTiming(time.Hour, time.Hour, 30*time.Millisecond))
	h.k.startOps()
	ctx := context.Background()

	h.tap("Be om hjelp")
	h.waitForText("Ein tilsett kjem til deg.")
	open, err := env.Server.HelpRequests(ctx, "open")
	if err != nil || len(open) != 1 {
		t.Fatalf("open help requests: %v, %v", open, err)
	}
	if open[0].KioskName != "Kiosk A – Servicetorget" || open[0].Screen != "welcome" {
		t.Errorf("help request %+v", open[0])
	}
	// Still shown on the next screen (the login screen), and no second request.
	h.tap("Logg inn")
	h.waitForText("Ein tilsett kjem til deg.")
	if h.hasText("Be om hjelp") {
		t.Error("the button is offered while a request is open")
	}
	if err := env.Server.HandleHelpRequest(ctx, open[0].Id); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the notice to clear", func() bool { return !h.hasText("Ein tilsett kjem til deg.") && h.hasText("Be om hjelp") })

	// Logged in, the button sits in the top bar; a withdrawn request clears the notice too.
	h.tap("Avbryt")
	h.waitForText("Logg inn")
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.hasText("Meldingar") })
	h.tap("Be om hjelp")
	h.waitForText("Ein tilsett kjem til deg.")
	h.tap("Trekk tilbake")
	h.waitFor("the withdrawal", func() bool { return h.hasText("Be om hjelp") })
	all, _ := env.Server.HelpRequests(ctx, "")
	if len(all) != 2 || all[0].Status != api.Withdrawn || all[0].Screen != "home" || all[1].Status != api.Handled {
		t.Errorf("help requests: %+v", all)
	}
	for _, hr := range all {
		if strings.Contains(hr.KioskName+hr.Screen, "Ingrid") {
			t.Errorf("a help request names the citizen: %+v", hr)
		}
	}
}

func TestCallStaffFailureIsShown(t *testing.T) {
	h := newHarness(t, config.Config{Lang: "nb"}) // nothing listens
	h.tap("Be om hjelp")
	h.waitForText("Fikk ikke sendt. Spør i skranken.")
	if !h.hasText("Be om hjelp") {
		t.Error("no way to try again")
	}
}

// TestWelcomeWhileBackendDown: the welcome screen is there at once with the backend down, says so, and
// clears when the backend comes back, without a restart.
func TestWelcomeWhileBackendDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	h := newHarnessWith(t, config.Config{API: "http://" + addr, Lang: "nn"}, withOpsTiming(time.Hour, 50*time.Millisecond, time.Hour))
	if _, ok := h.k.cur.(*welcome); !ok || !h.hasText("Logg inn") {
		t.Fatal("New did not paint the welcome screen at once")
	}
	h.k.startOps()
	h.waitForText("Tenesta er ikkje tilgjengeleg akkurat no. Vi prøver igjen automatisk.")

	srv, err := backend.New(backend.Config{Demo: true, PublicURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	h.waitFor("the notice to clear", func() bool {
		return !h.hasText("Tenesta er ikkje tilgjengeleg akkurat no. Vi prøver igjen automatisk.")
	})
	if h.k.ops.state != connUp {
		t.Errorf("state %v", h.k.ops.state)
	}
}

// recordingTransport remembers every Authorization header the kiosk sends.
type recordingTransport struct {
	mu     sync.Mutex
	tokens []string
}

func (r *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if a := req.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		r.mu.Lock()
		r.tokens = append(r.tokens, strings.TrimPrefix(a, "Bearer "))
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestStoreHoldsNothingPersonal runs a whole session (login, a thread read, a reply draft typed, logout)
// with the local store in a config directory, then reads every file in that directory: no name, national
// identity number, message text, draft or token.
func TestStoreHoldsNothingPersonal(t *testing.T) {
	env := backendtest.New(t)
	dir := filepath.Join(t.TempDir(), "helsekiosk")
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingTransport{}
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", Dir: dir,
		ClientID: backendtest.KioskID, ClientSecret: config.Secret(backendtest.KioskSecret)}, WithStore(st, nil),
		WithHTTPClient(&http.Client{Transport: rec}), withOpsTiming(time.Hour, time.Hour, 30*time.Millisecond))
	h.k.startOps()

	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.hasText("Meldingar") })
	h.tap("Meldingar")
	h.waitForText("Besøk fredag")
	in := h.k.cur.(*inbox)
	for i, th := range in.threads {
		if th.Subject == "Besøk fredag" {
			in.list.Select(i)
		}
	}
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	th := h.k.cur.(*thread)
	body := th.t.Messages[0].Body
	const draft = "Utkast: eg har vondt i kneet og treng ny time"
	test.Type(th.reply, draft)
	h.tap("Be om hjelp") // a help request while logged in
	h.waitForText("Ein tilsett kjem til deg.")
	h.tap("Logg ut")
	h.waitForText("Logg inn")
	h.waitFor("the log", func() bool {
		n, _ := st.Count(context.Background(), store.SessionEnded, time.Now().Add(-time.Hour))
		return n == 1
	})
	h.k.shutdownOps() // waits for the last background log writes
	st.Close()

	var nin, name string
	if err := env.Server.DB().QueryRow(`SELECT national_id, name FROM persons WHERE id = 'p-ingrid'`).Scan(&nin, &name); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	secrets := append([]string{name, "Ingrid", "Haugen", nin, nin[:6], body, "Besøk fredag", draft, "vondt i kneet", backendtest.KioskSecret}, rec.tokens...)
	rec.mu.Unlock()
	if len(secrets) < 10 {
		t.Fatal("no bearer token was seen: the test would prove nothing about tokens")
	}
	files := 0
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		low := strings.ToLower(string(b))
		for _, s := range secrets {
			if s != "" && strings.Contains(low, strings.ToLower(s)) {
				t.Errorf("%s holds %q", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no file in the config directory")
	}
	// The store did record the session, by kind only.
	st2 := openStore(t, dir)
	recent, _ := st2.Recent(context.Background(), 20)
	kinds := map[store.Kind]bool{}
	for _, e := range recent {
		kinds[e.Kind] = true
	}
	if !kinds[store.SessionStarted] || !kinds[store.SessionEnded] || !kinds[store.HelpRequested] {
		t.Errorf("operations log: %+v", recent)
	}
}

var _ = errors.New
var _ widget.Label

// setLongPressDelay sets widgets.LongPressDelay for the test and restores it when the test ends.
func setLongPressDelay(t *testing.T, d time.Duration) {
	old := widgets.LongPressDelay
	widgets.LongPressDelay = d
	t.Cleanup(func() { widgets.LongPressDelay = old })
}
