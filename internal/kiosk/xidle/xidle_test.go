//go:build linux && cgo

package xidle

import (
	"os"
	"os/exec"
	"testing"
	"time"

	xvfbtest "github.com/helsekiosk/helsekiosk/internal/testkit/xvfb"
)

// startXvfb starts a private Xvfb and points DISPLAY at it. Outside CI a machine without Xvfb skips; in
// CI (CI=true) that is a failure, since make test installs it. extra are more Xvfb arguments.
func startXvfb(t *testing.T, extra ...string) {
	t.Helper()
	if _, err := exec.LookPath("Xvfb"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("Xvfb is not installed")
		}
		t.Skip("Xvfb is not installed")
	}
	t.Setenv("DISPLAY", xvfbtest.Start(t, "", "640x480", extra...))
}

func TestIdleGrowsAndInputResetsIt(t *testing.T) {
	startXvfb(t)
	s, err := Open()
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	// Without input the idle time grows: wait until it passes a second (the deadline only bounds a failure).
	var before time.Duration
	for deadline := time.Now().Add(time.Minute); before < time.Second; time.Sleep(50 * time.Millisecond) {
		if before, err = s.Idle(); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle %v a minute after start without input: it does not grow", before)
		}
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xdotool is not installed")
		}
		t.Skip("xdotool is not installed")
	}
	// The input came after start, so the idle time read after it is at most the time since start (plus the
	// server's millisecond counter's rounding): no threshold for a slow machine to cross.
	start := time.Now()
	if out, err := exec.Command("xdotool", "mousemove", "100", "100").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v: %s", err, out)
	}
	after, err := s.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if since := time.Since(start); after >= before || after > since+time.Millisecond {
		t.Fatalf("idle %v after a mouse move %v ago (was %v)", after, since, before)
	}
	if f := Default(); f == nil {
		t.Fatal("Default() found no display")
	} else if d, ok := f(); !ok || d > time.Since(start)+time.Millisecond {
		t.Fatalf("Default()() = %v, %v, %v after the mouse move", d, ok, time.Since(start))
	}
}

func TestOpenWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", ":987")
	if _, err := Open(); err == nil {
		t.Fatal("Open succeeded with no X server")
	}
	if Default() != nil {
		t.Fatal("Default() returned a function with no X server")
	}
}

// TestOpenWithoutScreenSaverExtension: an X server without MIT-SCREEN-SAVER (cage's Xwayland has none) gives
// no idle function, so the kiosk falls back to its own input events (main logs input_idle
// "kiosk_events"); this Xvfb is started with the extension turned off.
func TestOpenWithoutScreenSaverExtension(t *testing.T) {
	startXvfb(t, "-extension", "MIT-SCREEN-SAVER")
	if s, err := Open(); err == nil {
		s.Close()
		t.Fatal("Open succeeded on a server without MIT-SCREEN-SAVER")
	}
	if Default() != nil {
		t.Fatal("Default() returned a function on a server without MIT-SCREEN-SAVER")
	}
}
