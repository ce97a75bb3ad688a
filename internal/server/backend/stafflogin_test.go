package backend_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

// The staff IdP in these tests is independent of the backend: zitadel/oidc's example OpenID Provider
// (the op package, its example storage and login form) run as its own httptest server. Like Keycloak it
// puts the roles in realm_access.roles; kari.staff has the staff role, per.other has not.

const (
	testStaffClient = "helsekiosk-staff"
	testStaffSecret = "staff-client-secret"
	testStaffRole   = "helsekiosk-staff"
	testPassword    = "correct horse battery staple"
)

type testUsers map[string]*storage.User

func (u testUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u testUsers) GetUserByUsername(n string) *storage.User {
	for _, x := range u {
		if x.Username == n {
			return x
		}
	}
	return nil
}
func (testUsers) ExampleClientID() string { return storage.ServiceUserID }

// testOPStorage is the example storage plus Keycloak-style roles, and a switch that makes the id_token
// carry another nonce than the one asked for.
type testOPStorage struct {
	*storage.Storage
	roles      map[string][]string
	wrongNonce atomic.Bool
}

func (s *testOPStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	ui.AppendClaims("realm_access", map[string]any{"roles": s.roles[req.GetSubject()]})
	return nil
}

type otherNonce struct{ op.AuthRequest }

func (otherNonce) GetNonce() string { return "a-nonce-nobody-asked-for" }

func (s *testOPStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	ar, err := s.Storage.AuthRequestByCode(ctx, code)
	if err != nil || !s.wrongNonce.Load() {
		return ar, err
	}
	return otherNonce{ar}, nil
}

// lateHandler lets a test server start (and so know its URL) before its handler is built.
type lateHandler struct{ h atomic.Pointer[http.Handler] }

func (l *lateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*l.h.Load()).ServeHTTP(w, r)
}
func (l *lateHandler) set(h http.Handler) { l.h.Store(&h) }

type staffOP struct {
	ts *httptest.Server
	st *testOPStorage
}

// startStaffOP runs the independent OP; redirectURIs are the backend's callbacks it accepts.
func startStaffOP(t *testing.T, redirectURIs ...string) *staffOP {
	t.Helper()
	lh := &lateHandler{}
	ts := httptest.NewServer(lh)
	t.Cleanup(ts.Close)
	users := testUsers{
		"u-kari": {ID: "u-kari", Username: "kari.staff", Password: testPassword, FirstName: "Kari", LastName: "Tilsett", PreferredLanguage: language.Norwegian},
		"u-per":  {ID: "u-per", Username: "per.other", Password: testPassword, FirstName: "Per", LastName: "Annan", PreferredLanguage: language.Norwegian},
	}
	st := &testOPStorage{
		Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{
			testStaffClient: storage.WebClient(testStaffClient, testStaffSecret, redirectURIs...),
		}),
		roles: map[string][]string{"u-kari": {"offline_access", testStaffRole}, "u-per": {"offline_access", "helsekiosk-citizen-support"}},
	}
	lh.set(exampleop.SetupServer(ts.URL, st, nil, false))
	return &staffOP{ts: ts, st: st}
}

type staffEnv struct {
	srv *backend.Server
	ts  *httptest.Server
	op  *staffOP
	c   *client.Client
}

// staffEnvWith starts an OP and a backend (not a demo) whose staff IdP it is.
func staffEnvWith(t *testing.T, now func() time.Time) *staffEnv {
	t.Helper()
	lh := &lateHandler{}
	ts := httptest.NewServer(lh)
	t.Cleanup(ts.Close)
	o := startStaffOP(t, ts.URL+"/staff/callback", "https://staff.kommune.example/staff/callback")
	srv, err := backend.New(backend.Config{Now: now, PublicURL: ts.URL, KioskClients: helperKioskClients(), Staff: backend.StaffConfig{
		Issuer: o.ts.URL, ClientID: testStaffClient, ClientSecret: testStaffSecret,
		RoleClaim: "realm_access.roles", Role: testStaffRole,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	lh.set(srv.HandlerWithStaff())
	c, err := client.New(ts.URL, client.WithHTTPClient(kioskHTTPClient(ts.URL)))
	if err != nil {
		t.Fatal(err)
	}
	return &staffEnv{srv: srv, ts: ts, op: o, c: c}
}

func browser(t *testing.T, stopAt func(*url.URL) bool) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if stopAt != nil && stopAt(req.URL) {
			return http.ErrUseLastResponse
		}
		if len(via) > 15 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

func read(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	hiddenID   = regexp.MustCompile(`name="id" value="([^"]+)"`)
	hiddenCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// fillOPLogin opens GET /staff in b, and fills the OP's login form as user; it returns the last response.
func fillOPLogin(t *testing.T, b *http.Client, backendURL, opURL, user string) *http.Response {
	t.Helper()
	res, err := b.Get(backendURL + "/staff")
	if err != nil {
		t.Fatal(err)
	}
	page := read(t, res)
	if !strings.HasPrefix(res.Request.URL.String(), opURL+"/login/username") {
		t.Fatalf("GET /staff ended at %s, want the OP's login form", res.Request.URL)
	}
	m := hiddenID.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no auth request id in the OP's login form:\n%s", page)
	}
	res, err = b.PostForm(opURL+"/login/username", url.Values{"id": {m[1]}, "username": {user}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// login logs user in through the OP and returns the staff page's body.
func (e *staffEnv) login(t *testing.T, b *http.Client, user string) (int, string) {
	t.Helper()
	res := fillOPLogin(t, b, e.ts.URL, e.op.ts.URL, user)
	return res.StatusCode, read(t, res)
}

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := hiddenCSRF.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

func TestStaffLoginAnonymousIsSentToTheIdP(t *testing.T) {
	e := staffEnvWith(t, nil)
	hr := askHelp(t, e.c, "Kiosk Hemmeleg", "inbox")
	noRedirect := browser(t, func(*url.URL) bool { return true })
	res, err := noRedirect.Get(e.ts.URL + "/staff")
	if err != nil {
		t.Fatal(err)
	}
	body := read(t, res)
	if res.StatusCode != http.StatusFound {
		t.Fatalf("anonymous GET /staff: %d", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), e.op.ts.URL+"/") {
		t.Fatalf("redirect to %q, want the OP", res.Header.Get("Location"))
	}
	q := loc.Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("%s = %q, want a long random value", k, q.Get(k))
		}
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" || q.Get("client_id") != testStaffClient ||
		q.Get("redirect_uri") != e.ts.URL+"/staff/callback" || !strings.Contains(q.Get("scope"), "openid") {
		t.Errorf("authorization request %v", q)
	}
	if strings.Contains(body, hr.Id) || strings.Contains(body, "Hemmeleg") {
		t.Errorf("the redirect's body shows the help request: %s", body)
	}
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", res.Header.Get("Cache-Control"))
	}
	// A second request starts another login: a fresh state.
	res2, _ := noRedirect.Get(e.ts.URL + "/staff")
	read(t, res2)
	loc2, _ := url.Parse(res2.Header.Get("Location"))
	if loc2.Query().Get("state") == q.Get("state") || loc2.Query().Get("nonce") == q.Get("nonce") {
		t.Error("state or nonce reused")
	}
}

func TestStaffLoginFullFlowHandleAndLogout(t *testing.T) {
	e := staffEnvWith(t, nil)
	a := askHelp(t, e.c, "Kiosk <A>", "inbox")
	b := browser(t, nil)
	status, page := e.login(t, b, "kari.staff")
	if status != http.StatusOK {
		t.Fatalf("after login: %d\n%s", status, page)
	}
	for _, want := range []string{"Kiosk &lt;A&gt;", a.Id, "Kari Tilsett", `action="/staff/logout"`} {
		if !strings.Contains(page, want) {
			t.Errorf("staff page lacks %q", want)
		}
	}
	token := csrfOf(t, page)
	nr := browser(t, func(*url.URL) bool { return true })
	nr.Jar = b.Jar
	post := func(path string, form url.Values, hdr map[string]string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := nr.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res, read(t, res)
	}
	stillOpen := func(when string) {
		t.Helper()
		if hr, _ := e.c.HelpRequest(context.Background(), a.Id); hr == nil || hr.Status != api.Open {
			t.Errorf("%s: the request changed: %+v", when, hr)
		}
	}
	if r, _ := post("/staff/handle", url.Values{"id": {a.Id}}, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("handle without CSRF token: %d", r.StatusCode)
	}
	stillOpen("without CSRF token")
	if r, _ := post("/staff/handle", url.Values{"id": {a.Id}, "csrf": {token + "x"}}, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("handle with a wrong CSRF token: %d", r.StatusCode)
	}
	stillOpen("with a wrong CSRF token")
	if r, _ := post("/staff/handle", url.Values{"id": {a.Id}, "csrf": {token}}, map[string]string{"Origin": "https://evil.example"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site handle with the token: %d", r.StatusCode)
	}
	if r, _ := post("/staff/handle", url.Values{"id": {a.Id}, "csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site (fetch metadata) handle with the token: %d", r.StatusCode)
	}
	stillOpen("cross-site")
	// Another browser, not logged in, with the token: refused.
	other := browser(t, func(*url.URL) bool { return true })
	req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/staff/handle", strings.NewReader(url.Values{"id": {a.Id}, "csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := other.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("handle from a browser without a session: %v %v", res.StatusCode, err)
	} else {
		read(t, res)
	}
	stillOpen("no session")
	if r, _ := post("/staff/handle", url.Values{"id": {a.Id}, "csrf": {token}}, map[string]string{"Origin": e.ts.URL}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/staff" {
		t.Errorf("handle: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if hr, _ := e.c.HelpRequest(context.Background(), a.Id); hr == nil || hr.Status != api.Handled {
		t.Errorf("after handling: %+v", hr)
	}

	// Log out: the session is gone on the server, not only in the browser.
	u, _ := url.Parse(e.ts.URL + "/staff")
	var sid string
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "helsekiosk-staff" {
			sid = c.Value
		}
	}
	if sid == "" {
		t.Fatal("no session cookie in the jar")
	}
	if r, _ := post("/staff/logout", url.Values{}, nil); r.StatusCode != http.StatusForbidden {
		t.Errorf("logout without the CSRF token: %d", r.StatusCode)
	}
	if r, body := post("/staff/logout", url.Values{"csrf": {token}}, nil); r.StatusCode != http.StatusOK || !strings.Contains(body, "logga ut") {
		t.Errorf("logout: %d %s", r.StatusCode, body)
	}
	replay, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/staff", nil)
	replay.AddCookie(&http.Cookie{Name: "helsekiosk-staff", Value: sid})
	res, err := browser(t, func(*url.URL) bool { return true }).Do(replay)
	if err != nil {
		t.Fatal(err)
	}
	read(t, res)
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), e.op.ts.URL) {
		t.Errorf("the old session cookie after logout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestStaffLoginWithoutTheRoleIs403(t *testing.T) {
	e := staffEnvWith(t, nil)
	a := askHelp(t, e.c, "Kiosk A", "inbox")
	b := browser(t, nil)
	status, page := e.login(t, b, "per.other")
	if status != http.StatusForbidden {
		t.Fatalf("per.other: %d\n%s", status, page)
	}
	if !strings.Contains(page, testStaffRole) || strings.Contains(page, a.Id) || strings.Contains(page, "Kiosk A") {
		t.Errorf("403 page:\n%s", page)
	}
	u, _ := url.Parse(e.ts.URL + "/staff")
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "helsekiosk-staff" {
			t.Errorf("a session cookie was set for a user without the role")
		}
	}
}

func TestStaffLoginBearerTokenDoesNotOpen(t *testing.T) {
	e := staffEnvWith(t, nil)
	a := askHelp(t, e.c, "Kiosk A", "inbox")
	nr := browser(t, func(*url.URL) bool { return true })
	for _, tok := range []string{
		"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaXRpemVuIiwicGlkIjoiMTIwMzQ1Njc4OTAifQ.c2ln", // a citizen-like JWT
		"opaque-citizen-token",
	} {
		req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/staff", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := nr.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := read(t, res)
		if res.StatusCode == http.StatusOK || strings.Contains(body, a.Id) {
			t.Errorf("bearer %q opened the staff page: %d", tok, res.StatusCode)
		}
		req, _ = http.NewRequest(http.MethodPost, e.ts.URL+"/staff/handle", strings.NewReader("id="+a.Id))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err = nr.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		read(t, res)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("bearer %q POST /staff/handle: %d", tok, res.StatusCode)
		}
	}
	if hr, _ := e.c.HelpRequest(context.Background(), a.Id); hr == nil || hr.Status != api.Open {
		t.Errorf("the request changed: %+v", hr)
	}
}

// callbackURL drives the OP login for user in b and returns the OP's redirect to the backend's callback,
// without following it.
func callbackURL(t *testing.T, e *staffEnv, b *http.Client, user string) *url.URL {
	t.Helper()
	res := fillOPLogin(t, b, e.ts.URL, e.op.ts.URL, user)
	read(t, res)
	if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("OP login: %d at %s", res.StatusCode, res.Request.URL)
	}
	u, err := res.Location()
	if err != nil || u.Path != "/staff/callback" || u.Query().Get("code") == "" {
		t.Fatalf("OP redirected to %v (%v)", u, err)
	}
	return u
}

func stopAtCallback(u *url.URL) bool { return u.Path == "/staff/callback" }

func TestStaffLoginTamperedStateIsRefused(t *testing.T) {
	e := staffEnvWith(t, nil)
	b := browser(t, stopAtCallback)
	cb := callbackURL(t, e, b, "kari.staff")
	q := cb.Query()
	good := q.Get("state")
	q.Set("state", good[:len(good)-2]+"xx")
	cb.RawQuery = q.Encode()
	res, err := b.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	body := read(t, res)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "state") {
		t.Errorf("tampered state: %d %s", res.StatusCode, body)
	}
	// The callback from another browser (no login cookie) with the right state: refused too (login CSRF).
	q.Set("state", good)
	cb.RawQuery = q.Encode()
	res, err = browser(t, stopAtCallback).Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	read(t, res)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("callback in another browser: %d", res.StatusCode)
	}
	// That used the state up: the right browser cannot replay it either.
	res, _ = b.Get(cb.String())
	read(t, res)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("state replayed: %d", res.StatusCode)
	}
	checkNoSession(t, e, b)
}

func checkNoSession(t *testing.T, e *staffEnv, b *http.Client) {
	t.Helper()
	u, _ := url.Parse(e.ts.URL + "/staff")
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "helsekiosk-staff" {
			t.Error("a session cookie was set")
		}
	}
}

func TestStaffLoginNonceMismatchIsRefused(t *testing.T) {
	e := staffEnvWith(t, nil)
	e.op.st.wrongNonce.Store(true)
	b := browser(t, nil)
	status, page := e.login(t, b, "kari.staff")
	if status != http.StatusForbidden || !strings.Contains(page, "nonce") {
		t.Errorf("nonce mismatch: %d\n%s", status, page)
	}
	checkNoSession(t, e, b)
}

func TestStaffLoginExpiredIDTokenIsRefused(t *testing.T) {
	// The backend's clock is two hours ahead: the OP's one-hour id_token has expired by its reckoning.
	e := staffEnvWith(t, func() time.Time { return time.Now().Add(2 * time.Hour) })
	b := browser(t, nil)
	status, page := e.login(t, b, "kari.staff")
	if status != http.StatusForbidden || !strings.Contains(page, "id_token") {
		t.Errorf("expired id_token: %d\n%s", status, page)
	}
	checkNoSession(t, e, b)
}

func TestStaffLoginCookieAttributes(t *testing.T) {
	e := staffEnvWith(t, nil)
	// Loopback http: a plain name, not Secure, limited to /staff.
	b := browser(t, stopAtCallback)
	cb := callbackURL(t, e, b, "kari.staff")
	nr := browser(t, func(*url.URL) bool { return true })
	nr.Jar = b.Jar
	res, err := nr.Get(cb.String())
	if err != nil {
		t.Fatal(err)
	}
	read(t, res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d", res.StatusCode)
	}
	var sess *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "helsekiosk-staff" {
			sess = c
		}
	}
	if sess == nil {
		t.Fatalf("no session cookie: %v", res.Header["Set-Cookie"])
	}
	if !sess.HttpOnly || sess.Secure || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/staff" || sess.Domain != "" ||
		len(sess.Value) < 40 || sess.MaxAge != 8*3600 {
		t.Errorf("loopback session cookie %+v", sess)
	}

	// A public https URL: __Host- cookies, Secure (Path=/ as the prefix demands).
	srv, err := backend.New(backend.Config{Staff: backend.StaffConfig{
		Issuer: e.op.ts.URL, ClientID: testStaffClient, ClientSecret: testStaffSecret,
		RoleClaim: "realm_access.roles", Role: testStaffRole, PublicURL: "https://staff.kommune.example",
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := srv.HandlerWithStaff()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://staff.kommune.example/staff", nil))
	if rec.Code != http.StatusFound {
		t.Fatalf("GET /staff: %d", rec.Code)
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if loc.Query().Get("redirect_uri") != "https://staff.kommune.example/staff/callback" {
		t.Errorf("redirect_uri %q", loc.Query().Get("redirect_uri"))
	}
	var login *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "__Host-helsekiosk-staff-login" {
			login = c
		}
	}
	if login == nil || !login.Secure || !login.HttpOnly || login.SameSite != http.SameSiteLaxMode || login.Path != "/" {
		t.Fatalf("https login cookie %+v (%v)", login, rec.Header()["Set-Cookie"])
	}
	// Log in at the OP for that backend, and deliver the callback to it.
	ob := browser(t, func(u *url.URL) bool { return u.Host == "staff.kommune.example" })
	res, err = ob.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	page := read(t, res)
	m := hiddenID.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("OP login form: %s", page)
	}
	res, err = ob.PostForm(e.op.ts.URL+"/login/username", url.Values{"id": {m[1]}, "username": {"kari.staff"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	read(t, res)
	cbu, err := res.Location()
	if err != nil || cbu.Host != "staff.kommune.example" {
		t.Fatalf("OP redirect %v %v", cbu, err)
	}
	req := httptest.NewRequest(http.MethodGet, cbu.String(), nil)
	req.AddCookie(&http.Cookie{Name: login.Name, Value: login.Value})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("https callback: %d %s", rec.Code, rec.Body)
	}
	sess = nil
	for _, c := range rec.Result().Cookies() {
		if c.Name == "__Host-helsekiosk-staff" {
			sess = c
		}
	}
	if sess == nil || !sess.Secure || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" || sess.Domain != "" {
		t.Errorf("https session cookie %+v (%v)", sess, rec.Header()["Set-Cookie"])
	}
	// The plain name is not accepted on the https backend.
	req = httptest.NewRequest(http.MethodGet, "https://staff.kommune.example/staff", nil)
	req.AddCookie(&http.Cookie{Name: "helsekiosk-staff", Value: sess.Value})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusFound {
		t.Errorf("plain-named cookie on https: %d", rec.Code)
	}
	req = httptest.NewRequest(http.MethodGet, "https://staff.kommune.example/staff", nil)
	req.AddCookie(&http.Cookie{Name: sess.Name, Value: sess.Value})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("with the session cookie: %d", rec.Code)
	}
}

func TestStaffLoginNotConfigured(t *testing.T) {
	lh := &lateHandler{}
	ts := httptest.NewServer(lh)
	defer ts.Close()
	srv, err := backend.New(backend.Config{PublicURL: ts.URL, KioskClients: helperKioskClients()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	lh.set(srv.HandlerWithStaff())
	c, _ := client.New(ts.URL, client.WithHTTPClient(kioskHTTPClient(ts.URL)))
	a := askHelp(t, c, "Kiosk A", "inbox")
	nr := browser(t, func(*url.URL) bool { return true })
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/staff"}, {http.MethodPost, "/staff/handle"}, {http.MethodGet, "/staff/callback?state=x&code=y"}, {http.MethodPost, "/staff/logout"},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader("id="+a.Id))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := nr.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := read(t, res)
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Staff login is not configured") || strings.Contains(body, a.Id) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, body)
		}
	}
	res, _ := nr.Get(ts.URL + "/demo-staff-idp/.well-known/openid-configuration")
	read(t, res)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the demo staff IdP without --demo: %d", res.StatusCode)
	}
	if hr, _ := c.HelpRequest(context.Background(), a.Id); hr == nil || hr.Status != api.Open {
		t.Errorf("the request changed: %+v", hr)
	}
}

func TestStaffLoginSessionExpiresAfterEightHours(t *testing.T) {
	var ahead atomic.Int64
	e := staffEnvWith(t, func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) })
	b := browser(t, nil)
	if status, page := e.login(t, b, "kari.staff"); status != http.StatusOK {
		t.Fatalf("login: %d %s", status, page)
	}
	nr := browser(t, func(*url.URL) bool { return true })
	nr.Jar = b.Jar
	get := func() int {
		res, err := nr.Get(e.ts.URL + "/staff")
		if err != nil {
			t.Fatal(err)
		}
		read(t, res)
		return res.StatusCode
	}
	ahead.Store(int64(7*time.Hour + 59*time.Minute))
	if s := get(); s != http.StatusOK {
		t.Errorf("after 7 h 59 min: %d", s)
	}
	ahead.Store(int64(8*time.Hour + time.Minute))
	if s := get(); s != http.StatusFound {
		t.Errorf("after 8 h 1 min: %d, want the redirect to the IdP", s)
	}
}

func TestStaffLoginDemoWithIssuerUsesTheIssuer(t *testing.T) {
	lh := &lateHandler{}
	ts := httptest.NewServer(lh)
	defer ts.Close()
	o := startStaffOP(t, ts.URL+"/staff/callback")
	srv, err := backend.New(backend.Config{Demo: true, Staff: backend.StaffConfig{
		Issuer: o.ts.URL, ClientID: testStaffClient, ClientSecret: testStaffSecret, RoleClaim: "realm_access.roles", PublicURL: ts.URL,
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	lh.set(srv.HandlerWithStaff())
	nr := browser(t, func(*url.URL) bool { return true })
	res, err := nr.Get(ts.URL + "/staff")
	if err != nil {
		t.Fatal(err)
	}
	read(t, res)
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), o.ts.URL+"/") {
		t.Errorf("demo with --staff-issuer: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = nr.Get(ts.URL + "/demo-staff-idp/.well-known/openid-configuration")
	read(t, res)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("the demo staff IdP with --staff-issuer: %d", res.StatusCode)
	}
	// The default role is helsekiosk-staff: kari has it.
	e := &staffEnv{srv: srv, ts: ts, op: o}
	if status, page := e.login(t, browser(t, nil), "kari.staff"); status != http.StatusOK {
		t.Errorf("kari: %d %s", status, page)
	}
}
