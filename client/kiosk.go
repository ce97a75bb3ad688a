package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/helsekiosk/helsekiosk/api"
)

// Health asks whether the backend is up.
func (c *Client) Health(ctx context.Context) (*api.Health, error) {
	var out api.Health
	return &out, c.call(c.request(ctx, ""), http.MethodGet, c.apiPath("/v1/health"), &out)
}

// CreateHelpRequest asks staff to come to the kiosk. It carries no personal data.
func (c *Client) CreateHelpRequest(ctx context.Context, key string, req api.NewHelpRequest) (*api.HelpRequest, error) {
	var out api.HelpRequest
	r := c.request(ctx, "").SetHeader("Content-Type", "application/json").SetBody(req)
	if key != "" {
		r.SetHeader("Idempotency-Key", key)
	}
	return &out, c.call(r, http.MethodPost, c.apiPath("/v1/kiosk/help-requests"), &out)
}

// HelpRequest returns a help request's state.
func (c *Client) HelpRequest(ctx context.Context, id string) (*api.HelpRequest, error) {
	var out api.HelpRequest
	return &out, c.call(c.request(ctx, ""), http.MethodGet, c.apiPath("/v1/kiosk/help-requests/"+url.PathEscape(id)), &out)
}

// WithdrawHelpRequest withdraws a help request.
func (c *Client) WithdrawHelpRequest(ctx context.Context, id, key string) (*api.HelpRequest, error) {
	var out api.HelpRequest
	r := c.request(ctx, "")
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
