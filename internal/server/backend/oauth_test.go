package backend_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func pollToken(t *testing.T, e *backendtest.Env, deviceCode string) (*http.Response, []byte) {
	t.Helper()
	return postForm(t, e, "/oauth/token", url.Values{"grant_type": {backend.DeviceCodeGrant}, "device_code": {deviceCode}, "client_id": {backend.ClientID}})
}

func wantOAuthError(t *testing.T, res *http.Response, body []byte, status int, code string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d (%s): %s", res.StatusCode, status, code, body)
	}
	oe := decode[api.OAuthError](t, body)
	if oe.Error != code {
		t.Fatalf("error %q, want %q: %s", oe.Error, code, body)
	}
}

func TestDiscovery(t *testing.T) {
	e := backendtest.New(t)
	res, b := e.Do(t, http.MethodGet, "/.well-known/openid-configuration", "", nil)
	wantStatus(t, res, b, http.StatusOK)
	d := decode[api.Discovery](t, b)
	checks := map[string]string{
		"issuer":                        e.URL,
		"device_authorization_endpoint": e.URL + "/oauth/device_authorization",
		"token_endpoint":                e.URL + "/oauth/token",
		"revocation_endpoint":           e.URL + "/oauth/revoke",
	}
	got := map[string]string{"issuer": d.Issuer, "device_authorization_endpoint": d.DeviceAuthorizationEndpoint,
		"token_endpoint": d.TokenEndpoint, "revocation_endpoint": d.RevocationEndpoint}
	for k, want := range checks {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if len(d.GrantTypesSupported) == 0 || d.GrantTypesSupported[0] != backend.DeviceCodeGrant {
		t.Errorf("grant_types_supported = %v", d.GrantTypesSupported)
	}
	if d.ScopesSupported == nil || strings.Join(*d.ScopesSupported, " ") != "openid helsekiosk offline_access kiosk" {
		t.Errorf("scopes_supported = %v", d.ScopesSupported)
	}
}

func TestDeviceAuthorization(t *testing.T) {
	e := backendtest.New(t)
	da := e.StartLogin(t)
	if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(da.UserCode) {
		t.Errorf("user_code %q", da.UserCode)
	}
	if da.VerificationUri != e.URL+"/device" {
		t.Errorf("verification_uri %q", da.VerificationUri)
	}
	if da.VerificationUriComplete == nil || *da.VerificationUriComplete != e.URL+"/device?user_code="+da.UserCode {
		t.Errorf("verification_uri_complete %v", da.VerificationUriComplete)
	}
	if da.ExpiresIn != 600 {
		t.Errorf("expires_in %d", da.ExpiresIn)
	}
	if len(da.DeviceCode) < 40 {
		t.Errorf("device_code too short: %d", len(da.DeviceCode))
	}
	// Unknown client.
	res, b := postForm(t, e, "/oauth/device_authorization", url.Values{"client_id": {"evil"}})
	wantOAuthError(t, res, b, http.StatusBadRequest, "invalid_client")
}

func TestDeviceFlow(t *testing.T) {
	start := time.Date(2026, 3, 10, 10, 0, 0, 0, workdays.Oslo)
	newEnv := func(t *testing.T, opts ...backendtest.Option) (*backendtest.Env, *backendtest.Clock) {
		c := backendtest.NewClock(start)
		e := backendtest.New(t, append(opts, backendtest.WithClock(c), backendtest.WithConfig(func(cfg *backend.Config) {
			cfg.PollInterval = 5 * time.Second
			cfg.DeviceCodeTTL = 10 * time.Minute
		}))...)
		return e, c
	}

	t.Run("pending then approved, single use", func(t *testing.T) {
		e, c := newEnv(t)
		da := e.StartLogin(t)
		if da.Interval == nil || *da.Interval != 5 {
			t.Errorf("interval %v", da.Interval)
		}
		res, b := pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "authorization_pending")
		c.Advance(6 * time.Second)
		e.Approve(t, da.UserCode, backend.DemoIngrid)
		res, b = pollToken(t, e, da.DeviceCode)
		wantStatus(t, res, b, http.StatusOK)
		tr := decode[api.TokenResponse](t, b)
		if tr.TokenType != "Bearer" || tr.AccessToken == "" || tr.ExpiresIn <= 0 {
			t.Errorf("token response %+v", tr)
		}
		res, b = e.Do(t, http.MethodGet, "/v1/me", tr.AccessToken, nil)
		wantStatus(t, res, b, http.StatusOK)
		if me := decode[api.Me](t, b); me.Citizen.Id != backend.DemoIngrid {
			t.Errorf("logged in as %s", me.Citizen.Id)
		}
		c.Advance(6 * time.Second)
		res, b = pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "invalid_grant")
	})

	t.Run("slow_down adds 5 s", func(t *testing.T) {
		e, c := newEnv(t)
		da := e.StartLogin(t)
		res, b := pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "authorization_pending")
		c.Advance(2 * time.Second)
		res, b = pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "slow_down")
		// The interval is now 10 s: 6 s later is still too fast.
		c.Advance(6 * time.Second)
		res, b = pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "slow_down")
		c.Advance(16 * time.Second)
		res, b = pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "authorization_pending")
	})

	t.Run("denied", func(t *testing.T) {
		e, _ := newEnv(t)
		da := e.StartLogin(t)
		e.Deny(t, da.UserCode)
		res, b := pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "access_denied")
	})

	t.Run("expired", func(t *testing.T) {
		e, c := newEnv(t)
		da := e.StartLogin(t)
		c.Advance(10*time.Minute + time.Second)
		res, b := pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "expired_token")
		// and the page no longer accepts it
		res, b = postForm(t, e, "/device", url.Values{"user_code": {da.UserCode}, "person_id": {backend.DemoIngrid}, "action": {"approve"}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("approving an expired code: %d", res.StatusCode)
		}
	})

	t.Run("approved but expired before polling", func(t *testing.T) {
		e, c := newEnv(t)
		da := e.StartLogin(t)
		e.Approve(t, da.UserCode, backend.DemoIngrid)
		c.Advance(11 * time.Minute)
		res, b := pollToken(t, e, da.DeviceCode)
		wantOAuthError(t, res, b, http.StatusBadRequest, "expired_token")
	})

	t.Run("bad requests", func(t *testing.T) {
		e, _ := newEnv(t, backendtest.AllowInvalidRequests())
		da := e.StartLogin(t)
		tests := []struct {
			name   string
			form   url.Values
			status int
			code   string
		}{
			{"unknown code", url.Values{"grant_type": {backend.DeviceCodeGrant}, "device_code": {"nope"}}, 400, "invalid_grant"},
			{"other grant", url.Values{"grant_type": {"password"}, "device_code": {da.DeviceCode}}, 400, "unsupported_grant_type"},
			{"no device code", url.Values{"grant_type": {backend.DeviceCodeGrant}}, 400, "invalid_request"},
			{"no grant type", url.Values{"device_code": {da.DeviceCode}}, 400, "invalid_request"},
			{"other client", url.Values{"grant_type": {backend.DeviceCodeGrant}, "device_code": {da.DeviceCode}, "client_id": {"evil"}}, 401, "invalid_client"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, b := postForm(t, e, "/oauth/token", tt.form)
				wantOAuthError(t, res, b, tt.status, tt.code)
			})
		}
	})

	t.Run("token expires", func(t *testing.T) {
		e, c := newEnv(t)
		tok := e.Token(t, backend.DemoIngrid)
		c.Advance(4 * time.Minute)
		res, b := e.Do(t, http.MethodGet, "/v1/me", tok, nil)
		wantStatus(t, res, b, http.StatusOK)
		c.Advance(time.Minute + time.Second) // past the 5-minute access token
		res, b = e.Do(t, http.MethodGet, "/v1/me", tok, nil)
		wantProblem(t, res, b, http.StatusUnauthorized, "token_expired")
	})
}

func TestRevoke(t *testing.T) {
	e := backendtest.New(t)
	tok := e.Token(t, backend.DemoIngrid)
	other := e.Token(t, backend.DemoIngrid)
	res, b := e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = postForm(t, e, "/oauth/revoke", url.Values{"token": {tok}, "client_id": {backend.ClientID}})
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodGet, "/v1/me", tok, nil)
	wantProblem(t, res, b, http.StatusUnauthorized, "token_invalid")
	if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
	}
	// Revoking again, or an unknown token, is still 200; other tokens still work.
	for _, tk := range []string{tok, "never-issued"} {
		res, b = postForm(t, e, "/oauth/revoke", url.Values{"token": {tk}})
		wantStatus(t, res, b, http.StatusOK)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/me", other, nil)
	wantStatus(t, res, b, http.StatusOK)
}

func TestUnauthorized(t *testing.T) {
	e := backendtest.New(t)
	for _, tc := range []struct{ header, code string }{
		{"", "unauthorized"}, {"Bearer", "unauthorized"}, {"Basic dXNlcjpwYXNz", "unauthorized"},
		{"Bearer nonsense", "token_invalid"},
	} {
		h := tc.header
		res, b := e.Do(t, http.MethodGet, "/v1/me", "", nil, "Authorization", h)
		wantProblem(t, res, b, http.StatusUnauthorized, tc.code)
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%q: no WWW-Authenticate", h)
		}
	}
}

func TestVerificationPage(t *testing.T) {
	e := backendtest.New(t)
	res, b := postForm(t, e, "/oauth/device_authorization", url.Values{"client_id": {backend.ClientID}, "kiosk_name": {"Servicetorget"}})
	wantStatus(t, res, b, http.StatusOK)
	da := decode[api.DeviceAuthorization](t, b)

	get := func(path string) (int, string) {
		res, err := e.Client.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		return res.StatusCode, string(body)
	}
	// lower case and without the dash is accepted too
	code := strings.ToLower(strings.ReplaceAll(da.UserCode, "-", ""))
	status, page := get("/device?user_code=" + code)
	if status != http.StatusOK {
		t.Fatalf("page status %d", status)
	}
	for _, want := range []string{"Logg inn på kiosken «Servicetorget»", `value="` + da.UserCode + `"`, "Ingrid Haugen", "Kari Haugen", "Per Olsen",
		`name="person_id"`, `value="approve"`, `value="deny"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if status, _ := get("/device?user_code=BBBB-BBBB"); status != http.StatusNotFound {
		t.Errorf("unknown code: status %d", status)
	}
	if status, _ := get("/device"); status != http.StatusOK {
		t.Errorf("no code: status %d", status)
	}
	// Bad posts never 500.
	for _, form := range []url.Values{
		{"user_code": {da.UserCode}, "person_id": {"p-nobody"}, "action": {"approve"}},
		{"user_code": {da.UserCode}, "person_id": {backend.DemoIngrid}, "action": {"maybe"}},
		{"user_code": {"XXXX"}, "person_id": {backend.DemoIngrid}, "action": {"approve"}},
	} {
		res, b := postForm(t, e, "/device", form)
		if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusNotFound {
			t.Errorf("%v: status %d: %s", form, res.StatusCode, b)
		}
	}
	res, b = postForm(t, e, "/device", url.Values{"user_code": {da.UserCode}, "person_id": {backend.DemoKari}, "action": {"approve"}})
	wantStatus(t, res, b, http.StatusOK)
	if !strings.Contains(string(b), "Du kan gå tilbake til kiosken") {
		t.Errorf("result page: %s", b)
	}
	// A second approval of the same code is refused, with the same answer as an unknown code.
	res, b = postForm(t, e, "/device", url.Values{"user_code": {da.UserCode}, "person_id": {backend.DemoIngrid}, "action": {"approve"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("second approval: %d", res.StatusCode)
	}
	res, b = pollToken(t, e, da.DeviceCode)
	wantStatus(t, res, b, http.StatusOK)
	tr := decode[api.TokenResponse](t, b)
	res, b = e.Do(t, http.MethodGet, "/v1/me", tr.AccessToken, nil)
	if me := decode[api.Me](t, b); me.Citizen.Id != backend.DemoKari {
		t.Errorf("approved as Kari but logged in as %s", me.Citizen.Id)
	}
}

func TestRoutingProblems(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	res, b := e.Do(t, http.MethodGet, "/v1/nothing-here", "", nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	res, b = e.Do(t, http.MethodPatch, "/v1/me", "", nil)
	wantProblem(t, res, b, http.StatusMethodNotAllowed, "method_not_allowed")
	if got := res.Header.Get("Allow"); got != "GET" {
		t.Errorf("Allow for /v1/me = %q", got)
	}
	res, b = e.Do(t, http.MethodPatch, "/v1/consent", "", nil)
	wantProblem(t, res, b, http.StatusMethodNotAllowed, "method_not_allowed")
	if got := res.Header.Get("Allow"); got != "GET, PUT, DELETE" {
		t.Errorf("Allow for /v1/consent = %q", got)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/health", "", nil)
	wantStatus(t, res, b, http.StatusOK)
	h := decode[api.Health](t, b)
	if h.Status != api.Ok || h.Demo == nil || !*h.Demo {
		t.Errorf("health %s", b)
	}
}
