package testop_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

const aud = "helsekiosk-api"

var (
	ingrid = testop.User{Username: "ingrid", Password: "pw-ingrid", PID: "12844199931", ACR: testop.ACRHigh}
	minid  = testop.User{Username: "minid", Password: "pw-minid", PID: "12844199931", ACR: testop.ACRSubstantial}
	nopid  = testop.User{Username: "nopid", Password: "pw-nopid", ACR: testop.ACRHigh}
)

func oauthConfig(op *testop.OP, c testop.Client, scopes ...string) *oauth2.Config {
	style := oauth2.AuthStyleInHeader
	if c.Secret == "" {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret, Scopes: scopes, Endpoint: oauth2.Endpoint{
		DeviceAuthURL: op.Issuer + "/device_authorization", TokenURL: op.Issuer + "/oauth/token", AuthStyle: style}}
}

// login runs the device flow with cfg, the phone approving as u through the page the OP names.
func login(t *testing.T, ctx context.Context, cfg *oauth2.Config, u testop.User, complete bool) *oauth2.Token {
	t.Helper()
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatalf("DeviceAuth: %v", err)
	}
	uri, code := da.VerificationURI, da.UserCode
	if complete {
		uri, code = da.VerificationURIComplete, ""
	}
	if err := testop.NewPhone().Approve(ctx, uri, code, u); err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatalf("DeviceAccessToken: %v", err)
	}
	return tok
}

// verify checks tok as a resource server would: go-oidc against the OP's discovery and JWKS.
func verify(t *testing.T, ctx context.Context, op *testop.OP, tok string) (map[string]any, error) {
	t.Helper()
	p, err := oidc.NewProvider(ctx, op.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: aud}).Verify(ctx, tok)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return claims, nil
}

func TestDeviceFlowJWTRefreshRevoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	op := testop.Start(t, testop.WithUsers(ingrid, minid, nopid), testop.WithAudience(aud))
	cfg := oauthConfig(op, testop.Client{ID: testop.DefaultClientID, Secret: testop.DefaultClientSecret}, "openid", "offline_access")

	tok := login(t, ctx, cfg, ingrid, false)
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token for offline_access")
	}
	claims, err := verify(t, ctx, op, tok.AccessToken)
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	auds, _ := claims["aud"].([]any)
	if claims["pid"] != ingrid.PID || claims["acr"] != testop.ACRHigh || claims["iss"] != op.Issuer ||
		!slices.Contains(auds, any(aud)) || claims["client_id"] != testop.DefaultClientID || claims["sub"] != "sub-ingrid" {
		t.Errorf("claims %v", claims)
	}
	if life := claims["exp"].(float64) - claims["iat"].(float64); life != 300 {
		t.Errorf("lifetime %v s, want 300", life)
	}

	// Refresh (the token source sees an expired token), rotation: the old refresh token is spent.
	old := tok.RefreshToken
	fresh, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: old}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == old {
		t.Errorf("refresh gave no new tokens")
	}
	if c, err := verify(t, ctx, op, fresh.AccessToken); err != nil || c["pid"] != ingrid.PID || c["acr"] != testop.ACRHigh {
		t.Errorf("refreshed token: %v %v", c, err)
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: old}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("spent refresh token: %v, want invalid_grant", err)
	}

	// Revoke the refresh token (client_secret_basic): it no longer works, and the OP recorded it.
	if status := revoke(t, ctx, op, cfg, fresh.RefreshToken, "refresh_token"); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); !isOAuthError(err, "invalid_grant") {
		t.Errorf("revoked refresh token: %v, want invalid_grant", err)
	}
	// Revoke an access token: userinfo refuses it afterwards.
	if code := userinfo(t, ctx, op, fresh.AccessToken); code != http.StatusOK {
		t.Fatalf("userinfo before revocation: %d", code)
	}
	if status := revoke(t, ctx, op, cfg, fresh.AccessToken, "access_token"); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if code := userinfo(t, ctx, op, fresh.AccessToken); code == http.StatusOK {
		t.Error("userinfo honours a revoked access token")
	}
	revs := op.Revocations()
	if len(revs) != 2 || revs[0].Kind != "refresh_token" || revs[1].Kind != "access_token" ||
		revs[1].JTI != claims2(t, ctx, op, fresh.AccessToken) || revs[0].ClientID != testop.DefaultClientID || revs[1].Subject != "sub-ingrid" {
		t.Errorf("revocations %+v", revs)
	}
}

// claims2 returns the jti of a token the OP issued (its signature checked; expiry and revocation not).
func claims2(t *testing.T, ctx context.Context, op *testop.OP, tok string) string {
	t.Helper()
	c, err := verify(t, ctx, op, tok)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c["jti"].(string)
	return s
}

func TestUsersClaims(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	op := testop.Start(t, testop.WithUsers(ingrid, minid, nopid), testop.WithAudience(aud), testop.WithAccessTokenLifetime(2*time.Second))
	cfg := oauthConfig(op, testop.Client{ID: testop.DefaultClientID, Secret: testop.DefaultClientSecret}, "openid")
	for _, tc := range []struct {
		u        testop.User
		pid, acr any
	}{{minid, minid.PID, testop.ACRSubstantial}, {nopid, nil, testop.ACRHigh}} {
		tok := login(t, ctx, cfg, tc.u, true)
		if tok.RefreshToken != "" {
			t.Errorf("%s: refresh token without offline_access", tc.u.Username)
		}
		c, err := verify(t, ctx, op, tok.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		if c["pid"] != tc.pid || c["acr"] != tc.acr {
			t.Errorf("%s: pid %v acr %v", tc.u.Username, c["pid"], c["acr"])
		}
		if life := c["exp"].(float64) - c["iat"].(float64); life != 2 {
			t.Errorf("lifetime %v s, want 2", life)
		}
	}
}

func TestPublicClientAndNoCompleteURI(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	pub := testop.Client{ID: "kiosk-public"}
	op := testop.Start(t, testop.WithUsers(ingrid), testop.WithAudience(aud), testop.WithClients(pub),
		testop.WithoutVerificationURIComplete())

	// The raw answer lacks verification_uri_complete.
	res, err := http.PostForm(op.Issuer+"/device_authorization", url.Values{"client_id": {pub.ID}, "scope": {"openid"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("device_authorization: %d %s", res.StatusCode, body)
	}
	if _, ok := m["verification_uri_complete"]; ok || m["verification_uri"] != op.Issuer+"/device" || m["user_code"] == "" {
		t.Errorf("device authorization %s", body)
	}

	cfg := oauthConfig(op, pub, "openid", "offline_access")
	tok := login(t, ctx, cfg, ingrid, false)
	if _, err := verify(t, ctx, op, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Errorf("public client's refresh: %v", err)
	}
}

func TestDenyAndWrongPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	op := testop.Start(t, testop.WithUsers(ingrid))
	cfg := oauthConfig(op, testop.Client{ID: testop.DefaultClientID, Secret: testop.DefaultClientSecret}, "openid")
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wrong := ingrid
	wrong.Password = "guess"
	if err := testop.NewPhone().Approve(ctx, da.VerificationURIComplete, "", wrong); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong password: %v", err)
	}
	if err := testop.NewPhone().Deny(ctx, da.VerificationURIComplete, "", ingrid); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.DeviceAccessToken(ctx, da); !isOAuthError(err, "access_denied") {
		t.Errorf("after Deny: %v", err)
	}
	// A code gives one answer.
	if err := testop.NewPhone().Approve(ctx, da.VerificationURIComplete, "", ingrid); err == nil {
		t.Error("a denied code could be approved")
	}
}

func TestMintExpired(t *testing.T) {
	ctx := t.Context()
	op := testop.Start(t, testop.WithUsers(ingrid), testop.WithAudience(aud))
	exp := time.Now().Add(-time.Minute).Truncate(time.Second)
	tok := op.Mint(t, ingrid.Username, testop.MintOptions{Expiry: exp})
	var expired *oidc.TokenExpiredError
	if _, err := verify(t, ctx, op, tok); !errors.As(err, &expired) || !expired.Expiry.Equal(exp) {
		t.Errorf("minted expired token: %v", err)
	}
	c, err := verify(t, ctx, op, op.Mint(t, ingrid.Username, testop.MintOptions{}))
	if err != nil || c["pid"] != ingrid.PID || c["acr"] != testop.ACRHigh {
		t.Errorf("minted token: %v %v", c, err)
	}
	if _, err := verify(t, ctx, op, op.Mint(t, ingrid.Username, testop.MintOptions{Audience: []string{"another-api"}})); err == nil {
		t.Error("a token for another audience verified for aud")
	}
}

func TestDiscoveryMember(t *testing.T) {
	op := testop.Start(t)
	op.SetDiscoveryMember("api_base_url", "http://127.0.0.1:1/api")
	res, err := http.Get(op.Issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d["api_base_url"] != "http://127.0.0.1:1/api" || d["issuer"] != op.Issuer || d["device_authorization_endpoint"] != op.Issuer+"/device_authorization" ||
		d["revocation_endpoint"] != op.Issuer+"/revoke" {
		t.Errorf("discovery %v", d)
	}
}

func isOAuthError(err error, code string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == code
}

func revoke(t *testing.T, ctx context.Context, op *testop.OP, cfg *oauth2.Config, token, hint string) int {
	t.Helper()
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, op.Issuer+"/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(cfg.ClientID, cfg.ClientSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func userinfo(t *testing.T, ctx context.Context, op *testop.OP, token string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, op.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
