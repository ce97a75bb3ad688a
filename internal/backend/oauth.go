package backend

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"html/template"
	"net/http"
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

func (h handler) GetDiscovery(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	scopes := []string{"openid", "helsekiosk"}
	authMethods := []string{"none"}
	writeJSON(w, http.StatusOK, api.Discovery{
		Issuer:                            base,
		DeviceAuthorizationEndpoint:       base + "/oauth/device_authorization",
		TokenEndpoint:                     base + "/oauth/token",
		RevocationEndpoint:                base + "/oauth/revoke",
		GrantTypesSupported:               []string{DeviceCodeGrant},
		ScopesSupported:                   &scopes,
		TokenEndpointAuthMethodsSupported: &authMethods,
	})
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
	if !parseOAuthForm(w, r) {
		return
	}
	if r.PostForm.Get("client_id") != ClientID {
		// The contract declares only 400 here (RFC 6749 would allow 401).
		writeOAuthError(w, oauthErr("invalid_client", "Unknown client."))
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
			hashSecret(deviceCode), userCode, ClientID, kiosk, r.PostForm.Get("scope"), ms(now), ms(now.Add(s.cfg.DeviceCodeTTL)), s.cfg.PollInterval.Milliseconds())
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
	base := baseURL(r)
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
	if !parseOAuthForm(w, r) {
		return
	}
	f := r.PostForm
	if cid := f.Get("client_id"); cid != "" && cid != ClientID {
		writeOAuthError(w, &oauthError{Status: http.StatusUnauthorized, Code: "invalid_client", Description: "Unknown client."})
		return
	}
	if f.Get("grant_type") != DeviceCodeGrant {
		writeOAuthError(w, oauthErr("unsupported_grant_type", "Only the device code grant is supported."))
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
		status, kiosk string
		expires       int64
		intervalMS    int64
		lastPoll      sql.NullInt64
		personID      sql.NullString
	)
	hash := hashSecret(code)
	err = tx.QueryRowContext(ctx, `SELECT status, kiosk_name, expires_at, interval_ms, last_poll_at, person_id
		FROM device_codes WHERE device_code_hash = ?`, hash).Scan(&status, &kiosk, &expires, &intervalMS, &lastPoll, &personID)
	if errors.Is(err, sql.ErrNoRows) {
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
	token := randomToken()
	if _, err := tx.ExecContext(ctx, `UPDATE device_codes SET status = 'used', last_poll_at = ? WHERE device_code_hash = ?`, ms(now), hash); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO access_tokens (token_hash, person_id, kiosk_name, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, hashSecret(token), personID.String, kiosk, ms(now), ms(now.Add(s.cfg.AccessTokenTTL))); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := tx.Commit(); err != nil {
		s.writeErr(w, r, err)
		return
	}
	scope := "openid helsekiosk"
	writeJSON(w, http.StatusOK, api.TokenResponse{
		AccessToken: token,
		TokenType:   "Bearer",
		ExpiresIn:   int(s.cfg.AccessTokenTTL / time.Second),
		Scope:       &scope,
	})
}

func (h handler) Revoke(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !parseOAuthForm(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	if tok != "" {
		if _, err := s.db.ExecContext(r.Context(), `UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`,
			ms(s.now()), hashSecret(tok)); err != nil {
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
{{else}}
  <h1>Logg inn på kiosken «{{.KioskName}}»</h1>
  {{if .KioskName}}<p>Kiosken «{{.KioskName}}» ber om å få logge deg inn.<br><span class="bm">Kiosken «{{.KioskName}}» ber om å logge deg inn.</span></p>{{end}}
  <p class="small">Dette er ei testside som står i staden for BankID. / Dette er en testside som står i stedet for BankID.</p>
  <form method="post" action="/device">
    <label>Kode frå kiosken / Kode fra kiosken<br>
      <input type="text" name="user_code" value="{{.UserCode}}" autocomplete="off" autocapitalize="characters" required></label>
    <fieldset><legend>Vel testperson / Velg testperson</legend>
    {{range $i, $p := .Persons}}
      <label><input type="radio" name="person_id" value="{{$p.ID}}" {{if eq $i 0}}checked{{end}}>
        <strong>{{$p.Name}}</strong> (f. {{$p.BirthDate}})<br><span class="small">{{$p.Description}}</span></label>
    {{else}}
      <p>Ingen testpersonar. / Ingen testpersoner.</p>
    {{end}}
    </fieldset>
    <button type="submit" name="action" value="approve">Godkjenn</button>
    <button type="submit" name="action" value="deny">Avvis</button>
  </form>
{{end}}
</body></html>
`))

type pagePerson struct{ ID, Name, BirthDate, Description string }

type pageData struct {
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

func unknownCode(d pageData) pageData {
	d.Error = "Ukjend eller utgått kode / Ukjent eller utløpt kode"
	d.ErrorNN = "Koden finst ikkje eller har gått ut. Start innlogginga på nytt på kiosken."
	d.ErrorNB = "Koden finnes ikke eller er utløpt. Start innloggingen på nytt på kiosken."
	return d
}

// devicePage serves GET and POST /device.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
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
	if d.Expires <= ms(s.now()) {
		return d, false, nil
	}
	return d, true, nil
}

func (s *Server) deviceGet(w http.ResponseWriter, r *http.Request) {
	persons, err := s.pagePersons(r)
	if err != nil {
		s.log.Error("device page", "err", err)
		s.renderPage(w, http.StatusServiceUnavailable, pageData{Error: "Feil / Feil", ErrorNN: "Prøv igjen.", ErrorNB: "Prøv igjen."})
		return
	}
	d := pageData{Persons: persons, KioskName: s.cfg.KioskName}
	raw := r.URL.Query().Get("user_code")
	if raw == "" {
		s.renderPage(w, http.StatusOK, d)
		return
	}
	d.UserCode = normalizeUserCode(raw)
	row, ok, err := s.lookupUserCode(r, d.UserCode)
	if err != nil {
		s.log.Error("device page", "err", err)
		s.renderPage(w, http.StatusServiceUnavailable, pageData{Error: "Feil / Feil", ErrorNN: "Prøv igjen.", ErrorNB: "Prøv igjen."})
		return
	}
	if !ok {
		s.renderPage(w, http.StatusNotFound, unknownCode(d))
		return
	}
	if row.Status != "pending" {
		d.Error = "Koden er alt brukt / Koden er allerede brukt"
		d.ErrorNN, d.ErrorNB = "Start innlogginga på nytt på kiosken.", "Start innloggingen på nytt på kiosken."
		s.renderPage(w, http.StatusBadRequest, d)
		return
	}
	d.KioskName = row.KioskName
	s.renderPage(w, http.StatusOK, d)
}

func (s *Server) devicePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, pageData{Error: "Ugyldig skjema / Ugyldig skjema"})
		return
	}
	f := r.PostForm
	d := pageData{UserCode: normalizeUserCode(f.Get("user_code"))}
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
		s.renderPage(w, http.StatusServiceUnavailable, pageData{Error: "Feil / Feil", ErrorNN: "Prøv igjen.", ErrorNB: "Prøv igjen."})
		return
	}
	defer tx.Rollback()
	var row deviceRow
	err = tx.QueryRowContext(ctx, `SELECT status, kiosk_name, expires_at FROM device_codes WHERE user_code = ?`, d.UserCode).
		Scan(&row.Status, &row.KioskName, &row.Expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && row.Expires <= ms(s.now())) {
		s.renderPage(w, http.StatusNotFound, unknownCode(d))
		return
	}
	if err != nil {
		s.log.Error("device page", "err", err)
		s.renderPage(w, http.StatusServiceUnavailable, pageData{Error: "Feil / Feil", ErrorNN: "Prøv igjen.", ErrorNB: "Prøv igjen."})
		return
	}
	if row.Status != "pending" {
		d.Error = "Koden er alt brukt / Koden er allerede brukt"
		d.ErrorNN, d.ErrorNB = "Start innlogginga på nytt på kiosken.", "Start innloggingen på nytt på kiosken."
		s.renderPage(w, http.StatusBadRequest, d)
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
		s.log.Error("device page", "err", err)
		s.renderPage(w, http.StatusServiceUnavailable, pageData{Error: "Feil / Feil", ErrorNN: "Prøv igjen.", ErrorNB: "Prøv igjen."})
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
