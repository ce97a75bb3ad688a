package testop

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/url"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// store is the OP's whole state, in memory: an op.Storage (and op.DeviceAuthorizationStorage) written for
// the device flow and the authorization code flow with PKCE (codeflow.go), with JWT access tokens.
type store struct {
	cfg *config
	key signingKey

	mu        sync.Mutex
	devices   map[string]*deviceEntry // by device code
	userCodes map[string]string       // user code → device code
	tokens    map[string]*accessEntry // by jti
	refresh   map[string]*refreshEntry
	revoked   []Revocation
	auths     map[string]*authEntry // the code flow's auth requests, by id (codeflow.go)
	codes     map[string]string     // authorization code → auth request id
	seen      []AuthRequestSeen
	tamper    CodeFlowTamper
}

type deviceEntry struct {
	userCode string
	state    *op.DeviceAuthorizationState
}

type accessEntry struct {
	jti, subject, clientID string
	audience, scopes       []string
	expiry                 time.Time
	revoked                bool
}

type refreshEntry struct {
	token, subject, clientID string
	audience, scopes         []string
	authTime, expiry         time.Time
}

var (
	_ op.Storage                    = (*store)(nil)
	_ op.DeviceAuthorizationStorage = (*store)(nil)
	_ op.CanSetUserinfoFromRequest  = (*store)(nil)
)

func newStore(cfg *config) (*store, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &store{cfg: cfg, key: signingKey{id: rand.Text(), key: k},
		devices: map[string]*deviceEntry{}, userCodes: map[string]string{},
		tokens: map[string]*accessEntry{}, refresh: map[string]*refreshEntry{},
		auths: map[string]*authEntry{}, codes: map[string]string{}}, nil
}

// signingKey is the OP's RS256 key (op.SigningKey and, through publicKey, op.Key).
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// --- clients ---

// opClient is a device-flow client: confidential (client_secret_basic) or public (auth method none); with
// RedirectURIs also a code-flow client (a public one is a native app, RFC 8252).
type opClient struct {
	c   Client
	cfg *config
}

func (c opClient) GetID() string                    { return c.c.ID }
func (c opClient) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c opClient) PostLogoutRedirectURIs() []string { return nil }
func (c opClient) ApplicationType() op.ApplicationType {
	if c.c.Secret == "" {
		return op.ApplicationTypeNative // public: zitadel's op treats only Web clients as confidential
	}
	return op.ApplicationTypeWeb
}
func (c opClient) AuthMethod() oidc.AuthMethod {
	if c.c.Secret == "" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c opClient) GrantTypes() []oidc.GrantType {
	g := []oidc.GrantType{oidc.GrantTypeDeviceCode, oidc.GrantTypeRefreshToken}
	if len(c.c.RedirectURIs) > 0 {
		g = append(g, oidc.GrantTypeCode)
	}
	return g
}

// RedirectURIGlobs lets a confidential (Web) client's loopback redirect URIs match on any port, as op does
// by itself for a native client (RFC 8252 7.3): a confidential client must stay Web for op's device flow.
func (c opClient) RedirectURIGlobs() []string {
	var globs []string
	for _, u := range c.c.RedirectURIs {
		p, ok := op.HTTPLoopbackOrLocalhost(u)
		if ok && p.Port() == "" {
			globs = append(globs, p.Scheme+"://"+p.Hostname()+":*"+p.EscapedPath())
		}
	}
	return globs
}
func (c opClient) PostLogoutRedirectURIGlobs() []string { return nil }
func (c opClient) LoginURL(id string) string            { return loginPath + "?id=" + url.QueryEscape(id) }
func (c opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeJWT }
func (c opClient) IDTokenLifetime() time.Duration       { return c.cfg.accessTTL }
func (c opClient) DevMode() bool                        { return false }
func (c opClient) IsScopeAllowed(string) bool           { return true }
func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c opClient) ClockSkew() time.Duration             { return 0 }
func (c opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (s *store) client(id string) (Client, bool) {
	for _, c := range s.cfg.clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.client(id)
	if !ok {
		return nil, errors.New("unknown client")
	}
	return opClient{c: c, cfg: s.cfg}, nil
}

func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.client(id)
	if !ok || c.Secret == "" || c.Secret != secret {
		return errors.New("wrong client or secret")
	}
	return nil
}

// --- users ---

func (s *store) userBySubject(sub string) (User, bool) {
	for _, u := range s.cfg.users {
		if u.subject() == sub {
			return u, true
		}
	}
	return User{}, false
}

func (s *store) userByName(name string) (User, bool) {
	for _, u := range s.cfg.users {
		if u.Username == name {
			return u, true
		}
	}
	return User{}, false
}

// privateClaims are the user's pid and acr (each only when set).
func (s *store) privateClaims(sub string) map[string]any {
	claims := map[string]any{}
	if u, ok := s.userBySubject(sub); ok {
		if u.PID != "" {
			claims[s.cfg.pidClaim] = u.PID
		}
		if u.ACR != "" {
			claims["acr"] = u.ACR
		}
	}
	return claims
}

func (s *store) GetPrivateClaimsFromScopes(_ context.Context, userID, _ string, _ []string) (map[string]any, error) {
	return s.privateClaims(userID), nil
}

func (s *store) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's user claims: sub only (the access token carries pid and acr).
func (s *store) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	ui.Subject = req.GetSubject()
	return nil
}

func (s *store) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	if _, err := s.activeToken(tokenID); err != nil {
		return err
	}
	ui.Subject = subject
	for k, v := range s.privateClaims(subject) {
		ui.AppendClaims(k, v)
	}
	return nil
}

func (s *store) SetIntrospectionFromToken(_ context.Context, in *oidc.IntrospectionResponse, tokenID, subject, _ string) error {
	t, err := s.activeToken(tokenID)
	if err != nil {
		return err
	}
	in.Subject, in.ClientID, in.Scope = subject, t.clientID, t.scopes
	in.Expiration = oidc.FromTime(t.expiry)
	return nil
}

func (s *store) activeToken(jti string) (accessEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[jti]
	switch {
	case !ok:
		return accessEntry{}, errors.New("unknown token")
	case t.revoked:
		return accessEntry{}, errors.New("token revoked")
	case !time.Now().Before(t.expiry):
		return accessEntry{}, errors.New("token expired")
	}
	return *t, nil
}

// --- tokens ---

func clientOf(req op.TokenRequest) string {
	if c, ok := req.(interface{ GetClientID() string }); ok {
		return c.GetClientID()
	}
	return ""
}

func (s *store) newAccess(req op.TokenRequest) *accessEntry {
	t := &accessEntry{jti: rand.Text(), subject: req.GetSubject(), clientID: clientOf(req),
		audience: slices.Clone(req.GetAudience()), scopes: slices.Clone(req.GetScopes()),
		expiry: time.Now().Add(s.cfg.accessTTL)}
	s.tokens[t.jti] = t
	return t
}

func (s *store) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.newAccess(req)
	return t.jti, t.expiry, nil
}

// CreateAccessAndRefreshTokens issues a refresh token (offline_access) and rotates it on every use.
func (s *store) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	authTime := time.Now()
	if current != "" {
		old, ok := s.refresh[current]
		if !ok || !time.Now().Before(old.expiry) {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("invalid refresh token")
		}
		delete(s.refresh, current)
		authTime = old.authTime
	}
	t := s.newAccess(req)
	rt := &refreshEntry{token: rand.Text(), subject: t.subject, clientID: t.clientID, audience: t.audience,
		scopes: t.scopes, authTime: authTime, expiry: time.Now().Add(s.cfg.refreshTTL)}
	s.refresh[rt.token] = rt
	return t.jti, rt.token, t.expiry, nil
}

// refreshRequest is a stored refresh token as op.RefreshTokenRequest.
type refreshRequest struct{ r refreshEntry }

func (r *refreshRequest) GetAMR() []string                 { return []string{"pwd"} }
func (r *refreshRequest) GetAudience() []string            { return r.r.audience }
func (r *refreshRequest) GetAuthTime() time.Time           { return r.r.authTime }
func (r *refreshRequest) GetClientID() string              { return r.r.clientID }
func (r *refreshRequest) GetScopes() []string              { return r.r.scopes }
func (r *refreshRequest) GetSubject() string               { return r.r.subject }
func (r *refreshRequest) SetCurrentScopes(scopes []string) { r.r.scopes = scopes }

func (s *store) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.refresh[token]
	if !ok || !time.Now().Before(r.expiry) {
		return nil, oidc.ErrInvalidGrant().WithDescription("invalid refresh token")
	}
	return &refreshRequest{*r}, nil
}

func (s *store) GetRefreshTokenInfo(_ context.Context, _ string, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.refresh[token]
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	return r.subject, r.token, nil
}

func (s *store) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, r := range s.refresh {
		if r.subject == userID && r.clientID == clientID {
			delete(s.refresh, k)
		}
	}
	for _, t := range s.tokens {
		if t.subject == userID && t.clientID == clientID {
			t.revoked = true
		}
	}
	return nil
}

// RevokeToken revokes an access token (by its jti, which op hands over for a JWT of ours) or a refresh
// token, and records it. A token of another client is refused; an unknown one is ignored (RFC 7009 2.2).
func (s *store) RevokeToken(_ context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenOrID]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		t.revoked = true
		s.revoked = append(s.revoked, Revocation{Kind: "access_token", ClientID: clientID, Subject: t.subject, JTI: t.jti})
		return nil
	}
	if r, ok := s.refresh[tokenOrID]; ok {
		if r.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
		}
		delete(s.refresh, tokenOrID)
		s.revoked = append(s.revoked, Revocation{Kind: "refresh_token", ClientID: clientID, Subject: r.subject})
		return nil
	}
	s.revoked = append(s.revoked, Revocation{Kind: "unknown", ClientID: clientID})
	return nil
}

func (s *store) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }
func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (s *store) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{&s.key}}, nil }

// --- the authorization code flow: codeflow.go ---

func (s *store) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("testop offers no JWT profile grant")
}
func (s *store) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("testop offers no JWT profile grant")
}
func (s *store) Health(context.Context) error { return nil }

// --- the device flow ---

func (s *store) StoreDeviceAuthorization(_ context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.client(clientID); !ok {
		return errors.New("unknown client")
	}
	if _, ok := s.userCodes[userCode]; ok {
		return op.ErrDuplicateUserCode
	}
	s.devices[deviceCode] = &deviceEntry{userCode: userCode, state: &op.DeviceAuthorizationState{
		ClientID: clientID, Scopes: scopes, Expires: expires, Audience: slices.Clone(s.cfg.audience)}}
	s.userCodes[userCode] = deviceCode
	return nil
}

func (s *store) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.devices[deviceCode]
	if !ok || e.state.ClientID != clientID {
		return nil, errors.New("device code not found for client")
	}
	st := *e.state
	if st.Done || st.Denied { // a device code gives one answer
		delete(s.devices, deviceCode)
		delete(s.userCodes, e.userCode)
	}
	return &st, nil
}

// pendingByUserCode returns the state of a user code still waiting for the citizen.
func (s *store) pendingByUserCode(userCode string) (op.DeviceAuthorizationState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.devices[s.userCodes[userCode]]
	if !ok || e.state.Done || e.state.Denied || !time.Now().Before(e.state.Expires) {
		return op.DeviceAuthorizationState{}, false
	}
	return *e.state, true
}

// answer approves (subject set) or denies a pending user code.
func (s *store) answer(userCode, subject string, approve bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.devices[s.userCodes[userCode]]
	if !ok || e.state.Done || e.state.Denied || !time.Now().Before(e.state.Expires) {
		return false
	}
	if approve {
		e.state.Subject, e.state.AuthTime, e.state.AMR, e.state.Done = subject, time.Now(), []string{"pwd"}, true
	} else {
		e.state.Denied = true
	}
	return true
}
