package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// A long thread opens on its newest 50 messages, newest last; "Vis eldre meldingar" puts the page before
// above them until the first message is shown.
func TestThreadMessagesPagedOlder(t *testing.T) {
	env := backendtest.New(t)
	if err := env.Server.SeedBulk(context.Background(), backend.DemoIngrid, 1, 120); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.tapWhenReady("Meldingar")
	h.waitFor("the long thread in the list", func() bool {
		in, ok := h.k.cur.(*inbox)
		if !ok {
			return false
		}
		for i, th := range in.threads {
			if th.Subject == "Tråd 1" {
				in.list.Select(i)
				return true
			}
		}
		return false
	})
	var th *thread
	h.waitFor("the thread", func() bool {
		s, ok := h.k.cur.(*thread)
		th = s
		return ok && s.t != nil
	})
	if n := len(th.messages.Objects); n != 50 {
		t.Fatalf("the thread opened with %d messages, want the newest 50", n)
	}
	if last := th.t.Messages[len(th.t.Messages)-1].Body; !strings.HasPrefix(last, "Melding 120 ") {
		t.Fatalf("the last message shown is %q, want the newest (120)", last)
	}
	h.tapWhenReady("Vis eldre meldingar")
	h.waitFor("100 messages", func() bool { return len(th.messages.Objects) == 100 })
	h.tapWhenReady("Vis eldre meldingar")
	h.waitFor("all 120 messages", func() bool { return len(th.messages.Objects) == 120 })
	if first := th.t.Messages[0].Body; !strings.HasPrefix(first, "Melding 1 ") {
		t.Errorf("the first message is %q, want message 1", first)
	}
	if th.older.Visible() {
		t.Error("«Vis eldre meldingar» still shown with the first message on screen")
	}
}
