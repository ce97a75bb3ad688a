package ui

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// shownCode waits for the login screen to show a user code and returns it.
func (h *harness) shownCode() string {
	h.t.Helper()
	var code string
	h.waitFor("a user code", func() bool {
		s, ok := h.k.cur.(*login)
		if ok && s.current != nil && s.code.Visible() && s.code.Text != "" {
			code = s.code.Text
			return true
		}
		return false
	})
	return code
}

// TestExpiredCodeIsReplaced: when a code runs out before the phone approves, a fresh one appears without
// a tap, with no error, and the fresh one logs in.
func TestExpiredCodeIsReplaced(t *testing.T) {
	env := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.DeviceCodeTTL = 2 * time.Second }))
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.tap("Logg inn")
	first := h.shownCode()
	var second string
	h.waitFor("a fresh code", func() bool {
		s, ok := h.k.cur.(*login)
		if ok && s.current != nil && s.code.Text != "" && s.code.Text != first {
			second = s.code.Text
			return true
		}
		return false
	})
	if h.k.cur.(*login).errText.Visible() || h.k.cur.(*login).retry.Visible() {
		t.Errorf("an expired code showed an error: %q", h.texts(false))
	}
	env.Approve(t, ungroupCode(second), "p-ingrid")
	h.waitForText("Meldingar")
}

// TestClockSkewWarns: a kiosk whose clock is far from the backend's still logs in; the staff panel says
// so, the citizen's login screen does not.
func TestClockSkewWarns(t *testing.T) {
	env := backendtest.New(t)
	skewed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(-11*time.Minute).UTC().Format(http.TimeFormat))
		env.Server.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(skewed.Close)
	h := newHarness(t, config.Config{API: skewed.URL, Lang: "nn"})
	h.tap("Logg inn")
	code := h.shownCode()
	if h.containsText("Klokka på kiosken") {
		t.Error("the citizen is told about the kiosk's clock")
	}
	h.k.show(newStaffPanel(h.k))
	if !h.containsText("Klokka på kiosken går 11 minutt feil.") {
		t.Errorf("the staff panel does not say the clock is wrong: %q", h.texts(false))
	}
	h.k.show(newLogin(h.k))
	code = h.shownCode()
	env.Approve(t, ungroupCode(code), "p-ingrid")
	h.waitForText("Meldingar")
}

// TestNoClockWarningWhenInStep: the warning is not shown for a clock that is right.
func TestNoClockWarningWhenInStep(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.tap("Logg inn")
	h.shownCode()
	if h.containsText("Klokka på kiosken") {
		t.Error("clock warning with the clocks in step")
	}
}

// TestLoginCancelReturnsToWelcome: Avbryt goes back to the welcome screen and the code is no longer used.
func TestLoginCancelReturnsToWelcome(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.tap("Logg inn")
	code := h.shownCode()
	h.tap("Avbryt")
	h.waitForText("Logg inn")
	env.Approve(t, ungroupCode(code), "p-ingrid") // the phone approves after the citizen left
	h.waitCalls("the cancelled login's wait to end")
	if h.k.sess != nil || h.containsText("Ingrid") {
		t.Fatal("a cancelled login logged in")
	}
}
