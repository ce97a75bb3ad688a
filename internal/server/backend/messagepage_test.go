package backend_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// A thread of 975 messages comes in pages: getThread gives the newest 50 (newest last) and an olderCursor,
// and listMessages walks back to the first message without a gap or a repeat, also while a reply arrives.
func TestMessagesPaged975(t *testing.T) {
	e := backendtest.New(t)
	const n = 975
	if err := e.Server.SeedBulk(context.Background(), backend.DemoEmma, 1, n); err != nil {
		t.Fatal(err)
	}
	tok := e.MintToken(t, backend.DemoOla) // Emma's father
	var tid string
	for _, ts := range allThreads(t, e, tok, backend.DemoEmma) {
		if ts.MessageCount == n {
			tid = ts.Id
		}
	}
	if tid == "" {
		t.Fatal("no thread with 975 messages")
	}
	base := "/v1/persons/" + backend.DemoEmma + "/threads/" + tid

	res, b := e.Do(t, http.MethodGet, base, tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	th := decode[api.Thread](t, b)
	if len(th.Messages) != 50 || th.OlderCursor == nil {
		t.Fatalf("getThread: %d messages, olderCursor %v; want the newest 50 and a cursor", len(th.Messages), th.OlderCursor)
	}
	if got, want := th.Messages[49].Body, fmt.Sprintf("Melding %d i", n); got[:len(want)] != want {
		t.Fatalf("the last message is %q, want message %d (newest last)", got, n)
	}
	if got := th.Messages[0].Body; got[:len("Melding 926 i")] != "Melding 926 i" {
		t.Fatalf("the first message of the page is %q, want message 926", got)
	}
	res, b = e.Do(t, http.MethodGet, base+"?limit=100", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	if th := decode[api.Thread](t, b); len(th.Messages) != 100 {
		t.Fatalf("getThread?limit=100: %d messages", len(th.Messages))
	}

	// Walk from the newest page by olderCursor; a reply that arrives mid-walk does not shift the pages.
	seen := map[string]bool{}
	var pages [][]api.Message
	path := base + "/messages?limit=100"
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatal("too many pages")
		}
		res, b := e.Do(t, http.MethodGet, path, tok, nil)
		wantStatus(t, res, b, http.StatusOK)
		p := decode[api.MessagePage](t, b)
		for _, m := range p.Items {
			if seen[m.Id] {
				t.Fatalf("message %s twice", m.Id)
			}
			seen[m.Id] = true
		}
		pages = append(pages, p.Items)
		if i == 2 {
			res, b := e.Do(t, http.MethodPost, base+"/messages", tok, api.NewMessage{Body: "Eit nytt svar midt i blainga"}, "Idempotency-Key", "mid-walk")
			wantStatus(t, res, b, http.StatusCreated)
		}
		if p.OlderCursor == nil {
			break
		}
		path = base + "/messages?limit=100&before=" + url.QueryEscape(*p.OlderCursor)
	}
	if len(pages) != 10 || len(pages[9]) != 75 {
		t.Fatalf("%d pages (last %d messages), want 10 with 75 on the last", len(pages), len(pages[len(pages)-1]))
	}
	k := 1
	for i := len(pages) - 1; i >= 0; i-- {
		for _, m := range pages[i] {
			if want := fmt.Sprintf("Melding %d i", k); m.Body[:len(want)] != want {
				t.Fatalf("message %d is %q", k, m.Body)
			}
			k++
		}
	}
	if k-1 != n {
		t.Fatalf("walked %d messages, want %d", k-1, n)
	}

	// The newest page now ends with the reply.
	res, b = e.Do(t, http.MethodGet, base+"/messages?limit=1", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	if p := decode[api.MessagePage](t, b); len(p.Items) != 1 || p.Items[0].Body != "Eit nytt svar midt i blainga" || p.OlderCursor == nil {
		t.Fatalf("newest page after the reply: %+v", p)
	}
}

func TestMessagesPageRefusals(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	tok := e.MintToken(t, backend.DemoIngrid)
	threads := allThreads(t, e, tok, backend.DemoIngrid)
	base := "/v1/persons/" + backend.DemoIngrid + "/threads/" + threads[0].Id
	for _, q := range []string{"?before=not-a-cursor", "?before=eyJ4IjoxfQ", "?limit=0", "?limit=101"} {
		res, b := e.Do(t, http.MethodGet, base+"/messages"+q, tok, nil)
		wantProblem(t, res, b, http.StatusBadRequest, "invalid_request")
	}
	res, b := e.Do(t, http.MethodGet, base+"?limit=0", tok, nil)
	wantProblem(t, res, b, http.StatusBadRequest, "invalid_request")
	// A stranger (Ola) does not reach Ingrid's thread; nor does anyone reach a thread under another person.
	res, b = e.Do(t, http.MethodGet, base+"/messages", e.MintToken(t, backend.DemoOla), nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	res, b = e.Do(t, http.MethodGet, "/v1/persons/"+backend.DemoKari+"/threads/"+threads[0].Id+"/messages", e.MintToken(t, backend.DemoKari), nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
}
