package backend_test

// The security audit's five findings (issue 21), one test (or two) each.

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// scrapeMetrics returns the metrics text of s.
func scrapeMetrics(t *testing.T, s *backend.Server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// seriesOf counts the series of the metric name (lines "name{...} value").
func seriesOf(text, name string) int {
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, name+"{") {
			n++
		}
	}
	return n
}

// TestMetricsLabelsClosedSet: requests with invented methods, on invented paths (also under /staff/ and
// /oauth/), leave the number of series of the request metrics bounded: every label value comes from a
// closed set (the methods the API uses, else "other"; route templates, else "other").
func TestMetricsLabelsClosedSet(t *testing.T) {
	e := backendtest.New(t)
	h := e.Server.Handler()
	serve := func(method, path string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Method = method
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// A few real requests first, so that the series of real methods and routes are there.
	for _, p := range []string{"/v1/health", "/v1/ready", "/staff", "/device"} {
		serve(http.MethodGet, p)
	}
	before := scrapeMetrics(t, e.Server)
	const n = 300
	for i := range n {
		if got := serve(fmt.Sprintf("INVENTED%d", i), "/v1/health"); got < 400 || got >= 500 {
			t.Fatalf("invented method %d: status %d, want 4xx", i, got)
		}
		serve(http.MethodGet, fmt.Sprintf("/staff/invented-%d", i))
		serve(http.MethodGet, fmt.Sprintf("/oauth/invented-%d", i))
		serve(fmt.Sprintf("X-%d", i), fmt.Sprintf("/nowhere/%d", i))
	}
	after := scrapeMetrics(t, e.Server)
	for _, name := range []string{"helsekiosk_http_requests_total", "helsekiosk_http_request_duration_seconds_count"} {
		b, a := seriesOf(before, name), seriesOf(after, name)
		t.Logf("%s: %d series before, %d after %d requests with invented methods and paths", name, b, a, 4*n)
		if a > b+10 {
			t.Errorf("%s grew from %d to %d series: a label takes values from the request", name, b, a)
		}
	}
	t.Logf("/metrics: %d bytes before, %d after", len(before), len(after))
	for _, leak := range []string{"INVENTED", "invented-", "/nowhere/", `method="X-`} {
		if strings.Contains(after, leak) {
			t.Errorf("the metrics hold %q from a request", leak)
		}
	}
	if !strings.Contains(after, `method="other"`) {
		t.Errorf("no method=\"other\" series for the invented methods")
	}
}

// deviceAs serves a /device request from the client address addr (the handler itself, so each request can
// come from an address of its own) and returns the status.
func deviceAs(h http.Handler, addr, method, path string, form url.Values) int {
	var req *http.Request
	if method == http.MethodPost {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.RemoteAddr = net.JoinHostPort(addr, "40000")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// wrongCode is the i-th user code of the alphabet that no login holds (the test checks against the real one).
func wrongCode(i int) string {
	const alphabet = "BCDFGHJKLMNPQRSTVWXZ"
	b := []byte("ZZZZ-ZZZZ")
	for j := 8; j >= 5 && i > 0; j-- {
		b[j] = alphabet[i%len(alphabet)]
		i /= len(alphabet)
	}
	return string(b)
}

// TestUserCodeGuessingLocksOutOnlyTheGuessers: 30 addresses guess 10 wrong user codes each; a citizen who
// types the right code from another address still gets the approval page and logs in, while the guessing
// addresses get 429. A fresh address during the attack gets a few tries of its own, then 429. On the test
// clock, the guessers' budget comes back with time.
func TestUserCodeGuessingLocksOutOnlyTheGuessers(t *testing.T) {
	clk := backendtest.NewClock(time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	e := backendtest.New(t, backendtest.WithClock(clk))
	da := e.StartLogin(t)
	h := e.Server.Handler()
	guesses := map[int]int{}
	for a := range 30 {
		addr := fmt.Sprintf("203.0.113.%d", a+1)
		for i := range 10 {
			code := wrongCode(a*10 + i)
			if code == da.UserCode {
				continue
			}
			guesses[deviceAs(h, addr, http.MethodGet, "/device?user_code="+code, nil)]++
		}
	}
	t.Logf("300 wrong codes from 30 addresses: %v (status: count)", guesses)
	if guesses[http.StatusOK] != 0 {
		t.Fatalf("a wrong code was answered 200")
	}
	citizen := "198.51.100.7"
	if got := deviceAs(h, citizen, http.MethodGet, "/device?user_code="+da.UserCode, nil); got != http.StatusOK {
		t.Fatalf("the citizen's valid code from an address that has not guessed: %d, want 200", got)
	}
	if got := deviceAs(h, citizen, http.MethodPost, "/device", url.Values{"user_code": {da.UserCode}, "person_id": {backend.DemoIngrid}, "action": {"approve"}}); got != http.StatusOK {
		t.Fatalf("the citizen's approval: %d, want 200", got)
	}
	res, b := pollToken(t, e, da.DeviceCode)
	wantStatus(t, res, b, http.StatusOK)

	// The guessers are refused, a right code too.
	da2 := e.StartLogin(t)
	if got := deviceAs(h, "203.0.113.1", http.MethodGet, "/device?user_code="+wrongCode(9999), nil); got != http.StatusTooManyRequests {
		t.Errorf("a guesser's next wrong code: %d, want 429", got)
	}
	if got := deviceAs(h, "203.0.113.1", http.MethodGet, "/device?user_code="+da2.UserCode, nil); got != http.StatusTooManyRequests {
		t.Errorf("a guesser's right code: %d, want 429", got)
	}
	// A new address during the attack (the overall budget is spent): a few wrong codes, then 429.
	statuses := []int{}
	for i := range 10 {
		statuses = append(statuses, deviceAs(h, "192.0.2.50", http.MethodGet, "/device?user_code="+wrongCode(5000+i), nil))
	}
	t.Logf("a new address's 10 wrong codes during the attack: %v", statuses)
	if statuses[0] != http.StatusNotFound || statuses[len(statuses)-1] != http.StatusTooManyRequests {
		t.Errorf("a new address during the attack: %v, want its first wrong code 404 and then 429", statuses)
	}
	// An address in the same IPv6 /64 as a guesser shares its budget.
	for i := range 10 {
		deviceAs(h, "2001:db8:1:2::1", http.MethodGet, "/device?user_code="+wrongCode(7000+i), nil)
	}
	if got := deviceAs(h, "2001:db8:1:2::ffff", http.MethodGet, "/device?user_code="+da2.UserCode, nil); got != http.StatusTooManyRequests {
		t.Errorf("another address of a guessing IPv6 /64: %d, want 429", got)
	}
	// The budget comes back with time (the server's clock).
	clk.Advance(10 * time.Minute)
	da3 := e.StartLogin(t) // da2 has expired by now
	if got := deviceAs(h, "203.0.113.1", http.MethodGet, "/device?user_code="+da3.UserCode, nil); got != http.StatusOK {
		t.Errorf("a guesser's right code 10 minutes on: %d, want 200", got)
	}
}

// TestDeviceAuthorizationBounded: /oauth/device_authorization makes at most a bounded number of pending
// codes per client address, and in all; above the bound 429 rate_limited with Retry-After (until the
// first of them expires). Codes that are used, or have expired, no longer count.
func TestDeviceAuthorizationBounded(t *testing.T) {
	clk := backendtest.NewClock(time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	e := backendtest.New(t, backendtest.WithClock(clk))
	form := url.Values{"client_id": {backend.ClientID}, "kiosk_name": {"Servicetorget"}}
	ok, limited := 0, 0
	var last *http.Response
	var lastBody []byte
	for range 300 {
		res, b := postForm(t, e, "/oauth/device_authorization", form)
		switch res.StatusCode {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
			last, lastBody = res, b
		default:
			t.Fatalf("device_authorization: %d %s", res.StatusCode, b)
		}
	}
	var pending int
	if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM device_codes WHERE status = 'pending'`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	t.Logf("300 device authorizations from one address: %d answered 200, %d answered 429; %d pending codes", ok, limited, pending)
	if ok > backend.MaxPendingCodesPerAddr || pending > backend.MaxPendingCodesPerAddr {
		t.Fatalf("%d codes made, %d pending, from one address; want at most %d", ok, pending, backend.MaxPendingCodesPerAddr)
	}
	wantProblem(t, last, lastBody, http.StatusTooManyRequests, "rate_limited")
	if ra := last.Header.Get("Retry-After"); ra != "600" {
		t.Errorf("Retry-After %q, want 600 (the first pending code's expiry)", ra)
	}
	// Time passes: the codes expire and the address may start logins again.
	clk.Advance(10*time.Minute + time.Second)
	e.StartLogin(t)

	// In all: from many addresses, at most the total bound of pending codes.
	e2 := backendtest.New(t, backendtest.WithClock(clk))
	const total = 40
	restore := e2.Server.SetDeviceCodeBounds(5, total)
	defer restore()
	h := e2.Server.Handler()
	ok, limited = 0, 0
	for a := range 20 {
		for range 5 {
			req := httptest.NewRequest(http.MethodPost, "/oauth/device_authorization", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.RemoteAddr = fmt.Sprintf("203.0.113.%d:40000", a+1)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			switch rec.Code {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				limited++
			default:
				t.Fatalf("device_authorization: %d %s", rec.Code, rec.Body)
			}
		}
	}
	t.Logf("100 device authorizations from 20 addresses, bound 5 per address and %d in all: %d answered 200, %d 429", total, ok, limited)
	if ok != total {
		t.Errorf("%d codes made, want the total bound %d", ok, total)
	}
}

// TestChunkedWithContentLengthClosesConnection: a request with both Transfer-Encoding: chunked and
// Content-Length is answered and its connection closed (RFC 9112 section 6.1): the request sent behind it
// on the same connection gets no answer.
func TestChunkedWithContentLengthClosesConnection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := backend.Start(ctx, backend.Config{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	for _, c := range []struct {
		name, chunked string
		status        int
	}{
		{"the chunked body is the form, the Content-Length says 4", "client_id=helsekiosk", http.StatusOK},
		{"the chunked body is empty, the Content-Length says 20", "", http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(run.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			deadline, _ := ctx.Deadline()
			_ = conn.SetDeadline(deadline) // only so that a hang fails the test instead of the run
			chunks := "0\r\n\r\n"
			if c.chunked != "" {
				chunks = fmt.Sprintf("%x\r\n%s\r\n", len(c.chunked), c.chunked) + chunks
			}
			cl := 4
			if c.chunked == "" {
				cl = 20
			}
			fmt.Fprintf(conn, "POST /oauth/device_authorization HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
				"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n%s"+
				"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n", cl, chunks)
			br := bufio.NewReader(conn)
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("first answer: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			t.Logf("the request with both framings: %s, Connection: close %v: %.120s", res.Status, res.Close, body)
			if res.StatusCode != c.status {
				t.Errorf("status %d, want %d", res.StatusCode, c.status)
			}
			if !res.Close {
				t.Errorf("the answer does not say Connection: close")
			}
			second, err := http.ReadResponse(br, nil)
			if err == nil {
				b, _ := io.ReadAll(second.Body)
				t.Fatalf("the request behind it on the same connection was served: %s %.200s", second.Status, b)
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the connection was still open at the test's deadline")
			}
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("after the answer: %v, want the connection closed", err)
			}
			t.Logf("then the connection is closed: %v", err)
		})
	}
}

// TestIdempotencyBodyHashKeyed: the record of a short write ({"channel":"sms"}) holds no SHA-256 of the
// body, so the body cannot be confirmed by guessing; a repeat with the same key and body replays the
// answer, another body with the same key is refused (422).
func TestIdempotencyBodyHashKeyed(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	const path = "/v1/persons/p-ingrid/notification-settings"
	body := []byte(`{"channel":"sms"}`)
	res, b := e.Do(t, http.MethodPut, path, tok, body, "Idempotency-Key", "k-short")
	wantStatus(t, res, b, http.StatusOK)

	rows, err := e.Server.DB().Query(`SELECT * FROM idempotency`)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	plain := sha256.Sum256(body)
	guesses := []string{hex.EncodeToString(plain[:]), string(plain[:])}
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			cell := string(*v.(*sql.RawBytes))
			for _, g := range guesses {
				if strings.EqualFold(cell, g) {
					t.Errorf("column %s holds SHA-256 of the body: a guessed body can be confirmed", cols[i])
				}
			}
		}
	}
	rows.Close()
	if n != 1 {
		t.Fatalf("%d records, want 1", n)
	}
	res, b2 := e.Do(t, http.MethodPut, path, tok, body, "Idempotency-Key", "k-short")
	wantStatus(t, res, b2, http.StatusOK)
	if res.Header.Get("Idempotent-Replayed") != "true" || string(b2) != string(b) {
		t.Errorf("the same key and body were not replayed: %s", b2)
	}
	res, b = e.Do(t, http.MethodPut, path, tok, []byte(`{"channel":"email"}`), "Idempotency-Key", "k-short")
	wantProblem(t, res, b, http.StatusUnprocessableEntity, "idempotency_key_reused")
	// Another caller's answer with the same key and body is its own.
	kari := e.Token(t, backend.DemoKari)
	res, b = e.Do(t, http.MethodPut, "/v1/persons/p-kari/notification-settings", kari, body, "Idempotency-Key", "k-short")
	wantStatus(t, res, b, http.StatusOK)
	if res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("another caller's record was replayed")
	}
}

// TestIdempotencyMACAcrossServers: a second server on the same database (a restart, or a replica) has the
// same idempotency secret, so it replays the first one's record; a record made before the MAC (a plain
// SHA-256 in body_hash, migration 00010) is still checked against it until it is pruned.
func TestIdempotencyMACAcrossServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "helsekiosk.db")
	first := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.DSN = path }))
	tok := first.Token(t, backend.DemoIngrid)
	const settings = "/v1/persons/p-ingrid/notification-settings"
	body := []byte(`{"channel":"email"}`)
	res, b := first.Do(t, http.MethodPut, settings, tok, body, "Idempotency-Key", "k-restart")
	wantStatus(t, res, b, http.StatusOK)
	second := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.DSN = path }))
	tok = second.Token(t, backend.DemoIngrid) // its own issuer; the record is the person's
	res, b2 := second.Do(t, http.MethodPut, settings, tok, body, "Idempotency-Key", "k-restart")
	wantStatus(t, res, b2, http.StatusOK)
	if res.Header.Get("Idempotent-Replayed") != "true" || string(b2) != string(b) {
		t.Fatalf("the second server on the database did not replay the first one's record: %s", b2)
	}

	// A record as made before migration 00010: body_hash is the plain SHA-256 of the body.
	plain := sha256.Sum256(body)
	if _, err := second.Server.DB().Exec(`UPDATE idempotency SET body_hash = ?`, hex.EncodeToString(plain[:])); err != nil {
		t.Fatal(err)
	}
	res, b2 = second.Do(t, http.MethodPut, settings, tok, body, "Idempotency-Key", "k-restart")
	if res.Header.Get("Idempotent-Replayed") != "true" || string(b2) != string(b) {
		t.Fatalf("a record made before the MAC was not replayed: %d %s", res.StatusCode, b2)
	}
	res, b2 = second.Do(t, http.MethodPut, settings, tok, []byte(`{"channel":"sms"}`), "Idempotency-Key", "k-restart")
	wantProblem(t, res, b2, http.StatusUnprocessableEntity, "idempotency_key_reused")
}

// seededFile makes a demo database file in dir (migrated, seeded, closed cleanly) and returns its path.
func seededFile(t *testing.T, dir string, probes int) string {
	t.Helper()
	path := filepath.Join(dir, "helsekiosk.db")
	s, err := backend.New(backend.Config{DSN: path, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	for range probes {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/ready", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("ready: %d %s", rec.Code, rec.Body)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadyFirstProbeOnFullDatabase: a backend started on a database that cannot grow (SQLite's
// max_page_count at its page count, as on a full disk) answers /v1/ready 503 from the first probe, although
// the free pages of earlier probes would let the probe's own small write through.
func TestReadyFirstProbeOnFullDatabase(t *testing.T) {
	path := seededFile(t, t.TempDir(), 3)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var pages, free int
	if err := raw.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`PRAGMA freelist_count`).Scan(&free); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	t.Logf("the database: %d pages, %d free", pages, free)
	e := backendtest.New(t, backendtest.WithoutDemo(), backendtest.AllowUnavailable(), backendtest.WithConfig(func(c *backend.Config) {
		c.DSN = fmt.Sprintf("file:%s?_pragma=max_page_count(%d)", path, pages)
		c.KioskClients = nil
	}))
	// The database is full: a real write of some size fails.
	if _, err := e.Server.DB().Exec(`INSERT INTO ready_probe (id, checked_at, pad) VALUES (1, 0, zeroblob(262144))`); err == nil {
		t.Fatal("a 256 KiB write went into the full database")
	} else {
		t.Logf("a 256 KiB write: %v", err)
	}
	res, b := e.Do(t, http.MethodGet, "/v1/ready", "", nil)
	t.Logf("first /v1/ready: %d %s", res.StatusCode, b)
	wantUnavailable(t, res, b)
	res, b = e.Do(t, http.MethodGet, "/v1/health", "", nil)
	wantStatus(t, res, b, http.StatusOK)
}

// TestReadyLowDiskSpace: the readiness probe checks the file system's free space (statfs of the database's
// directory): with less free than the server's minimum, 503; the real temporary directory is used, the
// minimum set above what it has.
func TestReadyLowDiskSpace(t *testing.T) {
	e := fileEnv(t, backendtest.AllowUnavailable())
	res, b := e.Do(t, http.MethodGet, "/v1/ready", "", nil)
	wantStatus(t, res, b, http.StatusOK)
	restore := e.Server.SetMinFreeBytes(1 << 62)
	res, b = e.Do(t, http.MethodGet, "/v1/ready", "", nil)
	wantUnavailable(t, res, b)
	restore()
	res, b = e.Do(t, http.MethodGet, "/v1/ready", "", nil)
	wantStatus(t, res, b, http.StatusOK)
}

// TestReadOnlySnapshotStart: a backend started on a read-only snapshot (VACUUM INTO makes a rollback-journal
// copy; the DSN opens it with mode=ro, as an operator serving it read-only would) starts with the demo on,
// answers reads, and /v1/ready and writes 503 from the first request. It runs as root too, where a
// read-only file mode does not stop writes.
func TestReadOnlySnapshotStart(t *testing.T) {
	dir := t.TempDir()
	src := seededFile(t, dir, 1)
	snap := filepath.Join(dir, "snapshot.db")
	raw, err := sql.Open("sqlite", src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`VACUUM INTO ?`, snap); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	e := backendtest.New(t, backendtest.AllowUnavailable(), backendtest.WithConfig(func(c *backend.Config) {
		c.DSN = "file:" + snap + "?mode=ro"
	}))
	res, b := e.Do(t, http.MethodGet, "/v1/ready", "", nil)
	t.Logf("first /v1/ready: %d %s", res.StatusCode, b)
	wantUnavailable(t, res, b)
	tok := e.MintToken(t, backend.DemoIngrid)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/t-ingrid-1", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, newThread("Hei", "Skrivebeskytta"), "Idempotency-Key", "ro-snap-1")
	wantUnavailable(t, res, b)
}

const roDirEnv = "HELSEKIOSK_TEST_RO_DIR"

// TestReadOnlyFileSystemStart: a backend started on a database on a read-only file system (a read-only bind
// mount in a private mount namespace, which holds for root too) starts, answers reads, and answers
// /v1/ready and writes 503 unavailable from the first request. The test runs itself again inside the
// namespace; without the privilege for one (a container without CAP_SYS_ADMIN) it skips.
func TestReadOnlyFileSystemStart(t *testing.T) {
	if dir := os.Getenv(roDirEnv); dir != "" {
		readOnlyChild(t, dir)
		return
	}
	if exec.Command("unshare", "--mount", "--propagation", "private", "--", "true").Run() != nil {
		t.Skip("no private mount namespace here (unshare --mount needs CAP_SYS_ADMIN)")
	}
	dir := t.TempDir()
	seededFile(t, dir, 1)
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	t.Logf("the database directory after a clean close: %v", names)
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
		`mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && exec "$2" -test.run '^TestReadOnlyFileSystemStart$' -test.v -test.count=1`,
		"sh", dir, os.Args[0])
	cmd.Env = append(os.Environ(), roDirEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	t.Logf("inside the namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the backend on the read-only file system: %v", err)
	}
}

func readOnlyChild(t *testing.T, dir string) {
	if err := os.WriteFile(filepath.Join(dir, "probe"), nil, 0o600); !errors.Is(err, syscall.EROFS) {
		t.Fatalf("the directory is not read-only: writing a file gives %v", err)
	}
	e := backendtest.New(t, backendtest.AllowUnavailable(), backendtest.WithConfig(func(c *backend.Config) {
		c.DSN = filepath.Join(dir, "helsekiosk.db")
	}))
	res, b := e.Do(t, http.MethodGet, "/v1/ready", "", nil)
	t.Logf("first /v1/ready: %d %s (Retry-After %q)", res.StatusCode, b, res.Header.Get("Retry-After"))
	wantUnavailable(t, res, b)
	tok := e.MintToken(t, backend.DemoIngrid)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/t-ingrid-1", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, newThread("Hei", "Skrivebeskytta"), "Idempotency-Key", "ro-fs-1")
	t.Logf("a write: %d %s", res.StatusCode, b)
	wantUnavailable(t, res, b)
	res, b = postForm(t, e, "/oauth/device_authorization", url.Values{"client_id": {backend.ClientID}})
	t.Logf("a device login: %d %s", res.StatusCode, b)
	wantUnavailable(t, res, b)
	res, b = e.Do(t, http.MethodGet, "/v1/health", "", nil)
	wantStatus(t, res, b, http.StatusOK)
}
