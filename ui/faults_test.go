package ui

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/faults"
)

const faultThreadID = "t-ingrid-1"

// uiFault is one row of the fault matrix on screen: the message ID the kiosk must show while the fault lasts
// (for a read and for a reply), and how many copies of the reply the backend holds by then.
type uiFault struct {
	fault  faults.Fault
	msg    string // message ID shown; "" = the call succeeds (slowly)
	stored int    // copies stored while the fault lasts
	setup  func(*uiFaultCase)
	heal   func(*uiFaultCase)
}

type uiFaultCase struct {
	t   *testing.T
	env *backendtest.Env
	clk *backendtest.Clock
}

func (c *uiFaultCase) consent(give bool) {
	tok := c.env.Token(c.t, backend.DemoIngrid)
	method, body := http.MethodDelete, any(nil)
	if give {
		method, body = http.MethodPut, api.ConsentGive{TermsVersion: backend.TermsVersion}
	}
	if res, b := c.env.Do(c.t, method, "/v1/consent", tok, body); res.StatusCode != http.StatusOK {
		c.t.Fatalf("consent: %d %s", res.StatusCode, b)
	}
}

func uiFaults() []uiFault {
	return []uiFault{
		{fault: faults.BackendDown, msg: "ErrUnavailable"},
		{fault: faults.ConnRefused, msg: "ErrUnavailable"},
		{fault: faults.Timeout, msg: "ErrUnavailable", stored: 1},
		{fault: faults.Latency, stored: 1},
		{fault: faults.ResetAfterSave, msg: "ErrUnavailable", stored: 1},
		{fault: faults.Status500, msg: "ErrUnavailable"},
		{fault: faults.Status503, msg: "ErrUnavailable"},
		{fault: faults.Status429, msg: "ErrRateLimited"},
		{fault: faults.MalformedJSON, msg: "ErrUnknown", stored: 1},
		// The 403 of a consent withdrawn mid-visit takes the citizen to the consent screen instead of a
		// message: TestFaultConsentWithdrawnUI.
	}
}

// TestFaultConsentWithdrawnUI: the citizen's consent withdrawn in another session while they write a
// reply: "Send" gets 403 consent_required and the kiosk shows the consent screen (not "no access"); nothing
// is stored. After consenting again the draft waits in the thread with its key, and "Send" stores it once.
func TestFaultConsentWithdrawnUI(t *testing.T) {
	h, env, _, clk := faultKiosk(t, "403")
	c := &uiFaultCase{t: t, env: env, clk: clk}
	limit := 20 * time.Second
	th := openThread(h, limit)
	if th.t == nil {
		t.Fatal("the thread did not load")
	}
	draft := "Svar frå kiosken etter at samtykket vart trekt: eg er heime etter klokka 12."
	test.Type(th.reply, draft)
	c.consent(false)
	tapFast(h, h.k.tr("Send"))
	waitResponsive(h, "the consent screen", limit, func() bool { _, ok := h.k.cur.(*consent); return ok })
	if h.containsText(h.k.tr("ErrForbidden")) {
		t.Error("«no access» shown for a withdrawn consent")
	}
	if got := storedCopies(t, env, draft); got != 0 {
		t.Errorf("stored %d copies without consent", got)
	}
	tapFast(h, h.k.tr("ConsentAccept"))
	waitResponsive(h, "home", limit, func() bool { _, ok := h.k.cur.(*home); return ok })
	th = openThread(h, limit)
	if th.reply.Text != draft {
		t.Fatalf("the draft is gone after consenting again: %q", th.reply.Text)
	}
	tapFast(h, h.k.tr("Send"))
	waitResponsive(h, "the reply to arrive", limit, func() bool { return h.hasText(h.k.tr("ReplySent")) })
	if got := storedCopies(t, env, draft); got != 1 {
		t.Errorf("the backend holds %d copies of the reply, want exactly 1", got)
	}
}

// netOnUI is the kiosk's transport in the fault tests: it records every request made on the UI goroutine
// (the test goroutine, where the harness applies the kiosk's events). A handler that waited on the network
// would freeze the UI for as long as the fault lasts; here it is caught as the event itself, however fast
// or slow the machine, instead of by timing the UI goroutine against a threshold.
type netOnUI struct {
	base http.RoundTripper
	ui   int64 // the UI goroutine's id
	mu   sync.Mutex
	seen []string
}

func (n *netOnUI) RoundTrip(r *http.Request) (*http.Response, error) {
	if goroutineID() == n.ui {
		n.mu.Lock()
		n.seen = append(n.seen, r.Method+" "+r.URL.Path)
		n.mu.Unlock()
	}
	return n.base.RoundTrip(r)
}

// check fails the test for the requests made on the UI goroutine since the last check.
func (n *netOnUI) check(t *testing.T, what string) {
	t.Helper()
	n.mu.Lock()
	seen := n.seen
	n.seen = nil
	n.mu.Unlock()
	if len(seen) > 0 {
		t.Errorf("the UI goroutine waited on the network (%v) while %s", seen, what)
	}
}

// goroutineID is the current goroutine's id, from the first line of its stack ("goroutine 7 [running]:").
func goroutineID() int64 {
	var buf [64]byte
	f := strings.Fields(string(buf[:runtime.Stack(buf[:], false)]))
	id, _ := strconv.ParseInt(f[1], 10, 64)
	return id
}

// waitResponsive processes the kiosk's events until cond holds, failing if applying them made a request on
// the UI goroutine (a frozen UI) or cond never holds.
func waitResponsive(h *harness, what string, limit time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		h.process()
		h.onUI.check(h.t, "waiting for "+what)
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; the window shows:\n%s", what, strings.Join(h.texts(true), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tapFast taps a button and fails if the tap handler made a request on the UI goroutine.
func tapFast(h *harness, label string) {
	h.t.Helper()
	h.tap(label)
	h.onUI.check(h.t, "tapping «"+label+"»")
}

func storedCopies(t *testing.T, env *backendtest.Env, body string) int {
	t.Helper()
	var n int
	if err := env.Server.DB().QueryRow(`SELECT COUNT(*) FROM messages WHERE thread_id = ? AND body = ?`, faultThreadID, body).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// faultKiosk logs Ingrid in on a kiosk whose client talks to the backend through the fault network, with
// short timeouts so that a test does not wait 15 s per attempt.
func faultKiosk(t *testing.T, f faults.Fault) (*harness, *backendtest.Env, *faults.Net, *backendtest.Clock) {
	t.Helper()
	clk := backendtest.NewClock(time.Now())
	env := backendtest.New(t, backendtest.WithClock(clk))
	n := faults.New(t, env.URL)
	h := newHarness(t, config.Config{API: n.URL, Lang: "nn"})
	timeout := 3 * time.Second
	if f == faults.Latency {
		timeout = 3 * faults.LatencyMS * time.Millisecond
	}
	h.onUI = &netOnUI{base: http.DefaultTransport, ui: goroutineID()}
	c, err := client.New(n.URL, client.WithTimeout(timeout), client.WithRetries(2, 10*time.Millisecond, 2*time.Second),
		client.WithHTTPClient(&http.Client{Transport: h.onUI}))
	if err != nil {
		t.Fatal(err)
	}
	h.k.client = c
	logIn(t, h, env, backend.DemoIngrid)
	h.waitFor("home", func() bool { _, ok := h.k.cur.(*home); return ok })
	return h, env, n, clk
}

// openThread shows the fault thread and waits until it has loaded or shows why not.
func openThread(h *harness, limit time.Duration) *thread {
	h.t.Helper()
	th := newThread(h.k, h.k.sess, faultThreadID)
	h.k.show(th)
	waitResponsive(h, "the thread to load or fail", limit, func() bool {
		return th.t != nil || (th.status.Visible() && th.status.Text != h.k.tr("Loading"))
	})
	return th
}

// TestFaultMatrixUI runs every fault between the kiosk and the real backend while the citizen opens a thread
// and sends a reply: a translated message on screen, no frozen UI, the typed reply kept, and once the fault
// is gone, "Send" again stores the reply exactly once.
func TestFaultMatrixUI(t *testing.T) {
	for _, uf := range uiFaults() {
		t.Run(string(uf.fault), func(t *testing.T) {
			h, env, n, clk := faultKiosk(t, uf.fault)
			c := &uiFaultCase{t: t, env: env, clk: clk}
			limit := 20 * time.Second
			breakIt := func() {
				if uf.setup != nil {
					uf.setup(c)
				} else {
					n.Set(uf.fault, nil, 0)
				}
			}
			healIt := func() {
				if uf.heal != nil {
					uf.heal(c)
				}
				n.Heal()
			}

			// Reading under the fault.
			breakIt()
			th := openThread(h, limit)
			if uf.msg == "" {
				if th.t == nil {
					t.Fatalf("the thread did not load: %q", th.status.Text)
				}
			} else if !h.hasText(h.k.tr(uf.msg)) {
				t.Errorf("opening a thread: want %q on screen; it shows:\n%s", h.k.tr(uf.msg), strings.Join(h.texts(false), "\n"))
			}
			healIt()
			th = openThread(h, limit)
			if th.t == nil {
				t.Fatalf("after healing the thread did not load: %q", th.status.Text)
			}

			// Replying under the fault.
			draft := "Svar frå kiosken under «" + string(uf.fault) + "»: eg er heime etter klokka 12."
			test.Type(th.reply, draft)
			breakIt()
			tapFast(h, h.k.tr("Send"))
			if uf.msg == "" {
				waitResponsive(h, "«Sender …»", limit, func() bool { return h.hasText(h.k.tr("Sending")) })
				waitResponsive(h, "the reply to arrive", limit, func() bool { return h.hasText(h.k.tr("ReplySent")) })
			} else {
				waitResponsive(h, "the failure", limit, func() bool { return th.errText.Visible() })
				want := h.k.tr("ReplyFailed") + " " + h.k.tr(uf.msg)
				if th.errText.Text != want {
					t.Errorf("the reply failure reads %q, want %q", th.errText.Text, want)
				}
				if th.reply.Text != draft || th.reply.Disabled() || th.send.Disabled() {
					t.Errorf("after the failure the reply box holds %q (disabled %v, send disabled %v), want the draft, editable",
						th.reply.Text, th.reply.Disabled(), th.send.Disabled())
				}
			}
			if got := storedCopies(t, env, draft); got != uf.stored {
				t.Errorf("while the fault lasted the backend stored %d copies, want %d", got, uf.stored)
			}
			healIt()
			if uf.msg != "" {
				tapFast(h, h.k.tr("Send"))
				waitResponsive(h, "the reply to arrive", limit, func() bool { return h.hasText(h.k.tr("ReplySent")) })
			}
			if got := storedCopies(t, env, draft); got != 1 {
				t.Errorf("the backend holds %d copies of the reply, want exactly 1", got)
			}
			shown := 0
			for _, o := range h.objects(false) {
				if l, ok := o.(*widget.Label); ok && l.Text == draft {
					shown++
				}
			}
			if shown != 1 || th.reply.Text != "" {
				t.Errorf("the reply shows %d times in the thread, the reply box holds %q", shown, th.reply.Text)
			}
		})
	}
}

// TestFaultExpiredTokenUI: a 401 (the login expired at the backend: the access token and, past its 8 hours,
// the refresh token too, so the kiosk's one refresh is refused) logs the citizen out with a translated
// notice. The typed reply is deliberately not kept: after a logout no personal text may remain on a shared
// screen, which outranks keeping the draft. Nothing is stored.
func TestFaultExpiredTokenUI(t *testing.T) {
	h, env, _, clk := faultKiosk(t, "401")
	th := openThread(h, 20*time.Second)
	if th.t == nil {
		t.Fatal("the thread did not load")
	}
	draft := "Dette utkastet skal ikkje bli ståande på skjermen."
	test.Type(th.reply, draft)
	clk.Advance(9 * time.Hour) // past the access token's 5 minutes and the refresh token's 8 hours
	tapFast(h, h.k.tr("Send"))
	waitResponsive(h, "the logout notice", 20*time.Second, func() bool { return h.hasText(h.k.tr("NoticeLoggedOut")) })
	if h.k.sess != nil {
		t.Error("the session survived the 401")
	}
	for _, s := range h.texts(true) {
		if strings.Contains(s, draft) || strings.Contains(s, "Ingrid") {
			t.Errorf("after the 401 the window still holds %q", s)
		}
	}
	if got := storedCopies(t, env, draft); got != 0 {
		t.Errorf("the backend stored %d copies", got)
	}

	// Reading with an expired token: the same.
	clk.Advance(-9 * time.Hour)
	logIn(t, h, env, backend.DemoIngrid)
	h.waitFor("home", func() bool { _, ok := h.k.cur.(*home); return ok })
	clk.Advance(9 * time.Hour)
	h.k.show(newThread(h.k, h.k.sess, faultThreadID))
	waitResponsive(h, "the logout notice", 20*time.Second, func() bool { return h.hasText(h.k.tr("NoticeLoggedOut")) })
}
