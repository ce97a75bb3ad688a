package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
)

// Login errors, matched with errors.Is.
var (
	ErrLoginDenied  = errors.New("login denied")  // the citizen declined on their phone
	ErrLoginExpired = errors.New("login expired") // the code ran out before approval: start a new one
)

// Discover reads the issuer's OpenID discovery document (once; later calls return the cached one).
func (c *Client) Discover(ctx context.Context) (*api.Discovery, error) {
	c.mu.Lock()
	d := c.disc
	c.mu.Unlock()
	if d != nil {
		return d, nil
	}
	var got api.Discovery
	if err := c.call(c.request(ctx, ""), http.MethodGet, c.issuerPath("/.well-known/openid-configuration"), &got); err != nil {
		return nil, err
	}
	if got.DeviceAuthorizationEndpoint == "" || got.TokenEndpoint == "" {
		return nil, &Error{Status: http.StatusOK, Code: "malformed_response", Err: errors.New("discovery lacks device endpoints")}
	}
	c.mu.Lock()
	c.disc = &got
	if got.ApiBaseUrl != nil && *got.ApiBaseUrl != "" {
		if u, err := CheckURL(*got.ApiBaseUrl); err == nil {
			c.api = strings.TrimSuffix(u.String(), "/")
		}
	}
	c.mu.Unlock()
	return &got, nil
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
		Scopes:       []string{"openid", "helsekiosk"},
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

// A Login is one device login under way (RFC 8628): show UserCode and a QR code of VerificationURIComplete,
// then Wait until the citizen approves on their phone.
type Login struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
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
	cfg := c.oauthConfig(d)
	var opts []oauth2.AuthCodeOption
	if kioskName != "" {
		opts = append(opts, oauth2.SetAuthURLParam("kiosk_name", kioskName))
	}
	da, err := cfg.DeviceAuth(c.oauthContext(ctx), opts...)
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
	if l.VerificationURIComplete == "" {
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
		tok, err := l.cfg.DeviceAccessToken(l.c.oauthContext(ctx), l.da)
		if err == nil {
			return l.c.NewSession(tok), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = oauthError(ctx, err)
		switch {
		case errors.Is(err, ErrLoginDenied), errors.Is(err, ErrLoginExpired):
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
		switch re.ErrorCode {
		case "access_denied":
			return ErrLoginDenied
		case "expired_token":
			return ErrLoginExpired
		}
		e := &Error{Code: re.ErrorCode, Detail: re.ErrorDescription}
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		if e.Status == 0 {
			e.Status = http.StatusBadRequest
		}
		if e.Code == "" && e.Status < 500 {
			e.Code = "malformed_response"
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

// revoke tells the backend to forget token (RFC 7009), best effort.
func (c *Client) revoke(ctx context.Context, token string) error {
	d, err := c.Discover(ctx)
	if err != nil {
		return err
	}
	if d.RevocationEndpoint == "" {
		return nil
	}
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}, "client_id": {c.clientID}}
	r := c.r.R().SetContext(ctx).SetFormDataFromValues(form)
	if c.secret != "" {
		r.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.secret)) // as oauth2 does at the token endpoint
	}
	return c.call(r, http.MethodPost, d.RevocationEndpoint, nil)
}
