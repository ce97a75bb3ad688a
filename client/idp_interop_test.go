package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

// idpAudience is the backend's --audience, which the test OPs put into their access tokens.
const idpAudience = "helsekiosk-api"

// idpPublicClient is a public device client (auth method none) of the main test OP.
const idpPublicClient = "helsekiosk-public"

// shortLifetime is the access-token lifetime of the OP for the refresh test: a session waits for its
// token's exp, so it is short, but long enough that the fresh token is still valid when first used.
const shortLifetime = 5 * time.Second

// idpWorld is the reference backend (demo persons) trusting independent OpenID Providers (internal/testkit/testop:
// zitadel/oidc's op on servers of their own), and one OP it does not trust.
type idpWorld struct {
	backend *backendtest.Env
	// main: five-minute tokens; short: shortLifetime tokens (refresh); noComplete: no verification_uri_complete;
	// otherAud: trusted, but its tokens are for another audience; untrusted: not in TrustIssuers.
	main, short, noComplete, otherAud, untrusted *testop.OP
	ingrid, minid, nopid, nobody                 testop.User
	ingridPID                                    string
}

func newIDPWorld(t *testing.T) *idpWorld {
	t.Helper()
	w := &idpWorld{}
	ps := testop.DemoPersonas(t)
	w.ingridPID, w.ingrid, w.minid, w.nopid, w.nobody = ps.IngridPID, ps.Ingrid, ps.MinID, ps.NoPID, ps.Nobody
	users := ps.Users()
	w.main = testop.Start(t, users, testop.WithAudience(idpAudience), testop.WithClients(
		testop.Client{ID: testop.DefaultClientID, Secret: testop.DefaultClientSecret}, testop.Client{ID: idpPublicClient}))
	w.short = testop.Start(t, users, testop.WithAudience(idpAudience), testop.WithAccessTokenLifetime(shortLifetime))
	w.noComplete = testop.Start(t, users, testop.WithAudience(idpAudience), testop.WithoutVerificationURIComplete())
	w.otherAud = testop.Start(t, users, testop.WithAudience("another-api"))
	w.untrusted = testop.Start(t, users, testop.WithAudience(idpAudience))
	w.backend = backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{w.main.Issuer, w.short.Issuer, w.noComplete.Issuer, w.otherAud.Issuer}
		c.Audience = idpAudience
	}))
	return w
}

// kiosk is the real client for the OP's issuer, as the kiosk client of that OP (client_secret_basic),
// with a recorder of what passes on the wire.
func (w *idpWorld) kiosk(t *testing.T, op *testop.OP) (*client.Client, *wireRecorder) {
	t.Helper()
	rec := &wireRecorder{next: http.DefaultTransport}
	c, err := client.New(op.Issuer, client.WithAPI(w.backend.URL),
		client.WithOAuthClient(testop.DefaultClientID, testop.DefaultClientSecret),
		client.WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// idpLogin logs u in on the kiosk by the device flow, the phone approving at the OP's own pages: it opens
// verification_uri and types the code shown on the kiosk.
func idpLogin(t *testing.T, ctx context.Context, c *client.Client, u testop.User) (*client.Login, *client.Session) {
	t.Helper()
	l, err := c.StartLogin(ctx, "Servicetorget")
	if err != nil {
		t.Fatalf("StartLogin: %v", err)
	}
	if err := testop.NewPhone().Approve(ctx, l.VerificationURI, l.UserCode, u); err != nil {
		t.Fatal(err)
	}
	s, err := l.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait after approval: %v", err)
	}
	return l, s
}

// TestIdPInteropDeviceLogin: the kiosk logs in by the device flow at an independent OP, and the reference
// backend trusting that OP serves Ingrid; logout revokes the token at the OP.
func TestIdPInteropDeviceLogin(t *testing.T) {
	w := newIDPWorld(t)

	t.Run("login, me, logout revokes", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		c, rec := w.kiosk(t, w.main)
		l, s := idpLogin(t, ctx, c, w.ingrid)
		if l.VerificationURIComplete != l.VerificationURI+"?user_code="+l.UserCode || l.Interval != time.Second {
			t.Errorf("login %+v", l)
		}
		me, err := s.Me(ctx)
		if err != nil {
			t.Fatalf("Me: %v", err)
		}
		if me.Citizen.Id != backend.DemoIngrid {
			t.Fatalf("logged in as %q, want %s", me.Citizen.Id, backend.DemoIngrid)
		}
		jti := rec.lastTokenClaims(t).ID
		if !w.main.Active(jti) {
			t.Fatal("the OP does not know the kiosk's token")
		}
		if err := s.Logout(ctx); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if s.LoggedIn() {
			t.Error("still logged in after Logout")
		}
		revs := w.main.Revocations()
		if !slices.ContainsFunc(revs, func(r testop.Revocation) bool {
			return r.Kind == "access_token" && r.JTI == jti && r.ClientID == testop.DefaultClientID
		}) {
			t.Errorf("the OP recorded no revocation of the kiosk's access token: %+v", revs)
		}
		if !slices.ContainsFunc(revs, func(r testop.Revocation) bool {
			return r.Kind == "refresh_token" && r.ClientID == testop.DefaultClientID
		}) {
			t.Errorf("the OP recorded no revocation of the kiosk's refresh token: %+v", revs)
		}
		if w.main.Active(jti) {
			t.Error("the OP still honours the token after Logout")
		}
		if _, err := s.Me(ctx); !errors.Is(err, client.ErrLoggedOut) {
			t.Errorf("Me after Logout: %v", err)
		}
		t.Logf("revocations at the OP: %+v", revs)
		// The backend verifies JWTs offline (it checks revoked jtis only for its own issuer): the revoked
		// access token of an external OP is refused by the backend only from its exp on.
		res, _ := w.backend.Do(t, http.MethodGet, "/v1/me", rec.tokenByID(jti), nil)
		t.Logf("the backend with the access token revoked at the OP: %d (until exp)", res.StatusCode)
	})

	t.Run("public client, QR code, logout revokes", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		rec := &wireRecorder{next: http.DefaultTransport}
		c, err := client.New(w.main.Issuer, client.WithAPI(w.backend.URL), client.WithOAuthClient(idpPublicClient, ""),
			client.WithHTTPClient(&http.Client{Transport: rec}))
		if err != nil {
			t.Fatal(err)
		}
		l, err := c.StartLogin(ctx, "Servicetorget")
		if err != nil {
			t.Fatalf("StartLogin: %v", err)
		}
		// The citizen scans the QR code (verification_uri_complete: no code to type).
		if err := testop.NewPhone().Approve(ctx, l.VerificationURIComplete, "", w.ingrid); err != nil {
			t.Fatal(err)
		}
		s, err := l.Wait(ctx)
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if me, err := s.Me(ctx); err != nil || me.Citizen.Id != backend.DemoIngrid {
			t.Fatalf("Me: %v %v", me, err)
		}
		claims := rec.lastTokenClaims(t)
		if err := s.Logout(ctx); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		if w.main.Active(claims.ID) {
			t.Error("the OP still honours the public client's token after Logout")
		}
	})

	t.Run("the citizen declines", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		c, _ := w.kiosk(t, w.main)
		l, err := c.StartLogin(ctx, "Servicetorget")
		if err != nil {
			t.Fatalf("StartLogin: %v", err)
		}
		if err := testop.NewPhone().Deny(ctx, l.VerificationURI, l.UserCode, w.ingrid); err != nil {
			t.Fatal(err)
		}
		if s, err := l.Wait(ctx); !errors.Is(err, client.ErrLoginDenied) {
			t.Fatalf("Wait after Deny = %v, %v; want ErrLoginDenied", s, err)
		}
	})

	t.Run("no verification_uri_complete", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		c, _ := w.kiosk(t, w.noComplete)
		l, s := idpLogin(t, ctx, c, w.ingrid)
		if l.VerificationURIComplete != l.VerificationURI { // the client falls back to the plain URI
			t.Errorf("VerificationURIComplete %q, VerificationURI %q", l.VerificationURIComplete, l.VerificationURI)
		}
		me, err := s.Me(ctx)
		if err != nil || me.Citizen.Id != backend.DemoIngrid {
			t.Fatalf("Me: %v %v", me, err)
		}
	})

	t.Run("session longer than the token's lifetime refreshes", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		c, rec := w.kiosk(t, w.short)
		_, s := idpLogin(t, ctx, c, w.ingrid)
		first := rec.lastTokenClaims(t)
		if life := first.Expiry.Time().Sub(first.IssuedAt.Time()); life != shortLifetime {
			t.Fatalf("token lifetime %v, want %v", life, shortLifetime)
		}
		// The backend takes the token (asked directly: main's client treats a token that expires within
		// x/oauth2's 10 s expiryDelta as expired already and would not send it).
		if res, b := w.backend.Do(t, http.MethodGet, "/v1/me", rec.tokenByID(first.ID), nil); res.StatusCode != http.StatusOK {
			t.Fatalf("the fresh token: %d %s", res.StatusCode, b)
		}
		// Wait for the expiry of the token the kiosk holds: from its exp on the backend refuses it.
		select {
		case <-time.After(time.Until(first.Expiry.Time())):
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
		res, b := w.backend.Do(t, http.MethodGet, "/v1/me", rec.tokenByID(first.ID), nil)
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(string(b), `"token_expired"`) {
			t.Fatalf("the first token after its exp: %d %s, want 401 token_expired", res.StatusCode, b)
		}

		me, err := s.Me(ctx)
		if err != nil || me.Citizen.Id != backend.DemoIngrid {
			t.Fatalf("Me after the token's expiry: %v %v", me, err)
		}
		if n := rec.grants("refresh_token"); n == 0 {
			t.Error("no refresh_token grant at the OP")
		}
		if second := rec.lastTokenClaims(t); second.ID == first.ID {
			t.Error("the kiosk still holds the first token")
		}
	})
}

// TestIdPInteropRefusals: each wrong login through an independent OP is refused by the backend with its
// status and code, and nothing personal comes back.
func TestIdPInteropRefusals(t *testing.T) {
	w := newIDPWorld(t)
	type tokenFor func(t *testing.T, ctx context.Context) (*client.Session, *wireRecorder)
	device := func(op *testop.OP, u testop.User) tokenFor {
		return func(t *testing.T, ctx context.Context) (*client.Session, *wireRecorder) {
			c, rec := w.kiosk(t, op)
			_, s := idpLogin(t, ctx, c, u)
			return s, rec
		}
	}
	minted := func(op *testop.OP, u testop.User, m testop.MintOptions) tokenFor {
		return func(t *testing.T, ctx context.Context) (*client.Session, *wireRecorder) {
			c, rec := w.kiosk(t, op)
			if _, err := c.Discover(ctx); err != nil {
				t.Fatal(err)
			}
			// No Expiry on the oauth2.Token: the client sends it, the backend judges it.
			return c.NewSession(&oauth2.Token{AccessToken: op.Mint(t, u.Username, m), TokenType: "Bearer"}), rec
		}
	}
	tests := []struct {
		name   string
		token  tokenFor
		status int
		code   string
	}{
		{"substantial level (MinID)", device(w.main, w.minid), 401, "insufficient_user_authentication"},
		{"token for another audience", device(w.otherAud, w.ingrid), 401, "wrong_audience"},
		{"expired token", minted(w.main, w.ingrid, testop.MintOptions{Expiry: time.Now().Add(-time.Minute)}), 401, "token_expired"},
		{"untrusted issuer", device(w.untrusted, w.ingrid), 401, "token_invalid"},
		{"pid of nobody", device(w.main, w.nobody), 401, "unknown_person"},
		{"no pid", device(w.main, w.nopid), 401, "pid_missing"},
	}
	var mu sync.Mutex
	var table []string
	t.Cleanup(func() {
		slices.Sort(table)
		for _, row := range table {
			t.Log(row)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			s, rec := tt.token(t, ctx)
			me, err := s.Me(ctx)
			var e *client.Error
			if !errors.As(err, &e) || e.Status != tt.status || e.Code != tt.code {
				t.Fatalf("Me = %v; want %d %s", err, tt.status, tt.code)
			}
			if !client.IsUnauthorized(err) {
				t.Errorf("IsUnauthorized(%v) = false", err)
			}
			if me != nil && me.Citizen.Id != "" {
				t.Errorf("Me gave a citizen: %q", me.Citizen.Id)
			}
			res := rec.lastAPI(t, "/v1/me")
			if res.status != tt.status || !strings.HasPrefix(res.contentType, "application/problem+json") {
				t.Errorf("wire: %d %s", res.status, res.contentType)
			}
			for _, personal := range []string{w.ingridPID, w.nobody.PID, "Ingrid", "Haugen", backend.DemoIngrid} {
				if strings.Contains(string(res.body), personal) {
					t.Errorf("the refusal holds %q: %s", personal, res.body)
				}
			}
			if tt.code == "insufficient_user_authentication" {
				wa := res.wwwAuthenticate
				if !strings.Contains(wa, `error="insufficient_user_authentication"`) || !strings.Contains(wa, `acr_values="idporten-loa-high"`) {
					t.Errorf("WWW-Authenticate %q", wa)
				}
			}
			mu.Lock()
			table = append(table, fmt.Sprintf("%-28s → %d %s", tt.name, e.Status, e.Code))
			mu.Unlock()
		})
	}
}

// wireRecorder notes, on their way to the kiosk, the token endpoint's answers and the API's answers.
type wireRecorder struct {
	next http.RoundTripper

	mu     sync.Mutex
	tokens []string        // access tokens, in order
	grant  map[string]int  // grant_type → successful token answers
	api    []wireAPIAnswer // answers under /v1/
}

type wireAPIAnswer struct {
	path, contentType, wwwAuthenticate string
	status                             int
	body                               []byte
}

func (r *wireRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var grant string
	if req.URL.Path == "/oauth/token" && req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			form, _ := io.ReadAll(b)
			b.Close()
			for _, kv := range strings.Split(string(form), "&") {
				if v, ok := strings.CutPrefix(kv, "grant_type="); ok {
					grant = v
				}
			}
		}
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	isToken := req.URL.Path == "/oauth/token" && resp.StatusCode == http.StatusOK
	isAPI := strings.HasPrefix(req.URL.Path, "/v1/")
	if !isToken && !isAPI {
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
	} else {
		r.api = append(r.api, wireAPIAnswer{path: req.URL.Path, status: resp.StatusCode, body: body,
			contentType: resp.Header.Get("Content-Type"), wwwAuthenticate: resp.Header.Get("WWW-Authenticate")})
	}
	return resp, nil
}

func (r *wireRecorder) lastAccessToken() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.tokens) == 0 {
		return ""
	}
	return r.tokens[len(r.tokens)-1]
}

// tokenByID returns the access token with this jti.
func (r *wireRecorder) tokenByID(jti string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, raw := range r.tokens {
		if tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256}); err == nil {
			var c jwt.Claims
			if tok.UnsafeClaimsWithoutVerification(&c) == nil && c.ID == jti {
				return raw
			}
		}
	}
	return ""
}

// grants counts the successful token answers of grantType (the form value, URL-encoded).
func (r *wireRecorder) grants(grantType string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.grant[grantType]
}

// lastTokenClaims reads (without verifying: the backend does that) the last access token's registered claims.
func (r *wireRecorder) lastTokenClaims(t *testing.T) jwt.Claims {
	t.Helper()
	raw := r.lastAccessToken()
	if raw == "" {
		t.Fatal("no access token seen from the token endpoint")
	}
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

func (r *wireRecorder) lastAPI(t *testing.T, path string) wireAPIAnswer {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.api) - 1; i >= 0; i-- {
		if r.api[i].path == path {
			return r.api[i]
		}
	}
	t.Fatalf("no answer for %s seen", path)
	return wireAPIAnswer{}
}
