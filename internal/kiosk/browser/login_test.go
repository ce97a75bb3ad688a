package browser_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

const audience = "helsekiosk-api"

// chromium is the Chromium to test with: the test skips without one, unless CI=true (CI installs it with
// scripts/deps.sh --test). The private policy namespace needs root (as here and in CI).
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	exe, err := browser.FindChromium()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/deps.sh --test installs it)")
		}
		t.Skip("chromium is not installed (scripts/deps.sh --test installs it)")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the browser tests need root (a private mount namespace for Chromium's policy)")
		}
		t.Skip("the browser tests need root (a private mount namespace for Chromium's policy)")
	}
	return exe
}

// privateNamespaces reports whether this process may give Chromium a policy of its own in a private mount
// namespace (root with CAP_SYS_ADMIN; a container may lack it).
var privateNamespaces = sync.OnceValue(func() bool {
	return exec.Command("unshare", "--mount", "--propagation", "private", "--", "true").Run() == nil
})

// withPolicy is the policy for browser.Options.PrivatePolicy. Without private mount namespaces, and only
// in CI (a machine of its own), it writes the policy as the system's file instead, for this test only;
// elsewhere the test skips rather than lock every Chromium on a shared machine.
func withPolicy(t *testing.T, p browser.Policy) browser.Policy {
	t.Helper()
	if privateNamespaces() {
		return p
	}
	if os.Getenv("CI") != "true" {
		t.Skip("no private mount namespace for Chromium's policy (needs CAP_SYS_ADMIN); not writing " + browser.SystemPolicyFile + " outside CI")
	}
	if _, err := os.Stat(browser.SystemPolicyFile); err == nil && !wroteSystemPolicy {
		t.Fatalf("%s exists already; not overwriting it", browser.SystemPolicyFile)
	}
	if err := browser.WriteSystemPolicy("", p); err != nil {
		t.Fatal(err)
	}
	wroteSystemPolicy = true
	t.Cleanup(func() { os.Remove(browser.SystemPolicyFile) })
	return nil
}

// wroteSystemPolicy: withPolicy wrote SystemPolicyFile (the tests run one after another).
var wroteSystemPolicy bool

// world is a test OP with the kiosk's native client, the reference backend trusting it, and a server
// outside the allowlist that counts its visitors.
type world struct {
	op      *testop.OP
	backend *backendtest.Env
	ps      testop.Personas
	outside *httptest.Server
	visits  atomic.Int64
	home    string // the kiosk user's $HOME for the test
	tmp     string // $TMPDIR for the test

	mu       sync.Mutex
	profiles []string // the profile directories of this world's browsers
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{ps: testop.DemoPersonas(t)}
	w.op = testop.Start(t, w.ps.Users(), testop.WithAudience(audience), testop.WithClients(
		testop.Client{ID: "helsekiosk-native", RedirectURIs: []string{"http://127.0.0.1" + client.DefaultCallbackPath}}))
	w.backend = backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{w.op.Issuer}
		c.Audience = audience
	}))
	w.outside = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.visits.Add(1)
		fmt.Fprint(rw, "<!doctype html><title>outside</title><p id=outside>outside the allowlist</p>")
	}))
	t.Cleanup(w.outside.Close)
	// A fresh $HOME and $TMPDIR for the kiosk user: after each login both must be empty again.
	// (Short paths: Chromium's singleton socket lives in $TMPDIR, and a Unix socket path has 107 bytes.)
	w.home, w.tmp = shortTempDir(t), shortTempDir(t)
	t.Setenv("HOME", w.home)
	t.Setenv("TMPDIR", w.tmp)
	return w
}

func shortTempDir(t *testing.T) string {
	d, err := os.MkdirTemp("/tmp", "hkbrowser-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func (w *world) kiosk(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(w.op.Issuer, client.WithAPI(w.backend.URL), client.WithOAuthClient("helsekiosk-native", ""),
		client.WithResource(audience), client.WithLanguage("nn"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// visit is one login on the kiosk: the client's loopback login and the locked browser on its AuthURL,
// with chromedp attached to the login window.
type visit struct {
	login   *client.BrowserLogin
	b       *browser.Browser
	page    context.Context // chromedp, on the login window's page
	browser context.Context // chromedp, the browser (for attaching again)
	ctx     context.Context // the login's ctx
	stop    context.CancelFunc
}

func (w *world) start(t *testing.T, exe string) *visit {
	t.Helper()
	return w.startWith(t, exe, nil)
}

// startWith is start with a policy of the test's (nil: the kiosk's, allowing the test's DevTools driver);
// with policy set, it attaches to no page (v.page is the browser-level context).
func (w *world) startWith(t *testing.T, exe string, policy browser.Policy) *visit {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	l, err := w.kiosk(t).StartBrowserLogin(ctx, client.BrowserLoginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	allow, err := browser.AllowFor(w.op.Issuer, nil, client.DefaultCallbackPath)
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	own := policy != nil
	if policy == nil {
		policy = browser.NewPolicy(allow).AllowRemoteDebugging()
	}
	b, err := browser.Start(ctx, browser.Options{URL: l.AuthURL, Exe: exe, Headless: true, RemoteDebugging: true,
		Zoom: 1.25, Lang: "nn", WindowSize: "1280,900", PrivatePolicy: withPolicy(t, policy), Stderr: &stderr})
	if err != nil {
		t.Fatalf("browser.Start: %v\n%s", err, stderr.String())
	}
	w.mu.Lock()
	w.profiles = append(w.profiles, b.ProfileDir)
	w.mu.Unlock()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chromium's stderr:\n%s", stderr.String())
		}
	})
	t.Cleanup(func() { b.Close() })
	actx, acancel := chromedp.NewRemoteAllocator(ctx, b.DevToolsURL, chromedp.NoModifyURL)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if own {
		return &visit{login: l, b: b, page: bctx, ctx: ctx, stop: cancel}
	}
	pctx := attachPage(t, bctx)
	if err := chromedp.Run(pctx, chromedp.WaitVisible(`#user-ingrid`, chromedp.ByQuery)); err != nil {
		t.Fatalf("the OP's login page: %v", err)
	}
	return &visit{login: l, b: b, page: pctx, ctx: ctx, stop: cancel, browser: bctx}
}

// connect is a new chromedp connection to the visit's browser.
func connect(t *testing.T, v *visit) context.Context {
	t.Helper()
	actx, acancel := chromedp.NewRemoteAllocator(v.ctx, v.b.DevToolsURL, chromedp.NoModifyURL)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// attachPage attaches chromedp to the browser's one page target.
func attachPage(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	var page target.ID
	for deadline := time.Now().Add(time.Minute); page == ""; time.Sleep(100 * time.Millisecond) {
		ts, err := chromedp.Targets(bctx)
		if err != nil {
			t.Fatalf("targets: %v", err) // (chromedp cannot retry a failed connection on the same context)
		}
		for _, ti := range ts {
			if ti.Type == "page" {
				page = ti.TargetID
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no page target")
		}
	}
	pctx, pcancel := chromedp.NewContext(bctx, chromedp.WithTargetID(page))
	t.Cleanup(pcancel)
	return pctx
}

// wait is the kiosk's Wait, then the kiosk closing the browser.
func (v *visit) wait() (*client.Session, error) {
	s, err := v.login.Wait(v.ctx, v.b.Ended())
	if cerr := v.b.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return s, err
}

// clean checks what is left after a login ended: checkGone for the kiosk user's $HOME and $TMPDIR, and no
// Chromium file of this world's browsers in the system temporary directories either (ownLeftovers).
func (w *world) clean(t *testing.T, v *visit) {
	t.Helper()
	checkGone(t, v.b, w.home, w.tmp)
	for _, d := range []string{"/tmp", "/dev/shm", "/var/tmp"} {
		for _, f := range w.ownLeftovers(chromiumFiles(d)) {
			t.Errorf("left behind: %s", f)
		}
	}
}

// ownLeftovers keeps of files those this world's browsers could have made: under its $HOME or $TMPDIR, or
// a profile directory one of its browsers used (wherever the kiosk made it). go test runs packages in
// parallel, and the browser tests of ui and cmd/helsekiosk make profile directories of the same name in
// /tmp at the same time, under bases of their own: those are not this test's to judge.
func (w *world) ownLeftovers(files []string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, f := range files {
		for _, base := range append([]string{w.home, w.tmp}, w.profiles...) {
			if f == base || strings.HasPrefix(f, base+string(filepath.Separator)) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// checkGone fails unless browser b left nothing: no process of its group and none whose command line
// names its profile, the profile directory gone, and each of dirs empty, with no Chromium file under it.
func checkGone(t *testing.T, b *browser.Browser, dirs ...string) {
	t.Helper()
	if left := browser.GroupProcesses(b.Pgid()); len(left) > 0 {
		t.Errorf("processes of the browser's group left: %v", left)
	}
	if left := processesNaming(b.ProfileDir); len(left) > 0 {
		t.Errorf("processes naming the profile left: %v", left)
	}
	if _, err := os.Stat(b.ProfileDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile dir %s: %v", b.ProfileDir, err)
	}
	for _, d := range dirs {
		if ents, _ := os.ReadDir(d); len(ents) > 0 {
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Errorf("%s is not empty: %v", d, names)
		}
		for _, f := range chromiumFiles(d) {
			t.Errorf("left behind: %s", f)
		}
	}
}

// chromiumFiles finds, under dir (three levels deep), a profile directory of this package or a file or
// directory Chromium keeps a site's data in.
func chromiumFiles(dir string) []string {
	names := map[string]bool{"Cookies": true, "Cookies-journal": true, "Login Data": true, "Web Data": true,
		"History": true, "Local Storage": true, "Session Storage": true, "Cache_Data": true, "Code Cache": true,
		"Network Persistent State": true, "TransportSecurity": true, "DevToolsActivePort": true}
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() && strings.Count(rel, string(filepath.Separator)) >= 3 {
			return filepath.SkipDir
		}
		// Other Chromium tests (the backend's staff page, the UI's login, other runs of this package at the
		// same time) keep their own profiles in private directories under /tmp: there only what is under the
		// test's own directories counts, and a profile directory directly in dir.
		own := strings.HasPrefix(p, os.Getenv("HOME")+string(filepath.Separator)) ||
			strings.HasPrefix(p, os.Getenv("TMPDIR")+string(filepath.Separator))
		if strings.HasPrefix(d.Name(), browser.ProfilePrefix) {
			if own || filepath.Dir(p) == filepath.Clean(dir) {
				out = append(out, p)
			}
			return filepath.SkipDir
		}
		if names[d.Name()] && own {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// processesNaming lists pids whose command line contains s.
func processesNaming(s string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), s) {
			if st, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
				if i := strings.LastIndexByte(string(st), ')'); i > 0 && strings.HasPrefix(strings.TrimSpace(string(st[i+1:])), "Z") {
					continue
				}
			}
			out = append(out, pid)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for Chromium's writer and the test's reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (v *visit) pick(t *testing.T, username string) {
	t.Helper()
	if err := chromedp.Run(v.page, chromedp.Click(`#user-`+username, chromedp.ByQuery)); err != nil {
		t.Fatalf("pick %s: %v", username, err)
	}
}

// TestLoginOnKiosk runs the whole login on the kiosk in headless Chromium against testop: the citizen
// picks Ingrid on the OP's page, the kiosk gets her tokens and the reference backend serves her; every
// other ending returns its error; after each, nothing of the browser is left.
func TestLoginOnKiosk(t *testing.T) {
	exe := chromium(t)
	w := newWorld(t)

	t.Run("ingrid", func(t *testing.T) {
		v := w.start(t, exe)
		var dpr float64
		var lang string
		if err := chromedp.Run(v.page, chromedp.Evaluate(`window.devicePixelRatio`, &dpr),
			chromedp.Evaluate(`navigator.language`, &lang)); err != nil {
			t.Fatal(err)
		}
		if dpr != 1.25 || lang != "nn" {
			t.Errorf("devicePixelRatio %v, language %q: want 1.25 (the text size) and nn", dpr, lang)
		}
		v.pick(t, w.ps.Ingrid.Username)
		s, err := v.login.Wait(v.ctx, v.b.Ended())
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		var done string
		if err := chromedp.Run(v.page, chromedp.Text(`#done`, &done, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		if done != "Innlogginga er ferdig. Vindauget lukkar seg." {
			t.Errorf("the loopback page says %q", done)
		}
		// What the browser wrote while it ran, all inside its temporary directory.
		var files int
		_ = filepath.WalkDir(v.b.ProfileDir, func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files++
			}
			return nil
		})
		if files == 0 {
			t.Error("the profile directory is empty while the browser runs: is it the one Chromium uses?")
		}
		if err := v.b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		t.Logf("the browser had written %d files under %s; after Close it is gone", files, v.b.ProfileDir)
		me, err := s.Me(t.Context())
		if err != nil || me.Citizen.Id != backend.DemoIngrid {
			t.Fatalf("Me: %+v %v", me, err)
		}
		t.Logf("logged in as %s; profile %s removed", me.Citizen.Id, v.b.ProfileDir)
		w.clean(t, v)
	})

	for _, tc := range []struct {
		name   string
		tamper testop.CodeFlowTamper
		act    func(t *testing.T, v *visit)
		want   error
	}{
		{"cancel", testop.CodeFlowTamper{}, func(t *testing.T, v *visit) { v.stop() }, client.ErrBrowserLoginCancelled},
		{"close", testop.CodeFlowTamper{}, func(t *testing.T, v *visit) { v.login.Close() }, client.ErrBrowserLoginCancelled},
		{"wrong state", testop.CodeFlowTamper{State: "forged-state"}, func(t *testing.T, v *visit) { v.pick(t, w.ps.Ingrid.Username) }, client.ErrBrowserLoginState},
		{"wrong nonce", testop.CodeFlowTamper{Nonce: "replayed-nonce"}, func(t *testing.T, v *visit) { v.pick(t, w.ps.Ingrid.Username) }, client.ErrBrowserLoginNonce},
		{"minid", testop.CodeFlowTamper{}, func(t *testing.T, v *visit) { v.pick(t, w.ps.MinID.Username) }, client.ErrBrowserLoginACR},
		{"deny", testop.CodeFlowTamper{}, func(t *testing.T, v *visit) {
			if err := chromedp.Run(v.page, chromedp.Click(`#deny`, chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
		}, client.ErrLoginDenied},
		{"browser closed", testop.CodeFlowTamper{}, func(t *testing.T, v *visit) {
			// As the citizen closing the window would: the browser ends by itself.
			_ = chromedp.Run(v.page, chromedp.ActionFunc(func(ctx context.Context) error {
				return cdpbrowser.Close().Do(ctx)
			}))
		}, client.ErrBrowserEnded},
		{"browser crashed", testop.CodeFlowTamper{}, func(t *testing.T, v *visit) {
			_ = syscall.Kill(v.b.Pgid(), syscall.SIGKILL)
		}, client.ErrBrowserEnded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.op.TamperCodeFlow(tc.tamper)
			defer w.op.TamperCodeFlow(testop.CodeFlowTamper{})
			v := w.start(t, exe)
			tc.act(t, v)
			s, err := v.wait()
			if !errors.Is(err, tc.want) || s != nil {
				t.Errorf("got %v (session %v), want %v", err, s != nil, tc.want)
			}
			t.Logf("%s: %v", tc.name, err)
			w.clean(t, v)
		})
	}
}

// TestLoginWindowPolicy: from the login window, a host outside the allowlist, a new window, the developer
// tools, file:// and chrome:// all fail. Chromium shows its "This page is blocked" interstitial
// (net::ERR_BLOCKED_BY_ADMINISTRATOR, at chrome-error://chromewebdata/) for a blocked URL; on
// chrome://settings, which cannot open in an app window, the browser ends (the login then ends with
// ErrBrowserEnded and everything is cleaned up).
func TestLoginWindowPolicy(t *testing.T) {
	exe := chromium(t)
	w := newWorld(t)
	v := w.start(t, exe)

	try := func(url string) (href, text string, exited bool) { t.Helper(); return try2(t, v, url) }
	blocked := func(url string) {
		t.Helper()
		href, text, exited := try(url)
		if exited {
			t.Fatalf("%s: the browser ended", url)
		}
		if !strings.Contains(text, "ERR_BLOCKED_BY_ADMINISTRATOR") || href != "chrome-error://chromewebdata/" {
			t.Errorf("%s: not blocked: at %s: %.300q", url, href, text)
		}
		t.Logf("%-45s → %s: %.90q", url, href, strings.ReplaceAll(text, "\n", " "))
	}
	for _, url := range []string{w.outside.URL + "/", "http://localhost:" + strings.Split(w.op.Issuer, ":")[2] + "/",
		"file:///etc/passwd", "file:///", "chrome://version", "chrome://policy", "chrome://downloads",
		"devtools://devtools/bundled/inspector.html", "view-source:" + w.op.Issuer + "/.well-known/openid-configuration",
		"data:text/html,<p>data</p>"} {
		blocked(url)
	}

	// The OP's origin is allowed; from there, window.open goes nowhere, with or without a click.
	if href, text, _ := try(w.op.Issuer + "/.well-known/openid-configuration"); !strings.Contains(text, "authorization_endpoint") {
		t.Errorf("the OP's discovery (allowed) at %s: %.200q", href, text)
	}
	var opened1, opened2 bool
	if err := chromedp.Run(v.page,
		chromedp.Evaluate(`window.open(`+"`"+w.outside.URL+"/popup`"+`) !== null`, &opened1),
		chromedp.Evaluate(`window.open(location.origin + "/.well-known/openid-configuration") !== null`, &opened2)); err != nil {
		t.Fatal(err)
	}
	if opened1 || opened2 {
		t.Errorf("window.open without a gesture: opened %v %v", opened1, opened2)
	}
	// With a gesture (a real click): the pop-up blocker lets it through, but the new window's URL is
	// blocked like any other. The button's handler records that it ran and what window.open gave, so the
	// test waits on that event (not on a second of sleep) and cannot pass on a click that never happened.
	if err := chromedp.Run(v.page,
		chromedp.Evaluate(`document.body.innerHTML = '<button id=pop onclick="window.__popped = window.open(\'`+w.outside.URL+`/clicked\') !== null">pop</button>'`, nil),
		chromedp.Click(`#pop`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	// until polls cond every 100 ms; the deadline only bounds a failure.
	until := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within a minute", what)
			}
		}
	}
	var popped string // "true", "false", or "undefined" until the click's handler ran
	until("the button's click handler", func() bool {
		if err := chromedp.Run(v.page, chromedp.Evaluate(`String(window.__popped)`, &popped)); err != nil {
			t.Fatal(err)
		}
		return popped != "undefined"
	})
	if popped == "false" {
		t.Logf("window.open without a gesture: refused (null); with a click: refused (null) too")
	} else {
		// window.open gave a window: its target must come, and show the blocked page.
		var popup target.ID
		until("the clicked pop-up's target", func() bool {
			ts, err := chromedp.Targets(v.page)
			if err != nil {
				t.Fatal(err)
			}
			for _, ti := range ts {
				if ti.Type == "page" && strings.HasSuffix(ti.URL, "/clicked") {
					popup = ti.TargetID
				}
			}
			return popup != ""
		})
		// Chromium names the target by the URL asked for; what it shows is the blocked page.
		pctx, pcancel := chromedp.NewContext(connect(t, v), chromedp.WithTargetID(popup))
		defer pcancel()
		var href, text string
		blockedShown := func() bool {
			_ = chromedp.Run(pctx, chromedp.Evaluate(`location.href`, &href),
				chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &text))
			return href == "chrome-error://chromewebdata/" && strings.Contains(text, "This page is blocked")
		}
		for deadline := time.Now().Add(time.Minute); !blockedShown(); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("the clicked pop-up is at %s: %.200q", href, text)
				break
			}
		}
		t.Logf("window.open without a gesture: refused (null); with a click: a second window, at %s: %.60q", href, text)
	}
	if n := w.visits.Load(); n != 0 {
		t.Errorf("the outside server had %d visits", n)
	}

	if err := v.b.Close(); err != nil {
		t.Error(err)
	}
	w.clean(t, v)

	// chrome://settings and chrome://history cannot open in an app window: Chromium would open a tabbed
	// window for them, which the policy refuses, and the browser ends instead. Each in a browser of its own.
	for _, url := range []string{"chrome://settings", "chrome://history", "chrome://settings/passwords"} {
		v := w.start(t, exe)
		href, text, exited := try2(t, v, url)
		if !exited && (!strings.Contains(text, "ERR_BLOCKED_BY_ADMINISTRATOR") || href != "chrome-error://chromewebdata/") {
			t.Errorf("%s: at %s: %.300q", url, href, text)
		}
		_, err := v.wait()
		t.Logf("%-45s → browser ended %v; the login: %v", url, exited, err)
		if exited && !errors.Is(err, client.ErrBrowserEnded) {
			t.Errorf("after %s: %v, want ErrBrowserEnded", url, err)
		}
		w.clean(t, v)
	}
}

// try2 navigates the login window to url and returns where the page is and what it shows; exited when
// the browser ended on it. The browser either shows the blocked page or ends, in its own time on a loaded
// machine: try2 waits for one of the two (a minute at most; then it returns what the page shows). A
// connection refused meanwhile is the browser going. (Chromium may swap the page's process on such a
// navigation, which ends chromedp's session with it: each look connects afresh.)
func try2(t *testing.T, v *visit, url string) (href, text string, exited bool) {
	t.Helper()
	v.page = attachPage(t, connect(t, v))
	// A mark on the page before: the page after the navigation is a new document, without it.
	_ = chromedp.Run(v.page, chromedp.Evaluate(`window.__hkBefore = true`, nil))
	navErr := chromedp.Run(v.page, chromedp.Navigate(url))
	for deadline := time.Now().Add(time.Minute); ; {
		select {
		case <-v.b.Done():
			return "", "", true
		default:
		}
		var err error
		href, text, err = lookAt(t, v)
		if (err == nil && href == "chrome-error://chromewebdata/") || time.Now().After(deadline) {
			break
		}
		select {
		case <-v.b.Done():
			return "", "", true
		case <-time.After(100 * time.Millisecond):
		}
	}
	if navErr != nil {
		text = navErr.Error() + " | " + text
	}
	return href, text, false
}

// lookAt connects to v's browser afresh and reads where its one page is and what it shows; an error when
// it cannot (the browser going away). (Its contexts end with the test: cancelling one would close the page.)
func lookAt(t *testing.T, v *visit) (href, text string, err error) {
	bctx := connect(t, v)
	ts, err := chromedp.Targets(bctx)
	if err != nil {
		return "", "", err
	}
	var page target.ID
	for _, ti := range ts {
		if ti.Type == "page" {
			page = ti.TargetID
		}
	}
	if page == "" {
		return "", "", errors.New("no page target")
	}
	pctx, pcancel := chromedp.NewContext(bctx, chromedp.WithTargetID(page))
	t.Cleanup(pcancel)
	v.page = pctx
	err = chromedp.Run(pctx, chromedp.Evaluate(`location.href`, &href),
		chromedp.Evaluate(`document.body ? document.body.innerText : ""`, &text))
	return href, text, err
}

// TestLoginWindowNoDevTools: with the kiosk's own policy (DeveloperToolsAvailability 2), not even the
// DevTools protocol may inspect the login page; with RemoteDebuggingAllowed false (the kiosk's), no
// DevTools port opens at all.
func TestLoginWindowNoDevTools(t *testing.T) {
	exe := chromium(t)
	w := newWorld(t)
	allow, _ := browser.AllowFor(w.op.Issuer, nil, client.DefaultCallbackPath)
	p := browser.NewPolicy(allow)
	p["RemoteDebuggingAllowed"] = true // only to attach and be refused
	v := w.startWith(t, exe, p)
	pctx := attachPage(t, v.page)
	err := chromedp.Run(pctx, chromedp.Evaluate(`1`, new(int)))
	if err == nil || !strings.Contains(err.Error(), "Not allowed") {
		t.Errorf("DevTools on the login page: %v, want Not allowed", err)
	}
	t.Logf("DevTools protocol on the login page: %v", err)
	if err := v.b.Close(); err != nil {
		t.Error(err)
	}
	w.clean(t, v)

	// The kiosk's policy as it is: no DevTools port.
	l, err := w.kiosk(t).StartBrowserLogin(t.Context(), client.BrowserLoginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	b, err := browser.Start(ctx, browser.Options{URL: l.AuthURL, Exe: exe, Headless: true, RemoteDebugging: true,
		PrivatePolicy: withPolicy(t, browser.NewPolicy(allow)), StartTimeout: 10 * time.Second})
	if err == nil {
		b.Close()
		t.Fatalf("a DevTools port opened under the kiosk's policy: %s", b.DevToolsURL)
	}
	if !strings.Contains(err.Error(), "no DevTools port") {
		t.Errorf("browser.Start: %v, want no DevTools port", err)
	}
	t.Logf("DevTools port under the kiosk's policy: %v", err)
}

// TestLongTempDir: under a $TMPDIR too deep for Chromium's singleton socket (107 bytes in all), the
// login's directory is made in /tmp instead, and Chromium starts (it stopped with "Socket path too long").
func TestLongTempDir(t *testing.T) {
	exe := chromium(t)
	long := filepath.Join(shortTempDir(t), strings.Repeat("d", 70))
	if err := os.Mkdir(long, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", long)
	b, err := browser.Start(t.Context(), browser.Options{URL: "about:blank", Exe: exe, Headless: true,
		RemoteDebugging: true, StartTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatalf("Chromium did not start under a long TMPDIR: %v", err)
	}
	if !strings.HasPrefix(b.ProfileDir, "/tmp/"+browser.ProfilePrefix) {
		t.Errorf("profile in %s, want /tmp/%s…", b.ProfileDir, browser.ProfilePrefix)
	}
	select {
	case err := <-b.Ended():
		t.Fatalf("the browser ended: %v", err)
	default:
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.ProfileDir); !os.IsNotExist(err) {
		t.Errorf("the profile %s is still there", b.ProfileDir)
	}
}

// TestLeftoverCheckIsThisWorlds shows that clean's check of the system temporary directories can fail: a
// profile directory left under the world's own $TMPDIR, or one of its browsers' profiles left in /tmp, is
// reported; one under another test process's base in /tmp (ui's and cmd/helsekiosk's browser tests run at
// the same time) is not.
func TestLeftoverCheckIsThisWorlds(t *testing.T) {
	w := &world{home: shortTempDir(t), tmp: shortTempDir(t)}
	other := shortTempDir(t) // another process's base, as it would be
	mk := func(parent string) string {
		d, err := os.MkdirTemp(parent, browser.ProfilePrefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	inTmp, inOther := mk(w.tmp), mk(other)
	used := mk("/tmp") // a profile the kiosk made in /tmp (its $TMPDIR too deep), recorded as this world's
	w.profiles = append(w.profiles, used)
	unrecorded := mk("/tmp")
	got := w.ownLeftovers(chromiumFiles("/tmp"))
	for _, want := range []string{inTmp, used} {
		if !slices.Contains(got, want) {
			t.Errorf("the check misses this world's leftover %s: %v", want, got)
		}
	}
	for _, not := range []string{inOther, unrecorded} {
		if slices.Contains(got, not) {
			t.Errorf("the check blames this world for %s: %v", not, got)
		}
	}
}
