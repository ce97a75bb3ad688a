package backend_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func TestIdempotency(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	tok := e.Token(t, backend.DemoIngrid)
	const path = "/v1/persons/p-ingrid/threads"
	body := api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "Nøkkel", Body: "Eg har fått ny nøkkelboks."}
	before := len(allThreads(t, e, tok, backend.DemoIngrid))

	res1, b1 := e.Do(t, http.MethodPost, path, tok, body, "Idempotency-Key", "k-1")
	wantStatus(t, res1, b1, http.StatusCreated)
	res2, b2 := e.Do(t, http.MethodPost, path, tok, body, "Idempotency-Key", "k-1")
	wantStatus(t, res2, b2, http.StatusCreated)
	if string(b1) != string(b2) {
		t.Errorf("repeat answered differently:\n%s\n%s", b1, b2)
	}
	if n := len(allThreads(t, e, tok, backend.DemoIngrid)); n != before+1 {
		t.Errorf("%d threads after two posts with one key, want %d", n, before+1)
	}
	// Same key, other body: 422 and nothing stored.
	other := body
	other.Subject = "Noko anna"
	res, b := e.Do(t, http.MethodPost, path, tok, other, "Idempotency-Key", "k-1")
	wantProblem(t, res, b, http.StatusUnprocessableEntity, "idempotency_key_reused")
	// Another key creates another thread.
	res, b = e.Do(t, http.MethodPost, path, tok, body, "Idempotency-Key", "k-2")
	wantStatus(t, res, b, http.StatusCreated)
	// Without a key every post creates.
	res, b = e.Do(t, http.MethodPost, path, tok, body)
	wantStatus(t, res, b, http.StatusCreated)
	if n := len(allThreads(t, e, tok, backend.DemoIngrid)); n != before+3 {
		t.Errorf("%d threads, want %d", n, before+3)
	}
	// Keys are per caller: Kari's k-1 for Ingrid is her own.
	kari := e.Token(t, backend.DemoKari)
	res, b = e.Do(t, http.MethodPost, path, kari, other, "Idempotency-Key", "k-1")
	wantStatus(t, res, b, http.StatusCreated)
	// A failed write stores no key: after 400, the same key with a good body works.
	res, b = e.Do(t, http.MethodPost, path+"/t-ingrid-1/messages", tok, api.NewMessage{Body: "  "}, "Idempotency-Key", "k-3")
	wantProblem(t, res, b, http.StatusBadRequest, "invalid_request")
	res, b = e.Do(t, http.MethodPost, path+"/t-ingrid-1/messages", tok, api.NewMessage{Body: "Takk"}, "Idempotency-Key", "k-3")
	wantStatus(t, res, b, http.StatusCreated)
	// 204 answers are replayed too.
	for range 2 {
		res, b = e.Do(t, http.MethodPost, path+"/t-ingrid-1/read", tok, nil, "Idempotency-Key", "k-4")
		wantStatus(t, res, b, http.StatusNoContent)
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	before := len(allThreads(t, e, tok, backend.DemoIngrid))
	body := api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "Samtidig", Body: "Hei"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, b := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, body, "Idempotency-Key", "same")
			if res.StatusCode != http.StatusCreated {
				t.Errorf("status %d: %s", res.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	if n := len(allThreads(t, e, tok, backend.DemoIngrid)); n != before+1 {
		t.Errorf("%d threads, want %d", n, before+1)
	}
}

func TestThreads(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)

	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	page := decode[api.ThreadPage](t, b)
	if len(page.Items) != 6 || page.NextCursor != nil {
		t.Fatalf("first page: %d items, cursor %v", len(page.Items), page.NextCursor)
	}
	if page.UnreadCount != 3 {
		t.Errorf("unreadCount %d, want 3", page.UnreadCount)
	}
	// Paging with limit 2 gives the same threads in the same order, no repeats.
	paged := allThreads(t, e, tok, backend.DemoIngrid)
	for i := range paged {
		if paged[i].Id != page.Items[i].Id {
			t.Errorf("paged order differs at %d: %s vs %s", i, paged[i].Id, page.Items[i].Id)
		}
	}
	// Services.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/services", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	var codes []string
	for _, s := range decode[[]api.Service](t, b) {
		codes = append(codes, s.Code)
	}
	if strings.Join(codes, ",") != "home_nursing,practical_help" {
		t.Errorf("services %v", codes)
	}
	// A thread: messages oldest first.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/t-ingrid-5", tok, nil, "Accept-Language", "nn")
	wantStatus(t, res, b, http.StatusOK)
	th := decode[api.Thread](t, b)
	if len(th.Messages) != 3 || th.Messages[0].Author != api.AuthorKindService || th.Messages[0].StaffRole == nil || *th.Messages[0].StaffRole != "sjukepleiar" {
		t.Fatalf("thread %+v", th)
	}
	for i := 1; i < len(th.Messages); i++ {
		if th.Messages[i].SentAt.Before(th.Messages[i-1].SentAt) {
			t.Errorf("messages not oldest first")
		}
	}
	// Another person's thread is not found through Ingrid.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/t-kari-1", tok, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")

	// Create: text stored verbatim, thread first in the list.
	text := "Hei!\n\nKan de  kome  kl. 9? «Takk» 😊 – æøå ÆØÅ"
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, api.NewThread{ServiceId: backend.ServicePracticalHelp, Subject: "  Tid  ", Body: text})
	wantStatus(t, res, b, http.StatusCreated)
	created := decode[api.Thread](t, b)
	if created.Subject != "  Tid  " || len(created.Messages) != 1 || created.Messages[0].Body != text || created.Messages[0].Author != api.AuthorKindCitizen || created.Unread {
		t.Errorf("created %+v", created)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads?limit=1", tok, nil)
	page = decode[api.ThreadPage](t, b)
	if page.Items[0].Id != created.Id || page.Items[0].LastAuthor == nil || *page.Items[0].LastAuthor != api.AuthorKindCitizen || page.Items[0].MessageCount != 1 {
		t.Errorf("new thread not first: %+v", page.Items[0])
	}
	// Reply to an unread thread, then mark read.
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/t-ingrid-6/messages", tok, api.NewMessage{Body: "Ja takk, gjerne."})
	wantStatus(t, res, b, http.StatusCreated)
	if m := decode[api.Message](t, b); m.Body != "Ja takk, gjerne." || m.AuthorName == nil || *m.AuthorName != "Ingrid Haugen" {
		t.Errorf("reply %+v", m)
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/t-ingrid-1/read", tok, nil)
	wantStatus(t, res, b, http.StatusNoContent)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", tok, nil)
	page = decode[api.ThreadPage](t, b)
	if page.UnreadCount != 1 {
		t.Errorf("unreadCount after reply and read: %d, want 1", page.UnreadCount)
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/t-nope/read", tok, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/t-nope/messages", tok, api.NewMessage{Body: "x"})
	wantProblem(t, res, b, http.StatusNotFound, "not_found")

	// Kari writing for Ingrid is named as the author.
	kari := e.Token(t, backend.DemoKari)
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/t-ingrid-3/messages", kari, api.NewMessage{Body: "Torsdag passar fint."})
	wantStatus(t, res, b, http.StatusCreated)
	if m := decode[api.Message](t, b); m.AuthorName == nil || *m.AuthorName != "Kari Haugen" {
		t.Errorf("author %v", m.AuthorName)
	}
}

func TestSeedBulkPaging(t *testing.T) {
	e := backendtest.New(t)
	if err := e.Server.SeedBulk(t.Context(), backend.DemoOla, 120, 3); err != nil {
		t.Fatal(err)
	}
	tok := e.Token(t, backend.DemoOla)
	seen := map[string]bool{}
	path := "/v1/persons/p-ola/threads?limit=50"
	pages := 0
	var last time.Time
	for {
		res, b := e.Do(t, http.MethodGet, path, tok, nil)
		wantStatus(t, res, b, http.StatusOK)
		page := decode[api.ThreadPage](t, b)
		pages++
		for _, it := range page.Items {
			if seen[it.Id] {
				t.Fatalf("thread %s twice", it.Id)
			}
			seen[it.Id] = true
			if !last.IsZero() && it.LastMessageAt.After(last) {
				t.Fatalf("order broken")
			}
			last = it.LastMessageAt
			if it.MessageCount != 3 {
				t.Fatalf("messageCount %d", it.MessageCount)
			}
		}
		if page.UnreadCount != 0 {
			t.Errorf("unreadCount %d (last message is the citizen's)", page.UnreadCount)
		}
		if page.NextCursor == nil {
			break
		}
		path = "/v1/persons/p-ola/threads?limit=50&cursor=" + *page.NextCursor
	}
	if len(seen) != 120 || pages != 3 {
		t.Errorf("%d threads in %d pages", len(seen), pages)
	}
}

func TestConsent(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	tok := e.Token(t, backend.DemoPer)
	res, b := e.Do(t, http.MethodGet, "/v1/consent", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	c := decode[api.Consent](t, b)
	if c.Given || c.TermsVersion != backend.TermsVersion {
		t.Fatalf("consent %+v", c)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-per/threads", tok, nil)
	wantProblem(t, res, b, http.StatusForbidden, "consent_required")
	res, b = e.Do(t, http.MethodPut, "/v1/consent", tok, api.ConsentGive{TermsVersion: "2025-3"})
	p := wantProblem(t, res, b, http.StatusConflict, "terms_changed")
	if deref(p.Field) != "termsVersion" {
		t.Errorf("field %s", deref(p.Field))
	}
	res, b = e.Do(t, http.MethodPut, "/v1/consent", tok, api.ConsentGive{TermsVersion: backend.TermsVersion})
	wantStatus(t, res, b, http.StatusOK)
	if c = decode[api.Consent](t, b); !c.Given || c.GivenAt == nil {
		t.Fatalf("consent after PUT %+v", c)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-per/threads", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	if page := decode[api.ThreadPage](t, b); len(page.Items) != 2 {
		t.Errorf("Per has %d threads", len(page.Items))
	}
	res, b = e.Do(t, http.MethodDelete, "/v1/consent", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	if c = decode[api.Consent](t, b); c.Given {
		t.Fatalf("consent after DELETE %+v", c)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-per/threads", tok, nil)
	wantProblem(t, res, b, http.StatusForbidden, "consent_required")
	res, b = e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
}

func TestNotificationSettings(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/notification-settings", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	s := decode[api.NotificationSettings](t, b)
	if s.Channel != api.Sms || deref(s.Phone) != "900 00 234" || deref(s.Email) != "ingrid.haugen@example.no" {
		t.Errorf("settings %+v", s)
	}
	for _, ch := range []api.NotificationChannel{api.Email, api.Both, api.None, api.Sms} {
		res, b = e.Do(t, http.MethodPut, "/v1/persons/p-ingrid/notification-settings", tok, api.NotificationSettingsUpdate{Channel: ch})
		wantStatus(t, res, b, http.StatusOK)
		res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/notification-settings", tok, nil)
		if got := decode[api.NotificationSettings](t, b).Channel; got != ch {
			t.Errorf("channel %s, want %s", got, ch)
		}
	}
}

func TestHelpRequests(t *testing.T) {
	e := backendtest.New(t)
	kiosk := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	res, b := e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", kiosk, api.NewHelpRequest{KioskName: "Servicetorget", Screen: "inbox"}, "Idempotency-Key", "h1")
	wantStatus(t, res, b, http.StatusCreated)
	hr := decode[api.HelpRequest](t, b)
	if hr.Status != api.Open || hr.KioskName != "Servicetorget" || hr.Screen != "inbox" {
		t.Fatalf("help request %+v", hr)
	}
	res, b = e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", kiosk, api.NewHelpRequest{KioskName: "Servicetorget", Screen: "inbox"}, "Idempotency-Key", "h1")
	if again := decode[api.HelpRequest](t, b); again.Id != hr.Id {
		t.Errorf("repeat created %s", again.Id)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/"+hr.Id, kiosk, nil)
	wantStatus(t, res, b, http.StatusOK)
	list, err := e.Server.HelpRequests(t.Context(), "open")
	if err != nil || len(list) != 1 {
		t.Fatalf("open help requests: %v %v", list, err)
	}
	res, b = e.Do(t, http.MethodDelete, "/v1/kiosk/help-requests/"+hr.Id, kiosk, nil)
	wantStatus(t, res, b, http.StatusOK)
	if got := decode[api.HelpRequest](t, b); got.Status != api.Withdrawn {
		t.Errorf("after withdraw: %s", got.Status)
	}
	// Handled stays handled when withdrawn.
	res, b = e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", kiosk, api.NewHelpRequest{KioskName: "Servicetorget", Screen: "welcome"})
	hr2 := decode[api.HelpRequest](t, b)
	if err := e.Server.HandleHelpRequest(t.Context(), hr2.Id); err != nil {
		t.Fatal(err)
	}
	res, b = e.Do(t, http.MethodDelete, "/v1/kiosk/help-requests/"+hr2.Id, kiosk, nil)
	if got := decode[api.HelpRequest](t, b); got.Status != api.Handled || got.HandledAt == nil {
		t.Errorf("handled then withdrawn: %+v", got)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/h-nope", kiosk, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	res, b = e.Do(t, http.MethodDelete, "/v1/kiosk/help-requests/h-nope", kiosk, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
}

func TestRuleAndHealth(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoPer) // no consent needed
	res, b := e.Do(t, http.MethodGet, "/v1/rules/cancellation", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	r := decode[api.CancellationRule](t, b)
	if r.WorkingDaysBefore != 1 || r.CutoffTime != "15:00" || r.TimeZone != "Europe/Oslo" || r.Phone != "23 32 70 00" {
		t.Errorf("rule %+v", r)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/rules/cancellation", "", nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "unauthorized")
}

func TestStart(t *testing.T) {
	r, err := backend.Start(t.Context(), backend.Config{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := http.Get(r.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	// With no PublicURL, Start's own URL is the issuer.
	var d api.Discovery
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil || d.Issuer != r.URL || r.Server.PublicURL() != r.URL {
		t.Errorf("issuer %q (%v), want %q", d.Issuer, err, r.URL)
	}
	if err := r.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestFileDatabaseKeepsData(t *testing.T) {
	dsn := t.TempDir() + "/hk.db"
	s1, err := backend.New(backend.Config{DSN: dsn, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.DB().Exec(`UPDATE persons SET notification_channel = 'email' WHERE id = ?`, backend.DemoIngrid); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2, err := backend.New(backend.Config{DSN: dsn, Demo: true}) // migrations and seeding are repeatable
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var ch string
	if err := s2.DB().QueryRow(`SELECT notification_channel FROM persons WHERE id = ?`, backend.DemoIngrid).Scan(&ch); err != nil || ch != "email" {
		t.Errorf("channel %q %v", ch, err)
	}
	var n int
	s2.DB().QueryRow(`SELECT COUNT(*) FROM threads WHERE person_id = ?`, backend.DemoIngrid).Scan(&n)
	if n != 6 {
		t.Errorf("%d threads after reopening (seeded twice?)", n)
	}
}

func TestTokensStoredHashed(t *testing.T) {
	e := backendtest.New(t)
	tr := deviceLogin(t, e, backend.DemoIngrid, "openid helsekiosk offline_access")
	if tr.RefreshToken == nil {
		t.Fatal("no refresh token")
	}
	rt := *tr.RefreshToken
	var n int
	if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = ? OR token_hash LIKE ?`, rt, "%"+rt[:10]+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("the refresh token is stored in clear")
	}
	if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM refresh_tokens`).Scan(&n); err != nil || n != 1 {
		t.Errorf("refresh tokens stored: %d %v", n, err)
	}
	// Access tokens are signed JWTs: nothing of them is stored (revocation keeps only the jti).
	tables := `SELECT COUNT(*) FROM sqlite_master WHERE name = 'access_tokens'`
	if e.Server.Store() == "postgres" {
		tables = `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'access_tokens'`
	}
	if err := e.Server.DB().QueryRow(tables).Scan(&n); err != nil || n != 0 {
		t.Errorf("the opaque access_tokens table is still there: %d %v", n, err)
	}
}

var _ = fmt.Sprint
var _ = workdays.Oslo
