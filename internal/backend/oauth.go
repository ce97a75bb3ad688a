package backend

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"html/template"
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

// handler implements api.ServerInterface; it is a separate type so Server's own API stays small.
type handler struct{ s *Server }

var _ api.ServerInterface = handler{}

// ownAS reports whether the backend's own authorization server runs (Demo, or kiosk clients registered); it
// answers 404 itself when not.
func (s *Server) ownAS(w http.ResponseWriter, r *http.Request) bool {
	if s.key == nil {
		writeProblem(w, r, problem(http.StatusNotFound, "not_found", "This backend has no authorization server of its own (see --demo, --kiosk-clients)."))
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
	scopes := []string{"openid", "helsekiosk", "offline_access", KioskScope}
	grants := []string{DeviceCodeGrant, "refresh_token", "client_credentials"}
	if !s.cfg.Demo {
		scopes, grants = []string{KioskScope}, []string{"client_credentials"}
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

// userCodeAlphabet has no vowels (no words) and no look-alikes (0/O, 1/I).
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func newUserCode() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, 0, 9)
	for i, c := range b {
		if i == 4 {
			out = append(out, '-')
		}
		// 256 % 20 != 0 gives a slight bias, harmless for a short-lived code that is also rate-limited
		// by its expiry.
		out = append(out, userCodeAlphabet[int(c)%len(userCodeAlphabet)])
	}
	return string(out)
}

// normalizeUserCode upper-cases and drops everything but the alphabet, then re-inserts the dash.
func normalizeUserCode(s string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(s) {
		if strings.ContainsRune(userCodeAlphabet, c) {
			b.WriteRune(c)
		}
	}
	v := b.String()
	if len(v) != 8 {
		return v
	}
	return v[:4] + "-" + v[4:]
}

func (h handler) DeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !s.cfg.Demo {
		writeProblem(w, r, problem(http.StatusNotFound, "not_found", "The demo login runs only with --demo."))
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
	deviceCode := randomToken()
	var userCode string
	for range 10 {
		userCode = newUserCode()
		_, err := s.db.ExecContext(r.Context(), `INSERT INTO device_codes
			(device_code_hash, user_code, client_id, kiosk_name, scope, created_at, expires_at, interval_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			hashSecret(deviceCode), userCode, clientID, kiosk, tokenScope(r.PostForm.Get("scope")), ms(now), ms(now.Add(s.cfg.DeviceCodeTTL)), s.cfg.PollInterval.Milliseconds())
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
	tok, exp, err := s.mintAccessToken("", "", kc.ClientID, KioskScope)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	scope := KioskScope
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
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hashSecret(rt), family, p.ID, clientID, kiosk, scope, ms(now), ms(now.Add(s.cfg.RefreshTokenTTL))); err != nil {
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

func (s *Server) deviceCodeGrant(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	clientID, oe := s.oauthClient(r, http.StatusUnauthorized)
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	code := f.Get("device_code")
	if code == "" {
		writeOAuthError(w, oauthErr("invalid_request", "device_code is missing."))
		return
	}
	ctx := r.Context()
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer tx.Rollback()
	var (
		status, kiosk, codeClient, scope string
		expires                          int64
		intervalMS                       int64
		lastPoll                         sql.NullInt64
		personID                         sql.NullString
	)
	hash := hashSecret(code)
	err = tx.QueryRowContext(ctx, `SELECT status, kiosk_name, client_id, scope, expires_at, interval_ms, last_poll_at, person_id
		FROM device_codes WHERE device_code_hash = ?`, hash).Scan(&status, &kiosk, &codeClient, &scope, &expires, &intervalMS, &lastPoll, &personID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && codeClient != clientID) {
		writeOAuthError(w, oauthErr("invalid_grant", "Unknown device code."))
		return
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if status == "used" {
		writeOAuthError(w, oauthErr("invalid_grant", "The device code was already used."))
		return
	}
	if ms(now) >= expires {
		writeOAuthError(w, oauthErr("expired_token", "The device code has expired; start again."))
		return
	}
	if status == "denied" {
		writeOAuthError(w, oauthErr("access_denied", "The citizen declined."))
		return
	}
	// A poll that comes a little early (timer jitter, network) is not "too fast": allow a fifth.
	if lastPoll.Valid && ms(now)-lastPoll.Int64 < intervalMS*4/5 {
		if _, err := tx.ExecContext(ctx, `UPDATE device_codes SET last_poll_at = ?, interval_ms = interval_ms + 5000
			WHERE device_code_hash = ?`, ms(now), hash); err != nil {
			s.writeErr(w, r, err)
			return
		}
		if err := tx.Commit(); err != nil {
			s.writeErr(w, r, err)
			return
		}
		writeOAuthError(w, oauthErr("slow_down", "Polled faster than the interval; wait 5 s longer."))
		return
	}
	if status == "pending" {
		if _, err := tx.ExecContext(ctx, `UPDATE device_codes SET last_poll_at = ? WHERE device_code_hash = ?`, ms(now), hash); err != nil {
			s.writeErr(w, r, err)
			return
		}
		if err := tx.Commit(); err != nil {
			s.writeErr(w, r, err)
			return
		}
		writeOAuthError(w, oauthErr("authorization_pending", "The citizen has not approved yet."))
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
	s.issueTokens(w, r, tx, p, clientID, kiosk, tokenScope(scope), "")
}

// refreshGrant rotates a refresh token (RFC 6749 section 6): the old one is spent, a new one comes with the
// new access token. A spent refresh token presented again revokes its whole family.
func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request) {
	clientID, oe := s.oauthClient(r, http.StatusUnauthorized)
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	rt := r.PostForm.Get("refresh_token")
	if rt == "" {
		writeOAuthError(w, oauthErr("invalid_request", "refresh_token is missing."))
		return
	}
	ctx := r.Context()
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer tx.Rollback()
	var family, personID, rtClient, kiosk, scope string
	var expires int64
	var used, revoked sql.NullInt64
	hash := hashSecret(rt)
	err = tx.QueryRowContext(ctx, `SELECT family_id, person_id, client_id, kiosk_name, scope, expires_at, used_at, revoked_at
		FROM refresh_tokens WHERE token_hash = ?`, hash).Scan(&family, &personID, &rtClient, &kiosk, &scope, &expires, &used, &revoked)
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
		err := s.db.QueryRowContext(ctx, `SELECT family_id FROM refresh_tokens WHERE token_hash = ?`, hashSecret(tok)).Scan(&family)
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

// ---- the verification page (stands in for BankID) ----

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="nn">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Helsekiosk – innlogging</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5;font-size:1.1rem}
h1{font-size:1.5rem} .bm{color:#555} fieldset{border:1px solid #ccc;border-radius:.5rem;margin:1rem 0}
label{display:block;padding:.3rem 0} input[type=text]{font-size:1.3rem;letter-spacing:.1em;padding:.3rem}
button{font-size:1.1rem;padding:.6rem 1.2rem;margin-right:1rem} .small{font-size:.9rem;color:#555}
.error{color:#a00}
</style></head>
<body>
{{if .Result}}
  <h1>{{.Result}}</h1>
  <p>{{.ResultNN}}</p><p class="bm">{{.ResultNB}}</p>
{{else if .Error}}
  <h1 class="error">{{.Error}}</h1>
  <p>{{.ErrorNN}}</p><p class="bm">{{.ErrorNB}}</p>
  <p><a href="/device">Prøv ein annan kode / Prøv en annen kode</a></p>
{{else if .Persons}}
  <h1>Logg inn på kiosken «{{.KioskName}}»</h1>
  <p>Kiosken «{{.KioskName}}» ber om å få logge deg inn.<br><span class="bm">Kiosken «{{.KioskName}}» ber om å logge deg inn.</span></p>
  <p class="small">Dette er ei testside som står i staden for BankID. / Dette er en testside som står i stedet for BankID.</p>
  <form method="post" action="/device">
    <input type="hidden" name="user_code" value="{{.UserCode}}">
    <p>Kode / Kode: <strong>{{.UserCode}}</strong></p>
    <fieldset><legend>Vel testperson / Velg testperson</legend>
    {{range $i, $p := .Persons}}
      <label><input type="radio" name="person_id" value="{{$p.ID}}" {{if eq $i 0}}checked{{end}}>
        <strong>{{$p.Name}}</strong> (f. {{$p.BirthDate}})<br><span class="small">{{$p.Description}}</span></label>
    {{end}}
    </fieldset>
    <button type="submit" name="action" value="approve">Godkjenn</button>
    <button type="submit" name="action" value="deny">Avvis</button>
  </form>
{{else}}
  <h1>Logg inn på kiosken / Logg inn på kiosken</h1>
  <p class="small">Dette er ei testside som står i staden for BankID. / Dette er en testside som står i stedet for BankID.</p>
  <form method="get" action="/device">
    <label>Kode frå kiosken / Kode fra kiosken<br>
      <input type="text" name="user_code" value="" autocomplete="off" autocapitalize="characters" required></label>
    <button type="submit">Hald fram / Fortsett</button>
  </form>
{{end}}
</body></html>
`))

type pagePerson struct{ ID, Name, BirthDate, Description string }

type pageData struct {
	req                        *http.Request
	KioskName, UserCode        string
	Persons                    []pagePerson
	Error, ErrorNN, ErrorNB    string
	Result, ResultNN, ResultNB string
}

func (s *Server) renderPage(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, d); err != nil {
		s.log.Error("render device page", "err", err)
	}
}

func (s *Server) pagePersons(r *http.Request) ([]pagePerson, error) {
	rows, err := s.db.QueryContext(r.Context(), `SELECT id, name, birth_date, description FROM persons ORDER BY sort_order, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pagePerson
	for rows.Next() {
		var p pagePerson
		if err := rows.Scan(&p.ID, &p.Name, &p.BirthDate, &p.Description); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// unknownCode is the one answer for a code that does not exist, has expired, or was already approved, denied
// or used: the page does not tell them apart.
func unknownCode(d pageData) pageData {
	d.Error = "Ukjend eller utgått kode / Ukjent eller utløpt kode"
	d.ErrorNN = "Koden finst ikkje eller har gått ut. Start innlogginga på nytt på kiosken."
	d.ErrorNB = "Koden finnes ikke eller er utløpt. Start innloggingen på nytt på kiosken."
	return d
}

// devicePage serves GET and POST /device, only with Demo: it stands in for BankID and logs anyone in as any
// test person.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.Demo {
		writeProblem(w, r, problem(http.StatusNotFound, "not_found", "No such endpoint."))
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.deviceGet(w, r)
	case http.MethodPost:
		s.devicePost(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeProblem(w, r, problem(http.StatusMethodNotAllowed, "method_not_allowed", "Method "+r.Method+" is not allowed here."))
	}
}

type deviceRow struct {
	Status, KioskName string
	Expires           int64
}

func (s *Server) lookupUserCode(r *http.Request, code string) (deviceRow, bool, error) {
	var d deviceRow
	err := s.db.QueryRowContext(r.Context(), `SELECT status, kiosk_name, expires_at FROM device_codes WHERE user_code = ?`, code).
		Scan(&d.Status, &d.KioskName, &d.Expires)
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	if d.Expires <= ms(s.now()) || d.Status != "pending" {
		return d, false, nil
	}
	return d, true, nil
}

// limited answers 429 when the client address (or everybody) spent its user-code attempts.
func (s *Server) limited(w http.ResponseWriter, d pageData) bool {
	if wait := s.codes.wait(d.req); wait > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		d.Error = "For mange forsøk / For mange forsøk"
		d.ErrorNN = "Vent litt før du prøver ein kode igjen."
		d.ErrorNB = "Vent litt før du prøver en kode igjen."
		d.Persons = nil
		s.renderPage(w, http.StatusTooManyRequests, d)
		return true
	}
	return false
}

func (s *Server) deviceGet(w http.ResponseWriter, r *http.Request) {
	d := pageData{req: r}
	raw := r.URL.Query().Get("user_code")
	if raw == "" {
		s.renderPage(w, http.StatusOK, d) // the code field only: nobody is listed before a valid code
		return
	}
	if s.limited(w, d) {
		return
	}
	d.UserCode = normalizeUserCode(raw)
	row, ok, err := s.lookupUserCode(r, d.UserCode)
	if err != nil {
		s.pageFailed(w, err)
		return
	}
	if !ok {
		s.codes.failed(r)
		s.renderPage(w, http.StatusNotFound, unknownCode(d))
		return
	}
	persons, err := s.pagePersons(r)
	if err != nil {
		s.pageFailed(w, err)
		return
	}
	d.Persons, d.KioskName = persons, row.KioskName
	s.renderPage(w, http.StatusOK, d)
}

func (s *Server) pageFailed(w http.ResponseWriter, err error) {
	s.log.Error("device page", "err", err)
	s.renderPage(w, http.StatusServiceUnavailable, pageData{Error: "Feil / Feil", ErrorNN: "Prøv igjen.", ErrorNB: "Prøv igjen."})
}

func (s *Server) devicePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Error: "Ugyldig skjema / Ugyldig skjema"})
		return
	}
	f := r.PostForm
	d := pageData{req: r, UserCode: normalizeUserCode(f.Get("user_code"))}
	if s.limited(w, d) {
		return
	}
	action := f.Get("action")
	if action != "approve" && action != "deny" {
		d.Error = "Vel Godkjenn eller Avvis / Velg Godkjenn eller Avvis"
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	personID := f.Get("person_id")
	ctx := r.Context()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.pageFailed(w, err)
		return
	}
	defer tx.Rollback()
	var row deviceRow
	err = tx.QueryRowContext(ctx, `SELECT status, kiosk_name, expires_at FROM device_codes WHERE user_code = ?`, d.UserCode).
		Scan(&row.Status, &row.KioskName, &row.Expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (row.Expires <= ms(s.now()) || row.Status != "pending")) {
		s.codes.failed(r)
		s.renderPage(w, http.StatusNotFound, unknownCode(d))
		return
	}
	if err != nil {
		s.pageFailed(w, err)
		return
	}
	if action == "approve" {
		if _, err := getPerson(ctx, tx, personID); err != nil {
			d.Error = "Vel ein testperson / Velg en testperson"
			s.renderPage(w, http.StatusBadRequest, d)
			return
		}
		_, err = tx.ExecContext(ctx, `UPDATE device_codes SET status = 'approved', person_id = ? WHERE user_code = ?`, personID, d.UserCode)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE device_codes SET status = 'denied' WHERE user_code = ?`, d.UserCode)
	}
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		s.pageFailed(w, err)
		return
	}
	if action == "approve" {
		d.Result = "Du er logga inn / Du er logget inn"
		d.ResultNN = "Du kan gå tilbake til kiosken «" + row.KioskName + "»."
		d.ResultNB = "Du kan gå tilbake til kiosken «" + row.KioskName + "»."
	} else {
		d.Result = "Innlogginga er avvist / Innloggingen er avvist"
		d.ResultNN = "Du kan gå tilbake til kiosken."
		d.ResultNB = "Du kan gå tilbake til kiosken."
	}
	s.renderPage(w, http.StatusOK, d)
}
