package backend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

// axeVersion is the pinned axe-core (npm) the staff pages are checked with.
const axeVersion = "4.14.1"

// axeSource is axe.min.js, installed once with npm into a cache directory outside the repository
// ($AXE_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/helsekiosk/axe-core-VERSION). Without npm the test
// is skipped, except under CI=true.
func axeSource(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("AXE_CACHE")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, _ := os.UserHomeDir()
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "helsekiosk", "axe-core-"+axeVersion)
	}
	js := filepath.Join(cache, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(js); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("npm is not installed (scripts/deps.sh --test installs it)")
			}
			t.Skip("npm is not installed")
		}
		if err := os.MkdirAll(cache, 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(npm, "install", "--prefix", cache, "--no-audit", "--no-fund", "--loglevel=error", "axe-core@"+axeVersion).CombinedOutput()
		if err != nil {
			t.Fatalf("npm install axe-core@%s: %v\n%s", axeVersion, err, out)
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type axeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes int `json:"passes"`
}

// runAxe injects axe-core into the page and runs it with the WCAG 2.0/2.1 A and AA rules and the
// best-practice ones.
func runAxe(ctx context.Context, t *testing.T, src string) axeResult {
	t.Helper()
	var raw string
	script := `(async () => {
		const r = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}});
		return JSON.stringify({violations: r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => ({target: n.target, html: n.html}))})), passes: r.passes.length});
	})()`
	if err := chromedp.Run(ctx,
		chromedp.Evaluate(src, nil),
		chromedp.Evaluate(script, &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	); err != nil {
		t.Fatalf("axe: %v", err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("axe result: %v\n%s", err, raw)
	}
	return res
}

// TestStaffPagesInChromium opens every staff page in headless Chromium as the planner (who sees both
// services and may plan), in nynorsk and bokmål chosen on the page, runs axe-core on each (0 violations
// wanted), answers a thread through the form, and saves screenshots of the inbox, a thread, the tasks and
// the week plan (staff-*.png in $HELSEKIOSK_SHOTS, else a temporary directory).
func TestStaffPagesInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	exe := chromiumPath(t)
	axe := axeSource(t)
	srv, ts := staffWorkServer(t, nil)
	citizenRequests(t, srv, ts)
	ctx := chromiumContext(t, exe)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(ts.URL+"/staff/inbox"),
		chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.Click(`#login`, chromedp.ByQuery),
		chromedp.WaitVisible(`#logout`, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	pages := []struct{ name, path, wait string }{
		{"inbox", "/staff/inbox?service=" + backend.ServiceHomeNursing, "#threads"},
		{"thread", "/staff/threads/t-ingrid-2", "#reply-body"},
		{"tasks", "/staff/tasks", ".task"},
		{"plan", "/staff/plan?service=" + backend.ServiceHomeNursing, "#plan-days"},
		{"day", "/staff/plan?view=day&service=" + backend.ServicePracticalHelp, "#plan-days"},
		{"person", "/staff/persons/" + backend.DemoIngrid, "#hide-name"},
		{"visit", "/staff/visits/a-ingrid-hn-p1", "#cancel-visit"},
		{"notfound", "/staff/threads/t-kari-1", "#error"},
		{"help", "/staff", "#kiosks, #no-kiosks"},
	}
	shots := map[string]bool{"inbox": true, "thread": true, "tasks": true, "plan": true}
	total := 0
	for _, lang := range []string{"nn", "nb"} {
		// The language is chosen on the page and kept in the session. The form's answer is a navigation:
		// RunResponse waits for it to finish (a language the old page may already have proves nothing).
		if err := chromedp.Run(ctx,
			chromedp.Navigate(ts.URL+"/staff/inbox"),
			chromedp.WaitVisible(`button[name="lang"][value="`+lang+`"]`, chromedp.ByQuery),
		); err != nil {
			t.Fatalf("choosing %s: %v", lang, err)
		}
		resp, err := chromedp.RunResponse(ctx, chromedp.Click(`button[name="lang"][value="`+lang+`"]`, chromedp.ByQuery))
		if err != nil || resp == nil || resp.Status != 200 {
			t.Fatalf("choosing %s: %v %v", lang, resp, err)
		}
		if err := chromedp.Run(ctx, chromedp.WaitVisible(`html[lang="`+lang+`"] #threads`, chromedp.ByQuery)); err != nil {
			t.Fatalf("choosing %s: %v", lang, err)
		}
		for _, p := range pages {
			if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+p.path), chromedp.WaitVisible(p.wait, chromedp.ByQuery)); err != nil {
				t.Fatalf("%s (%s): %v", p.name, lang, err)
			}
			if p.name != "help" {
				var htmlLang string
				if err := chromedp.Run(ctx, chromedp.Evaluate(`document.documentElement.lang`, &htmlLang)); err != nil || htmlLang != lang {
					t.Errorf("%s: html lang %q, want %q", p.name, htmlLang, lang)
				}
			}
			res := runAxe(ctx, t, axe)
			t.Logf("axe %s %-8s %s: %d violations, %d rules passed", lang, p.name, p.path, len(res.Violations), res.Passes)
			total += len(res.Violations)
			for _, v := range res.Violations {
				var where []string
				for _, n := range v.Nodes {
					where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
				}
				t.Errorf("axe %s %s: %s (%s): %s", lang, p.name, v.ID, v.Help, strings.Join(where, "; "))
			}
			if shots[p.name] {
				var png []byte
				if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(png, []byte("\x89PNG")) {
					t.Fatalf("%s: not a PNG", p.name)
				}
				out := filepath.Join(dir, "staff-"+p.name+"-"+lang+".png")
				if err := os.WriteFile(out, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Logf("axe: %d violations on %d pages × 2 languages; screenshots in %s", total, len(pages), dir)

	// The reply form works in the browser, keyboard only: focus the box, type, Enter on the button.
	var note string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/staff/threads/t-ingrid-2"),
		chromedp.WaitVisible(`#reply-body`, chromedp.ByQuery),
		chromedp.Focus(`#reply-body`, chromedp.ByQuery),
		chromedp.SendKeys(`#reply-body`, "Vi kjem klokka ti på fredag.", chromedp.ByQuery),
		chromedp.Focus(`#send-reply`, chromedp.ByQuery),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`#due.muted`, chromedp.ByQuery),
		chromedp.Text(`#live-status`, &note, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if note != "Svaret er sendt." {
		t.Errorf("after the reply the status says %q", note)
	}
}

// citizenRequests has Ingrid ask to cancel one visit and move another through the API, so the tasks page
// has both kinds.
func citizenRequests(t *testing.T, srv *backend.Server, ts *httptest.Server) {
	t.Helper()
	tok, err := srv.MintTestToken(context.Background(), backend.DemoIngrid)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, time.December, 4, 13, 0, 0, 0, staffNow.Location()) // a proposed time after lunch
	for i, c := range []struct{ path, body string }{
		{"/v1/persons/p-ingrid/appointments/a-ingrid-hn-p9/cancellation", `{"reason":"hospital","comment":"Operasjon"}`},
		{"/v1/persons/p-ingrid/appointments/a-ingrid-hn-p10/change-request", fmt.Sprintf(`{"proposedTimes":[{"start":%q,"end":%q}],"comment":"Helst etter lunsj"}`,
			start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))},
	} {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("staff-test-request-%d", i))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := read(t, res); res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", c.path, res.StatusCode, body)
		}
	}
}
