package ui

import (
	"errors"
	"fmt"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// injector sits in front of the real backend: it forwards everything, records each request ("METHOD
// path"), and answers the requests that match with a problem of its own (what the identity-aware backend
// answers, before that backend exists).
type injector struct {
	URL  string
	mu   sync.Mutex
	reqs []string
	hit  func(r *http.Request) bool
	// status and body of the injected problem
	status int
	body   string
}

// newInjector starts the injector on ln (its URL is the backend's public URL, so that the endpoints in
// the backend's discovery, revocation included, lead through it) in front of env.
func newInjector(t *testing.T, env *backendtest.Env, ln net.Listener) *injector {
	t.Helper()
	target, err := url.Parse(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	in := &injector{}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.mu.Lock()
		in.reqs = append(in.reqs, r.Method+" "+r.URL.Path)
		hit, status, body := in.hit, in.status, in.body
		in.mu.Unlock()
		if hit != nil && hit(r) {
			w.Header().Set("Content-Type", "application/problem+json")
			if status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	in.URL = srv.URL
	return in
}

// inject makes requests matching hit answer status with the problem code (and person, when not "").
func (in *injector) inject(hit func(*http.Request) bool, status int, code, person string) {
	body := fmt.Sprintf(`{"title":%q,"status":%d,"code":%q`, http.StatusText(status), status, code)
	if person != "" {
		body += fmt.Sprintf(`,"person":%q`, person)
	}
	in.mu.Lock()
	in.hit, in.status, in.body = hit, status, body+"}"
	in.mu.Unlock()
}

func (in *injector) requests() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.reqs...)
}

func (in *injector) count(prefix string) int {
	n := 0
	for _, r := range in.requests() {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func path(p string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, p) }
}

// identityHarness is a kiosk whose issuer and API are the injector in front of a real backend.
func identityHarness(t *testing.T, lang string) (*harness, *backendtest.Env, *injector) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	public := "http://" + ln.Addr().String()
	// The backend's discovery names its endpoints by its public URL, never by the request's Host: the
	// injector's, so the kiosk's revocation at logout passes the injector too.
	env := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.PublicURL = public }))
	in := newInjector(t, env, ln)
	h := newHarness(t, config.Config{API: in.URL, Issuer: in.URL, Lang: lang})
	return h, env, in
}

// TestRefusedLoginScreens: a login the backend refuses on its first call (too low a level, no identity
// number, an unknown person, under age; or the token itself: another audience, an untrusted issuer, expired)
// ends on the refusal screen that says what to do, in the language the citizen chose; no person-scoped
// call is made, nothing of the person is kept, and both the session's tokens are revoked.
func TestRefusedLoginScreens(t *testing.T) {
	cases := []struct {
		lang, code string
		status     int
		want       []string
	}{
		{"nb", "insufficient_user_authentication", 401, []string{"Du ble ikke logget inn", "logge inn med BankID", "MinID er ikke nok"}},
		{"nn", "insufficient_user_authentication", 401, []string{"Du vart ikkje logga inn", "logge inn med BankID", "MinID er ikkje nok"}},
		{"en", "insufficient_user_authentication", 401, []string{"You were not logged in", "log in with BankID"}},
		{"nb", "pid_missing", 401, []string{"hvem du er"}},
		{"nn", "pid_missing", 401, []string{"kven du er", "spør ein tilsett"}},
		{"nb", "unknown_person", 401, []string{"Du er ikke registrert hos tjenesten", "23 32 70 00"}},
		{"nn", "unknown_person", 401, []string{"Du er ikkje registrert hos tenesta", "23 32 70 00"}},
		{"en", "unknown_person", 401, []string{"You are not registered with the service", "23 32 70 00"}},
		{"nb", "under_age", 403, []string{"aldersgrensen"}},
		{"nn", "under_age", 403, []string{"aldersgrensa"}},
		// The token itself refused on the first call: the login cannot be used here (not «you are logged out»).
		{"nn", "wrong_audience", 401, []string{"Innlogginga di kunne ikkje brukast", "23 32 70 00"}},
		{"nb", "token_invalid", 401, []string{"Innloggingen din kunne ikke brukes", "23 32 70 00"}},
		{"en", "token_expired", 401, []string{"Your login could not be used", "23 32 70 00"}},
	}
	for _, c := range cases {
		t.Run(c.lang+"/"+c.code, func(t *testing.T) {
			h, env, in := identityHarness(t, "nn")
			if c.lang != "nn" {
				h.k.setLang(c.lang) // the citizen chose a language on the welcome screen
				h.k.rerender()
			}
			in.inject(path("/v1/me"), c.status, c.code, "")
			logIn(t, h, env, "p-ingrid")
			h.waitFor("the refusal screen", func() bool { _, ok := h.k.cur.(*refusal); return ok })
			for _, w := range c.want {
				if !h.containsText(w) {
					t.Errorf("refusal screen lacks %q: %q", w, h.texts(false))
				}
			}
			if h.containsText("Ingrid") {
				t.Errorf("the refusal screen names the person: %q", h.texts(false))
			}
			if h.k.sess != nil {
				t.Error("the session or the person outlived the refusal")
			}
			if n := in.count("GET /v1/persons/"); n != 0 {
				t.Errorf("%d person-scoped calls after the refusal: %q", n, in.requests())
			}
			// Revoked in the background (at logout); the current backend gives no refresh token, so one.
			h.waitFor("the revocation", func() bool { return in.count("POST /oauth/revoke") >= 1 })
			h.tap(h.k.tr("BackToStart"))
			h.waitFor("the welcome screen", func() bool { _, ok := h.k.cur.(*welcome); return ok })
			if h.k.Lang() != "nn" {
				t.Errorf("back at the start in %q, want the kiosk's nn", h.k.Lang())
			}
		})
	}
}

// TestRefusalLoginAgain: "Logg inn på nytt" on the refusal screen starts a new device login.
func TestRefusalLoginAgain(t *testing.T) {
	h, env, in := identityHarness(t, "nb")
	in.inject(path("/v1/me"), 401, "insufficient_user_authentication", "")
	logIn(t, h, env, "p-ingrid")
	h.waitFor("the refusal screen", func() bool { _, ok := h.k.cur.(*refusal); return ok })
	h.tap("Logg inn på nytt")
	h.waitFor("a new code", func() bool { s, ok := h.k.cur.(*login); return ok && s.current != nil })
}

// TestTokenRefusedMidSession: token_expired, token_invalid or wrong_audience in the middle of a visit log
// out with "Du er logga ut." as any 401.
func TestTokenRefusedMidSession(t *testing.T) {
	for _, code := range []string{"token_expired", "token_invalid", "wrong_audience"} {
		t.Run(code, func(t *testing.T) {
			h, env, in := identityHarness(t, "nn")
			logIn(t, h, env, "p-ingrid")
			h.tapWhenReady("Meldingar")
			h.waitFor("home left", func() bool { _, ok := h.k.cur.(*inbox); return ok })
			in.inject(path("/v1/persons/"), 401, code, "")
			h.k.show(newInbox(h.k, h.k.sess)) // a new call
			h.waitFor("the welcome screen with the notice", func() bool {
				_, ok := h.k.cur.(*welcome)
				return ok && h.hasText("Du er logga ut.")
			})
			if h.k.sess != nil {
				t.Error("still a session")
			}
		})
	}
}

// TestConsentWithdrawnMidVisit: the citizen's own consent withdrawn (in another session) in the middle of
// a visit takes them to the consent screen on the next call, not "no access"; consenting again goes on.
func TestConsentWithdrawnMidVisit(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { _, ok := h.k.cur.(*home); return ok })

	other := env.Token(t, "p-ingrid")
	if resp, body := env.Do(t, http.MethodDelete, "/v1/consent", other, nil, "Idempotency-Key", client.NewIdempotencyKey()); resp.StatusCode != http.StatusOK {
		t.Fatalf("withdraw consent: %d %s", resp.StatusCode, body)
	}
	h.tap("Meldingar")
	h.waitFor("the consent screen", func() bool { _, ok := h.k.cur.(*consent); return ok })
	if h.containsText(h.k.tr("ErrForbidden")) {
		t.Error("«no access» shown for a missing consent")
	}
	h.tapWhenReady(h.k.tr("ConsentAccept"))
	h.waitFor("home again", func() bool { _, ok := h.k.cur.(*home); return ok })
}

// TestConsentRequiredForOther: acting for Ingrid, a consent_required naming her says that Ingrid's consent
// is missing (her name from Me), not "no access", and the session goes on.
func TestConsentRequiredForOther(t *testing.T) {
	for _, c := range []struct{ lang, want string }{
		{"nn", "Ingrid Haugen har ikkje samtykt til tenesta"},
		{"nb", "Ingrid Haugen har ikke samtykket til tjenesten"},
		{"en", "Ingrid Haugen has not consented to the service"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			h, env, in := identityHarness(t, c.lang)
			logIn(t, h, env, "p-kari")
			h.waitFor("the person choice", func() bool { _, ok := h.k.cur.(*choosePerson); return ok })
			var ingrid api.PersonAccess
			for _, p := range h.k.sess.me.Persons {
				if p.Person.Id == "p-ingrid" {
					ingrid = p
				}
			}
			in.inject(path("/v1/persons/p-ingrid/"), 403, "consent_required", "p-ingrid")
			h.k.actFor(ingrid)
			h.k.show(newInbox(h.k, h.k.sess))
			h.waitFor("the message naming Ingrid", func() bool { return h.containsText(c.want) })
			if h.containsText(h.k.tr("ErrForbidden")) {
				t.Error("«no access» shown")
			}
			if _, ok := h.k.cur.(*consent); ok || h.k.sess == nil {
				t.Error("another's missing consent must not end the session or ask the citizen to consent")
			}
		})
	}
}

// TestLoginErrorTexts: every device-flow error, and the refusals, has its own translated text in nn, nb
// and en.
func TestLoginErrorTexts(t *testing.T) {
	h := newHarness(t, config.Config{Lang: "nn"})
	codes := []string{"authorization_pending", "slow_down", "expired_token", "access_denied", "authorization_declined", "bad_verification_code"}
	for _, lang := range config.Languages {
		h.k.setLang(lang)
		seen := map[string]string{}
		for _, code := range codes {
			text := h.k.errText(client.NewLoginError(code))
			if text == "" || text == h.k.tr("ErrUnknown") || strings.HasPrefix(text, "Err") {
				t.Errorf("%s %s: %q", lang, code, text)
			}
			if other, dup := seen[text]; dup {
				t.Errorf("%s: %s and %s share the text %q", lang, code, other, text)
			}
			seen[text] = code
		}
		for _, code := range []string{"insufficient_user_authentication", "pid_missing", "unknown_person", "kiosk_required"} {
			text := h.k.errText(&client.Error{Status: 401, Code: code})
			if text == h.k.tr("NoticeLoggedOut") || strings.HasPrefix(text, "Refused") || strings.HasPrefix(text, "Err") {
				t.Errorf("%s %s: %q", lang, code, text)
			}
		}
	}
	h.k.setLang("nb")
	if got := h.k.errText(client.NewLoginError("authorization_declined")); got != "Innloggingen ble avvist på telefonen." {
		t.Errorf("nb authorization_declined = %q", got)
	}
	if got := h.k.errText(client.NewLoginError("bad_verification_code")); !strings.HasPrefix(got, "Koden ble ikke godtatt") {
		t.Errorf("nb bad_verification_code = %q", got)
	}
}

// TestRefreshFollowsTheKioskIdleWatch: the session asks the kiosk's idle watch before refreshing. With the
// last input longer ago than the idle timeout, a call that needs a new token makes no refresh request at
// all; with recent input it does (the reference backend as it is refuses the grant: logged out).
func TestRefreshFollowsTheKioskIdleWatch(t *testing.T) {
	h, env, in := identityHarness(t, "nn")
	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { _, ok := h.k.cur.(*home); return ok })
	k := h.k
	if d := time.Since(k.idle.lastActive()); d < 0 || d > time.Minute {
		t.Fatalf("the idle watch's last activity is %v ago", d)
	}
	expired := func() *client.Session {
		s := k.client.NewSession(&oauth2.Token{AccessToken: "old", RefreshToken: "rt", Expiry: time.Now().Add(-time.Second)})
		s.SetActivity(k.idle.lastActive, k.cfg.IdleTimeout)
		return s
	}

	k.idle.active.Store(time.Now().Add(-k.cfg.IdleTimeout - time.Second).UnixNano()) // idle for longer than the timeout
	before := in.count("POST /oauth/token")
	if _, err := expired().Me(t.Context()); !errors.Is(err, client.ErrIdle) {
		t.Fatalf("call after the idle timeout = %v, want ErrIdle", err)
	}
	if n := in.count("POST /oauth/token") - before; n != 0 {
		t.Errorf("%d refresh requests after the idle timeout", n)
	}

	k.touch() // the citizen taps
	if _, err := expired().Me(t.Context()); !client.IsUnauthorized(err) || errors.Is(err, client.ErrIdle) {
		t.Fatalf("call while active = %v, want the refused refresh (401), not ErrIdle", err)
	}
	if n := in.count("POST /oauth/token") - before; n != 1 {
		t.Errorf("%d refresh requests while active, want 1", n)
	}
}

// TestShotsIdentity saves the refusal screens, another's missing consent and the staff panel's login row in
// nn and nb to $HELSEKIOSK_SHOTS (skipped when unset), for a person to look at.
func TestShotsIdentity(t *testing.T) {
	dir := os.Getenv("HELSEKIOSK_SHOTS")
	if dir == "" {
		t.Skip("HELSEKIOSK_SHOTS not set")
	}
	shot := func(h *harness, name string) {
		h.process()
		f, err := os.Create(filepath.Join(dir, name+"-"+h.k.Lang()+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, h.k.win.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []string{"nn", "nb"} {
		for _, c := range []struct {
			code   string
			status int
		}{{"insufficient_user_authentication", 401}, {"pid_missing", 401}, {"unknown_person", 401}, {"under_age", 403}, {"wrong_audience", 401}} {
			h, env, in := identityHarness(t, lang)
			in.inject(path("/v1/me"), c.status, c.code, "")
			logIn(t, h, env, "p-ingrid")
			h.waitFor("the refusal screen", func() bool { _, ok := h.k.cur.(*refusal); return ok })
			shot(h, "refused-"+c.code)
		}
		h, env, in := identityHarness(t, lang)
		logIn(t, h, env, "p-kari")
		h.waitFor("the person choice", func() bool { _, ok := h.k.cur.(*choosePerson); return ok })
		in.inject(path("/v1/persons/p-ingrid/"), 403, "consent_required", "p-ingrid")
		for _, p := range h.k.sess.me.Persons {
			if p.Person.Id == "p-ingrid" {
				h.k.actFor(p)
			}
		}
		h.waitFor("home's message", func() bool { return h.containsText("Ingrid Haugen") && h.containsText("samtyk") })
		shot(h, "consent-other-home")
		h.k.show(newInbox(h.k, h.k.sess))
		h.waitFor("the inbox's message", func() bool { return h.containsText("samtyk") })
		shot(h, "consent-other-inbox")
	}
}

// TestStaffPanelShowsLogin: the staff panel shows where citizens log in (the issuer, the API's own by
// default), the client ID and the API; never the secret.
func TestStaffPanelShowsLogin(t *testing.T) {
	st := openStore(t, t.TempDir())
	cfg := config.Config{Lang: "nn", API: "http://127.0.0.1:1", Issuer: "https://idp.kommune.example", ClientID: "kiosk-servicetorget",
		ClientSecret: config.Secret("hemmeleg-verdi")}
	h := newHarnessWith(t, cfg, WithStore(st, nil))
	setLongPressDelay(t, 50*time.Millisecond)
	h.openStaffPanel("112233")
	want := "Hos: https://idp.kommune.example\nKlient-ID: kiosk-servicetorget\nAPI: http://127.0.0.1:1"
	if !h.hasText(want) {
		t.Errorf("staff panel lacks %q: %q", want, h.texts(false))
	}
	if h.containsText("hemmeleg") {
		t.Error("the staff panel shows the client secret")
	}
	if dir := os.Getenv("HELSEKIOSK_SHOTS"); dir != "" {
		f, err := os.Create(filepath.Join(dir, "staff-login-nn.png"))
		if err == nil {
			png.Encode(f, h.k.win.Canvas().Capture())
			f.Close()
		}
	}
}

// TestLoginWithoutCompleteURI: an issuer that sends no verification_uri_complete (many OPs) gets a QR code
// of its verification_uri, the code shown large, and "type in the code".
func TestLoginWithoutCompleteURI(t *testing.T) {
	var op *httptest.Server
	op = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":%q,"device_authorization_endpoint":%q,"token_endpoint":%q}`, op.URL, op.URL+"/device_authorization", op.URL+"/token")
		case "/device_authorization":
			fmt.Fprintf(w, `{"device_code":"dc","user_code":"BCDFGHJK","verification_uri":%q,"expires_in":600,"interval":5}`, op.URL+"/activate")
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"authorization_pending"}`)
		}
	}))
	t.Cleanup(op.Close)
	h := newHarness(t, config.Config{Lang: "nb", Issuer: op.URL, API: "http://127.0.0.1:1"})
	h.tap("Logg inn")
	h.waitFor("the code", func() bool { s, ok := h.k.cur.(*login); return ok && s.current != nil })
	s := h.k.cur.(*login)
	if !s.typeCode.Visible() || s.typeCode.Text != "Skriv inn koden over når telefonen ber om den." {
		t.Errorf("no «type the code» hint: %q", h.texts(false))
	}
	if s.code.Text != "BCDF GHJK" || s.qr.Resource == nil || s.url.Text != strings.TrimPrefix(op.URL, "http://")+"/activate" {
		t.Errorf("code %q, url %q, qr %v", s.code.Text, s.url.Text, s.qr.Resource != nil)
	}
	if dir := os.Getenv("HELSEKIOSK_SHOTS"); dir != "" {
		f, err := os.Create(filepath.Join(dir, "login-no-complete-uri-nb.png"))
		if err == nil {
			png.Encode(f, h.k.win.Canvas().Capture())
			f.Close()
		}
	}
}
