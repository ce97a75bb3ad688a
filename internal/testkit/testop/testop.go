// Package testop is test support: an independent OpenID Provider for interop tests, run as its own
// httptest server on 127.0.0.1. It is github.com/zitadel/oidc/v3's op package (discovery, JWKS, the device
// authorization and token endpoints, refresh, revocation, userinfo, introspection, RS256 signing) over an
// in-memory storage written here for the device flow (RFC 8628), with JWT access tokens (RFC 9068) that carry
// each test user's pid and acr, and a minimal HTML login UI that a Phone fills in as a citizen would.
//
// It also offers the authorization code flow with PKCE (codeflow.go) for clients with redirect URIs: a
// login page where the test citizen picks a persona (or denies), and CodeFlowTamper to make the OP answer
// wrongly (state, nonce, acr) as a broken or hostile OP would.
//
// It is not for production: users have plain-text passwords, and everything lives in memory.
package testop

import (
	"crypto/rand"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// ACR values of ID-porten.
const (
	ACRHigh        = "idporten-loa-high"
	ACRSubstantial = "idporten-loa-substantial"
)

// DefaultClientID is the device client registered when no WithClients is given (confidential, secret
// DefaultClientSecret), the kiosk's client id.
const (
	DefaultClientID     = "helsekiosk"
	DefaultClientSecret = "helsekiosk-secret-at-testop"
)

// A User can log in at the OP's login page. Its access tokens carry sub = Subject (default "sub-" +
// Username), and the claims pid (when PID is not empty) and acr (when ACR is not empty).
type User struct {
	Username, Password string
	Subject            string
	PID, ACR           string
}

func (u User) subject() string {
	if u.Subject != "" {
		return u.Subject
	}
	return "sub-" + u.Username
}

// A Client is a device-flow client of the OP: confidential with client_secret_basic when Secret is set,
// public (token_endpoint_auth_method none, client_id in the body) when Secret is empty. Either may use the
// device_code and refresh_token grants; its access tokens are JWTs.
//
// With RedirectURIs it is also a client of the authorization code flow (with PKCE S256 required): a public
// one is a native app whose loopback redirect URIs (http://127.0.0.1/path, no port) match any port (RFC
// 8252 7.3; zitadel's op does this for native clients), a confidential one gets the same through redirect
// URI globs.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
}

type config struct {
	users      []User
	clients    []Client
	audience   []string
	pidClaim   string
	accessTTL  time.Duration
	refreshTTL time.Duration
	deviceTTL  time.Duration
	interval   time.Duration
	noComplete bool
}

// An Option changes how Start sets up the OP.
type Option func(*config)

// WithUsers sets the users who can log in (default: none).
func WithUsers(users ...User) Option { return func(c *config) { c.users = append(c.users, users...) } }

// WithClients sets the device clients (default: DefaultClientID with DefaultClientSecret).
func WithClients(clients ...Client) Option {
	return func(c *config) { c.clients = append(c.clients, clients...) }
}

// WithAudience puts aud into every access token's aud (after it, op adds the client id). Give the API's
// audience here, the backend's --audience.
func WithAudience(aud ...string) Option { return func(c *config) { c.audience = aud } }

// WithPIDClaim names the claim that carries User.PID (default "pid").
func WithPIDClaim(name string) Option { return func(c *config) { c.pidClaim = name } }

// WithAccessTokenLifetime sets how long an access token lives (default five minutes). The JWT's exp is in
// whole seconds.
func WithAccessTokenLifetime(d time.Duration) Option { return func(c *config) { c.accessTTL = d } }

// WithRefreshTokenLifetime sets how long a refresh token lives (default 8 hours; each use rotates it).
func WithRefreshTokenLifetime(d time.Duration) Option { return func(c *config) { c.refreshTTL = d } }

// WithDeviceCodeLifetime sets how long a device code lives (default five minutes).
func WithDeviceCodeLifetime(d time.Duration) Option { return func(c *config) { c.deviceTTL = d } }

// WithPollInterval sets the device flow's poll interval (default 1 s; op reports it in whole seconds, so
// keep it at 1 s or more).
func WithPollInterval(d time.Duration) Option { return func(c *config) { c.interval = d } }

// WithoutVerificationURIComplete makes the device authorization response lack verification_uri_complete.
// zitadel's op always sets it (no option turns it off), so testop strips it from the JSON answer.
func WithoutVerificationURIComplete() Option { return func(c *config) { c.noComplete = true } }

// OP is a running test OpenID Provider.
type OP struct {
	// Issuer is the OP's issuer URL, http://127.0.0.1:port (no trailing slash), also its base URL.
	Issuer   string
	Provider *op.Provider

	st  *store
	srv *httptest.Server
	ui  *loginUI

	mu    sync.Mutex
	extra map[string]any
}

// Start runs an OP on its own httptest server on 127.0.0.1, closed by t.Cleanup.
func Start(t testing.TB, opts ...Option) *OP {
	t.Helper()
	cfg := &config{pidClaim: "pid", accessTTL: 5 * time.Minute, refreshTTL: 8 * time.Hour,
		deviceTTL: 5 * time.Minute, interval: time.Second}
	for _, f := range opts {
		f(cfg)
	}
	if len(cfg.clients) == 0 {
		cfg.clients = []Client{{ID: DefaultClientID, Secret: DefaultClientSecret}}
	}
	st, err := newStore(cfg)
	if err != nil {
		t.Fatalf("testop: %v", err)
	}
	// The issuer is the server's own URL, so the listener comes first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testop: %v", err)
	}
	issuer := "http://" + ln.Addr().String()
	var cryptoKey [32]byte // op's key for opaque tokens (unused: access tokens are JWTs)
	_, _ = rand.Read(cryptoKey[:])
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:             cryptoKey,
		CodeMethodS256:        true,
		GrantTypeRefreshToken: true,
		SupportedUILocales:    []language.Tag{language.English},
		DeviceAuthorization: op.DeviceAuthorizationConfig{
			Lifetime:     cfg.deviceTTL,
			PollInterval: cfg.interval,
			UserFormPath: "/device",
			UserCode:     op.UserCodeBase20,
		},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		ln.Close()
		t.Fatalf("testop: %v", err)
	}
	o := &OP{Issuer: issuer, Provider: provider, st: st, ui: newLoginUI(st), extra: map[string]any{}}
	mux := http.NewServeMux()
	mux.Handle("/device", o.ui)
	mux.Handle("/device/", o.ui)
	mux.Handle(loginPath, &codeLoginUI{o: o})
	mux.Handle("/", o.wrap(provider))
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	o.srv = srv
	t.Cleanup(srv.Close)
	return o
}

// SetDiscoveryMember adds (or with value nil removes) a member of the discovery document, e.g. the
// Helsekiosk extension "api_base_url" pointing at the backend, for a kiosk client that takes its API base
// from its issuer's discovery.
func (o *OP) SetDiscoveryMember(name string, value any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if value == nil {
		delete(o.extra, name)
	} else {
		o.extra[name] = value
	}
}

// Revocation is one token the revocation endpoint was asked to revoke, after client authentication.
type Revocation struct {
	Kind     string // "access_token", "refresh_token", or "unknown" (not a live token of this OP)
	ClientID string
	Subject  string
	JTI      string // of an access token
}

// Revocations returns the revocations so far, oldest first.
func (o *OP) Revocations() []Revocation {
	o.st.mu.Lock()
	defer o.st.mu.Unlock()
	return slices.Clone(o.st.revoked)
}

// Active reports whether the access token with this jti is one the OP issued and still honours (not
// revoked, not expired).
func (o *OP) Active(jti string) bool {
	_, err := o.st.activeToken(jti)
	return err == nil
}

// wrap post-processes op's JSON answers where testop changes them: the discovery document (extra
// members) and, with WithoutVerificationURIComplete, the device authorization response.
func (o *OP) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var edit func(map[string]any)
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			o.mu.Lock()
			extra := maps.Clone(o.extra)
			o.mu.Unlock()
			if len(extra) > 0 {
				edit = func(m map[string]any) { maps.Copy(m, extra) }
			}
		case "/device_authorization":
			if o.st.cfg.noComplete {
				edit = func(m map[string]any) { delete(m, "verification_uri_complete") }
			}
		}
		if edit == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var m map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &m) == nil {
			edit(m)
			if b, err := json.Marshal(m); err == nil {
				body = b
			}
		}
		maps.Copy(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}
