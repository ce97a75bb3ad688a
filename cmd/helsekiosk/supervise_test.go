package main

import (
	"context"
	"fmt"
	"image"
	"image/color"
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
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
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

	// Each control is clicked once it is found drawn where the screen's layout puts it (1280×800, the DEMO
	// banner at the top): a button's or tile's fill around the point, not the background (clickControl).
	// Each step waits for what the click leads to be drawn, or logged; the deadlines only bound a failure
	// (a loaded machine – make test runs the packages in parallel, with -race – takes its time).
	click := func(what string, x0, y0 int) {
		t.Helper()
		clickControl(t, display, xdotool, what, x0, y0, 90*time.Second)
	}
	click("Logg inn", 640, 449)
	waitPixel(t, display, 45, 575, true, 90*time.Second) // the demo buttons, once the code is shown
	click("Logg inn som testperson: Ingrid Haugen", 333, 596)
	waitPixel(t, display, 60, 270, true, 90*time.Second) // home's «Meldingar» tile
	click("Meldingar", 232, 376)
	waitPixel(t, display, 60, 270, false, 90*time.Second) // the inbox
	// The fetched threads are drawn (so they are in the process): text in the list's part of the screen.
	waitInk(t, display, image.Rect(100, 380, 1180, 700), 90*time.Second)
	watch := watchWindows(display, xdotool)
	clicked := time.Now()
	click("Logg ut", 1188, 97)
	m := lines.wait(regexp.MustCompile(`handover: kiosk (\d+) on the screen (\d+)ms after kiosk (\d+)`), 60*time.Second)
	if m[3] != first {
		t.Fatalf("the handover was from kiosk %s, not the first kiosk %s", m[3], first)
	}
	// The old kiosk exits once the next one is ready: wait for its end (the deadline only bounds a failure),
	// then the window samples hold the whole handover.
	for deadline := time.Now().Add(60 * time.Second); alive(first); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the old kiosk %s still runs a minute after the handover", first)
		}
	}
	watch.report(t, clicked)
	t.Logf("the supervisor: the next kiosk said ready %s ms after the old one's visit ended", m[2])
	second := m[1]

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
	// The fourth kiosk has logged its start (the kiosk writes the operations log in the background): only
	// then does SIGTERM end a kiosk that the log knows of.
	waitOps(t, dir, store.KioskStarted, 4, 60*time.Second)

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
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(50 * time.Millisecond) { // bounds a failure only
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

// controlColours are the fills of the kiosk's buttons and tiles (the light palette: Tile, TileHover,
// Primary, Error, Warning, Success), alone and under the hover and focus tints.
func controlColours() [][3]int {
	p := kt.Light
	var out [][3]int
	for _, c := range []color.NRGBA{p.Tile, p.TileHover, p.Primary, p.Error, p.Warning, p.Success} {
		for _, v := range []color.NRGBA{c, kt.Over(p.HoverTint, c), kt.Over(p.FocusTint, c)} {
			out = append(out, [3]int{int(v.R), int(v.G), int(v.B)})
		}
	}
	return out
}

// areaShows reports whether at least a quarter of the 21×21 pixels around x, y of display have one of
// colours (±8 a channel): a control is drawn there (its label's letters and their edges are the rest).
func areaShows(display string, x, y int, colours [][3]int) (bool, float64) {
	const side = 21
	out, err := exec.Command("import", "-display", display, "-window", "root", "-crop",
		fmt.Sprintf("%dx%d+%d+%d", side, side, x-side/2, y-side/2), "-depth", "8", "rgb:-").Output()
	if err != nil || len(out) < 3*side*side {
		return false, 0
	}
	n := 0
	for i := 0; i+3 <= len(out); i += 3 {
		for _, c := range colours {
			if near3(out[i:i+3], c) {
				n++
				break
			}
		}
	}
	f := float64(n) / float64(side*side)
	return f >= 0.25, f
}

func near3(p []byte, c [3]int) bool {
	for i := range 3 {
		if d := int(p[i]) - c[i]; d < -8 || d > 8 {
			return false
		}
	}
	return true
}

// waitArea waits until areaShows(x, y) is want, failing after timeout.
func waitArea(t *testing.T, display string, x, y int, colours [][3]int, want bool, timeout time.Duration) {
	t.Helper()
	var f float64
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var ok bool
		if ok, f = areaShows(display, x, y, colours); ok == want {
			return
		}
	}
	t.Fatalf("around %d,%d: %.0f %% of the pixels a control's colour after %v, want a control there: %v", x, y, 100*f, timeout, want)
}

// clickControl clicks the control what at x, y once it is drawn there (waitArea), the mouse moved there
// first with --sync so the click lands where the control was found.
func clickControl(t *testing.T, display, xdotool, what string, x, y int, timeout time.Duration) {
	t.Helper()
	waitArea(t, display, x, y, controlColours(), true, timeout)
	cmd := exec.Command(xdotool, "mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1")
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool (%s): %v: %s", what, err, b)
	}
}

// waitOps waits until the operations log in dir holds n entries of kind, failing after timeout.
func waitOps(t *testing.T, dir string, kind store.Kind, n int, timeout time.Duration) {
	t.Helper()
	var got int
	var err error
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var st *store.Store
		if st, err = store.Open(dir); err != nil {
			continue
		}
		got, err = st.Count(context.Background(), kind, time.Time{})
		st.Close()
		if err == nil && got >= n {
			return
		}
	}
	t.Fatalf("%d %s entries in the operations log after %v (%v), want %d", got, kind, timeout, err, n)
}

// waitInk waits until at least 1 % of the pixels in r differ from the window's background: something (the
// list's rows) is drawn there. It fails after timeout.
func waitInk(t *testing.T, display string, r image.Rectangle, timeout time.Duration) {
	t.Helper()
	bg := kt.Light.Background
	back := [3]int{int(bg.R), int(bg.G), int(bg.B)}
	var f float64
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, err := exec.Command("import", "-display", display, "-window", "root", "-crop",
			fmt.Sprintf("%dx%d+%d+%d", r.Dx(), r.Dy(), r.Min.X, r.Min.Y), "-depth", "8", "rgb:-").Output()
		if err != nil || len(out) < 3*r.Dx()*r.Dy() {
			continue
		}
		n := 0
		for i := 0; i+3 <= len(out); i += 3 {
			if !near3(out[i:i+3], back) {
				n++
			}
		}
		if f = float64(n) / float64(r.Dx()*r.Dy()); f >= 0.01 {
			return
		}
	}
	t.Fatalf("in %v: %.2f %% of the pixels drawn over the background after %v, want 1 %%", r, 100*f, timeout)
}
