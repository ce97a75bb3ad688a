package backend

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/locales"
)

// The service pages (issue 22): behind the staff login, a staff member works in the services their roles
// map to (StaffConfig.Services). Every page and every answer is limited to those services: a person who
// receives none of them, a thread or a visit of another service is 404, a staff member with no mapped role
// gets 403. Opening a thread, a person or a visit writes the access log (staff_access_log), which no page
// changes. The pages are in nynorsk, bokmål or English (the staff member chooses; kept in the session),
// their texts in locales/staff.*.toml. A POST answers with a redirect to the page (after-post) or, on an
// error, a problem (RFC 9457); never 500.
//
//   - staffwork.go: the routes, the page frame, languages, errors and the access log
//   - staffthreads.go: the inbox, a thread (reply, no answer needed, send on), a person, a new thread
//   - stafftasks.go: the citizens' cancellation and change requests
//   - staffvisits.go: the day and week plan, a visit (create, assign, change, cancel, done, not met)

var staffBundle = locales.NewStaffBundle()

//go:embed staff_live.js
var staffLiveJS []byte

// staffWork is a request to a service page: the session, what its roles allow and its language.
type staffWork struct {
	sess *staffSession
	acc  staffAccess
	loc  *i18n.Localizer
	lang Lang
}

// newStaffWork is a request of sess in the language l (its services still to be added).
func newStaffWork(sess *staffSession, l Lang) *staffWork {
	return &staffWork{sess: sess, lang: l, loc: i18n.NewLocalizer(staffBundle, string(l))}
}

// T translates a staff page text; kv are template data pairs ("Name", value, ...).
func (sw *staffWork) T(id string, kv ...any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	s, err := sw.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

type staffWorkHandler func(http.ResponseWriter, *http.Request, *staffWork)

// work maps the session's roles to services: none mapped is 403.
func (a *staffAuth) work(h staffWorkHandler) func(http.ResponseWriter, *http.Request, *staffSession) {
	return func(w http.ResponseWriter, r *http.Request, sess *staffSession) {
		sw := newStaffWork(sess, sess.Lang)
		acc, ok := a.cfg.Services.accessFor(sess.Roles)
		if !ok {
			a.s.staffFail(w, r, sw, problem(http.StatusForbidden, api.ScopeMissing, sw.T("NoServices")))
			return
		}
		sw.acc = acc
		h(w, r, sw)
	}
}

// staffWorkRoutes adds the service pages to mux.
func (s *Server) staffWorkRoutes(mux *http.ServeMux, a *staffAuth) {
	h := func(f staffWorkHandler) http.HandlerFunc { return a.require(a.work(f)) }
	mux.HandleFunc("GET /staff/inbox", h(s.staffInbox))
	mux.HandleFunc("GET /staff/threads/{id}", h(s.staffThread))
	mux.HandleFunc("POST /staff/threads/{id}/reply", h(s.staffReply))
	mux.HandleFunc("POST /staff/threads/{id}/close", h(s.staffCloseThread))
	mux.HandleFunc("POST /staff/threads/{id}/forward", h(s.staffForward))
	mux.HandleFunc("GET /staff/persons/{id}", h(s.staffPerson))
	mux.HandleFunc("POST /staff/persons/{id}/threads", h(s.staffStartThread))
	mux.HandleFunc("POST /staff/persons/{id}/hide-name", h(s.staffHideName))
	mux.HandleFunc("GET /staff/tasks", h(s.staffTasks))
	mux.HandleFunc("POST /staff/tasks/{id}/accept", h(s.staffAcceptTask))
	mux.HandleFunc("POST /staff/tasks/{id}/decline", h(s.staffDeclineTask))
	mux.HandleFunc("GET /staff/plan", h(s.staffPlan))
	mux.HandleFunc("POST /staff/visits", h(s.staffCreateVisit))
	mux.HandleFunc("GET /staff/visits/{id}", h(s.staffVisit))
	mux.HandleFunc("POST /staff/visits/{id}/{action}", h(s.staffVisitAction))
	mux.HandleFunc("POST /staff/lang", a.require(a.setLang))
	mux.HandleFunc("GET /staff/live.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(staffLiveJS)
	})
}

// setLang keeps the staff member's language choice in the session and goes back to the page.
func (a *staffAuth) setLang(w http.ResponseWriter, r *http.Request, sess *staffSession) {
	l := r.PostForm.Get("lang")
	if l != "nn" && l != "nb" && l != "en" {
		sw := newStaffWork(sess, sess.Lang)
		writeProblem(w, r, badRequest("lang", sw.T("ErrForm")))
		return
	}
	if _, err := a.s.db.ExecContext(r.Context(), `UPDATE staff_sessions SET lang = ? WHERE id_hash = ?`, l, sess.idHash); err != nil {
		a.s.staffErr(w, r, nil, err)
		return
	}
	http.Redirect(w, r, safeBack(r.PostForm.Get("back")), http.StatusSeeOther)
}

// safeBack is a redirect target from a form: a path under /staff, else /staff/inbox.
func safeBack(p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/staff") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return "/staff/inbox"
	}
	return u.RequestURI()
}

// staffFail answers a refused or failed request: a GET gets the page frame with the message, a POST a
// problem.
func (s *Server) staffFail(w http.ResponseWriter, r *http.Request, sw *staffWork, p *problemError) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeProblem(w, r, p)
		return
	}
	title := "Error"
	if sw != nil {
		switch p.Status {
		case http.StatusNotFound:
			title = sw.T("NotFoundTitle")
			p.Detail = sw.T("NotFound")
		case http.StatusForbidden:
			title = sw.T("ForbiddenTitle")
		default:
			title = sw.T("ErrorTitle")
		}
	}
	s.renderStaff(w, r, sw, p.Status, "error", title, map[string]any{"Detail": p.Detail})
}

// staffErr answers err: a problem as itself, anything else (a database error) as 503, logged; never 500.
func (s *Server) staffErr(w http.ResponseWriter, r *http.Request, sw *staffWork, err error) {
	var p *problemError
	if errors.As(err, &p) {
		s.staffFail(w, r, sw, p)
		return
	}
	s.metrics.dbError(err)
	s.log.Warn("staff page", "method", r.Method, "route", routeOf(r), "err", err)
	w.Header().Set("Retry-After", "5")
	msg := "The service cannot answer just now; try again shortly."
	if sw != nil {
		msg = sw.T("Unavailable")
	}
	s.staffFail(w, r, sw, problem(http.StatusServiceUnavailable, api.Unavailable, msg))
}

// seeOther answers a POST with a redirect to a page (redirect-after-post); note names a text the page shows
// in its status region.
func seeOther(w http.ResponseWriter, r *http.Request, path, note string) {
	if note != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "note=" + url.QueryEscape(note)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// logAccess records that the staff member opened what (thread, person, visit) of a person. It is written
// before the page is shown: a page whose access cannot be logged is not shown.
func (s *Server) logAccess(ctx context.Context, sw *staffWork, what, personID, objectID string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO staff_access_log (at, staff_subject, staff_name, action, person_id, object_id) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(s.now()), sw.sess.Subject, sw.sess.Name, what, personID, objectID)
	return err
}

// An AccessLogEntry is one row of the staff access log.
type AccessLogEntry struct {
	At                     time.Time
	Staff, Name            string
	Action, Person, Object string
}

// AccessLog returns the staff access log of a person, oldest first (for tests and audits; no page edits it).
func (s *Server) AccessLog(ctx context.Context, personID string) ([]AccessLogEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, staff_subject, staff_name, action, person_id, object_id FROM staff_access_log WHERE person_id = ? ORDER BY id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccessLogEntry
	for rows.Next() {
		var e AccessLogEntry
		var at int64
		if err := rows.Scan(&at, &e.Staff, &e.Name, &e.Action, &e.Person, &e.Object); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// staffService is a service as the staff pages show it.
type staffService struct {
	ID, Code, Name string
	Plan           bool
}

// services lists the staff member's services with their names in the page's language.
func (s *Server) services(ctx context.Context, sw *staffWork) ([]staffService, error) {
	in, args := sw.acc.in()
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, name FROM services WHERE id IN (`+in+`) ORDER BY id`, args...)
	return sw.scanServices(rows, err, false)
}

// scanServices reads rows of (id, code, name) of the query that gave err into services, with their names
// in the page's language; mine keeps only the staff member's own services.
func (sw *staffWork) scanServices(rows *sql.Rows, err error, mine bool) ([]staffService, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []staffService
	for rows.Next() {
		var sv staffService
		if err := rows.Scan(&sv.ID, &sv.Code, &sv.Name); err != nil {
			return nil, err
		}
		if mine && !sw.acc.has(sv.ID) {
			continue
		}
		sv.Name = serviceName(sw.lang, sv.Code, sv.Name)
		sv.Plan = sw.acc.canPlan(sv.ID)
		out = append(out, sv)
	}
	return out, rows.Err()
}

// serviceName is a service's name in l (the stored name for an unknown code).
func serviceName(l Lang, code, stored string) string {
	if names, ok := serviceNames[code]; ok {
		return names[l]
	}
	return stored
}

// pickService is the service a page shows: the one asked for when the staff member works in it, else
// their first.
func pickService(list []staffService, want string) staffService {
	for _, sv := range list {
		if sv.ID == want {
			return sv
		}
	}
	if len(list) == 0 {
		return staffService{}
	}
	return list[0]
}

// when formats a time in Oslo for the page: "tysdag 9.12. 08:40".
func (sw *staffWork) when(t time.Time) string {
	t = t.In(workdays.Oslo)
	return fmt.Sprintf("%s %d.%d. %s", sw.T(fmt.Sprintf("Weekday%d", t.Weekday())), t.Day(), int(t.Month()), t.Format("15:04"))
}

// day formats a date: "tysdag 9.12.2026".
func (sw *staffWork) day(t time.Time) string {
	t = t.In(workdays.Oslo)
	return fmt.Sprintf("%s %d.%d.%d", sw.T(fmt.Sprintf("Weekday%d", t.Weekday())), t.Day(), int(t.Month()), t.Year())
}

// window formats a visit's time window: "tysdag 9.12. 08:00–10:00".
func (sw *staffWork) window(start, end time.Time) string {
	return sw.when(start) + "–" + end.In(workdays.Oslo).Format("15:04")
}

// staffFrame is what every service page's frame shows.
type staffFrame struct {
	Lang, Title, Name, CSRF, Path, Note, Active string
	Langs                                       []staffLangChoice
	Data                                        any
	Live                                        bool
	Plans                                       bool
}

type staffLangChoice struct {
	Code, Label string
	Current     bool
}

var staffPages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"T":       func(string, ...any) string { return "" },
	"visible": visible,
	"lines":   func(s string) []string { return strings.Split(visible2(s), "\n") },
}).Parse(staffPagesTmpl))

// visible2 is visible for text with line breaks: the breaks are kept.
func visible2(s string) string {
	parts := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, p := range parts {
		parts[i] = visible(p)
	}
	return strings.Join(parts, "\n")
}

// renderStaff writes a service page: the frame (skip link, header with the staff member, language and
// logout, navigation, main with the h1, the status region) around the page's template.
func (s *Server) renderStaff(w http.ResponseWriter, r *http.Request, sw *staffWork, status int, page, title string, data any) {
	if sw == nil {
		sw = newStaffWork(&staffSession{}, LangNN)
	}
	t, err := staffPages.Clone()
	if err == nil {
		t = t.Funcs(template.FuncMap{"T": sw.T})
	}
	if err != nil {
		s.log.Error("staff template", "err", err)
		http.Error(w, "template", http.StatusServiceUnavailable)
		return
	}
	f := staffFrame{Lang: string(sw.lang), Title: title, Name: sw.sess.Name, CSRF: sw.sess.CSRF, Path: r.URL.RequestURI(),
		Active: page, Data: data, Plans: sw.acc.anyPlan(), Live: page == "inbox" || page == "tasks" || page == "plan"}
	if n := r.URL.Query().Get("note"); n != "" && strings.HasPrefix(n, "Note") {
		f.Note = sw.T(n)
	}
	for _, l := range locales.StaffLanguages {
		f.Langs = append(f.Langs, staffLangChoice{Code: l, Label: sw.T("Lang_" + l), Current: l == string(sw.lang)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Language", string(sw.lang))
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, page, f); err != nil {
		s.log.Error("render staff page", "page", page, "err", err)
	}
}

// formTx runs a staff write in one transaction: a problem is answered as such, a database error as 503.
func (s *Server) formTx(w http.ResponseWriter, r *http.Request, sw *staffWork, fn func(tx *sql.Tx) error) bool {
	tx, err := s.db.BeginTx(r.Context(), nil)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return false
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		s.staffErr(w, r, sw, err)
		return false
	}
	if err := tx.Commit(); err != nil {
		s.staffErr(w, r, sw, err)
		return false
	}
	return true
}

// formText is a trimmed form field.
func formText(r *http.Request, name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }

//go:embed staffpages.tmpl
var staffPagesTmpl string
