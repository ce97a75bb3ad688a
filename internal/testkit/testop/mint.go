package testop

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/crypto"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// MintOptions change a token Mint signs; the zero value is the token the device flow would give.
type MintOptions struct {
	// Audience replaces the aud (default: the OP's audience and the client id).
	Audience []string
	// ClientID is the client_id claim (default: the first client's).
	ClientID string
	// IssuedAt and Expiry set iat/nbf and exp (default: now and now plus the access-token lifetime).
	// An Expiry in the past gives an expired token without waiting for one.
	IssuedAt, Expiry time.Time
}

// Mint signs an access token for the user named username with the OP's own signing key, taken from its
// storage, the way op signs the device flow's JWT access tokens (oidc.AccessTokenClaims with the user's
// private claims pid and acr). The token is recorded, so the OP's userinfo and revocation know it.
func (o *OP) Mint(t testing.TB, username string, m MintOptions) string {
	t.Helper()
	u, ok := o.st.userByName(username)
	if !ok {
		t.Fatalf("testop: Mint: no user %q", username)
	}
	if m.ClientID == "" {
		m.ClientID = o.st.cfg.clients[0].ID
	}
	if m.Audience == nil {
		m.Audience = append(append([]string{}, o.st.cfg.audience...), m.ClientID)
	}
	if m.IssuedAt.IsZero() {
		m.IssuedAt = time.Now()
		if !m.Expiry.IsZero() && m.Expiry.Before(m.IssuedAt) {
			m.IssuedAt = m.Expiry.Add(-o.st.cfg.accessTTL)
		}
	}
	if m.Expiry.IsZero() {
		m.Expiry = m.IssuedAt.Add(o.st.cfg.accessTTL)
	}
	jti := rand.Text()
	claims := oidc.NewAccessTokenClaims(o.Issuer, u.subject(), m.Audience, m.Expiry, jti, m.ClientID, 0)
	claims.IssuedAt, claims.NotBefore = oidc.FromTime(m.IssuedAt), oidc.FromTime(m.IssuedAt)
	claims.Scopes = []string{oidc.ScopeOpenID}
	claims.Claims = o.st.privateClaims(u.subject())
	key, err := o.st.SigningKey(context.Background())
	if err != nil {
		t.Fatalf("testop: Mint: %v", err)
	}
	signer, err := op.SignerFromKey(key)
	if err != nil {
		t.Fatalf("testop: Mint: %v", err)
	}
	tok, err := crypto.Sign(claims, signer)
	if err != nil {
		t.Fatalf("testop: Mint: %v", err)
	}
	o.st.mu.Lock()
	o.st.tokens[jti] = &accessEntry{jti: jti, subject: u.subject(), clientID: m.ClientID, audience: m.Audience,
		scopes: claims.Scopes, expiry: m.Expiry}
	o.st.mu.Unlock()
	return tok
}
