package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
)

// Login errors: each OAuth error of the device flow (RFC 8628 3.5, and Microsoft Entra's
// authorization_declined) is a *LoginError that matches one of these with errors.Is. x/oauth2 polls through
// authorization_pending and slow_down itself (slowing down by 5 s); they are mapped all the same, for an
// issuer that sends them where no poll is under way.
var (
	ErrLoginPending  = errors.New("login pending")           // authorization_pending: not approved yet
	ErrLoginSlowDown = errors.New("login polled too often")  // slow_down
	ErrLoginExpired  = errors.New("login expired")           // expired_token: the code ran out; start a new one
	ErrLoginDenied   = errors.New("login denied")            // access_denied: the citizen declined on their phone
	ErrLoginDeclined = errors.New("login declined")          // authorization_declined (Entra): declined
	ErrLoginBadCode  = errors.New("login code not accepted") // bad_verification_code: the code was mistyped or is unknown
)

// loginErrors maps OAuth error codes to the login errors.
var loginErrors = map[string]error{
	"authorization_pending":  ErrLoginPending,
	"slow_down":              ErrLoginSlowDown,
	"expired_token":          ErrLoginExpired,
	"access_denied":          ErrLoginDenied,
	"authorization_declined": ErrLoginDeclined,
	"bad_verification_code":  ErrLoginBadCode,
}

// A LoginError is an OAuth error answer of the device flow (Code as the issuer sent it).
type LoginError struct {
	Code        string
	Description string // the issuer's error_description (English, for logs; never shown)
	kind        error
}

func (e *LoginError) Error() string { return "login: " + e.Code }

// NewLoginError is the *LoginError for an OAuth error code, as the device flow returns it (for tests of
// what the UI shows; nil for a code that is no device-flow error).
func NewLoginError(code string) *LoginError {
	kind, ok := loginErrors[code]
	if !ok {
		return nil
	}
	return &LoginError{Code: code, kind: kind}
}

// Unwrap gives the ErrLogin… the code maps to.
func (e *LoginError) Unwrap() error { return e.kind }

// Discover reads the issuer's OpenID discovery document (once; later calls return the cached one).
func (c *Client) Discover(ctx context.Context) (*api.Discovery, error) {
	c.mu.Lock()
	d := c.disc
	c.mu.Unlock()
	if d != nil {
		return d, nil
	}
	var full struct {
		api.Discovery
		// RFC 9207: the OP sends iss on the authorization response (the code flow checks it).
		ISSParameter bool `json:"authorization_response_iss_parameter_supported"`
	}
	if err := c.call(c.request(ctx, ""), http.MethodGet, c.issuerPath("/.well-known/openid-configuration"), &full); err != nil {
		return nil, err
	}
	got := full.Discovery
	// An issuer offers the device flow, the authorization code flow (the login on the kiosk, browserlogin.go),
	// or both; each login checks for its own endpoint.
	if got.TokenEndpoint == "" || (got.DeviceAuthorizationEndpoint == "" && (got.AuthorizationEndpoint == nil || *got.AuthorizationEndpoint == "")) {
		return nil, &Error{Status: http.StatusOK, Code: CodeMalformedResponse, Err: errors.New("discovery lacks login endpoints")}
	}
	c.mu.Lock()
	c.disc, c.issParam = &got, full.ISSParameter
	if !c.apiFixed && got.ApiBaseUrl != nil && *got.ApiBaseUrl != "" {
		if u, err := CheckURL(*got.ApiBaseUrl); err == nil {
			c.api = strings.TrimSuffix(u.String(), "/")
		}
	}
	c.mu.Unlock()
	return &got, nil
}

// issParameter reports whether the issuer's discovery (read before) says it sends iss on the
// authorization response (RFC 9207).
func (c *Client) issParameter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.issParam
}

func (c *Client) issuerPath(p string) string {
	return strings.TrimSuffix(c.issuer.String(), "/") + p
}

func (c *Client) oauthConfig(d *api.Discovery) *oauth2.Config {
	// A public client (no secret) names itself with client_id in the body. A secret goes in HTTP Basic, which
	// every authorization server must support (RFC 6749 2.3.1); some (zitadel's op) accept only that at the
	// device token endpoint.
	style := oauth2.AuthStyleInParams
	if c.secret != "" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     c.clientID,
		ClientSecret: c.secret,
		Scopes:       c.scopes,
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: d.DeviceAuthorizationEndpoint,
			TokenURL:      d.TokenEndpoint,
			AuthStyle:     style,
		},
	}
}

// oauthContext makes golang.org/x/oauth2 use this client's HTTP client.
func (c *Client) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.http)
}

// deviceAuthContext is oauthContext for the device authorization request. x/oauth2 sends only client_id
// there, but a confidential client must authenticate at that endpoint as at the token endpoint (RFC 8628
// 3.1; Keycloak and the reference backend insist): the secret goes in HTTP Basic, as at the token endpoint.
func (c *Client) deviceAuthContext(ctx context.Context) context.Context {
	if c.secret == "" {
		return c.oauthContext(ctx)
	}
	hc := *c.http
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = basicAuth{next: next, id: c.clientID, secret: c.secret}
	return context.WithValue(ctx, oauth2.HTTPClient, &hc)
}

// basicAuth adds client_secret_basic (RFC 6749 2.3.1: both parts form-encoded) to a request that has no
// Authorization header.
type basicAuth struct {
	next       http.RoundTripper
	id, secret string
}

func (b basicAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		return b.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.SetBasicAuth(url.QueryEscape(b.id), url.QueryEscape(b.secret))
	return b.next.RoundTrip(r)
}

// resourceParams is the RFC 8707 resource for the device authorization and token requests, when set.
func (c *Client) resourceParams() []oauth2.AuthCodeOption {
	if c.resource == "" {
		return nil
	}
	return []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("resource", c.resource)}
}

// refreshContext is oauthContext for a refresh: x/oauth2 sends only grant_type and refresh_token, so the
// resource (when set) is added to the form on the way (RFC 8707 2.2).
func (c *Client) refreshContext(ctx context.Context) context.Context {
	if c.resource == "" {
		return c.oauthContext(ctx)
	}
	hc := *c.http
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = formParam{next: next, key: "resource", value: c.resource}
	return context.WithValue(ctx, oauth2.HTTPClient, &hc)
}

// formParam adds key=value to a form POST that lacks it.
type formParam struct {
	next       http.RoundTripper
	key, value string
}

func (f formParam) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || req.Body == nil ||
		!strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return f.next.RoundTrip(req)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err == nil && !form.Has(f.key) {
		form.Set(f.key, f.value)
		b = []byte(form.Encode())
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return f.next.RoundTrip(r)
}

// A Login is one device login under way (RFC 8628): show UserCode and a QR code of VerificationURIComplete,
// then Wait until the citizen approves on their phone. An issuer that sends no verification_uri_complete
// (many do not) gets VerificationURIComplete = VerificationURI and CodeInURI false: the citizen must type
// the code, so show it large.
type Login struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	CodeInURI               bool          // the issuer sent verification_uri_complete
	Expiry                  time.Time     // when the code stops working
	Interval                time.Duration // how often Wait polls (the backend may slow it down)

	c   *Client
	cfg *oauth2.Config
	da  *oauth2.DeviceAuthResponse
}

// StartLogin asks the backend for a device code. kioskName is shown to the citizen on the approval page.
func (c *Client) StartLogin(ctx context.Context, kioskName string) (*Login, error) {
	d, err := c.Discover(ctx)
	if err != nil {
		return nil, err
	}
	if d.DeviceAuthorizationEndpoint == "" {
		return nil, &Error{Status: http.StatusOK, Code: CodeMalformedResponse, Err: errors.New("discovery lacks the device authorization endpoint")}
	}
	cfg := c.oauthConfig(d)
	var opts []oauth2.AuthCodeOption
	if kioskName != "" {
		opts = append(opts, oauth2.SetAuthURLParam("kiosk_name", kioskName))
	}
	opts = append(opts, c.resourceParams()...)
	da, err := cfg.DeviceAuth(c.deviceAuthContext(ctx), opts...)
	if err != nil {
		return nil, oauthError(ctx, err)
	}
	l := &Login{
		UserCode:                da.UserCode,
		VerificationURI:         da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete,
		Expiry:                  da.Expiry,
		Interval:                time.Duration(da.Interval) * time.Second,
		c:                       c, cfg: cfg, da: da,
	}
	l.CodeInURI = l.VerificationURIComplete != ""
	if !l.CodeInURI {
		l.VerificationURIComplete = l.VerificationURI
	}
	if l.Interval == 0 {
		l.Interval = 5 * time.Second
	}
	return l, nil
}

// Wait polls the token endpoint (honouring interval and slow_down) until the citizen approves, declines
// (ErrLoginDenied) or the code expires (ErrLoginExpired). A passing network failure is polled through; ctx
// cancels (the citizen pressed Cancel).
func (l *Login) Wait(ctx context.Context) (*Session, error) {
	for {
		tok, err := l.cfg.DeviceAccessToken(l.c.oauthContext(ctx), l.da, l.c.resourceParams()...)
		if err == nil {
			return l.c.NewSession(tok), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = oauthError(ctx, err)
		switch {
		case errors.Is(err, ErrLoginPending), errors.Is(err, ErrLoginSlowDown):
			// Only x/oauth2's own poll absorbs these; should one come through, keep polling, slower.
			wait := l.Interval
			if errors.Is(err, ErrLoginSlowDown) {
				l.Interval += 5 * time.Second
				wait = l.Interval
			}
			if !time.Now().Before(l.Expiry) {
				return nil, &LoginError{Code: "expired_token", kind: ErrLoginExpired}
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
		case errors.As(err, new(*LoginError)):
			return nil, err
		case IsUnavailable(err) && time.Now().Before(l.Expiry):
			// The phone may still approve: keep polling once the network is back.
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(l.Interval):
			}
		default:
			return nil, err
		}
	}
}

// oauthError maps golang.org/x/oauth2's errors to ours.
func oauthError(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return ErrLoginExpired // DeviceAccessToken stops at the code's expiry
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if kind, ok := loginErrors[re.ErrorCode]; ok {
			return &LoginError{Code: re.ErrorCode, Description: re.ErrorDescription, kind: kind}
		}
		e := &Error{Code: re.ErrorCode, Detail: re.ErrorDescription}
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		if e.Status == 0 {
			e.Status = http.StatusBadRequest
		}
		if e.Code == "" && e.Status < 500 {
			e.Code = CodeMalformedResponse
		}
		return e
	}
	return &Error{Err: scrub(err)}
}

// grantError maps the error of a token request outside the device flow (a refresh, the kiosk's client
// credentials) to an *Error: the issuer's OAuth error with its status, or a transport failure (a timeout
// is "unavailable" here, not an expired login code).
func grantError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &Error{Status: http.StatusBadRequest, Code: re.ErrorCode, Detail: re.ErrorDescription}
		if re.Response != nil && re.Response.StatusCode != 0 {
			e.Status = re.Response.StatusCode
		}
		if e.Code == "" && e.Status < 500 {
			e.Code = CodeMalformedResponse
		}
		return e
	}
	return &Error{Err: scrub(err)}
}

// DemoApprove approves (or, with approve false, declines) a user code on the reference backend's /device
// page, as a citizen's phone would after BankID. It is for demo mode and tests; a real identity provider has
// no such form.
func (c *Client) DemoApprove(ctx context.Context, userCode, personID string, approve bool) error {
	action := "deny"
	if approve {
		action = "approve"
	}
	r := c.r.R().SetContext(ctx).SetFormData(map[string]string{
		"user_code": userCode, "person_id": personID, "action": action,
	})
	resp, err := r.Post(c.issuerPath("/device"))
	if err != nil {
		return &Error{Err: scrub(err)}
	}
	if resp.IsError() {
		return &Error{Status: resp.StatusCode(), Title: http.StatusText(resp.StatusCode())}
	}
	return nil
}

// Why tokens are revoked, as the log lines name it (RevokeReason…).
const (
	RevokeLogout  = "logout"  // the visit ended (Logout)
	RevokeRefused = "refused" // a login the kiosk refused (too low a level, an ID token that did not verify)
	RevokeStale   = "stale"   // tokens a refresh gave after the session had ended
)

// revokeTokens revokes tok's refresh token (first: it is the one that lives) and its access token at the
// issuer's revocation endpoint (RFC 7009, each with its token_type_hint), when discovery names one. Each
// answer is logged (logRevocation); an OP that cannot revoke a JWT access token says so
// (400 unsupported_token_type), which is logged and returned like any other refusal.
func (c *Client) revokeTokens(ctx context.Context, tok *oauth2.Token, reason string) error {
	var errs []error
	if tok.RefreshToken != "" {
		errs = append(errs, c.revoke(ctx, tok.RefreshToken, "refresh_token", reason))
	}
	if tok.AccessToken != "" {
		errs = append(errs, c.revoke(ctx, tok.AccessToken, "access_token", reason))
	}
	return errors.Join(errs...)
}

// revoke tells the issuer to forget token (RFC 7009), best effort, and logs the answer.
func (c *Client) revoke(ctx context.Context, token, hint, reason string) error {
	d, err := c.Discover(ctx)
	if err != nil {
		c.logOutcome("token_revocation", reason, hint, err)
		return err
	}
	if d.RevocationEndpoint == "" {
		c.logOutcome("token_revocation", reason, hint, errNoRevocationEndpoint)
		return nil
	}
	form := url.Values{"token": {token}, "token_type_hint": {hint}, "client_id": {c.clientID}}
	r := c.r.R().SetContext(ctx).SetFormDataFromValues(form)
	if c.secret != "" {
		r.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.secret)) // as oauth2 does at the token endpoint
	}
	err = c.call(r, http.MethodPost, d.RevocationEndpoint, nil)
	c.logOutcome("token_revocation", reason, hint, err)
	return err
}

// errNoRevocationEndpoint is logged where the issuer's discovery names no revocation endpoint.
var errNoRevocationEndpoint = errors.New("no revocation endpoint")

// logOutcome writes one line of a fixed format for an answer at the end of a login: the event
// (token_revocation, backend_logout), why (RevokeLogout, …), which token (refresh_token, access_token) and
// the answer: status (the HTTP status, 0 where none came) and error (the OAuth error or problem code, or
// "none"; "unavailable" for a network failure, "no_endpoint" where the OP has no revocation endpoint).
// Never a token, a URL or a name.
func (c *Client) logOutcome(event, reason, token string, err error) {
	status, code := http.StatusOK, "none"
	var e *Error
	switch {
	case err == nil:
		if event == "backend_logout" {
			status = http.StatusNoContent
		}
	case errors.Is(err, errNoRevocationEndpoint):
		status, code = 0, "no_endpoint"
	case errors.As(err, &e):
		status, code = e.Status, e.Code
		if status == 0 {
			code = "unavailable"
		}
		if code == "" {
			code = "http_" + strconv.Itoa(status)
		}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		status, code = 0, "timeout"
	default:
		status, code = 0, "unavailable"
	}
	c.log.Info(event, "reason", reason, "token", token, "status", status, "error", code)
}
