package browser_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	"github.com/helsekiosk/helsekiosk/internal/testkit/cagetest"
)

// The child's lines on its standard output (cage's client inherits cage's stdout).
const (
	cageChildEnv = "HELSEKIOSK_CAGE_CHILD" // the page's URL: set only in the child
	lineKey      = "GUARDKEY "             // a key the guard took
	lineStarted  = "GUARDSTARTED "         // pgid and profile dir of the child's browser
	lineClosed   = "GUARDCLOSED "          // the child's Close, and its error
)

// cagePageColor is the login page's background in this test, so that a screenshot can tell the page from
// anything of Chromium's own (its new-tab page, a blocked page, a task manager: white or grey).
const cagePageColor = "#1a7f5a"

// TestGuardUnderCage: do the guard's passive grabs hold under cage, the Wayland kiosk compositor the kiosk
// runs in, where the kiosk and Chromium are both X clients of cage's XWayland? cage runs on wlroots' x11
// backend as a window on a private Xvfb (as the escape test in cmd/helsekiosk does: it gives cage a real
// keyboard, fed by xdotool on that Xvfb, which cage passes to its focused client as a USB keyboard's keys),
// as the user nobody when the test runs as root (cage refuses root). Its client is this test binary again
// (TestGuardUnderCageChild), which opens the login window as the kiosk does: browser.Start with Kiosk and
// Guard on cage's XWayland ($DISPLAY, set by cage), reporting each key the guard took on its stdout.
//
// Each key is followed by the marker key (z), as in TestLoginWindowKeys: the marker coming back to the same
// page load shows that every earlier key was handled, and what the page and the guard had got by then is
// all they got. Plain typing must reach the page and not the guard; Chromium's shortcuts must reach the
// guard and not the page, open nothing (same page load, never hidden, a screenshot of cage's output after
// Ctrl+T still the page), and Escape must reach the guard. At the end no Chromium process and no profile
// directory may be left. A control runs the same session without the guard: there Ctrl+T must be seen to
// open something (Chromium's incognito new-tab page over the login page), so the test cannot pass blind.
func TestGuardUnderCage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chromium under cage; skipped with -short")
	}
	tools := map[string]string{}
	for _, tool := range []string{"cage", "Xwayland", "grim"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
		tools[tool] = p
	}
	if _, err := browser.FindChromium(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Run("guard", func(t *testing.T) {
		table := runUnderCage(t, tools, true, []cageCase{
			{name: "typing Ab1", typ: "Ab1", reaches: []string{"A", "b", "1"}},
			{name: "Ctrl+T", keys: []string{"ctrl+t"}, guard: []string{"ctrl+t"}, shot: true},
			{name: "Ctrl+Shift+N", keys: []string{"ctrl+shift+n"}, guard: []string{"ctrl+shift+n"}},
			{name: "Shift+Escape", keys: []string{"shift+Escape"}, guard: []string{"shift+Escape"}},
			{name: "F12", keys: []string{"F12"}, guard: []string{"F12"}},
			{name: "Ctrl+U", keys: []string{"ctrl+u"}, guard: []string{"ctrl+u"}},
			{name: "Escape", keys: []string{"Escape"}, guard: []string{"Escape"}},
		})
		t.Logf("the guard under cage (%s, XWayland, chromium --kiosk --ozone-platform=x11, no policy):\n| Key | Effect |\n|---|---|\n%s",
			cagetest.Version(tools["cage"]), strings.Join(table, "\n"))
	})
	// The control: the same session without the guard (Chromium on XWayland all the same), where Ctrl+T
	// must be seen to do something (the page hidden, the keyboard lost, the key on the page or another
	// picture on the screen), so that a grab that does not hold cannot pass unnoticed.
	t.Run("control without the guard", func(t *testing.T) {
		table := runUnderCage(t, tools, false, []cageCase{
			{name: "typing Ab1", typ: "Ab1", reaches: []string{"A", "b", "1"}},
			{name: "Ctrl+T", keys: []string{"ctrl+t"}, guard: []string{"ctrl+t"}, shot: true},
		})
		t.Logf("control, without the guard:\n| Key | Effect |\n|---|---|\n%s", strings.Join(table, "\n"))
	})
}

// A cageCase is one key (or typed text) sent to cage.
type cageCase struct {
	name    string
	keys    []string // xdotool key names (each: key --clearmodifiers K); empty: type the text in typ
	typ     string
	guard   []string // what the guard must report (and the page not get)
	reaches []string // what the page must get (e.key, "shift+" left out)
	shot    bool     // a screenshot after it must show the page
}

// runUnderCage runs one cage session, its client the login window (with or without the guard), sends the
// cases' keys and checks each (guard false: the control), then ends the session and checks that nothing
// is left. It returns the table's rows.
func runUnderCage(t *testing.T, tools map[string]string, guarded bool, cases []cageCase) []string {
	hostDisplay := xvfb(t) // cage's window (and the check for Xvfb and xdotool)
	started := time.Now()

	// The page: the key page's script on a solid background, its reports kept by a keyPage.
	page := newKeyPage(t)
	html := strings.Replace(keyPageHTML, `<body style="font-size:40px">`,
		`<body style="font-size:40px;background:`+cagePageColor+`;color:#fff">`, 1)
	if html == keyPageHTML {
		t.Fatal("keyPageHTML changed: no <body> to colour")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(rw, html)
			return
		}
		page.srv.Config.Handler.ServeHTTP(rw, r) // /ev and everything else: the key page's own handler
	}))
	t.Cleanup(srv.Close)

	// The session's directory, owned by the session's user: the test binary, cage's runtime directory, a
	// $HOME and the $TMPDIR the child's browser makes its profile in (short: Chromium's socket is there).
	cred, uid, gid := cagetest.User(t)
	dir := shortTempDir(t)
	rt, home, tmp := filepath.Join(dir, "run"), filepath.Join(dir, "home"), filepath.Join(dir, "tmp")
	for _, d := range []string{rt, home, tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "browser.test")
	if err := cagetest.CopyExe(self, bin); err != nil {
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

	// cage, its client the child. The child's stdout is a pipe (its lines), its stdin another (closed:
	// the child closes its browser and exits, and cage with it).
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cageLog, err := os.Create(filepath.Join(dir, "cage.log"))
	if err != nil {
		t.Fatal(err)
	}
	chromeLog := filepath.Join(dir, "chromium.log")
	cmd := exec.Command(tools["cage"], "-d", "--", bin, "-test.run=^TestGuardUnderCageChild$", "-test.v", "-test.timeout=10m")
	cmd.Env = []string{
		"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + home, "TMPDIR=" + tmp,
		"XDG_RUNTIME_DIR=" + rt, "DISPLAY=" + hostDisplay,
		"WLR_BACKENDS=x11", "WLR_RENDERER=pixman", "WLR_LIBINPUT_NO_DEVICES=1", "XKB_DEFAULT_OPTIONS=",
		cageChildEnv + "=" + srv.URL, "HELSEKIOSK_CAGE_STDERR=" + chromeLog,
	}
	if !guarded {
		cmd.Env = append(cmd.Env, "HELSEKIOSK_CAGE_GUARD=off")
	}
	cmd.Dir = home
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, cageLog
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cage: %v", err)
	}
	inR.Close()
	outW.Close()
	cageLog.Close()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	// Every process of the session: cage's group, and whatever carries its runtime directory (Xwayland,
	// which wlroots double-forks away from cage).
	session := func() []int {
		pids := browser.GroupProcesses(cmd.Process.Pid)
		for _, p := range cagetest.WithRuntimeDir(rt) {
			if !slices.Contains(pids, p) {
				pids = append(pids, p)
			}
		}
		return pids
	}
	logs := func() string {
		c, _ := os.ReadFile(filepath.Join(dir, "cage.log"))
		ch, _ := os.ReadFile(chromeLog)
		return fmt.Sprintf("cage:\n%s\nchromium:\n%.6000s", c, ch)
	}
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		for _, p := range session() {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Log(logs())
		}
	})

	// The child's lines.
	var (
		mu        sync.Mutex
		taken     []string
		pgid      int
		profile   string
		display   string // the child's DISPLAY (cage's XWayland)
		closedErr = "(no report)"
		closed    = make(chan struct{})
		childOut  strings.Builder
	)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			l := sc.Text()
			mu.Lock()
			switch {
			case strings.HasPrefix(l, lineKey):
				taken = append(taken, strings.TrimPrefix(l, lineKey))
			case strings.HasPrefix(l, lineStarted):
				fmt.Sscanf(strings.TrimPrefix(l, lineStarted), "%d %s %s", &pgid, &profile, &display)
			case strings.HasPrefix(l, lineClosed):
				closedErr = strings.TrimPrefix(l, lineClosed)
				close(closed)
			default:
				childOut.WriteString(l + "\n")
			}
			mu.Unlock()
			select {
			case page.changed <- struct{}{}:
			default:
			}
		}
	}()
	guardKeys := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(taken) }
	child := func() string { mu.Lock(); defer mu.Unlock(); return childOut.String() }

	// poll waits until ok, or fails the test when d is up or cage has exited.
	poll := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(d); !ok(); {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: timed out\nchild:\n%s\n%s", what, child(), logs())
			}
			select {
			case <-exited:
				t.Fatalf("waiting for %s: cage exited\nchild:\n%s\n%s", what, child(), logs())
			case <-page.changed:
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	var id string // the page load
	poll("the page's load", 2*time.Minute, func() bool {
		if l, _, _, _ := page.snapshot(); len(l) > 0 {
			id = l[0]
		}
		return id != ""
	})
	mu.Lock()
	t.Logf("cage %d as uid %d on %s; the child on DISPLAY %s; its browser: pgid %d, profile %s; page loaded after %v",
		cmd.Process.Pid, uid, hostDisplay, display, pgid, profile, time.Since(started).Round(100*time.Millisecond))
	// The child must be on cage's XWayland, not on the Xvfb cage draws on (cage sets DISPLAY for its client).
	xwayland := false
	for _, p := range session() {
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		if args := strings.Split(string(cl), "\x00"); strings.HasSuffix(args[0], "Xwayland") && slices.Contains(args, display) {
			xwayland = true
		}
	}
	mu.Unlock()
	if display == "" || display == hostDisplay || !xwayland {
		t.Fatalf("the child's DISPLAY %q is not cage's XWayland (cage draws on %s)", display, hostDisplay)
	}

	// xdotool on the Xvfb, where cage's window (the only one there) has the keyboard's focus and the pointer.
	host := &keysRig{t: t, display: hostDisplay}
	xdo := host.xdo
	wins := host.windows()
	if len(wins) != 1 {
		t.Fatalf("not one window (cage's) on %s: %v", hostDisplay, wins)
	}
	cageWin := wins[0].id
	markers := 0
	marker := func(d time.Duration) bool {
		markers++
		want := markers
		if out, err := xdo("key", "--clearmodifiers", "z"); err != nil {
			t.Logf("xdotool key z: %v %s", err, out)
		}
		deadline := time.After(d)
		for {
			if page.markersIn(id) >= want { // in order: every key before the marker is reported too
				return true
			}
			select {
			case <-exited:
				return false
			case <-deadline:
				markers--
				return false
			case <-page.changed:
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	// The start, not a check: press the marker until the page has it (a window just mapped may not take
	// keys yet).
	for deadline := time.Now().Add(time.Minute); ; {
		if out, err := xdo("windowfocus", "--sync", cageWin); err != nil {
			t.Logf("windowfocus: %v %s", err, out)
		}
		xdo("mousemove", "--window", cageWin, "300", "300")
		if marker(2 * time.Second) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no key reaches the login page under cage (guard took %v)\nchild:\n%s\n%s", guardKeys(), child(), logs())
		}
	}
	if g := guardKeys(); len(g) > 0 {
		t.Fatalf("the guard took the marker key: %v", g)
	}
	markers = page.markersIn(id) // the start's presses that came back after all

	screenshot := func(name string) (image.Image, error) {
		f := filepath.Join(dir, "shot-"+name+".png")
		c := exec.Command(tools["grim"], f)
		c.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+rt, "WAYLAND_DISPLAY=wayland-0")
		if out, err := c.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("grim: %v: %s", err, out)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if d := os.Getenv("CAGE_SHOTS"); d != "" {
			_ = os.WriteFile(filepath.Join(d, "cage-"+name+".png"), b, 0o644)
		}
		return png.Decode(bytes.NewReader(b))
	}

	hidden := func() int {
		return page.count(id, func(e pageEvent) bool {
			return e.Kind == "pagehide" || (e.Kind == "visibility" && e.Key == "hidden")
		})
	}
	var table []string
	for _, kc := range cases {
		loads0, _, others0, _ := page.snapshot()
		saw0, hidden0, guard0 := page.count(id, pageKey), hidden(), len(guardKeys())
		if kc.typ != "" {
			if out, err := xdo("type", "--delay", "30", kc.typ); err != nil {
				t.Fatalf("xdotool type: %v %s", err, out)
			}
		}
		for _, k := range kc.keys {
			if out, err := xdo("key", "--clearmodifiers", k); err != nil {
				t.Fatalf("xdotool key %s: %v %s", k, err, out)
			}
		}
		wait := 15 * time.Second
		if !guarded {
			wait = 5 * time.Second // the control: a key that does something takes the keyboard from the page
		}
		gotMarker := marker(wait)
		loads1, _, others1, _ := page.snapshot()
		var downs []pageEvent
		page.mu.Lock()
		for _, e := range page.events {
			if e.ID == id && pageKey(e) {
				downs = append(downs, e)
			}
		}
		page.mu.Unlock()
		slices.SortFunc(downs, func(a, b pageEvent) int { return a.Seq - b.Seq })
		var pageKeys []string
		for _, e := range downs[min(saw0, len(downs)):] {
			pageKeys = append(pageKeys, strings.TrimPrefix(e.Key, "shift+"))
		}
		guard := guardKeys()[guard0:]
		newLoads, others, hid := len(loads1)-len(loads0), others1[len(others0):], hidden()-hidden0

		var effect []string
		if gotMarker {
			effect = append(effect, "marker back on the same page load")
		} else {
			effect = append(effect, "**the page lost the keyboard** (no marker)")
		}
		if len(guard) > 0 {
			effect = append(effect, "the guard gets "+strings.Join(guard, ", "))
		} else {
			effect = append(effect, "the guard gets nothing")
		}
		if len(pageKeys) > 0 {
			effect = append(effect, "the page gets "+strings.Join(pageKeys, " "))
		} else {
			effect = append(effect, "the page gets nothing")
		}
		if newLoads > 0 {
			effect = append(effect, fmt.Sprintf("page loaded again %d×", newLoads))
		}
		if len(others) > 0 {
			effect = append(effect, fmt.Sprintf("requests %v", others))
		}
		if hid > 0 {
			effect = append(effect, "**the page was hidden**")
		}
		share := 1.0
		if kc.shot {
			name := strings.ToLower(strings.ReplaceAll(kc.name, "+", "-"))
			if !guarded {
				name = "control-" + name
			}
			img, err := screenshot(name)
			if err != nil {
				t.Errorf("%s: screenshot: %v", kc.name, err)
				effect = append(effect, "no screenshot")
			} else {
				share = colourShare(img, 0x1a, 0x7f, 0x5a)
				effect = append(effect, fmt.Sprintf("screenshot %dx%d: %.0f%% the page's colour", img.Bounds().Dx(), img.Bounds().Dy(), 100*share))
				if share < 0.5 && guarded {
					t.Errorf("%s: the screenshot does not show the page (%.0f%% of it the page's colour)", kc.name, 100*share)
				}
			}
		}
		row := strings.Join(effect, "; ")
		table = append(table, fmt.Sprintf("| %s | %s |", kc.name, row))
		t.Logf("%-14s %s", kc.name, row)

		if !guarded {
			if kc.guard != nil && gotMarker && hid == 0 && newLoads == 0 && len(pageKeys) == 0 && share >= 0.5 {
				t.Errorf("control: %s without the guard did nothing the test sees: %s", kc.name, row)
			}
			if kc.reaches != nil && !slices.Equal(pageKeys, kc.reaches) {
				t.Errorf("control: %s: the page must get %v: %s", kc.name, kc.reaches, row)
			}
			continue
		}
		switch {
		case !gotMarker:
			t.Errorf("%s: the marker key never came back to the page: %s", kc.name, row)
		case newLoads > 0 || len(others) > 0 || hid > 0:
			t.Errorf("%s: must leave the page as it was: %s", kc.name, row)
		}
		if kc.reaches != nil && (!slices.Equal(pageKeys, kc.reaches) || len(guard) > 0) {
			t.Errorf("%s: the page must get %v and the guard nothing: %s", kc.name, kc.reaches, row)
		}
		if kc.guard != nil && (!slices.Equal(guard, kc.guard) || len(pageKeys) > 0) {
			t.Errorf("%s: THE GRAB DOES NOT HOLD under cage: the guard must get %v and the page nothing: %s", kc.name, kc.guard, row)
		}
	}

	// The end: the child closes its browser when its stdin closes, and exits; cage exits with its client.
	inW.Close()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Errorf("the child did not close its browser\nchild:\n%s", child())
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Errorf("cage still runs 30 s after its client was told to end")
	}
	mu.Lock()
	if closedErr != "<nil>" {
		t.Errorf("the child's Close: %s", closedErr)
	}
	if pgid == 0 || profile == "" {
		t.Errorf("the child never reported its browser")
	}
	if left := browser.GroupProcesses(pgid); pgid != 0 && len(left) > 0 {
		t.Errorf("processes of the browser's group left: %v", left)
	}
	// What cage started (Xwayland, the child's helpers) ends after cage itself: wait for it to go, the
	// deadline bounding only a failure (on a loaded machine they were still exiting at the first look).
	left := processesNaming(tmp)
	for deadline := time.Now().Add(30 * time.Second); len(left) > 0 && time.Now().Before(deadline); left = processesNaming(tmp) {
		time.Sleep(100 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("processes naming the session's TMPDIR left 30 s after cage ended: %v", left)
	}
	if _, err := os.Stat(profile); profile != "" && !os.IsNotExist(err) {
		t.Errorf("profile dir %s: %v", profile, err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("%s is not empty: %v", tmp, ents)
	}
	mu.Unlock()
	t.Logf("session of %v", time.Since(started).Round(100*time.Millisecond))
	return table
}

// TestGuardUnderCageChild is TestGuardUnderCage's client of cage, on cage's XWayland ($DISPLAY): the login
// window as the kiosk opens it (Kiosk, Guard), reporting each key the guard took on stdout, until its
// stdin closes or it is signalled. Without a policy: cage refuses to run as root, so its client is never
// root and cannot give Chromium a private policy (a mount namespace needs CAP_SYS_ADMIN); this test is
// about keys, which no policy of Chromium's turns off (guard.go), not about the policy.
func TestGuardUnderCageChild(t *testing.T) {
	url := os.Getenv(cageChildEnv)
	if url == "" {
		t.Skip("the client of cage in TestGuardUnderCage")
	}
	stderr, err := os.Create(os.Getenv("HELSEKIOSK_CAGE_STDERR"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	guard := os.Getenv("HELSEKIOSK_CAGE_GUARD") != "off"
	if !guard {
		if old, ok := os.LookupEnv("WAYLAND_DISPLAY"); ok {
			t.Cleanup(func() { os.Setenv("WAYLAND_DISPLAY", old) })
		}
		os.Unsetenv("WAYLAND_DISPLAY") // the control: Chromium on XWayland all the same (the guard's --ozone-platform=x11)
	}
	b, err := browser.Start(ctx, browser.Options{URL: url + "/", Kiosk: true, Zoom: 1.25, Lang: "nn", Stderr: stderr,
		Guard: guard, OnKey: func(k string) { fmt.Printf("%s%s\n", lineKey, k) }})
	if err != nil {
		t.Fatalf("browser.Start (DISPLAY=%s): %v", os.Getenv("DISPLAY"), err)
	}
	fmt.Printf("%s%d %s %s\n", lineStarted, b.Pgid(), b.ProfileDir, os.Getenv("DISPLAY"))
	stdin := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdin) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	select {
	case <-stdin:
	case s := <-sig:
		t.Logf("signal %v", s)
	case err := <-b.Ended():
		t.Errorf("the browser ended: %v", err)
	}
	err = b.Close()
	fmt.Printf("%s%v\n", lineClosed, err)
}

// colourShare is the share of img's pixels (sampled) within 24 of the colour r, g, b in each channel.
func colourShare(img image.Image, r, g, b uint32) float64 {
	bd := img.Bounds()
	n, hit := 0, 0
	near := func(a, b uint32) bool { return a+24 >= b && b+24 >= a }
	for y := bd.Min.Y; y < bd.Max.Y; y += 7 {
		for x := bd.Min.X; x < bd.Max.X; x += 7 {
			n++
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr>>8, r) && near(pg>>8, g) && near(pb>>8, b) {
				hit++
			}
		}
	}
	return float64(hit) / float64(max(n, 1))
}
