package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

// The kiosk UI on Fyne's test driver, logging in through independent OpenID Providers (internal/testkit/testop:
// zitadel/oidc's op on servers of their own, the device flow, JWT access tokens with pid and acr), the
// reference backend trusting them as a resource server. The citizen's phone (testop.Phone) fills in the
// OP's own pages with what the kiosk's screen shows.

// idpUIAudience is the backend's --audience, which the trusted OPs put into their access tokens.
const idpUIAudience = "helsekiosk-api"

// idpUILifetime is the access-token lifetime of the OPs for the whole visit: the visit outlasts it.
const idpUILifetime = 5 * time.Second

// idpUIWorld is the reference backend (demo persons, so Ingrid exists) trusting some OPs, and one it does not.
type idpUIWorld struct {
	backend *backendtest.Env
	// short: idpUILifetime tokens; shortNoComplete: the same without verification_uri_complete; main:
	// five-minute tokens; otherAud: trusted, its tokens for "another-api"; untrusted: not in TrustIssuers;
	// brief: trusted, two-second tokens (for a kiosk that asks for no refresh token).
	short, shortNoComplete, main, otherAud, untrusted, brief *testop.OP
	ingrid, minid, nopid, nobody                             testop.User
	ingridPID                                                string
}

func newIDPUIWorld(t *testing.T) *idpUIWorld {
	t.Helper()
	w := &idpUIWorld{}
	ps := testop.DemoPersonas(t)
	w.ingridPID, w.ingrid, w.minid, w.nopid, w.nobody = ps.IngridPID, ps.Ingrid, ps.MinID, ps.NoPID, ps.Nobody
	users := ps.Users()
	aud := testop.WithAudience(idpUIAudience)
	w.short = testop.Start(t, users, aud, testop.WithAccessTokenLifetime(idpUILifetime))
	w.shortNoComplete = testop.Start(t, users, aud, testop.WithAccessTokenLifetime(idpUILifetime), testop.WithoutVerificationURIComplete())
	w.main = testop.Start(t, users, aud)
	w.otherAud = testop.Start(t, users, testop.WithAudience("another-api"))
	w.untrusted = testop.Start(t, users, aud)
	w.brief = testop.Start(t, users, aud, testop.WithAccessTokenLifetime(2*time.Second))
	w.backend = backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{w.short.Issuer, w.shortNoComplete.Issuer, w.main.Issuer, w.otherAud.Issuer, w.brief.Issuer}
		c.Audience = idpUIAudience
	}))
	return w
}

// kiosk is the kiosk UI configured for op as issuer (its confidential client, client_secret_basic) and the
// backend as API, in lang, its HTTP going through a recorder. A finger keeps moving on the screen (the
// display's input-idle watch reports input a moment ago), and the idle timeout is shorter than a visit that
// outlasts a token: the session must stay, and refresh, because the citizen is active.
func (w *idpUIWorld) kiosk(t *testing.T, op *testop.OP, lang string, edit ...func(*config.Config)) (*harness, *idpWire) {
	t.Helper()
	wire := &idpWire{next: http.DefaultTransport}
	cfg := config.Config{Lang: lang, Issuer: op.Issuer, API: w.backend.URL, ClientID: testop.DefaultClientID,
		ClientSecret: config.Secret(testop.DefaultClientSecret), Scopes: config.DefaultScopes,
		IdleTimeout: 4 * time.Second, IdleWarning: 2 * time.Second}
	for _, f := range edit {
		f(&cfg)
	}
	h := newHarnessWith(t, cfg, WithHTTPClient(&http.Client{Transport: wire}),
		WithInputIdle(func() (time.Duration, bool) { return 100 * time.Millisecond, true }))
	return h, wire
}

// idpLogIn taps «Logg inn», waits for the code from the OP and approves it on the phone as u, with what the
// screen shows: with «type the code» the phone opens the address shown and types the code shown; else the
// citizen scans the QR code (verification_uri_complete, no code to type). It returns the login screen.
func idpLogIn(t *testing.T, h *harness, wire *idpWire, u testop.User) *login {
	t.Helper()
	h.tap(h.k.tr("Login"))
	h.waitFor("the code from the OP", func() bool { s, ok := h.k.cur.(*login); return ok && s.current != nil && s.code.Visible() })
	s := h.k.cur.(*login)
	l := s.current
	d := wire.lastDevice(t) // what the OP sent
	if ungroupCode(s.code.Text) != d.userCode || s.url.Text != shortURL(d.uri) || s.qr.Resource == nil {
		t.Errorf("login screen: code %q, address %q, QR %v; the OP gave %q at %q", s.code.Text, s.url.Text, s.qr.Resource != nil, d.userCode, d.uri)
	}
	uri, code := l.VerificationURIComplete, ""
	if s.typeCode.Visible() {
		uri, code = "http://"+s.url.Text, ungroupCode(s.code.Text)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := testop.NewPhone().Approve(ctx, uri, code, u); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitRevoked waits until op has recorded the revocation of the access token with jti and (when refresh)
// of a refresh token, both by the kiosk's client.
func waitRevoked(t *testing.T, h *harness, op *testop.OP, jti string, refresh bool) {
	t.Helper()
	h.waitFor("the revocations at the OP", func() bool {
		revs := op.Revocations()
		return slices.ContainsFunc(revs, func(r testop.Revocation) bool {
			return r.Kind == "access_token" && r.JTI == jti && r.ClientID == testop.DefaultClientID
		}) && (!refresh || slices.ContainsFunc(revs, func(r testop.Revocation) bool {
			return r.Kind == "refresh_token" && r.ClientID == testop.DefaultClientID
		}))
	})
	if op.Active(jti) {
		t.Error("the OP still honours the access token after the logout")
	}
}

// TestIdPWholeVisit: the whole visit through an independent OP, in nn with an OP that gives no
// verification_uri_complete (the code typed on the phone) and in nb with one that does (the QR code): the
// code from the OP on the login screen, Ingrid approved on the phone at BankID level, her home screen from
// the backend trusting the OP; the visit outlasts the access token (five seconds) while the citizen is
// active, and the inbox after the token's exp loads with a refreshed token; «Logg ut» revokes the refresh
// and the access token at the OP and leaves nothing of Ingrid's in the window.
func TestIdPWholeVisit(t *testing.T) {
	w := newIDPUIWorld(t)
	for _, c := range []struct {
		lang     string
		op       *testop.OP
		typeCode bool
	}{{"nn", w.shortNoComplete, true}, {"nb", w.short, false}} {
		t.Run(c.lang, func(t *testing.T) {
			h, wire := w.kiosk(t, c.op, c.lang)
			s := idpLogIn(t, h, wire, w.ingrid)
			if got := s.typeCode.Visible(); got != c.typeCode {
				t.Errorf("«type the code» shown %v, want %v", got, c.typeCode)
			}
			if c.typeCode && s.typeCode.Text != h.k.tr("LoginTypeCode") {
				t.Errorf("hint %q", s.typeCode.Text)
			}
			if d := wire.lastDevice(t); s.url.Text != shortURL(c.op.Issuer+"/device") || (d.complete == "") != c.typeCode {
				t.Errorf("the address shown is %q; the OP's answer %+v", s.url.Text, d)
			}

			h.waitFor("Ingrid's home screen", func() bool { _, ok := h.k.cur.(*home); return ok && h.containsText("Ingrid Haugen") })
			first := wire.firstToken(t)
			// (exp and iat are whole seconds, iat taken a moment after exp was counted: 4 s when a second turns between.)
			if life := first.Expiry.Time().Sub(first.IssuedAt.Time()); life > idpUILifetime || life < idpUILifetime-time.Second {
				t.Fatalf("the OP's token lives %v, want %v", life, idpUILifetime)
			}
			if me := wire.api("/v1/me"); len(me) == 0 || me[0].status != http.StatusOK {
				t.Fatalf("/v1/me: %+v", me)
			}

			// The visit goes on past the token's exp (the event waited for), the citizen active all along.
			h.waitFor("the first token's exp", func() bool { return time.Now().After(first.Expiry.Time()) })
			if h.k.sess == nil {
				t.Fatal("the session ended before the token's exp")
			}
			if d := time.Since(first.IssuedAt.Time()); d < h.k.cfg.IdleTimeout {
				t.Fatalf("the visit has lasted %v, less than the idle timeout %v", d, h.k.cfg.IdleTimeout)
			}
			refreshes := wire.grants("refresh_token")
			h.tap(h.k.tr("TileMessages"))
			h.waitForText("Besøk fredag")
			if wire.grants("refresh_token") <= refreshes {
				t.Error("no refresh_token grant at the OP for the inbox after the token's exp")
			}
			var threads *idpAPICall
			for _, a := range wire.api("/v1/persons/" + backend.DemoIngrid + "/threads") {
				if a.at.After(first.Expiry.Time()) {
					threads = &a
					break
				}
			}
			switch {
			case threads == nil:
				t.Error("no inbox call after the first token's exp")
			case threads.status != http.StatusOK || threads.token.ID == first.ID || !threads.token.Expiry.Time().After(threads.at):
				t.Errorf("the inbox after the exp: %d with token %s (exp %v) at %v; the first token was %s",
					threads.status, threads.token.ID, threads.token.Expiry.Time(), threads.at, first.ID)
			}
			t.Logf("%s: %d refresh grants, first token exp %v", c.lang, wire.grants("refresh_token"), first.Expiry.Time().Format(time.TimeOnly))

			h.tap(h.k.tr("Logout"))
			h.waitFor("the welcome screen", func() bool { _, ok := h.k.cur.(*welcome); return ok })
			waitRevoked(t, h, c.op, wire.lastToken(t).ID, true)
			for _, s := range h.texts(true) {
				for _, secret := range []string{"Ingrid", "Haugen", w.ingridPID, "Besøk fredag"} {
					if strings.Contains(s, secret) {
						t.Errorf("after the logout the window holds %q (in %q)", secret, s)
					}
				}
			}
		})
	}
}

// TestIdPRefusals: each login the backend refuses, through the real OPs (no injected problems), ends on
// the translated screen for its code; the only API call is /v1/me (no /v1/persons/ call), and both tokens
// are revoked at the OP. An expired token comes two ways: a kiosk that asks for no refresh token, from an
// OP whose tokens live two seconds, knows its token has expired before the first call and sends none; a
// token already expired when the backend sees it is minted by the OP (testop.Mint): the kiosk's client
// counts a token's life from expires_in on its own clock and renews it 20 s early, so a device-flow token
// never reaches the backend expired.
func TestIdPRefusals(t *testing.T) {
	w := newIDPUIWorld(t)
	cases := []struct {
		name, lang string
		op         *testop.OP
		user       testop.User
		code       string // the backend's problem code on /v1/me ("" when no call is made)
		msgID      string
		want       string // a part of the message, in lang
		scopes     string
		mint       bool
	}{
		{"substantial level", "nn", w.main, w.minid, "insufficient_user_authentication", "RefusedLevel", "MinID er ikkje nok", "", false},
		{"substantial level", "nb", w.main, w.minid, "insufficient_user_authentication", "RefusedLevel", "MinID er ikke nok", "", false},
		{"no pid", "nn", w.main, w.nopid, "pid_missing", "RefusedPidMissing", "kven du er", "", false},
		{"pid of nobody", "nn", w.main, w.nobody, "unknown_person", "RefusedUnknownPerson", "Du er ikkje registrert hos tenesta", "", false},
		{"another audience", "nn", w.otherAud, w.ingrid, "wrong_audience", "RefusedToken", "kunne ikkje brukast", "", false},
		{"another audience", "nb", w.otherAud, w.ingrid, "wrong_audience", "RefusedToken", "kunne ikke brukes", "", false},
		{"untrusted issuer", "nn", w.untrusted, w.ingrid, "token_invalid", "RefusedToken", "kunne ikkje brukast", "", false},
		{"expired before the first call", "nn", w.brief, w.ingrid, "", "RefusedToken", "kunne ikkje brukast", "openid helsekiosk", false},
		{"expired token at the backend", "nn", w.main, w.ingrid, "token_expired", "RefusedToken", "kunne ikkje brukast", "", true},
	}
	for _, c := range cases {
		t.Run(c.lang+"/"+c.name, func(t *testing.T) {
			h, wire := w.kiosk(t, c.op, c.lang, func(cfg *config.Config) {
				if c.scopes != "" {
					cfg.Scopes = c.scopes
				}
			})
			if c.mint {
				// The token a device login would give, expired a minute ago, held as if the OP had sent no expires_in.
				tok := c.op.Mint(t, c.user.Username, testop.MintOptions{Expiry: time.Now().Add(-time.Minute)})
				if _, err := h.k.client.Discover(t.Context()); err != nil {
					t.Fatal(err)
				}
				h.k.loggedIn(h.k.client.NewSession(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"}))
			} else {
				idpLogIn(t, h, wire, c.user)
			}
			h.waitFor("the refusal screen", func() bool { _, ok := h.k.cur.(*refusal); return ok })
			msg := h.k.trd(c.msgID, map[string]any{"Phone": HelpLine})
			if !h.hasText(msg) || !strings.Contains(msg, c.want) || !h.hasText(h.k.tr("RefusedHeading")) {
				t.Errorf("the refusal screen lacks %q (%q): %q", msg, c.want, h.texts(false))
			}
			if c.msgID == "RefusedToken" && !strings.Contains(msg, HelpLine) {
				t.Errorf("%q does not give the help line", msg)
			}
			if h.containsText("Ingrid") || h.containsText(h.k.tr("NoticeLoggedOut")) {
				t.Errorf("the refusal screen: %q", h.texts(false))
			}
			if h.k.sess != nil {
				t.Error("the session or the person outlived the refusal")
			}
			// The refusal logs the visit out, which tells the backend in the background (POST /v1/logout):
			// waited for where a token was sent, and left out of the calls the login made.
			if c.code != "" {
				h.waitFor("the logout at the backend", func() bool { return len(wire.api("/v1/logout")) > 0 })
			}
			var calls []idpAPICall
			for _, a := range wire.api("/v1/") {
				if a.path != "/v1/logout" {
					calls = append(calls, a)
				}
			}
			switch {
			case c.code == "" && len(calls) != 0:
				t.Errorf("API calls with a token the kiosk knows has expired: %+v", calls)
			case c.code != "" && (len(calls) != 1 || calls[0].path != "/v1/me" || calls[0].status != http.StatusUnauthorized || calls[0].code != c.code):
				t.Errorf("API calls %+v, want one /v1/me answered 401 %s", calls, c.code)
			}
			if n := len(wire.api("/v1/persons/")); n != 0 {
				t.Errorf("%d person-scoped calls", n)
			}
			if c.mint {
				// The kiosk asks the OP to revoke it; op verifies a JWT before it revokes it by its jti, and an
				// expired one no longer verifies: the OP records a revocation of an unknown token.
				h.waitFor("the revocation request at the OP", func() bool {
					return slices.ContainsFunc(c.op.Revocations(), func(r testop.Revocation) bool { return r.ClientID == testop.DefaultClientID })
				})
			} else {
				// Both tokens, where the kiosk holds a refresh token (not without offline_access).
				waitRevoked(t, h, c.op, wire.lastToken(t).ID, c.scopes == "")
			}
			h.tap(h.k.tr("BackToStart"))
			h.waitFor("the welcome screen", func() bool { _, ok := h.k.cur.(*welcome); return ok })
		})
	}
}

// idpWire records, on the kiosk's way out, the token endpoint's answers (grant type, access token) and the
// API's answers (path, status, problem code, the access token sent and when).
type idpWire struct {
	next http.RoundTripper

	mu     sync.Mutex
	tokens []string       // access tokens from the token endpoint, in order
	grant  map[string]int // grant_type → successful token answers
	calls  []idpAPICall
	device []idpDeviceAnswer // the device authorization endpoint's answers
}

type idpDeviceAnswer struct{ userCode, uri, complete string }

// lastDevice is the OP's last device authorization answer, as it came on the wire.
func (r *idpWire) lastDevice(t *testing.T) idpDeviceAnswer {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.device) == 0 {
		t.Fatal("no device authorization answer seen from the OP")
	}
	return r.device[len(r.device)-1]
}

type idpAPICall struct {
	path, code string
	status     int
	token      jwt.Claims
	at         time.Time
}

func (r *idpWire) RoundTrip(req *http.Request) (*http.Response, error) {
	var grant string
	if req.URL.Path == "/oauth/token" && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			form, _ := io.ReadAll(b)
			b.Close()
			for kv := range strings.SplitSeq(string(form), "&") {
				if v, ok := strings.CutPrefix(kv, "grant_type="); ok {
					grant = v
				}
			}
		}
	}
	at := time.Now()
	bearer := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	isToken := req.URL.Path == "/oauth/token" && resp.StatusCode == http.StatusOK
	isDevice := req.URL.Path == "/device_authorization" && resp.StatusCode == http.StatusOK
	isAPI := strings.HasPrefix(req.URL.Path, "/v1/")
	if !isToken && !isDevice && !isAPI {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	defer r.mu.Unlock()
	if isDevice {
		var d struct {
			UserCode        string `json:"user_code"`
			VerificationURI string `json:"verification_uri"`
			Complete        string `json:"verification_uri_complete"`
		}
		if json.Unmarshal(body, &d) == nil {
			r.device = append(r.device, idpDeviceAnswer{d.UserCode, d.VerificationURI, d.Complete})
		}
		return resp, nil
	}
	if isToken {
		var t struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(body, &t) == nil && t.AccessToken != "" {
			r.tokens = append(r.tokens, t.AccessToken)
			if r.grant == nil {
				r.grant = map[string]int{}
			}
			r.grant[grant]++
		}
		return resp, nil
	}
	call := idpAPICall{path: req.URL.Path, status: resp.StatusCode, at: at}
	var p struct {
		Code string `json:"code"`
	}
	if resp.StatusCode >= 400 && json.Unmarshal(body, &p) == nil {
		call.code = p.Code
	}
	if tok, err := jwt.ParseSigned(bearer, []jose.SignatureAlgorithm{jose.RS256}); err == nil {
		_ = tok.UnsafeClaimsWithoutVerification(&call.token)
	}
	r.calls = append(r.calls, call)
	return resp, nil
}

// api returns the API calls whose path starts with prefix, in order.
func (r *idpWire) api(prefix string) []idpAPICall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []idpAPICall
	for _, c := range r.calls {
		if strings.HasPrefix(c.path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (r *idpWire) grants(grantType string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.grant[grantType]
}

func (r *idpWire) token(t *testing.T, last bool) jwt.Claims {
	t.Helper()
	r.mu.Lock()
	n := len(r.tokens)
	var raw string
	if n > 0 {
		raw = r.tokens[0]
		if last {
			raw = r.tokens[n-1]
		}
	}
	r.mu.Unlock()
	if raw == "" {
		t.Fatal("no access token seen from the OP's token endpoint")
	}
	return idpClaims(t, raw)
}

func (r *idpWire) firstToken(t *testing.T) jwt.Claims { t.Helper(); return r.token(t, false) }
func (r *idpWire) lastToken(t *testing.T) jwt.Claims  { t.Helper(); return r.token(t, true) }

// idpClaims reads an access token's registered claims without verifying it (the backend does that).
func idpClaims(t *testing.T, raw string) jwt.Claims {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("the access token is not a JWT: %v", err)
	}
	var c jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		t.Fatal(err)
	}
	return c
}
