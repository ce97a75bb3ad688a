package backend_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
)

// fleetClock is a server clock the test moves on.
type fleetClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fleetClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fleetClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fleetKiosks are three registered kiosk clients, each its own owner.
var fleetKiosks = []struct{ id, secret, name, location string }{
	{"fleet-1", "fleet-1-secret", "Kiosk 1 – Servicetorget", "Rådhuset, 1. etasje"},
	{"fleet-2", "fleet-2-secret", "Kiosk 2 – Legekontoret", "Venterommet"},
	{"fleet-3", "fleet-3-secret", "Kiosk 3 – Biblioteket <b>", "Inngangen"},
}

// fleetServer serves a demo backend with the staff page on a clock the test moves (on PostgreSQL under
// HELSEKIOSK_TEST_DB=postgres), and a client for each of fleetKiosks (with its kiosk token).
func fleetServer(t *testing.T) (*backend.Server, *httptest.Server, *fleetClock, []*client.Client) {
	t.Helper()
	clock := &fleetClock{t: time.Date(2026, 12, 1, 13, 0, 0, 0, time.UTC)}
	var kc []backend.KioskClient
	for _, k := range fleetKiosks {
		kc = append(kc, backend.KioskClient{ClientID: k.id, SecretHash: backend.SHA256SecretHash(k.secret), Name: k.name})
	}
	ts := httptest.NewUnstartedServer(nil)
	cfg := backend.Config{Demo: true, PublicURL: "http://" + ts.Listener.Addr().String(), KioskClients: kc, Now: clock.Now}
	if os.Getenv("HELSEKIOSK_TEST_DB") == "postgres" {
		cfg.DSN = pgtest.DSN(t)
	}
	srv, err := backend.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts.Config.Handler = srv.HandlerWithStaff()
	ts.Start()
	t.Cleanup(ts.Close)
	var cs []*client.Client
	for _, k := range fleetKiosks {
		c, err := client.New(ts.URL, client.WithHTTPClient(fleetHTTP(ts.URL, k.id, k.secret)))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return srv, ts, clock, cs
}

// fleetHTTP is an HTTP client that carries the kiosk token of client id.
func fleetHTTP(base, id, secret string) *http.Client {
	cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: base + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	return cc.Client(context.Background())
}

func heartbeatOf(i int, reachable bool) api.KioskHeartbeat {
	k := fleetKiosks[i]
	return api.KioskHeartbeat{Name: k.name, Location: k.location, Version: "1.4." + string(rune('0'+i)), UptimeSeconds: 3600,
		BackendReachable: reachable, LastErrorCodes: []string{"network", "ops:health_failed"}, Speech: true, TextSize: api.Large}
}

// fleetUp: kiosk 3 reports, then six minutes pass (it has stopped) and kiosks 1 and 2 report.
func fleetUp(t *testing.T, clock *fleetClock, cs []*client.Client) {
	t.Helper()
	if err := cs[2].Heartbeat(context.Background(), heartbeatOf(2, true)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * time.Minute)
	for i := 0; i < 2; i++ {
		if err := cs[i].Heartbeat(context.Background(), heartbeatOf(i, true)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHeartbeatRefusals(t *testing.T) {
	srv, ts, _, _ := fleetServer(t)
	anon, err := client.New(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := anon.Heartbeat(context.Background(), heartbeatOf(0, true)); client.CodeOf(err) != "kiosk_required" {
		t.Errorf("without a kiosk token: %v", err)
	}
	kioskHTTP := fleetHTTP(ts.URL, fleetKiosks[0].id, fleetKiosks[0].secret)
	for name, body := range map[string]string{
		"empty":      ``,
		"no name":    `{"location":"","version":"1","uptimeSeconds":1,"backendReachable":true,"lastErrorCodes":[],"speech":false,"touchKeyboard":false,"textSize":"normal"}`,
		"blank name": `{"name":" ","location":"","version":"1","uptimeSeconds":1,"backendReachable":true,"lastErrorCodes":[],"speech":false,"touchKeyboard":false,"textSize":"normal"}`,
		"bad code":   `{"name":"K","location":"","version":"1","uptimeSeconds":1,"backendReachable":true,"lastErrorCodes":["Ola Nordmann"],"speech":false,"touchKeyboard":false,"textSize":"normal"}`,
		"bad size":   `{"name":"K","location":"","version":"1","uptimeSeconds":1,"backendReachable":true,"lastErrorCodes":[],"speech":false,"touchKeyboard":false,"textSize":"huge"}`,
		"extra":      `{"name":"K","location":"","version":"1","uptimeSeconds":1,"backendReachable":true,"lastErrorCodes":[],"speech":false,"touchKeyboard":false,"textSize":"normal","citizen":"12345678901"}`,
		"too many":   `{"name":"K","location":"","version":"1","uptimeSeconds":1,"backendReachable":true,"lastErrorCodes":["a","a","a","a","a","a","a","a","a","a","a"],"speech":false,"touchKeyboard":false,"textSize":"normal"}`,
		"negative":   `{"name":"K","location":"","version":"1","uptimeSeconds":-1,"backendReachable":true,"lastErrorCodes":[],"speech":false,"touchKeyboard":false,"textSize":"normal"}`,
	} {
		req, _ := http.NewRequest(http.MethodPut, ts.URL+"/v1/kiosk/heartbeat", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := kioskHTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "invalid_request") {
			t.Errorf("%s: %d %s", name, res.StatusCode, b)
		}
	}
	if list, _ := srv.Kiosks(context.Background()); len(list) != 0 {
		t.Errorf("stored after refusals: %+v", list)
	}
}

func TestFleetOnStaffPageAndMetrics(t *testing.T) {
	srv, ts, clock, cs := fleetServer(t)
	fleetUp(t, clock, cs)
	// A second heartbeat replaces the first.
	if err := cs[0].Heartbeat(context.Background(), heartbeatOf(0, true)); err != nil {
		t.Fatal(err)
	}
	list, err := srv.Kiosks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("%d kiosks, want 3: %+v", len(list), list)
	}
	k := list[0]
	if k.Name != fleetKiosks[0].name || k.Location != fleetKiosks[0].location || k.Version != "1.4.0" || !k.Speech ||
		k.TouchKeyboard || k.TextSize != api.Large || strings.Join(k.LastErrorCodes, ",") != "network,ops:health_failed" ||
		!k.LastSeen.Equal(clock.Now()) || !strings.HasSuffix(k.Owner, "fleet-1") {
		t.Errorf("kiosk 1: %+v", k)
	}

	_, _, page := demoStaffLogin(t, ts)
	rows := strings.Split(page, `<tr class="kiosk-row`)[1:]
	if len(rows) != 3 {
		t.Fatalf("%d kiosk rows, want 3:\n%s", len(rows), page)
	}
	// 13:00 UTC is 14:00 in Oslo; kiosk 3 was last seen then, the others at 14:06.
	for i, want := range [][]string{
		{" up", "Kiosk 1 – Servicetorget", "Rådhuset, 1. etasje", "14:06 (0 min sidan", "1.4.0", "i drift"},
		{" up", "Kiosk 2 – Legekontoret", "14:06", "1.4.1", "i drift"},
		{" stopped", "Kiosk 3 – Biblioteket &lt;b&gt;", "14:00 (6 min sidan", "/ 6 min siden", "1.4.2", "stoppa / ikkje sett sidan 14:00", "stoppet / ikke sett siden 14:00"},
	} {
		for _, w := range want {
			if !strings.Contains(rows[i], w) {
				t.Errorf("row %d lacks %q:\n%s", i, w, rows[i])
			}
		}
	}

	scrape := func() string {
		ms := httptest.NewServer(srv.MetricsHandler())
		defer ms.Close()
		res, err := http.Get(ms.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return string(b)
	}
	if m := scrape(); !strings.Contains(m, "\nhelsekiosk_kiosks_seen 2\n") {
		t.Errorf("metrics lack helsekiosk_kiosks_seen 2:\n%s", grepLines(m, "kiosks_seen"))
	}

	// Kiosk 2 loses the backend's health check (but reaches the heartbeat): "ikkje kontakt med tenesta".
	if err := cs[1].Heartbeat(context.Background(), heartbeatOf(1, false)); err != nil {
		t.Fatal(err)
	}
	_, _, page = demoStaffLogin(t, ts)
	if !strings.Contains(page, "ikkje kontakt med tenesta") || !strings.Contains(page, "ikke kontakt med tjenesten") {
		t.Errorf("the unreachable kiosk is not shown so:\n%s", page)
	}
	// Three minutes on: the two are stopped too, and still counted (seen within 5 minutes).
	clock.Advance(3 * time.Minute)
	if m := scrape(); !strings.Contains(m, "\nhelsekiosk_kiosks_seen 2\n") {
		t.Errorf("after 3 minutes: %s", grepLines(m, "kiosks_seen"))
	}
	clock.Advance(3 * time.Minute)
	if m := scrape(); !strings.Contains(m, "\nhelsekiosk_kiosks_seen 0\n") {
		t.Errorf("after 6 minutes: %s", grepLines(m, "kiosks_seen"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestFleetInChromium logs in through the demo staff IdP in headless Chromium and sees the three kiosks, two
// up and one stopped, and saves a screenshot of the page: staff-fleet.png in $HELSEKIOSK_SHOTS (`make
// screenshots` writes docs/screenshots/), otherwise in a temporary directory.
func TestFleetInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	exe := chromiumPath(t)
	_, ts, clock, cs := fleetServer(t)
	fleetUp(t, clock, cs)
	ctx := chromiumContext(t, exe)
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/staff"),
		chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.Click(`#login`, chromedp.ByQuery),
		chromedp.WaitVisible(`#kiosks`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`Array.from(document.querySelectorAll("tr.kiosk-row")).map(r => ({
		cls: r.className, kiosk: r.querySelector(".kiosk").innerText, seen: r.querySelector(".seen").innerText,
		version: r.querySelector(".version").innerText, status: r.querySelector(".status").innerText}))`, &rows)); err != nil {
		t.Fatal(err)
	}
	want := []map[string]string{
		{"cls": "kiosk-row up", "kiosk": "Kiosk 1 – Servicetorget", "seen": "14:06 (0 min sidan / 0 min siden)", "version": "1.4.0", "status": "i drift / i drift"},
		{"cls": "kiosk-row up", "kiosk": "Kiosk 2 – Legekontoret", "seen": "14:06 (0 min sidan / 0 min siden)", "version": "1.4.1", "status": "i drift / i drift"},
		{"cls": "kiosk-row stopped", "kiosk": "Kiosk 3 – Biblioteket <b>", "seen": "14:00 (6 min sidan / 6 min siden)", "version": "1.4.2",
			"status": "stoppa / ikkje sett sidan 14:00 / stoppet / ikke sett siden 14:00"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d kiosk rows, want 3: %v", len(rows), rows)
	}
	for i := range want {
		for k, v := range want[i] {
			if got := strings.Join(strings.Fields(rows[i][k]), " "); got != v {
				t.Errorf("row %d %s: %q, want %q", i, k, got, v)
			}
		}
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("the screenshot is not a PNG (%d bytes)", len(png))
	}
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	out := filepath.Join(dir, "staff-fleet.png")
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", out)
}
