package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
)

// codeWorld is a test OP with the kiosk registered as a native client (public, loopback redirect) and as a
// confidential one, and the reference backend trusting it.
type codeWorld struct {
	op      *testop.OP
	backend *backendtest.Env
	ps      testop.Personas
}

const nativeClient = "helsekiosk-native"

func newCodeWorld(t *testing.T) *codeWorld {
	t.Helper()
	ps := testop.DemoPersonas(t)
	redirect := []string{"http://127.0.0.1" + client.DefaultCallbackPath}
	op := testop.Start(t, ps.Users(), testop.WithAudience(idpAudience), testop.WithClients(
		testop.Client{ID: nativeClient, RedirectURIs: redirect},
		testop.Client{ID: testop.DefaultClientID, Secret: testop.DefaultClientSecret, RedirectURIs: redirect}))
	be := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{op.Issuer}
		c.Audience = idpAudience
	}))
	return &codeWorld{op: op, backend: be, ps: ps}
}

func (w *codeWorld) kiosk(t *testing.T, id, secret string) *client.Client {
	t.Helper()
	c, err := client.New(w.op.Issuer, client.WithAPI(w.backend.URL), client.WithOAuthClient(id, secret),
		client.WithResource(idpAudience), client.WithLanguage("nn"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// press is a plain HTTP browser: it opens authURL, presses the login page's button name=value and follows
// the redirects to the kiosk's loopback listener; it returns the last page's text.
func press(ctx context.Context, authURL, name, value string) (string, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	res, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	login := res.Request.URL
	form := url.Values{"id": {login.Query().Get("id")}, name: {value}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, login.Scheme+"://"+login.Host+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b), nil
}

func TestBrowserLoginHTTP(t *testing.T) {
	w := newCodeWorld(t)
	run := func(t *testing.T, c *client.Client, name, value string) (*client.Session, string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		l, err := c.StartBrowserLogin(ctx, client.BrowserLoginOptions{})
		if err != nil {
			t.Fatal(err)
		}
		page := make(chan string, 1)
		go func() {
			p, err := press(ctx, l.AuthURL, name, value)
			if err != nil {
				p = err.Error()
			}
			page <- p
		}()
		s, err := l.Wait(ctx, nil)
		return s, <-page, err
	}

	for _, k := range []struct{ id, secret string }{{nativeClient, ""}, {testop.DefaultClientID, testop.DefaultClientSecret}} {
		t.Run("ingrid "+k.id, func(t *testing.T) {
			s, page, err := run(t, w.kiosk(t, k.id, k.secret), "user", w.ps.Ingrid.Username)
			if err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if !strings.Contains(page, "Innlogginga er ferdig") || strings.Contains(page, w.ps.IngridPID) {
				t.Errorf("loopback page %q", page)
			}
			me, err := s.Me(t.Context())
			if err != nil || me.Citizen.Id != backend.DemoIngrid {
				t.Fatalf("Me: %v %v", me, err)
			}
			seen := w.op.AuthRequests()
			last := seen[len(seen)-1]
			// OpenID Connect Core 11: with offline_access (the default scopes) the kiosk asks for consent too,
			// and gets a refresh token from an OP that follows §11 (testop does).
			if !s.CanRefresh() {
				t.Error("no refresh token with the default scopes")
			}
			if last.CodeChallengeMethod != "S256" || strings.Join(last.Prompt, " ") != "login consent" ||
				strings.Join(last.ACRValues, " ") != client.ACRHigh || last.Nonce == "" || len(last.State) < 20 ||
				!strings.HasPrefix(last.RedirectURI, "http://127.0.0.1:") || !strings.HasSuffix(last.RedirectURI, client.DefaultCallbackPath) {
				t.Errorf("auth request %+v", last)
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		c := w.kiosk(t, nativeClient, "")
		revs := len(w.op.Revocations())
		if _, _, err := run(t, c, "user", w.ps.MinID.Username); !errors.Is(err, client.ErrBrowserLoginACR) {
			t.Errorf("MinID: %v", err)
		}
		// The refused login's tokens are revoked at the OP before Wait returns.
		if got := w.op.Revocations()[revs:]; len(got) != 2 || got[0].Kind != "refresh_token" || got[1].Kind != "access_token" {
			t.Errorf("revocations after MinID's refusal: %+v", got)
		}
		if _, _, err := run(t, c, "action", "deny"); !errors.Is(err, client.ErrBrowserLoginOP) || !errors.Is(err, client.ErrLoginDenied) {
			t.Errorf("deny: %v", err)
		}
		w.op.TamperCodeFlow(testop.CodeFlowTamper{State: "forged"})
		if _, _, err := run(t, c, "user", w.ps.Ingrid.Username); !errors.Is(err, client.ErrBrowserLoginState) {
			t.Errorf("state: %v", err)
		}
		w.op.TamperCodeFlow(testop.CodeFlowTamper{Nonce: "replayed"})
		if _, _, err := run(t, c, "user", w.ps.Ingrid.Username); !errors.Is(err, client.ErrBrowserLoginNonce) {
			t.Errorf("nonce: %v", err)
		}
		w.op.TamperCodeFlow(testop.CodeFlowTamper{})
		// RFC 9207: an OP whose discovery says it sends iss must send its own; testop's op sends none.
		w.op.SetDiscoveryMember("authorization_response_iss_parameter_supported", true)
		c = w.kiosk(t, nativeClient, "") // a fresh client: discovery is read once
		if _, _, err := run(t, c, "user", w.ps.Ingrid.Username); !errors.Is(err, client.ErrBrowserLoginIssuer) {
			t.Errorf("iss advertised, none sent: %v", err)
		}
		w.op.SetDiscoveryMember("authorization_response_iss_parameter_supported", nil)
	})

	t.Run("cancel, close, timeout, browser ended", func(t *testing.T) {
		c := w.kiosk(t, nativeClient, "")
		ctx, cancel := context.WithCancel(t.Context())
		l, err := c.StartBrowserLogin(ctx, client.BrowserLoginOptions{})
		if err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(100*time.Millisecond, cancel)
		if _, err := l.Wait(ctx, nil); !errors.Is(err, client.ErrBrowserLoginCancelled) || !errors.Is(err, context.Canceled) {
			t.Errorf("cancel: %v", err)
		}
		// The listener is gone.
		if _, err := http.Get(l.RedirectURI); err == nil {
			t.Error("the loopback listener answers after the login ended")
		}

		l, _ = c.StartBrowserLogin(t.Context(), client.BrowserLoginOptions{})
		time.AfterFunc(100*time.Millisecond, func() { l.Close() })
		if _, err := l.Wait(t.Context(), nil); !errors.Is(err, client.ErrBrowserLoginCancelled) {
			t.Errorf("close: %v", err)
		}

		tctx, tcancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer tcancel()
		l, _ = c.StartBrowserLogin(tctx, client.BrowserLoginOptions{})
		if _, err := l.Wait(tctx, nil); !errors.Is(err, client.ErrBrowserLoginTimeout) {
			t.Errorf("timeout: %v", err)
		}

		ended := make(chan error, 1)
		ended <- errors.New("exit status 1")
		l, _ = c.StartBrowserLogin(t.Context(), client.BrowserLoginOptions{})
		if _, err := l.Wait(t.Context(), ended); !errors.Is(err, client.ErrBrowserEnded) {
			t.Errorf("browser ended: %v", err)
		}
		closed := make(chan error)
		close(closed)
		l, _ = c.StartBrowserLogin(t.Context(), client.BrowserLoginOptions{})
		if _, err := l.Wait(t.Context(), closed); !errors.Is(err, client.ErrBrowserLoginCancelled) {
			t.Errorf("browser closed by the kiosk: %v", err)
		}
	})
}
