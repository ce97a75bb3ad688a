package ui

import (
	"context"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func TestMaskContacts(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"900 00 234", "*** ** 234"},
		{"90000234", "*****234"},
		{"+47 900 00 234", "+** *** ** 234"},
		{"12", "12"},
	} {
		if got := maskPhone(c.in); got != c.want {
			t.Errorf("maskPhone(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"ingrid.haugen@example.no", "i****@example.no"},
		{"øy@example.no", "ø****@example.no"},
		{"no-at-sign", "****"},
		{"@example.no", "****"},
	} {
		if got := maskEmail(c.in); got != c.want {
			t.Errorf("maskEmail(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSettingsSave(t *testing.T) {
	env := backendtest.New(t)
	proxy := newWriteProxy(t, env.URL)
	h := newHarness(t, config.Config{API: proxy.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Varsel")
	h.waitForText("Mobil: *** ** 234  ·  E-post: i****@example.no")
	if h.containsText("900 00 234") || h.containsText("ingrid.haugen") {
		t.Errorf("the phone number or e-mail is shown whole: %q", h.texts(false))
	}
	for _, text := range []string{
		"Slik får du varsel i dag: SMS",
		"Du får SMS til *** ** 234 når du har fått ei ny melding, og når eit besøk er endra eller avlyst.",
		"Du får e-post til i****@example.no når du har fått ei ny melding, og når eit besøk er endra eller avlyst.",
		"Du får både SMS og e-post når du har fått ei ny melding, og når eit besøk er endra eller avlyst.",
		"Du får ikkje varsel. Du ser nye meldingar og endra besøk når du loggar inn.",
	} {
		if !h.hasText(text) {
			t.Errorf("settings lack %q: %q", text, h.texts(false))
		}
	}
	s := h.k.cur.(*settings)
	if !s.save.Disabled() {
		t.Error("Lagre is enabled with nothing changed")
	}

	// Choosing is not saving; a lost answer keeps the choice and the key.
	h.tap("E-post")
	if s.chosen != api.Email || s.current.Channel != api.Sms || len(proxy.writesTo("/notification-settings")) != 0 {
		t.Fatal("choosing a channel saved it, or did not choose it")
	}
	proxy.setFailing(true)
	h.tap("Lagre")
	h.waitFor("the failure", func() bool { return !s.saving && h.containsText("Valet vart ikkje lagra.") })
	if s.chosen != api.Email {
		t.Error("the failure lost the choice")
	}
	proxy.setFailing(false)
	h.tap("Lagre")
	h.waitForText("Lagra: E-post")
	w := proxy.writesTo("/notification-settings")
	if len(w) < 2 || w[0] != w[len(w)-1] {
		t.Errorf("the retry did not reuse the key: %q", w)
	}
	ns, err := backendSession(t, env, "p-ingrid").NotificationSettings(context.Background(), "p-ingrid")
	if err != nil || ns.Channel != api.Email {
		t.Fatalf("the backend has %+v, %v", ns, err)
	}

	// A new choice after that is a new request with a new key.
	h.tap("Ingen varsel")
	h.tap("Lagre")
	h.waitForText("Lagra: Ingen varsel")
	w = proxy.writesTo("/notification-settings")
	if w[len(w)-1] == w[0] {
		t.Errorf("a different choice reused the key: %q", w)
	}
	// Opened again, it shows what was saved.
	h.tap("Heim")
	h.tapWhenReady("Varsel")
	h.waitForText("Slik får du varsel i dag: Ingen varsel")
	if h.hasText("Varsel også når eit besøk er utført") {
		t.Error("the completed-visits choice is offered with no channel")
	}
}

// TestSettingsCompletedVisits: the choice of notices of completed visits is the person's own, saved with
// Lagre beside the channel and kept by the backend (demo Ingrid has it on); a channel change leaves it.
func TestSettingsCompletedVisits(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Varsel")
	h.waitForText("Slik får du varsel i dag: SMS")
	s := h.k.cur.(*settings)
	if !s.done || !s.save.Disabled() {
		t.Fatalf("Ingrid's completed-visit notices: ticked %v, Lagre disabled %v; want ticked, disabled", s.done, s.save.Disabled())
	}
	saved := func() bool {
		t.Helper()
		ns, err := backendSession(t, env, "p-ingrid").NotificationSettings(context.Background(), "p-ingrid")
		if err != nil {
			t.Fatal(err)
		}
		return completedVisits(ns)
	}
	h.tap("Varsel også når eit besøk er utført")
	if s.done || s.save.Disabled() || !saved() {
		t.Fatal("unticking did not untick, enable Lagre, or saved at once")
	}
	h.tap("Lagre")
	h.waitForText("Lagra: SMS")
	if saved() {
		t.Error("the backend still sends notices of completed visits")
	}
	// A channel change keeps the choice as it is.
	h.tap("E-post")
	h.tap("Lagre")
	h.waitForText("Lagra: E-post")
	if saved() || s.done {
		t.Error("changing the channel turned completed-visit notices on again")
	}
	h.tap("Varsel også når eit besøk er utført")
	h.tap("Lagre")
	h.waitFor("saved", func() bool { return !s.saving && s.save.Disabled() })
	if !saved() {
		t.Error("ticking it again was not saved")
	}
}

func TestSettingsBokmal(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nb"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Varsler")
	h.waitForText("Mobil: *** ** 234  ·  E-post: i****@example.no")
	h.tap("SMS og e-post")
	h.tap("Lagre")
	h.waitForText("Lagret: SMS og e-post")
	if !h.hasText("Du får både SMS og e-post når du har fått en ny melding, og når et besøk er endret eller avlyst.") {
		t.Errorf("no bokmål explanation: %q", h.texts(false))
	}
}
