package browser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	xvfbtest "github.com/helsekiosk/helsekiosk/internal/testkit/xvfb"
)

// xvfb starts a private X server (internal/testkit/xvfb) and returns its DISPLAY. The test skips without
// Xvfb or xdotool, unless CI=true.
func xvfb(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	return xvfbtest.Start(t, "", "1280x800")
}

// keyPage is the login page of this test, on an allowlisted origin: it reports to its server every
// keydown, every change of visibility or focus, and its unloading, each with the id of this page load.
type keyPage struct {
	srv     *httptest.Server
	mu      sync.Mutex
	events  []pageEvent
	loads   []string // ids of the page's loads
	typed   int      // requests for /typed (the URL typed after Ctrl+L)
	others  []string // any other request
	changed chan struct{}
}

type pageEvent struct {
	ID, Kind, Key, Href, Vis string
	Seq                      int
}

const keyPageHTML = `<!doctype html><html lang=nn><title>Helsekiosk-nokkeltest</title>
<body style="font-size:40px"><p>Innloggingsside (test)</p>
<a href="/linked" tabindex="-1" style="display:block;height:600px">Ei lenkje (a click with Shift, Ctrl or the middle button would open it in a new window or tab: a request for /linked)</a>
<script>
const id = Math.random().toString(36).slice(2);
let seq = 0;
function send(kind, key) {
  fetch('/ev', {method: 'POST', keepalive: true,
    body: JSON.stringify({ID: id, Seq: ++seq, Kind: kind, Key: key || '', Href: location.href, Vis: document.visibilityState})});
}
send('load');
addEventListener('keydown', e => send('keydown', (e.ctrlKey ? 'ctrl+' : '') + (e.shiftKey ? 'shift+' : '') + (e.altKey ? 'alt+' : '') + e.key));
document.addEventListener('visibilitychange', () => send('visibility', document.visibilityState));
addEventListener('blur', () => send('blur'));
addEventListener('focus', () => send('focus'));
addEventListener('pagehide', () => send('pagehide'));
// The guard's test of a second window: with pop-ups allowed, p opens one (a key press is a user gesture).
addEventListener('keydown', e => { if (e.key === 'p' && location.hash === '#popup') window.open('/#child', 'child', 'popup,width=400,height=300'); });
</script>`

func newKeyPage(t *testing.T) *keyPage {
	p := &keyPage{changed: make(chan struct{}, 1)}
	p.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		switch r.URL.Path {
		case "/":
			p.mu.Unlock()
			rw.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(rw, keyPageHTML)
			return
		case "/ev":
			var e pageEvent
			if err := json.NewDecoder(r.Body).Decode(&e); err == nil {
				p.events = append(p.events, e)
				if e.Kind == "load" {
					p.loads = append(p.loads, e.ID)
				}
			}
		case "/typed":
			p.typed++
		case "/favicon.ico":
		default:
			p.others = append(p.others, r.URL.Path)
		}
		p.mu.Unlock()
		select {
		case p.changed <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// count returns how many events of page load id match f.
func (p *keyPage) count(id string, f func(pageEvent) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, e := range p.events {
		if e.ID == id && f(e) {
			n++
		}
	}
	return n
}

// markersIn counts page load id's marker keys (keydown z) that the test has seen in order. The page reports
// each event with a request of its own, numbered (Seq), and the reports may arrive out of order: a marker
// counts only once every event the page numbered before it has been reported too, so that when the count
// says the marker is back, every key the page got before it is here.
func (p *keyPage) markersIn(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[int]bool{}
	for _, e := range p.events {
		if e.ID == id {
			seen[e.Seq] = true
		}
	}
	upTo := 0 // every event 1..upTo has been reported
	for seen[upTo+1] {
		upTo++
	}
	n := 0
	for _, e := range p.events {
		if e.ID == id && e.Kind == "keydown" && e.Key == "z" && e.Seq <= upTo {
			n++
		}
	}
	return n
}

func (p *keyPage) snapshot() (loads []string, typed int, others []string, events int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.loads...), p.typed, append([]string(nil), p.others...), len(p.events)
}

// xwin is one viewable top-level window on the test's display.
type xwin struct{ id, name string }

// keysRig is the display, the page, and the browser currently running on it.
type keysRig struct {
	t       *testing.T
	display string
	exe     string
	page    *keyPage
	w       *world
	b       *browser.Browser
	stderr  *syncBuffer
	id      string // the page load the browser shows
	win     string // the browser's main window
	markers int    // markers the page has seen

	policy               func(browser.Policy) // changes the kiosk's policy (a test of the guard's backstop)
	fragment             string               // added to the page's URL ("#popup")
	pingEvery, hangAfter time.Duration

	gmu   sync.Mutex
	taken []string // keys the guard took (OnKey), in order
}

// guardKeys returns the keys the guard has taken so far.
func (r *keysRig) guardKeys() []string {
	r.gmu.Lock()
	defer r.gmu.Unlock()
	return append([]string(nil), r.taken...)
}

// newKeysRig is a key rig on its own Xvfb, with a fresh $HOME and $TMPDIR.
func newKeysRig(t *testing.T) *keysRig {
	exe := chromium(t)
	r := &keysRig{t: t, exe: exe, page: newKeyPage(t)}
	r.display = xvfb(t)
	t.Setenv("DISPLAY", r.display)
	t.Setenv("WAYLAND_DISPLAY", "")
	r.w = &world{}
	r.w.home, r.w.tmp = shortTempDir(t), shortTempDir(t)
	t.Setenv("HOME", r.w.home)
	t.Setenv("TMPDIR", r.w.tmp)
	return r
}

func (r *keysRig) xdo(args ...string) (string, error) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+r.display)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// windows lists the viewable top-level windows with their names (xdotool: viewable, depth 1), without
// the root window.
func (r *keysRig) windows() []xwin {
	out, _ := r.xdo("search", "--onlyvisible", "--maxdepth", "1", "--name", "")
	root, _ := exec.Command("sh", "-c", `DISPLAY=`+r.display+` xwininfo -root | sed -n 's/.*Window id: \(0x[0-9a-f]*\).*/\1/p'`).Output()
	var rootID int64
	fmt.Sscanf(strings.TrimSpace(string(root)), "0x%x", &rootID)
	var ws []xwin
	for _, id := range strings.Fields(out) {
		if id == fmt.Sprint(rootID) {
			continue
		}
		name, _ := r.xdo("getwindowname", id)
		ws = append(ws, xwin{id, name})
	}
	return ws
}

func (r *keysRig) geometry(win string) string {
	out, _ := r.xdo("getwindowgeometry", win)
	return strings.Join(strings.Fields(strings.ReplaceAll(out, "Window "+win, "")), " ")
}

// start starts the login window as the kiosk does (--kiosk, the kiosk's own policy in a private mount
// namespace, a real window on the test's display) and waits until the page is loaded, its window is on
// the display, and a key reaches the page.
func (r *keysRig) start() {
	t := r.t
	t.Helper()
	allow, err := browser.AllowFor(r.page.srv.URL, nil, client.DefaultCallbackPath)
	if err != nil {
		t.Fatal(err)
	}
	r.stderr = &syncBuffer{}
	loads, _, _, _ := r.page.snapshot()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	policy := browser.NewPolicy(allow)
	if r.policy != nil {
		r.policy(policy)
	}
	b, err := browser.Start(ctx, browser.Options{URL: r.page.srv.URL + "/" + r.fragment, Exe: r.exe, Kiosk: true, Zoom: 1.25,
		Lang: "nn", PrivatePolicy: withPolicy(t, policy), Stderr: r.stderr,
		Guard: true, PingEvery: r.pingEvery, HangAfter: r.hangAfter, OnKey: func(k string) {
			r.gmu.Lock()
			r.taken = append(r.taken, k)
			r.gmu.Unlock()
			select {
			case r.page.changed <- struct{}{}:
			default:
			}
		}})
	if err != nil {
		t.Fatalf("browser.Start: %v", err)
	}
	r.b, r.markers = b, 0
	t.Cleanup(func() { b.Close() })
	// The page's load, then its window.
	r.id = ""
	r.poll("the page's load", 2*time.Minute, func() bool {
		if l, _, _, _ := r.page.snapshot(); len(l) > len(loads) {
			r.id = l[len(l)-1]
		}
		return r.id != ""
	})
	r.win = ""
	r.poll("the browser's window", time.Minute, func() bool {
		for _, w := range r.windows() {
			if strings.HasPrefix(w.name, "Helsekiosk-nokkeltest") {
				r.win = w.id
			}
		}
		return r.win != ""
	})
	// No window manager: give the window the keyboard (Chromium takes it itself too) and the pointer,
	// and press the marker until the page has it (a window just mapped may not take keys yet; this is the
	// start, not a check).
	deadline := time.Now().Add(time.Minute)
	for {
		if out, err := r.xdo("windowfocus", "--sync", r.win); err != nil {
			t.Logf("windowfocus: %v %s", err, out)
		}
		r.xdo("mousemove", "--window", r.win, "200", "200")
		if r.marker(2 * time.Second) {
			break
		}
		if time.Now().After(deadline) {
			focus, _ := r.xdo("getwindowfocus")
			t.Fatalf("no key reaches the login page (window %s, focus %s, windows %v)\n%s", r.win, focus, r.windows(), r.stderr.String())
		}
	}
	r.markers = r.page.markersIn(r.id)
}

// poll waits, polling, until ok or the time is up (then the test fails), or the browser ended.
func (r *keysRig) poll(what string, d time.Duration, ok func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			r.t.Fatalf("waiting for %s: timed out\n%s", what, r.stderr.String())
		}
		select {
		case <-r.b.Done():
			r.t.Fatalf("waiting for %s: the browser ended: %v\n%s", what, r.b.Wait(), r.stderr.String())
		case <-r.page.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// marker presses the marker key (z) and waits until the page has it; false if it does not come within d
// or the browser ends first. Keys reach the page in order, so the marker coming back (in order: markersIn)
// means every key before it has been handled by the browser and reported to the test.
func (r *keysRig) marker(d time.Duration) bool {
	r.markers++
	want := r.markers
	if _, err := r.xdo("key", "--clearmodifiers", "z"); err != nil {
		r.t.Logf("xdotool key z: %v", err)
	}
	deadline := time.After(d)
	for {
		if r.page.markersIn(r.id) >= want {
			return true
		}
		select {
		case <-r.b.Done():
			return false
		case <-deadline:
			r.markers-- // (should it come later, the next marker counts it: a later check fails no worse)
			return false
		case <-r.page.changed:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// keyCase is one key (or key sequence) pressed in the login window.
type keyCase struct {
	name string
	keys [][]string // xdotool commands after "xdotool"
	// mustNot: the key must do nothing (no new window or tab, no navigation, the browser still on the
	// page); otherwise the test only records what it does.
	mustNot bool
	// gap: a must-not key that, found by this test, does reach something (a new tab, window or page of
	// Chromium's own); recorded, not failed, until the kiosk blocks it. It must still open nothing outside
	// the allowlist and Close must leave nothing.
	gap bool
	// closes: the kiosk's guard must take the key as one that closes the login (browser.IsCloseKey), and
	// Chromium must not see it.
	closes bool
	// reaches: the page must get these keydowns (e.key, without a "shift+"), and the guard none.
	reaches []string
	// take: the keys the guard must take, when not every "key" command's key (taken).
	take []string
}

// taken is what the guard must take of a must-not case: take, or else the key of each xdotool "key"
// command (a click, or typed text, gives it none).
func (kc keyCase) taken() []string {
	if kc.take != nil {
		return kc.take
	}
	var out []string
	for _, k := range kc.keys {
		if k[0] == "key" {
			out = append(out, k[len(k)-1])
		}
	}
	return out
}

// keyResult is what one key did.
type keyResult struct {
	ended     bool   // the browser exited by itself (Ended fired)
	endErr    string // its exit
	leftAfter int    // processes of its group still alive when it had exited (Close ends them)
	pageSaw   bool   // the page got the key's keydown (the browser did not take it)
	marker    bool   // the marker after the key reached the same page load
	newWins   []xwin // viewable windows that appeared
	goneWins  []xwin // viewable windows that went
	title     string // the browser window's title after it
	geom      string // its geometry before → after, when it changed
	loads     int    // new loads of the page
	typed     int    // requests for the typed URL
	others    []string
	hidden    int      // the page became hidden or was unloaded
	guard     []string // keys the guard took
	closedBy  int      // windows of the browser the guard closed meanwhile (its backstop)
	pageKeys  []string // the page's keydowns (e.key without "shift+"), the marker left out
	closeErr  error
}

func (k keyResult) effect() string {
	var s []string
	switch {
	case k.ended:
		s = append(s, fmt.Sprintf("**the browser ends** (%s; %d helper processes of its group still alive, ended by Close)", k.endErr, k.leftAfter))
	case !k.marker:
		s = append(s, "the page loses the keyboard (the marker key never reaches it)")
	default:
		s = append(s, "nothing")
	}
	if !k.ended {
		if k.pageSaw {
			s = append(s, "the page gets the key")
		} else {
			s = append(s, "the page does not get the key")
		}
	}
	if k.closedBy > 0 {
		s = append(s, fmt.Sprintf("**the guard closed %d window(s) of the browser**", k.closedBy))
	}
	for _, g := range k.guard {
		if browser.IsCloseKey(g) {
			s = append(s, fmt.Sprintf("the kiosk gets %s: **the kiosk closes the login**", g))
		} else {
			s = append(s, fmt.Sprintf("the kiosk gets %s", g))
		}
	}
	for _, w := range k.newWins {
		s = append(s, fmt.Sprintf("new window %q", w.name))
	}
	for _, w := range k.goneWins {
		if !k.ended {
			s = append(s, fmt.Sprintf("window %q went", w.name))
		}
	}
	if !k.ended && k.title != "" && !strings.HasPrefix(k.title, "Helsekiosk-nokkeltest") {
		s = append(s, fmt.Sprintf("window title now %q", k.title))
	}
	if k.geom != "" {
		s = append(s, "window "+k.geom)
	}
	if k.loads > 0 {
		s = append(s, fmt.Sprintf("page loaded again %d×", k.loads))
	}
	if k.typed > 0 {
		s = append(s, "the typed URL was opened")
	}
	if len(k.others) > 0 {
		s = append(s, fmt.Sprintf("requests %v", k.others))
	}
	if k.hidden > 0 && !k.ended {
		s = append(s, "the page was hidden or unloaded")
	}
	return strings.Join(s, "; ")
}

func (k keyResult) nothing() bool {
	return !k.ended && k.marker && k.closedBy == 0 && len(k.newWins) == 0 && len(k.goneWins) == 0 && k.loads == 0 && k.typed == 0 &&
		len(k.others) == 0 && k.hidden == 0 && strings.HasPrefix(k.title, "Helsekiosk-nokkeltest")
}

// press presses one key case in the running browser and finds out what it did: the marker key after it
// comes back to the same page load (nothing happened to the page), or the browser ends (Ended), or
// neither within markerWait (the page lost the keyboard: a new tab, a dialog, …).
func (r *keysRig) press(kc keyCase, markerWait time.Duration) keyResult {
	t := r.t
	t.Helper()
	before := r.windows()
	geomBefore := r.geometry(r.win)
	loads0, typed0, others0, _ := r.page.snapshot()
	sawBefore := r.page.count(r.id, pageKey)
	hidden := func() int {
		return r.page.count(r.id, func(e pageEvent) bool {
			return e.Kind == "pagehide" || (e.Kind == "visibility" && e.Key == "hidden")
		})
	}
	hidden0 := hidden()
	guard0 := len(r.guardKeys())
	_, closed0 := r.b.GuardStats()
	for _, k := range kc.keys {
		k = slices.Clone(k)
		for i := range k {
			k[i] = strings.ReplaceAll(k[i], "%WIN%", r.win)
		}
		if out, err := r.xdo(k...); err != nil {
			t.Fatalf("xdotool %v: %v %s", k, err, out)
		}
	}
	var res keyResult
	res.marker = r.marker(markerWait)
	select {
	case err := <-r.b.Ended():
		res.ended = true
		res.endErr = strings.TrimPrefix(fmt.Sprint(err), "browser: ")
		res.leftAfter = len(browser.GroupProcesses(r.b.Pgid()))
	default:
		if !res.marker {
			// Neither the marker nor an exit: wait a bounded while longer for an exit (a key that closes
			// the window may take a moment), then record what is on the display.
			select {
			case err := <-r.b.Ended():
				res.ended = true
				res.endErr = strings.TrimPrefix(fmt.Sprint(err), "browser: ")
				res.leftAfter = len(browser.GroupProcesses(r.b.Pgid()))
			case <-time.After(5 * time.Second):
			}
		}
	}
	after := r.windows()
	res.newWins, res.goneWins = diffWins(before, after), diffWins(after, before)
	for _, w := range after {
		if w.id == r.win {
			res.title = w.name
		}
	}
	if !res.ended {
		if g := r.geometry(r.win); g != geomBefore {
			res.geom = geomBefore + " → " + g
		}
	}
	loads1, typed1, others1, _ := r.page.snapshot()
	res.loads, res.typed, res.others = len(loads1)-len(loads0), typed1-typed0, others1[len(others0):]
	res.pageSaw = r.page.count(r.id, pageKey) > sawBefore
	res.hidden = hidden() - hidden0
	res.guard = r.guardKeys()[guard0:]
	if r.b != nil {
		_, closed1 := r.b.GuardStats()
		res.closedBy = closed1 - closed0
	}
	r.page.mu.Lock()
	var downs []pageEvent // in the page's order (the reports may arrive out of order)
	for _, e := range r.page.events {
		if e.ID == r.id && pageKey(e) {
			downs = append(downs, e)
		}
	}
	r.page.mu.Unlock()
	slices.SortFunc(downs, func(a, b pageEvent) int { return a.Seq - b.Seq })
	for _, e := range downs[min(sawBefore, len(downs)):] {
		res.pageKeys = append(res.pageKeys, strings.TrimPrefix(e.Key, "shift+"))
	}
	if res.ended || !res.nothing() {
		// This browser is done with: Close, and nothing of it may be left.
		res.closeErr = r.b.Close()
		r.clean()
		r.b = nil
	}
	return res
}

// clean is world.clean for this test's directories only: other engineers' Chromium tests on the same
// machine keep live profiles under /tmp.
func (r *keysRig) clean() {
	r.t.Helper()
	checkGone(r.t, r.b, r.w.home, r.w.tmp)
}

// pageKey says whether e is a keydown of a key the test pressed: not the marker, and not a modifier on its
// own (Ctrl, Shift, Alt pressed before the key they modify reach the page; the key itself may not).
func pageKey(e pageEvent) bool {
	if e.Kind != "keydown" || e.Key == "z" {
		return false
	}
	k := e.Key[strings.LastIndexByte(e.Key[:max(0, len(e.Key)-1)], '+')+1:]
	switch k {
	case "Shift", "Control", "Alt", "Meta", "AltGraph", "OS", "CapsLock", "NumLock":
		return false
	}
	return true
}

func diffWins(a, b []xwin) []xwin {
	var out []xwin
	for _, w := range b {
		found := false
		for _, v := range a {
			found = found || v.id == w.id
		}
		if !found {
			out = append(out, w)
		}
	}
	return out
}

// TestLoginWindowKeys: which keys close the login window, and that the keys that must not work do nothing,
// in a real (not headless) Chromium as the kiosk starts it (--kiosk, the guard, the kiosk's own policy from
// browser.NewPolicy in a private mount namespace, no DevTools port) on a private Xvfb display without a
// window manager, the keys sent with xdotool (XTEST, as a keyboard would). Each key is followed by a marker
// key (z) that the page reports to the test's server: the marker coming back to the same page load shows
// that the browser handled the key and the page still has the keyboard; for a key that closes the window,
// Ended fires instead. (When neither comes, the test waits a bounded time more for an exit before it
// records what is on the display.) After every browser: Close, then no process of its group, no profile.
func TestLoginWindowKeys(t *testing.T) {
	r := newKeysRig(t)
	t.Logf("display %s, %s", r.display, r.exe)
	// A kiosk in Norway has a Norwegian keyboard: AltGr (ISO_Level3_Shift, Mod5) types @ { [ ] } \ |.
	if out, err := exec.Command("setxkbmap", "-display", r.display, "no").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("setxkbmap no: %v %s (scripts/deps.sh --test installs x11-xkb-utils)", err, out)
		}
		t.Skipf("setxkbmap no: %v %s", err, out)
	}

	key := func(k ...string) [][]string {
		var out [][]string
		for _, x := range k {
			out = append(out, []string{"key", "--clearmodifiers", x})
		}
		return out
	}
	typed := strings.TrimPrefix(r.page.srv.URL, "http://") + "/typed"
	click := func(button string) [][]string {
		return [][]string{{"mousemove", "--window", "%WIN%", "300", "300"}, {"click", button}}
	}
	cases := []keyCase{
		// What the page needs: plain typing reaches it (Shift is not taken: capitals and @ on a US map).
		{name: "typing Ab1@ and Backspace", keys: [][]string{{"type", "--delay", "30", "Ab1@"}, {"key", "BackSpace"}},
			reaches: []string{"A", "b", "1", "@", "Backspace"}},
		{name: "Tab, Shift+Tab, Return", keys: key("Tab", "shift+Tab", "Return"), reaches: []string{"Tab", "Tab", "Enter"}},
		// What closes it: the kiosk gets the key and ends the login (the browser test sees the key taken).
		{name: "Escape", closes: true, keys: key("Escape")},
		{name: "Alt+F4", closes: true, keys: key("alt+F4")},
		{name: "Ctrl+W", closes: true, keys: key("ctrl+w")},
		{name: "Ctrl+F4", closes: true, keys: key("ctrl+F4")},
		{name: "Ctrl+Shift+W", closes: true, keys: key("ctrl+shift+w")},
		{name: "Ctrl+Q", closes: true, keys: key("ctrl+q")},
		{name: "Ctrl+Shift+Q", closes: true, keys: key("ctrl+shift+q")},
		// What must not work.
		{name: "F11", keys: key("F11"), mustNot: true},
		{name: "Ctrl+T", keys: key("ctrl+t"), mustNot: true},
		{name: "Ctrl+N", keys: key("ctrl+n"), mustNot: true},
		{name: "Ctrl+Shift+N", keys: key("ctrl+shift+n"), mustNot: true},
		{name: "Ctrl+Shift+I", keys: key("ctrl+shift+i"), mustNot: true},
		{name: "Ctrl+Shift+C", keys: key("ctrl+shift+c"), mustNot: true},
		{name: "F12", keys: key("F12"), mustNot: true},
		{name: "Ctrl+Shift+J", keys: key("ctrl+shift+j"), mustNot: true},
		{name: "Ctrl+U", keys: key("ctrl+u"), mustNot: true},
		{name: "Ctrl+O", keys: key("ctrl+o"), mustNot: true},
		{name: "Ctrl+P", keys: key("ctrl+p"), mustNot: true},
		{name: "Ctrl+S", keys: key("ctrl+s"), mustNot: true},
		{name: "Ctrl+H", keys: key("ctrl+h"), mustNot: true},
		{name: "Ctrl+J", keys: key("ctrl+j"), mustNot: true},
		{name: "Ctrl+L, a URL, Enter", keys: append(append(key("ctrl+l"), []string{"type", "--delay", "20", typed}), key("Return")...),
			mustNot: true, take: []string{"ctrl+l"}},
		{name: "Alt+Home", keys: key("alt+Home"), mustNot: true},
		{name: "Alt+Left", keys: key("alt+Left"), mustNot: true},
		{name: "Ctrl+Shift+Delete", keys: key("ctrl+shift+Delete"), mustNot: true},
		{name: "Ctrl+Shift+O", keys: key("ctrl+shift+o"), mustNot: true},
		{name: "Ctrl+Shift+B", keys: key("ctrl+shift+b"), mustNot: true},
		{name: "Ctrl+Shift+M", keys: key("ctrl+shift+m"), mustNot: true},
		{name: "Ctrl+Shift+A", keys: key("ctrl+shift+a"), mustNot: true},
		{name: "Shift+Escape", keys: key("shift+Escape"), mustNot: true},
		{name: "F1", keys: key("F1"), mustNot: true},
		{name: "F6", keys: key("F6"), mustNot: true},
		{name: "F7", keys: key("F7"), mustNot: true},
		{name: "F10", keys: key("F10"), mustNot: true},
		{name: "Shift+F10", keys: key("shift+F10"), mustNot: true},
		{name: "Menu", keys: key("Menu"), mustNot: true},
		{name: "Alt+Shift+I", keys: key("alt+shift+i"), mustNot: true},
		{name: "Super+E", keys: key("super+e"), mustNot: true},
		{name: "right click", keys: click("3"), mustNot: true},
		{name: "middle click", keys: click("2"), mustNot: true},
		{name: "back button (8)", keys: click("8"), mustNot: true},
		{name: "Shift+click", keys: [][]string{{"mousemove", "--window", "%WIN%", "300", "300"}, {"keydown", "shift"}, {"click", "1"}, {"keyup", "shift"}}, mustNot: true, take: []string{}},
		{name: "Ctrl+click", keys: [][]string{{"mousemove", "--window", "%WIN%", "300", "300"}, {"keydown", "ctrl"}, {"click", "1"}, {"keyup", "ctrl"}}, mustNot: true, take: []string{}},
		// With the locks on (X matches modifiers exactly: each grab is taken in every lock state). Without
		// --clearmodifiers, which would turn Caps Lock off for the key.
		{name: "Num Lock on, Ctrl+T", keys: [][]string{{"key", "Num_Lock"}, {"key", "ctrl+t"}, {"key", "Num_Lock"}}, mustNot: true, take: []string{"ctrl+t"}},
		{name: "Caps Lock on, Ctrl+Shift+N", keys: [][]string{{"key", "Caps_Lock"}, {"key", "ctrl+shift+n"}, {"key", "Caps_Lock"}}, mustNot: true, take: []string{"ctrl+shift+n"}},
		{name: "Caps Lock on, Escape", keys: [][]string{{"key", "Caps_Lock"}, {"key", "Escape"}, {"key", "Caps_Lock"}}, closes: true},
		// The Norwegian keymap's AltGr (Mod5, not grabbed): @ is AltGr+2, and reaches the page.
		{name: "AltGr+2 (@ on the Norwegian keymap)", keys: [][]string{{"key", "ISO_Level3_Shift+2"}}, reaches: []string{"@"}},
	}
	var table []string
	for _, kc := range cases {
		if r.b == nil {
			r.start()
		}
		res := r.press(kc, 15*time.Second)
		table = append(table, fmt.Sprintf("| %s | %s |", kc.name, res.effect()))
		t.Logf("%-22s %s", kc.name, res.effect())
		if res.closeErr != nil {
			t.Errorf("%s: Close: %v", kc.name, res.closeErr)
		}
		switch {
		case kc.closes:
			// The kiosk, not Chromium, gets the key (the UI test shows the login closing on it), and the
			// page is left as it was.
			if len(res.guard) != 1 || !browser.IsCloseKey(res.guard[0]) || !res.nothing() || res.pageSaw {
				t.Errorf("%s: the kiosk must get it as a close key, and the page nothing, but: %s", kc.name, res.effect())
			}
		case kc.reaches != nil:
			if got := res.pageKeys; !slices.Equal(got, kc.reaches) || len(res.guard) > 0 || !res.nothing() {
				t.Errorf("%s: the page must get %v, but got %v: %s", kc.name, kc.reaches, got, res.effect())
			}
		case kc.mustNot && kc.gap:
			if res.nothing() {
				t.Logf("%s: does nothing now (was a known gap: update the table in docs/login-on-kiosk.md)", kc.name)
			}
			if res.typed > 0 || len(res.others) > 0 {
				t.Errorf("%s: a request outside the page: typed %d, %v", kc.name, res.typed, res.others)
			}
		case kc.mustNot && !res.nothing():
			t.Errorf("%s: must do nothing, but: %s", kc.name, res.effect())
		case kc.mustNot && !slices.Equal(res.guard, kc.taken()):
			// Nothing happened because the guard took the key, not because its backstop closed what the
			// key opened (closedBy above) or Chromium happened to ignore it.
			t.Errorf("%s: the guard must take %q, but took %q", kc.name, kc.taken(), res.guard)
		}
		if kc.mustNot {
			// Nothing saved or downloaded anywhere the browser may write.
			if r.b != nil {
				_ = filepath.WalkDir(r.b.ProfileDir, func(p string, d os.DirEntry, err error) error {
					if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".mhtml") || strings.HasSuffix(p, ".crdownload") || strings.HasSuffix(p, ".pdf")) {
						t.Errorf("%s: a file was saved: %s", kc.name, p)
					}
					return nil
				})
			}
		}
	}
	if r.b != nil {
		if err := r.b.Close(); err != nil {
			t.Error(err)
		}
		r.clean()
	}
	t.Logf("the login window's keys (chromium --kiosk, the kiosk's policy, no window manager):\n| Key | Effect |\n|---|---|\n%s", strings.Join(table, "\n"))
	if len(table) != len(cases) {
		t.Error("not every key was tried")
	}
}

// TestMarkersInWaitsForEarlierReports: a marker whose report arrives before that of a key the page got
// earlier does not count until that report is in (the check would otherwise miss the key).
func TestMarkersInWaitsForEarlierReports(t *testing.T) {
	p := &keyPage{}
	add := func(seq int, key string) {
		p.events = append(p.events, pageEvent{ID: "a", Kind: "keydown", Key: key, Seq: seq})
	}
	p.events = append(p.events, pageEvent{ID: "a", Kind: "load", Seq: 1})
	add(2, "A")
	add(3, "b")
	add(5, "z") // the page got 1 (Seq 4) first, but its report is still on its way
	if n := p.markersIn("a"); n != 0 {
		t.Fatalf("the marker counts with the report of Seq 4 missing: %d", n)
	}
	add(4, "1")
	if n := p.markersIn("a"); n != 1 {
		t.Fatalf("markersIn = %d once every report is in, want 1", n)
	}
	if n := p.markersIn("b"); n != 0 {
		t.Fatalf("another page load's markers: %d", n)
	}
}
