package backend_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/pgtest"
)

// staffNow is the staff tests' clock: Tuesday 24 November 2026, 09:00 in Oslo (the demo data is seeded
// around it, so deadlines and overdue marks do not depend on the day the tests run, Easter included).
var staffNow = time.Date(2026, time.November, 24, 9, 0, 0, 0, workdays.Oslo)

// staffWorkServer serves a demo backend with the staff pages on staffNow; cfg may change its config.
func staffWorkServer(t *testing.T, cfg func(*backend.Config)) (*backend.Server, *httptest.Server) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	c := backend.Config{Demo: true, PublicURL: "http://" + ts.Listener.Addr().String(), Now: func() time.Time { return staffNow }}
	if os.Getenv("HELSEKIOSK_TEST_DB") == "postgres" {
		c.DSN = pgtest.DSN(t)
	}
	if cfg != nil {
		cfg(&c)
	}
	srv, err := backend.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts.Config.Handler = srv.HandlerWithStaff()
	ts.Start()
	t.Cleanup(ts.Close)
	return srv, ts
}

// staffAs is a logged-in demo staff member's browser (no redirects followed) and CSRF token.
type staffAs struct {
	t    *testing.T
	ts   *httptest.Server
	c    *http.Client
	csrf string
}

// loginAs logs in at the demo staff IdP as user (backend.DemoStaffUser, DemoNurseUser, DemoAssistantUser).
func loginAs(t *testing.T, ts *httptest.Server, user string) *staffAs {
	t.Helper()
	b := browser(t, nil)
	res, err := b.Get(ts.URL + "/staff")
	if err != nil {
		t.Fatal(err)
	}
	login := read(t, res)
	m := hiddenID.FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("no auth request id on the demo login page:\n%s", login)
	}
	res, err = b.PostForm(ts.URL+"/demo-staff-idp/login", url.Values{"id": {m[1]}, "user": {user}})
	if err != nil {
		t.Fatal(err)
	}
	page := read(t, res)
	if res.StatusCode != http.StatusOK || res.Request.URL.String() != ts.URL+"/staff" {
		t.Fatalf("after the demo login as %s: %d at %s\n%s", user, res.StatusCode, res.Request.URL, page)
	}
	nr := &http.Client{Jar: b.Jar, Timeout: b.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &staffAs{t: t, ts: ts, c: nr, csrf: csrfOf(t, page)}
}

func (s *staffAs) get(path string) (int, string) {
	s.t.Helper()
	res, err := s.c.Get(s.ts.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	return res.StatusCode, read(s.t, res)
}

// post sends a form with the session's CSRF token (csrf "-" sends none, anything else that value).
func (s *staffAs) post(path string, form url.Values, csrf string) (*http.Response, string) {
	s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	switch csrf {
	case "":
		form.Set("csrf", s.csrf)
	case "-":
	default:
		form.Set("csrf", csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, s.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.ts.URL)
	res, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	return res, read(s.t, res)
}

// The demo's threads, persons and visits by service (seed.go): Ingrid gets heimesjukepleie and praktisk
// bistand, Per heimesjukepleie only, Kari and Emma fysioterapi.
const (
	hnThread   = "t-ingrid-1" // heimesjukepleie
	pbThread   = "t-ingrid-3" // praktisk bistand
	fyThread   = "t-kari-1"   // fysioterapi
	hnVisit    = "a-ingrid-hn-p1"
	pbOnlyNone = "p-per" // receives heimesjukepleie only
)

// staffGets are every service page a staff member opens with GET.
var staffGets = []string{"/staff/inbox", "/staff/tasks", "/staff/plan", "/staff/plan?view=day",
	"/staff/threads/" + hnThread, "/staff/persons/" + backend.DemoIngrid, "/staff/visits/" + hnVisit}

// staffPosts are every form's action, with a valid form (on a heimesjukepleie thread, person or visit).
var staffPosts = []struct {
	path string
	form url.Values
}{
	{"/staff/threads/" + hnThread + "/reply", url.Values{"body": {"Hei"}}},
	{"/staff/threads/" + hnThread + "/close", nil},
	{"/staff/threads/" + hnThread + "/forward", url.Values{"service": {backend.ServicePracticalHelp}}},
	{"/staff/persons/" + backend.DemoIngrid + "/threads", url.Values{"service": {backend.ServiceHomeNursing}, "subject": {"Hei"}, "body": {"Hei"}}},
	{"/staff/persons/" + backend.DemoIngrid + "/hide-name", url.Values{"hide": {"1"}}},
	{"/staff/tasks/ar-none/accept", nil},
	{"/staff/tasks/ar-none/decline", url.Values{"message": {"Nei"}}},
	{"/staff/visits", url.Values{"service": {backend.ServiceHomeNursing}, "person": {backend.DemoIngrid}, "date": {"2030-01-07"}, "from": {"08:00"}, "to": {"09:00"}}},
	{"/staff/visits/" + hnVisit + "/assign", url.Values{"staff": {"Sofie Dahl"}}},
	{"/staff/visits/" + hnVisit + "/change", url.Values{"date": {"2030-01-07"}, "from": {"08:00"}, "to": {"09:00"}}},
	{"/staff/visits/" + hnVisit + "/cancel", url.Values{"reason": {"Sjukdom"}}},
	{"/staff/visits/" + hnVisit + "/done", url.Values{"at": {"08:40"}}},
	{"/staff/visits/" + hnVisit + "/notmet", nil},
	{"/staff/lang", url.Values{"lang": {"nb"}}},
}

// TestStaffAccess: who sees what. The assistant (praktisk bistand) gets 404 for heimesjukepleie's thread,
// person and visit, the nurse for praktisk bistand's and fysioterapi's; a staff member whose roles map to no
// service gets 403; a citizen's bearer token opens no staff page; a form without the session's CSRF token
// changes nothing; and every open is in the access log, which no route edits.
func TestStaffAccess(t *testing.T) {
	srv, ts := staffWorkServer(t, nil)
	nurse := loginAs(t, ts, backend.DemoNurseUser)
	assistant := loginAs(t, ts, backend.DemoAssistantUser)
	planner := loginAs(t, ts, backend.DemoStaffUser)

	table := []struct {
		who  string
		as   *staffAs
		path string
		want int
	}{
		{"assistant", assistant, "/staff/threads/" + hnThread, 404},
		{"assistant", assistant, "/staff/persons/" + pbOnlyNone, 404},
		{"assistant", assistant, "/staff/visits/" + hnVisit, 404},
		{"assistant", assistant, "/staff/threads/" + fyThread, 404},
		{"assistant", assistant, "/staff/threads/" + pbThread, 200},
		{"assistant", assistant, "/staff/persons/" + backend.DemoIngrid, 200},
		{"assistant", assistant, "/staff/inbox?service=" + backend.ServiceHomeNursing, 200}, // falls back to their own service
		{"nurse", nurse, "/staff/threads/" + hnThread, 200},
		{"nurse", nurse, "/staff/threads/" + pbThread, 404},
		{"nurse", nurse, "/staff/threads/" + fyThread, 404},
		{"nurse", nurse, "/staff/persons/" + backend.DemoKari, 404},
		{"nurse", nurse, "/staff/persons/" + pbOnlyNone, 200},
		{"nurse", nurse, "/staff/visits/" + hnVisit, 200},
		{"nurse", nurse, "/staff/threads/t-nope", 404},
		{"planner", planner, "/staff/threads/" + hnThread, 200},
		{"planner", planner, "/staff/threads/" + pbThread, 200},
		{"planner", planner, "/staff/threads/" + fyThread, 404},
	}
	for _, c := range table {
		code, body := c.as.get(c.path)
		t.Logf("%-9s GET %-45s → %d", c.who, c.path, code)
		if code != c.want {
			t.Errorf("%s GET %s: %d, want %d", c.who, c.path, code, c.want)
		}
		if c.want == 404 && (strings.Contains(body, "Ingrid Haugen") || strings.Contains(body, "Kari Haugen") || strings.Contains(body, "Per Olsen")) {
			t.Errorf("%s GET %s: the 404 page names a person", c.who, c.path)
		}
	}
	// The assistant's inbox holds praktisk bistand's threads only.
	if _, body := assistant.get("/staff/inbox?service=" + backend.ServiceHomeNursing); strings.Contains(body, hnThread) || !strings.Contains(body, pbThread) {
		t.Errorf("the assistant's inbox shows another service's thread or lacks its own")
	}
	// Writes to another service's thread, person or visit: 404 and nothing written.
	for _, p := range []string{"/staff/threads/" + hnThread + "/reply", "/staff/visits/" + hnVisit + "/cancel"} {
		res, _ := assistant.post(p, url.Values{"body": {"x"}, "reason": {"x"}}, "")
		t.Logf("assistant POST %-40s → %d", p, res.StatusCode)
		if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("assistant POST %s: %d %s, want a 404 problem", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}

	// Citizen tokens: a bearer token is never a staff session. GET goes to the staff login, POST is 401.
	tok, err := srv.MintTestToken(context.Background(), backend.DemoIngrid)
	if err != nil {
		t.Fatal(err)
	}
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range staffGets {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+p, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := read(t, res)
		if res.StatusCode != http.StatusFound || !strings.Contains(res.Header.Get("Location"), "/demo-staff-idp/") || strings.Contains(body, "Ingrid") {
			t.Errorf("citizen token GET %s: %d %s", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	for _, p := range staffPosts {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+p.path, strings.NewReader(p.form.Encode()))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		read(t, res)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("citizen token POST %s: %d, want 401", p.path, res.StatusCode)
		}
	}
	t.Logf("citizen token: %d GETs → 302 to the staff login, %d POSTs → 401", len(staffGets), len(staffPosts))

	// CSRF: missing or wrong on every form → 403, and the database is as it was.
	before := staffRowCounts(t, srv)
	for _, p := range staffPosts {
		for _, bad := range []string{"-", "wrong-token"} {
			form := url.Values{}
			for k, v := range p.form {
				form[k] = v
			}
			res, _ := planner.post(p.path, form, bad)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q: %d, want 403", p.path, bad, res.StatusCode)
			}
		}
	}
	if after := staffRowCounts(t, srv); after != before {
		t.Errorf("refused forms changed the database: %v → %v", before, after)
	}
	t.Logf("CSRF: %d forms × (missing, wrong) → 403, nothing written", len(staffPosts))

	// The access log: every open above of Ingrid's thread, person or visit, in order, with who.
	log, err := srv.AccessLog(context.Background(), backend.DemoIngrid)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Name+" "+e.Action+" "+e.Object)
	}
	want := []string{"Sofie Dahl thread " + pbThread, "Sofie Dahl person ", "Marit Lie thread " + hnThread, "Marit Lie visit " + hnVisit,
		"Nina Planlegg thread " + hnThread, "Nina Planlegg thread " + pbThread}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("access log of Ingrid:\n got %q\nwant %q", got, want)
	}
	if pl, _ := srv.AccessLog(context.Background(), backend.DemoPer); len(pl) != 1 || pl[0].Action != "person" || pl[0].Name != "Marit Lie" {
		t.Errorf("access log of Per: %+v", pl)
	}
	// Nothing edits it: no route, and the database refuses.
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		for _, p := range []string{"/staff/access-log", "/staff/access-log/1", "/staff/log"} {
			req, _ := http.NewRequest(m, ts.URL+p, strings.NewReader("csrf="+planner.csrf))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", ts.URL)
			res, err := planner.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			read(t, res)
			if res.StatusCode != 404 && res.StatusCode != 405 {
				t.Errorf("%s %s: %d", m, p, res.StatusCode)
			}
		}
	}
	for _, q := range []string{`UPDATE staff_access_log SET staff_name = 'x'`, `DELETE FROM staff_access_log`} {
		if _, err := srv.DB().Exec(q); err == nil {
			t.Errorf("%s: the database allowed it", q)
		}
	}
	if again, _ := srv.AccessLog(context.Background(), backend.DemoIngrid); len(again) != len(log) || again[0].Name != log[0].Name {
		t.Errorf("the access log changed")
	}
}

// TestStaffNoMappedRole: a staff member whose roles the services file does not map may log in (the help
// requests) but gets 403 on every service page and form.
func TestStaffNoMappedRole(t *testing.T) {
	only, err := backend.ParseStaffServices("[roles.heimesjukepleie]\nservices = [\"svc-home-nursing\"]\n")
	if err != nil {
		t.Fatal(err)
	}
	_, ts := staffWorkServer(t, func(c *backend.Config) { c.Staff.Services = only })
	planner := loginAs(t, ts, backend.DemoStaffUser) // "planlegger" is not in this file
	for _, p := range staffGets {
		code, body := planner.get(p)
		if code != http.StatusForbidden || strings.Contains(body, "Ingrid") {
			t.Errorf("GET %s without a mapped role: %d", p, code)
		}
	}
	for _, p := range staffPosts {
		if p.path == "/staff/lang" {
			continue // the language is the session's, not a service's
		}
		if res, _ := planner.post(p.path, p.form, ""); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a mapped role: %d", p.path, res.StatusCode)
		}
	}
	if code, _ := planner.get("/staff"); code != http.StatusOK {
		t.Errorf("the help requests page: %d", code)
	}
	nurse := loginAs(t, ts, backend.DemoNurseUser)
	if code, _ := nurse.get("/staff/threads/" + hnThread); code != http.StatusOK {
		t.Errorf("the nurse with a mapped role: %d", code)
	}
}

// staffRowCounts counts the rows the staff forms write.
func staffRowCounts(t *testing.T, srv *backend.Server) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT COUNT(*) FROM messages`, `SELECT COUNT(*) FROM threads`, `SELECT COUNT(*) FROM appointments WHERE status = 'booked'`,
		`SELECT COUNT(*) FROM appointments WHERE staff_name <> ''`, `SELECT COUNT(*) FROM threads WHERE closed_at IS NOT NULL`,
		`SELECT COUNT(*) FROM persons WHERE hide_staff_name = 1`, `SELECT COUNT(*) FROM staff_sessions WHERE lang <> 'nn'`,
		`SELECT COUNT(*) FROM threads WHERE service_id = 'svc-practical-help'`, `SELECT COUNT(*) FROM notices`, `SELECT COALESCE(SUM(events), 0) FROM notices`} {
		var n int
		if err := srv.DB().QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		b.WriteString(" " + strconv.Itoa(n))
	}
	return b.String()
}

// TestStaffLangUnknown: a language the pages do not have is refused (400) in the staff member's language,
// and the session's language stays.
func TestStaffLangUnknown(t *testing.T) {
	srv, ts := staffWorkServer(t, nil)
	nurse := loginAs(t, ts, backend.DemoNurseUser)
	res, body := nurse.post("/staff/lang", url.Values{"lang": {"sv"}, "back": {"/staff/inbox"}}, "")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Skjemaet er ikkje gyldig.") {
		t.Errorf("POST /staff/lang sv: %d %s", res.StatusCode, body)
	}
	var n int
	if err := srv.DB().QueryRow(`SELECT COUNT(*) FROM staff_sessions WHERE lang <> 'nn'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("sessions not in nynorsk after the refusal: %d %v", n, err)
	}
}
