package backend

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/helsekiosk/helsekiosk/api"
)

// The /device page (only with Demo) stands in for BankID: the citizen types the user code the kiosk shows
// (or scans its QR code), sees the kiosk's name, picks a test person and approves or denies the login.
// Wrong codes are rate-limited (ratelimit.go).

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
// or used: the page does not tell them apart. It counts as a failed attempt for the rate limit.
func (s *Server) unknownCode(w http.ResponseWriter, r *http.Request, d pageData) {
	s.codes.failed(r, s.now())
	d.Error = "Ukjend eller utgått kode / Ukjent eller utløpt kode"
	d.ErrorNN = "Koden finst ikkje eller har gått ut. Start innlogginga på nytt på kiosken."
	d.ErrorNB = "Koden finnes ikke eller er utløpt. Start innloggingen på nytt på kiosken."
	s.renderPage(w, http.StatusNotFound, d)
}

// devicePage serves GET and POST /device, only with Demo: it stands in for BankID and logs anyone in as any
// test person.
func (s *Server) devicePage(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.Demo {
		writeProblem(w, r, problem(http.StatusNotFound, api.NotFound, "No such endpoint."))
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.deviceGet(w, r)
	case http.MethodPost:
		s.devicePost(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeProblem(w, r, problem(http.StatusMethodNotAllowed, api.MethodNotAllowed, "Method "+r.Method+" is not allowed here."))
	}
}

type deviceRow struct {
	Status, KioskName string
	Expires           int64
}

// pendingCode looks d.UserCode up in q (the database, or the transaction that approves it); when it is not
// a pending code, or the lookup fails, it answers the page itself and returns false.
func (s *Server) pendingCode(w http.ResponseWriter, r *http.Request, q querier, d pageData) (deviceRow, bool) {
	row, ok, err := s.lookupUserCode(r.Context(), q, d.UserCode)
	if err != nil {
		s.pageFailed(w, err)
		return row, false
	}
	if !ok {
		s.unknownCode(w, r, d)
	}
	return row, ok
}

// lookupUserCode finds a pending, unexpired device login by its user code; ok is false for any other code.
func (s *Server) lookupUserCode(ctx context.Context, q querier, code string) (d deviceRow, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT status, kiosk_name, expires_at FROM device_codes WHERE user_code = ?`, code).
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

// limited answers 429 when the client address spent its user-code attempts, or, while everybody's are
// spent, its few fresh ones (ratelimit.go).
func (s *Server) limited(w http.ResponseWriter, d pageData) bool {
	if wait := s.codes.wait(d.req, s.now()); wait > 0 {
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
	row, ok := s.pendingCode(w, r, s.db, d)
	if !ok {
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
	row, ok := s.pendingCode(w, r, tx, d)
	if !ok {
		return
	}
	if action == "approve" {
		if _, err := getPerson(ctx, tx, personID); err != nil {
			d.Error = "Vel ein testperson / Velg en testperson"
			s.renderPage(w, http.StatusBadRequest, d)
			return
		}
	}
	// Only a pending code: of two answers at once (two replicas, or two taps) the first one counts, and the
	// second is answered like a used code.
	var res sql.Result
	if action == "approve" {
		res, err = tx.ExecContext(ctx, `UPDATE device_codes SET status = 'approved', person_id = ? WHERE user_code = ? AND status = 'pending'`, personID, d.UserCode)
	} else {
		res, err = tx.ExecContext(ctx, `UPDATE device_codes SET status = 'denied' WHERE user_code = ? AND status = 'pending'`, d.UserCode)
	}
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err == nil && n == 0 {
		s.unknownCode(w, r, d)
		return
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
