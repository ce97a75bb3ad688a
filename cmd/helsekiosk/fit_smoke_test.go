package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSmokeWindowFitsAtExtraLarge starts the real binary at «Ekstra stor» (--text-size xlarge, bokmål) on a
// 1280×800 Xvfb screen and reads its window's size with xdotool on the welcome screen and on the login
// screen (code, QR code, demo logins): the GL driver grows a window to its content's least size, so a
// screen that does not fit at this text size makes the window wider or taller than the screen (the login
// screen did: its code was off the right edge).
func TestSmokeWindowFitsAtExtraLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test builds and starts the kiosk; skipped with -short")
	}
	need := needTool(t)
	xvfb, xdotool := need("Xvfb"), need("xdotool")
	windowFound := windowProbe(t, need)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin := buildKiosk(ctx, t)
	display := startXvfb(t, xvfb) // 1280x800

	k := startKiosk(t, bin, display, windowFound, "--lang", "nb", "--text-size", "xlarge", "--config-dir", t.TempDir())
	out := k.out
	alive := func(step string, wait time.Duration) { t.Helper(); k.alive(t, step, wait) }
	xdo := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(xdotool, args...)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("xdotool %v: %v", args, err)
		}
		return string(b)
	}
	// size is the largest of the kiosk's windows (Fyne may keep a hidden helper window).
	size := func() (w, h int) {
		for _, id := range strings.Fields(xdo("search", "--name", "Helsekiosk")) {
			for _, line := range strings.Split(xdo("getwindowgeometry", "--shell", id), "\n") {
				k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
				n, _ := strconv.Atoi(v)
				switch k {
				case "WIDTH":
					w = max(w, n)
				case "HEIGHT":
					h = max(h, n)
				}
			}
		}
		return w, h
	}
	check := func(screen string) {
		t.Helper()
		if dir := os.Getenv("HELSEKIOSK_SHOTS"); dir != "" { // for a person to see the screen it measured
			shot := exec.Command("import", "-display", display, "-window", "root",
				dir+"/fit-xl-"+strings.ReplaceAll(screen, " ", "-")+".png")
			_ = shot.Run()
		}
		w, h := size()
		t.Logf("%s at «Ekstra stor»: window %d×%d on a 1280×800 screen", screen, w, h)
		if w == 0 || w > 1280 || h > 800 {
			t.Errorf("%s: the window is %d×%d, more than the 1280×800 screen", screen, w, h)
		}
	}
	alive("after showing its window", 3*time.Second)
	check("the welcome screen")
	xdo("mousemove", "640", "578", "click", "1") // «Logg inn» at «Ekstra stor» (TestLayout's geometry)
	alive("on the login screen", 4*time.Second)
	check("the login screen")
	if s := out.String(); strings.Contains(s, "panic") || bytes.Contains([]byte(s), []byte("fatal error")) {
		t.Fatalf("output:\n%s", s)
	}
}
