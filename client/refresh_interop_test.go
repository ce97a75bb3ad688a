package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/helsekiosk/helsekiosk/client"
)

// TestInteropRefreshIdleRevoke logs in through zitadel/oidc's example OP (five-minute access tokens, refresh
// tokens with offline_access) with the API elsewhere (--issuer apart from --api), and proves the refresh
// rule on a test clock: a call after the token's lifetime while the citizen is active refreshes (the new
// token is one the OP honours); a call after the idle timeout does not refresh at all and ends the session;
// Logout revokes the refresh token and the access token (RFC 7009, each with its hint).
func TestInteropRefreshIdleRevoke(t *testing.T) {
	t.Parallel()
	const (
		secret   = "kiosk-secret-for-refresh"
		username = "ingrid.haugen"
		password = "another correct horse"
	)
	users := interopUsers{username: {ID: username, Username: username, Password: password, FirstName: "Ingrid",
		LastName: "Haugen", Email: "ingrid@example.test", EmailVerified: true}}
	st := refreshingStorage{storage.NewStorageWithClients(users, map[string]*storage.Client{
		client.ClientID: storage.DeviceClient(client.ClientID, secret),
	})}
	issuer := startOP(t, st)

	// The API is not the OP: a stand-in that records the bearer token of each /v1/me.
	var apiMu sync.Mutex
	var apiTokens []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiMu.Lock()
		apiTokens = append(apiTokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		apiMu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(api.Close)
	lastAPIToken := func() string {
		apiMu.Lock()
		defer apiMu.Unlock()
		return apiTokens[len(apiTokens)-1]
	}

	clock := &testClock{t: time.Now()}
	rec := &formRecorder{next: http.DefaultTransport}
	c, err := client.New(issuer, client.WithAPI(api.URL), client.WithOAuthClient(client.ClientID, secret),
		client.WithHTTPClient(&http.Client{Transport: rec}), client.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()

	l, err := c.StartLogin(ctx, "Servicetorget")
	if err != nil {
		t.Fatalf("StartLogin: %v", err)
	}
	if got := rec.find("/device_authorization", "scope"); got != "openid helsekiosk offline_access" {
		t.Errorf("device authorization scope = %q, want the default with offline_access", got)
	}
	phone := newPhone(t)
	page := phone.get(ctx, l.VerificationURI)
	page = phone.submit(ctx, page, map[string]string{"user_code": l.UserCode})
	page = phone.submit(ctx, page, map[string]string{"username": username, "password": password})
	phone.follow(ctx, page, "Allow")
	s, err := l.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if !s.CanRefresh() {
		t.Fatal("the OP gave no refresh token for offline_access")
	}
	lastActive := clock.Now()
	var activeMu sync.Mutex
	s.SetActivity(func() time.Time { activeMu.Lock(); defer activeMu.Unlock(); return lastActive }, 3*time.Minute)
	touch := func() { activeMu.Lock(); lastActive = clock.Now(); activeMu.Unlock() }

	if _, err := s.Me(ctx); err != nil {
		t.Fatalf("Me: %v", err)
	}
	first := lastAPIToken()
	if c.API() != api.URL {
		t.Errorf("API = %q, want %q (not the issuer's)", c.API(), api.URL)
	}

	// Six minutes on, the citizen still busy (tapping a minute ago): the call refreshes.
	for range 6 {
		clock.Advance(time.Minute)
		touch()
	}
	if _, err := s.Me(ctx); err != nil {
		t.Fatalf("Me after the token's lifetime, citizen active: %v", err)
	}
	second := lastAPIToken()
	if second == first || second == "" {
		t.Fatal("the call after the token's lifetime did not use a new token")
	}
	if n := rec.count("/oauth/token", "grant_type", "refresh_token"); n != 1 {
		t.Fatalf("refresh requests = %d, want 1", n)
	}
	if code := getJSON(ctx, t, issuer+"/userinfo", second, nil); code != http.StatusOK {
		t.Errorf("userinfo with the refreshed token: %d", code)
	}

	// Six more minutes with no activity: past the idle timeout the session never refreshes.
	clock.Advance(6 * time.Minute)
	_, err = s.Me(ctx)
	if !errors.Is(err, client.ErrIdle) || !client.IsUnauthorized(err) {
		t.Fatalf("Me after the idle timeout = %v, want ErrIdle (unauthorized)", err)
	}
	if n := rec.count("/oauth/token", "grant_type", "refresh_token"); n != 1 {
		t.Errorf("refresh requests after the idle timeout = %d, want still 1", n)
	}
	if _, err := s.Me(ctx); !errors.Is(err, client.ErrIdle) {
		t.Errorf("a second call after the idle timeout = %v, want ErrIdle", err)
	}

	// Logout revokes both: the refresh token first, then the access token, each with its hint.
	if err := s.Logout(ctx); err != nil {
		t.Errorf("Logout: %v", err)
	}
	revs := rec.all("/revoke")
	var hints []string
	for _, f := range revs {
		hints = append(hints, f.Get("token_type_hint"))
		if f.Get("token") == "" {
			t.Error("a revocation without token")
		}
	}
	if !slices.Equal(hints, []string{"refresh_token", "access_token"}) {
		t.Errorf("revocation hints = %q, want refresh_token then access_token", hints)
	}
	if len(revs) == 2 && revs[1].Get("token") != second {
		t.Error("the access token revoked is not the current one")
	}
	if code := getJSON(ctx, t, issuer+"/userinfo", second, nil); code == http.StatusOK {
		t.Error("the OP still honours the access token after Logout")
	}
	if s.LoggedIn() {
		t.Error("still logged in after Logout")
	}
}

// startOP serves zitadel's example OP with st on its own loopback server and returns its issuer URL.
func startOP(t *testing.T, st exampleop.Storage) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	srv := httptest.NewUnstartedServer(nil)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Config.Handler = exampleop.SetupServer(issuer, st, nil, false)
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer
}

// refreshingStorage is the example storage with two of its demo limits lifted, as a real OP has them: the
// device client may use the refresh_token grant, and a refresh token made by the device grant (which the
// example storage records without its client) belongs to the device client.
type refreshingStorage struct{ *storage.Storage }

func (s refreshingStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return refreshClient{c}, nil
}

func (s refreshingStorage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	r, err := s.Storage.TokenRequestByRefreshToken(ctx, token)
	if rr, ok := r.(*storage.RefreshTokenRequest); ok && rr.ApplicationID == "" {
		rr.ApplicationID = client.ClientID
	}
	return r, err
}

type refreshClient struct{ op.Client }

func (c refreshClient) GrantTypes() []oidc.GrantType {
	return append(c.Client.GrantTypes(), oidc.GrantTypeRefreshToken)
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// formRecorder records the form of every POST on its way (path and values).
type formRecorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	forms []recordedForm
}

type recordedForm struct {
	path string
	url.Values
}

func (r *formRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		v, _ := url.ParseQuery(string(b))
		r.mu.Lock()
		r.forms = append(r.forms, recordedForm{req.URL.Path, v})
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

func (r *formRecorder) all(pathSuffix string) []url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []url.Values
	for _, f := range r.forms {
		if strings.HasSuffix(f.path, pathSuffix) {
			out = append(out, f.Values)
		}
	}
	return out
}

func (r *formRecorder) find(pathSuffix, key string) string {
	for _, f := range r.all(pathSuffix) {
		if v := f.Get(key); v != "" {
			return v
		}
	}
	return ""
}

func (r *formRecorder) count(pathSuffix, key, value string) int {
	n := 0
	for _, f := range r.all(pathSuffix) {
		if f.Get(key) == value {
			n++
		}
	}
	return n
}
