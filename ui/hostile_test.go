package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// hostileTexts are messages the backend stores verbatim (internal/server/backend/hostile_test.go): the kiosk must
// show each exactly as sent, as plain text.
var hostileTexts = []string{
	"før\x01etter", // NUL itself is refused by the backend (400): PostgreSQL text cannot hold it
	"bjølle\x07 esc\x1b[31mraud\x1b[0m del\x7f",
	"Betal til \u202ekonto 1234\u202c og \u2067isolert\u2069",
	"n\u200bu\u200cl\u200dl\ufeff",
	`<script>alert("x")</script><img src=x onerror=alert(1)><b>feit</b>`,
	"**feit** _kursiv_ [lenkje](javascript:alert(1)) `kode`\n# overskrift",
	`'); DROP TABLE messages; -- " OR "1"="1`,
	"%s %d %n {{.Name}} ${jndi:ldap://x/a}",
	"👩‍⚕️ e\u0301 Å ﷽ 𝔘𝔫𝔦",
	strings.Repeat("Heimesjukepleietenesteadministrasjonskontor", 90), // one 3,870-letter word
}

// TestHostileTextShownAsPlainText stores hostile messages through the real backend, then opens the thread
// and the inbox on the kiosk: every message appears exactly as sent in a plain Label (never markdown or
// markup), nothing crashes, and the screen still fits.
func TestHostileTextShownAsPlainText(t *testing.T) {
	env := backendtest.New(t)
	tok := env.Token(t, backend.DemoIngrid)
	subject := "<b>Emne</b> \u202eliam\u202c **x**"
	res, b := env.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok,
		api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: subject, Body: hostileTexts[0]})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create thread: %d %s", res.StatusCode, b)
	}
	var created api.Thread
	if err := json.Unmarshal(b, &created); err != nil {
		t.Fatal(err)
	}
	for i, text := range hostileTexts[1:] {
		res, b := env.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/"+created.Id+"/messages", tok,
			api.NewMessage{Body: text}, "Idempotency-Key", fmt.Sprint("hostile-", i))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("reply %d: %d %s", i, res.StatusCode, b)
		}
	}

	h := newHarness(t, config.Config{API: env.URL, Lang: "nb"})
	logIn(t, h, env, backend.DemoIngrid)
	h.waitFor("home", func() bool { _, ok := h.k.cur.(*home); return ok })
	h.k.show(newInbox(h.k, h.k.sess))
	h.waitFor("the inbox", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	if !h.containsText(subject) {
		t.Errorf("the inbox does not show the subject as sent: %q", h.texts(false))
	}

	th := newThread(h.k, h.k.sess, created.Id)
	h.k.show(th)
	h.waitFor("the thread", func() bool { return th.t != nil })
	labels := map[string]int{}
	for _, o := range h.objects(false) {
		switch o := o.(type) {
		case *widget.Label:
			labels[o.Text]++
		case *widget.RichText:
			for _, s := range textOf(o) {
				if strings.Contains(s, "feit") || strings.Contains(s, "script") {
					// a Label renders through a RichText of one plain segment; a parsed markdown or HTML
					// rendering would split it into styled segments
					if len(o.Segments) != 1 {
						t.Errorf("message rendered as rich text with %d segments: %q", len(o.Segments), s)
					}
				}
			}
		}
	}
	for _, text := range hostileTexts {
		if labels[text] != 1 {
			t.Errorf("message %.40q shows %d times as a plain label, want once", text, labels[text])
		}
	}
	if labels[subject] != 1 {
		t.Errorf("the subject shows %d times as a plain label", labels[subject])
	}
	h.process() // checkFits: a 3,870-letter word must wrap, not widen the window
}
