package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// ungroupCode turns the code as shown ("WDJB – MJHT") back into what the phone types.
func ungroupCode(shown string) string {
	if strings.Contains(shown, " – ") {
		return strings.ReplaceAll(shown, " – ", "-")
	}
	return strings.ReplaceAll(shown, " ", "")
}

// logIn taps Logg inn, reads the user code the screen shows and approves it as personID, as the phone does.
func logIn(t *testing.T, h *harness, env *backendtest.Env, personID string) {
	t.Helper()
	h.tap(h.k.tr("Login"))
	var shown string
	h.waitFor("the user code", func() bool {
		s, ok := h.k.cur.(*login)
		if ok && s.code.Visible() && s.codeBox.Visible() && s.code.Text != "" {
			shown = s.code.Text
			return true
		}
		return false
	})
	if s := h.k.cur.(*login); s.qr.Resource == nil || s.timeLeft.Text == "" || s.url.Text == "" {
		t.Errorf("login screen lacks the QR code, the time left or the URL: %q", h.texts(false))
	}
	env.Approve(t, ungroupCode(shown), personID)
}

func TestIngridReadsAndRepliesThenLogsOut(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")

	h.waitFor("home with the unread count", func() bool { return h.containsText("ulesne meldingar") || h.containsText("ulesen melding") })
	if !h.containsText("Ingrid Haugen") {
		t.Error("home does not say who is logged in")
	}
	for _, tile := range []string{"Meldingar", "Avtalar", "Varsel", "Hjelp"} {
		if !h.hasText(tile) {
			t.Errorf("home lacks the %s tile", tile)
		}
	}
	if h.containsText("Du handlar på vegner av") {
		t.Error("acting-for banner shown when acting for oneself")
	}

	h.tap("Meldingar")
	h.waitForText("Besøk fredag")
	if !h.containsText("Ny dosett frå apoteket") {
		t.Errorf("inbox lacks a thread subject: %q", h.texts(false))
	}
	in := h.k.cur.(*inbox)
	idx := -1
	for i, th := range in.threads {
		if th.Subject == "Besøk fredag" {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatal("thread not in the list")
	}
	in.list.Select(idx)

	h.waitFor("the thread", func() bool {
		s, ok := h.k.cur.(*thread)
		return ok && s.t != nil && !s.send.Disabled()
	})
	th := h.k.cur.(*thread)
	if !h.hasText("Besøk fredag") || len(th.t.Messages) == 0 || !h.hasText(th.t.Messages[0].Body) {
		t.Errorf("thread does not show its subject and messages: %q", h.texts(false))
	}
	const reply = "Takk, det passar fint. *Ikkje* markdown: <b>rein tekst</b>"
	test.Type(th.reply, reply)
	h.tap("Send")
	h.waitForText("Meldinga er send.")
	if !h.hasText(reply) {
		t.Errorf("the reply is not shown exactly as sent: %q", h.texts(false))
	}
	if th.reply.Text != "" {
		t.Errorf("reply box not emptied: %q", th.reply.Text)
	}

	h.tap("Logg ut")
	h.waitForText("Logg inn")
	if h.k.sess != nil {
		t.Error("session state survives logout")
	}
	h.process()
	for _, s := range h.texts(true) {
		for _, secret := range []string{"Ingrid", reply, "Besøk fredag", "Ny dosett"} {
			if strings.Contains(s, secret) {
				t.Errorf("after logout the window still holds %q (in %q)", secret, s)
			}
		}
	}
}

func TestConsentForPer(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nb"})
	logIn(t, h, env, "p-per")
	h.tapWhenReady("Jeg samtykker")
	h.waitFor("home", func() bool { return h.hasText("Meldinger") && h.hasText("Avtaler") })
	if !h.containsText("uleste meldinger") && !h.containsText("ulest melding") && !h.hasText("Ingen uleste meldinger") {
		h.waitFor("the unread count", func() bool { return h.containsText("ulest") })
	}
}

func TestConsentDeclinedLogsOut(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-per")
	h.tapWhenReady("Ikkje no")
	h.waitForText("Logg inn")
	if h.k.sess != nil || h.containsText("Per Olsen") {
		t.Error("declining consent did not log out")
	}
}

func TestKariActingForIngrid(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn", Demo: true})
	logIn(t, h, env, "p-kari")
	h.waitForText("Kven gjeld det?")
	h.tap("Ingrid Haugen – fullmakt")
	h.waitForText("Du handlar på vegner av Ingrid Haugen")
	if !h.hasText("DEMO – testdata, ikkje ekte personar") {
		t.Error("no DEMO banner after login in demo mode")
	}
	for _, tile := range []string{"Meldingar", "Avtalar", "Hjelp"} {
		if !h.hasText(tile) {
			t.Errorf("home lacks the %s tile", tile)
		}
	}
	if h.hasText("Varsel") {
		t.Error("the settings tile is shown, but the fullmakt does not cover settings")
	}

	h.tap("Avtalar")
	h.waitFor("appointments", func() bool {
		a, ok := h.k.cur.(*appointments)
		return ok && len(a.list.Objects) > 0 || h.hasText("Ingen avtalar dei neste tre vekene.")
	})
	if !h.hasText("Du handlar på vegner av Ingrid Haugen") {
		t.Error("the acting-for banner is not on every screen")
	}

	// Back to her own errands: the banner goes, the settings tile comes.
	h.tap("Heim")
	h.tapWhenReady("Byt person")
	h.waitForText("Kven gjeld det?")
	h.tap("Kari Haugen – deg sjølv")
	h.waitForText("Varsel")
	if h.containsText("Du handlar på vegner av") {
		t.Error("acting-for banner shown when acting for oneself")
	}
}

func TestIdleWarningThenLogout(t *testing.T) {
	env := backendtest.New(t)
	clk := &testClock{t: time.Now()}
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", IdleTimeout: 6 * time.Second, IdleWarning: 4 * time.Second},
		withClock(clk))
	logIn(t, h, env, "p-ingrid")
	h.waitForText("Meldingar")
	if h.hasText("Er du her framleis?") {
		t.Fatal("warned before any time passed")
	}
	h.advanceUntil(clk, idleTick, 2*time.Second, "warning", func() bool { return h.hasText("Er du her framleis?") })
	h.tap("Eg er her")
	if h.hasText("Er du her framleis?") {
		t.Fatal("the warning stays after «Eg er her»")
	}
	h.advanceUntil(clk, idleTick, 2*time.Second, "second warning", func() bool { return h.hasText("Er du her framleis?") })
	h.advanceUntil(clk, idleTick, 4*time.Second, "idle logout", func() bool {
		return h.hasText("Du vart logga ut fordi ingen brukte skjermen på ei stund.")
	})
	if h.k.sess != nil || h.containsText("Ingrid") {
		t.Error("idle logout left the session or her name")
	}
}

func TestInboxPagesAsTheListNearsItsEnd(t *testing.T) {
	old := inboxPageSize
	inboxPageSize = 2
	t.Cleanup(func() { inboxPageSize = old })
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "en"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Messages")
	h.waitFor("every page", func() bool {
		in, ok := h.k.cur.(*inbox)
		if !ok {
			return false
		}
		in.list.ScrollToBottom()
		return len(in.threads) >= 6 && !in.more
	})
	seen := map[string]bool{}
	for _, th := range h.k.cur.(*inbox).threads {
		if seen[th.Id] {
			t.Errorf("thread %s listed twice", th.Id)
		}
		seen[th.Id] = true
	}
}

func TestLoginDeniedOffersTryAgain(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nb"})
	h.tap("Logg inn")
	h.waitFor("the user code", func() bool { s, ok := h.k.cur.(*login); return ok && s.current != nil })
	env.Deny(t, h.k.cur.(*login).current.UserCode)
	h.waitForText("Innloggingen ble avbrutt på telefonen.")
	h.tapWhenReady("Prøv igjen")
	h.waitFor("a new code", func() bool { s, ok := h.k.cur.(*login); return ok && s.current != nil })
}

func TestReplyFailureKeepsTextAndKey(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Meldingar")
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	h.k.cur.(*inbox).list.Select(0)
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	th := h.k.cur.(*thread)

	// Too long: refused before sending.
	th.reply.SetText(strings.Repeat("a", maxReply+1))
	h.tap("Send")
	h.waitFor("the too-long message", func() bool { return h.containsText("Meldinga er for lang") })
	if th.draftKey() != "" {
		t.Error("a draft key was made for a reply never sent")
	}

	// The network fails: the text and the draft's key stay.
	real := h.k.sess.api
	dead, err := client.New("http://127.0.0.1:1", client.WithRetries(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	h.k.sess.api = dead.NewSession(&oauth2.Token{AccessToken: "x"})
	const reply = "Eg kjem heim klokka tre."
	th.reply.SetText(reply)
	h.tap("Send")
	h.waitFor("the failure", func() bool { return h.containsText("Meldinga vart ikkje send.") })
	if th.reply.Text != reply {
		t.Errorf("the reply box lost the text: %q", th.reply.Text)
	}
	key := th.draftKey()
	if key == "" {
		t.Fatal("no draft key kept")
	}

	// Back online: the same key goes with the retry, and the reply arrives once.
	h.k.sess.api = real
	h.tap("Send")
	if th.draftKey() != key {
		t.Error("the retry did not keep the draft's idempotency key")
	}
	h.waitForText("Meldinga er send.")
	if th.draftKey() != "" {
		t.Error("the draft key outlived the sent reply")
	}
	n := 0
	for _, m := range th.t.Messages {
		if m.Body == reply {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the reply shows %d times", n)
	}
}
