package backend_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// opPersona is what the independent OP puts into the access token it issues to one of its test clients.
type opPersona struct {
	sub, pid, acr string
	aud           []string
}

// personaStorage is zitadel's example storage with one change: its client credentials grant issues JWT
// access tokens (op.AccessTokenTypeJWT) whose subject, audience and private claims (pid, acr) come from the
// client's persona. The OP itself — token endpoint, signing (RS256), discovery, JWKS — is zitadel/oidc's op.
type personaStorage struct {
	*storage.Storage
	personas map[string]opPersona
}

func opSecret(clientID string) string { return "secret-of-" + clientID }

// jwtClient is an example client that gets JWT access tokens by the client credentials grant.
type jwtClient struct{ op.Client }

func (jwtClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (jwtClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}

func (s *personaStorage) ClientCredentials(_ context.Context, clientID, secret string) (op.Client, error) {
	if _, ok := s.personas[clientID]; !ok || secret != opSecret(clientID) {
		return nil, errors.New("wrong client or secret")
	}
	return jwtClient{storage.WebClient(clientID, secret)}, nil
}

func (s *personaStorage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	p, ok := s.personas[clientID]
	if !ok {
		return nil, errors.New("unknown client")
	}
	return &oidc.JWTTokenRequest{Subject: p.sub, Audience: p.aud, Scopes: scopes}, nil
}

// GetPrivateClaimsFromScopes gives the persona's pid and acr, and the granted scopes as RFC 9068's scope
// claim (zitadel's op leaves scope out of a client-credentials JWT; Keycloak and the kiosk's own check need it).
func (s *personaStorage) GetPrivateClaimsFromScopes(_ context.Context, _, clientID string, scopes []string) (map[string]any, error) {
	p := s.personas[clientID]
	claims := map[string]any{"scope": strings.Join(scopes, " ")}
	if p.pid != "" {
		claims["pid"] = p.pid
	}
	if p.acr != "" {
		claims["acr"] = p.acr
	}
	return claims, nil
}

// startZitadelOP runs zitadel/oidc's op package as its own httptest server (issuer = its URL).
func startZitadelOP(t *testing.T, personas map[string]opPersona) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	st := &personaStorage{Storage: storage.NewStorageWithClients(storage.NewUserStore(issuer), map[string]*storage.Client{}), personas: personas}
	provider, err := op.NewOpenIDProvider(issuer, &op.Config{CryptoKey: sha256.Sum256([]byte("interop")), CodeMethodS256: true}, st, op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(provider)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

// opToken gets clientID's access token from the OP with the client credentials grant (client_secret_basic),
// for the scopes (default openid).
func opToken(t *testing.T, issuer, clientID string, scopes ...string) string {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{"openid"}
	}
	cc := clientcredentials.Config{ClientID: clientID, ClientSecret: opSecret(clientID), TokenURL: issuer + "/oauth/token",
		Scopes: scopes, AuthStyle: oauth2.AuthStyleInHeader}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("OP token for %s: %v", clientID, err)
	}
	if strings.Count(tok.AccessToken, ".") != 2 {
		t.Fatalf("OP token for %s is not a JWT", clientID)
	}
	return tok.AccessToken
}

// TestResourceServerWithZitadelOP: the reference backend trusting an independent OpenID Provider (zitadel/oidc
// op, its own server, RS256 JWT access tokens with pid and acr) serves Ingrid at the high level and refuses
// each wrong token with its code.
func TestResourceServerWithZitadelOP(t *testing.T) {
	const aud = "helsekiosk-api"
	ingrid := nationalID(t, backend.DemoIngrid)
	personas := map[string]opPersona{
		"ingrid-high":        {sub: "pw-1", pid: ingrid, acr: backend.ACRHigh, aud: []string{aud}},
		"ingrid-substantial": {sub: "pw-1", pid: ingrid, acr: backend.ACRSubstantial, aud: []string{aud}},
		"ingrid-other-aud":   {sub: "pw-1", pid: ingrid, acr: backend.ACRHigh, aud: []string{"another-api"}},
		"nobody-high":        {sub: "pw-2", pid: "01010012345", acr: backend.ACRHigh, aud: []string{aud}},
		"no-pid-high":        {sub: "pw-3", acr: backend.ACRHigh, aud: []string{aud}},
		"kiosk-1":            {sub: "kiosk-1", aud: []string{aud}},
	}
	trusted := startZitadelOP(t, personas)
	untrusted := startZitadelOP(t, personas)
	clk := backendtest.NewClock(time.Now())
	e := backendtest.New(t, backendtest.WithClock(clk), backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{trusted}
		c.Audience = aud
		c.KioskClients = append(c.KioskClients, backend.KioskClient{ClientID: "kiosk-1", Issuer: trusted})
	}))
	high := opToken(t, trusted, "ingrid-high")
	tests := []struct {
		name, token string
		advance     time.Duration
		status      int
		code        string
	}{
		{"high level", high, 0, 200, ""},
		{"substantial level", opToken(t, trusted, "ingrid-substantial"), 0, 401, "insufficient_user_authentication"},
		{"another audience", opToken(t, trusted, "ingrid-other-aud"), 0, 401, "wrong_audience"},
		{"untrusted issuer", opToken(t, untrusted, "ingrid-high"), 0, 401, "token_invalid"},
		{"pid of nobody", opToken(t, trusted, "nobody-high"), 0, 401, "unknown_person"},
		{"no pid", opToken(t, trusted, "no-pid-high"), 0, 401, "pid_missing"},
		{"expired (the OP's 5 minutes passed)", high, 6 * time.Minute, 401, "token_expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.advance)
			defer clk.Advance(-tt.advance)
			res, b := e.Do(t, http.MethodGet, "/v1/me", tt.token, nil)
			if tt.code == "" {
				wantStatus(t, res, b, http.StatusOK)
				if me := decode[api.Me](t, b); me.Citizen.Id != backend.DemoIngrid {
					t.Errorf("logged in as %s", me.Citizen.Id)
				}
				return
			}
			wantProblem(t, res, b, tt.status, tt.code)
			if tt.code == "insufficient_user_authentication" {
				wa := res.Header.Get("WWW-Authenticate")
				if !strings.Contains(wa, `error="insufficient_user_authentication"`) || !strings.Contains(wa, `acr_values="idporten-loa-high"`) {
					t.Errorf("WWW-Authenticate %q", wa)
				}
			}
			t.Logf("%-36s → %d %s", tt.name, tt.status, tt.code)
		})
	}
	// The OP's kiosk client (registered for this issuer; client_id and sub kiosk-1, scope kiosk, no pid) makes
	// and reads its help request.
	kiosk := opToken(t, trusted, "kiosk-1", "openid", backend.KioskScope)
	res, b := e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", kiosk, api.NewHelpRequest{KioskName: "Servicetorget", Screen: "welcome"})
	wantStatus(t, res, b, http.StatusCreated)
	hr := decode[api.HelpRequest](t, b)
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/"+hr.Id, kiosk, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodGet, "/v1/kiosk/help-requests/"+hr.Id, e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret), nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
}
