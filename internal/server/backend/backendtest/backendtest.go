// Package backendtest runs the reference backend with demo data for tests of the client and the UI:
// New serves it on an httptest server through a wrapper that validates every request and every response
// against the contract (api.Spec) and reports any mismatch with t.Errorf.
package backendtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
	"github.com/helsekiosk/helsekiosk/internal/server/contract"
)

// Env is a running backend.
type Env struct {
	URL    string
	Server *backend.Server
	// Client is a plain HTTP client for the server.
	Client *http.Client

	t            testing.TB
	mu           sync.Mutex
	allowBadReq  bool
	allowUnavail bool
	contract     *contract.Validator
}

type options struct {
	cfg          backend.Config
	store        string
	allowBadReq  bool
	allowUnavail bool
	staff        bool
}

// Option changes how New sets up the backend.
type Option func(*options)

// Stores are the databases the backend runs on in tests: SQLite in memory and PostgreSQL (pgtest).
var Stores = []string{"sqlite", "postgres"}

// WithStore runs the backend on store: "sqlite" (a private in-memory database, the default) or "postgres"
// (a fresh database on pgtest's cluster; skipped without PostgreSQL, failed under CI=true). Without this
// option HELSEKIOSK_TEST_DB chooses, so HELSEKIOSK_TEST_DB=postgres runs every backendtest on PostgreSQL.
func WithStore(store string) Option { return func(o *options) { o.store = store } }

// ForEachStore runs f as a subtest per store (Stores), each with the WithStore option to pass to New.
func ForEachStore(t *testing.T, f func(t *testing.T, store Option)) {
	t.Helper()
	for _, st := range Stores {
		t.Run(st, func(t *testing.T) { f(t, WithStore(st)) })
	}
}

// StoreDSN is the Config.DSN for store: "" (in memory) for sqlite, a fresh database for postgres.
func StoreDSN(t testing.TB, store string) string {
	t.Helper()
	switch store {
	case "", "sqlite":
		return ""
	case "postgres":
		return pgtest.DSN(t)
	}
	t.Fatalf("backendtest: unknown store %q (sqlite, postgres)", store)
	return ""
}

// WithConfig edits the backend.Config before the server is built (Demo is true and PollInterval
// tiny by default).
func WithConfig(f func(*backend.Config)) Option { return func(o *options) { f(&o.cfg) } }

// WithNow sets the backend's clock.
func WithNow(now func() time.Time) Option { return func(o *options) { o.cfg.Now = now } }

// WithClock sets the backend's clock to c.
func WithClock(c *Clock) Option { return WithNow(c.Now) }

// WithoutDemo starts with an empty database.
func WithoutDemo() Option { return func(o *options) { o.cfg.Demo = false } }

// WithStaffPages serves the staff pages (/staff…, and the demo staff IdP under /demo-staff-idp) beside the
// API, as helsekiosk-backend does; they are outside the contract, so only the API is validated.
func WithStaffPages() Option { return func(o *options) { o.staff = true } }

// AllowInvalidRequests stops reporting requests that break the contract (for tests that send bad
// input on purpose). Responses are still validated.
func AllowInvalidRequests() Option { return func(o *options) { o.allowBadReq = true } }

// AllowUnavailable lets 503 answers pass (tests that make the database fail); other 5xx still fail the test.
func AllowUnavailable() Option { return func(o *options) { o.allowUnavail = true } }

// Clock is a settable clock for WithClock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// The kiosk clients New registers (client credentials, client_secret_basic).
const (
	KioskID          = "testkiosk"
	KioskSecret      = "testkiosk-secret"
	OtherKioskID     = "otherkiosk"
	OtherKioskSecret = "otherkiosk-secret"
)

// New starts a backend with demo data (and a poll interval so small that the kiosk never has to wait
// or gets slow_down) behind a validating wrapper, with the kiosk clients KioskID and OtherKioskID
// registered. Its PublicURL is the test server's URL. It is closed by t.Cleanup.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{cfg: backend.Config{Demo: true, PollInterval: time.Nanosecond, KioskName: "Testkiosken",
		KioskClients: []backend.KioskClient{
			{ClientID: KioskID, SecretHash: backend.SHA256SecretHash(KioskSecret), Name: "Testkiosken", Location: "Servicetorget"},
			{ClientID: OtherKioskID, SecretHash: backend.SHA256SecretHash(OtherKioskSecret), Name: "Den andre kiosken"},
		}}}
	for _, f := range opts {
		f(&o)
	}
	if o.store == "" {
		o.store = os.Getenv("HELSEKIOSK_TEST_DB")
	}
	if o.cfg.DSN == "" {
		o.cfg.DSN = StoreDSN(t, o.store)
	}
	v, err := contract.Load()
	if err != nil {
		t.Fatalf("backendtest: load contract: %v", err)
	}
	hs := httptest.NewUnstartedServer(nil)
	if o.cfg.PublicURL == "" {
		o.cfg.PublicURL = "http://" + hs.Listener.Addr().String()
	}
	srv, err := backend.New(o.cfg)
	if err != nil {
		hs.Close()
		t.Fatalf("backendtest: %v", err)
	}
	e := &Env{Server: srv, t: t, allowBadReq: o.allowBadReq, allowUnavail: o.allowUnavail, contract: v}
	hs.Config.Handler = e.validating(srv.Handler())
	if o.staff {
		api, staff := hs.Config.Handler, srv.HandlerWithStaff()
		hs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := r.URL.Path; p == "/staff" || strings.HasPrefix(p, "/staff/") || strings.HasPrefix(p, "/demo-staff-idp/") {
				staff.ServeHTTP(w, r)
				return
			}
			api.ServeHTTP(w, r)
		})
	}
	hs.Start()
	e.URL = hs.URL
	e.Client = hs.Client()
	e.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	return e
}

// validating checks each request and response against the contract (internal/server/contract).
func (e *Env) validating(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/device" { // the HTML verification page is not part of the contract
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		// Validate a copy so the server sees the request untouched.
		vr := r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))

		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		res := rec.Result()
		resBody := rec.Body.Bytes()

		got := e.contract.Check(r.Context(), contract.Exchange{Request: vr, ReqBody: body, Status: res.StatusCode, Header: res.Header, Body: resBody})
		if got.Request != nil && (!e.allowBadReq || res.StatusCode < 400) {
			e.errorf("backendtest: %s %s: %v (answered %d)", r.Method, r.URL.Path, got.Request, res.StatusCode)
		}
		if got.Response != nil {
			e.errorf("backendtest: %s %s: %v\nbody: %.500s", r.Method, r.URL.Path, got.Response, resBody)
		}
		if got.Problem != nil {
			e.errorf("backendtest: %s %s: %v", r.Method, r.URL.Path, got.Problem)
		}
		if res.StatusCode >= 500 && !(e.allowUnavail && res.StatusCode == http.StatusServiceUnavailable) {
			e.errorf("backendtest: %s %s: server error %d: %s", r.Method, r.URL.Path, res.StatusCode, resBody)
		}
		for k, v := range res.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(resBody)
	})
}

func (e *Env) errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.t.Errorf(format, args...)
}

// postForm posts a form and returns the status and body.
func (e *Env) postForm(t testing.TB, path string, form url.Values) (int, []byte) {
	t.Helper()
	res, err := e.Client.PostForm(e.URL+path, form)
	if err != nil {
		t.Fatalf("backendtest: POST %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// Approve approves a device login as personID by posting the verification form like a phone would.
func (e *Env) Approve(t testing.TB, userCode, personID string) {
	t.Helper()
	status, body := e.postForm(t, "/device", url.Values{"user_code": {userCode}, "person_id": {personID}, "action": {"approve"}})
	if status != http.StatusOK {
		t.Fatalf("backendtest: approve %s as %s: %d %s", userCode, personID, status, body)
	}
}

// Deny declines a device login.
func (e *Env) Deny(t testing.TB, userCode string) {
	t.Helper()
	status, body := e.postForm(t, "/device", url.Values{"user_code": {userCode}, "action": {"deny"}})
	if status != http.StatusOK {
		t.Fatalf("backendtest: deny %s: %d %s", userCode, status, body)
	}
}

// StartLogin starts a device login as the kiosk does and returns the answer.
func (e *Env) StartLogin(t testing.TB) api.DeviceAuthorization {
	t.Helper()
	status, body := e.postForm(t, "/oauth/device_authorization", url.Values{"client_id": {backend.ClientID}, "kiosk_name": {"Testkiosken"}})
	if status != http.StatusOK {
		t.Fatalf("backendtest: device_authorization: %d %s", status, body)
	}
	var da api.DeviceAuthorization
	if err := json.Unmarshal(body, &da); err != nil {
		t.Fatalf("backendtest: device_authorization: %v", err)
	}
	return da
}

// Token logs personID in through the whole device flow over HTTP and returns the access token.
func (e *Env) Token(t testing.TB, personID string) string {
	t.Helper()
	da := e.StartLogin(t)
	e.Approve(t, da.UserCode, personID)
	status, body := e.postForm(t, "/oauth/token", url.Values{"grant_type": {backend.DeviceCodeGrant}, "device_code": {da.DeviceCode}, "client_id": {backend.ClientID}})
	if status != http.StatusOK {
		t.Fatalf("backendtest: token for %s: %d %s", personID, status, body)
	}
	var tr api.TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("backendtest: token for %s: %v %s", personID, err, body)
	}
	return tr.AccessToken
}

// KioskToken gets a kiosk token for a registered kiosk client with the client credentials grant
// (client_secret_basic), as a kiosk does.
func (e *Env) KioskToken(t testing.TB, clientID, secret string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	res, err := e.Client.Do(req)
	if err != nil {
		t.Fatalf("backendtest: kiosk token: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var tr api.TokenResponse
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" {
		t.Fatalf("backendtest: kiosk token for %s: %d %s", clientID, res.StatusCode, body)
	}
	return tr.AccessToken
}

// MintToken signs a citizen token for personID with the server's own key, without the device flow.
func (e *Env) MintToken(t testing.TB, personID string) string {
	t.Helper()
	tok, err := e.Server.MintTestToken(context.Background(), personID)
	if err != nil {
		t.Fatalf("backendtest: mint token for %s: %v", personID, err)
	}
	return tok
}

// Do sends a request with an optional bearer token and JSON body (a []byte or string is sent as is,
// anything else is JSON-encoded; nil sends none) and extra headers as name, value pairs. It returns the
// response (body already read and closed) and the body.
func (e *Env) Do(t testing.TB, method, path, token string, body any, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	isJSON := false
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, isJSON = bytes.NewReader(b), true
	case string:
		rd, isJSON = strings.NewReader(b), true
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("backendtest: encode body: %v", err)
		}
		rd, isJSON = bytes.NewReader(j), true
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatalf("backendtest: %v", err)
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := e.Client.Do(req)
	if err != nil {
		t.Fatalf("backendtest: %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("backendtest: read %s %s: %v", method, path, err)
	}
	return res, b
}
