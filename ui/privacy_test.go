package ui

import (
	"bytes"
	"log"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// tokenSpy records every bearer token the kiosk sends, so a test can search for them where they must not be.
type tokenSpy struct {
	mu     sync.Mutex
	tokens map[string]bool
}

func (s *tokenSpy) RoundTrip(r *http.Request) (*http.Response, error) {
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		s.mu.Lock()
		s.tokens[strings.TrimPrefix(a, "Bearer ")] = true
		s.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (s *tokenSpy) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for t := range s.tokens {
		out = append(out, t)
	}
	return out
}

// firstEntry is the first visible text entry on screen.
func (h *harness) firstEntry() *widget.Entry {
	for _, o := range h.objects(false) {
		if e, ok := o.(*widget.Entry); ok {
			return e
		}
		if e, ok := o.(*widgets.Entry); ok {
			return &e.Entry
		}
	}
	h.t.Fatalf("no text entry on screen: %q", h.texts(false))
	return nil
}

// TestIdleTimeoutLeavesNothing drives a whole session on the real backend – login, choose whom it is about,
// open a thread, type a draft – walks away, lets the idle timeout fire, and then searches the whole widget
// tree (hidden widgets and overlays too), the clipboard and the log for anything of the citizen's.
func TestIdleTimeoutLeavesNothing(t *testing.T) {
	var logs bytes.Buffer
	// slog.SetDefault also redirects the log package (its writer and flags): keep all three to restore.
	oldLog, oldWriter, oldFlags, oldPrefix := slog.Default(), log.Writer(), log.Flags(), log.Prefix()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.SetOutput(&logs) // Fyne's own errors go through the log package
	t.Cleanup(func() {
		slog.SetDefault(oldLog)
		log.SetOutput(oldWriter)
		log.SetFlags(oldFlags)
		log.SetPrefix(oldPrefix)
	})

	env := backendtest.New(t)
	spy := &tokenSpy{tokens: map[string]bool{}}
	clk := &testClock{t: time.Now()}
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nb", IdleTimeout: 8 * time.Second, IdleWarning: 3 * time.Second},
		WithHTTPClient(&http.Client{Transport: spy}), withClock(clk))
	logIn(t, h, env, "p-kari")
	h.waitForText("Hvem gjelder det?")
	h.tap("Ingrid Haugen – fullmakt")
	h.tapWhenReady("Meldinger")
	h.waitFor("the inbox", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	in := h.k.cur.(*inbox)
	subject := in.threads[0].Subject
	in.list.Select(0)
	h.waitFor("the thread", func() bool { th, ok := h.k.cur.(*thread); return ok && th.t != nil && len(th.t.Messages) > 0 })
	body := h.k.cur.(*thread).t.Messages[0].Body
	const draft = "Utkast: mamma har vondt i hofta igjen"
	entry := h.firstEntry()
	test.Type(entry, draft)
	h.k.app.Clipboard().SetContent(draft) // as if the citizen had copied it
	if !h.containsText("Ingrid Haugen") || !h.hasText(draft) {
		t.Fatalf("the session does not show what the test looks for: %q", h.texts(false))
	}

	// Walk away: the warning comes, then the logout.
	h.advanceUntil(clk, idleTick, 8*time.Second, "idle logout", func() bool {
		return h.hasText("Du ble logget ut fordi ingen brukte skjermen på en stund.")
	})
	h.process()
	if h.k.sess != nil {
		t.Error("session state survives the idle logout")
	}
	if got := h.k.app.Clipboard().Content(); got != "" {
		t.Errorf("clipboard still holds %q", got)
	}
	if h.k.Lang() != "nb" {
		t.Errorf("welcome in %q, want the kiosk's default nb", h.k.Lang())
	}
	secrets := []string{"Kari", "Ingrid", "Haugen", subject, body, draft}
	for _, p := range backend.DemoPersons() {
		if p.ID == "p-kari" || p.ID == "p-ingrid" {
			secrets = append(secrets, p.NationalID, p.Phone, p.Email)
		}
	}
	for _, s := range h.texts(true) {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("after the idle logout the window holds %q (in %q)", secret, s)
			}
		}
	}
	tokens := spy.list()
	if len(tokens) == 0 {
		t.Fatal("the spy saw no token: the test is not watching the right client")
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the test would not see a leak")
	}
	for _, secret := range append(tokens, secrets...) {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	// And the token is dead at the backend: revoked in the background at logout.
	h.waitFor("the token revoked", func() bool {
		resp, _ := env.Do(t, http.MethodGet, "/v1/me", tokens[0], nil)
		return resp.StatusCode == http.StatusUnauthorized
	})
}

// TestInputElsewhereKeepsTheSession: input the display reports (a finger scrolling, the mouse) counts as
// activity, and stopping it lets the timeout come.
func TestInputElsewhereKeepsTheSession(t *testing.T) {
	env := backendtest.New(t)
	clk := &testClock{t: time.Now()}
	display := newDisplayInput(clk)
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", IdleTimeout: 5 * time.Second, IdleWarning: 3 * time.Second},
		WithInputIdle(display.idle), withClock(clk))
	logIn(t, h, env, "p-ingrid")
	h.waitForText("Meldingar")
	// Keep "moving the mouse" for longer than the timeout: no warning, no logout.
	for moved := time.Duration(0); moved < 6*time.Second; moved += idleTick { // longer than the timeout
		display.input()
		clk.Advance(idleTick)
		h.settle()
		if h.containsText("Er du her framleis?") || h.k.sess == nil {
			t.Fatal("warned or logged out while the display saw input")
		}
	}
	h.advanceUntil(clk, idleTick, 2*time.Second+idleTick, "warning", func() bool { return h.containsText("Er du her framleis?") })
	h.advanceUntil(clk, idleTick, 3*time.Second, "idle logout", func() bool {
		return h.hasText("Du vart logga ut fordi ingen brukte skjermen på ei stund.")
	})
}
