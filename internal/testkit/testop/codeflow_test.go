package testop_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

// codeConfig is an oauth2 config for the code flow at op, redirecting to a loopback port the test names
// (nothing listens there: the browser below stops at the redirect).
func codeConfig(op *testop.OP, c testop.Client, redirect string) *oauth2.Config {
	cfg := oauthConfig(op, c, "openid", "offline_access")
	cfg.Endpoint.AuthURL = op.Issuer + "/authorize"
	cfg.RedirectURL = redirect
	return cfg
}

// browse opens authURL with a cookie jar, presses the login page's button (name=value) and returns the
// redirect to the client's redirect URI (not followed).
func browse(t *testing.T, ctx context.Context, authURL, redirectPrefix, name, value string) (*url.URL, int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	var final *url.URL
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirectPrefix) {
			final = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if final != nil || res.StatusCode != http.StatusOK {
		return final, res.StatusCode, string(body)
	}
	if !strings.Contains(string(body), `name="`+name+`" value="`+value+`"`) {
		t.Fatalf("login page at %s lacks the button %s=%s:\n%s", res.Request.URL, name, value, body)
	}
	form := url.Values{"id": {res.Request.URL.Query().Get("id")}, name: {value}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, res.Request.URL.Scheme+"://"+res.Request.URL.Host+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	return final, res.StatusCode, string(body)
}

func TestCodeFlowPKCE(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	native := testop.Client{ID: "kiosk-native", RedirectURIs: []string{"http://127.0.0.1/helsekiosk/callback"}}
	conf := testop.Client{ID: "kiosk-conf", Secret: "s3cret", RedirectURIs: []string{"http://127.0.0.1/helsekiosk/callback"}}
	op := testop.Start(t, testop.WithUsers(ingrid, minid), testop.WithAudience(aud), testop.WithClients(native, conf))
	p, err := oidc.NewProvider(ctx, op.Issuer)
	if err != nil {
		t.Fatal(err)
	}

	// OpenID Connect Core 11: offline_access gives a refresh token only with prompt=consent; the native
	// client asks without, the confidential one with.
	prompts := map[string][]string{native.ID: {"login"}, conf.ID: {"login", "consent"}}
	for _, c := range []testop.Client{native, conf} {
		t.Run(c.ID, func(t *testing.T) {
			prompt := prompts[c.ID]
			redirect := "http://127.0.0.1:43117/helsekiosk/callback" // any port: RFC 8252 7.3
			cfg := codeConfig(op, c, redirect)
			verifier := oauth2.GenerateVerifier()
			u := cfg.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-1"),
				oauth2.SetAuthURLParam("acr_values", testop.ACRHigh), oauth2.SetAuthURLParam("prompt", strings.Join(prompt, " ")))
			final, status, body := browse(t, ctx, u, redirect, "user", ingrid.Username)
			if final == nil {
				t.Fatalf("no redirect: %d %s", status, body)
			}
			if final.Query().Get("state") != "st-1" || final.Query().Get("code") == "" {
				t.Fatalf("redirect %s", final)
			}
			seen := op.AuthRequests()
			last := seen[len(seen)-1]
			if last.CodeChallengeMethod != "S256" || !slices.Equal(last.Prompt, prompt) ||
				!slices.Equal(last.ACRValues, []string{testop.ACRHigh}) || last.Nonce != "n-1" {
				t.Errorf("auth request %+v", last)
			}
			// Without the verifier, no tokens.
			if _, err := cfg.Exchange(ctx, final.Query().Get("code")); err == nil {
				t.Error("code exchanged without the PKCE verifier")
			}
			// A failed exchange does not spend the code in op; the right verifier gets tokens once.
			tok, err := cfg.Exchange(ctx, final.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if _, err := cfg.Exchange(ctx, final.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
				t.Error("a code gave tokens twice")
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := p.Verifier(&oidc.Config{ClientID: c.ID}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("id_token: %v", err)
			}
			var ic struct {
				ACR string `json:"acr"`
			}
			_ = idt.Claims(&ic)
			if idt.Nonce != "n-1" || ic.ACR != testop.ACRHigh || idt.Subject != "sub-ingrid" {
				t.Errorf("id_token nonce %q acr %q sub %q", idt.Nonce, ic.ACR, idt.Subject)
			}
			claims, err := verify(t, ctx, op, tok.AccessToken)
			if err != nil || claims["pid"] != ingrid.PID || claims["acr"] != testop.ACRHigh {
				t.Errorf("access token %v %v", claims, err)
			}
			if consent := slices.Contains(prompt, "consent"); (tok.RefreshToken != "") != consent {
				t.Errorf("prompt %q with offline_access: refresh token given %v, want %v", prompt, tok.RefreshToken != "", consent)
			}
		})
	}

	t.Run("deny, minid, tamper, no PKCE, wrong path", func(t *testing.T) {
		redirect := "http://127.0.0.1:43118/helsekiosk/callback"
		cfg := codeConfig(op, native, redirect)
		v := oauth2.GenerateVerifier()
		final, _, body := browse(t, ctx, cfg.AuthCodeURL("st-2", oauth2.S256ChallengeOption(v)), redirect, "action", "deny")
		if final == nil || final.Query().Get("error") != "access_denied" || final.Query().Get("state") != "st-2" {
			t.Errorf("deny: %v %s", final, body)
		}

		final, _, _ = browse(t, ctx, cfg.AuthCodeURL("st-3", oauth2.S256ChallengeOption(v), oidc.Nonce("n-3")), redirect, "user", minid.Username)
		tok, err := cfg.Exchange(ctx, final.Query().Get("code"), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		idt, _ := p.Verifier(&oidc.Config{ClientID: native.ID}).Verify(ctx, tok.Extra("id_token").(string))
		var ic struct {
			ACR string `json:"acr"`
		}
		_ = idt.Claims(&ic)
		if ic.ACR != testop.ACRSubstantial {
			t.Errorf("MinID acr %q", ic.ACR)
		}

		op.TamperCodeFlow(testop.CodeFlowTamper{State: "evil", Nonce: "evil-n", ACR: "evil-acr"})
		final, _, _ = browse(t, ctx, cfg.AuthCodeURL("st-4", oauth2.S256ChallengeOption(v), oidc.Nonce("n-4")), redirect, "user", ingrid.Username)
		op.TamperCodeFlow(testop.CodeFlowTamper{})
		if final.Query().Get("state") != "evil" {
			t.Errorf("tampered state %s", final)
		}
		tok, err = cfg.Exchange(ctx, final.Query().Get("code"), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		idt, _ = p.Verifier(&oidc.Config{ClientID: native.ID}).Verify(ctx, tok.Extra("id_token").(string))
		_ = idt.Claims(&ic)
		if idt.Nonce != "evil-n" || ic.ACR != "evil-acr" {
			t.Errorf("tampered nonce %q acr %q", idt.Nonce, ic.ACR)
		}

		// No PKCE: refused back to the redirect URI.
		final, _, _ = browse(t, ctx, cfg.AuthCodeURL("st-5"), redirect, "user", ingrid.Username)
		if final == nil || final.Query().Get("error") != "invalid_request" {
			t.Errorf("without PKCE: %v", final)
		}
		// Another path is no registered redirect: op refuses without redirecting.
		other := codeConfig(op, native, "http://127.0.0.1:43118/elsewhere")
		final, status, _ := browse(t, ctx, other.AuthCodeURL("st-6", oauth2.S256ChallengeOption(v)), "http://127.0.0.1:43118/", "user", ingrid.Username)
		if final != nil || status == http.StatusOK {
			t.Errorf("unregistered redirect: %v %d", final, status)
		}
	})
}
