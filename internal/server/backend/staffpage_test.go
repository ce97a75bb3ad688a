package backend_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

// staffServer serves a demo backend with the staff page (and its demo staff IdP), and a kiosk client for
// help requests.
func staffServer(t *testing.T) (*backend.Server, *httptest.Server, *client.Client) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	srv, err := backend.New(backend.Config{Demo: true, PublicURL: "http://" + ts.Listener.Addr().String(), KioskClients: helperKioskClients()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts.Config.Handler = srv.HandlerWithStaff()
	ts.Start()
	t.Cleanup(ts.Close)
	c, err := client.New(ts.URL, client.WithHTTPClient(kioskHTTPClient(ts.URL)))
	if err != nil {
		t.Fatal(err)
	}
	return srv, ts, c
}

func askHelp(t *testing.T, c *client.Client, kiosk, screen string) *api.HelpRequest {
	t.Helper()
	hr, err := c.CreateHelpRequest(context.Background(), client.NewIdempotencyKey(), api.NewHelpRequest{KioskName: kiosk, Screen: screen})
	if err != nil {
		t.Fatal(err)
	}
	return hr
}

func TestStaffPageHTTP(t *testing.T) {
	srv, ts, c := staffServer(t)
	a := askHelp(t, c, "Kiosk <A>", "inbox")
	b := askHelp(t, c, "Kiosk B – Servicetorget", "welcome")
	br, res, page := demoStaffLogin(t, ts)
	noRedirect := &http.Client{Jar: br.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /staff: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csrf := csrfOf(t, page)
	for _, want := range []string{"Kiosk &lt;A&gt;", "Kiosk B – Servicetorget", `http-equiv="refresh"`, a.Id, b.Id} {
		if !strings.Contains(page, want) {
			t.Errorf("staff page lacks %q", want)
		}
	}

	post := func(form url.Values, hdr map[string]string) *http.Response {
		form.Set("csrf", csrf)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/staff/handle", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if r := post(url.Values{"id": {a.Id}}, map[string]string{"Origin": "https://evil.example"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", r.StatusCode)
	}
	if r := post(url.Values{"id": {a.Id}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post (fetch metadata): %d", r.StatusCode)
	}
	if r := post(url.Values{}, nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("post without id: %d", r.StatusCode)
	}
	if r := post(url.Values{"id": {"h-nope"}}, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown id: %d", r.StatusCode)
	}
	if r := post(url.Values{"id": {a.Id}}, map[string]string{"Origin": ts.URL}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/staff" {
		t.Errorf("handle: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if hr, _ := c.HelpRequest(context.Background(), a.Id); hr.Status != api.Handled || hr.HandledAt == nil {
		t.Errorf("after handling: %+v", hr)
	}
	open, _ := srv.HelpRequests(context.Background(), "open")
	if len(open) != 1 || open[0].Id != b.Id {
		t.Errorf("open: %+v", open)
	}
	// The API still answers through the combined handler.
	if _, err := c.Health(context.Background()); err != nil {
		t.Error(err)
	}
}

// demoStaffLogin opens /staff in a fresh cookie-jar client, which the demo staff IdP's login page
// (that says it is a demo) logs in with one click; it returns the client and the staff page.
func demoStaffLogin(t *testing.T, ts *httptest.Server) (*http.Client, *http.Response, string) {
	t.Helper()
	b := browser(t, nil)
	res, err := b.Get(ts.URL + "/staff")
	if err != nil {
		t.Fatal(err)
	}
	login := read(t, res)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Request.URL.String(), ts.URL+"/demo-staff-idp/login?") ||
		!strings.Contains(login, "DEMO") || !strings.Contains(login, backend.DemoStaffUser) {
		t.Fatalf("GET /staff ended at %s (%d), want the demo staff IdP's login page:\n%s", res.Request.URL, res.StatusCode, login)
	}
	m := hiddenID.FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("no auth request id on the demo login page:\n%s", login)
	}
	res, err = b.PostForm(ts.URL+"/demo-staff-idp/login", url.Values{"id": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	page := read(t, res)
	if res.StatusCode != http.StatusOK || res.Request.URL.String() != ts.URL+"/staff" {
		t.Fatalf("after the demo login: %d at %s\n%s", res.StatusCode, res.Request.URL, page)
	}
	return b, res, page
}

// chromiumPath finds Debian's chromium; the test is skipped without it, except under CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (scripts/deps.sh --test installs it)")
	}
	t.Skip("chromium is not installed (scripts/deps.sh --test installs it)")
	return ""
}

// profileDir is a fresh Chromium profile directory. Chromium's helper processes may still be writing to it
// for a moment after the browser is gone, so it is removed with a few tries rather than by t.TempDir (whose
// cleanup fails the test on "directory not empty").
func profileDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "helsekiosk-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20; i++ {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove %s", dir)
	})
	return dir
}

// chromiumContext starts headless Chromium (exe) on a fresh profile, for at most 60 seconds; it ends with
// the test.
func chromiumContext(t *testing.T, exe string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profileDir(t)),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900),
		// On a loaded machine (CI runs every package's race-built tests at once) Chromium can take longer
		// than chromedp's default 20 s to say where its DevTools socket is: wait for it, the test is not
		// about start-up time.
		chromedp.WSURLReadTimeout(2 * time.Minute),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(acancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(tcancel)
	return ctx
}

// TestStaffPageInChromium opens the staff page in headless Chromium: the open requests are listed, a
// request made later shows up by the page's own refresh, and the button marks one handled.
func TestStaffPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	exe := chromiumPath(t)
	old := backend.StaffRefresh
	backend.StaffRefresh = time.Second
	t.Cleanup(func() { backend.StaffRefresh = old })
	srv, ts, c := staffServer(t)
	first := askHelp(t, c, "Kiosk 1 – Servicetorget", "inbox")

	ctx := chromiumContext(t, exe)

	// Not logged in: the demo staff IdP's login page, which says it is a demo; one click logs in.
	var demo string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/staff"),
		chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.Text(`#demo`, &demo, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(demo, "DEMO") {
		t.Errorf("the demo login page says %q", demo)
	}
	var rows int
	if err := chromedp.Run(ctx,
		chromedp.Click(`#login`, chromedp.ByQuery),
		chromedp.WaitVisible(`tr.request`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("tr.request").length`, &rows),
	); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("%d rows, want 1", rows)
	}

	// A second kiosk asks; the page shows it without anyone reloading it.
	second := askHelp(t, c, "Kiosk 2 – Legekontoret", "welcome")
	sel := `tr.request[data-id="` + second.Id + `"]`
	if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
		t.Fatalf("the new request did not appear by refresh: %v", err)
	}
	var kiosk string
	if err := chromedp.Run(ctx, chromedp.Text(sel+` td.kiosk`, &kiosk, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if kiosk != "Kiosk 2 – Legekontoret" {
		t.Errorf("kiosk cell %q", kiosk)
	}

	// Staff take the first one: its row goes, the kiosk sees it handled.
	btn := `tr.request[data-id="` + first.Id + `"] button`
	if err := chromedp.Run(ctx,
		chromedp.Click(btn, chromedp.ByQuery),
		chromedp.WaitNotPresent(`tr.request[data-id="`+first.Id+`"]`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if hr, err := c.HelpRequest(context.Background(), first.Id); err != nil || hr.Status != api.Handled {
		t.Errorf("first after the click: %+v, %v", hr, err)
	}
	if hr, _ := c.HelpRequest(context.Background(), second.Id); hr.Status != api.Open {
		t.Errorf("second: %+v", hr)
	}

	// The last one handled: the page says nobody is waiting.
	if err := chromedp.Run(ctx,
		chromedp.Click(`tr.request[data-id="`+second.Id+`"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#none`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if open, _ := srv.HelpRequests(context.Background(), "open"); len(open) != 0 {
		t.Errorf("open after both: %+v", open)
	}
}
