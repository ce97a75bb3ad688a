package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/nodeop"
	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

// The client against a second independent OP (internal/testkit/nodeop: panva's oidc-provider, certified and
// standards-strict) configured as a broker: the device flow and the code flow with PKCE, JWT access tokens
// for the API (resource indicator) with pid and acr, refresh tokens (offline_access only with consent),
// revocation that will not revoke a JWT access token, and the reference backend trusting it.

// nodeResource is the API's resource indicator at the node OP, the backend's --audience.
const nodeResource = "https://api.helsekiosk.test"

// nodeLifetime is the node OP's access-token lifetime in these tests (a broker's are 60 s; shorter here so
// a refresh is needed at once: the kiosk renews a token 20 s before its exp).
const nodeLifetime = 5 * time.Second

var (
	nodeConfidential = nodeop.Client{ID: "helsekiosk", Secret: "helsekiosk-secret-at-nodeop"}
	// nodeStranger is a confidential client of the OP that is no registered kiosk at the backend.
	nodeStranger = nodeop.Client{ID: "not-a-kiosk", Secret: "not-a-kiosk-secret-at-nodeop"}
	nodeNative   = nodeop.Client{ID: "helsekiosk-native", RedirectURIs: []string{"http://127.0.0.1" + client.DefaultCallbackPath}}
)

type nodeWorld struct {
	op                    *nodeop.OP
	backend               *backendtest.Env
	ingrid, minid, nobody nodeop.User
}

// nodeUsers are the demo personas as the node OP's users.
func nodeUsers(t *testing.T) (ingrid, minid, nopid, nobody nodeop.User) {
	ps := testop.DemoPersonas(t)
	u := func(p testop.User) nodeop.User { return nodeop.User{Username: p.Username, PID: p.PID, ACR: p.ACR} }
	return u(ps.Ingrid), u(ps.MinID), u(ps.NoPID), u(ps.Nobody)
}

func newNodeWorld(t *testing.T) *nodeWorld {
	t.Helper()
	w := &nodeWorld{}
	var nopid nodeop.User
	w.ingrid, w.minid, nopid, w.nobody = nodeUsers(t)
	w.op = nodeop.Start(t, nodeop.Config{Users: []nodeop.User{w.ingrid, w.minid, nopid, w.nobody},
		Clients: []nodeop.Client{nodeConfidential, nodeNative, nodeStranger}, Resource: nodeResource, AccessTokenLifetime: nodeLifetime})
	w.backend = backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{w.op.Issuer}
		c.Audience = nodeResource
		c.KioskClients = []backend.KioskClient{{ClientID: nodeConfidential.ID, Issuer: w.op.Issuer, Name: "Servicetorget"}}
	}))
	return w
}

// kiosk is the real client of the node OP as oc, with the API's resource, a recorder of the token answers
// and its log.
func (w *nodeWorld) kiosk(t *testing.T, oc nodeop.Client) (*client.Client, *tokenTap, *syncBuffer) {
	t.Helper()
	tap := &tokenTap{next: http.DefaultTransport}
	logs := &syncBuffer{}
	c, err := client.New(w.op.Issuer, client.WithAPI(w.backend.URL), client.WithOAuthClient(oc.ID, oc.Secret),
		client.WithResource(nodeResource), client.WithLanguage("nn"), client.WithHTTPClient(&http.Client{Transport: tap}),
		client.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			}}))))
	if err != nil {
		t.Fatal(err)
	}
	return c, tap, logs
}

// TestNodeOPInterop: the device flow and the code flow against oidc-provider. Ingrid logs in both ways
// and gets a refresh token (the code flow with prompt=login consent, the OP's consent page pressed), the
// backend serves her with the OP's JWTs, a refresh rotates; logout revokes the refresh token (introspection:
// inactive), the OP refuses to revoke the JWT access token (400 unsupported_token_type, logged), and the
// backend's POST /v1/logout makes that token 401 at once. MinID on the kiosk's code flow is refused and
// what the OP gave is revoked. The redirect's iss (RFC 9207, which this OP sends) is checked.
func TestNodeOPInterop(t *testing.T) {
	w := newNodeWorld(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// endVisit logs s out and shows that every token of it has ended: the refresh token at the OP, the last
	// access token at the backend; the log has each answer, in its one format, and no token.
	endVisit := func(t *testing.T, c *client.Client, s *client.Session, tap *tokenTap, logs *syncBuffer, oc nodeop.Client) {
		t.Helper()
		access, refresh := tap.last()
		if ok, err := w.op.Introspect(ctx, oc, refresh, "refresh_token"); err != nil || !ok {
			t.Fatalf("the refresh token before logout: active %v, %v", ok, err)
		}
		if err := s.Logout(ctx); err == nil {
			t.Error("Logout reports no refusal, though the OP cannot revoke a JWT access token")
		}
		if ok, err := w.op.Introspect(ctx, oc, refresh, "refresh_token"); err != nil || ok {
			t.Errorf("the refresh token after logout: active %v, %v", ok, err)
		}
		_, err := c.NewSession(&oauth2.Token{AccessToken: access, TokenType: "Bearer"}).Me(ctx)
		if !client.IsUnauthorized(err) {
			t.Errorf("the last access token after logout: %v, want 401", err)
		}
		for _, want := range []string{
			"msg=token_revocation reason=logout token=refresh_token status=200 error=none",
			"msg=backend_logout reason=logout token=access_token status=204 error=none",
			"msg=token_revocation reason=logout token=access_token status=400 error=unsupported_token_type",
		} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("the client's log lacks %q:\n%s", want, logs)
			}
		}
		if strings.Contains(logs.String(), access) || strings.Contains(logs.String(), refresh) {
			t.Error("a token in the log")
		}
		if _, err := w.op.WaitFor(ctx, nodeop.Is("refresh_token.destroyed", "client", oc.ID)); err != nil {
			t.Error("the OP did not destroy the refresh token")
		}
		if _, err := w.op.WaitFor(ctx, nodeop.Is("revocation.error", "error", "unsupported_token_type")); err != nil {
			t.Error("the OP's refusal of the JWT access token not seen")
		}
		t.Logf("the kiosk's log:\n%s", logs)
	}

	t.Run("device flow", func(t *testing.T) {
		c, tap, logs := w.kiosk(t, nodeConfidential)
		l, err := c.StartLogin(ctx, "Servicetorget")
		if err != nil {
			t.Fatal(err)
		}
		phone := make(chan error, 1)
		go func() { _, err := nodeop.NewBrowser().Approve(ctx, l.VerificationURIComplete, w.ingrid); phone <- err }()
		s, err := l.Wait(ctx)
		if err != nil {
			t.Fatalf("Wait: %v (phone: %v)", err, <-phone)
		}
		if err := <-phone; err != nil {
			t.Fatal(err)
		}
		if !s.CanRefresh() {
			t.Fatal("no refresh token from the device flow")
		}
		me, err := s.Me(ctx)
		if err != nil || me.Citizen.Id != backend.DemoIngrid {
			t.Fatalf("Me: %+v %v", me, err)
		}
		// The token lives 5 s, under the kiosk's 20 s margin: every call renews it, and the OP rotates.
		if _, err := s.Me(ctx); err != nil {
			t.Fatal(err)
		}
		if n := w.op.Count(nodeop.Is("grant.success", "grant_type", "refresh_token", "client", nodeConfidential.ID)); n < 2 {
			t.Errorf("%d refresh grants at the OP, want 2", n)
		}
		endVisit(t, c, s, tap, logs, nodeConfidential)
	})

	t.Run("code flow", func(t *testing.T) {
		c, tap, logs := w.kiosk(t, nodeNative)
		s, v, err := nodeCodeLogin(ctx, c, w.ingrid, nil)
		if err != nil {
			t.Fatalf("code flow: %v (pages %v)", err, v.Steps)
		}
		if strings.Join(v.Steps, ",") != "login,consent,redirect" {
			t.Errorf("pages %v, want login, consent, the kiosk's page", v.Steps)
		}
		if !s.CanRefresh() {
			t.Fatal("no refresh token from the code flow with prompt=login consent")
		}
		if _, err := w.op.WaitFor(ctx, nodeop.Is("interaction.consent", "client", nodeNative.ID, "offline_access", "true", "requested_prompt", "login consent")); err != nil {
			t.Error("the OP's consent with offline_access not seen")
		}
		if me, err := s.Me(ctx); err != nil || me.Citizen.Id != backend.DemoIngrid {
			t.Fatalf("Me: %+v %v", me, err)
		}
		endVisit(t, c, s, tap, logs, nodeNative)
	})

	t.Run("code flow without consent", func(t *testing.T) {
		// What the kiosk did before: prompt=login only. The OP ignores offline_access (OIDC Core 11).
		c, _, _ := w.kiosk(t, nodeNative)
		l, err := c.StartBrowserLogin(ctx, client.BrowserLoginOptions{Prompt: "login"})
		if err != nil {
			t.Fatal(err)
		}
		s, v, err := waitCode(ctx, l, w.ingrid, nil)
		if err != nil {
			t.Fatalf("%v %v", err, v.Steps)
		}
		if s.CanRefresh() {
			t.Error("a refresh token for offline_access without prompt=consent")
		}
		_ = s.Logout(ctx)
	})

	t.Run("MinID refused and revoked", func(t *testing.T) {
		c, tap, logs := w.kiosk(t, nodeNative)
		_, _, err := nodeCodeLogin(ctx, c, w.minid, nil)
		var acr *client.ACRError
		if !errors.As(err, &acr) || acr.Got != nodeop.ACRSubstantial {
			t.Fatalf("MinID: %v, want the level refused", err)
		}
		_, refresh := tap.last()
		if refresh == "" {
			t.Fatal("the OP gave no refresh token to revoke")
		}
		if ok, err := w.op.Introspect(ctx, nodeNative, refresh, "refresh_token"); err != nil || ok {
			t.Errorf("MinID's refresh token after the refusal: active %v, %v", ok, err)
		}
		if !strings.Contains(logs.String(), "msg=token_revocation reason=refused token=refresh_token status=200 error=none") ||
			!strings.Contains(logs.String(), "msg=token_revocation reason=refused token=access_token status=400 error=unsupported_token_type") {
			t.Errorf("the client's log:\n%s", logs)
		}
		if _, err := w.op.WaitFor(ctx, nodeop.Is("refresh_token.destroyed", "account", w.minid.Username)); err != nil {
			t.Error("the OP did not destroy MinID's refresh token")
		}
	})

	t.Run("kiosk token", func(t *testing.T) {
		// The kiosk's own token: client credentials at the OP (scope kiosk, a JWT for the API), which the
		// backend takes on the kiosk's routes from the registered kiosk only.
		hb := api.KioskHeartbeat{Name: "Servicetorget", Version: "test", TextSize: api.Normal, LastErrorCodes: []string{}}
		c, tap, _ := w.kiosk(t, nodeConfidential)
		if err := c.Heartbeat(ctx, hb); err != nil {
			t.Fatalf("heartbeat with the registered kiosk's token: %v", err)
		}
		if _, err := w.op.WaitFor(ctx, nodeop.Is("grant.success", "grant_type", "client_credentials", "client", nodeConfidential.ID)); err != nil {
			t.Error("no client_credentials grant at the OP")
		}
		if tap.count() != 1 {
			t.Errorf("%d tokens from the OP, want the one kiosk token", tap.count())
		}
		stranger, _, _ := w.kiosk(t, nodeStranger)
		if err := stranger.Heartbeat(ctx, hb); client.CodeOf(err) != string(api.KioskRequired) {
			t.Errorf("heartbeat with an unregistered client's token: %v, want 401 kiosk_required", err)
		}
		if _, err := w.op.WaitFor(ctx, nodeop.Is("grant.success", "grant_type", "client_credentials", "client", nodeStranger.ID)); err != nil {
			t.Error("the stranger got no token from the OP: the refusal proves nothing")
		}
	})

	t.Run("iss on the redirect", func(t *testing.T) {
		// RFC 9207: this OP says it sends iss; a redirect with another issuer's is a mix-up, refused.
		c, tap, _ := w.kiosk(t, nodeNative)
		_, _, err := nodeCodeLogin(ctx, c, w.ingrid, func(u *url.URL) {
			if u.Path != client.DefaultCallbackPath {
				return
			}
			q := u.Query()
			q.Set("iss", "https://evil.example")
			u.RawQuery = q.Encode()
		})
		if !errors.Is(err, client.ErrBrowserLoginIssuer) {
			t.Fatalf("a redirect with another iss: %v", err)
		}
		if n := tap.count(); n != 0 {
			t.Errorf("%d token answers: the code was exchanged", n)
		}
	})
}

// nodeCodeLogin runs the kiosk's code flow (its default options) with the OP's pages pressed as u;
// rewrite, when set, changes the OP's redirect to the kiosk on its way.
func nodeCodeLogin(ctx context.Context, c *client.Client, u nodeop.User, rewrite func(*url.URL)) (*client.Session, nodeop.Visit, error) {
	l, err := c.StartBrowserLogin(ctx, client.BrowserLoginOptions{})
	if err != nil {
		return nil, nodeop.Visit{}, err
	}
	return waitCode(ctx, l, u, rewrite)
}

func waitCode(ctx context.Context, l *client.BrowserLogin, u nodeop.User, rewrite func(*url.URL)) (*client.Session, nodeop.Visit, error) {
	b := nodeop.NewBrowser()
	if rewrite != nil {
		b.Rewrite = rewrite
	}
	type res struct {
		v   nodeop.Visit
		err error
	}
	done := make(chan res, 1)
	go func() { v, err := b.Approve(ctx, l.AuthURL, u); done <- res{v, err} }()
	s, err := l.Wait(ctx, nil)
	r := <-done
	if err == nil && r.err != nil {
		err = r.err
	}
	return s, r.v, err
}

// tokenTap notes the token endpoint's answers (access and refresh token) on their way to the client.
type tokenTap struct {
	next http.RoundTripper

	mu      sync.Mutex
	access  []string
	refresh []string
}

func (r *tokenTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || req.URL.Path != "/token" || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var t struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(body, &t) == nil && t.AccessToken != "" {
		r.mu.Lock()
		r.access = append(r.access, t.AccessToken)
		r.refresh = append(r.refresh, t.RefreshToken)
		r.mu.Unlock()
	}
	return resp, nil
}

// last is the last access and refresh token the OP gave.
func (r *tokenTap) last() (access, refresh string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.access); n > 0 {
		return r.access[n-1], r.refresh[n-1]
	}
	return "", ""
}

func (r *tokenTap) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.access)
}

// syncBuffer is a bytes.Buffer for a logger written from other goroutines.
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
