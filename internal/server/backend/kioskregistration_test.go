package backend_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// TestKioskOfTrustedIssuer: a kiosk whose token comes from a trusted issuer is registered with issuer (and
// subject where the OP's sub is not the client id, as Keycloak's service accounts); the file refuses a secret
// with an issuer, a subject without one, and New refuses an issuer it does not trust. Such a kiosk is no
// client of the own authorization server, and a backend with only such kiosks runs none.
func TestKioskOfTrustedIssuer(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	op := newFakeOP(t)
	kc, err := backend.LoadKioskClients(write("kiosks.toml", `
[[kiosk]]
client_id = "helsekiosk-kiosk-01"
issuer = "`+op.URL+`"
subject = "6f1c1a9e-service-account"
name = "Servicetorget"

[[kiosk]]
client_id = "helsekiosk-kiosk-02"
issuer = "`+op.URL+`/"
`))
	if err != nil || len(kc) != 2 || kc[0].Issuer != op.URL || kc[0].Subject != "6f1c1a9e-service-account" {
		t.Fatalf("load: %+v %v", kc, err)
	}
	for _, bad := range []struct{ name, body, want string }{
		{"secret with issuer", "[[kiosk]]\nclient_id = \"a\"\nissuer = \"https://idp.test\"\nsecret_hash = \"" + backend.SHA256SecretHash("x") + "\"\n", "issuer holds the secret"},
		{"subject without issuer", "[[kiosk]]\nclient_id = \"a\"\nsubject = \"x\"\nsecret_hash = \"" + backend.SHA256SecretHash("x") + "\"\n", "subject needs issuer"},
		{"no client_id", "[[kiosk]]\nissuer = \"https://idp.test\"\n", "client_id is required"},
		{"twice", "[[kiosk]]\nclient_id = \"a\"\nissuer = \"https://idp.test\"\n[[kiosk]]\nclient_id = \"a\"\nissuer = \"https://idp.test/\"\n", "twice"},
	} {
		if _, err := backend.LoadKioskClients(write(bad.name+".toml", bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err %v, want %q", bad.name, err, bad.want)
		}
	}
	if _, err := backend.New(backend.Config{TrustIssuers: []string{"https://idp.test"}, KioskClients: kc}); err == nil || !strings.Contains(err.Error(), "not a trusted issuer") {
		t.Errorf("New with a kiosk of an untrusted issuer: %v", err)
	}

	e := backendtest.New(t, backendtest.WithoutDemo(), backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers, c.Audience, c.KioskClients = []string{op.URL}, "api", kc
	}))
	// No own authorization server: the trusted issuer's kiosks get their tokens there.
	res, b := e.Do(t, http.MethodPost, "/oauth/token", "", []byte(url.Values{"grant_type": {"client_credentials"}, "client_id": {"helsekiosk-kiosk-01"}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	kiosk := func(clientID, sub string) string {
		return op.token(t, "api", "", "", func(c map[string]any) {
			delete(c, "pid")
			delete(c, "acr")
			c["client_id"], c["azp"], c["sub"], c["scope"] = clientID, clientID, sub, "openid kiosk"
		})
	}
	for _, tt := range []struct {
		name, token string
		status      int
	}{
		{"kiosk 01 with its registered subject", kiosk("helsekiosk-kiosk-01", "6f1c1a9e-service-account"), 201},
		{"kiosk 01 with sub = client id (not its registered subject)", kiosk("helsekiosk-kiosk-01", "helsekiosk-kiosk-01"), 401},
		{"kiosk 02 (registered with a trailing slash) with sub = client id", kiosk("helsekiosk-kiosk-02", "helsekiosk-kiosk-02"), 201},
		{"kiosk 03 (not registered)", kiosk("helsekiosk-kiosk-03", "helsekiosk-kiosk-03"), 401},
	} {
		res, b := e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", tt.token, map[string]string{"kioskName": "K", "screen": "welcome"})
		if tt.status == 401 {
			wantProblem(t, res, b, http.StatusUnauthorized, "kiosk_required")
		} else {
			wantStatus(t, res, b, tt.status)
		}
		t.Logf("%-64s → %d", tt.name, res.StatusCode)
	}
}

// TestKioskScopeConfigurable: with Config.KioskScope the own authorization server's kiosk tokens carry that
// scope and only tokens with it are kiosk tokens.
func TestKioskScopeConfigurable(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.KioskScope, c.SigningKey = "helsekiosk:kiosk", key }))
	tok := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	res, b := e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", tok, map[string]string{"kioskName": "K", "screen": "welcome"})
	wantStatus(t, res, b, http.StatusCreated)
	// The same kiosk's token with the default scope "kiosk" is not a kiosk token here.
	now := time.Now()
	def := signTyp(t, key, "own", "at+jwt", map[string]any{"iss": e.URL, "aud": e.URL, "sub": backendtest.KioskID,
		"client_id": backendtest.KioskID, "scope": backend.KioskScope, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": rand.Text()})
	res, b = e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", def, map[string]string{"kioskName": "K", "screen": "welcome"})
	wantProblem(t, res, b, http.StatusUnauthorized, "kiosk_required")
}
