package backend

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
)

// StaffRefresh is how often the staff page brings its lists up to date in place (live.js; no reload).
var StaffRefresh = 5 * time.Second

// HandlerWithStaff is Handler plus the staff page: GET /staff lists the open help requests ("Be om hjelp"
// from the kiosks), newest first, and the kiosks by their latest heartbeat (last seen, version, status), and keeps both up to date in place every StaffRefresh (an aria-live status says so); POST /staff/handle with id marks
// one handled, and the kiosk clears its "a staff member is on the way" notice. A help request names a kiosk
// and a screen only, never a citizen.
//
// The staff pages need a staff session (see StaffConfig and stafflogin.go): without one GET /staff sends
// the browser to the staff IdP, and the login comes back at /staff/callback; POST /staff/logout ends it.
// Every form carries the session's CSRF token, and cross-site posts are refused. In a demo without a staff
// issuer the backend serves its own demo staff IdP under /demo-staff-idp. The sessions are kept by the
// returned handler: build it once.
func (s *Server) HandlerWithStaff() http.Handler {
	auth, demoIdP := s.newStaffAuth()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /staff", auth.require(s.staffPage))
	mux.HandleFunc("POST /staff/handle", auth.require(s.staffHandle))
	mux.HandleFunc("POST /staff/logout", auth.require(auth.logout))
	mux.HandleFunc("GET "+staffCallbackPath, auth.callback)
	s.staffWorkRoutes(mux, auth)
	if demoIdP != nil {
		mux.Handle(demoStaffIdPPath+"/", demoIdP)
	}
	mux.Handle("/", s.Handler())
	// No redirects here either: ServeMux would answer an unclean path with a 307 before the API's middleware
	// sees it.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cleanPath(r.URL.Path) {
			writeProblem(w, r, problem(http.StatusNotFound, api.NotFound, "No such endpoint."))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

var staffTmpl = template.Must(template.New("staff").Funcs(template.FuncMap{"visible": visible}).Parse(`<!doctype html>
<html lang="nn">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Helsekiosk – hjelpeførespurnader</title>
<style>
body{font-family:system-ui,sans-serif;font-size:1.125rem;margin:0;color:#1a1f2b;background:#f6f8fb}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;background:#fff;border-bottom:1px solid #c9d2df;padding:.75rem 1.5rem}
header ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}header a{color:#114a8b}
main{margin:0 auto;padding:1.5rem;max-width:60rem}
:focus-visible{outline:3px solid #b7410e;outline-offset:2px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.75rem;border-bottom:1px solid #dde3ec}
button{font-size:1.1rem;min-height:44px;padding:.6rem 1.2rem;background:#1f5fa8;color:#fff;border:0;border-radius:6px;cursor:pointer}
.bm{color:#4a5568}.up .status{color:#1d6b2f}.unreachable .status{color:#8a5100}.stopped .status{color:#b3261e}h2{margin-top:2rem}.none{font-size:1.2rem;padding:1rem;background:#fff}
</style>
<script src="/staff/live.js" defer></script></head>
<body>
<header>
<nav aria-label="Personalsider / Personalsider"><ul>
<li><a href="/staff/inbox">Innboks</a></li><li><a href="/staff/tasks">Oppgåver <span class="bm">/ Oppgaver</span></a></li>
<li><a href="/staff/plan">Vekeplan <span class="bm">/ Ukeplan</span></a></li><li><a href="/staff" aria-current="page">Hjelp frå kioskane</a></li></ul></nav>
<form method="post" action="/staff/logout"><input type="hidden" name="csrf" value="{{.CSRF}}">
<span id="staff-name">{{visible .Name}}</span> <button type="submit" id="logout">Logg ut</button></form>
</header>
<main id="main" data-live-every="{{.Refresh}}" data-live-said="Sida er oppdatert. / Siden er oppdatert.">
<h1>Hjelpeførespurnader frå kioskane <span class="bm">/ Hjelpeforespørsler fra kioskene</span></h1>
<p>Sida held seg oppdatert av seg sjølv (kvart {{.Refresh}}. sekund). <span class="bm">Siden holder seg oppdatert av seg selv.</span></p>
<p id="live-status" role="status" aria-live="polite"></p>
<div id="requests-live" data-live>
{{if .Requests}}
<table id="requests">
<thead><tr><th scope="col">Kiosk</th><th scope="col">Skjermbilete / skjermbilde</th><th scope="col">Venta sidan / ventet siden</th><th scope="col"><span class="bm">Handling</span></th></tr></thead>
<tbody>
{{range .Requests}}<tr class="request" data-id="{{.Id}}">
<td class="kiosk">{{visible .KioskName}}</td><td>{{visible .Screen}}</td><td>{{.Since}} ({{.Minutes}} min)</td>
<td><form method="post" action="/staff/handle"><input type="hidden" name="id" value="{{.Id}}"><input type="hidden" name="csrf" value="{{$.CSRF}}">
<button type="submit">Eg tek meg av det / Jeg tar meg av det</button></form></td></tr>
{{end}}</tbody></table>
{{else}}<p class="none" id="none">Ingen ventar på hjelp no. <span class="bm">Ingen venter på hjelp nå.</span></p>{{end}}
</div>
<h2>Kioskane <span class="bm">/ Kioskene</span></h2>
<div id="kiosks-live" data-live>
{{if .Kiosks}}
<table id="kiosks">
<thead><tr><th scope="col">Kiosk</th><th scope="col">Stad / sted</th><th scope="col">Sist sett</th><th scope="col">Versjon</th><th scope="col">Status</th></tr></thead>
<tbody>
{{range .Kiosks}}<tr class="kiosk-row {{.Class}}">
<td class="kiosk">{{visible .Name}}</td><td class="location">{{visible .Location}}</td>
<td class="seen">{{.Seen}} ({{.Minutes}} min sidan <span class="bm">/ {{.Minutes}} min siden</span>)</td>
<td class="version">{{visible .Version}}</td><td class="status">{{.Status}} <span class="bm">/ {{.StatusNB}}</span></td></tr>
{{end}}</tbody></table>
{{else}}<p class="none" id="no-kiosks">Ingen kioskar har meldt seg. <span class="bm">Ingen kiosker har meldt seg.</span></p>{{end}}
</div>
</main>
</body></html>
`))

// visible makes text from a kiosk safe to show as it is: control characters (C0, DEL, C1: ESC sequences,
// CR, LF), bidi overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C),
// zero-width and other invisible format characters (Unicode category Cf), and U+FFFD are written as
// \uXXXX, so a kiosk name cannot reorder or hide the page's text. The template then HTML-escapes the result.
func visible(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

type kioskRow struct {
	KioskStatus
	Seen, Status, StatusNB, Class string
	Minutes                       int
}

// kioskRows says how each kiosk is: "i drift" when seen within KioskUpWithin and reaching the backend,
// "ikkje kontakt med tenesta" when it reports the backend unreachable, "stoppa / ikkje sett sidan …" when
// not seen for KioskUpWithin (times in Europe/Oslo).
func kioskRows(list []KioskStatus, now time.Time, oslo *time.Location) []kioskRow {
	rows := make([]kioskRow, len(list))
	for i, k := range list {
		seen := k.LastSeen.In(oslo)
		at := seen.Format("15:04")
		if seen.YearDay() != now.In(oslo).YearDay() || seen.Year() != now.In(oslo).Year() {
			at = seen.Format("02.01.2006 15:04")
		}
		row := kioskRow{KioskStatus: k, Seen: at, Minutes: max(0, int(now.Sub(k.LastSeen).Minutes()))}
		switch {
		case now.Sub(k.LastSeen) > KioskUpWithin:
			row.Status, row.StatusNB, row.Class = "stoppa / ikkje sett sidan "+at, "stoppet / ikke sett siden "+at, "stopped"
		case !k.BackendReachable:
			row.Status, row.StatusNB, row.Class = "ikkje kontakt med tenesta", "ikke kontakt med tjenesten", "unreachable"
		default:
			row.Status, row.StatusNB, row.Class = "i drift", "i drift", "up"
		}
		rows[i] = row
	}
	return rows
}

type staffRow struct {
	api.HelpRequest
	Since   string
	Minutes int
}

func (s *Server) staffPage(w http.ResponseWriter, r *http.Request, sess *staffSession) {
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
	kiosks, err := s.Kiosks(r.Context())
	if err != nil {
		s.log.Error("staff page kiosks", "err", err)
		http.Error(w, "Kunne ikkje hente kioskane.", http.StatusServiceUnavailable)
		return
	}
	staffPageHeaders(w)
	secs := int(StaffRefresh / time.Second)
	if secs < 1 {
		secs = 1
	}
	if err := staffTmpl.Execute(w, map[string]any{"Requests": rows, "Kiosks": kioskRows(kiosks, now, oslo), "Refresh": secs, "CSRF": sess.CSRF, "Name": sess.Name}); err != nil {
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

// staffHandle marks a help request handled; the same-origin, session and CSRF checks are done by
// staffAuth.require.
func (s *Server) staffHandle(w http.ResponseWriter, r *http.Request, _ *staffSession) {
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
