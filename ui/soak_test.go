package ui

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// soakSession is one complete citizen session on the kiosk: log in on the phone, home, inbox, open a thread,
// send a reply, log out.
func soakSession(t *testing.T, h *harness, env *backendtest.Env, i int) {
	t.Helper()
	logIn(t, h, env, backend.DemoIngrid)
	h.waitFor("home", func() bool { _, ok := h.k.cur.(*home); return ok })
	h.tap(h.k.tr("TileMessages"))
	h.waitFor("the inbox", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	h.k.cur.(*inbox).list.Select(0)
	h.waitFor("the thread", func() bool { th, ok := h.k.cur.(*thread); return ok && th.t != nil && !th.send.Disabled() })
	th := h.k.cur.(*thread)
	test.Type(th.reply, fmt.Sprintf("Soak-melding nr. %d", i))
	h.tap(h.k.tr("Send"))
	h.waitFor("the reply", func() bool { return th.sentNote.Visible() && th.sentNote.Text == h.k.tr("ReplySent") })
	h.tap(h.k.tr("Logout"))
	h.waitFor("the welcome screen", func() bool { _, ok := h.k.cur.(*welcome); return ok && h.k.sess == nil })
}

func heapAfterGC() uint64 {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	debug.FreeOSMemory()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestSoakSessions runs 500 complete sessions (HELSEKIOSK_SOAK_SESSIONS to change) on one kiosk against the
// real backend and checks that goroutines (go.uber.org/goleak) and the live heap return to their baseline.
// It is long: it runs only with HELSEKIOSK_SOAK=1 (make soak).
func TestSoakSessions(t *testing.T) {
	if os.Getenv("HELSEKIOSK_SOAK") == "" {
		t.Skip("set HELSEKIOSK_SOAK=1 (make soak)")
	}
	sessions := 500
	if n, err := strconv.Atoi(os.Getenv("HELSEKIOSK_SOAK_SESSIONS")); err == nil && n > 0 {
		sessions = n
	}
	const warmup = 20
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	closeIdle := func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		env.Client.CloseIdleConnections()
	}
	settle := func() {
		// Background revocations at logout take up to logoutTimeout; let them finish.
		deadline := time.Now().Add(logoutTimeout + time.Second)
		for time.Now().Before(deadline) {
			h.process()
			time.Sleep(50 * time.Millisecond)
			closeIdle()
			if runtime.NumGoroutine() <= baseG {
				break
			}
		}
		closeIdle()
		h.process()
	}
	// The GL driver paints every frame and lets Fyne drop cached renderers, fonts and images unused for
	// FYNE_CACHE (default 1 minute), at most every 10 s. The test driver paints only on Capture: paint after
	// every session, and before each measurement wait until everything of earlier sessions has expired.
	cacheTTL := time.Minute
	if d, err := time.ParseDuration(os.Getenv("FYNE_CACHE")); err == nil {
		cacheTTL = d
	}
	paint := func() { h.k.win.Canvas().Capture() }
	flush := func() {
		paint()
		time.Sleep(max(cacheTTL, 10*time.Second) + time.Second)
		paint()
	}
	for i := range warmup {
		soakSession(t, h, env, i)
		paint()
	}
	settle()
	// Goroutines are compared with no screen running: the welcome screen's help-line clock is a new
	// goroutine each time the screen is built.
	h.k.cur.stop()
	flush()
	ignore := goleak.IgnoreCurrent()
	baseG = runtime.NumGoroutine()
	baseHeap := heapAfterGC()

	start := time.Now()
	var worst time.Duration
	for i := warmup; i < sessions; i++ {
		s := time.Now()
		soakSession(t, h, env, i)
		worst = max(worst, time.Since(s))
		paint()
	}
	took := time.Since(start)
	settle()
	h.k.cur.stop()
	flush()
	endG := runtime.NumGoroutine()
	endHeap := heapAfterGC()
	n := sessions - warmup
	growth := int64(endHeap) - int64(baseHeap)
	t.Logf("soak: %d sessions after %d warm-up in %v (%.0f ms each, slowest %v); goroutines %d → %d; live heap %.1f MiB → %.1f MiB (%+d B per session)",
		n, warmup, took.Round(time.Millisecond), float64(took.Milliseconds())/float64(n), worst.Round(time.Millisecond),
		baseG, endG, float64(baseHeap)/(1<<20), float64(endHeap)/(1<<20), growth/int64(n))
	goleak.VerifyNone(t, ignore)
	// Allow 1 MiB for the GC's granularity and caches that fill once, plus 2 KiB per session (the backend in
	// this process stores a reply, a token and a device code per session); a leaked screen is hundreds of KiB.
	if growth > 1<<20+int64(n)*2048 {
		t.Errorf("the live heap grew by %d B over %d sessions (%d B per session)", growth, n, growth/int64(n))
	}
	var stored int
	if err := env.Server.DB().QueryRow(`SELECT COUNT(*) FROM messages WHERE body LIKE 'Soak-melding nr. %'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != sessions {
		t.Errorf("%d replies stored, want %d", stored, sessions)
	}
}

var baseG = 1 << 30 // goroutines at the soak's baseline (settle waits until no more than these run)
