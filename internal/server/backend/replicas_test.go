package backend_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
)

// replicas starts two backends on one PostgreSQL database, as two replicas behind a load balancer: one
// public URL (issuer), one signing key, demo data seeded once; opts apply to both.
func replicas(t *testing.T, opts ...backendtest.Option) (a, b *backendtest.Env) {
	t.Helper()
	dsn := pgtest.DSN(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	same := backendtest.WithConfig(func(c *backend.Config) {
		c.DSN, c.SigningKey, c.PublicURL = dsn, key, "http://helsekiosk-api.test"
	})
	var envs [2]*backendtest.Env
	var wg sync.WaitGroup
	for i := range envs { // started together: the migrations (goose's advisory lock) and the seed run once
		wg.Go(func() { envs[i] = backendtest.New(t, append([]backendtest.Option{same}, opts...)...) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return envs[0], envs[1]
}

func oauthCode(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return e.Error
}

func countRows(t *testing.T, e *backendtest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.Server.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReplicas runs two backends on one PostgreSQL database: whatever a kiosk starts on one replica it can
// finish on the other, and no race between them uses a device code or refresh token twice or applies one
// idempotency key twice.
func TestReplicas(t *testing.T) {
	a, b := replicas(t)

	t.Run("both replicas are ready", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 8 { // the readiness probes of both at once
			e := []*backendtest.Env{a, b}[i%2]
			wg.Go(func() {
				res, body := e.Do(t, http.MethodGet, "/v1/ready", "", nil)
				if res.StatusCode != http.StatusOK {
					t.Errorf("GET /v1/ready: %d %s", res.StatusCode, body)
				}
			})
		}
		wg.Wait()
	})

	t.Run("login started on A is completed by polling B", func(t *testing.T) {
		da := a.StartLogin(t)
		res, body := pollToken(t, b, da.DeviceCode)
		if res.StatusCode != http.StatusBadRequest || oauthCode(t, body) != "authorization_pending" {
			t.Fatalf("poll before approval on B: %d %s", res.StatusCode, body)
		}
		b.Approve(t, da.UserCode, backend.DemoIngrid) // the phone reaches B
		res, body = pollToken(t, b, da.DeviceCode)
		wantStatus(t, res, body, http.StatusOK)
		tr := decode[api.TokenResponse](t, body)
		res, body = pollToken(t, a, da.DeviceCode)
		if res.StatusCode != http.StatusBadRequest || oauthCode(t, body) != "invalid_grant" {
			t.Errorf("the used code polled on A: %d %s", res.StatusCode, body)
		}
		for _, e := range []*backendtest.Env{a, b} {
			res, body := e.Do(t, http.MethodGet, "/v1/me", tr.AccessToken, nil)
			wantStatus(t, res, body, http.StatusOK)
		}
	})

	t.Run("an approved code polled on both at once gives one token", func(t *testing.T) {
		da := a.StartLogin(t)
		a.Approve(t, da.UserCode, backend.DemoKari)
		var mu sync.Mutex
		ok, used := 0, 0
		var wg sync.WaitGroup
		for i := range 12 {
			e := []*backendtest.Env{a, b}[i%2]
			wg.Go(func() {
				res, body := pollToken(t, e, da.DeviceCode)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case res.StatusCode == http.StatusOK:
					ok++
				case oauthCode(t, body) == "invalid_grant":
					used++
				default:
					t.Errorf("poll: %d %s", res.StatusCode, body)
				}
			})
		}
		wg.Wait()
		if ok != 1 || used != 11 {
			t.Errorf("%d tokens and %d refusals, want 1 and 11", ok, used)
		}
	})

	t.Run("a refresh token used on both at once rotates once", func(t *testing.T) {
		form := url.Values{"client_id": {backend.ClientID}, "kiosk_name": {"Testkiosken"}, "scope": {"openid helsekiosk offline_access"}}
		res, body := postForm(t, a, "/oauth/device_authorization", form)
		wantStatus(t, res, body, http.StatusOK)
		da := decode[api.DeviceAuthorization](t, body)
		b.Approve(t, da.UserCode, backend.DemoIngrid)
		res, body = pollToken(t, a, da.DeviceCode)
		wantStatus(t, res, body, http.StatusOK)
		tr := decode[api.TokenResponse](t, body)
		if tr.RefreshToken == nil {
			t.Fatalf("no refresh token: %s", body)
		}
		var mu sync.Mutex
		ok := 0
		var wg sync.WaitGroup
		for i := range 8 {
			e := []*backendtest.Env{a, b}[i%2]
			wg.Go(func() {
				res, body := postForm(t, e, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {*tr.RefreshToken}, "client_id": {backend.ClientID}})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case res.StatusCode == http.StatusOK:
					ok++
				case oauthCode(t, body) != "invalid_grant":
					t.Errorf("refresh: %d %s", res.StatusCode, body)
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("%d refreshes succeeded, want 1", ok)
		}
	})

	tok := a.Token(t, backend.DemoIngrid)

	t.Run("an idempotent write sent to A and retried on B stores one row", func(t *testing.T) {
		in := api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "Replikaer", Body: "Sendt til A, på nytt til B"}
		res, first := a.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, in, "Idempotency-Key", "replica-retry")
		wantStatus(t, res, first, http.StatusCreated)
		res, again := b.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, in, "Idempotency-Key", "replica-retry")
		wantStatus(t, res, again, http.StatusCreated)
		if res.Header.Get("Idempotent-Replayed") != "true" || string(again) != string(first) {
			t.Errorf("B did not replay A's answer: %s vs %s", again, first)
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM threads WHERE subject = ?`, in.Subject); n != 1 {
			t.Errorf("%d threads stored, want 1", n)
		}
	})

	t.Run("concurrent same-key writes on both store one row", func(t *testing.T) {
		in := api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "Samtidig på to", Body: "Hei"}
		var wg sync.WaitGroup
		bodies := make([]string, 16)
		for i := range bodies {
			e := []*backendtest.Env{a, b}[i%2]
			wg.Go(func() {
				res, body := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, in, "Idempotency-Key", "replica-same")
				if res.StatusCode != http.StatusCreated {
					t.Errorf("status %d: %s", res.StatusCode, body)
				}
				bodies[i] = string(body)
			})
		}
		wg.Wait()
		for i := range bodies {
			if bodies[i] != bodies[0] {
				t.Errorf("answer %d differs: %s vs %s", i, bodies[i], bodies[0])
			}
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM threads WHERE subject = ?`, in.Subject); n != 1 {
			t.Errorf("%d threads stored, want 1", n)
		}
	})

	t.Run("one fullmakt granted on both at once with different keys is stored once", func(t *testing.T) {
		in := api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: []api.Scope{api.Messages}}
		var mu sync.Mutex
		codes := map[int]int{}
		var wg sync.WaitGroup
		for i := range 8 {
			e := []*backendtest.Env{a, b}[i%2]
			wg.Go(func() {
				res, body := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/fullmakt", tok, in, "Idempotency-Key", fmt.Sprintf("grant-%d", i))
				mu.Lock()
				codes[res.StatusCode]++
				mu.Unlock()
				if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusConflict {
					t.Errorf("grant: %d %s", res.StatusCode, body)
				}
			})
		}
		wg.Wait()
		if codes[http.StatusCreated] != 1 || codes[http.StatusConflict] != 7 {
			t.Errorf("answers %v, want one 201 and seven 409", codes)
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM fullmakter WHERE giver_id = ? AND receiver_id = ? AND revoked_at IS NULL`, backend.DemoIngrid, backend.DemoOla); n != 1 {
			t.Errorf("%d fullmakter stored, want 1", n)
		}
	})

	t.Run("concurrent replies to one thread on both get one seq each", func(t *testing.T) {
		thread := "t-ingrid-1"
		before := countRows(t, a, `SELECT COUNT(*) FROM messages WHERE thread_id = ?`, thread)
		var wg sync.WaitGroup
		for i := range 16 {
			e := []*backendtest.Env{a, b}[i%2]
			wg.Go(func() {
				res, body := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/"+thread+"/messages", tok,
					api.NewMessage{Body: fmt.Sprintf("Svar %d", i)}, "Idempotency-Key", fmt.Sprintf("reply-%d", i))
				if res.StatusCode != http.StatusCreated {
					t.Errorf("status %d: %s", res.StatusCode, body)
				}
			})
		}
		wg.Wait()
		if n := countRows(t, a, `SELECT COUNT(*) FROM messages WHERE thread_id = ?`, thread); n != before+16 {
			t.Errorf("%d messages, want %d", n, before+16)
		}
		if n := countRows(t, a, `SELECT COUNT(*) FROM threads WHERE id = ? AND message_count = ?`, thread, before+16); n != 1 {
			t.Error("message_count does not match the messages")
		}
	})
}

// TestReplicasStaffLogin: the staff page's login and session live in the database, so a staff member is
// served whichever replica each request reaches: a load balancer in front of two backends on one PostgreSQL
// database sends the requests to them in turn (the login's start, the callback and the page on different
// replicas), and a logout on one ends the session on both.
func TestReplicasStaffLogin(t *testing.T) {
	dsn := pgtest.DSN(t)
	var next atomic.Int64
	var handlers [2]http.Handler
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers[next.Add(1)%2].ServeHTTP(w, r)
	}))
	t.Cleanup(lb.Close)
	o := startStaffOP(t, lb.URL+"/staff/callback")
	var srvs [2]*backend.Server
	for i := range srvs {
		srv, err := backend.New(backend.Config{DSN: dsn, PublicURL: lb.URL, KioskClients: helperKioskClients(), Staff: backend.StaffConfig{
			Issuer: o.ts.URL, ClientID: testStaffClient, ClientSecret: testStaffSecret, RoleClaim: "realm_access.roles", Role: testStaffRole,
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		srvs[i], handlers[i] = srv, srv.HandlerWithStaff()
	}
	e := &staffEnv{srv: srvs[0], ts: lb, op: o}
	b := browser(t, nil)
	status, page := e.login(t, b, "kari.staff")
	if status != http.StatusOK || !strings.Contains(page, "Kari Tilsett") {
		t.Fatalf("login across replicas: %d %s", status, page)
	}
	token := csrfOf(t, page)
	for i := range 4 { // both replicas know the session
		res, err := b.Get(lb.URL + "/staff")
		if err != nil {
			t.Fatal(err)
		}
		if body := read(t, res); res.StatusCode != http.StatusOK || res.Request.URL.Path != "/staff" {
			t.Fatalf("GET /staff #%d: %d at %s: %.200s", i, res.StatusCode, res.Request.URL, body)
		}
	}
	if n := countRowsDB(t, srvs[1], `SELECT COUNT(*) FROM staff_sessions`); n != 1 {
		t.Errorf("%d staff sessions stored, want 1", n)
	}
	req, _ := http.NewRequest(http.MethodPost, lb.URL+"/staff/logout", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", lb.URL)
	res, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := read(t, res); res.StatusCode != http.StatusOK {
		t.Fatalf("logout: %d %s", res.StatusCode, body)
	}
	if n := countRowsDB(t, srvs[0], `SELECT COUNT(*) FROM staff_sessions`); n != 0 {
		t.Errorf("%d staff sessions after logout, want 0", n)
	}
}

func countRowsDB(t *testing.T, s *backend.Server, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSchemasAlike: the PostgreSQL migrations (migrations/postgres) give the same tables and columns, in the
// same order, and the same goose version as SQLite's (migrations).
func TestSchemasAlike(t *testing.T) {
	lite, err := backend.New(backend.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := backend.New(backend.Config{DSN: pgtest.DSN(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	columns := func(s *backend.Server, q string) []string {
		rows, err := s.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var tb, col string
			if err := rows.Scan(&tb, &col); err != nil {
				t.Fatal(err)
			}
			out = append(out, tb+"."+col)
		}
		return out
	}
	a := columns(lite, `SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'goose_%' ORDER BY m.name, c.cid`)
	b := columns(pg, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name NOT LIKE 'goose_%' ORDER BY table_name, ordinal_position`)
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("the schemas differ:\nSQLite:     %v\nPostgreSQL: %v", a, b)
	}
	version := func(s *backend.Server) int {
		var v int
		if err := s.DB().QueryRow(`SELECT MAX(version_id) FROM goose_db_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if va, vb := version(lite), version(pg); va != vb || va == 0 {
		t.Errorf("goose versions: SQLite %d, PostgreSQL %d", va, vb)
	}
	t.Logf("%d columns alike", len(a))
}
