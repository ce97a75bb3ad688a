package client_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// Thread gives the newest page; Messages walks back from its OlderCursor to the first message.
func TestMessagesPaged(t *testing.T) {
	env := backendtest.New(t)
	if err := env.Server.SeedBulk(context.Background(), backend.DemoEmma, 1, 120); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, env)
	s := c.NewSession(&oauth2.Token{AccessToken: env.MintToken(t, backend.DemoOla), Expiry: time.Now().Add(time.Hour)})
	page, err := s.Threads(ctx(t), backend.DemoEmma, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var tid string
	for _, ts := range page.Items {
		if ts.MessageCount == 120 {
			tid = ts.Id
		}
	}
	th, err := s.Thread(ctx(t), backend.DemoEmma, tid)
	if err != nil {
		t.Fatal(err)
	}
	if len(th.Messages) != 50 || th.OlderCursor == nil {
		t.Fatalf("Thread: %d messages, cursor %v", len(th.Messages), th.OlderCursor)
	}
	seen := map[string]bool{}
	for _, m := range th.Messages {
		seen[m.Id] = true
	}
	before := *th.OlderCursor
	for before != "" {
		p, err := s.Messages(ctx(t), backend.DemoEmma, tid, before, 30)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Items {
			if seen[m.Id] {
				t.Fatalf("message %s twice", m.Id)
			}
			seen[m.Id] = true
		}
		before = ""
		if p.OlderCursor != nil {
			before = *p.OlderCursor
		}
	}
	if len(seen) != 120 {
		t.Fatalf("saw %d messages, want 120", len(seen))
	}
	newest, err := s.Messages(ctx(t), backend.DemoEmma, tid, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(newest.Items) != 50 || newest.Items[49].Id != th.Messages[49].Id {
		t.Fatalf("Messages(\"\"): %d items, not the Thread's newest page", len(newest.Items))
	}
}
