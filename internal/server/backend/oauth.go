package backend

import (
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
)

// oauthError is an RFC 6749 section 5.2 error.
type oauthError struct {
	Status      int
	Code        string
	Description string
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	out := api.OAuthError{Error: e.Code}
	if e.Description != "" {
		out.ErrorDescription = &e.Description
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="helsekiosk"`)
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, e.Status, out)
}

func oauthErr(code, desc string) *oauthError {
	return &oauthError{Status: http.StatusBadRequest, Code: code, Description: desc}
}

// ownAS reports whether the backend's own authorization server runs (Demo, or kiosk clients registered); it
// answers 404 itself when not.
func (s *Server) ownAS(w http.ResponseWriter, r *http.Request) bool {
	if s.key == nil {
		writeProblem(w, r, problem(http.StatusNotFound, api.NotFound, "This backend has no authorization server of its own (see --demo, --kiosk-clients)."))
		return false
	}
	return true
}

func (h handler) GetDiscovery(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !s.ownAS(w, r) {
		return
	}
	base := s.cfg.PublicURL // never the request's Host
	scopes := []string{"openid", "helsekiosk", "offline_access", s.kioskScope()}
	grants := []string{DeviceCodeGrant, "refresh_token", "client_credentials"}
	if !s.cfg.Demo {
		scopes, grants = []string{s.kioskScope()}, []string{"client_credentials"}
	}
	authMethods := []string{"none", "client_secret_basic"}
	jwks := base + "/oauth/jwks"
	algs := []string{"ES256"}
	subjects := []string{"pairwise"}
	responses := []string{"token"}
	writeJSON(w, http.StatusOK, api.Discovery{
		Issuer:                            base,
		DeviceAuthorizationEndpoint:       base + "/oauth/device_authorization",
		TokenEndpoint:                     base + "/oauth/token",
		RevocationEndpoint:                base + "/oauth/revoke",
		JwksUri:                           &jwks,
		GrantTypesSupported:               grants,
		ScopesSupported:                   &scopes,
		TokenEndpointAuthMethodsSupported: &authMethods,
		IdTokenSigningAlgValuesSupported:  &algs,
		SubjectTypesSupported:             &subjects,
		ResponseTypesSupported:            &responses,
	})
}

func (h handler) GetJwks(w http.ResponseWriter, r *http.Request) {
	if !h.s.ownAS(w, r) {
		return
	}
	h.s.jwksHandler(w, r)
}

// oauthClient is the client of a device or token request: a registered kiosk client authenticates
// (client_secret_basic), the public demo client ClientID needs no secret. unknown is the status for a client
// id nobody knows.
func (s *Server) oauthClient(r *http.Request, unknown int) (string, *oauthError) {
	kc, sent := s.authenticateClient(r)
	if sent {
		if kc == nil {
			return "", &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "Client authentication failed."}
		}
		if id := r.PostForm.Get("client_id"); id != "" && id != kc.ClientID {
			return "", &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "client_id does not match the credentials."}
		}
		return kc.ClientID, nil
	}
	id := r.PostForm.Get("client_id")
	if id == "" && unknown == http.StatusUnauthorized { // the token endpoint: a public client may leave it out
		id = ClientID
	}
	if id == ClientID && s.kioskClient(id) == nil {
		return id, nil
	}
	if s.kioskClient(id) != nil {
		return "", &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "This client must authenticate."}
	}
	return "", &oauthError{Status: unknown, Code: "invalid_client", Description: "Unknown client."}
}

// tokenScope keeps the scopes the demo server knows, in a fixed order; none asked means "openid helsekiosk".
func tokenScope(asked string) string {
	f := strings.Fields(asked)
	if len(f) == 0 {
		return "openid helsekiosk"
	}
	var out []string
	for _, sc := range []string{"openid", "helsekiosk", "offline_access"} {
		if slices.Contains(f, sc) {
			out = append(out, sc)
		}
	}
	if !slices.Contains(out, "helsekiosk") {
		out = append(out, "helsekiosk")
	}
	return strings.Join(out, " ")
}

func (h handler) DeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !s.cfg.Demo {
		writeProblem(w, r, problem(http.StatusNotFound, api.NotFound, "The demo login runs only with --demo."))
		return
	}
	if !parseOAuthForm(w, r) {
		return
	}
	clientID, oe := s.oauthClient(r, http.StatusBadRequest)
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	kiosk := strings.TrimSpace(r.PostForm.Get("kiosk_name"))
	if kiosk == "" {
		kiosk = s.cfg.KioskName
	}
	now := s.now()
	if s.deviceCodesBounded(w, r, now) {
		return
	}
	deviceCode := randomToken()
	var userCode string
	for range 10 {
		userCode = newUserCode()
		_, err := s.db.ExecContext(r.Context(), `INSERT INTO device_codes
			(device_code_hash, user_code, client_id, kiosk_name, scope, created_at, expires_at, interval_ms, client_addr)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sha256Hex(deviceCode), userCode, clientID, kiosk, tokenScope(r.PostForm.Get("scope")), ms(now), ms(now.Add(s.cfg.DeviceCodeTTL)), s.cfg.PollInterval.Milliseconds(), limitKey(r))
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "UNIQUE") {
			s.writeErr(w, r, err)
			return
		}
		userCode = ""
	}
	if userCode == "" {
		s.writeErr(w, r, errors.New("no free user code"))
		return
	}
	// Expired codes are useless; drop them so user codes can be reused.
	_, _ = s.db.ExecContext(r.Context(), `DELETE FROM device_codes WHERE expires_at < ?`, ms(now.Add(-time.Hour)))
	base := s.cfg.PublicURL
	complete := base + "/device?user_code=" + userCode
	// RFC 8628 counts the interval in whole seconds; 0 would make clients fall back to 5 s.
	interval := max(1, int((s.cfg.PollInterval+time.Second-1)/time.Second))
	writeJSON(w, http.StatusOK, api.DeviceAuthorization{
		DeviceCode:              deviceCode,
		UserCode:                userCode,
		VerificationUri:         base + "/device",
		VerificationUriComplete: &complete,
		ExpiresIn:               int(s.cfg.DeviceCodeTTL / time.Second),
		Interval:                &interval,
	})
}

// parseOAuthForm reads an OAuth endpoint's form body, answering invalid_request when it cannot.
func parseOAuthForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, oauthErr("invalid_request", "The form could not be read."))
		return false
	}
	return true
}

func (h handler) Token(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !s.ownAS(w, r) {
		return
	}
	if !parseOAuthForm(w, r) {
		return
	}
	switch gt := r.PostForm.Get("grant_type"); {
	case gt == "client_credentials":
		s.clientCredentials(w, r)
	case s.cfg.Demo && gt == DeviceCodeGrant:
		s.deviceCodeGrant(w, r)
	case s.cfg.Demo && gt == "refresh_token":
		s.refreshGrant(w, r)
	default:
		if _, oe := s.oauthClient(r, http.StatusUnauthorized); oe != nil {
			writeOAuthError(w, oe)
			return
		}
		writeOAuthError(w, oauthErr("unsupported_grant_type", "Grant type not supported here."))
	}
}

// clientCredentials gives a registered kiosk its kiosk token: client_id, no pid, scope kiosk.
func (s *Server) clientCredentials(w http.ResponseWriter, r *http.Request) {
	kc, _ := s.authenticateClient(r)
	if kc == nil {
		writeOAuthError(w, &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "Client authentication failed."})
		return
	}
	scope := s.kioskScope()
	tok, exp, err := s.mintAccessToken("", "", kc.ClientID, scope)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, api.TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(exp.Sub(s.now()) / time.Second), Scope: &scope})
}

// issueTokens answers a successful citizen grant: a signed access token, and with offline_access a new
// refresh token in family (a new family when "").
func (s *Server) issueTokens(w http.ResponseWriter, r *http.Request, tx *sql.Tx, p person, clientID, kiosk, scope, family string) {
	ctx := r.Context()
	now := s.now()
	tok, exp, err := s.mintAccessToken(p.ID, p.NationalID, clientID, scope)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	out := api.TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(exp.Sub(now) / time.Second), Scope: &scope}
	if slices.Contains(strings.Fields(scope), "offline_access") {
		if family == "" {
			family = newID("rf")
		}
		rt := randomToken()
		if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, family_id, person_id, client_id, kiosk_name, scope, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sha256Hex(rt), family, p.ID, clientID, kiosk, scope, ms(now), ms(now.Add(s.cfg.RefreshTokenTTL))); err != nil {
			s.writeErr(w, r, err)
			return
		}
		out.RefreshToken = &rt
	}
	if err := tx.Commit(); err != nil {
		s.writeErr(w, r, err)
		return
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, out)
}

// beginGrant starts a token grant: it authenticates the client, reads the grant's credential (the form
// parameter param) and opens the transaction the grant runs in. It answers a refusal itself and returns ok
// false; otherwise the caller rolls tx back when it does not commit.
func (s *Server) beginGrant(w http.ResponseWriter, r *http.Request, param string) (clientID, value string, tx *sql.Tx, ok bool) {
	clientID, oe := s.oauthClient(r, http.StatusUnauthorized)
	if oe != nil {
		writeOAuthError(w, oe)
		return "", "", nil, false
	}
	value = r.PostForm.Get(param)
	if value == "" {
		writeOAuthError(w, oauthErr("invalid_request", param+" is missing."))
		return "", "", nil, false
	}
	tx, err := s.db.BeginTx(r.Context(), nil)
	if err != nil {
		s.writeErr(w, r, err)
		return "", "", nil, false
	}
	return clientID, value, tx, true
}

// notYet records a poll of a device code that is not approved (query) and answers oe.
func (s *Server) notYet(w http.ResponseWriter, r *http.Request, tx *sql.Tx, oe *oauthError, query string, args ...any) {
	if _, err := tx.ExecContext(r.Context(), query, args...); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := tx.Commit(); err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeOAuthError(w, oe)
}

func (s *Server) deviceCodeGrant(w http.ResponseWriter, r *http.Request) {
	clientID, code, tx, ok := s.beginGrant(w, r, "device_code")
	if !ok {
		return
	}
	defer tx.Rollback()
	ctx := r.Context()
	now := s.now()
	var (
		status, kiosk, codeClient, scope string
		expires                          int64
		intervalMS                       int64
		lastPoll                         sql.NullInt64
		personID                         sql.NullString
	)
	hash := sha256Hex(code)
	err := tx.QueryRowContext(ctx, `SELECT status, kiosk_name, client_id, scope, expires_at, interval_ms, last_poll_at, person_id
		FROM device_codes WHERE device_code_hash = ?`+s.dialect.forUpdate(), hash).Scan(&status, &kiosk, &codeClient, &scope, &expires, &intervalMS, &lastPoll, &personID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && codeClient != clientID) {
		s.metrics.login("invalid")
		writeOAuthError(w, oauthErr("invalid_grant", "Unknown device code."))
		return
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if status == "used" {
		s.metrics.login("invalid")
		writeOAuthError(w, oauthErr("invalid_grant", "The device code was already used."))
		return
	}
	if ms(now) >= expires {
		s.metrics.login("expired")
		writeOAuthError(w, oauthErr("expired_token", "The device code has expired; start again."))
		return
	}
	if status == "denied" {
		s.metrics.login("denied")
		writeOAuthError(w, oauthErr("access_denied", "The citizen declined."))
		return
	}
	// A poll that comes a little early (timer jitter, network) is not "too fast": allow a fifth.
	if lastPoll.Valid && ms(now)-lastPoll.Int64 < intervalMS*4/5 {
		s.notYet(w, r, tx, oauthErr("slow_down", "Polled faster than the interval; wait 5 s longer."),
			`UPDATE device_codes SET last_poll_at = ?, interval_ms = interval_ms + 5000 WHERE device_code_hash = ?`, ms(now), hash)
		return
	}
	if status == "pending" {
		s.notYet(w, r, tx, oauthErr("authorization_pending", "The citizen has not approved yet."),
			`UPDATE device_codes SET last_poll_at = ? WHERE device_code_hash = ?`, ms(now), hash)
		return
	}
	// approved
	if _, err := tx.ExecContext(ctx, `UPDATE device_codes SET status = 'used', last_poll_at = ? WHERE device_code_hash = ?`, ms(now), hash); err != nil {
		s.writeErr(w, r, err)
		return
	}
	p, err := getPerson(ctx, tx, personID.String)
	if err != nil {
		writeOAuthError(w, oauthErr("invalid_grant", "The person is no longer known."))
		return
	}
	s.metrics.login("ok")
	s.issueTokens(w, r, tx, p, clientID, kiosk, tokenScope(scope), "")
}

// refreshGrant rotates a refresh token (RFC 6749 section 6): the old one is spent, a new one comes with the
// new access token. A spent refresh token presented again revokes its whole family.
func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request) {
	clientID, rt, tx, ok := s.beginGrant(w, r, "refresh_token")
	if !ok {
		return
	}
	defer tx.Rollback()
	ctx := r.Context()
	now := s.now()
	var family, personID, rtClient, kiosk, scope string
	var expires int64
	var used, revoked sql.NullInt64
	hash := sha256Hex(rt)
	err := tx.QueryRowContext(ctx, `SELECT family_id, person_id, client_id, kiosk_name, scope, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE token_hash = ?`+s.dialect.forUpdate(), hash).Scan(&family, &personID, &rtClient, &kiosk, &scope, &expires, &used, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && rtClient != clientID) {
		writeOAuthError(w, oauthErr("invalid_grant", "Unknown refresh token."))
		return
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if used.Valid && !revoked.Valid {
		// Replay of a rotated token: someone else has a copy. End the whole login.
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, ms(now), family); err == nil {
			_ = tx.Commit()
		}
		writeOAuthError(w, oauthErr("invalid_grant", "The refresh token was already used."))
		return
	}
	if revoked.Valid || used.Valid || ms(now) >= expires {
		writeOAuthError(w, oauthErr("invalid_grant", "The refresh token is expired or revoked."))
		return
	}
	if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?`, ms(now), hash); err != nil {
		s.writeErr(w, r, err)
		return
	}
	p, err := getPerson(ctx, tx, personID)
	if err != nil {
		writeOAuthError(w, oauthErr("invalid_grant", "The person is no longer known."))
		return
	}
	s.issueTokens(w, r, tx, p, clientID, kiosk, scope, family)
}

// Revoke revokes a refresh token (its whole family) or an access token of the own issuer (by jti).
func (h handler) Revoke(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !s.ownAS(w, r) {
		return
	}
	if !parseOAuthForm(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	ctx := r.Context()
	if tok != "" {
		var family string
		err := s.db.QueryRowContext(ctx, `SELECT family_id FROM refresh_tokens WHERE token_hash = ?`, sha256Hex(tok)).Scan(&family)
		switch {
		case err == nil:
			_, err = s.db.ExecContext(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, ms(s.now()), family)
		case errors.Is(err, sql.ErrNoRows):
			err = s.revokeAccessToken(ctx, tok)
		}
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
