package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// TestSupervisedHandoverUnderXvfb runs the real `helsekiosk --supervise` under Xvfb with the demo backend:
//
//   - a visit (Ingrid, demo login) ended with "Logg ut" hands over to a fresh kiosk: the log shows
//     session_ended "logout" and kiosk_exited "handover", the old process exits with 75, and the test
//     prints when the new welcome window was mapped and the old one went (xdotool every 10 ms; a figure,
//     not a timed assertion);
//   - the new kiosk killed with SIGKILL is logged as kiosk_exited "killed:9" by the supervisor and started
//     again; one sent SIGABRT (the Go runtime dumps its goroutines and exits 2, as at a panic) as "crash";
//   - idle detection without MIT-SCREEN-SAVER (Xvfb started without it, as cage's Xwayland has none): the
//     operations log says input_idle "kiosk_events" once, though four kiosk processes start;
//   - Fyne's files: after the visits, nothing is left in the kiosk user's ~/.config/fyne or ~/.cache, nor in
//     the temporary directory, and the kiosk's own directory holds only the store.
func TestSupervisedHandoverUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the kiosk; skipped with -short")
	}
	need := needTool(t)
	xvfb, xdotool := need("Xvfb"), need("xdotool")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin := buildKiosk(ctx, t)
	display := startXvfb(t, xvfb, "-extension", "MIT-SCREEN-SAVER") // as cage's Xwayland: no X idle time
	dir := t.TempDir()
	tmp := t.TempDir()

	var out lockedBuffer
	env := kioskEnv(t, display)
	var home string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			home = v
		}
	}
	sup := exec.Command(bin, "--supervise", "--lang", "nn", "--config-dir", dir)
	sup.Env = append(env, "TMPDIR="+tmp)
	sup.Stdout, sup.Stderr = &out, &out
	sup.WaitDelay = 10 * time.Second // Wait returns even if something still holds the output open
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- sup.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = sup.Process.Kill()
			<-exited
		}
	})
	lines := &lineWaiter{t: t, out: &out}
	started := regexp.MustCompile(`kiosk (\d+) started`)
	first := lines.wait(started, 30*time.Second)[1]
	waitWindow(t, display, xdotool, 60*time.Second)
	time.Sleep(2 * time.Second)

	click := func(x0, y0 int, wait time.Duration) {
		t.Helper()
		cmd := exec.Command(xdotool, "mousemove", strconv.Itoa(x0), strconv.Itoa(y0), "click", "1")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xdotool: %v: %s", err, b)
		}
		time.Sleep(wait)
	}
	// Each click waits for what it taps to be drawn (a loaded machine – make test runs the packages in
	// parallel, with -race – takes its time for the code and the login): a tile's or button's colour there.
	click(640, 449, 0)                                    // Logg inn
	waitPixel(t, display, 45, 575, true, 90*time.Second)  // the demo buttons, once the code is shown
	click(333, 596, 0)                                    // Logg inn som testperson: Ingrid Haugen
	waitPixel(t, display, 60, 270, true, 90*time.Second)  // home's «Meldingar» tile
	click(232, 376, 0)                                    // Meldingar
	waitPixel(t, display, 60, 270, false, 90*time.Second) // the inbox
	time.Sleep(2 * time.Second)                           // the fetched threads are in the process now
	watch := watchWindows(display, xdotool)
	clicked := time.Now()
	click(1188, 97, 0) // Logg ut
	m := lines.wait(regexp.MustCompile(`handover: kiosk (\d+) on the screen (\d+)ms after kiosk (\d+)`), 60*time.Second)
	if m[3] != first {
		t.Fatalf("the handover was from kiosk %s, not the first kiosk %s", m[3], first)
	}
	time.Sleep(1500 * time.Millisecond)
	watch.report(t, clicked)
	t.Logf("the supervisor: the next kiosk said ready %s ms after the old one's visit ended", m[2])
	second := m[1]
	if alive(first) {
		t.Errorf("the old kiosk %s still runs after the handover", first)
	}

	// Crashes: logged by the supervisor, and restarted.
	crash := func(pid string, sig syscall.Signal, detail string) string {
		t.Helper()
		n, _ := strconv.Atoi(pid)
		if err := syscall.Kill(n, sig); err != nil {
			t.Fatal(err)
		}
		lines.wait(regexp.MustCompile(`kiosk `+pid+` ended: `+regexp.QuoteMeta(detail)), 30*time.Second)
		next := lines.wait(started, 30*time.Second)[1]
		waitWindow(t, display, xdotool, 60*time.Second)
		return next
	}
	third := crash(second, syscall.SIGKILL, "killed:9")
	fourth := crash(third, syscall.SIGABRT, "crash") // the Go runtime dumps its goroutines and exits 2
	_ = fourth
	time.Sleep(2 * time.Second)

	// SIGTERM to the supervisor: it stops its kiosk and exits 0.
	_ = sup.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("the supervisor after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the supervisor still runs 30 s after SIGTERM")
	}

	entries := opsLog(t, dir, 50)
	var got []string
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		switch e.Kind {
		case store.KioskStarted, store.KioskExited, store.SessionStarted, store.SessionEnded, store.InputIdle:
			got = append(got, string(e.Kind)+" "+e.Detail)
		}
	}
	want := []string{"input_idle kiosk_events", "kiosk_started ", "session_started ", "session_ended logout", "kiosk_exited handover",
		"kiosk_started ", "kiosk_exited killed:9", "kiosk_started ", "kiosk_exited crash", "kiosk_started ", "kiosk_exited signal"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the operations log (oldest first):\n got %q\nwant %q", got, want)
	}

	// Fyne's own files: none where the kiosk user's home keeps them, none left in the temporary directory.
	for _, p := range []string{filepath.Join(home, ".config", "fyne"), filepath.Join(home, ".cache"), filepath.Join(home, ".local")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists after the session", p)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("left in the temporary directory: %v", names)
	}
	if own, _ := os.ReadDir(dir); true {
		for _, e := range own {
			if !strings.HasPrefix(e.Name(), store.FileName) {
				t.Errorf("unexpected %s in the kiosk's own directory", e.Name())
			}
		}
	}
}

// TestCrashLoopEndsOutOfOrder: a kiosk that dies at every start (here: no display, so Fyne panics) is
// restarted until HELSEKIOSK_CRASH_LIMIT deaths, each logged as kiosk_exited "crash"; then the supervisor
// replaces itself with the out-of-order command (here `sleep 60` for swayimg), so the session shows that,
// never a desktop.
func TestCrashLoopEndsOutOfOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kiosk; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := buildKiosk(ctx, t)
	dir := t.TempDir()
	var env []string
	for _, kv := range kioskEnv(t, ":0") {
		if !strings.HasPrefix(kv, "DISPLAY=") {
			env = append(env, kv)
		}
	}
	var out lockedBuffer
	sup := exec.Command(bin, "--supervise", "--config-dir", dir)
	sup.Env = append(env, "HELSEKIOSK_CRASH_LIMIT=3", "HELSEKIOSK_OUT_OF_ORDER=sleep 60")
	sup.Stdout, sup.Stderr = &out, &out
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sup.Process.Kill(); _ = sup.Wait() })
	lines := &lineWaiter{t: t, out: &out}
	lines.wait(regexp.MustCompile(`out of order`), time.Minute)
	var cmdline []byte
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
		cmdline, _ = os.ReadFile(filepath.Join("/proc", strconv.Itoa(sup.Process.Pid), "cmdline"))
		if strings.HasPrefix(string(cmdline), "sleep\x0060") {
			break
		}
	}
	if !strings.HasPrefix(string(cmdline), "sleep\x0060") {
		t.Fatalf("the supervisor's process runs %q, not the out-of-order command; output:\n%s", cmdline, out.String())
	}
	st, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Count(context.Background(), store.KioskExited, time.Time{})
	if err != nil || n != 3 {
		t.Errorf("%d kiosk_exited entries (%v), want 3", n, err)
	}
	if e, _ := st.Recent(context.Background(), 1); len(e) != 1 || e[0].Detail != "crash" {
		t.Errorf("the last entry: %+v", e)
	}
}

func alive(pid string) bool {
	n, err := strconv.Atoi(pid)
	return err == nil && syscall.Kill(n, 0) == nil
}

// waitPixel waits until the pixel at x, y of display is (tile true) or is not (false) the colour of a
// tile or button (the theme's Tile, or TileHover under the mouse), failing after timeout.
func waitPixel(t *testing.T, display string, x, y int, tile bool, timeout time.Duration) {
	t.Helper()
	near := func(p []byte, c [3]int) bool {
		for i := range 3 {
			if d := int(p[i]) - c[i]; d < -8 || d > 8 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(timeout)
	var p []byte
	for time.Now().Before(deadline) {
		out, err := exec.Command("import", "-display", display, "-window", "root", "-crop",
			fmt.Sprintf("1x1+%d+%d", x, y), "-depth", "8", "rgb:-").Output()
		if err == nil && len(out) >= 3 {
			p = out
			is := near(p, [3]int{0xe4, 0xec, 0xf7}) || near(p, [3]int{0xd2, 0xe0, 0xf3})
			if is == tile {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the pixel at %d,%d is %v, want a tile's colour: %v", x, y, p, tile)
}
