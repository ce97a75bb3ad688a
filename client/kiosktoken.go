package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/go-resty/resty/v2"

	"github.com/helsekiosk/helsekiosk/api"
)

// KioskScope is the scope of the kiosk's own token (client credentials), for help requests and the fleet
// heartbeat.
const KioskScope = "kiosk"

// kioskRetry is how long the kiosk waits before asking for its own token again after the issuer refused.
const kioskRetry = 5 * time.Minute

// kioskCredential is the kiosk's own client-credentials token (RFC 6749 4.4), with the same client ID and
// secret as the citizen's login, scope "kiosk", from the issuer's token endpoint.
type kioskCredential struct {
	mu       sync.Mutex
	ts       oauth2.TokenSource
	failedAt time.Time
	lastErr  error
}

// KioskToken returns the kiosk's own access token (client credentials, scope kiosk). A public client (no
// secret) has none: ErrNoKioskCredential. After the issuer refused (it may not offer the grant), it is not
// asked again for a few minutes and the refusal is returned.
func (c *Client) KioskToken(ctx context.Context) (string, error) {
	if c.secret == "" {
		return "", ErrNoKioskCredential
	}
	k := &c.kiosk
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.failedAt.IsZero() && c.now().Sub(k.failedAt) < kioskRetry {
		return "", k.lastErr
	}
	if k.ts == nil {
		d, err := c.Discover(ctx)
		if err != nil {
			return "", err
		}
		cc := &clientcredentials.Config{
			ClientID: c.clientID, ClientSecret: c.secret, TokenURL: d.TokenEndpoint,
			Scopes: []string{KioskScope}, AuthStyle: oauth2.AuthStyleInHeader,
		}
		if c.resource != "" {
			cc.EndpointParams = url.Values{"resource": {c.resource}}
		}
		// The token source keeps its context for later renewals: no deadline of this call in it.
		k.ts = cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, c.http))
	}
	tok, err := k.ts.Token()
	if err != nil {
		k.ts = nil
		err = grantError(ctx, err)
		var e *Error
		if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 {
			// Refused (unsupported_grant_type, invalid_client, …): not again for a while. A network failure
			// is tried again at the next call.
			k.failedAt, k.lastErr = c.now(), err
		}
		c.log.Debug("kiosk token not given", "code", CodeOf(err))
		return "", err
	}
	k.failedAt, k.lastErr = time.Time{}, nil
	return tok.AccessToken, nil
}

// ErrNoKioskCredential: the kiosk has no client secret, so no token of its own.
var ErrNoKioskCredential = errors.New("client: no kiosk credential (no client secret)")

// kioskRequest is a request that carries the kiosk's own token when it has one. Without one (no secret, or
// the issuer does not offer client credentials) the call is still made, anonymously: a backend that needs
// the token answers 401 kiosk_required, which the UI translates.
func (c *Client) kioskRequest(ctx context.Context) *resty.Request {
	tok, err := c.KioskToken(ctx)
	if err != nil {
		tok = ""
	}
	return c.request(ctx, tok)
}

// Health asks whether the backend is up.
func (c *Client) Health(ctx context.Context) (*api.Health, error) {
	var out api.Health
	return &out, c.call(c.request(ctx, ""), http.MethodGet, c.apiPath("/v1/health"), &out)
}

// CreateHelpRequest asks staff to come to the kiosk. It carries no personal data.
func (c *Client) CreateHelpRequest(ctx context.Context, key string, req api.NewHelpRequest) (*api.HelpRequest, error) {
	var out api.HelpRequest
	r := c.kioskRequest(ctx).SetHeader("Content-Type", "application/json").SetBody(req)
	if key != "" {
		r.SetHeader("Idempotency-Key", key)
	}
	return &out, c.call(r, http.MethodPost, c.apiPath("/v1/kiosk/help-requests"), &out)
}

// Heartbeat reports the kiosk's state to the backend (PUT /v1/kiosk/heartbeat), with the kiosk's own token;
// each replaces the last. It carries nothing about a citizen.
func (c *Client) Heartbeat(ctx context.Context, hb api.KioskHeartbeat) error {
	if hb.LastErrorCodes == nil {
		hb.LastErrorCodes = []string{}
	}
	r := c.kioskRequest(ctx).SetHeader("Content-Type", "application/json").SetBody(hb)
	return c.call(r, http.MethodPut, c.apiPath("/v1/kiosk/heartbeat"), nil)
}

// HelpRequest returns a help request's state.
func (c *Client) HelpRequest(ctx context.Context, id string) (*api.HelpRequest, error) {
	var out api.HelpRequest
	return &out, c.call(c.kioskRequest(ctx), http.MethodGet, c.apiPath("/v1/kiosk/help-requests/"+url.PathEscape(id)), &out)
}

// WithdrawHelpRequest withdraws a help request.
func (c *Client) WithdrawHelpRequest(ctx context.Context, id, key string) (*api.HelpRequest, error) {
	var out api.HelpRequest
	r := c.kioskRequest(ctx)
	if key != "" {
		r.SetHeader("Idempotency-Key", key)
	}
	return &out, c.call(r, http.MethodDelete, c.apiPath("/v1/kiosk/help-requests/"+url.PathEscape(id)), &out)
}

func (c *Client) apiPath(p string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.api + p
}
