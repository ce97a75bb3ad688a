package client

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The login on the kiosk itself (issue 16): the OpenID Connect authorization code flow with PKCE for a
// native app (RFC 8252), in a browser window the kiosk controls. StartBrowserLogin opens a loopback
// listener on 127.0.0.1 (a free port, for this one login) and builds the authorization URL; the kiosk
// opens AuthURL in its locked browser (internal/kiosk/browser) and calls Wait, which returns the citizen's
// *Session – the same as the device flow's Login.Wait gives – once the OP redirected back, the state
// matched, the code was exchanged (with the PKCE verifier) and the ID token verified (go-oidc: signature,
// issuer, audience = the client id, expiry; then nonce and acr).

// ACRHigh is the acr the kiosk asks for and requires in the ID token by default: ID-porten's level high
// (BankID, Buypass, Commfides). MinID (idporten-loa-substantial) is too low.
const ACRHigh = "idporten-loa-high"

// DefaultCallbackPath is the path of the loopback redirect URI, http://127.0.0.1:PORT/helsekiosk/callback.
// The municipality registers http://127.0.0.1/helsekiosk/callback for the kiosk's native client; the port is
// chosen per login (RFC 8252 7.3 lets only the port vary, and zitadel's op, Keycloak and most OPs compare
// the path exactly). The unguessable parts of each login are the port, state, nonce and the PKCE verifier.
const DefaultCallbackPath = "/helsekiosk/callback"

// DefaultBrowserLoginTimeout bounds a browser login when the caller's ctx has no deadline: a citizen who
// walks away from the login page leaves no login open longer than this.
const DefaultBrowserLoginTimeout = 10 * time.Minute

// Browser login errors. Wait returns an error that matches one of these with errors.Is (an OP error is a
// *BrowserLoginError, which also matches ErrLoginDenied for access_denied); the UI picks its message by them.
var (
	// ErrBrowserLoginCancelled: ctx was cancelled or Close was called (the citizen pressed Avbryt, the kiosk
	// shut down). Also matches context.Canceled when ctx was.
	ErrBrowserLoginCancelled = errors.New("browser login cancelled")
	// ErrBrowserLoginTimeout: ctx's deadline (or DefaultBrowserLoginTimeout) passed on the login page. Also
	// matches context.DeadlineExceeded.
	ErrBrowserLoginTimeout = errors.New("browser login timed out")
	// ErrBrowserEnded: the browser exited (crashed, was closed) before the OP redirected back.
	ErrBrowserEnded = errors.New("browser login: the browser ended")
	// ErrBrowserLoginState: the redirect's state is not this login's (a forged or stale redirect).
	ErrBrowserLoginState = errors.New("browser login: state mismatch")
	// ErrBrowserLoginNonce: the ID token's nonce is not this login's (a replayed or foreign ID token).
	ErrBrowserLoginNonce = errors.New("browser login: nonce mismatch")
	// ErrBrowserLoginACR: the citizen logged in at too low a level (the ID token's acr is not the required
	// one, e.g. MinID's idporten-loa-substantial). The UI says: log in with BankID.
	ErrBrowserLoginACR = errors.New("browser login: authentication level too low")
	// ErrBrowserLoginOP: the OP answered the redirect with an error (access_denied, login_required, …); the
	// error is a *BrowserLoginError with the code.
	ErrBrowserLoginOP = errors.New("browser login: the OP refused")
	// ErrBrowserLoginIDToken: the token response had no ID token, or it did not verify (signature, issuer,
	// audience, expiry, at_hash).
	ErrBrowserLoginIDToken = errors.New("browser login: no valid ID token")
	// ErrBrowserLoginIssuer: the OP's discovery says it sends iss on the redirect (RFC 9207,
	// authorization_response_iss_parameter_supported) and the redirect's iss is missing or another issuer's
	// (a mix-up: the code may be meant for another OP).
	ErrBrowserLoginIssuer = errors.New("browser login: the redirect's iss is not the issuer's")
	// ErrBrowserLoginUnsupported: the issuer's discovery names no authorization endpoint (it offers only the
	// device flow).
	ErrBrowserLoginUnsupported = errors.New("browser login: the issuer offers no authorization code flow")
)

// A BrowserLoginError is the OP's error on the redirect (RFC 6749 4.1.2.1) or its token endpoint's.
type BrowserLoginError struct {
	Code        string // access_denied, login_required, invalid_request, …
	Description string // the OP's error_description (English, for logs; never shown)
}

func (e *BrowserLoginError) Error() string { return "browser login: " + e.Code }

// Unwrap gives ErrBrowserLoginOP and, for access_denied, ErrLoginDenied (as the device flow's decline).
func (e *BrowserLoginError) Unwrap() []error {
	if e.Code == "access_denied" {
		return []error{ErrBrowserLoginOP, ErrLoginDenied}
	}
	return []error{ErrBrowserLoginOP}
}

// An ACRError is ErrBrowserLoginACR with the acr the ID token carried.
type ACRError struct{ Got, Want string }

func (e *ACRError) Error() string {
	return fmt.Sprintf("browser login: acr %q, want %q", e.Got, e.Want)
}
func (e *ACRError) Unwrap() error { return ErrBrowserLoginACR }

// BrowserLoginOptions change StartBrowserLogin; the zero value is the kiosk's login.
type BrowserLoginOptions struct {
	// ACR is sent as acr_values and required in the ID token (default ACRHigh).
	ACR string
	// CallbackPath is the loopback redirect URI's path (default DefaultCallbackPath).
	CallbackPath string
	// Prompt is the prompt sent (OpenID Connect Core 3.1.2.1), space separated; empty: LoginPrompt of the
	// client's scopes. A municipality whose OP wants otherwise sets it (the kiosk's login_prompt).
	Prompt string
	// DoneTitle and DoneText are the page the browser shows after the redirect, in the kiosk's language
	// (the UI translates them; empty: a plain default in the client's language).
	DoneTitle, DoneText string
}

// A BrowserLogin is one code-flow login under way: open AuthURL in the kiosk's browser, then Wait.
type BrowserLogin struct {
	// AuthURL is the OP's authorization URL for this login (PKCE S256, state, nonce, acr_values, the
	// prompt – by default prompt=login, with consent where offline_access is asked for –, the scopes and
	// resource).
	AuthURL string
	// RedirectURI is the loopback address the OP sends the browser back to (http://127.0.0.1:PORT/path).
	RedirectURI string

	c                      *Client
	cfg                    *oauth2.Config
	issuer                 string
	verifier, state, nonce string
	acr                    string
	issParam               bool // the OP sends iss on the redirect (RFC 9207): it is checked
	doneTitle, doneText    string
	ln                     net.Listener
	srv                    *http.Server
	got                    chan url.Values // the one redirect
	claimed                atomic.Bool     // a redirect has come
	closed                 chan struct{}
	closeOnce              sync.Once
}

// StartBrowserLogin opens the loopback listener and builds the authorization URL. Close it (or let Wait
// return) to free the listener.
func (c *Client) StartBrowserLogin(ctx context.Context, o BrowserLoginOptions) (*BrowserLogin, error) {
	d, err := c.Discover(ctx)
	if err != nil {
		return nil, err
	}
	if d.AuthorizationEndpoint == nil || *d.AuthorizationEndpoint == "" {
		return nil, ErrBrowserLoginUnsupported
	}
	if o.ACR == "" {
		o.ACR = ACRHigh
	}
	if o.CallbackPath == "" {
		o.CallbackPath = DefaultCallbackPath
	}
	if o.Prompt == "" {
		o.Prompt = LoginPrompt(c.scopes)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, &Error{Err: err}
	}
	b := &BrowserLogin{
		RedirectURI: "http://" + ln.Addr().String() + o.CallbackPath,
		c:           c, issuer: d.Issuer, acr: o.ACR, ln: ln, issParam: c.issParameter(), doneTitle: o.DoneTitle, doneText: o.DoneText,
		verifier: oauth2.GenerateVerifier(), state: rand.Text(), nonce: rand.Text(),
		got: make(chan url.Values, 1), closed: make(chan struct{}),
	}
	cfg := c.oauthConfig(d)
	cfg.Endpoint.AuthURL = *d.AuthorizationEndpoint
	cfg.RedirectURL = b.RedirectURI
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	b.cfg = cfg
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(b.verifier),
		oidc.Nonce(b.nonce),
		oauth2.SetAuthURLParam("acr_values", o.ACR),
		oauth2.SetAuthURLParam("prompt", o.Prompt),
	}
	if l := c.language(); l != "" {
		opts = append(opts, oauth2.SetAuthURLParam("ui_locales", l))
	}
	opts = append(opts, c.resourceParams()...)
	b.AuthURL = cfg.AuthCodeURL(b.state, opts...)

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+o.CallbackPath, b.callback)
	b.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}

// LoginPrompt is the prompt of the kiosk's code flow for scopes: "login" (never an OP session of the
// citizen before), and "login consent" where scopes hold offline_access – OpenID Connect Core 11: an OP
// ignores offline_access unless prompt contains consent, and the login would get no refresh token.
func LoginPrompt(scopes []string) string {
	if slices.Contains(scopes, oidc.ScopeOfflineAccess) {
		return "login consent"
	}
	return "login"
}

// donePage is what the browser shows after the redirect: no personal data, no resources to fetch.
var donePage = template.Must(template.New("done").Parse(`<!doctype html><html lang="{{.Lang}}"><head>` +
	`<meta charset="utf-8"><title>{{.Title}}</title></head><body style="font:2em sans-serif;text-align:center;margin-top:20vh">` +
	`<p id="done">{{.Text}}</p></body></html>`))

var doneText = map[string][2]string{
	"nn": {"Innlogginga er ferdig", "Innlogginga er ferdig. Vindauget lukkar seg."},
	"nb": {"Innloggingen er ferdig", "Innloggingen er ferdig. Vinduet lukkes."},
	"en": {"Login finished", "The login is finished. This window closes."},
}

func (b *BrowserLogin) callback(w http.ResponseWriter, r *http.Request) {
	if !b.claimed.CompareAndSwap(false, true) { // a second redirect: the first one counts
		http.Error(w, "gone", http.StatusGone)
		return
	}
	// The page is written before Wait goes on (and, returning, closes the listener).
	defer func() { b.got <- r.URL.Query() }()
	lang := b.c.language()
	if _, ok := doneText[lang]; !ok {
		lang = "nn"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	title, text := doneText[lang][0], doneText[lang][1]
	if b.doneText != "" {
		title, text = b.doneTitle, b.doneText
	}
	_ = donePage.Execute(w, struct{ Lang, Title, Text string }{lang, title, text})
}

// Close ends the login: the listener closes and a Wait under way returns ErrBrowserLoginCancelled. It is
// safe to call more than once and after Wait.
func (b *BrowserLogin) Close() error {
	b.closeOnce.Do(func() {
		close(b.closed)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = b.srv.Shutdown(ctx)
	})
	return nil
}

// Wait waits for the OP's redirect to the loopback listener, then exchanges the code and verifies the ID
// token, and returns the citizen's session. browserEnded, when not nil, is the browser's end (a value: it
// ended by itself; closed without one: the kiosk closed it, as browser.Browser.Ended does): should it come
// before the redirect, Wait returns ErrBrowserEnded (or ErrBrowserLoginCancelled). ctx ends the wait
// (ErrBrowserLoginCancelled, or ErrBrowserLoginTimeout at its deadline; without one,
// DefaultBrowserLoginTimeout applies). Wait closes the login when it returns.
func (b *BrowserLogin) Wait(ctx context.Context, browserEnded <-chan error) (*Session, error) {
	defer b.Close()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultBrowserLoginTimeout)
		defer cancel()
	}
	var q url.Values
	select {
	case q = <-b.got:
	case <-ctx.Done():
		return nil, ctxEnd(ctx)
	case <-b.closed:
		return nil, ErrBrowserLoginCancelled
	case err, ok := <-browserEnded:
		// The redirect may have arrived just as the browser went.
		select {
		case q = <-b.got:
		default:
			if !ok { // closed without a value: the kiosk closed the browser itself
				return nil, ErrBrowserLoginCancelled
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrBrowserEnded, err)
			}
			return nil, ErrBrowserEnded
		}
	}
	if q.Get("state") != b.state {
		return nil, ErrBrowserLoginState
	}
	// RFC 9207 2.4: where the OP says it sends iss, the redirect's (with a code or an error) must be its
	// issuer exactly; where it does not say so, iss is ignored.
	if b.issParam && q.Get("iss") != b.issuer {
		return nil, ErrBrowserLoginIssuer
	}
	if code := q.Get("error"); code != "" {
		return nil, &BrowserLoginError{Code: code, Description: q.Get("error_description")}
	}
	code := q.Get("code")
	if code == "" {
		return nil, &BrowserLoginError{Code: "invalid_request", Description: "the redirect has neither code nor error"}
	}
	tok, err := b.cfg.Exchange(b.c.oauthContext(ctx), code,
		append([]oauth2.AuthCodeOption{oauth2.VerifierOption(b.verifier)}, b.c.resourceParams()...)...)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctxEnd(ctx)
		}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode != "" {
			return nil, &BrowserLoginError{Code: re.ErrorCode, Description: re.ErrorDescription}
		}
		return nil, grantError(ctx, err)
	}
	if err := b.verify(ctx, tok); err != nil {
		// A login refused here (too low a level, an ID token that does not verify) leaves nothing alive at
		// the OP: what it gave is revoked, even when ctx has just ended.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
		_ = b.c.revokeTokens(rctx, tok, RevokeRefused)
		cancel()
		return nil, err
	}
	return b.c.NewSession(tok), nil
}

// verify checks the token response's ID token: go-oidc verifies signature (the issuer's JWKS), iss, aud
// (the client id) and exp, and the access token's at_hash when present; then nonce and acr.
func (b *BrowserLogin) verify(ctx context.Context, tok *oauth2.Token) error {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fmt.Errorf("%w: the token response has no id_token", ErrBrowserLoginIDToken)
	}
	octx := oidc.ClientContext(ctx, b.c.http)
	p, err := oidc.NewProvider(octx, strings.TrimSuffix(b.issuer, "/"))
	if err != nil && strings.HasSuffix(b.issuer, "/") {
		p, err = oidc.NewProvider(octx, b.issuer)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctxEnd(ctx)
		}
		return &Error{Err: scrub(err)}
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: b.c.clientID, Now: b.c.now}).Verify(octx, raw)
	if err != nil {
		if ctx.Err() != nil {
			return ctxEnd(ctx)
		}
		return fmt.Errorf("%w: %w", ErrBrowserLoginIDToken, err)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return fmt.Errorf("%w: %w", ErrBrowserLoginIDToken, err)
		}
	}
	if idt.Nonce != b.nonce {
		return ErrBrowserLoginNonce
	}
	var claims struct {
		ACR string `json:"acr"`
	}
	if err := idt.Claims(&claims); err != nil {
		return fmt.Errorf("%w: %w", ErrBrowserLoginIDToken, err)
	}
	if claims.ACR != b.acr {
		return &ACRError{Got: claims.ACR, Want: b.acr}
	}
	return nil
}

// revokeTimeout bounds the revocation of a refused login's tokens.
const revokeTimeout = 5 * time.Second

// ctxEnd is the error for a ctx that ended: cancelled or timed out.
func ctxEnd(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrBrowserLoginTimeout, ctx.Err())
	}
	return fmt.Errorf("%w: %w", ErrBrowserLoginCancelled, ctx.Err())
}
