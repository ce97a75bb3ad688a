package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/cagetest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

// smokeAudience is the API's audience at the OP and the kiosk's --resource: an absolute URI, as the real
// kiosk's configuration requires of --resource (RFC 8707; ui/browserlogin_test.go's "helsekiosk-api" is
// refused by config.Load, which that test does not go through).
const smokeAudience = "https://api.helsekiosk.test"

// TestKioskLoginSmoke is issue 16's login on the kiosk in the real binary: the built helsekiosk on a private
// Xvfb (1280x800, no window manager), with the real headful Chromium and the guard, against an independent
// OP (testop, the native client helsekiosk-native with a loopback redirect) and the reference backend
// trusting it (backendtest). The kiosk's own browser policy (`helsekiosk --write-browser-policy=FILE` with
// the same flags) is bind-mounted over /etc/chromium/policies/managed in a private mount namespace that
// the kiosk runs in (unshare), as browser.Start does for PrivatePolicy: the kiosk and its Chromium see that
// policy and nothing on the machine changes. xdotool drives it with real keys (XTEST):
//
//  1. «Logg inn», then «Logg inn her på kiosken»: Chromium's window with the OP's persona page.
//  2. Ctrl+T, Ctrl+Shift+N, Shift+Esc: no new window, the page still shown (the guard holds them).
//  3. Escape: the kiosk ends the login: Chromium's processes gone, its profile removed, the login screen.
//  4. Open again, Tab to Ingrid's button and Return: the kiosk shows Ingrid's home.
//  5. SIGTERM: the kiosk exits 0; no browser process, nothing of the browser in its HOME and TMPDIR.
//
// The test cannot pass blind: Tab reaches the page (its focus ring is awaited), so X's keyboard focus is
// Chromium's, and Escape then reaches the kiosk only through the guard's grab; and the shortcuts are
// checked only after a later key (that Tab) has been drawn by the page.
//
// With HELSEKIOSK_SHOTS=DIR it saves the screenshots (kiosklogin-*.png). Skipped with -short, and without
// Xvfb, xdotool, ImageMagick's import, unshare, chromium or root (private mounts), except under CI=true.
func TestKioskLoginSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke test builds and starts the kiosk with Chromium; skipped with -short")
	}
	need := needTool(t)
	xvfb, xdotool, imp, unshare := need("Xvfb"), need("xdotool"), need("import"), need("unshare")
	if _, err := browser.FindChromium(); err != nil {
		need("chromium") // skips, or fails under CI
	}
	if os.Geteuid() != 0 || exec.Command(unshare, "--mount", "--propagation", "private", "--", "true").Run() != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal("the kiosk's browser policy needs root with private mount namespaces (unshare --mount), and CI=true")
		}
		t.Skip("needs root with private mount namespaces (unshare --mount) for the kiosk's browser policy")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	began := time.Now()
	var summary []string
	last := began
	step := func(what string) {
		now := time.Now()
		summary = append(summary, fmt.Sprintf("%-62s %6.1fs (at %5.1fs)", what, now.Sub(last).Seconds(), now.Sub(began).Seconds()))
		last = now
	}
	defer func() { t.Logf("summary:\n%s", strings.Join(summary, "\n")) }()

	bin := buildKiosk(ctx, t)
	step("build the kiosk")

	// The OP and the backend, as ui/browserlogin_test.go's newKioskLoginWorld sets them up.
	ps := testop.DemoPersonas(t)
	op := testop.Start(t, ps.Users(), testop.WithAudience(smokeAudience), testop.WithClients(
		testop.Client{ID: "helsekiosk-native", RedirectURIs: []string{"http://127.0.0.1" + client.DefaultCallbackPath}}))
	be := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{op.Issuer}
		c.Audience = smokeAudience
	}))
	flags := []string{"--lang", "nn", "--api", be.URL, "--issuer", op.Issuer, "--client-id", "helsekiosk-native",
		"--scopes", config.DefaultScopes, "--resource", smokeAudience,
		"--login", config.LoginPhone + "," + config.LoginKiosk, "--config-dir", t.TempDir()}

	// Short fresh paths: Chromium's singleton socket is $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket
	// in the browser's TMPDIR, its profile's directory, and a Unix socket path has at most 107 bytes.
	base, err := os.MkdirTemp("/tmp", "hks-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	home, tmp, pdir := filepath.Join(base, "h"), filepath.Join(base, "t"), filepath.Join(base, "policy")
	for _, d := range []string{home, tmp, pdir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The kiosk's private directory (launch.privateDirs: Fyne's files and its TMPDIR, which the browser's
	// profile goes in) is what the supervisor gives it, HELSEKIOSK_PRIVATE_DIR, here a short one in the
	// fresh TMPDIR. Without it the kiosk makes $TMPDIR/helsekiosk-NNNNNNNNNN/tmp, and the browser's socket
	// path is $TMPDIR + 101 bytes: over 107 for any TMPDIR longer than 6 bytes (see the report of this test).
	priv := filepath.Join(tmp, "p")

	// The kiosk's own browser policy, written by the kiosk's policy step with the same flags.
	policyFile := filepath.Join(pdir, "helsekiosk.json")
	pout, err := exec.CommandContext(ctx, bin, append([]string{"--write-browser-policy=" + policyFile}, flags...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("helsekiosk --write-browser-policy: %v\n%s", err, pout)
	}
	t.Logf("%s", bytes.TrimSpace(pout))
	if _, err := os.Stat(policyFile); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(browser.SystemPolicyDir, 0o755); err != nil { // the mount point (stays empty)
		t.Fatal(err)
	}
	step("OP, backend, the kiosk's browser policy")

	display := startXvfb(t, xvfb)
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "HELSEKIOSK_"), name == "DISPLAY", name == "WAYLAND_DISPLAY", name == "HOME",
			name == "TMPDIR", name == "LANG", name == "LC_ALL", strings.HasPrefix(name, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "DISPLAY="+display, "HOME="+home, "TMPDIR="+tmp, "LANG=C.UTF-8", "HELSEKIOSK_PRIVATE_DIR="+priv)

	var out lockedBuffer
	kiosk := exec.Command(unshare, append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c",
		`mount --bind "$1" "$2" && shift 2 && exec "$@"`, "helsekiosk-smoke", pdir, browser.SystemPolicyDir, bin}, flags...)...)
	kiosk.Env = env
	kiosk.Dir = home
	kiosk.Stdout, kiosk.Stderr = &out, &out
	kiosk.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := kiosk.Start(); err != nil {
		t.Fatal(err)
	}
	pid := kiosk.Process.Pid // unshare, then sh, exec the kiosk: one process
	exited := make(chan error, 1)
	go func() { exited <- kiosk.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = kiosk.Process.Kill()
			<-exited
		}
		for _, p := range browserProcs(base, pid) { // should the kiosk have died without closing it
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("helsekiosk output:\n%s", out.String())
		}
	})

	s := &kioskScreen{t: t, display: display, xdotool: xdotool, imp: imp, shots: os.Getenv("HELSEKIOSK_SHOTS")}
	// waitFor polls done every 200 ms until it holds; the kiosk dying, the test's context or d passing fails.
	waitFor := func(what string, d time.Duration, done func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for !done() {
			select {
			case err := <-exited:
				exited <- err
				// The display's state, should the kiosk have lost it (a CI run once could not open its display).
				xs, _ := exec.Command("sh", "-c", "ls -la /tmp/.X11-unix/ /tmp/.X*-lock; xdpyinfo -display "+display+" | head -3").CombinedOutput()
				t.Fatalf("helsekiosk exited waiting for %s (%v); output:\n%s\nthe X display %s:\n%s", what, err, out.String(), display, xs)
			case <-ctx.Done():
				t.Fatalf("test deadline reached waiting for %s", what)
			case <-time.After(200 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s within %v; windows: %v", what, d, s.windows())
			}
		}
	}

	// The welcome screen: the kiosk's window, drawn (not black), and still (two equal screenshots).
	waitFor("kiosk window", time.Minute, func() bool { return s.kioskWindow() != "" })
	var welcome image.Image
	waitFor("the welcome screen drawn", time.Minute, func() bool { welcome = s.stable(); return welcome != nil && !dark(welcome) })
	step("the kiosk's welcome screen")
	s.save("0-welcome", welcome)

	s.click(640, 422) // «Logg inn»
	var loginShot image.Image
	waitFor("the login screen", time.Minute, func() bool {
		loginShot = s.stable()
		return loginShot != nil && changed(welcome, loginShot) > 0.05
	})
	step("«Logg inn»: the login screen")
	s.save("1-login", loginShot)

	// open taps «Logg inn her på kiosken» and waits for Chromium's window on the OP's persona page (its
	// title is testop's, "testop": a page Chromium blocked would have Chromium's own title), drawn and still.
	profiles := func() []string {
		m, _ := filepath.Glob(filepath.Join(priv, "tmp", browser.ProfilePrefix+"*"))
		return m
	}
	var bpid int // the browser's main process (the kiosk's child, after unshare and sh)
	var bwin xwin
	open := func(what string) image.Image {
		t.Helper()
		s.click(946, 660) // «Logg inn her på kiosken» (under the QR code; TestLayout places it)
		waitFor("Chromium's window with the OP's page ("+what+")", 2*time.Minute, func() bool {
			bpid, bwin = 0, xwin{}
			for _, c := range children(pid) {
				if strings.Contains(filepath.Base(readLink(c, "exe")), "chromium") {
					bpid = c
				}
			}
			for _, w := range s.windows() {
				if bpid != 0 && w.pid == bpid {
					bwin = w
				}
			}
			return bwin.id != "" && bwin.name == "testop"
		})
		if len(profiles()) != 1 {
			t.Errorf("%s: profile directories %q: want one", what, profiles())
		}
		// No window manager: give the login window the keyboard focus (X's focus; Chromium takes it itself
		// too) and the pointer, on an empty part of the page.
		if out, err := s.xdo("windowfocus", "--sync", bwin.id); err != nil {
			t.Logf("windowfocus %s: %v %s", bwin.id, err, out)
		}
		if out, err := s.xdo("mousemove", "--sync", "--window", bwin.id, "1000", "400"); err != nil {
			t.Logf("mousemove: %v %s", err, out)
		}
		var page image.Image
		waitFor("the OP's page drawn", time.Minute, func() bool { page = s.stable(); return page != nil })
		geo, _ := s.xdo("getwindowgeometry", bwin.id)
		// The policy Chromium sees, through its own mount namespace: the kiosk's file, and nothing else.
		seen := filepath.Join(fmt.Sprintf("/proc/%d/root", bpid), browser.SystemPolicyDir)
		got, err := os.ReadFile(filepath.Join(seen, "helsekiosk.json"))
		want, _ := os.ReadFile(policyFile)
		if names := listDir(seen); err != nil || !bytes.Equal(got, want) || len(names) != 1 {
			t.Errorf("%s: Chromium's %s holds %q (err %v): want only the kiosk's policy", what, browser.SystemPolicyDir, names, err)
		}
		sock := cagetest.Environ(bpid)["TMPDIR"] + "/.org.chromium.Chromium.XXXXXX/SingletonSocket"
		t.Logf("%s: Chromium (pid %d) window %s; %s; its singleton socket path %d bytes (at most 107)",
			what, bpid, bwin, strings.Join(strings.Fields(geo), " "), len(sock))
		return page
	}
	page := open("first")
	step("«Logg inn her på kiosken»: Chromium on the OP's page")
	s.save("2-op-page", page)
	if ws := s.windows(); len(ws) != 2 {
		t.Errorf("windows with the login page open: %v; want the kiosk's and Chromium's", ws)
	}

	// a. Chromium's shortcuts: a new tab, an incognito window, the task manager. Then Tab, which the page
	// shows as the focus ring on its first button (Ingrid): an event that comes after the shortcuts in the
	// X server's order and in Chromium's input queue, so whatever they did in Chromium has happened by
	// then. (A window Chromium opened would be mapped a moment later: the windows are checked after
	// the screen has been still for a while, a bounded wait, not a proof.)
	s.key("ctrl+t", "ctrl+shift+n", "shift+Escape")
	s.key("Tab")
	var afterKeys image.Image
	waitFor("the focus ring after Tab (the marker after the shortcuts)", time.Minute, func() bool {
		afterKeys = s.stable()
		return afterKeys != nil && changed(page, afterKeys) > 0
	})
	step("Ctrl+T, Ctrl+Shift+N, Shift+Esc, Tab")
	for range 3 {
		if img := s.stable(); img != nil {
			afterKeys = img
		}
	}
	s.save("3-after-ctrl-t", afterKeys)
	t.Logf("after the shortcuts and Tab: %.2f%% of the screen changed", 100*changed(page, afterKeys))
	if ws := s.windows(); len(ws) != 2 || !slices.ContainsFunc(ws, func(w xwin) bool { return w.id == bwin.id && w.name == "testop" }) {
		t.Errorf("windows after Ctrl+T, Ctrl+Shift+N, Shift+Esc: %v; want only the kiosk's and Chromium's (%s) on the OP's page", ws, bwin)
	}
	if f := changed(page, afterKeys); f > 0.01 {
		t.Errorf("after Ctrl+T, Ctrl+Shift+N, Shift+Esc and Tab %.1f%% of the screen changed: more than the focus ring", 100*f)
	}

	// b. Escape: the kiosk ends the login.
	firstProfile := profiles()
	firstPID := bpid
	s.key("Escape")
	var afterEsc image.Image
	waitFor("the login's end after Escape: no browser process, no profile, no Chromium window, the login screen", time.Minute, func() bool {
		if len(browserProcs(base, pid)) > 0 || len(profiles()) > 0 || len(browser.GroupProcesses(firstPID)) > 0 {
			return false
		}
		for _, w := range s.windows() {
			if w.pid != pid {
				return false
			}
		}
		afterEsc = s.stable()
		return afterEsc != nil && loginScreen(loginShot, afterEsc)
	})
	step("Escape: browser gone, profile removed, login screen")
	s.save("4-after-escape", afterEsc)
	t.Logf("after Escape: the profile %q is gone; login screen (%.1f%% differs from the first: the new code and QR code)",
		firstProfile, 100*changed(loginShot, afterEsc))

	// c. Again, and Ingrid logs in: Tab to her button (the page's first), Return.
	page = open("second")
	step("«Logg inn her på kiosken» again")
	s.key("Tab")
	waitFor("the focus ring on Ingrid's button", time.Minute, func() bool {
		img := s.stable()
		return img != nil && changed(page, img) > 0
	})
	s.key("Return")
	var homeShot image.Image
	waitFor("Ingrid's home: the browser gone, the kiosk's screen changed", 2*time.Minute, func() bool {
		if len(browserProcs(base, pid)) > 0 || len(profiles()) > 0 {
			return false
		}
		homeShot = s.stable()
		return homeShot != nil && !loginScreen(loginShot, homeShot) && changed(loginShot, homeShot) > 0.05
	})
	step("Tab, Return on Ingrid: her home")
	s.save("5-ingrid-home", homeShot)
	if !homeScreen(homeShot) {
		t.Errorf("after Ingrid's login the screen is not the home screen (its top bar and tiles)")
	}

	// d. SIGTERM: a clean exit; nothing of the browser left.
	if err := kiosk.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("helsekiosk after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("helsekiosk still runs 30 s after SIGTERM")
	}
	step("SIGTERM: the kiosk exited")
	if left := browserProcs(base, pid); len(left) > 0 {
		var l []string
		for _, p := range left {
			l = append(l, fmt.Sprintf("%d %s", p, strings.ReplaceAll(readCmdline(p), "\x00", " ")))
		}
		t.Errorf("browser processes left after the kiosk exited: %q", l)
	}
	if left := browser.GroupProcesses(bpid); len(left) > 0 {
		t.Errorf("processes of the second browser's group left: %v", left)
	}
	leftIn := func(dirs ...string) []string {
		var left []string
		for _, d := range dirs {
			_ = filepath.Walk(d, func(p string, _ os.FileInfo, err error) error {
				if p != d && err == nil {
					left = append(left, p)
				}
				return nil
			})
		}
		return left
	}
	// Nothing of the browser, before anything is tidied: nothing in the browser's TMPDIR parent (the kiosk's
	// private TMPDIR), nothing with a name of Chromium's or of its profiles anywhere in HOME and TMPDIR.
	var kioskLeft []string
	for _, p := range leftIn(home, tmp) {
		if strings.HasPrefix(p, filepath.Join(priv, "tmp")) || strings.Contains(p, browser.ProfilePrefix) ||
			strings.Contains(strings.ToLower(p), "chrom") || strings.Contains(p, ".pki") || strings.Contains(p, "Singleton") {
			t.Errorf("after the kiosk exited, left of the browser: %s", p)
		} else {
			kioskLeft = append(kioskLeft, p)
		}
	}
	// The kiosk's own: launch.privateDirs removes its private directory as the kiosk exits, but Fyne's
	// settings watcher (fyne app/settings_desktop.go, watchFile: on Remove it calls ensureDirExists) may
	// make config/fyne/no.kommune.helsekiosk again right after: empty directories, nothing of the browser
	// and no data. Under --supervise the supervisor removes the directory again once the kiosk has exited
	// (internal/kiosk/supervise, start); so does the test, as the supervisor whose HELSEKIOSK_PRIVATE_DIR
	// the kiosk was given, and then HOME and TMPDIR must be empty.
	if len(kioskLeft) > 0 {
		t.Logf("the kiosk's private directory after its exit (Fyne's settings watcher made it again; not the browser's): %q", kioskLeft)
	}
	if err := os.RemoveAll(priv); err != nil {
		t.Error(err)
	}
	if left := leftIn(home, tmp); len(left) > 0 {
		t.Errorf("after the kiosk exited its HOME and TMPDIR hold %q", left)
	}

	// The operations log: the session started (Ingrid's login reached the kiosk) and ended with the kiosk.
	entries := opsLog(t, flags[len(flags)-1], 50)
	var kinds []string
	started, ended := 0, false
	for _, e := range slices.Backward(entries) {
		kinds = append(kinds, strings.TrimSuffix(string(e.Kind)+" "+e.Detail, " "))
		if e.Kind == store.SessionStarted {
			started++
		}
		ended = ended || (e.Kind == store.SessionEnded && e.Detail == "exit")
	}
	t.Logf("operations log: %s", strings.Join(kinds, ", "))
	if started != 1 || !ended {
		t.Errorf("the operations log does not show one session, ended by SIGTERM: %s", strings.Join(kinds, ", "))
	}
	// Nothing personal in the kiosk's output.
	o := out.String()
	for _, needle := range []string{"Ingrid", "Haugen", ps.IngridPID} {
		if strings.Contains(o, needle) {
			t.Errorf("the kiosk's output holds %q", needle)
		}
	}
	if strings.Contains(o, "panic") || strings.Contains(o, "fatal error") {
		t.Errorf("the kiosk's output has a panic")
	}
	// The shortcuts opened nothing the guard had to close (its backstop logs browser_window_closed), the
	// browser was never taken for hung, and the guard saw its login window.
	for _, ev := range []string{"browser_window_closed", "browser_hung", "browser_window_unseen", "browser_no_ping"} {
		if strings.Contains(o, ev) {
			t.Errorf("the kiosk logged %s", ev)
		}
	}
	if !strings.Contains(o, "browser_started") || !strings.Contains(o, "browser_closed") {
		t.Errorf("the kiosk's output does not log the login browser's start and end (the guard's log goes there too)")
	}
	step("checks after the exit")
}

// homeScreen reports whether img is the kiosk's home screen at 1280x800: the top bar's line across the
// whole width at y=80, and the first two tiles' background (Meldingar, Fullmakt).
func homeScreen(img image.Image) bool {
	line := 0
	for x := 0; x < 1280; x++ {
		if rgb(img, x, 80) == [3]uint32{0xd5, 0xdc, 0xe6} {
			line++
		}
	}
	tile := [3]uint32{0xe4, 0xec, 0xf7}
	return line > 1200 && rgb(img, 100, 230) == tile && rgb(img, 100, 450) == tile && rgb(img, 100, 530) == tile
}

func rgb(img image.Image, x, y int) [3]uint32 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint32{r >> 8, g >> 8, b >> 8}
}

// loginScreen reports whether img shows the login screen as first did: the same heading («Logg inn med
// telefonen din») and the same «Logg inn her på kiosken» button (the code and QR code are new each time).
func loginScreen(first, img image.Image) bool {
	// The heading, and the button under the QR code (which grows with the room: left out).
	for _, r := range []image.Rectangle{image.Rect(30, 30, 620, 80), image.Rect(800, 632, 1090, 688)} {
		if changedIn(first, img, r) > 0.002 {
			return false
		}
	}
	return true
}

// changedIn is changed within r.
func changedIn(a, b image.Image, r image.Rectangle) float64 {
	sa, ok1 := a.(interface {
		SubImage(image.Rectangle) image.Image
	})
	sb, ok2 := b.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok1 || !ok2 {
		return 1
	}
	return changed(sa.SubImage(r), sb.SubImage(r))
}

// kioskScreen is the test's view of the display: windows, screenshots, input.
type kioskScreen struct {
	t                     *testing.T
	display, xdotool, imp string
	shots                 string // HELSEKIOSK_SHOTS
}

// xwin is one viewable top-level window.
type xwin struct {
	id, name string
	pid      int
}

func (x xwin) String() string { return fmt.Sprintf("%s %q (pid %d)", x.id, x.name, x.pid) }

func (s *kioskScreen) xdo(args ...string) (string, error) {
	cmd := exec.Command(s.xdotool, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
	b, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(b)), err
}

// windows lists the viewable top-level windows (children of the root; there is no window manager).
func (s *kioskScreen) windows() []xwin {
	ids, _ := s.xdo("search", "--onlyvisible", "--maxdepth", "1", "--name", "")
	var ws []xwin
	for _, id := range strings.Fields(ids) {
		name, err := s.xdo("getwindowname", id)
		if err != nil {
			continue
		}
		p, _ := s.xdo("getwindowpid", id)
		n, _ := strconv.Atoi(p)
		if name == "" && n == 0 {
			continue // the root window
		}
		ws = append(ws, xwin{id, name, n})
	}
	return ws
}

func (s *kioskScreen) kioskWindow() string {
	for _, w := range s.windows() {
		if strings.HasPrefix(w.name, "Helsekiosk") {
			return w.id
		}
	}
	return ""
}

func (s *kioskScreen) click(x, y int) {
	s.t.Helper()
	if out, err := s.xdo("mousemove", "--sync", strconv.Itoa(x), strconv.Itoa(y), "click", "1"); err != nil {
		s.t.Fatalf("xdotool click %d,%d: %v %s", x, y, err, out)
	}
}

func (s *kioskScreen) key(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if out, err := s.xdo("key", "--clearmodifiers", k); err != nil {
			s.t.Fatalf("xdotool key %s: %v %s", k, err, out)
		}
	}
}

// shot is a screenshot of the whole display (ImageMagick's import), nil on error.
func (s *kioskScreen) shot() image.Image {
	cmd := exec.Command(s.imp, "-window", "root", "png:-")
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
	b, err := cmd.Output()
	if err != nil {
		return nil
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	return img
}

// stable is a screenshot equal to the one taken 300 ms before it, or nil: the screen has stopped changing
// for now. (A bounded wait for drawing to settle, not a proof that nothing more will change.)
func (s *kioskScreen) stable() image.Image {
	a := s.shot()
	time.Sleep(300 * time.Millisecond)
	b := s.shot()
	if a == nil || b == nil || changed(a, b) > 0 {
		return nil
	}
	return b
}

// save writes img as HELSEKIOSK_SHOTS/kiosklogin-NAME.png when HELSEKIOSK_SHOTS is set.
func (s *kioskScreen) save(name string, img image.Image) {
	if s.shots == "" || img == nil {
		return
	}
	if err := os.MkdirAll(s.shots, 0o755); err != nil {
		s.t.Error(err)
		return
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		s.t.Error(err)
		return
	}
	if err := os.WriteFile(filepath.Join(s.shots, "kiosklogin-"+name+".png"), b.Bytes(), 0o644); err != nil {
		s.t.Error(err)
	}
}

// dark reports whether most of img is black (nothing drawn yet).
func dark(img image.Image) bool {
	b := img.Bounds()
	n, black := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 10 {
		for x := b.Min.X; x < b.Max.X; x += 10 {
			n++
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 < 16 && g>>8 < 16 && bl>>8 < 16 {
				black++
			}
		}
	}
	return black*2 > n
}

// browserProcs lists the live processes of the kiosk's browser: every process but the kiosk (pid) whose
// command line or TMPDIR (the browser gets its profile's directory as TMPDIR) is under base.
func browserProcs(base string, pid int) []int {
	var ps []int
	for _, e := range listDir("/proc") {
		p, err := strconv.Atoi(e)
		if err != nil || p == pid || p == os.Getpid() {
			continue
		}
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		if _, rest, _ := strings.Cut(string(st), ") "); strings.HasPrefix(rest, "Z") {
			continue
		}
		if strings.Contains(readCmdline(p), base+"/") || strings.HasPrefix(cagetest.Environ(p)["TMPDIR"], base+"/") {
			ps = append(ps, p)
		}
	}
	return ps
}
