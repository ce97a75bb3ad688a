package backend_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// signTyp signs claims as an ES256 JWT with the JWS header typ (none when typ is "").
func signTyp(t testing.TB, key *ecdsa.PrivateKey, kid, typ string, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// claimsWorld is the reference backend (its own issuer signing with key, on the test clock) trusting two
// independent issuers: zitadel/oidc's OpenID Provider (RS256, typ JWT, client credentials) and fakeOP
// (ES256 tokens with any claims the test wants). Kiosks registered: the own testkiosk and otherkiosk,
// "kiosk-1" and "kiosk-sub" at zitadel, "kiosk-f" at fakeOP.
type claimsWorld struct {
	e       *backendtest.Env
	clk     *backendtest.Clock
	key     *ecdsa.PrivateKey // the own issuer's signing key
	zitadel string
	op      *fakeOP
	ingrid  string // Ingrid's national identity number
}

const claimsAud = "helsekiosk-api"

func newClaimsWorld(t *testing.T, opts ...backendtest.Option) *claimsWorld {
	t.Helper()
	w := &claimsWorld{clk: backendtest.NewClock(time.Now()), op: newFakeOP(t), ingrid: nationalID(t, backend.DemoIngrid)}
	w.op.now = w.clk.Now
	var err error
	if w.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	w.zitadel = startZitadelOP(t, map[string]opPersona{
		"ingrid-high": {sub: "pw-1", pid: w.ingrid, acr: backend.ACRHigh, aud: []string{claimsAud}},
		"no-pid-high": {sub: "pw-3", acr: backend.ACRHigh, aud: []string{claimsAud}},
		"kiosk-1":     {sub: "kiosk-1", aud: []string{claimsAud}},
		"kiosk-unreg": {sub: "kiosk-unreg", aud: []string{claimsAud}},
		"kiosk-sub":   {sub: "someone-else", aud: []string{claimsAud}},
	})
	w.e = backendtest.New(t, append([]backendtest.Option{backendtest.WithClock(w.clk), backendtest.WithConfig(func(c *backend.Config) {
		c.SigningKey = w.key
		c.TrustIssuers = []string{w.zitadel, w.op.URL}
		c.Audience = claimsAud
		c.KioskClients = append(c.KioskClients,
			backend.KioskClient{ClientID: "kiosk-1", Issuer: w.zitadel},
			backend.KioskClient{ClientID: "kiosk-sub", Issuer: w.zitadel},
			backend.KioskClient{ClientID: "kiosk-f", Issuer: w.op.URL})
	})}, opts...)...)
	return w
}

// own signs a token of the backend's own issuer: Ingrid's citizen token as the device flow gives it (typ
// at+jwt, five minutes), changed by edit; typ "" keeps at+jwt.
func (w *claimsWorld) own(t *testing.T, typ string, edit func(c map[string]any)) string {
	t.Helper()
	now := w.clk.Now()
	c := map[string]any{"iss": w.e.URL, "aud": []string{claimsAud}, "sub": "pairwise-own", "pid": w.ingrid, "acr": backend.ACRHigh,
		"client_id": backend.ClientID, "scope": "openid helsekiosk", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "own-" + rand.Text()}
	if edit != nil {
		edit(c)
	}
	if typ == "" {
		typ = "at+jwt"
	}
	return signTyp(t, w.key, "own", typ, c)
}

// ownKiosk is an own-issuer kiosk token for clientID (sub, client_id, scope kiosk), changed by edit.
func (w *claimsWorld) ownKiosk(t *testing.T, clientID string, edit func(c map[string]any)) string {
	return w.own(t, "", func(c map[string]any) {
		delete(c, "pid")
		delete(c, "acr")
		c["sub"], c["client_id"], c["scope"] = clientID, clientID, backend.KioskScope
		if edit != nil {
			edit(c)
		}
	})
}

// trusted is a fakeOP token (Ingrid's citizen token, typ at+jwt unless typ says otherwise; "-" for none).
func (w *claimsWorld) trusted(t *testing.T, typ string, edit func(c map[string]any)) string {
	t.Helper()
	now := w.clk.Now()
	c := map[string]any{"iss": w.op.URL, "aud": []string{claimsAud}, "sub": "pairwise-abc", "pid": w.ingrid, "acr": backend.ACRHigh,
		"client_id": "helsekiosk", "scope": "openid helsekiosk", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": "j-" + rand.Text()}
	if edit != nil {
		edit(c)
	}
	switch typ {
	case "":
		typ = "at+jwt"
	case "-":
		typ = ""
	}
	return signTyp(t, w.op.key, "op-key", typ, c)
}

// route is where a row's token is tried.
type route int

const (
	citizenRoute route = iota // GET /v1/me
	kioskRoutes               // PUT /v1/kiosk/heartbeat and POST /v1/kiosk/help-requests: the same answer from both
)

func (w *claimsWorld) try(t *testing.T, r route, tok string) []struct {
	what string
	res  *http.Response
	body []byte
} {
	t.Helper()
	type answer = struct {
		what string
		res  *http.Response
		body []byte
	}
	if r == citizenRoute {
		res, b := w.e.Do(t, http.MethodGet, "/v1/me", tok, nil)
		return []answer{{"GET /v1/me", res, b}}
	}
	hb := api.KioskHeartbeat{Name: "Claims", Version: "1.0.0", UptimeSeconds: 1, BackendReachable: true, LastErrorCodes: []string{}, TextSize: api.Large}
	res1, b1 := w.e.Do(t, http.MethodPut, "/v1/kiosk/heartbeat", tok, hb)
	res2, b2 := w.e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", tok, api.NewHelpRequest{KioskName: "Claims", Screen: "welcome"},
		"Idempotency-Key", "claims-"+rand.Text())
	return []answer{{"PUT /v1/kiosk/heartbeat", res1, b1}, {"POST /v1/kiosk/help-requests", res2, b2}}
}

// TestTokenClaimChecks is the table of the verifier's and the kiosk check's claim checks: each token that
// fails one, with the answer it gets, and the valid tokens that still pass (a trusted issuer's typ JWT too).
func TestTokenClaimChecks(t *testing.T) {
	w := newClaimsWorld(t)
	e := w.e
	logout := func(t *testing.T, tok string) {
		t.Helper()
		res, b := e.Do(t, http.MethodPost, "/v1/logout", tok, nil)
		wantStatus(t, res, b, http.StatusNoContent)
	}
	hour := time.Hour
	tests := []struct {
		name   string
		token  func(t *testing.T) string
		route  route
		status int
		code   string // "" : 200 (GET /v1/me) or 204/201 (kiosk routes)
	}{
		// The own issuer.
		{"own: Ingrid's token from the device flow", func(t *testing.T) string { return e.Token(t, backend.DemoIngrid) }, citizenRoute, 200, ""},
		{"own: iat 20 s ahead (within the 30 s skew)", func(t *testing.T) string {
			return w.own(t, "", func(c map[string]any) {
				c["iat"], c["nbf"] = w.clk.Now().Add(20*time.Second).Unix(), w.clk.Now().Add(20*time.Second).Unix()
			})
		}, citizenRoute, 200, ""},
		{"own: nbf an hour ahead", func(t *testing.T) string {
			return w.own(t, "", func(c map[string]any) { c["nbf"] = w.clk.Now().Add(hour).Unix() })
		}, citizenRoute, 401, "token_invalid"},
		{"own: iat in the future (2 min)", func(t *testing.T) string {
			return w.own(t, "", func(c map[string]any) { c["iat"] = w.clk.Now().Add(2 * time.Minute).Unix() })
		}, citizenRoute, 401, "token_invalid"},
		{"own: exp ten years ahead", func(t *testing.T) string {
			return w.own(t, "", func(c map[string]any) { c["exp"] = w.clk.Now().AddDate(10, 0, 0).Unix() })
		}, citizenRoute, 401, "token_invalid"},
		{"own: no iat (lifetime unknown)", func(t *testing.T) string {
			return w.own(t, "", func(c map[string]any) { delete(c, "iat") })
		}, citizenRoute, 401, "token_invalid"},
		{"own: typ JWT", func(t *testing.T) string { return w.own(t, "JWT", nil) }, citizenRoute, 401, "token_invalid"},
		{"own: no jti", func(t *testing.T) string { return w.own(t, "", func(c map[string]any) { delete(c, "jti") }) }, citizenRoute, 401, "token_invalid"},
		{"own: after POST /v1/logout", func(t *testing.T) string {
			tok := e.Token(t, backend.DemoIngrid)
			logout(t, tok)
			return tok
		}, citizenRoute, 401, "token_invalid"},
		{"own: kiosk token of a registered kiosk", func(t *testing.T) string {
			return e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
		}, kioskRoutes, 204, ""},
		{"own: citizen token on the kiosk routes", func(t *testing.T) string { return e.Token(t, backend.DemoIngrid) }, kioskRoutes, 401, "kiosk_required"},
		{"own: citizen token without pid on the kiosk routes", func(t *testing.T) string {
			return w.own(t, "", func(c map[string]any) { delete(c, "pid") })
		}, kioskRoutes, 401, "kiosk_required"},
		{"own: kiosk token of an unregistered client", func(t *testing.T) string { return w.ownKiosk(t, "kiosk-unregistered", nil) }, kioskRoutes, 401, "kiosk_required"},
		{"own: kiosk token, sub not the client", func(t *testing.T) string {
			return w.ownKiosk(t, backendtest.KioskID, func(c map[string]any) { c["sub"] = "pairwise-own" })
		}, kioskRoutes, 401, "kiosk_required"},
		{"own: kiosk token without the kiosk scope", func(t *testing.T) string {
			return w.ownKiosk(t, backendtest.KioskID, func(c map[string]any) { c["scope"] = "openid helsekiosk" })
		}, kioskRoutes, 401, "kiosk_required"},
		{"own: kiosk token after POST /v1/logout", func(t *testing.T) string {
			tok := e.KioskToken(t, backendtest.OtherKioskID, backendtest.OtherKioskSecret)
			logout(t, tok)
			return tok
		}, kioskRoutes, 401, "token_invalid"},

		// A trusted issuer with any claims (fakeOP, ES256).
		{"trusted: typ at+jwt", func(t *testing.T) string { return w.trusted(t, "", nil) }, citizenRoute, 200, ""},
		{"trusted: typ JWT", func(t *testing.T) string { return w.trusted(t, "JWT", nil) }, citizenRoute, 200, ""},
		{"trusted: typ application/at+jwt", func(t *testing.T) string { return w.trusted(t, "application/at+jwt", nil) }, citizenRoute, 200, ""},
		{"trusted: no typ", func(t *testing.T) string { return w.trusted(t, "-", nil) }, citizenRoute, 200, ""},
		{"trusted: typ logout+jwt (not an access token)", func(t *testing.T) string { return w.trusted(t, "logout+jwt", nil) }, citizenRoute, 401, "token_invalid"},
		{"trusted: nbf an hour ahead", func(t *testing.T) string {
			return w.trusted(t, "", func(c map[string]any) { c["nbf"] = w.clk.Now().Add(hour).Unix() })
		}, citizenRoute, 401, "token_invalid"},
		{"trusted: iat in the future (2 min)", func(t *testing.T) string {
			return w.trusted(t, "", func(c map[string]any) { c["iat"] = w.clk.Now().Add(2 * time.Minute).Unix() })
		}, citizenRoute, 401, "token_invalid"},
		{"trusted: no jti (cannot be logged out)", func(t *testing.T) string {
			return w.trusted(t, "", func(c map[string]any) { delete(c, "jti") })
		}, citizenRoute, 401, "token_invalid"},
		{"trusted: after POST /v1/logout", func(t *testing.T) string {
			tok := w.trusted(t, "", nil)
			logout(t, tok)
			return tok
		}, citizenRoute, 401, "token_invalid"},
		{"trusted: the same jti from another issuer is not logged out", func(t *testing.T) string {
			jti := "shared-" + rand.Text()
			logout(t, w.trusted(t, "", func(c map[string]any) { c["jti"] = jti }))
			return w.own(t, "", func(c map[string]any) { c["jti"] = jti })
		}, citizenRoute, 200, ""},
		{"trusted: citizen token without pid on the kiosk routes", func(t *testing.T) string {
			return w.trusted(t, "", func(c map[string]any) { delete(c, "pid") })
		}, kioskRoutes, 401, "kiosk_required"},
		{"trusted: kiosk token of a registered kiosk (azp, scope kiosk)", func(t *testing.T) string {
			return w.trusted(t, "JWT", func(c map[string]any) {
				delete(c, "pid")
				delete(c, "acr")
				delete(c, "client_id")
				c["azp"], c["sub"], c["scope"] = "kiosk-f", "kiosk-f", "kiosk"
			})
		}, kioskRoutes, 204, ""},
		{"trusted: kiosk token whose client_id and azp differ", func(t *testing.T) string {
			return w.trusted(t, "", func(c map[string]any) {
				delete(c, "pid")
				c["client_id"], c["azp"], c["sub"], c["scope"] = "kiosk-f", "helsekiosk", "kiosk-f", "kiosk"
			})
		}, kioskRoutes, 401, "kiosk_required"},
		{"trusted: kiosk-1 (registered at zitadel) from fakeOP", func(t *testing.T) string {
			return w.trusted(t, "", func(c map[string]any) {
				delete(c, "pid")
				c["client_id"], c["sub"], c["scope"] = "kiosk-1", "kiosk-1", "kiosk"
			})
		}, kioskRoutes, 401, "kiosk_required"},

		// zitadel/oidc's OP (RS256, typ JWT, client credentials).
		{"zitadel: Ingrid's token (typ JWT)", func(t *testing.T) string { return opToken(t, w.zitadel, "ingrid-high") }, citizenRoute, 200, ""},
		{"zitadel: after POST /v1/logout", func(t *testing.T) string {
			tok := opToken(t, w.zitadel, "ingrid-high")
			logout(t, tok)
			return tok
		}, citizenRoute, 401, "token_invalid"},
		{"zitadel: kiosk token of a registered kiosk", func(t *testing.T) string {
			return opToken(t, w.zitadel, "kiosk-1", "openid", backend.KioskScope)
		}, kioskRoutes, 204, ""},
		{"zitadel: citizen token without pid on the kiosk routes", func(t *testing.T) string {
			return opToken(t, w.zitadel, "no-pid-high", "openid", backend.KioskScope)
		}, kioskRoutes, 401, "kiosk_required"},
		{"zitadel: kiosk token of an unregistered client", func(t *testing.T) string {
			return opToken(t, w.zitadel, "kiosk-unreg", "openid", backend.KioskScope)
		}, kioskRoutes, 401, "kiosk_required"},
		{"zitadel: kiosk token whose sub is not the client", func(t *testing.T) string {
			return opToken(t, w.zitadel, "kiosk-sub", "openid", backend.KioskScope)
		}, kioskRoutes, 401, "kiosk_required"},
		{"zitadel: kiosk token without the kiosk scope", func(t *testing.T) string { return opToken(t, w.zitadel, "kiosk-1") }, kioskRoutes, 401, "kiosk_required"},
		{"zitadel: kiosk token after POST /v1/logout", func(t *testing.T) string {
			tok := opToken(t, w.zitadel, "kiosk-1", "openid", backend.KioskScope)
			logout(t, tok)
			return tok
		}, kioskRoutes, 401, "token_invalid"},
	}
	var table strings.Builder
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token(t)
			for _, a := range w.try(t, tt.route, tok) {
				switch {
				case tt.code != "":
					wantProblem(t, a.res, a.body, tt.status, tt.code)
				case a.res.Request.Method == http.MethodPost:
					wantStatus(t, a.res, a.body, http.StatusCreated)
				default:
					wantStatus(t, a.res, a.body, tt.status)
				}
				if tt.code == "" && tt.route == citizenRoute {
					if me := decode[api.Me](t, a.body); me.Citizen.Id != backend.DemoIngrid {
						t.Errorf("logged in as %s", me.Citizen.Id)
					}
				}
				fmt.Fprintf(&table, "%-62s %-30s → %d %s\n", tt.name, a.what, a.res.StatusCode, tt.code)
			}
		})
	}
	t.Logf("the claim table:\n%s", table.String())
}
