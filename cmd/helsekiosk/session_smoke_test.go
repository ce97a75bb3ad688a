package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// TestSmokeSessionUnderXvfb drives a whole demo session in the real binary under the GL driver with
// xdotool clicks at the 1280x800 layout: Logg inn, "Logg inn som testperson: Ingrid Haugen", then no input
// until the idle warning and the idle logout. The kiosk must survive each step (the UI tests' test driver
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

	var out lockedBuffer
	dir := t.TempDir()
	kiosk := exec.Command(bin, "--lang", "nn", "--idle-timeout", "10s", "--idle-warning", "5s", "--config-dir", dir)
	kiosk.Env = kioskEnv(t, display)
	kiosk.Stdout, kiosk.Stderr = &out, &out
	if err := kiosk.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- kiosk.Wait() }()
	t.Cleanup(func() { _ = kiosk.Process.Kill(); <-exited })

	alive := func(step string, wait time.Duration) {
		t.Helper()
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("helsekiosk died %s (%v); output:\n%s", step, err, out.String())
		case <-time.After(wait):
		}
	}
	for start := time.Now(); !windowFound(display); {
		if time.Since(start) > time.Minute {
			t.Fatalf("no window; output:\n%s", out.String())
		}
		alive("before its window appeared", 300*time.Millisecond)
	}
	click := func(x, y int) {
		t.Helper()
		cmd := exec.Command(xdotool, "mousemove", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool: %v: %s", err, b)
		}
	}
	alive("after showing its window", 2*time.Second)
	click(640, 449) // Logg inn (1280x800 window)
	alive("on the login screen", 3*time.Second)
	click(333, 596) // Logg inn som testperson: Ingrid Haugen
	alive("while logging in", 8*time.Second)
	// No input now: the warning after 5 s, the logout after 10 s.
	alive("during the idle warning and logout", 14*time.Second)
	if s := out.String(); strings.Contains(s, "panic") || strings.Contains(s, "fatal error") {
		t.Fatalf("output:\n%s", s)
	}
	entries := opsLog(t, dir, 50)
	var started, idleEnd bool
	for _, e := range entries {
		started = started || e.Kind == store.SessionStarted
		idleEnd = idleEnd || (e.Kind == store.SessionEnded && e.Detail == "idle")
	}
	if !started || !idleEnd {
		t.Fatalf("the operations log shows no session that started and ended by idleness (did the clicks miss? the layout may have moved): %+v", entries)
	}
}
