package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"
)

// login gets a person's access token: the static one, or through the device flow at the issuer.
func (r *runner) login(ctx context.Context, p Person) (string, error) {
	if tok, ok, err := p.staticToken(); ok {
		return tok, err
	}
	d := p.Device
	disc, err := r.discover(ctx)
	if err != nil {
		return "", err
	}
	if disc.DeviceAuthorizationEndpoint == "" || disc.TokenEndpoint == "" {
		return "", fmt.Errorf("the issuer's discovery has no device_authorization_endpoint or token_endpoint")
	}
	secret := d.ClientSecret
	if d.ClientSecretFile != "" {
		b, err := os.ReadFile(d.ClientSecretFile)
		if err != nil {
			return "", err
		}
		secret = strings.TrimSpace(string(b))
	}
	style := oauth2.AuthStyleInParams
	if secret != "" {
		style = oauth2.AuthStyleInHeader
	}
	cfg := oauth2.Config{ClientID: d.ClientID, ClientSecret: secret,
		Endpoint: oauth2.Endpoint{DeviceAuthURL: disc.DeviceAuthorizationEndpoint, TokenURL: disc.TokenEndpoint, AuthStyle: style}}
	scope := d.Scope
	if scope == "" {
		scope = "openid helsekiosk"
	}
	cfg.Scopes = strings.Fields(scope)
	var extra []oauth2.AuthCodeOption
	if d.Resource != "" {
		extra = append(extra, oauth2.SetAuthURLParam("resource", d.Resource))
	}
	octx := context.WithValue(ctx, oauth2.HTTPClient, r.hc)
	da, err := cfg.DeviceAuth(octx, append(extra, oauth2.SetAuthURLParam("kiosk_name", "helsekiosk-conformance"))...)
	if err != nil {
		return "", fmt.Errorf("device authorization: %w", err)
	}
	if d.DemoApprove {
		if err := r.demoApprove(ctx, da, p.ID); err != nil {
			return "", err
		}
	} else {
		where := da.VerificationURIComplete
		if where == "" {
			where = da.VerificationURI
		}
		fmt.Fprintf(r.opt.Log, "conformance: log in as %s (%s) at %s with the code %s\n", p.Name, p.ID, where, da.UserCode)
	}
	tok, err := cfg.DeviceAccessToken(octx, da, extra...)
	if err != nil {
		return "", fmt.Errorf("device token: %w", err)
	}
	return tok.AccessToken, nil
}

type discovery struct {
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	TokenEndpoint               string `json:"token_endpoint"`
}

func (r *runner) discover(ctx context.Context) (discovery, error) {
	var d discovery
	u := strings.TrimRight(r.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return d, err
	}
	res, err := r.hc.Do(req)
	if err != nil {
		return d, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return d, fmt.Errorf("%s: %d", u, res.StatusCode)
	}
	return d, json.Unmarshal(b, &d)
}

// demoApprove approves a login on the reference backend's demo verification page, as a phone would.
func (r *runner) demoApprove(ctx context.Context, da *oauth2.DeviceAuthResponse, personID string) error {
	form := url.Values{"user_code": {da.UserCode}, "person_id": {personID}, "action": {"approve"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, da.VerificationURI, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("demo approval at %s: %d %.200s", da.VerificationURI, res.StatusCode, b)
	}
	return nil
}
