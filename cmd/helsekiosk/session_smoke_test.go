package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// TestSmokeSessionUnderXvfb drives a whole demo session in the real binary under the GL driver with
// xdotool clicks, each once its control is drawn, at the 1280x800 layout: Logg inn, "Logg inn som
// testperson: Ingrid Haugen", then no input until the idle warning and the idle logout. The kiosk must survive each step (the UI tests' test driver
// accepts things the GL driver does not: a window's content set to nil crashed the kiosk at idle logout
// once), and its operations log must show that the session really started and ended by idleness, so a
// layout change that makes the clicks miss fails the test instead of passing it blind.
func TestSmokeSessionUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test builds and starts the kiosk; skipped with -short")
	}
	need := needTool(t)
	xvfb, xdotool := need("Xvfb"), need("xdotool")
	windowFound := windowProbe(t, need)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin := buildKiosk(ctx, t)
	display := startXvfb(t, xvfb)

	dir := t.TempDir()
	k := startKiosk(t, bin, display, windowFound, "--lang", "nn", "--idle-timeout", "10s", "--idle-warning", "5s", "--config-dir", dir)
	out := k.out
	alive := func(step string, wait time.Duration) { t.Helper(); k.alive(t, step, wait) }
	// until polls cond every 100 ms: the kiosk dying fails the test, and so does a deadline that only
	// bounds a failure.
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); !cond(); {
			alive("waiting for "+what, 100*time.Millisecond)
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 2 minutes; output:\n%s", what, out.String())
			}
		}
	}
	// logged reports whether the operations log holds an entry of kind with detail.
	logged := func(kind store.Kind, detail string) func() bool {
		return func() bool {
			st, err := store.Open(dir)
			if err != nil {
				return false
			}
			defer st.Close()
			entries, _ := st.Recent(context.Background(), 50)
			for _, e := range entries {
				if e.Kind == kind && e.Detail == detail {
					return true
				}
			}
			return false
		}
	}
	// Each control is clicked once it is found drawn (1280x800 window).
	clickControl(t, display, xdotool, "Logg inn", 640, 449, 90*time.Second)
	clickControl(t, display, xdotool, "Logg inn som testperson: Ingrid Haugen", 333, 596, 90*time.Second)
	until("session_started in the operations log", logged(store.SessionStarted, ""))
	// No input now: the warning after 5 s, the logout after 10 s.
	until("session_ended idle in the operations log", logged(store.SessionEnded, "idle"))
	if s := out.String(); strings.Contains(s, "panic") || strings.Contains(s, "fatal error") {
		t.Fatalf("output:\n%s", s)
	}
}
