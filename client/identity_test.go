package client_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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
)

// fakeOP is a minimal OAuth authorization server for the device flow: discovery, device authorization and
// a token endpoint whose answers the test chooses. It records every form it gets.
type fakeOP struct {
	*httptest.Server
	mu    sync.Mutex
	forms []recordedForm
	auths []string // the Authorization header of each token request
	// deviceAuths is the Authorization header of each device authorization request.
	deviceAuths []string
	// token answers a token request (status, JSON body).
	token func(form url.Values) (int, string)
	// deviceError, when set, is the OAuth error the device authorization endpoint answers.
	deviceError string
}

func newFakeOP(t *testing.T) *fakeOP {
	op := &fakeOP{}
	op.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/.well-known/openid-configuration" {
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": op.URL, "device_authorization_endpoint": op.URL + "/device_authorization",
				"token_endpoint": op.URL + "/token", "jwks_uri": op.URL + "/jwks",
			})
			return
		}
		r.ParseForm()
		op.mu.Lock()
		op.forms = append(op.forms, recordedForm{r.URL.Path, r.PostForm})
		switch r.URL.Path {
		case "/token":
			op.auths = append(op.auths, r.Header.Get("Authorization"))
		case "/device_authorization":
			op.deviceAuths = append(op.deviceAuths, r.Header.Get("Authorization"))
		}
		op.mu.Unlock()
		switch r.URL.Path {
		case "/device_authorization":
			if op.deviceError != "" {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"`+op.deviceError+`"}`)
				return
			}
			// No verification_uri_complete, as many OPs.
			io.WriteString(w, `{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"`+op.URL+`/device","expires_in":60,"interval":1}`)
		case "/token":
			status, body := op.token(r.PostForm)
			w.WriteHeader(status)
			io.WriteString(w, body)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(op.Close)
	return op
}

func (op *fakeOP) formsAt(path string) []url.Values {
	op.mu.Lock()
	defer op.mu.Unlock()
	var out []url.Values
	for _, f := range op.forms {
		if f.path == path {
			out = append(out, f.Values)
		}
	}
	return out
}

// TestDeviceFlowErrorsTyped: each OAuth error of the device flow is its own typed error, whether the
// device authorization endpoint or the token endpoint sends it.
func TestDeviceFlowErrorsTyped(t *testing.T) {
	t.Parallel()
	want := map[string]error{
		"authorization_pending":  client.ErrLoginPending,
		"slow_down":              client.ErrLoginSlowDown,
		"expired_token":          client.ErrLoginExpired,
		"access_denied":          client.ErrLoginDenied,
		"authorization_declined": client.ErrLoginDeclined,
		"bad_verification_code":  client.ErrLoginBadCode,
	}
	for code, sentinel := range want {
		t.Run("device_authorization/"+code, func(t *testing.T) {
			t.Parallel()
			op := newFakeOP(t)
			op.deviceError = code
			c, _ := client.New(op.URL)
			_, err := c.StartLogin(ctx(t), "Servicetorget")
			var le *client.LoginError
			if !errors.Is(err, sentinel) || !errors.As(err, &le) || le.Code != code {
				t.Fatalf("StartLogin with %s = %v, want %v", code, err, sentinel)
			}
			for other, s := range want {
				if other != code && errors.Is(err, s) {
					t.Errorf("%s also matches %v", code, s)
				}
			}
		})
	}
	// The terminal ones as a real OP sends them: from the token endpoint while the kiosk polls.
	for _, code := range []string{"expired_token", "access_denied", "authorization_declined", "bad_verification_code"} {
		t.Run("token/"+code, func(t *testing.T) {
			t.Parallel()
			op := newFakeOP(t)
			op.token = func(url.Values) (int, string) { return http.StatusBadRequest, `{"error":"` + code + `"}` }
			c, _ := client.New(op.URL)
			l, err := c.StartLogin(ctx(t), "Servicetorget")
			if err != nil {
				t.Fatal(err)
			}
			if l.CodeInURI || l.VerificationURIComplete != op.URL+"/device" {
				t.Errorf("without verification_uri_complete: CodeInURI %v, complete %q", l.CodeInURI, l.VerificationURIComplete)
			}
			_, err = l.Wait(ctx(t))
			if !errors.Is(err, want[code]) {
				t.Fatalf("Wait with %s = %v, want %v", code, err, want[code])
			}
		})
	}
}

// TestDeviceFlowPendingSlowDownResource: authorization_pending and slow_down are polled through (slower
// after slow_down); the resource (RFC 8707) goes on the device authorization and the token requests; a
// confidential client authenticates with HTTP Basic.
func TestDeviceFlowPendingSlowDownResource(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	var n int
	var times []time.Time
	op.token = func(url.Values) (int, string) {
		n++
		times = append(times, time.Now())
		switch n {
		case 1:
			return http.StatusBadRequest, `{"error":"authorization_pending"}`
		case 2:
			return http.StatusBadRequest, `{"error":"slow_down"}`
		}
		return http.StatusOK, `{"access_token":"at","token_type":"Bearer","expires_in":300,"refresh_token":"rt"}`
	}
	c, _ := client.New(op.URL, client.WithOAuthClient("kiosk-7", "s3cret"), client.WithResource("https://api.example.no"),
		client.WithScopes("openid", "helsekiosk"))
	l, err := c.StartLogin(ctx(t), "Servicetorget")
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Wait(ctx(t))
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if !s.CanRefresh() {
		t.Error("the refresh token was not kept")
	}
	if len(times) != 3 || times[2].Sub(times[1]) < 5*time.Second {
		t.Errorf("polls at %v: want 3, the last at least 5 s after slow_down", times)
	}
	da := op.formsAt("/device_authorization")
	if len(da) != 1 || da[0].Get("resource") != "https://api.example.no" || da[0].Get("scope") != "openid helsekiosk" ||
		da[0].Get("client_id") != "kiosk-7" {
		t.Errorf("device authorization form = %v", da)
	}
	for _, f := range op.formsAt("/token") {
		if f.Get("resource") != "https://api.example.no" || f.Get("client_secret") != "" {
			t.Errorf("token form = %v: want the resource, and no secret in the body", f)
		}
	}
	for _, a := range op.auths {
		if !strings.HasPrefix(a, "Basic ") {
			t.Errorf("token request Authorization = %q, want client_secret_basic", a)
		}
	}
	// RFC 8628 3.1: a confidential client authenticates at the device authorization endpoint too.
	if len(op.deviceAuths) != 1 || op.deviceAuths[0] != "Basic "+base64.StdEncoding.EncodeToString([]byte("kiosk-7:s3cret")) {
		t.Errorf("device authorization Authorization = %q, want client_secret_basic", op.deviceAuths)
	}
}

// TestShortTokenRefreshOnReferenceBackend: with five-minute access tokens from the reference backend's own
// authorization server, a kiosk that asked for offline_access refreshes while the citizen is active (the
// refresh token is rotated), and stops refreshing once the citizen has been idle for the idle timeout; a
// kiosk that did not ask for offline_access gets no refresh token, and a call after the lifetime is not sent:
// the session has ended (401 token_expired).
func TestShortTokenRefreshOnReferenceBackend(t *testing.T) {
	t.Parallel()
	start := time.Now()
	bclock := backendtest.NewClock(start)
	env := backendtest.New(t, backendtest.WithClock(bclock),
		backendtest.WithConfig(func(c *backend.Config) { c.AccessTokenTTL = 5 * time.Minute }))
	kclock := &testClock{t: start}
	advance := func(d time.Duration) { bclock.Advance(d); kclock.Advance(d) }

	t.Run("without offline_access", func(t *testing.T) {
		c := newClient(t, env, client.WithClock(kclock.Now), client.WithScopes("openid helsekiosk"))
		s := login(t, env, c, "p-ingrid")
		if _, err := s.Me(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if s.CanRefresh() {
			t.Fatal("a refresh token without offline_access")
		}
		advance(6 * time.Minute)
		_, err := s.Me(ctx(t))
		if !client.IsUnauthorized(err) || client.CodeOf(err) != "token_expired" {
			t.Fatalf("Me after the lifetime = %v, want 401 token_expired", err)
		}
	})
	t.Run("with offline_access", func(t *testing.T) {
		c := newClient(t, env, client.WithClock(kclock.Now))
		s := login(t, env, c, "p-ingrid")
		lastActive := kclock.Now()
		s.SetActivity(func() time.Time { return lastActive }, 3*time.Minute)
		if !s.CanRefresh() {
			t.Fatal("no refresh token with offline_access")
		}
		for range 3 { // 18 minutes of an active citizen, three lifetimes
			advance(6 * time.Minute)
			lastActive = kclock.Now()
			if me, err := s.Me(ctx(t)); err != nil || me.Citizen.Id != "p-ingrid" {
				t.Fatalf("Me after a refresh = %v, %v", me, err)
			}
		}
		advance(6 * time.Minute) // idle past the idle timeout: no refresh
		if _, err := s.Me(ctx(t)); !errors.Is(err, client.ErrIdle) {
			t.Fatalf("Me after the idle timeout = %v, want ErrIdle", err)
		}
	})
}

// TestKioskTokenForHelpRequests: the help-request calls carry the kiosk's own client-credentials token
// (same client, scope kiosk, HTTP Basic, from the issuer's token endpoint, fetched once and reused), and the
// reference backend serves the kiosk with it. A kiosk whose credential the issuer refuses, or a public
// client, sends the calls without a token, and the backend refuses them with 401 kiosk_required.
func TestKioskTokenForHelpRequests(t *testing.T) {
	t.Parallel()
	env := backendtest.New(t)
	// A transport that records the Authorization header of each help-request call and of each request to
	// the token endpoint.
	var mu sync.Mutex
	var bearers, tokenAuths []string
	rec := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/kiosk/help-requests"):
			bearers = append(bearers, r.Header.Get("Authorization"))
		case r.URL.Path == "/oauth/token":
			tokenAuths = append(tokenAuths, r.Header.Get("Authorization"))
		}
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})
	seen := func() (b, ta []string) {
		mu.Lock()
		defer mu.Unlock()
		b, ta, bearers, tokenAuths = bearers, tokenAuths, nil, nil
		return b, ta
	}
	newKiosk := func(t *testing.T, opts ...client.Option) *client.Client {
		t.Helper()
		c, err := client.New(env.URL, append([]client.Option{client.WithRetries(0, time.Millisecond, time.Millisecond),
			client.WithHTTPClient(&http.Client{Transport: rec})}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("issuer gives a kiosk token", func(t *testing.T) {
		c := newKiosk(t, client.WithOAuthClient(backendtest.KioskID, backendtest.KioskSecret))
		x := ctx(t)
		hr, err := c.CreateHelpRequest(x, client.NewIdempotencyKey(), api.NewHelpRequest{KioskName: "Servicetorget", Screen: "welcome"})
		if err != nil {
			t.Fatalf("CreateHelpRequest: %v", err)
		}
		if _, err := c.HelpRequest(x, hr.Id); err != nil {
			t.Fatalf("HelpRequest: %v", err)
		}
		if _, err := c.WithdrawHelpRequest(x, hr.Id, client.NewIdempotencyKey()); err != nil {
			t.Fatalf("WithdrawHelpRequest: %v", err)
		}
		b, ta := seen()
		if len(b) != 3 || !strings.HasPrefix(b[0], "Bearer ey") || b[1] != b[0] || b[2] != b[0] {
			t.Errorf("help-request calls' Authorization = %q, want the same kiosk JWT three times", b)
		}
		if len(ta) != 1 || !strings.HasPrefix(ta[0], "Basic ") {
			t.Errorf("client-credentials requests' Authorization = %q, want one with Basic (token reused)", ta)
		}
	})
	t.Run("issuer refuses the credential", func(t *testing.T) {
		c := newKiosk(t, client.WithOAuthClient(backendtest.KioskID, "wrong-secret"))
		if _, err := c.KioskToken(ctx(t)); err == nil {
			t.Fatal("KioskToken with a wrong secret: no error")
		}
		_, err := c.CreateHelpRequest(ctx(t), client.NewIdempotencyKey(), api.NewHelpRequest{KioskName: "Servicetorget", Screen: "welcome"})
		if !client.IsUnauthorized(err) || client.CodeOf(err) != "kiosk_required" {
			t.Fatalf("CreateHelpRequest without a kiosk token = %v, want 401 kiosk_required", err)
		}
		if b, _ := seen(); len(b) != 1 || b[0] != "" {
			t.Errorf("help-request call Authorization = %q, want none", b)
		}
	})
	t.Run("public client", func(t *testing.T) {
		c := newKiosk(t)
		if _, err := c.KioskToken(ctx(t)); !errors.Is(err, client.ErrNoKioskCredential) {
			t.Errorf("KioskToken of a public client = %v, want ErrNoKioskCredential", err)
		}
		_, err := c.CreateHelpRequest(ctx(t), client.NewIdempotencyKey(), api.NewHelpRequest{KioskName: "Servicetorget", Screen: "welcome"})
		if client.CodeOf(err) != "kiosk_required" {
			t.Fatalf("CreateHelpRequest of a public client = %v, want 401 kiosk_required", err)
		}
		if b, ta := seen(); len(b) != 1 || b[0] != "" || len(ta) != 0 {
			t.Errorf("help-request call Authorization = %q, token requests %q; want none", b, ta)
		}
	})
}

// TestProblemPerson: a consent_required problem's person member reaches the caller.
func TestProblemPerson(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"title":"Forbidden","status":403,"code":"consent_required","person":"p-ingrid"}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := client.New(srv.URL)
	s := c.NewSession(tokenFor("x"))
	_, err := s.Threads(ctx(t), "p-ingrid", "", 0)
	if !client.IsForbidden(err) || client.CodeOf(err) != "consent_required" || client.PersonOf(err) != "p-ingrid" {
		t.Fatalf("err = %v (code %q, person %q)", err, client.CodeOf(err), client.PersonOf(err))
	}
}

func tokenFor(access string) *oauth2.Token {
	return &oauth2.Token{AccessToken: access, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
}

// TestRefreshFailures: an issuer that is down during a refresh leaves the session as it was (unavailable;
// the next call tries again and succeeds); a refused refresh token (invalid_grant) ends the login (401).
func TestRefreshFailures(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	var mu sync.Mutex
	answer := func(url.Values) (int, string) {
		return http.StatusServiceUnavailable, `{"error":"temporarily_unavailable"}`
	}
	op.token = func(f url.Values) (int, string) { mu.Lock(); defer mu.Unlock(); return answer(f) }
	setAnswer := func(f func(url.Values) (int, string)) { mu.Lock(); answer = f; mu.Unlock() }
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(api.Close)
	clock := &testClock{t: time.Now()}
	c, err := client.New(op.URL, client.WithAPI(api.URL), client.WithClock(clock.Now), client.WithRetries(0, 0, 0),
		client.WithResource("https://api.example.no"))
	if err != nil {
		t.Fatal(err)
	}
	s := c.NewSession(&oauth2.Token{AccessToken: "a1", RefreshToken: "r1", ExpiresIn: 300})
	clock.Advance(6 * time.Minute)
	if _, err := s.Me(ctx(t)); !client.IsUnavailable(err) || client.IsUnauthorized(err) {
		t.Fatalf("Me with the issuer down = %v, want unavailable", err)
	}
	setAnswer(func(f url.Values) (int, string) {
		if f.Get("refresh_token") != "r1" {
			return http.StatusBadRequest, `{"error":"invalid_grant"}`
		}
		return http.StatusOK, `{"access_token":"a2","token_type":"Bearer","expires_in":300,"refresh_token":"r2"}`
	})
	if _, err := s.Me(ctx(t)); err != nil {
		t.Fatalf("Me with the issuer back: %v", err)
	}
	for _, f := range op.formsAt("/token") {
		if f.Get("grant_type") != "refresh_token" || f.Get("resource") != "https://api.example.no" {
			t.Errorf("refresh form = %v: want grant_type refresh_token and the resource (RFC 8707)", f)
		}
	}
	clock.Advance(6 * time.Minute) // r2 is refused: the login is over
	_, err = s.Me(ctx(t))
	if !client.IsUnauthorized(err) || client.CodeOf(err) != "token_expired" {
		t.Fatalf("Me with a refused refresh token = %v, want 401 token_expired", err)
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
