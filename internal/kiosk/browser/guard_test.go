package browser_test

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
)

// TestGuardClosesSecondWindow: the guard's backstop. With the kiosk's policy a page cannot open a pop-up
// and no key opens a window (TestLoginWindowKeys); should the OP's page still open one (here: a policy
// that allows pop-ups, and a page that opens one when p is pressed), the guard asks every window of the
// browser but the first to close, and the login page keeps the keyboard.
func TestGuardClosesSecondWindow(t *testing.T) {
	r := newKeysRig(t)
	r.fragment = "#popup"
	r.policy = func(p browser.Policy) { p["DefaultPopupsSetting"] = 1 }
	r.start()
	before := r.windows()
	if _, err := r.xdo("key", "--clearmodifiers", "p"); err != nil {
		t.Fatal(err)
	}
	// The pop-up opened (a second window of the browser was mapped), and the guard closed it (it may do so
	// before the pop-up's page has loaded).
	r.poll("the guard closing the pop-up", time.Minute, func() bool { _, closed := r.b.GuardStats(); return closed >= 1 })
	r.poll("the pop-up window gone", time.Minute, func() bool { return len(diffWins(before, r.windows())) == 0 })
	if _, closed := r.b.GuardStats(); closed != 1 {
		t.Errorf("the guard closed %d windows, want 1 (the login window must stay)", closed)
	}
	// The login window is still there, on the same page, with the keyboard.
	if !r.marker(time.Minute) {
		t.Fatalf("the login page lost the keyboard after the pop-up was closed; windows %v", r.windows())
	}
	found := false
	for _, w := range r.windows() {
		found = found || w.id == r.win
	}
	if !found {
		t.Errorf("the login window went too: %v", r.windows())
	}
	select {
	case err := <-r.b.Ended():
		t.Fatalf("the browser ended: %v", err)
	default:
	}
	if err := r.b.Close(); err != nil {
		t.Error(err)
	}
	r.clean()
}

// TestGuardFindsHungBrowser: the guard pings the login window (_NET_WM_PING), which Chromium answers from
// its UI thread; while it answers nothing is reported, and when the browser stops (SIGSTOP: frozen, as a
// hung browser is) Ended gets ErrHung, and Close still leaves nothing.
func TestGuardFindsHungBrowser(t *testing.T) {
	r := newKeysRig(t)
	r.pingEvery, r.hangAfter = 250*time.Millisecond, 5*time.Second
	r.start()
	// Answers come, for longer than the hang limit (25 answers at 250 ms), and a browser that answers is not
	// taken for hung.
	r.poll("25 answered pings", 2*time.Minute, func() bool { pongs, _ := r.b.GuardStats(); return pongs >= 25 })
	select {
	case err := <-r.b.Ended():
		t.Fatalf("the browser was reported ended while it answered: %v", err)
	default:
	}
	if err := syscall.Kill(r.b.Pgid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.b.Ended():
		if !errors.Is(err, browser.ErrHung) {
			t.Fatalf("Ended: %v, want ErrHung", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("a stopped browser was not reported hung")
	}
	if err := r.b.Close(); err != nil {
		t.Error(err)
	}
	r.clean()
}
