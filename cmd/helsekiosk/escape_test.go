package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/staffpin"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/internal/testkit/cagetest"
)

// TestEscapeUnderCage runs the locked session as helsekiosk.service does, `cage -d -- helsekiosk --supervise --kiosk`
// (Debian's cage, the kiosk through cage's Xwayland), and tries to leave it with every key combination,
// pointer action and gesture a citizen might try. After each it checks that
//
//   - the kiosk is still the same process (no restart was needed) and cage is still running,
//   - a screenshot of cage's output (grim, wlr-screencopy) still shows only the kiosk: the DEMO banner
//     across the whole top of the output and the kiosk's background at both edges (another program
//     would be shown full screen on top of it, a desktop would have neither),
//   - the session's processes (every process that descends from cage or carries the session's private
//     XDG_RUNTIME_DIR, which Xwayland and anything the session starts inherit) are still cage, the
//     supervisor, the kiosk and Xwayland: no terminal, no launcher.
//
// It prints the table "tried, escaped" (t.Log) and, with ESCAPE_TABLE=FILE, writes it to FILE as
// Markdown (docs/escape-test.md is written that way).
//
// How input gets in. Debian 12's cage 0.1.4 (wlroots 0.15) implements neither the virtual-keyboard nor
// the virtual-pointer protocol (wtype answers "Compositor does not support the virtual keyboard
// protocol": the test probes and records it), and its headless backend has no input devices, so XTEST
// events sent into Xwayland reach no window (rootless Xwayland picks the window by the Wayland seat's
// focus, and a seat without devices has none). So cage runs on wlroots' x11 backend, as a window on a
// private Xvfb, with WLR_RENDERER=pixman: that backend gives cage a real keyboard and pointer, and
// xdotool's events on the Xvfb go through cage's own input handling (its key bindings, VT switching)
// and its seat to Xwayland and the kiosk, as a USB keyboard or touch screen's would. Touch and
// three-finger gestures cannot be injected: XTEST has no touch events, and cage 0.1.4 offers no
// pointer-gestures protocol either, so a gesture has nothing to be delivered to; a long touch is tried
// as the pointer held down for 2 s (the kiosk's own long press, which opens the staff PIN screen).
//
// cage refuses to run as root ("Unable to drop root"), so as root (CI) the session runs as the user
// nobody, in a private directory; otherwise as the user running the test. Fyne's files, the kiosk's
// store (pre-seeded with a staff PIN hash, so the kiosk starts on the welcome screen and not on "choose
// a PIN") and the runtime directory are all in that directory.
//
// Skipped with -short, and when a tool is missing (cage, Xwayland, Xvfb, xdotool, grim, xdpyinfo),
// except under CI=true, where a missing tool fails it.
func TestEscapeUnderCage(t *testing.T) {
	if testing.Short() {
		t.Skip("escape test builds the kiosk and runs it under cage; skipped with -short")
	}
	need := needTool(t)
	cage, xvfb, xdotool, grim, xdpyinfo := need("cage"), need("Xvfb"), need("xdotool"), need("grim"), need("xdpyinfo")
	need("Xwayland")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	bin := buildKiosk(ctx, t)
	s := startCageSession(t, cage, xvfb, bin, "x11", "--supervise", "--kiosk", "--lang", "nn")
	s.grim = grim

	// MIT-SCREEN-SAVER under cage's Xwayland (internal/kiosk/xidle needs it), next to the host Xvfb's.
	xwExt := s.asUser(xdpyinfo, "-display", s.xwayland, "-queryExtensions")
	hostExt, _ := exec.Command(xdpyinfo, "-display", s.hostDisplay, "-queryExtensions").CombinedOutput()
	t.Logf("MIT-SCREEN-SAVER: under cage's Xwayland %s: %v; on Xvfb: %v", s.xwayland,
		strings.Contains(xwExt, "MIT-SCREEN-SAVER"), bytes.Contains(hostExt, []byte("MIT-SCREEN-SAVER")))

	// The virtual-keyboard protocol: wtype, if installed, tells whether cage offers it.
	if wtype, err := exec.LookPath("wtype"); err == nil {
		out, err := s.run(wtype, "-k", "Shift_L")
		t.Logf("wtype (virtual-keyboard protocol) under cage: err=%v %s", err, strings.TrimSpace(out))
	}

	first := s.screenshot("00-start")
	if ok, why := kioskShown(first); !ok {
		t.Fatalf("the first screenshot does not show the kiosk (%s); output:\n%s", why, s.out.String())
	}
	w, h := first.Bounds().Dx(), first.Bounds().Dy()
	t.Logf("cage output %dx%d; session processes: %s", w, h, s.describe(s.baseline))

	x := func(args ...string) func() error {
		return func() error {
			cmd := exec.Command(xdotool, args...)
			cmd.Env = append(os.Environ(), "DISPLAY="+s.hostDisplay)
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, b)
			}
			return nil
		}
	}
	key := func(k string) func() error { return x("key", "--delay", "120", k) }
	cx, cy := strconv.Itoa(w/2), strconv.Itoa(h/2)
	lx, ly := strconv.Itoa(w/2), strconv.Itoa(h/5)              // the logo on the welcome screen (long press: staff entry)
	ax, ay := strconv.Itoa(w*293/1024), strconv.Itoa(h*432/768) // "Avbryt" on the staff PIN screen, left of the PIN pad
	// expect: what the attempt must do to the screen, compared with the first screenshot. The controls
	// prove that the injected keys and pointer really reach the kiosk through cage (Ctrl+Alt+S and the long
	// press open its staff PIN screen, "Avbryt" goes back), so a test whose input went nowhere fails
	// instead of passing blind.
	const (
		same    = ""        // nothing in particular (the kiosk ignores it)
		changes = "changes" // a control: the screen must change (the staff PIN screen)
		welcome = "welcome" // a control: back on the first screen
	)
	type attempt struct {
		name, via string
		do        func() error
		expect    string
	}
	viaKey := "xdotool key on cage's x11 keyboard"
	viaPtr := "xdotool pointer on cage's x11 pointer"
	attempts := []attempt{
		{"control: Ctrl+Alt+S (the kiosk's staff shortcut: opens the PIN screen)", viaKey, key("ctrl+alt+s"), changes},
		{"control: a tap on \"Avbryt\" (back to the welcome screen)", viaPtr, x("mousemove", ax, ay, "click", "1"), welcome},
		{"Alt+F4", viaKey, key("alt+F4"), same},
		{"Alt+Tab", viaKey, key("alt+Tab"), same},
		{"Alt+Shift+Tab", viaKey, key("alt+shift+Tab"), same},
		{"Ctrl+Alt+Backspace", viaKey, key("ctrl+alt+BackSpace"), same},
	}
	for i := 1; i <= 6; i++ {
		attempts = append(attempts, attempt{fmt.Sprintf("Ctrl+Alt+F%d", i), viaKey, key(fmt.Sprintf("ctrl+alt+F%d", i)), same})
	}
	attempts = append(attempts,
		attempt{"Super (alone)", viaKey, key("super"), same},
		attempt{"Super+E", viaKey, key("super+e"), same},
		attempt{"Super+D", viaKey, key("super+d"), same},
		attempt{"Super+Enter", viaKey, key("super+Return"), same},
		attempt{"Ctrl+Q", viaKey, key("ctrl+q"), same},
		attempt{"Ctrl+W", viaKey, key("ctrl+w"), same},
		attempt{"Alt+F2", viaKey, key("alt+F2"), same},
		attempt{"Ctrl+Esc", viaKey, key("ctrl+Escape"), same},
		attempt{"Ctrl+Alt+Delete", viaKey, key("ctrl+alt+Delete"), same},
		attempt{"Ctrl+Alt+T", viaKey, key("ctrl+alt+t"), same},
		attempt{"Ctrl+Shift+Esc", viaKey, key("ctrl+shift+Escape"), same},
		attempt{"Alt+Esc", viaKey, key("alt+Escape"), same},
		attempt{"Alt+Space", viaKey, key("alt+space"), same},
		attempt{"Escape", viaKey, key("Escape"), same},
		attempt{"F11", viaKey, key("F11"), same},
		attempt{"F1", viaKey, key("F1"), same},
		attempt{"Menu key", viaKey, key("Menu"), same},
		attempt{"Print", viaKey, key("Print"), same},
		attempt{"XF86 power, sleep, logoff", viaKey, func() error {
			for _, k := range []string{"XF86PowerOff", "XF86Sleep", "XF86LogOff", "XF86Terminal"} {
				if err := key(k)(); err != nil {
					return err
				}
			}
			return nil
		}, same},
		attempt{"right click (middle of the screen)", viaPtr, x("mousemove", cx, cy, "click", "3"), same},
		attempt{"right click (top-left corner)", viaPtr, x("mousemove", "0", "0", "click", "3"), same},
		attempt{"middle click", viaPtr, x("mousemove", cx, cy, "click", "2"), same},
		attempt{"scroll wheel, both ways", viaPtr, x("mousemove", cx, cy, "click", "4", "click", "4", "click", "5", "click", "5"), same},
		attempt{"drag from the screen edge", viaPtr, func() error {
			if err := x("mousemove", "0", cy, "mousedown", "1")(); err != nil {
				return err
			}
			if err := x("mousemove", "--sync", cx, cy)(); err != nil {
				return err
			}
			return x("mouseup", "1")()
		}, same},
		attempt{"long press 2 s (mouse held; staff entry on the logo)", viaPtr, func() error {
			if err := x("mousemove", lx, ly, "mousedown", "1")(); err != nil {
				return err
			}
			time.Sleep(2500 * time.Millisecond)
			return x("mouseup", "1")()
		}, changes},
		attempt{"Escape on the staff PIN screen", viaKey, key("Escape"), same},
		attempt{"Alt+F4 on the staff PIN screen", viaKey, key("alt+F4"), same},
		attempt{"Ctrl+Q on the staff PIN screen", viaKey, key("ctrl+q"), same},
		attempt{"Super on the staff PIN screen", viaKey, key("super"), same},
		attempt{"right click on the staff PIN screen", viaPtr, x("mousemove", cx, cy, "click", "3"), same},
		attempt{"control: a tap on \"Avbryt\" (back to the welcome screen)", viaPtr, x("mousemove", ax, ay, "click", "1"), welcome},
		attempt{"Alt+F4 again, after everything", viaKey, key("alt+F4"), same},
	)

	type row struct {
		name, via, screen, procs string
		samePID, escaped         bool
	}
	var rows []row
	for i, a := range attempts {
		if err := a.do(); err != nil {
			t.Fatalf("%s: %v", a.name, err)
		}
		time.Sleep(1500 * time.Millisecond)
		r := row{name: a.name, via: a.via}
		r.samePID = s.alive()
		img := s.screenshot(fmt.Sprintf("%02d", i+1))
		diff := changed(first, img)
		// A control's effect may come late on a loaded machine (make test runs packages in parallel): up to 10 s.
		for start := time.Now(); time.Since(start) < 10*time.Second; {
			if (a.expect == changes && diff < 0.05) || (a.expect == welcome && diff > 0.01) {
				time.Sleep(500 * time.Millisecond)
				img = s.screenshot(fmt.Sprintf("%02d", i+1))
				diff = changed(first, img)
				continue
			}
			break
		}
		shown, why := kioskShown(img)
		if shown {
			r.screen = fmt.Sprintf("kiosk (%.1f%% of pixels changed)", 100*diff)
		} else {
			r.screen = "NOT the kiosk: " + why
		}
		extra := s.newProcesses()
		r.procs = "none"
		if len(extra) > 0 {
			r.procs = strings.Join(extra, ", ")
		}
		switch {
		case a.expect == changes && diff < 0.05:
			t.Errorf("%s: the screen did not change (%.1f%%): the injected input does not reach the kiosk", a.name, 100*diff)
		case a.expect == welcome && diff > 0.01:
			t.Errorf("%s: not back on the first screen (%.1f%% changed)", a.name, 100*diff)
		}
		r.escaped = !r.samePID || !shown || len(extra) > 0
		if r.escaped {
			t.Errorf("%s: escaped: kiosk same process %v, screen %s, new processes %s", a.name, r.samePID, r.screen, r.procs)
		}
		rows = append(rows, r)
		if !r.samePID {
			break // nothing left to test against
		}
	}

	detector := "Detector check: not run (xmessage, from x11-utils, is missing)."
	// The detectors themselves: a foreign program started inside the session (xmessage, an X client on
	// cage's Xwayland with the session's environment, as a launcher would start a terminal) must show up
	// as a new process, and cage, which shows the newest window full screen, must no longer show the kiosk.
	if xmessage, err := exec.LookPath("xmessage"); err == nil {
		cmd := exec.Command(xmessage, "-geometry", "600x300+0+0", "a foreign program")
		cmd.Env = []string{"PATH=/usr/bin:/bin", "DISPLAY=" + s.xwayland, "XDG_RUNTIME_DIR=" + s.rt, "HOME=" + s.dir}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for it to show up among the session's processes (the deadline only bounds a failure).
		var extra []string
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
			if extra = s.newProcesses(); len(extra) > 0 || time.Now().After(deadline) {
				break
			}
		}
		// Its window may take a moment to be mapped on a loaded machine (the deadline only bounds a failure).
		var shown bool
		var why string
		for start := time.Now(); ; {
			img := s.screenshot("99-foreign")
			if shown, why = kioskShown(img); !shown || time.Since(start) > time.Minute {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		detector = fmt.Sprintf("Detector check: a foreign program (xmessage) started in the session is seen as a new process (%v) and on cage's output (still the kiosk: %v; %s).",
			len(extra) > 0, shown, why)
		t.Log(detector)
		if len(extra) == 0 {
			t.Errorf("detector check: xmessage started in the session but no new process was seen")
		}
		if shown {
			t.Errorf("detector check: xmessage is on cage's output but the screenshot still passes as the kiosk")
		}
	}

	var tb strings.Builder
	escaped := 0
	fmt.Fprintf(&tb, "| Tried | Injected through | Kiosk still the same process | Screen afterwards | New processes | Escaped |\n")
	fmt.Fprintf(&tb, "|---|---|---|---|---|---|\n")
	tried := 0
	for _, r := range rows {
		if !strings.HasPrefix(r.name, "control") {
			tried++
		}
		esc := "no"
		if r.escaped {
			esc = "**yes**"
			escaped++
		}
		same := "yes"
		if !r.samePID {
			same = "**no**"
		}
		fmt.Fprintf(&tb, "| %s | %s | %s | %s | %s | %s |\n", r.name, r.via, same, r.screen, r.procs, esc)
	}
	fmt.Fprintf(&tb, "| three-finger gestures, touch | not injectable: XTEST has no touch events, and cage 0.1.4 has no pointer-gestures protocol | – | – | – | not tried |\n")
	fmt.Fprintf(&tb, "\nTried %d (and %d controls), escaped %d.\n\n%s\n", tried, len(rows)-tried, escaped, detector)
	t.Logf("escape table (cage %s, output %dx%d):\n%s", s.cageVersion, w, h, tb.String())
	if f := os.Getenv("ESCAPE_TABLE"); f != "" {
		head := fmt.Sprintf("Generated by `ESCAPE_TABLE=%s go test -tags migrated_fynedo -run TestEscapeUnderCage -v ./cmd/helsekiosk/`\n"+
			"(%s, wlroots x11 backend on Xvfb, pixman renderer, output %dx%d; the kiosk binary with `--supervise --kiosk --lang nn`, as the unit runs it).\n\n",
			filepath.Base(f), s.cageVersion, w, h)
		if err := os.WriteFile(f, []byte(head+tb.String()), 0o644); err != nil {
			t.Error(err)
		}
	}

	if out := s.out.String(); strings.Contains(out, "panic") || strings.Contains(out, "fatal error") {
		t.Errorf("session output:\n%s", out)
	}
}

// cageSession is cage with the kiosk in it, as the session user, in a private directory.
type cageSession struct {
	t           *testing.T
	dir, rt     string
	cred        *syscall.Credential // nil: the current user
	hostDisplay string              // the Xvfb cage's x11 backend draws on ("" for headless)
	xwayland    string              // cage's Xwayland display, as the kiosk sees it
	cage, kiosk int                 // PIDs
	supervisor  int                 // helsekiosk --supervise, cage's child, when the kiosk runs under it (else 0)
	exited      chan struct{}
	out         lockedBuffer
	baseline    map[int]string // session processes at the start: PID -> program
	cageVersion string
	grim        string
}

// startCageSession starts `cage -d -- KIOSK ARGS...` with the given wlroots backend ("x11": a window
// on a fresh Xvfb, with a keyboard and a pointer; "headless": no display, no input devices), waits for
// the kiosk's window and a first frame, and stops everything at the end of the test.
func startCageSession(t *testing.T, cage, xvfb, bin, backend string, args ...string) *cageSession {
	t.Helper()
	s := &cageSession{t: t, exited: make(chan struct{})}
	s.cageVersion = cagetest.Version(cage)
	var uid, gid int
	s.cred, uid, gid = cagetest.User(t)
	dir, err := os.MkdirTemp("", "helsekiosk-cage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s.dir = dir
	s.rt = filepath.Join(dir, "run")
	home := filepath.Join(dir, "home")
	cfg := filepath.Join(home, "helsekiosk")
	for _, d := range []string{s.rt, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// A staff PIN is already chosen (a random one nobody knows): the kiosk starts on the welcome screen.
	st, err := store.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A random PIN of the longest length staffpin allows, which nobody knows, hashed as the kiosk hashes it.
	var pin strings.Builder
	for range staffpin.MaxLen {
		pin.WriteByte('0' + byte(rand.IntN(10)))
	}
	hash, err := staffpin.Hash(pin.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(context.Background(), map[string]string{"staff_pin_hash": hash}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	kbin := filepath.Join(dir, "helsekiosk")
	if err := cagetest.CopyExe(bin, kbin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	}); err != nil {
		t.Fatal(err)
	}

	env := []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8",
		"HOME=" + home,
		"XDG_RUNTIME_DIR=" + s.rt,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"HELSEKIOSK_CONFIG_DIR=" + cfg,
		"WLR_BACKENDS=" + backend,
		"WLR_RENDERER=pixman",
		"WLR_LIBINPUT_NO_DEVICES=1",
		"XKB_DEFAULT_OPTIONS=", // as the unit: no XKB option from the environment
	}
	if backend == "x11" {
		s.hostDisplay = startXvfb(t, xvfb)
		env = append(env, "DISPLAY="+s.hostDisplay)
	}
	cmd := exec.Command(cage, append([]string{"-d", "--", kbin}, args...)...)
	cmd.Env = env
	cmd.Dir = home
	cmd.Stdout, cmd.Stderr = &s.out, &s.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true}
	cmd.WaitDelay = 10 * time.Second // Wait returns even if something still holds the output open
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cage: %v", err)
	}
	s.cage = cmd.Process.Pid
	go func() { _ = cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		// Every wait here is bounded: cage's output is a pipe, and Wait waits for every process holding it
		// (Xwayland, a kiosk) unless WaitDelay closes it.
		for _, p := range s.sessionPIDs() {
			_ = syscall.Kill(p, syscall.SIGTERM)
		}
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.cage, syscall.SIGKILL) // cage's process group (Setpgid), then the rest
			for _, p := range s.sessionPIDs() {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			select {
			case <-s.exited:
			case <-time.After(30 * time.Second):
				t.Errorf("cage %d did not end 30 s after SIGKILL (its output still held open?)", s.cage)
			}
		}
		for _, p := range s.sessionPIDs() { // Xwayland, if it outlived cage
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("session output:\n%s", s.out.String())
		}
	})

	// The kiosk (cage's child), its Xwayland display, and a first frame. Generous: a loaded machine
	// starts cage, Xwayland and the kiosk slowly; the loop ends as soon as the window is there.
	const startLimit = 4 * time.Minute
	deadline := time.Now().Add(startLimit)
	for {
		select {
		case <-s.exited:
			t.Fatalf("cage exited at start; output:\n%s", s.out.String())
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kiosk window under cage after %v (kiosk %d, supervisor %d, DISPLAY %q); output:\n%s",
				startLimit, s.kiosk, s.supervisor, s.xwayland, s.out.String())
		}
		if s.kiosk == 0 || s.xwayland == "" {
			s.kiosk, s.supervisor = 0, 0
			for _, p := range children(s.cage) {
				if strings.HasSuffix(readLink(p, "exe"), "/helsekiosk") {
					s.kiosk = p
				}
			}
			if s.kiosk == 0 {
				continue
			}
			if slices.Contains(strings.Split(readCmdline(s.kiosk), "\x00"), "--supervise") {
				// The kiosk is the supervisor's child (the unit's `helsekiosk --supervise --kiosk`).
				s.supervisor, s.kiosk = s.kiosk, 0
				for _, p := range children(s.supervisor) {
					if strings.HasSuffix(readLink(p, "exe"), "/helsekiosk") {
						s.kiosk = p
					}
				}
				if s.kiosk == 0 {
					s.kiosk, s.supervisor = s.supervisor, 0
					continue
				}
			}
			// Read while the kiosk is in execve, /proc/PID/environ is empty though exe already names the
			// kiosk (a loaded machine widens that window): look again on the next round.
			s.xwayland = cagetest.Environ(s.kiosk)["DISPLAY"]
			if s.xwayland == "" {
				continue
			}
		}
		if out := s.asUser("xdotool", "search", "--onlyvisible", "--name", "Helsekiosk"); strings.TrimSpace(out) != "" {
			break
		}
	}
	time.Sleep(4 * time.Second) // the first paint, and the demo backend's first health check
	s.baseline = s.processes()
	return s
}

// run runs a tool as the test's user against cage's Wayland display.
func (s *cageSession) run(tool string, args ...string) (string, error) {
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+s.rt, "WAYLAND_DISPLAY=wayland-0")
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// asUser runs an X tool as the session user against cage's Xwayland (which takes only that user).
func (s *cageSession) asUser(tool string, args ...string) string {
	cmd := exec.Command(tool, args...)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "DISPLAY=" + s.xwayland, "HOME=" + s.dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	b, _ := cmd.CombinedOutput()
	return string(b)
}

// screenshot takes cage's output with grim; kept in the session directory, and in ESCAPE_SHOTS if set.
func (s *cageSession) screenshot(name string) image.Image {
	s.t.Helper()
	f := filepath.Join(s.dir, "shot-"+name+".png")
	if out, err := s.run(s.grim, f); err != nil {
		s.t.Errorf("grim: %v: %s", err, out)
		return nil
	}
	b, err := os.ReadFile(f)
	if err != nil {
		s.t.Error(err)
		return nil
	}
	if d := os.Getenv("ESCAPE_SHOTS"); d != "" {
		_ = os.MkdirAll(d, 0o755)
		_ = os.WriteFile(filepath.Join(d, "escape-"+name+".png"), b, 0o644)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		s.t.Error(err)
		return nil
	}
	return img
}

// readCmdline is a process's command line, NUL-separated ("" when gone).
func readCmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(b)
}

// alive reports whether cage and the same kiosk process still run.
func (s *cageSession) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.kiosk))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(st), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// sessionPIDs lists the session's processes: cage's descendants and every process whose environment
// holds the session's XDG_RUNTIME_DIR (Xwayland, double-forked by wlroots, is reparented away from cage).
func (s *cageSession) sessionPIDs() []int {
	set := map[int]bool{}
	queue := []int{s.cage}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if set[p] || readLink(p, "exe") == "" {
			continue
		}
		set[p] = true
		queue = append(queue, children(p)...)
	}
	for _, p := range cagetest.WithRuntimeDir(s.rt) {
		set[p] = true
	}
	var ps []int
	for p := range set {
		ps = append(ps, p)
	}
	sort.Ints(ps)
	return ps
}

// processes maps the session's PIDs to their program's name.
func (s *cageSession) processes() map[int]string {
	m := map[int]string{}
	for _, p := range s.sessionPIDs() {
		m[p] = filepath.Base(readLink(p, "exe"))
	}
	return m
}

// newProcesses lists the session's processes that were not there at the start. Xwayland's keymap
// compiler (xkbcomp, run by Xwayland itself when the keymap changes, and gone again at once) is not a
// program a citizen could use and is left out, nor is the kiosk's own speech (espeak-ng and aplay, the
// kiosk's children).
func (s *cageSession) newProcesses() []string {
	var extra []string
	for p, name := range s.processes() {
		if _, ok := s.baseline[p]; ok {
			continue
		}
		if name == "xkbcomp" {
			continue
		}
		if (name == "espeak-ng" || name == "aplay") && parentOf(p) == s.kiosk {
			continue // the kiosk's own speech (F1 starts speech guidance): no program a citizen could use
		}
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		extra = append(extra, fmt.Sprintf("%d %s (%s)", p, name, strings.TrimSpace(strings.ReplaceAll(string(cl), "\x00", " "))))
	}
	sort.Strings(extra)
	return extra
}

func (s *cageSession) describe(m map[int]string) string {
	var l []string
	for p, n := range m {
		l = append(l, fmt.Sprintf("%s (%d)", n, p))
	}
	sort.Strings(l)
	return strings.Join(l, ", ")
}

// kioskShown reports whether a screenshot of the whole output is the kiosk's window, in demo mode: the
// orange DEMO banner across the top (at least 3/4 of the row at y=10 orange, the rest its text), and the
// kiosk's light background at the left and right edges below it. A desktop, a black screen or another
// program's window (cage shows it full screen, on top) fails it.
func kioskShown(img image.Image) (bool, string) {
	if img == nil {
		return false, "no screenshot"
	}
	b := img.Bounds()
	orange := 0
	for x := b.Min.X; x < b.Max.X; x++ {
		r, g, bl, _ := img.At(x, b.Min.Y+10).RGBA()
		r, g, bl = r>>8, g>>8, bl>>8
		if r > 200 && g > 120 && g < 200 && bl < 90 {
			orange++
		}
	}
	if orange*4 < b.Dx()*3 {
		return false, fmt.Sprintf("the DEMO banner is not across the top (%d of %d pixels orange)", orange, b.Dx())
	}
	for _, x := range []int{b.Min.X + 4, b.Max.X - 5} {
		for _, y := range []int{b.Min.Y + b.Dy()/3, b.Min.Y + b.Dy()/2} {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 < 220 || g>>8 < 220 || bl>>8 < 220 {
				return false, fmt.Sprintf("pixel (%d,%d) is not the kiosk's background: %d,%d,%d", x, y, r>>8, g>>8, bl>>8)
			}
		}
	}
	return true, ""
}

// changed is the fraction of pixels that differ by more than 16 in a channel (0 when sizes differ).
func changed(a, b image.Image) float64 {
	if a == nil || b == nil || a.Bounds() != b.Bounds() {
		return 0
	}
	n, diff := 0, 0
	bd := a.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			n++
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if absDiff(r1, r2) > 16<<8 || absDiff(g1, g2) > 16<<8 || absDiff(b1, b2) > 16<<8 {
				diff++
			}
		}
	}
	return float64(diff) / float64(n)
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// children lists the PIDs whose parent is pid.
func children(pid int) []int {
	var out []int
	for _, tid := range listDir(fmt.Sprintf("/proc/%d/task", pid)) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, tid))
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func listDir(d string) []string {
	ents, _ := os.ReadDir(d)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func readLink(pid int, name string) string {
	l, _ := os.Readlink(fmt.Sprintf("/proc/%d/%s", pid, name))
	return strings.TrimSuffix(l, " (deleted)")
}

// parentOf is a process's parent PID (0 when gone).
func parentOf(pid int) int {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	_, rest, _ := strings.Cut(string(st), ") ")
	f := strings.Fields(rest)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}
