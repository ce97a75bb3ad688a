package backend_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// fakeOP is an independent OpenID Provider for the resource-server tests: its own key, its discovery document
// and JWKS served by its own httptest server, and JWT access tokens signed with go-jose.
type fakeOP struct {
	URL string
	key *ecdsa.PrivateKey
	now func() time.Time // the OP's clock for iat and exp; nil: time.Now
}

func newFakeOP(t *testing.T) *fakeOP {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	op := &fakeOP{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": op.URL, "jwks_uri": op.URL + "/jwks", "token_endpoint": op.URL + "/token",
			"authorization_endpoint": op.URL + "/authorize", "id_token_signing_alg_values_supported": []string{"ES256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"pairwise"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "op-key", Algorithm: "ES256", Use: "sig"}}})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	op.URL = ts.URL
	return op
}

// sign makes a JWT access token with claims, signed by key under kid.
func sign(t testing.TB, key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// token issues a citizen token; edit changes the claims before signing (delete a key to leave it out).
func (op *fakeOP) token(t testing.TB, aud, pid, acr string, edit func(map[string]any)) string {
	t.Helper()
	now := time.Now()
	if op.now != nil {
		now = op.now()
	}
	c := map[string]any{"iss": op.URL, "aud": []string{aud}, "sub": "pairwise-abc", "pid": pid, "acr": acr,
		"client_id": "helsekiosk", "scope": "openid helsekiosk", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "j-" + rand.Text()}
	if edit != nil {
		edit(c)
	}
	return sign(t, op.key, "op-key", c)
}

// forgeToken signs a token with a key nobody trusts, claiming issuer iss.
func forgeToken(t testing.TB, iss, aud, pid, acr string, ttl time.Duration) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	return sign(t, key, "forged", map[string]any{"iss": iss, "aud": aud, "sub": "x", "pid": pid, "acr": acr,
		"client_id": backend.ClientID, "iat": now.Unix(), "exp": now.Add(ttl).Unix(), "jti": "forged"})
}

func nationalID(t testing.TB, id string) string {
	t.Helper()
	for _, p := range backend.DemoPersons() {
		if p.ID == id {
			return p.NationalID
		}
	}
	t.Fatalf("no demo person %s", id)
	return ""
}

// TestResourceServerTrustsIndependentOP: the backend (demo data, plus --trust-issuer for an OP of its own)
// accepts that OP's JWT access tokens for the right audience at the high level, and refuses each wrong one
// with its code.
func TestResourceServerTrustsIndependentOP(t *testing.T) {
	op := newFakeOP(t)
	untrusted := newFakeOP(t)
	const aud = "https://helsekiosk.kommune.test/api"
	e := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{op.URL}
		c.Audience = aud
		c.KioskClients = append(c.KioskClients, backend.KioskClient{ClientID: "kiosk-a", Issuer: op.URL},
			backend.KioskClient{ClientID: "kiosk-b", Issuer: op.URL})
	}))
	ingrid := nationalID(t, backend.DemoIngrid)
	tests := []struct {
		name   string
		token  string
		status int
		code   string // "" : 200
	}{
		{"valid high token", op.token(t, aud, ingrid, backend.ACRHigh, nil), 200, ""},
		{"aud among several", op.token(t, aud, ingrid, backend.ACRHigh, func(c map[string]any) { c["aud"] = []string{"other", aud} }), 200, ""},
		{"substantial (MinID)", op.token(t, aud, ingrid, backend.ACRSubstantial, nil), 401, "insufficient_user_authentication"},
		{"no acr", op.token(t, aud, ingrid, "", func(c map[string]any) { delete(c, "acr") }), 401, "insufficient_user_authentication"},
		{"wrong audience", op.token(t, "https://other.kommune.test", ingrid, backend.ACRHigh, nil), 401, "wrong_audience"},
		{"expired", op.token(t, aud, ingrid, backend.ACRHigh, func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-10*time.Minute).Unix(), time.Now().Add(-5*time.Minute).Unix()
		}), 401, "token_expired"},
		{"no exp", op.token(t, aud, ingrid, backend.ACRHigh, func(c map[string]any) { delete(c, "exp") }), 401, "token_invalid"},
		{"untrusted issuer", untrusted.token(t, aud, ingrid, backend.ACRHigh, nil), 401, "token_invalid"},
		{"trusted issuer, other key", forgeToken(t, op.URL, aud, ingrid, backend.ACRHigh, time.Hour), 401, "token_invalid"},
		{"expired and forged: not told expired", forgeToken(t, op.URL, aud, ingrid, backend.ACRHigh, -time.Hour), 401, "token_invalid"},
		{"pid of nobody", op.token(t, aud, "01010012345", backend.ACRHigh, nil), 401, "unknown_person"},
		{"no pid", op.token(t, aud, "", backend.ACRHigh, func(c map[string]any) { delete(c, "pid") }), 401, "pid_missing"},
		{"not a JWT", "opaque-token-of-the-old-kind", 401, "token_invalid"},
		{"none", "", 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, b := e.Do(t, http.MethodGet, "/v1/me", tt.token, nil)
			if tt.code == "" {
				wantStatus(t, res, b, http.StatusOK)
				if me := decode[api.Me](t, b); me.Citizen.Id != backend.DemoIngrid {
					t.Errorf("logged in as %s", me.Citizen.Id)
				}
				// and person calls work the same way
				res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", tt.token, nil)
				wantStatus(t, res, b, http.StatusOK)
				return
			}
			wantProblem(t, res, b, tt.status, tt.code)
			wa := res.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(wa, "Bearer") {
				t.Errorf("WWW-Authenticate %q", wa)
			}
			if tt.code == "insufficient_user_authentication" {
				for _, want := range []string{`error="insufficient_user_authentication"`, `acr_values="idporten-loa-high"`} {
					if !strings.Contains(wa, want) {
						t.Errorf("WWW-Authenticate %q lacks %s", wa, want)
					}
				}
			}
		})
	}

	// A kiosk token from the OP (client_id, no pid) owns its help requests; another client of the OP does not
	// see them.
	kioskTok := func(clientID string) string {
		return op.token(t, aud, "", "", func(c map[string]any) {
			delete(c, "pid")
			delete(c, "acr")
			c["client_id"], c["sub"], c["scope"] = clientID, clientID, "kiosk"
		})
	}
	res, b := e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", kioskTok("kiosk-a"), api.NewHelpRequest{KioskName: "A", Screen: "inbox"})
	wantStatus(t, res, b, http.StatusCreated)
	hr := decode[api.HelpRequest](t, b)
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/"+hr.Id, kioskTok("kiosk-a"), nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/"+hr.Id, kioskTok("kiosk-b"), nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	// azp instead of client_id (an OP that follows OIDC rather than RFC 9068)
	azp := op.token(t, aud, "", "", func(c map[string]any) {
		delete(c, "pid")
		delete(c, "acr")
		delete(c, "client_id")
		c["azp"], c["sub"], c["scope"] = "kiosk-a", "kiosk-a", "kiosk"
	})
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/"+hr.Id, azp, nil)
	wantStatus(t, res, b, http.StatusOK)
	// A citizen token is no kiosk token.
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/"+hr.Id, op.token(t, aud, ingrid, backend.ACRHigh, nil), nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "kiosk_required")
}

// TestPIDClaimAndACRConfigurable: --pid-claim and --acr (a list).
func TestPIDClaimAndACRConfigurable(t *testing.T) {
	op := newFakeOP(t)
	e := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{op.URL + "/"} // a trailing slash is the same issuer
		c.Audience = "api"
		c.PIDClaim = "nin"
		c.ACR = []string{backend.ACRHigh, "eidas-loa-high"}
	}))
	ingrid := nationalID(t, backend.DemoIngrid)
	tok := op.token(t, "api", "", "eidas-loa-high", func(c map[string]any) { delete(c, "pid"); c["nin"] = ingrid })
	res, b := e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodGet, "/v1/me", op.token(t, "api", ingrid, backend.ACRHigh, nil), nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "pid_missing")
	res, b = e.Do(t, http.MethodGet, "/v1/me", op.token(t, "api", "", backend.ACRSubstantial, func(c map[string]any) { c["nin"] = ingrid }), nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "insufficient_user_authentication")
	if wa := res.Header.Get("WWW-Authenticate"); !strings.Contains(wa, `acr_values="idporten-loa-high eidas-loa-high"`) {
		t.Errorf("WWW-Authenticate %q", wa)
	}
}

// TestWithoutDemo: no /device page, no citizen grants, no demo persons.
func TestWithoutDemo(t *testing.T) {
	get := func(t *testing.T, e *backendtest.Env, path string) (*http.Response, []byte) {
		res, err := e.Client.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	t.Run("kiosk clients registered", func(t *testing.T) {
		e := backendtest.New(t, backendtest.WithoutDemo(), backendtest.AllowInvalidRequests())
		for _, path := range []string{"/device", "/device?user_code=BCDF-GHJK"} {
			res, b := get(t, e, path)
			wantProblem(t, res, b, http.StatusNotFound, "not_found")
		}
		res, b := postForm(t, e, "/device", url.Values{"user_code": {"BCDF-GHJK"}, "person_id": {backend.DemoIngrid}, "action": {"approve"}})
		wantProblem(t, res, b, http.StatusNotFound, "not_found")
		res, b = postForm(t, e, "/oauth/device_authorization", url.Values{"client_id": {backend.ClientID}})
		wantProblem(t, res, b, http.StatusNotFound, "not_found")
		for _, grant := range []string{backend.DeviceCodeGrant, "refresh_token"} {
			res, b = postForm(t, e, "/oauth/token", url.Values{"grant_type": {grant}, "device_code": {"x"}, "refresh_token": {"x"}})
			wantOAuthError(t, res, b, http.StatusBadRequest, "unsupported_grant_type")
		}
		// The kiosks still get their tokens.
		if tok := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret); tok == "" {
			t.Fatal("no kiosk token")
		}
		res, b = e.Do(t, http.MethodGet, "/.well-known/openid-configuration", "", nil)
		wantStatus(t, res, b, http.StatusOK)
		if d := decode[api.Discovery](t, b); strings.Join(d.GrantTypesSupported, " ") != "client_credentials" {
			t.Errorf("grant_types_supported %v", d.GrantTypesSupported)
		}
		var n int
		if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM persons`).Scan(&n); err != nil || n != 0 {
			t.Errorf("persons without demo: %d %v", n, err)
		}
		res, b = e.Do(t, http.MethodGet, "/v1/health", "", nil)
		if h := decode[api.Health](t, b); h.Demo == nil || *h.Demo {
			t.Errorf("health %s", b)
		}
	})
	t.Run("nothing of its own", func(t *testing.T) {
		e := backendtest.New(t, backendtest.WithoutDemo(), backendtest.AllowInvalidRequests(),
			backendtest.WithConfig(func(c *backend.Config) { c.KioskClients = nil }))
		for _, path := range []string{"/device", "/.well-known/openid-configuration", "/oauth/jwks"} {
			res, b := get(t, e, path)
			wantProblem(t, res, b, http.StatusNotFound, "not_found")
		}
		res, b := postForm(t, e, "/oauth/token", url.Values{"grant_type": {"client_credentials"}})
		wantProblem(t, res, b, http.StatusNotFound, "not_found")
		res, b = postForm(t, e, "/oauth/revoke", url.Values{"token": {"x"}})
		wantProblem(t, res, b, http.StatusNotFound, "not_found")
	})
}

// TestUserCodeGuessing: 1,000 wrong user codes from one address meet the limit (429 with Retry-After), and
// then not even the right code approves.
func TestUserCodeGuessing(t *testing.T) {
	e := backendtest.New(t)
	da := e.StartLogin(t)
	limited, notFound := 0, 0
	for i := range 1000 {
		code := []byte("BBBB-BBBB")
		code[i%4] = "CDFGHJKLMN"[i/100%10]
		code[5+i%4] = "CDFGHJKLMN"[i%10]
		res, b := postForm(t, e, "/device", url.Values{"user_code": {string(code)}, "person_id": {backend.DemoIngrid}, "action": {"approve"}})
		switch res.StatusCode {
		case http.StatusTooManyRequests:
			limited++
			if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Fatalf("429 without Retry-After: %q", ra)
			}
		case http.StatusNotFound:
			notFound++
		default:
			t.Fatalf("guess %d (%s): %d %s", i, code, res.StatusCode, b)
		}
	}
	t.Logf("1000 wrong codes: %d answered 404 (unknown), %d answered 429", notFound, limited)
	if limited < 980 || notFound > 20 {
		t.Fatalf("not limited: %d unknown, %d limited", notFound, limited)
	}
	res, _ := postForm(t, e, "/device", url.Values{"user_code": {da.UserCode}, "person_id": {backend.DemoIngrid}, "action": {"approve"}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right code after the limit: %d, want 429", res.StatusCode)
	}
	res2, err := e.Client.Get(e.URL + "/device?user_code=" + da.UserCode)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusTooManyRequests {
		t.Errorf("GET with the right code after the limit: %d, want 429", res2.StatusCode)
	}
	res, b := pollToken(t, e, da.DeviceCode)
	wantOAuthError(t, res, b, http.StatusBadRequest, "authorization_pending")
}

// TestUserCodeAnswersAlike: an unknown code and an existing one that is used, denied or expired get the same
// status and the same page; and the page lists nobody before a valid code.
func TestUserCodeAnswersAlike(t *testing.T) {
	clk := backendtest.NewClock(time.Now())
	e := backendtest.New(t, backendtest.WithClock(clk))
	e.Server.SetCodeAttemptLimit(100, time.Second) // more wrong codes than the limit allows one address
	page := func(path string) (int, string) {
		res, err := e.Client.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	post := func(code string) (int, string) {
		res, b := postForm(t, e, "/device", url.Values{"user_code": {code}, "person_id": {backend.DemoIngrid}, "action": {"approve"}})
		return res.StatusCode, string(b)
	}
	used := e.StartLogin(t)
	e.Approve(t, used.UserCode, backend.DemoKari)
	denied := e.StartLogin(t)
	e.Deny(t, denied.UserCode)
	expired := e.StartLogin(t)
	clk.Advance(11 * time.Minute)
	valid := e.StartLogin(t)

	wantStatus, wantPage := page("/device?user_code=BBBB-BBBB")
	wantPStatus, wantPPage := post("BBBB-BBBB")
	if wantStatus != http.StatusNotFound || wantPStatus != http.StatusNotFound {
		t.Fatalf("unknown code: %d / %d", wantStatus, wantPStatus)
	}
	for name, code := range map[string]string{"used": used.UserCode, "denied": denied.UserCode, "expired": expired.UserCode} {
		if st, p := page("/device?user_code=" + code); st != wantStatus || p != wantPage {
			t.Errorf("GET %s code: %d, page differs from an unknown code's: %v", name, st, p != wantPage)
		}
		if st, p := post(code); st != wantPStatus || p != wantPPage {
			t.Errorf("POST %s code: %d, page differs from an unknown code's: %v", name, st, p != wantPPage)
		}
	}
	for _, path := range []string{"/device", "/device?user_code=BBBB-BBBB", "/device?user_code=" + used.UserCode} {
		if _, p := page(path); strings.Contains(p, "Ingrid Haugen") || strings.Contains(p, "person_id") || strings.Contains(p, "1941") {
			t.Errorf("%s lists persons", path)
		}
	}
	if st, p := page("/device?user_code=" + valid.UserCode); st != http.StatusOK || !strings.Contains(p, "Ingrid Haugen") {
		t.Errorf("valid code: %d, persons listed %v", st, strings.Contains(p, "Ingrid Haugen"))
	}
}

// TestHelpRequestsBelongToTheKiosk: anonymous → 401 kiosk_required, another kiosk → 404, a citizen → 401.
func TestHelpRequestsBelongToTheKiosk(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	mine := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	other := e.KioskToken(t, backendtest.OtherKioskID, backendtest.OtherKioskSecret)
	citizen := e.Token(t, backend.DemoIngrid)
	body := api.NewHelpRequest{KioskName: "Servicetorget", Screen: "inbox"}
	res, b := e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", mine, body)
	wantStatus(t, res, b, http.StatusCreated)
	hr := decode[api.HelpRequest](t, b)
	path := "/v1/kiosk/help-requests/" + hr.Id

	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      string
	}{
		{"anonymous create", http.MethodPost, "/v1/kiosk/help-requests", "", body, 401, "kiosk_required"},
		{"anonymous read", http.MethodGet, path, "", nil, 401, "kiosk_required"},
		{"anonymous withdraw", http.MethodDelete, path, "", nil, 401, "kiosk_required"},
		{"citizen create", http.MethodPost, "/v1/kiosk/help-requests", citizen, body, 401, "kiosk_required"},
		{"citizen read", http.MethodGet, path, citizen, nil, 401, "kiosk_required"},
		{"forged kiosk token", http.MethodGet, path, forgeToken(t, e.URL, e.URL, "", "", time.Hour), nil, 401, "token_invalid"},
		{"other kiosk read", http.MethodGet, path, other, nil, 404, "not_found"},
		{"other kiosk withdraw", http.MethodDelete, path, other, nil, 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, b := e.Do(t, tt.method, tt.path, tt.token, tt.body)
			wantProblem(t, res, b, tt.status, tt.code)
		})
	}
	res, b = e.Do(t, http.MethodGet, path, mine, nil)
	wantStatus(t, res, b, http.StatusOK)
	if got := decode[api.HelpRequest](t, b); got.Status != api.Open {
		t.Errorf("after the other kiosk's withdraw: %s", got.Status)
	}
	// A wrong secret gets no kiosk token.
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(backendtest.KioskID, "wrong")
	r2, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	r2.Request = req
	wantOAuthError(t, r2, b2, http.StatusUnauthorized, "invalid_client")
}

// TestConsentOfThePersonActedFor: Ingrid withdraws consent; Kari (fullmakt) gets 403 consent_required naming
// Ingrid, and still reaches her own data.
func TestConsentOfThePersonActedFor(t *testing.T) {
	e := backendtest.New(t)
	ingrid := e.Token(t, backend.DemoIngrid)
	kari := e.Token(t, backend.DemoKari)
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", kari, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodDelete, "/v1/consent", ingrid, nil)
	wantStatus(t, res, b, http.StatusOK)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "/v1/persons/p-ingrid/threads"},
		{http.MethodGet, "/v1/persons/p-ingrid/overview"},
		{http.MethodGet, "/v1/persons/p-ingrid/appointments?from=2026-01-01&to=2027-12-31"},
		{http.MethodGet, "/v1/persons/p-ingrid/threads/t-ingrid-1"},
	} {
		res, b := e.Do(t, c.method, c.path, kari, nil)
		p := wantProblem(t, res, b, http.StatusForbidden, "consent_required")
		if p.Person == nil || *p.Person != backend.DemoIngrid {
			t.Errorf("%s: person %v, want %s", c.path, p.Person, backend.DemoIngrid)
		}
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", kari, api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "Hei", Body: "Hei"})
	wantProblem(t, res, b, http.StatusForbidden, "consent_required")
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-kari/threads", kari, nil)
	wantStatus(t, res, b, http.StatusOK)
	// Ingrid herself: consent_required without person (her own consent).
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", ingrid, nil)
	if p := wantProblem(t, res, b, http.StatusForbidden, "consent_required"); p.Person != nil {
		t.Errorf("own consent missing names a person: %v", *p.Person)
	}
}

// TestUnderAge: Emma (10) cannot log in on her own; her father acts for her.
func TestUnderAge(t *testing.T) {
	e := backendtest.New(t)
	emma := e.Token(t, backend.DemoEmma)
	for _, path := range []string{"/v1/me", "/v1/consent", "/v1/persons/p-emma/threads", "/v1/persons/p-emma/overview"} {
		res, b := e.Do(t, http.MethodGet, path, emma, nil)
		wantProblem(t, res, b, http.StatusForbidden, "under_age")
	}
	ola := e.Token(t, backend.DemoOla)
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-emma/threads", ola, nil)
	wantStatus(t, res, b, http.StatusOK)
}

// deviceLogin runs the device flow with scope and returns the token response.
func deviceLogin(t *testing.T, e *backendtest.Env, personID, scope string) api.TokenResponse {
	t.Helper()
	res, b := postForm(t, e, "/oauth/device_authorization", url.Values{"client_id": {backend.ClientID}, "scope": {scope}})
	wantStatus(t, res, b, http.StatusOK)
	da := decode[api.DeviceAuthorization](t, b)
	e.Approve(t, da.UserCode, personID)
	res, b = pollToken(t, e, da.DeviceCode)
	wantStatus(t, res, b, http.StatusOK)
	return decode[api.TokenResponse](t, b)
}

func refresh(t *testing.T, e *backendtest.Env, rt string) (*http.Response, []byte) {
	t.Helper()
	return postForm(t, e, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {backend.ClientID}})
}

// TestDemoTokens: signed JWTs with the design's claims, verifiable with jwks_uri; refresh tokens rotate; revoke
// ends a refresh token's login and an access token by its jti.
func TestDemoTokens(t *testing.T) {
	clk := backendtest.NewClock(time.Now())
	e := backendtest.New(t, backendtest.WithClock(clk))
	tr := deviceLogin(t, e, backend.DemoIngrid, "openid helsekiosk offline_access")
	if tr.ExpiresIn != 300 || tr.RefreshToken == nil || tr.Scope == nil || *tr.Scope != "openid helsekiosk offline_access" {
		t.Fatalf("token response %+v", tr)
	}
	// The JWKS verifies the token, and the claims are the design's.
	res, b := e.Do(t, http.MethodGet, "/oauth/jwks", "", nil)
	wantStatus(t, res, b, http.StatusOK)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Algorithm != "ES256" {
		t.Fatalf("jwks %s %v", b, err)
	}
	parsed, err := jwt.ParseSigned(tr.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if typ := parsed.Headers[0].ExtraHeaders[jose.HeaderType]; typ != "at+jwt" {
		t.Errorf("typ %v, want at+jwt (RFC 9068)", typ)
	}
	if parsed.Headers[0].KeyID != set.Keys[0].KeyID {
		t.Errorf("kid %q, jwks kid %q", parsed.Headers[0].KeyID, set.Keys[0].KeyID)
	}
	var c map[string]any
	if err := parsed.Claims(set.Keys[0].Key, &c); err != nil {
		t.Fatal(err)
	}
	ingrid := nationalID(t, backend.DemoIngrid)
	if c["iss"] != e.URL || c["aud"] != e.URL || c["pid"] != ingrid || c["acr"] != backend.ACRHigh || c["client_id"] != backend.ClientID ||
		c["sub"] == ingrid || c["sub"] == "" || c["jti"] == "" || c["scope"] != "openid helsekiosk offline_access" {
		t.Errorf("claims %v", c)
	}
	if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != 300 {
		t.Errorf("lifetime %v s", exp-iat)
	}
	// No offline_access, no refresh token.
	if plain := deviceLogin(t, e, backend.DemoIngrid, "openid helsekiosk"); plain.RefreshToken != nil {
		t.Errorf("refresh token without offline_access")
	}

	// Refresh: a new access and refresh token; the old refresh token is spent, and using it again ends the
	// login (the new one too).
	clk.Advance(4 * time.Minute)
	res, b = refresh(t, e, *tr.RefreshToken)
	wantStatus(t, res, b, http.StatusOK)
	tr2 := decode[api.TokenResponse](t, b)
	if tr2.RefreshToken == nil || *tr2.RefreshToken == *tr.RefreshToken || tr2.AccessToken == tr.AccessToken {
		t.Fatalf("not rotated: %+v", tr2)
	}
	clk.Advance(2 * time.Minute) // the first access token has expired, the new one has not
	res, b = e.Do(t, http.MethodGet, "/v1/me", tr.AccessToken, nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "token_expired")
	res, b = e.Do(t, http.MethodGet, "/v1/me", tr2.AccessToken, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = refresh(t, e, *tr.RefreshToken)
	wantOAuthError(t, res, b, http.StatusBadRequest, "invalid_grant")
	res, b = refresh(t, e, *tr2.RefreshToken)
	wantOAuthError(t, res, b, http.StatusBadRequest, "invalid_grant")

	// Revoke at logout: the refresh token and the access token (by jti).
	tr3 := deviceLogin(t, e, backend.DemoIngrid, "openid helsekiosk offline_access")
	for _, tok := range []string{*tr3.RefreshToken, tr3.AccessToken} {
		res, b = postForm(t, e, "/oauth/revoke", url.Values{"token": {tok}, "client_id": {backend.ClientID}})
		wantStatus(t, res, b, http.StatusOK)
	}
	res, b = refresh(t, e, *tr3.RefreshToken)
	wantOAuthError(t, res, b, http.StatusBadRequest, "invalid_grant")
	res, b = e.Do(t, http.MethodGet, "/v1/me", tr3.AccessToken, nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "token_invalid")

	// A kiosk token: client_id, no pid, scope kiosk.
	kt := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	parsed, err = jwt.ParseSigned(kt, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	c = nil
	if err := parsed.Claims(set.Keys[0].Key, &c); err != nil {
		t.Fatal(err)
	}
	if c["client_id"] != backendtest.KioskID || c["pid"] != nil || c["scope"] != "kiosk" {
		t.Errorf("kiosk claims %v", c)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/me", kt, nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "pid_missing")
}

// TestDiscoveryIgnoresHost: a forged Host header does not move the issuer or any endpoint.
func TestDiscoveryIgnoresHost(t *testing.T) {
	e := backendtest.New(t)
	for _, path := range []string{"/.well-known/openid-configuration", "/oauth/device_authorization"} {
		var req *http.Request
		if strings.HasPrefix(path, "/oauth") {
			req, _ = http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader("client_id="+backend.ClientID))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req, _ = http.NewRequest(http.MethodGet, e.URL+path, nil)
		}
		req.Host = "evil.example"
		res, err := e.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || strings.Contains(string(b), "evil.example") || !strings.Contains(string(b), e.URL) {
			t.Errorf("%s with Host evil.example: %d %s", path, res.StatusCode, b)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoToken: a debug log of logins, refreshes, refusals and revocations holds no token, no secret,
// no user code and no national identity number.
// TestLogsHoldNoToken: neither log format (text, json; --log-format) holds a token, a secret, a national
// identity number, a name, a subject, message text or a kiosk's name – only methods, route templates,
// statuses and durations.
func TestLogsHoldNoToken(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) { testLogsHoldNoToken(t, format) })
	}
}

func testLogsHoldNoToken(t *testing.T, format string) {
	var buf syncBuffer
	op := newFakeOP(t)
	e := backendtest.New(t, backendtest.AllowInvalidRequests(), backendtest.WithConfig(func(c *backend.Config) {
		opts := &slog.HandlerOptions{Level: slog.LevelDebug}
		if format == "json" {
			c.Logger = slog.New(slog.NewJSONHandler(&buf, opts))
		} else {
			c.Logger = slog.New(slog.NewTextHandler(&buf, opts))
		}
		c.TrustIssuers = []string{op.URL}
	}))
	tr := deviceLogin(t, e, backend.DemoIngrid, "openid helsekiosk offline_access")
	secrets := []string{tr.AccessToken, *tr.RefreshToken, backendtest.KioskSecret, nationalID(t, backend.DemoIngrid)}
	e.Do(t, http.MethodGet, "/v1/me", tr.AccessToken, nil)
	res, b := refresh(t, e, *tr.RefreshToken)
	wantStatus(t, res, b, http.StatusOK)
	tr2 := decode[api.TokenResponse](t, b)
	secrets = append(secrets, tr2.AccessToken, *tr2.RefreshToken)
	kiosk := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	secrets = append(secrets, kiosk)
	sub := op.token(t, e.URL, nationalID(t, backend.DemoIngrid), backend.ACRSubstantial, nil)
	secrets = append(secrets, sub)
	for _, tok := range []string{sub, kiosk, "garbage.token.here"} {
		e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	}
	da := e.StartLogin(t)
	secrets = append(secrets, da.UserCode, da.DeviceCode)
	e.Client.Get(e.URL + "/device?user_code=" + da.UserCode)
	postForm(t, e, "/oauth/revoke", url.Values{"token": {tr2.AccessToken}})
	// Texts: a new thread, a reply, a help request; and a write that fails inside the database.
	const subject, text, kioskName = "Loggtest-emne", "Loggtest: hemmeleg meldingstekst", "Loggtest-kiosken"
	secrets = append(secrets, subject, text, kioskName, "Ingrid Haugen", "p-ingrid", "t-ingrid-1")
	e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tr2.AccessToken, api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: subject, Body: text})
	tr3 := deviceLogin(t, e, backend.DemoIngrid, "openid helsekiosk")
	e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/t-ingrid-1/messages", tr3.AccessToken, api.NewMessage{Body: text}, "Idempotency-Key", "log-key-1")
	e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", kiosk, api.NewHelpRequest{KioskName: kioskName, Screen: "inbox"})
	log := buf.String()
	if !strings.Contains(log, "route=/v1/me") && !strings.Contains(log, `"route":"/v1/me"`) {
		t.Fatalf("nothing logged: %s", log)
	}
	if !strings.Contains(log, "/v1/persons/{personId}/threads/{threadId}/messages") {
		t.Errorf("the reply is not logged by its route template: %s", log)
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(log, s) {
			t.Errorf("the log holds a secret (%.6s…)", s)
		}
		if len(s) > 40 && strings.Contains(log, s[len(s)-30:]) {
			t.Errorf("the log holds part of a token (…%s)", s[len(s)-6:])
		}
	}
}

// TestTrustedIssuerUnreachable: a trusted OP that cannot be reached is 503 unavailable (try again), not a
// refusal of the citizen; the backend starts anyway.
func TestTrustedIssuerUnreachable(t *testing.T) {
	srv, err := backend.New(backend.Config{Demo: true, PublicURL: "http://backend.test", TrustIssuers: []string{"http://127.0.0.1:1"},
		HTTPClient: &http.Client{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tok := sign(t, key, "k", map[string]any{"iss": "http://127.0.0.1:1", "aud": "http://backend.test", "exp": time.Now().Add(time.Minute).Unix(), "pid": "x", "acr": backend.ACRHigh})
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Request = req
	wantProblem(t, res, b, http.StatusServiceUnavailable, "unavailable")
}

// TestSigningKeyFile: --signing-key (SEC 1 or PKCS #8 PEM) keeps the same key, so tokens outlive a restart.
func TestSigningKeyFile(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(key)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := t.TempDir()
	for _, f := range []struct {
		name, typ string
		der       []byte
	}{{"sec1.pem", "EC PRIVATE KEY", sec1}, {"pkcs8.pem", "PRIVATE KEY", pkcs8}} {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der}), 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := backend.LoadSigningKey(path)
		if err != nil || !k.Equal(key) {
			t.Fatalf("%s: %v", f.name, err)
		}
	}
	e1 := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.SigningKey = key; c.PublicURL = "http://backend.test" }))
	e2 := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.SigningKey = key; c.PublicURL = "http://backend.test" }))
	tok := e1.MintToken(t, backend.DemoIngrid)
	res, b := e2.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	if _, err := backend.LoadSigningKey(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("a missing key file loaded")
	}
}
