package backend_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

// citizenGet reads the citizen API as Ingrid.
func citizenGet[T any](t *testing.T, srv *backend.Server, ts *httptest.Server, path string) T {
	t.Helper()
	tok, err := srv.MintTestToken(context.Background(), backend.DemoIngrid)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept-Language", "nn")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := read(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func appt(t *testing.T, srv *backend.Server, ts *httptest.Server, id string) api.Appointment {
	t.Helper()
	return citizenGet[api.Appointment](t, srv, ts, "/v1/persons/p-ingrid/appointments/"+id)
}

// seeOtherTo checks a form's answer: 303 to a page under want.
func seeOtherTo(t *testing.T, res *http.Response, body, want string) {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), want) {
		t.Fatalf("%s: %d %s, want 303 to %s\n%s", res.Request.URL.Path, res.StatusCode, res.Header.Get("Location"), want, body)
	}
}

// TestStaffActions: each staff action, and what the citizen then sees through the API.
func TestStaffActions(t *testing.T) {
	srv, ts := staffWorkServer(t, nil)
	nurse := loginAs(t, ts, backend.DemoNurseUser)
	planner := loginAs(t, ts, backend.DemoStaffUser)
	thread := func(id string) api.Thread {
		return citizenGet[api.Thread](t, srv, ts, "/v1/persons/p-ingrid/threads/"+id)
	}

	// t-ingrid-2 waits for the service (Ingrid wrote last): replyDue in the API, the deadline on the page.
	before := thread("t-ingrid-2")
	if before.ReplyDue == nil {
		t.Fatal("t-ingrid-2: no replyDue")
	}
	last := before.Messages[len(before.Messages)-1]
	first := last.SentAt
	for i := len(before.Messages) - 1; i >= 0 && before.Messages[i].Author == api.AuthorKindCitizen; i-- {
		first = before.Messages[i].SentAt
	}
	if want := workdays.ReplyDue(first).Format(time.DateOnly); before.ReplyDue.String() != want {
		t.Errorf("replyDue %s, want %s", before.ReplyDue, want)
	}
	if _, page := nurse.get("/staff/inbox"); !strings.Contains(page, "Forsinka!") || !strings.Contains(page, "Svar innan") {
		t.Errorf("the inbox shows no deadline or overdue mark")
	}

	// Reply: the citizen sees it with the nurse's name and role; the thread no longer waits.
	res, body := nurse.post("/staff/threads/t-ingrid-2/reply", url.Values{"body": {"Vi kjem klokka ti."}}, "")
	seeOtherTo(t, res, body, "/staff/threads/t-ingrid-2")
	after := thread("t-ingrid-2")
	m := after.Messages[len(after.Messages)-1]
	if m.Author != api.AuthorKindService || m.Body != "Vi kjem klokka ti." || m.AuthorName == nil || *m.AuthorName != "Marit Lie" ||
		m.StaffRole == nil || *m.StaffRole != "sjukepleiar" || after.ReplyDue != nil || !after.Unread {
		t.Errorf("after the reply the citizen sees %+v (replyDue %v, unread %v)", m, after.ReplyDue, after.Unread)
	}
	// The notice is queued with the reply (one transaction): Ingrid has one queued notice of a message.
	var kinds string
	var events int
	if err := srv.DB().QueryRow(`SELECT kinds, events FROM notices WHERE person_id = 'p-ingrid' AND status = 'queued'`).Scan(&kinds, &events); err != nil || kinds != "message" || events != 1 {
		t.Errorf("the reply's notice: %q × %d, %v", kinds, events, err)
	}
	// A blank reply: 400 problem, nothing written.
	if res, _ := nurse.post("/staff/threads/t-ingrid-2/reply", url.Values{"body": {" \u200b "}}, ""); res.StatusCode != 400 ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("blank reply: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	// No answer needed: the thread stops waiting, and waits again when the citizen writes.
	res, body = nurse.post("/staff/threads/t-per-2/close", nil, "")
	seeOtherTo(t, res, body, "/staff/inbox")
	if _, page := nurse.get("/staff/threads/t-per-2"); !strings.Contains(page, "Ventar ikkje på svar") {
		t.Error("the closed thread still waits")
	}

	// Send on: t-ingrid-6 (heimesjukepleie) to praktisk bistand; the nurse no longer sees it.
	res, body = nurse.post("/staff/threads/t-ingrid-6/forward", url.Values{"service": {backend.ServicePracticalHelp}}, "")
	seeOtherTo(t, res, body, "/staff/inbox")
	if code, _ := nurse.get("/staff/threads/t-ingrid-6"); code != 404 {
		t.Errorf("the forwarded thread: %d for the nurse", code)
	}
	if th := thread("t-ingrid-6"); th.Service.Id != backend.ServicePracticalHelp {
		t.Errorf("forwarded thread's service: %s", th.Service.Id)
	}
	// Not to a service the person does not receive.
	if res, _ := nurse.post("/staff/threads/t-ingrid-5/forward", url.Values{"service": {backend.ServicePhysiotherapy}}, ""); res.StatusCode != 400 {
		t.Errorf("forward to fysioterapi: %d", res.StatusCode)
	}

	// Start a thread.
	res, body = nurse.post("/staff/persons/p-ingrid/threads", url.Values{"service": {backend.ServiceHomeNursing}, "subject": {"Ny lege"}, "body": {"Du har fått ny fastlege."}}, "")
	seeOtherTo(t, res, body, "/staff/threads/t")
	newID := strings.TrimPrefix(strings.SplitN(res.Header.Get("Location"), "?", 2)[0], "/staff/threads/")
	if th := thread(newID); th.Subject != "Ny lege" || len(th.Messages) != 1 || th.Messages[0].Author != api.AuthorKindService || !th.Unread {
		t.Errorf("the new thread: %+v", th)
	}

	// Requests: Ingrid asks to cancel one visit and move another; accept the first, decline the second.
	citizenRequests(t, srv, ts)
	_, page := nurse.get("/staff/tasks")
	ids := regexpAll(`data-id="(ar-[^"]+)"`, page)
	if len(ids) != 2 || !strings.Contains(page, "Er på sjukehus") || !strings.Contains(page, "Helst etter lunsj") {
		t.Fatalf("tasks: %v", ids)
	}
	ids = ids[:0]
	for _, kind := range []string{"cancellation", "change"} {
		var id string
		if err := srv.DB().QueryRow(`SELECT id FROM appointment_requests WHERE kind = '` + kind + `'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if a := appt(t, srv, ts, "a-ingrid-hn-p9"); a.PendingRequest == nil || *a.PendingRequest != api.AppointmentPendingRequestCancellation {
		t.Errorf("before: %+v", a.PendingRequest)
	}
	// A message above the bound is refused, and nothing of the acceptance is stored.
	if res, _ := nurse.post("/staff/tasks/"+ids[0]+"/accept", url.Values{"message": {strings.Repeat("a", 4001)}}, ""); res.StatusCode != http.StatusBadRequest {
		t.Errorf("accepting with a message of 4001 characters: %d", res.StatusCode)
	}
	if a := appt(t, srv, ts, "a-ingrid-hn-p9"); a.Status != api.Booked || a.PendingRequest == nil {
		t.Errorf("after a refused acceptance: %+v", a)
	}
	res, body = nurse.post("/staff/tasks/"+ids[0]+"/accept", nil, "")
	seeOtherTo(t, res, body, "/staff/tasks")
	if a := appt(t, srv, ts, "a-ingrid-hn-p9"); a.Status != api.Cancelled || a.PendingRequest != nil || a.CancelledBy == nil ||
		*a.CancelledBy != api.AppointmentCancelledByCitizen || a.CancellationReason != nil {
		t.Errorf("after accepting the cancellation: %+v", a)
	}
	if res, _ := planner.post("/staff/tasks/"+ids[0]+"/accept", nil, ""); res.StatusCode != http.StatusConflict {
		t.Errorf("accepting twice: %d", res.StatusCode)
	}
	// Declining what was accepted: 409, in the staff member's language.
	if res, body := planner.post("/staff/tasks/"+ids[0]+"/decline", url.Values{"message": {"Nei."}}, ""); res.StatusCode != http.StatusConflict ||
		!strings.Contains(body, "Denne førespurnaden er alt svara på.") {
		t.Errorf("declining an accepted request: %d %s", res.StatusCode, body)
	}
	if res, _ := nurse.post("/staff/tasks/"+ids[1]+"/decline", url.Values{"message": {""}}, ""); res.StatusCode != 400 {
		t.Errorf("declining without a message: %d", res.StatusCode)
	}
	res, body = nurse.post("/staff/tasks/"+ids[1]+"/decline", url.Values{"message": {"Vi har ikkje ledig tid då."}}, "")
	seeOtherTo(t, res, body, "/staff/tasks")
	if a := appt(t, srv, ts, "a-ingrid-hn-p10"); a.Status != api.Booked || a.PendingRequest != nil {
		t.Errorf("after declining the change: %+v", a)
	}
	threads := citizenGet[api.ThreadPage](t, srv, ts, "/v1/persons/p-ingrid/threads?limit=1")
	if th := thread(threads.Items[0].Id); !strings.Contains(th.Messages[len(th.Messages)-1].Body, "Vi har ikkje ledig tid då.") {
		t.Errorf("the decline's message is not in the thread: %q", th.Messages[len(th.Messages)-1].Body)
	}

	// Visits: the nurse may not plan; the planner creates, assigns and moves.
	day := staffNow.AddDate(0, 0, 3).Format(time.DateOnly)
	if res, _ := nurse.post("/staff/visits/a-ingrid-hn-p4/assign", url.Values{"staff": {"X"}}, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("the nurse assigns: %d", res.StatusCode)
	}
	res, body = planner.post("/staff/visits", url.Values{"service": {backend.ServiceHomeNursing}, "person": {"p-ingrid"}, "date": {day},
		"from": {"13:00"}, "to": {"14:00"}, "place": {"other"}, "address": {"Legekontoret"}, "what": {"Blodprøve"}, "staff": {"Marit Lie"}}, "")
	seeOtherTo(t, res, body, "/staff/plan")
	list := citizenGet[[]api.Appointment](t, srv, ts, "/v1/persons/p-ingrid/appointments?from="+day+"&to="+staffNow.AddDate(0, 0, 4).Format(time.DateOnly))
	var created *api.Appointment
	for i, a := range list {
		if a.Description != nil && *a.Description == "Blodprøve" {
			created = &list[i]
		}
	}
	if created == nil || created.HomeVisit || created.Address == nil || *created.Address != "Legekontoret" || created.StaffName == nil ||
		*created.StaffName != "Marit Lie" || created.Start.In(workdays.Oslo).Format("15:04") != "13:00" {
		t.Fatalf("the created visit: %+v", created)
	}
	res, body = planner.post("/staff/visits/a-ingrid-hn-p4/assign", url.Values{"staff": {"Sofie Dahl"}}, "")
	seeOtherTo(t, res, body, "/staff/visits/a-ingrid-hn-p4")
	if a := appt(t, srv, ts, "a-ingrid-hn-p4"); a.StaffName == nil || *a.StaffName != "Sofie Dahl" {
		t.Errorf("after assigning: %v", a.StaffName)
	}
	// Hidden for the person: the role only.
	res, body = nurse.post("/staff/persons/p-ingrid/hide-name", url.Values{"hide": {"1"}}, "")
	seeOtherTo(t, res, body, "/staff/persons/p-ingrid")
	if a := appt(t, srv, ts, "a-ingrid-hn-p4"); a.StaffName != nil || a.StaffRole == nil {
		t.Errorf("hidden: %v %v", a.StaffName, a.StaffRole)
	}
	nurse.post("/staff/persons/p-ingrid/hide-name", url.Values{"hide": {"0"}}, "")
	res, body = planner.post("/staff/visits/a-ingrid-hn-p4/change", url.Values{"date": {day}, "from": {"10:00"}, "to": {"11:00"}}, "")
	seeOtherTo(t, res, body, "/staff/visits/a-ingrid-hn-p4")
	if a := appt(t, srv, ts, "a-ingrid-hn-p4"); a.Start.In(workdays.Oslo).Format("15:04") != "10:00" {
		t.Errorf("after moving: %v", a.Start)
	}
	if res, _ := planner.post("/staff/visits/a-ingrid-hn-p4/change", url.Values{"date": {day}, "from": {"11:00"}, "to": {"10:00"}}, ""); res.StatusCode != 400 {
		t.Errorf("an end before the start: %d", res.StatusCode)
	}

	// A cancellation the service makes answers the citizen's open request on the visit: no task is left.
	citizenChange(t, srv, ts, "a-ingrid-hn-p5")
	if _, page := nurse.get("/staff/tasks"); !strings.Contains(page, "a-ingrid-hn-p5") {
		t.Error("the change request on a-ingrid-hn-p5 is not a task")
	}
	// Cancel with a reason (the nurse may), mark done, not met.
	if res, _ := nurse.post("/staff/visits/a-ingrid-hn-p5/cancel", url.Values{"reason": {""}}, ""); res.StatusCode != 400 {
		t.Errorf("cancel without a reason: %d", res.StatusCode)
	}
	res, body = nurse.post("/staff/visits/a-ingrid-hn-p5/cancel", url.Values{"reason": {"Sjukepleiaren er sjuk"}}, "")
	seeOtherTo(t, res, body, "/staff/visits/a-ingrid-hn-p5")
	if a := appt(t, srv, ts, "a-ingrid-hn-p5"); a.Status != api.Cancelled || a.CancelledBy == nil || *a.CancelledBy != api.AppointmentCancelledByService ||
		a.CancellationReason == nil || *a.CancellationReason != "Sjukepleiaren er sjuk" {
		t.Errorf("after cancelling: %+v", a)
	}
	if res, _ := nurse.post("/staff/visits/a-ingrid-hn-p5/done", url.Values{"at": {"00:00"}}, ""); res.StatusCode != http.StatusConflict {
		t.Errorf("marking a cancelled visit done: %d", res.StatusCode)
	}
	if res, _ := nurse.post("/staff/visits/a-ingrid-hn-p5/frobnicate", nil, ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("an action that does not exist, on a cancelled visit: %d", res.StatusCode)
	}
	doneAt := "08:40"
	res, body = nurse.post("/staff/visits/a-ingrid-hn-p0/done", url.Values{"at": {doneAt}}, "")
	seeOtherTo(t, res, body, "/staff/visits/a-ingrid-hn-p0")
	if a := appt(t, srv, ts, "a-ingrid-hn-p0"); a.Status != api.Fulfilled || a.CompletedAt == nil || a.CompletedAt.In(workdays.Oslo).Format("15:04") != doneAt ||
		a.StaffName == nil {
		t.Errorf("after marking done at %s: %+v", doneAt, a)
	}
	if res, _ := nurse.post("/staff/visits/a-ingrid-hn-p6/done", url.Values{"at": {"23:59"}}, ""); res.StatusCode != 400 {
		t.Errorf("done in the future: %d", res.StatusCode)
	}
	res, body = nurse.post("/staff/visits/a-ingrid-hn-p6/notmet", nil, "")
	seeOtherTo(t, res, body, "/staff/visits/a-ingrid-hn-p6")
	if a := appt(t, srv, ts, "a-ingrid-hn-p6"); a.Status != api.Noshow {
		t.Errorf("not met: %s", a.Status)
	}
	if res, _ := nurse.post("/staff/visits/a-ingrid-hn-p7/explode", nil, ""); res.StatusCode != 404 {
		t.Errorf("an unknown action: %d", res.StatusCode)
	}
	// The plan shows the day's visits and the tasks page is empty now.
	if _, page := planner.get("/staff/plan?view=day&day=" + day); !strings.Contains(page, "Blodprøve") || !strings.Contains(page, "Legekontoret") {
		t.Error("the day plan lacks the created visit")
	}
	if _, page := nurse.get("/staff/tasks"); !strings.Contains(page, `id="no-tasks"`) {
		t.Error("tasks left")
	}
	// Every staff action that tells Ingrid something went into her queued notices (merged within minutes):
	// messages, changed, cancelled and done visits. Closing, sending on and hiding tell her nothing.
	rows, err := srv.DB().Query(`SELECT kinds, events FROM notices WHERE person_id = 'p-ingrid'`)
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]bool{}
	total := 0
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			t.Fatal(err)
		}
		for _, x := range strings.Split(k, ",") {
			all[x] = true
		}
		total += n
	}
	rows.Close()
	// reply, start, accept (cancelled), decline (message), create, assign, move, cancel, done = 9 events.
	if !all["message"] || !all["visit_changed"] || !all["visit_cancelled"] || total != 9 {
		t.Errorf("Ingrid's notices: kinds %v, %d events, want message, visit_changed, visit_cancelled (visit_done only if chosen) and 9 events", all, total)
	}
	t.Logf("replied, closed, sent on, started, accepted, declined, created, assigned, hid, moved, cancelled, done at %s, not met", doneAt)
}

func regexpAll(expr, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(expr).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// citizenChange has Ingrid ask to move a visit.
func citizenChange(t *testing.T, srv *backend.Server, ts *httptest.Server, id string) {
	t.Helper()
	tok, err := srv.MintTestToken(context.Background(), backend.DemoIngrid)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/persons/p-ingrid/appointments/"+id+"/change-request", strings.NewReader(`{"comment":"Seinare, takk"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "staff-test-change-"+id)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := read(t, res); res.StatusCode != http.StatusCreated {
		t.Fatalf("change request: %d %s", res.StatusCode, body)
	}
}

// TestStaffAnswerInCitizenLanguage: the texts the backend writes to the citizen when staff answer a request
// are in the language the citizen chose at the kiosk, not in the staff page's.
func TestStaffAnswerInCitizenLanguage(t *testing.T) {
	srv, ts := staffWorkServer(t, nil)
	nurse := loginAs(t, ts, backend.DemoNurseUser) // the staff pages in nynorsk
	if _, err := srv.DB().Exec(`UPDATE persons SET language = 'en' WHERE id = 'p-ingrid'`); err != nil {
		t.Fatal(err)
	}
	citizenRequests(t, srv, ts)
	var ids []string
	for _, kind := range []string{"cancellation", "change"} {
		var id string
		if err := srv.DB().QueryRow(`SELECT id FROM appointment_requests WHERE kind = '` + kind + `'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	res, body := nurse.post("/staff/tasks/"+ids[0]+"/accept", nil, "")
	seeOtherTo(t, res, body, "/staff/tasks")
	res, body = nurse.post("/staff/tasks/"+ids[1]+"/decline", url.Values{"message": {"Ingen ledig tid."}}, "")
	seeOtherTo(t, res, body, "/staff/tasks")
	var all []string
	for _, it := range citizenGet[api.ThreadPage](t, srv, ts, "/v1/persons/p-ingrid/threads?limit=100").Items {
		for _, m := range citizenGet[api.Thread](t, srv, ts, "/v1/persons/p-ingrid/threads/"+it.Id).Messages {
			if m.Author == api.AuthorKindService {
				all = append(all, m.Body)
			}
		}
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"Your cancellation is accepted: the visit Thursday", "We cannot make the change you asked for to the visit"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the service's messages:\n%s", want, text)
		}
	}
	for _, nn := range []string{"Avbestillinga er godteken", "Vi kan dessverre ikkje gjere endringa"} {
		if strings.Contains(text, nn) {
			t.Errorf("%q (the staff page's nynorsk) written to a citizen who chose English", nn)
		}
	}
}
