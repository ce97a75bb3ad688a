package backend_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func fileEnv(t *testing.T, opts ...backendtest.Option) *backendtest.Env {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "helsekiosk.db")
	return backendtest.New(t, append([]backendtest.Option{backendtest.WithConfig(func(c *backend.Config) { c.DSN = dsn })}, opts...)...)
}

func wantUnavailable(t *testing.T, res *http.Response, b []byte) {
	t.Helper()
	wantProblem(t, res, b, http.StatusServiceUnavailable, "unavailable")
	if ra := res.Header.Get("Retry-After"); ra != "5" {
		t.Errorf("Retry-After %q, want 5", ra)
	}
}

func newThread(subject, body string) api.NewThread {
	return api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: subject, Body: body}
}

// TestReadyReadOnlyAndFull: liveness stays 200 while the database cannot be written; readiness and every
// write answer 503 unavailable with Retry-After (never 500); both recover when the database does.
func TestReadyReadOnlyAndFull(t *testing.T) {
	type fault struct {
		name          string
		break_, heal  func(t *testing.T, db *sql.DB)
		fillWithWrite bool // the fault shows only once the database has no room left
	}
	exec := func(q string) func(t *testing.T, db *sql.DB) {
		return func(t *testing.T, db *sql.DB) {
			if _, err := db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	faults := []fault{
		{name: "read-only (query_only)", break_: exec("PRAGMA query_only = 1"), heal: exec("PRAGMA query_only = 0")},
		{name: "full (max_page_count)", fillWithWrite: true,
			break_: func(t *testing.T, db *sql.DB) {
				var n int
				if err := db.QueryRow("PRAGMA page_count").Scan(&n); err != nil {
					t.Fatal(err)
				}
				exec(fmt.Sprintf("PRAGMA max_page_count = %d", n))(t, db)
			},
			heal: exec("PRAGMA max_page_count = 1073741823")},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			e := fileEnv(t, backendtest.AllowUnavailable())
			tok := e.Token(t, backend.DemoIngrid)
			const threads = "/v1/persons/p-ingrid/threads"
			res, b := e.Do(t, http.MethodGet, "/v1/ready", "", nil)
			wantStatus(t, res, b, http.StatusOK)

			f.break_(t, e.Server.DB())
			res, b = e.Do(t, http.MethodPost, threads, tok, newThread("Hei", "Hei"), "Idempotency-Key", "before-fill")
			if f.fillWithWrite {
				big := strings.Repeat("Lang melding. ", 200)
				for i := 0; res.StatusCode == http.StatusCreated && i < 500; i++ {
					res, b = e.Do(t, http.MethodPost, threads, tok, newThread("Fyll", big), "Idempotency-Key", fmt.Sprintf("fill-%d", i))
				}
			}
			wantUnavailable(t, res, b)
			t.Logf("%s: the write answers %d %s, Retry-After %s", f.name, res.StatusCode, b, res.Header.Get("Retry-After"))
			res, b = e.Do(t, http.MethodGet, "/v1/ready", "", nil)
			wantUnavailable(t, res, b)
			t.Logf("%s: /v1/ready answers %d, Retry-After %s", f.name, res.StatusCode, res.Header.Get("Retry-After"))
			res, b = e.Do(t, http.MethodGet, "/v1/health", "", nil)
			wantStatus(t, res, b, http.StatusOK)

			f.heal(t, e.Server.DB())
			res, b = e.Do(t, http.MethodGet, "/v1/ready", "", nil)
			wantStatus(t, res, b, http.StatusOK)
			res, b = e.Do(t, http.MethodPost, threads, tok, newThread("Etter", "Det verkar igjen."), "Idempotency-Key", "after")
			wantStatus(t, res, b, http.StatusCreated)
		})
	}
}

// TestSlowClientCutOff: a client that sends its headers and one byte of a 100-byte body is disconnected by
// the server once the read timeout passes.
func TestSlowClientCutOff(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := backend.Start(ctx, backend.Config{Demo: true, Timeouts: backend.Timeouts{Read: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(run.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /oauth/device_authorization HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nc")
	deadline, _ := ctx.Deadline()
	_ = conn.SetReadDeadline(deadline)
	rest, err := io.ReadAll(conn) // until the server closes the connection
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the connection was still open at the test's deadline")
	}
	t.Logf("server closed the slow connection; it answered %q", firstLine(rest))
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\r\n")
	return s
}

// TestConcurrencyPerClient: over the bound of requests in flight from one address, 429 rate_limited with
// Retry-After; a slot freed lets the next request in.
//
// Two POSTs hold their slots on events the test controls, not on time: each one's body is a pipe the test
// writes, and a wrapper around the backend's handler reports when the backend starts reading that body
// (which it does only after the request took its slot) and when the backend's handler has returned (its
// slot given back). So the third request is sent while two are certainly in flight, and once, and the
// fourth after one certainly ended. Without the bound the third is served (200), and the test fails.
func TestConcurrencyPerClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // bounds a failure only
	defer cancel()
	reading := make(chan int, 2) // a held request's body is being read: it holds a slot
	ended := make(chan int, 2)   // a held request's handler returned: its slot is free again
	cfg := backend.Config{Demo: true, MaxConcurrentPerClient: 2,
		// The held bodies wait on the test, not on the clock: no read timeout may end them on a slow machine.
		Timeouts: backend.Timeouts{Read: 10 * time.Minute, Write: 10 * time.Minute}}
	backend.WrapHandler(&cfg, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, err := strconv.Atoi(r.Header.Get("X-Test-Held"))
			if err != nil {
				next.ServeHTTP(w, r)
				return
			}
			r.Body = &notifyingBody{ReadCloser: r.Body, first: func() { reading <- n }}
			next.ServeHTTP(w, r)
			ended <- n
		})
	})
	run, err := backend.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()

	type answer struct {
		status int
		err    error
	}
	var bodies [2]*io.PipeWriter
	answers := make([]chan answer, 2)
	for n := range 2 {
		pr, pw := io.Pipe()
		bodies[n] = pw
		defer pw.Close()
		answers[n] = make(chan answer, 1)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, run.URL+"/oauth/device_authorization", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Test-Held", strconv.Itoa(n))
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers[n] <- answer{err: err}
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			answers[n] <- answer{status: res.StatusCode}
		}()
	}
	await := func(what string, ch <-chan int) int {
		t.Helper()
		select {
		case n := <-ch:
			return n
		case <-ctx.Done():
			t.Fatalf("%s: not within the test's deadline", what)
			return -1
		}
	}
	await("the first held request in flight", reading)
	await("the second held request in flight", reading)

	res, err := http.Get(run.URL + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third request with two in flight: %d %s, want 429", res.StatusCode, b)
	}
	wantProblem(t, res, b, http.StatusTooManyRequests, "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	// One finishes: the next request is served.
	if _, err := io.WriteString(bodies[0], "client_id=helsekiosk-demo"); err != nil {
		t.Fatal(err)
	}
	bodies[0].Close()
	if n := await("the first held request's end", ended); n != 0 {
		t.Fatalf("held request %d ended, not the one whose body was sent", n)
	}
	if a := <-answers[0]; a.err != nil || a.status == http.StatusTooManyRequests || a.status >= 500 {
		t.Fatalf("the held request, once its body came: %d %v", a.status, a.err)
	}
	res, err = http.Get(run.URL + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("with one request in flight: %d %s, want 200", res.StatusCode, b)
	}
	bodies[1].Close()
	if a := <-answers[1]; a.err != nil {
		t.Fatalf("the second held request: %v", a.err)
	}
}

// A notifyingBody calls first at its first Read.
type notifyingBody struct {
	io.ReadCloser
	once  sync.Once
	first func()
}

func (b *notifyingBody) Read(p []byte) (int, error) {
	b.once.Do(b.first)
	return b.ReadCloser.Read(p)
}

// TestBadHeadersAndForms: each bad header or form value is a 400 in the endpoint's error format.
func TestBadHeadersAndForms(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	tok := e.Token(t, backend.DemoIngrid)
	const threads = "/v1/persons/p-ingrid/threads"
	body := `{"serviceId":"svc-home-nursing","subject":"Hei","body":"Hei"}`
	form := "application/x-www-form-urlencoded"
	deviceCodes := func() int {
		var n int
		if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM device_codes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name, method, path, ct, body string
		headers                      []string
		status                       int
		code, field                  string // code: a ProblemCode, or "oauth:" and an RFC 6749 error
	}{
		{"idempotency key not UTF-8", "POST", threads, "application/json", body, []string{"Idempotency-Key", "k-\xff\xfe"}, 400, "invalid_request", "Idempotency-Key"},
		{"idempotency key not ASCII", "POST", threads, "application/json", body, []string{"Idempotency-Key", "nøkkel"}, 400, "invalid_request", "Idempotency-Key"},
		{"idempotency key 256 long", "POST", threads, "application/json", body, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, "invalid_request", "Idempotency-Key"},
		{"other header not UTF-8", "GET", threads, "", "", []string{"X-Kiosk-Note", "\xff"}, 400, "invalid_request", "X-Kiosk-Note"},
		{"header over 8 KiB", "GET", threads, "", "", []string{"X-Kiosk-Note", strings.Repeat("a", 8<<10+1)}, 400, "invalid_request", "X-Kiosk-Note"},
		{"query not UTF-8", "GET", threads + "?cursor=%ff", "", "", nil, 400, "invalid_request", "cursor"},
		{"kiosk_name not UTF-8", "POST", "/oauth/device_authorization", form, "client_id=helsekiosk&kiosk_name=%ff", nil, 400, "oauth:invalid_request", ""},
		{"kiosk_name with ESC", "POST", "/oauth/device_authorization", form, "client_id=helsekiosk&kiosk_name=%1b%5b31mK", nil, 400, "oauth:invalid_request", ""},
		{"kiosk_name over 100", "POST", "/oauth/device_authorization", form, "client_id=helsekiosk&kiosk_name=" + strings.Repeat("k", 101), nil, 400, "oauth:invalid_request", ""},
		{"scope over 200", "POST", "/oauth/device_authorization", form, "client_id=helsekiosk&scope=" + strings.Repeat("openid+", 40), nil, 400, "oauth:invalid_request", ""},
		{"grant_type over 100", "POST", "/oauth/token", form, "grant_type=" + strings.Repeat("x", 101), nil, 400, "oauth:invalid_request", ""},
		{"user_code not UTF-8", "POST", "/device", form, "user_code=%ff&action=approve", nil, 400, "invalid_request", "user_code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, codesBefore := dbState(t, e), deviceCodes()
			var rb any
			if tc.body != "" {
				rb = tc.body
			}
			h := append([]string{}, tc.headers...)
			if tc.ct != "" {
				h = append(h, "Content-Type", tc.ct)
			}
			res, b := e.Do(t, tc.method, tc.path, tok, rb, h...)
			if oe, ok := strings.CutPrefix(tc.code, "oauth:"); ok {
				wantStatus(t, res, b, tc.status)
				if got := decode[api.OAuthError](t, b); got.Error != oe {
					t.Errorf("error %q, want %q", got.Error, oe)
				}
			} else {
				p := wantProblem(t, res, b, tc.status, tc.code)
				if p.Field == nil || *p.Field != tc.field {
					t.Errorf("field %v, want %q", p.Field, tc.field)
				}
			}
			if after := dbState(t, e); !sameState(before, after) {
				t.Errorf("state changed: %v → %v", before, after)
			}
			if n := deviceCodes(); n != codesBefore {
				t.Errorf("%d device codes stored, had %d", n, codesBefore)
			}
		})
	}
	// A control character in a header value never reaches the backend: net/http answers it itself, with a
	// text/plain 400 (documented in the README).
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /v1/health HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\x01b\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("control character in a header: %d %s (net/http's own answer changed?)", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestNoRedirects: unclean paths are 404 problems, not ServeMux's 307, on the API handler and on the whole
// handler with the staff page.
func TestNoRedirects(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	tok := e.Token(t, backend.DemoIngrid)
	whole := httptest.NewServer(e.Server.HandlerWithStaff())
	defer whole.Close()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, base := range []string{e.URL, whole.URL} {
		for _, p := range []string{"/v1/persons//threads", "/v1/./health", "/v1/persons/p-ingrid/threads/..", "//v1/health", "/v1/persons/p-ingrid//threads"} {
			req, _ := http.NewRequest(http.MethodGet, base+p, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.Header.Get("Location") != "" {
				t.Errorf("%s: redirect to %s", p, res.Header.Get("Location"))
			}
			wantProblem(t, res, b, http.StatusNotFound, "not_found")
		}
	}
}

// TestStaffPageShowsControlsEscaped: a kiosk name with ESC sequences and bidi overrides is shown with those
// characters as visible \uXXXX escapes.
func TestStaffPageShowsControlsEscaped(t *testing.T) {
	_, ts, c := staffServer(t)
	askHelp(t, c, "Kiosk \x1b[31mRAUD\x1b[0m \u202eesrever\u202c \u2066x\u2069", "in\u200bbox")
	_, res, page := demoStaffLogin(t, ts)
	if res.StatusCode != 200 {
		t.Fatalf("staff page %d", res.StatusCode)
	}
	for _, bad := range []string{"\x1b", "\u202e", "\u202c", "\u2066", "\u2069", "\u200b"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q verbatim", bad)
		}
	}
	for _, want := range []string{`Kiosk \u001b[31mRAUD\u001b[0m \u202eesrever\u202c \u2066x\u2069`, `in\u200bbox`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

// TestGracefulShutdown: a slow request in flight when Close begins is finished and answered; the listener
// refuses new connections meanwhile; Close returns once it is done.
func TestGracefulShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	cfg := backend.Config{Demo: true}
	backend.WrapHandler(&cfg, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				close(entered)
				<-release
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, "done")
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	run, err := backend.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(run.URL, "http://")
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		res, err := http.Get(run.URL + "/slow")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		answered <- answer{res.StatusCode, string(b), err}
	}()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- run.Close() }()
	// Shutdown has begun once the listener refuses.
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if i > 1000 {
			t.Fatal("the listener never closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	a := <-answered
	if a.err != nil || a.status != http.StatusOK || a.body != "done" {
		t.Fatalf("the request in flight: %d %q %v", a.status, a.body, a.err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestReadOnlySecondServer: a second Server on the same file opened read-only (?mode=ro) answers readiness
// and writes with 503 unavailable and Retry-After, while the first, read-write, keeps writing.
func TestReadOnlySecondServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helsekiosk.db")
	rw := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.DSN = path }))
	tok := rw.Token(t, backend.DemoIngrid)
	ro := backendtest.New(t, backendtest.AllowUnavailable(), backendtest.WithConfig(func(c *backend.Config) {
		c.DSN = "file:" + path + "?mode=ro"
		c.Demo, c.KioskClients = false, nil
		c.TrustIssuers, c.Audience = []string{rw.URL}, rw.URL // it trusts the first one's tokens
	}))
	res, b := ro.Do(t, http.MethodGet, "/v1/ready", "", nil)
	wantUnavailable(t, res, b)
	res, b = ro.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/t-ingrid-1", tok, nil)
	wantStatus(t, res, b, http.StatusOK) // reads still work
	res, b = ro.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, newThread("Hei", "Frå den skrivebeskytta"), "Idempotency-Key", "ro-1")
	wantUnavailable(t, res, b)
	res, b = ro.Do(t, http.MethodGet, "/v1/health", "", nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = rw.Do(t, http.MethodGet, "/v1/ready", "", nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = rw.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, newThread("Hei", "Frå den skrivbare"), "Idempotency-Key", "ro-1")
	wantStatus(t, res, b, http.StatusCreated)
}
