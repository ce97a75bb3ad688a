package backend

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/helsekiosk/helsekiosk/api"
)

// The assurance levels of ID-porten (acr).
const (
	ACRHigh        = "idporten-loa-high"
	ACRSubstantial = "idporten-loa-substantial"
)

// KioskScope is the scope of a kiosk's client-credentials token.
const KioskScope = "kiosk"

// acceptedAlgs are the JWS algorithms a trusted issuer may sign with.
var acceptedAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.EdDSA}

// issuerKey is the demo authorization server's signing key.
type issuerKey struct {
	priv *ecdsa.PrivateKey
	kid  string
}

func newIssuerKey(priv *ecdsa.PrivateKey) (*issuerKey, error) {
	if priv == nil {
		var err error
		if priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			return nil, err
		}
	}
	if priv.Curve != elliptic.P256() {
		return nil, errors.New("backend: the signing key must be an EC P-256 key (ES256)")
	}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(jose.ES256), Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return &issuerKey{priv: priv, kid: base64.RawURLEncoding.EncodeToString(tp)}, nil
}

// sign signs claims (merged in order) as an ES256 JWT with the header typ: "at+jwt" for access tokens
// (RFC 9068), "JWT" for an ID token.
func (k *issuerKey) sign(typ string, claims ...any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", err
	}
	b := jwt.Signed(signer)
	for _, c := range claims {
		b = b.Claims(c)
	}
	return b.Serialize()
}

// jwks is the public half as a JWK Set.
func (k *issuerKey) jwks() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.ES256), Use: "sig"}}}
}

// LoadSigningKey reads an EC P-256 private key from a PEM file (SEC 1 "EC PRIVATE KEY" or PKCS #8).
func LoadSigningKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	if k, err := x509.ParseECPrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an EC key", path)
	}
	return ec, nil
}

// accessClaims are the claims of an access token of the demo authorization server (RFC 9068 plus pid, acr).
type accessClaims struct {
	jwt.Claims
	PID      string `json:"pid,omitempty"`
	ACR      string `json:"acr,omitempty"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
}

// pairwiseSub is the subject the demo issuer gives a person: a hash, never the national identity number.
func (s *Server) pairwiseSub(personID string) string {
	h := sha256.Sum256([]byte(s.cfg.PublicURL + "|" + personID))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

// mintAccessToken signs an access token. nationalID "" makes a kiosk token (no pid, no acr).
func (s *Server) mintAccessToken(personID, nationalID, clientID, scope string) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(s.cfg.AccessTokenTTL)
	c := accessClaims{
		Claims: jwt.Claims{
			Issuer:   s.cfg.PublicURL,
			Audience: jwt.Audience{s.cfg.Audience},
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(exp),
			ID:       randomToken(),
		},
		ClientID: clientID,
		Scope:    scope,
	}
	if nationalID != "" {
		c.Subject = s.pairwiseSub(personID)
		c.PID = nationalID
		c.ACR = ACRHigh
	} else {
		c.Subject = clientID
	}
	// The pid claim goes under the configured name, so a demo token looks like one from the configured OP.
	extra := map[string]any{}
	if s.cfg.PIDClaim != DefaultPIDClaim && c.PID != "" {
		extra[s.cfg.PIDClaim] = c.PID
		c.PID = ""
	}
	tok, err := s.key.sign("at+jwt", c, extra)
	return tok, exp, err
}

// MintTestToken signs an access token of the server's own issuer for personID (a citizen token with pid and
// acr high), as the device flow would. It is for tests.
func (s *Server) MintTestToken(ctx context.Context, personID string) (string, error) {
	p, err := getPerson(ctx, s.db, personID)
	if err != nil {
		return "", err
	}
	tok, _, err := s.mintAccessToken(p.ID, p.NationalID, ClientID, "openid helsekiosk")
	return tok, err
}

// trustedIssuer verifies the tokens of one issuer. The verifier of a remote issuer is made on first use
// (OIDC discovery), so the backend starts even while the identity provider is down.
type trustedIssuer struct {
	issuer string
	own    bool
	mu     sync.Mutex
	v      *oidc.IDTokenVerifier
	tried  time.Time
}

func (s *Server) verifierConfig() *oidc.Config {
	// aud and exp are checked after the signature (verifyToken): go-oidc checks them before it, and a forged
	// token must never be told "expired" or "wrong audience".
	return &oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true, Now: s.now}
}

func (ti *trustedIssuer) verifier(s *Server) (*oidc.IDTokenVerifier, error) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if ti.v != nil {
		return ti.v, nil
	}
	if !ti.tried.IsZero() && time.Since(ti.tried) < 5*time.Second {
		return nil, errors.New("issuer discovery failed recently")
	}
	ti.tried = time.Now()
	ctx := oidc.ClientContext(context.Background(), s.httpClient)
	p, err := oidc.NewProvider(ctx, ti.issuer)
	var mismatch *oidc.IssuerMismatchError
	if errors.As(err, &mismatch) && sameIssuer(mismatch.Discovered, ti.issuer) {
		// Configured with or without the trailing slash the OP uses: take the OP's own spelling.
		p, err = oidc.NewProvider(ctx, mismatch.Discovered)
	}
	if err != nil {
		s.log.Warn("trusted issuer discovery", "issuer", ti.issuer, "err", err)
		return nil, err
	}
	ti.v = p.Verifier(s.verifierConfig())
	return ti.v, nil
}

func (s *Server) buildIssuers() {
	if s.key != nil {
		ks := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&s.key.priv.PublicKey}}
		cfg := s.verifierConfig()
		cfg.SupportedSigningAlgs = []string{string(jose.ES256)}
		s.issuers = append(s.issuers, &trustedIssuer{issuer: s.cfg.PublicURL, own: true, v: oidc.NewVerifier(s.cfg.PublicURL, ks, cfg)})
	}
	for _, iss := range s.cfg.TrustIssuers {
		if s.key != nil && sameIssuer(iss, s.cfg.PublicURL) {
			continue
		}
		s.issuers = append(s.issuers, &trustedIssuer{issuer: iss})
	}
}

// sameIssuer compares issuer URLs as configured by a person: a trailing slash does not matter.
func sameIssuer(a, b string) bool {
	return a != "" && strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

// principal is who a verified bearer token speaks for.
type principal struct {
	Issuer   string
	Own      bool // issued by this backend's demo authorization server
	Subject  string
	PID      string // the national identity number; "" for a kiosk token
	ACR      string
	ClientID string // client_id (RFC 9068) or azp
	Azp      string
	JTI      string
	Expiry   time.Time
	Scopes   []string // scope (or scp)
}

// owner is how a kiosk is named on the rows it owns.
func (p *principal) owner() string { return p.Issuer + "#" + p.ClientID }

var (
	errNoToken = problem(http.StatusUnauthorized, api.Unauthorized, "Log in first.")
)

func tokenInvalid() *problemError {
	return problem(http.StatusUnauthorized, api.TokenInvalid, "The access token is not valid here.")
}

// bearerToken is the request's bearer token, or "".
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// ClockSkew is how far the backend's clock may trail an issuer's: a token's nbf and iat may lie this far in
// the future. exp gets no allowance (the token is refused from its exp on: the kiosk refreshes before it).
const ClockSkew = 30 * time.Second

// typAccessToken reports whether a JWS header typ names an RFC 9068 access token: at+jwt, or
// application/at+jwt (RFC 7515 section 4.1.9: the "application/" prefix may be left out; media types are
// case-insensitive). plainJWT reports "JWT" or no typ at all, which some OPs give their access tokens.
func typAccessToken(typ string) (at, plainJWT bool) {
	t := strings.ToLower(strings.TrimSpace(typ))
	t = strings.TrimPrefix(t, "application/")
	return t == "at+jwt", t == "" || t == "jwt"
}

// verifyToken checks a bearer token: a JWT signed by a trusted issuer (the own demo issuer included), for
// our audience, not expired, not before its nbf or iat, with a jti, not revoked (logged out), and for the
// own issuer typ at+jwt and no longer a lifetime than the own access tokens have. It never logs the token.
func (s *Server) verifyToken(ctx context.Context, raw string) (*principal, *problemError) {
	return s.verifyTokenRevoked(ctx, raw, true)
}

// verifyTokenRevoked is verifyToken; checkRevoked false leaves out the look-up of the logout list (for
// Logout itself, so that a repeat answers as the first).
func (s *Server) verifyTokenRevoked(ctx context.Context, raw string, checkRevoked bool) (*principal, *problemError) {
	parsed, err := jwt.ParseSigned(raw, acceptedAlgs)
	if err != nil || len(parsed.Headers) != 1 {
		return nil, tokenInvalid()
	}
	var unverified jwt.Claims
	if err := parsed.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, tokenInvalid()
	}
	var ti *trustedIssuer
	for _, c := range s.issuers {
		if sameIssuer(c.issuer, unverified.Issuer) { // the verifier then checks iss exactly
			ti = c
			break
		}
	}
	if ti == nil {
		return nil, tokenInvalid()
	}
	v, err := ti.verifier(s)
	if err != nil {
		return nil, problem(http.StatusServiceUnavailable, api.Unavailable, "The identity provider cannot be reached; try again.")
	}
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, tokenInvalid()
	}
	// From here on the token is the issuer's own: the checks of its claims may say what is wrong.
	if !slices.Contains(idt.Audience, s.cfg.Audience) {
		return nil, problem(http.StatusUnauthorized, api.WrongAudience, "The access token is for another audience.")
	}
	if idt.Expiry.IsZero() {
		return nil, tokenInvalid()
	}
	now := s.now()
	if !now.Before(idt.Expiry) {
		return nil, problem(http.StatusUnauthorized, api.TokenExpired, "The access token has expired.")
	}
	// go-oidc leaves nbf unchecked with SkipExpiryCheck and iat unchecked always: go-jose checks both (exp
	// was checked above, without an allowance).
	var std jwt.Claims
	if err := idt.Claims(&std); err != nil {
		return nil, tokenInvalid()
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Time: now}, ClockSkew); err != nil {
		return nil, problem(http.StatusUnauthorized, api.TokenInvalid, "The access token is not valid yet (nbf or iat in the future).")
	}
	typ, _ := parsed.Headers[0].ExtraHeaders[jose.HeaderType].(string)
	at, plain := typAccessToken(typ)
	if ti.own {
		// The own issuer signs only at+jwt access tokens (RFC 9068) of AccessTokenTTL; an ID token or a
		// token of another lifetime is none of them.
		if !at {
			return nil, problem(http.StatusUnauthorized, api.TokenInvalid, "The access token is not an at+jwt access token.")
		}
		if std.IssuedAt == nil || idt.Expiry.Sub(std.IssuedAt.Time()) > s.cfg.AccessTokenTTL+ClockSkew {
			return nil, problem(http.StatusUnauthorized, api.TokenInvalid, "The access token's lifetime is longer than this issuer gives.")
		}
	} else if !at && !plain {
		return nil, problem(http.StatusUnauthorized, api.TokenInvalid, "The token is not an access token (typ).")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, tokenInvalid()
	}
	str := func(k string) string { v, _ := claims[k].(string); return v }
	p := &principal{Issuer: idt.Issuer, Own: ti.own, Subject: idt.Subject, PID: str(s.cfg.PIDClaim), ACR: str("acr"),
		ClientID: str("client_id"), Azp: str("azp"), JTI: str("jti"), Expiry: idt.Expiry, Scopes: tokenScopes(claims)}
	if p.ClientID == "" {
		p.ClientID = p.Azp
	}
	// Without a jti a token cannot be logged out: it is refused, from every issuer (the broker must put jti
	// in its access tokens; Keycloak and Zitadel do).
	if p.JTI == "" {
		return nil, problem(http.StatusUnauthorized, api.TokenInvalid, "The access token has no jti, so it could not be logged out.")
	}
	if checkRevoked {
		revoked, err := s.isRevoked(ctx, p)
		if err != nil {
			if ctx.Err() != nil {
				return nil, problem(http.StatusRequestTimeout, api.RequestCancelled, "The request was cancelled.")
			}
			s.log.Error("revoked token lookup", "err", err)
			return nil, problem(http.StatusServiceUnavailable, api.Unavailable, "Try again.")
		}
		if revoked {
			return nil, problem(http.StatusUnauthorized, api.TokenInvalid, "The access token was revoked (logged out).")
		}
	}
	return p, nil
}

// tokenScopes are the token's scopes: scope as a space-separated string (RFC 9068, RFC 8693) or an array,
// or scp (an array or string, as some OPs name it).
func tokenScopes(claims map[string]any) []string {
	var out []string
	for _, k := range []string{"scope", "scp"} {
		switch v := claims[k].(type) {
		case string:
			out = append(out, strings.Fields(v)...)
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// isRevoked reports whether the token p names is on the logout list (revoked_tokens, shared by the replicas).
// An own token also matches a row from before migration 00006 (an empty issuer).
func (s *Server) isRevoked(ctx context.Context, p *principal) (bool, error) {
	legacy := p.Issuer
	if p.Own {
		legacy = ""
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM revoked_tokens WHERE issuer IN (?, ?) AND jti = ?`, p.Issuer, legacy, p.JTI).Scan(&n)
	return n > 0, err
}

// recordRevoked puts a token (issuer, jti) on the logout list until its exp, and drops the rows whose exp has
// passed (an hour ago: clocks of replicas differ a little). A token already on it stays as it was.
func (s *Server) recordRevoked(ctx context.Context, issuer, jti string, exp time.Time) error {
	now := s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO revoked_tokens (issuer, jti, expires_at, revoked_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (issuer, jti) DO NOTHING`, issuer, jti, ms(exp), ms(now))
	if err == nil {
		_, _ = s.db.ExecContext(ctx, `DELETE FROM revoked_tokens WHERE expires_at < ?`, ms(now.Add(-time.Hour)))
	}
	return err
}

// insufficientAuth is the RFC 9470 answer to a login below the required level.
func (s *Server) insufficientAuth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_user_authentication", error_description="A login at a higher level is required", acr_values="%s"`,
		strings.Join(s.cfg.ACR, " ")))
	writeProblem(w, r, problem(http.StatusUnauthorized, api.InsufficientUserAuthentication,
		"Log in with BankID or another high-level eID ("+strings.Join(s.cfg.ACR, ", ")+")."))
}

// revokeAccessToken puts an own-issuer access token on the logout list (recordRevoked, the list POST
// /v1/logout uses). Anything else is ignored (RFC 7009: the answer is 200 either way).
func (s *Server) revokeAccessToken(ctx context.Context, raw string) error {
	if s.key == nil {
		return nil
	}
	parsed, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil
	}
	var c jwt.Claims
	if err := parsed.Claims(&s.key.priv.PublicKey, &c); err != nil || c.Issuer != s.cfg.PublicURL || c.ID == "" {
		return nil
	}
	exp := s.now().Add(s.cfg.AccessTokenTTL)
	if c.Expiry != nil {
		exp = c.Expiry.Time()
	}
	return s.recordRevoked(ctx, c.Issuer, c.ID, exp)
}

// jwksHandler serves the demo authorization server's public key (jwks_uri).
func (s *Server) jwksHandler(w http.ResponseWriter, _ *http.Request) {
	b, err := json.Marshal(s.key.jwks())
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}
