package backend

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
)

// StaffRefresh is how often the staff page reloads itself.
var StaffRefresh = 5 * time.Second

// HandlerWithStaff is Handler plus the staff page: GET /staff lists the open help requests ("Be om hjelp"
// from the kiosks), newest first, and reloads itself every StaffRefresh; POST /staff/handle with id marks
// one handled, and the kiosk clears its "a staff member is on the way" notice. A help request names a kiosk
// and a screen only, never a citizen.
//
// The reference backend does not log staff in: put the page behind the municipality's own staff login
// (a reverse proxy) outside a demo. Cross-site posts are refused.
func (s *Server) HandlerWithStaff() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /staff", s.staffPage)
	mux.HandleFunc("POST /staff/handle", s.staffHandle)
	mux.Handle("/", s.Handler())
	return mux
}

var staffTmpl = template.Must(template.New("staff").Parse(`<!doctype html>
<html lang="nn">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{{.Refresh}}">
<title>Helsekiosk – hjelpeførespurnader</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#1a1f2b;background:#f6f8fb}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.75rem;border-bottom:1px solid #dde3ec}
button{font-size:1.1rem;padding:.6rem 1.2rem;background:#1f5fa8;color:#fff;border:0;border-radius:6px;cursor:pointer}
.bm{color:#4a5568}.none{font-size:1.2rem;padding:1rem;background:#fff}
</style></head>
<body>
<h1>Hjelpeførespurnader frå kioskane <span class="bm">/ Hjelpeforespørsler fra kioskene</span></h1>
<p>Sida oppdaterer seg sjølv kvart {{.Refresh}}. sekund. <span class="bm">Siden oppdaterer seg selv hvert {{.Refresh}}. sekund.</span></p>
{{if .Requests}}
<table id="requests">
<thead><tr><th>Kiosk</th><th>Skjermbilete / skjermbilde</th><th>Venta sidan / ventet siden</th><th></th></tr></thead>
<tbody>
{{range .Requests}}<tr class="request" data-id="{{.Id}}">
<td class="kiosk">{{.KioskName}}</td><td>{{.Screen}}</td><td>{{.Since}} ({{.Minutes}} min)</td>
<td><form method="post" action="/staff/handle"><input type="hidden" name="id" value="{{.Id}}">
<button type="submit">Eg tek meg av det / Jeg tar meg av det</button></form></td></tr>
{{end}}</tbody></table>
{{else}}<p class="none" id="none">Ingen ventar på hjelp no. <span class="bm">Ingen venter på hjelp nå.</span></p>{{end}}
</body></html>
`))

type staffRow struct {
	api.HelpRequest
	Since   string
	Minutes int
}

func (s *Server) staffPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.HelpRequests(r.Context(), string(api.Open))
	if err != nil {
		s.log.Error("staff page", "err", err)
		http.Error(w, "Kunne ikkje hente førespurnadene.", http.StatusServiceUnavailable)
		return
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		oslo = time.UTC
	}
	now := s.now()
	rows := make([]staffRow, len(list))
	for i, hr := range list {
		rows[i] = staffRow{HelpRequest: hr, Since: hr.CreatedAt.In(oslo).Format("15:04"), Minutes: int(now.Sub(hr.CreatedAt).Minutes())}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.Header().Set("X-Frame-Options", "DENY")
	secs := int(StaffRefresh / time.Second)
	if secs < 1 {
		secs = 1
	}
	if err := staffTmpl.Execute(w, map[string]any{"Requests": rows, "Refresh": secs}); err != nil {
		s.log.Error("render staff page", "err", err)
	}
}

// sameOrigin refuses a post another site's page makes the staff's browser send.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

func (s *Server) staffHandle(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "Cross-site request refused.", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("id")
	if id == "" {
		http.Error(w, "The id is missing.", http.StatusBadRequest)
		return
	}
	if err := s.HandleHelpRequest(r.Context(), id); err != nil {
		if errors.Is(err, errNotFound) {
			http.Error(w, "No such help request.", http.StatusNotFound)
			return
		}
		s.log.Error("staff handle", "err", err)
		http.Error(w, "Could not save.", http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
}
