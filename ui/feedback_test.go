package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestVisitFeedbackGoneAfterVisit: what the kiosk said to one citizen – a failed help request's message, the
// thread's «Skriv noko før du sender.» and «Meldinga er send.» – is gone for the next one, after a logout
// (visit 1) and after the idle timeout (visit 2), in every widget, hidden ones too. An error goes when she
// acts on it and a confirmation takes its place. The kiosk has no kiosk credentials, so the backend refuses
// its help requests (kiosk_required), as it does for a kiosk it does not know.
func TestVisitFeedbackGoneAfterVisit(t *testing.T) {
	env := backendtest.New(t)
	clk := &testClock{t: time.Now()}
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", IdleTimeout: 8 * time.Second, IdleWarning: 3 * time.Second},
		withClock(clk))
	var said []string // everything of the visits the next citizen must not see
	helpFailed := func() string {
		h.t.Helper()
		h.tap(h.k.tr("CallStaffButton"))
		h.waitFor("the help request's failure", func() bool { return h.k.ops.help.failed != "" })
		msg := h.k.trd(h.k.ops.help.failed, h.k.ops.help.data)
		if !h.hasText(msg) {
			t.Fatalf("the failure %q is not shown: %q", msg, h.texts(false))
		}
		return msg
	}
	gone := func(when string) {
		t.Helper()
		for _, s := range h.texts(true) {
			for _, x := range said {
				if strings.Contains(s, x) {
					t.Errorf("%s the window holds %q (in %q)", when, x, s)
				}
			}
		}
		if h.k.ops.help.failed != "" {
			t.Errorf("%s the help request's failure is kept: %q", when, h.k.ops.help.failed)
		}
	}

	// Visit 1.
	th := openFirstThread(t, h, env, "p-ingrid")
	said = append(said, helpFailed())
	th.sendReply() // nothing typed
	empty := h.k.tr("ReplyEmpty")
	if !h.hasText(empty) {
		t.Fatalf("no %q: %q", empty, h.texts(false))
	}
	test.Type(th.reply, "Takk for svaret")
	if h.hasText(empty) {
		t.Errorf("%q stays while she types", empty)
	}
	h.tap(h.k.tr("Send"))
	sent := h.k.tr("ReplySent")
	h.waitForText(sent)
	if h.hasText(empty) {
		t.Errorf("%q shown beside %q", empty, sent)
	}
	said = append(said, empty, sent)
	h.tap(h.k.tr("Logout"))
	h.waitForText(h.k.tr("Login"))
	gone("after the logout")

	// Visit 2: the idle timeout.
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
	said = append(said, helpFailed())
	h.advanceUntil(clk, idleTick, 8*time.Second, "idle logout", func() bool { return h.hasText(h.k.tr("NoticeIdle")) })
	gone("after the idle timeout")
}

// TestHelpRequestEndsWithTheVisit: a help request made during a visit is withdrawn at the backend when the
// visit ends (nobody waits for the staff member) and «Ein tilsett kjem til deg.» is gone; one made before
// anyone logged in stays open (staff still come).
func TestHelpRequestEndsWithTheVisit(t *testing.T) {
	env := backendtest.New(t)
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn",
		ClientID: backendtest.KioskID, ClientSecret: config.Secret(backendtest.KioskSecret)},
		withOpsTiming(time.Hour, time.Hour, time.Hour))
	h.k.startOps()
	ctx := context.Background()
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
	h.tap(h.k.tr("CallStaffButton"))
	coming := h.k.tr("CallStaffComing")
	h.waitForText(coming)
	h.tap(h.k.tr("Logout"))
	h.waitForText(h.k.tr("Login"))
	for _, s := range h.texts(true) {
		if s == coming {
			t.Errorf("the next citizen sees %q", coming)
		}
	}
	h.waitFor("the request withdrawn", func() bool {
		all, err := env.Server.HelpRequests(ctx, "")
		return err == nil && len(all) == 1 && all[0].Status == api.Withdrawn
	})

	h.tap(h.k.tr("CallStaffButton")) // before anyone logs in
	h.waitForText(coming)
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
	h.tap(h.k.tr("Logout"))
	h.waitForText(h.k.tr("Login"))
	if !h.hasText(coming) {
		t.Error("a request made before the visit was dropped at its logout")
	}
	if open, _ := env.Server.HelpRequests(ctx, "open"); len(open) != 1 {
		t.Errorf("open requests: %+v", open)
	}
}
