package ui

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestHandoverAfterVisit: with WithHandover, the end of a visit logs kiosk_exited "handover", covers the
// welcome screen with the input shield, hands over (the supervisor's part) and quits; a kiosk on which
// no one has logged in does not hand over when staff leave the PIN screen.
func TestHandoverAfterVisit(t *testing.T) {
	env := backendtest.New(t)
	st := openStore(t, t.TempDir())
	var handed atomic.Int32
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn"}, WithStore(st, nil),
		WithHandover(func() { handed.Add(1) }))
	quit := make(chan struct{})
	h.k.ops.quit = func() { close(quit) }

	h.k.logout(logoutStaff) // no visit yet: nothing to hand over
	if h.k.HandedOver() {
		t.Fatal("handed over without a visit")
	}
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.containsText("ulesne meldingar") || h.containsText("ulesen melding") })
	h.tap("Logg ut")
	if _, ok := h.k.cur.(*welcome); !ok {
		t.Fatalf("after the logout: %T", h.k.cur)
	}
	if !h.k.HandedOver() {
		t.Fatal("no handover after the visit")
	}
	shielded := false
	for _, o := range h.k.win.Canvas().Overlays().List() {
		_, shielded = o.(*inputShield)
	}
	if !shielded {
		t.Error("the welcome screen of a kiosk handing over takes input")
	}
	h.waitFor("the quit", func() bool {
		select {
		case <-quit:
			return true
		default:
			return false
		}
	})
	if handed.Load() != 1 {
		t.Errorf("handed over %d times", handed.Load())
	}
	h.k.logout(logoutCitizen) // a second logout (nothing to end) does not hand over again
	h.k.ops.logs.Wait()
	e, err := st.Recent(context.Background(), 3)
	if err != nil || len(e) != 3 || e[0].Kind != store.KioskExited || e[0].Detail != "handover" ||
		e[1].Kind != store.SessionEnded || e[1].Detail != "logout" || e[2].Kind != store.SessionStarted {
		t.Errorf("the operations log (newest first): %+v, %v", e, err)
	}
	if handed.Load() != 1 {
		t.Errorf("handed over %d times", handed.Load())
	}
}
