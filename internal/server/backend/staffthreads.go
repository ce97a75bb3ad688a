package backend

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// waitingSinceSQL is, for the thread t, when the citizen's oldest message the service has not answered was
// sent (NULL when none waits): citizen messages after the service's last one and after the thread was marked
// as needing no answer.
const waitingSinceSQL = `(SELECT MIN(wm.sent_at) FROM messages wm WHERE wm.thread_id = t.id AND wm.author = 'citizen'
	AND wm.seq > COALESCE((SELECT MAX(ws.seq) FROM messages ws WHERE ws.thread_id = t.id AND ws.author = 'service'), 0)
	AND wm.sent_at > COALESCE(t.closed_at, 0))`

// replyDeadline is the end of the day the service promises to answer by (the end of the next working day
// after the citizen's message, Norwegian holidays included), and that day.
func replyDeadline(waitingSince time.Time) (end, day time.Time) {
	day = workdays.ReplyDue(waitingSince)
	return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, workdays.Oslo), day
}

type inboxRow struct {
	ID, Subject, PersonID, Person, Preview, Last, Due string
	Waiting, Overdue, FromService                     bool
	due                                               time.Time
	last                                              int64
}

// staffInbox is GET /staff/inbox?service=ID: the service's threads, those waiting for an answer first
// (soonest deadline first), each with its deadline; overdue ones marked.
func (s *Server) staffInbox(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	svcs, err := s.services(ctx, sw)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	sv := pickService(svcs, r.URL.Query().Get("service"))
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.subject, p.id, p.name, t.last_message_at, t.last_preview, t.last_author, `+waitingSinceSQL+`
		FROM threads t JOIN persons p ON p.id = t.person_id WHERE t.service_id = ? ORDER BY t.last_message_at DESC, t.id DESC LIMIT 500`, sv.ID)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	defer rows.Close()
	now := s.now()
	var list []inboxRow
	for rows.Next() {
		var x inboxRow
		var author string
		var waiting sql.NullInt64
		if err := rows.Scan(&x.ID, &x.Subject, &x.PersonID, &x.Person, &x.last, &x.Preview, &author, &waiting); err != nil {
			s.staffErr(w, r, sw, err)
			return
		}
		x.Last = sw.when(fromMS(x.last))
		x.FromService = author == string(api.AuthorKindService)
		if waiting.Valid {
			end, day := replyDeadline(fromMS(waiting.Int64))
			x.Waiting, x.due, x.Overdue = true, end, !now.Before(end)
			x.Due = sw.day(day)
		}
		list = append(list, x)
	}
	if err := rows.Err(); err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Waiting != b.Waiting {
			return a.Waiting
		}
		if a.Waiting && !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		return false // both as the query sorted them: newest first
	})
	waiting, overdue := 0, 0
	for _, x := range list {
		if x.Waiting {
			waiting++
		}
		if x.Overdue {
			overdue++
		}
	}
	backlog, err := s.noticeBacklog(ctx)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	s.renderStaff(w, r, sw, http.StatusOK, "inbox", sw.T("InboxTitle", "Service", sv.Name), map[string]any{
		"Services": svcs, "Service": sv, "Rows": list, "Waiting": waiting, "Overdue": overdue,
		"Backlog": backlog, "Minutes": int(backlog.Oldest.Minutes()),
	})
}

// staffThreadRow is a thread the staff member may see, or errNotFound.
type staffThreadRow struct {
	ID, Subject, PersonID, Person, ServiceID, ServiceCode, ServiceName string
	waiting                                                            sql.NullInt64
}

func (s *Server) staffThreadOf(ctx context.Context, q querier, sw *staffWork, id string) (staffThreadRow, error) {
	var t staffThreadRow
	err := q.QueryRowContext(ctx, `SELECT t.id, t.subject, p.id, p.name, sv.id, sv.code, sv.name, `+waitingSinceSQL+`
		FROM threads t JOIN persons p ON p.id = t.person_id JOIN services sv ON sv.id = t.service_id WHERE t.id = ?`, id).
		Scan(&t.ID, &t.Subject, &t.PersonID, &t.Person, &t.ServiceID, &t.ServiceCode, &t.ServiceName, &t.waiting)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sw.acc.has(t.ServiceID)) {
		return t, errNotFound
	}
	t.ServiceName = serviceName(sw.lang, t.ServiceCode, t.ServiceName)
	return t, err
}

type staffMsgRow struct {
	Author, Role, ActedFor, When string
	Lines                        []string
	Service                      bool
}

// staffThread is GET /staff/threads/{id}: the whole conversation (who wrote, whether the citizen acted for
// the person), with the forms to reply, mark it as needing no answer and send it on. Logged.
func (s *Server) staffThread(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	t, err := s.staffThreadOf(ctx, s.db, sw, r.PathValue("id"))
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	if err := s.logAccess(ctx, sw, "thread", t.PersonID, t.ID); err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	rows, err := s.db.QueryContext(ctx, `SELECT author, author_name, staff_role, body, sent_at FROM messages WHERE thread_id = ? ORDER BY seq`, t.ID)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	defer rows.Close()
	var msgs []staffMsgRow
	for rows.Next() {
		var author, name, role, body string
		var sent int64
		if err := rows.Scan(&author, &name, &role, &body, &sent); err != nil {
			s.staffErr(w, r, sw, err)
			return
		}
		m := staffMsgRow{Author: name, When: sw.when(fromMS(sent)), Lines: splitLines(body), Service: author == string(api.AuthorKindService)}
		if m.Service {
			localRole(sw.lang, &role)
			m.Role = role
		} else if name != "" && name != t.Person {
			m.ActedFor = t.Person
		}
		if m.Author == "" && !m.Service {
			m.Author = t.Person
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	others, err := s.personServices(ctx, sw, t.PersonID, false)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	others = slices.DeleteFunc(others, func(sv staffService) bool { return sv.ID == t.ServiceID })
	data := map[string]any{"Thread": t, "Messages": msgs, "Forward": others}
	if t.waiting.Valid {
		end, day := replyDeadline(fromMS(t.waiting.Int64))
		data["Due"], data["Overdue"] = sw.day(day), !s.now().Before(end)
	}
	s.renderStaff(w, r, sw, http.StatusOK, "thread", t.Subject, data)
}

func splitLines(body string) []string {
	out := []string{}
	start := 0
	for i, c := range body {
		if c == '\n' {
			out = append(out, visible(trimCR(body[start:i])))
			start = i + 1
		}
	}
	return append(out, visible(trimCR(body[start:])))
}

func trimCR(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

// personServices lists the services a person receives: only the staff member's own (mine), or all.
func (s *Server) personServices(ctx context.Context, sw *staffWork, personID string, mine bool) ([]staffService, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sv.id, sv.code, sv.name FROM person_services ps JOIN services sv ON sv.id = ps.service_id
		WHERE ps.person_id = ? ORDER BY sv.id`, personID)
	return sw.scanServices(rows, err, mine)
}

// maxStaffText is the longest message a staff member writes (as the citizen's, api NewMessage).
const maxStaffText = 4000

// messageText reads a form's message: not blank, at most maxStaffText characters.
func messageText(r *http.Request, sw *staffWork, field string) (string, error) {
	body := formText(r, field)
	switch {
	case blank(body):
		return "", badRequest(field, sw.T("ErrEmpty"))
	case utf8.RuneCountInString(body) > maxStaffText:
		return "", badRequest(field, sw.T("ErrTooLong"))
	}
	return body, nil
}

// serviceMessage adds the staff member's message to a thread, as the citizen sees it: their name and role.
func (s *Server) serviceMessage(ctx context.Context, tx *sql.Tx, sw *staffWork, threadID, serviceID, body string) error {
	_, err := addMessage(ctx, tx, threadID, newMessage{Author: api.AuthorKindService, AuthorName: sw.sess.Name,
		StaffRole: sw.acc.title[serviceID], Body: body, SentAt: s.now()})
	return err
}

// staffReply is POST /staff/threads/{id}/reply: the citizen sees it at the kiosk, and gets a notice.
func (s *Server) staffReply(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	body, err := messageText(r, sw, "body")
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	var t staffThreadRow
	if !s.formTx(w, r, sw, func(tx *sql.Tx) error {
		if t, err = s.staffThreadOf(ctx, tx, sw, r.PathValue("id")); err != nil {
			return err
		}
		if err := s.serviceMessage(ctx, tx, sw, t.ID, t.ServiceID, body); err != nil {
			return err
		}
		return s.staffNotice(ctx, tx, t.PersonID, eventMessage)
	}) {
		return
	}
	seeOther(w, r, "/staff/threads/"+t.ID, "NoteReplied")
}

// staffCloseThread is POST /staff/threads/{id}/close: the thread needs no answer (it waits again when the
// citizen writes).
func (s *Server) staffCloseThread(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	var t staffThreadRow
	if !s.formTx(w, r, sw, func(tx *sql.Tx) (err error) {
		if t, err = s.staffThreadOf(ctx, tx, sw, r.PathValue("id")); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE threads SET closed_at = ? WHERE id = ?`, ms(s.now()), t.ID)
		return err
	}) {
		return
	}
	seeOther(w, r, "/staff/inbox?service="+t.ServiceID, "NoteClosed")
}

// staffForward is POST /staff/threads/{id}/forward: the thread moves to another service the person
// receives (whose staff then see it; this staff member may no longer).
func (s *Server) staffForward(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	to := formText(r, "service")
	var t staffThreadRow
	if !s.formTx(w, r, sw, func(tx *sql.Tx) (err error) {
		if t, err = s.staffThreadOf(ctx, tx, sw, r.PathValue("id")); err != nil {
			return err
		}
		switch ok, err := exists(ctx, tx, `SELECT 1 FROM person_services WHERE person_id = ? AND service_id = ?`, t.PersonID, to); {
		case err != nil:
			return err
		case !ok || to == t.ServiceID:
			return badRequest("service", sw.T("ErrService"))
		}
		_, err = tx.ExecContext(ctx, `UPDATE threads SET service_id = ? WHERE id = ?`, to, t.ID)
		return err
	}) {
		return
	}
	seeOther(w, r, "/staff/inbox?service="+t.ServiceID, "NoteForwarded")
}

// staffPersonOf is a person the staff member may see (one who receives one of their services), or
// errNotFound.
func (s *Server) staffPersonOf(ctx context.Context, q querier, sw *staffWork, id string) (id2, name string, hide bool, err error) {
	in, args := sw.acc.in()
	var h int
	err = q.QueryRowContext(ctx, `SELECT p.id, p.name, p.hide_staff_name FROM persons p WHERE p.id = ?
		AND EXISTS (SELECT 1 FROM person_services ps WHERE ps.person_id = p.id AND ps.service_id IN (`+in+`))`, append([]any{id}, args...)...).
		Scan(&id2, &name, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, errNotFound
	}
	return id2, name, h != 0, err
}

// staffPerson is GET /staff/persons/{id}: the person's visits and threads in the staff member's
// services, «hide the employee's name», and a form to start a thread. Logged.
func (s *Server) staffPerson(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	id, name, hide, err := s.staffPersonOf(ctx, s.db, sw, r.PathValue("id"))
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	if err := s.logAccess(ctx, sw, "person", id, ""); err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	svcs, err := s.personServices(ctx, sw, id, true)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	in, args := sw.acc.in()
	today := startOfDay(s.now())
	visits, err := s.staffVisitRows(ctx, sw, `a.person_id = ? AND a.service_id IN (`+in+`) AND a.start_at >= ? AND a.start_at < ?`,
		append(append([]any{id}, args...), ms(today.AddDate(0, 0, -7)), ms(today.AddDate(0, 0, 29)))...)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.subject, t.service_id, t.last_message_at FROM threads t
		WHERE t.person_id = ? AND t.service_id IN (`+in+`) ORDER BY t.last_message_at DESC LIMIT 100`, append([]any{id}, args...)...)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	defer rows.Close()
	type threadRow struct{ ID, Subject, Service, Last string }
	var threads []threadRow
	for rows.Next() {
		var t threadRow
		var last int64
		if err := rows.Scan(&t.ID, &t.Subject, &t.Service, &last); err != nil {
			s.staffErr(w, r, sw, err)
			return
		}
		t.Service = pickService(svcs, t.Service).Name
		t.Last = sw.when(fromMS(last))
		threads = append(threads, t)
	}
	if err := rows.Err(); err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	channel, reachable, err := s.noticeReach(ctx, id)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	s.renderStaff(w, r, sw, http.StatusOK, "person", name, map[string]any{
		"ID": id, "Name": name, "Hide": hide, "Services": svcs, "Visits": visits, "Threads": threads,
		"Channel": channel, "Reachable": reachable,
	})
}

// staffStartThread is POST /staff/persons/{id}/threads: a new thread from the service to the person.
func (s *Server) staffStartThread(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	subject := formText(r, "subject")
	if blank(subject) || utf8.RuneCountInString(subject) > 100 {
		s.staffErr(w, r, sw, badRequest("subject", sw.T("ErrSubject")))
		return
	}
	body, err := messageText(r, sw, "body")
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	svc := formText(r, "service")
	threadID := newID("t")
	if !s.formTx(w, r, sw, func(tx *sql.Tx) error {
		pid, _, _, err := s.staffPersonOf(ctx, tx, sw, r.PathValue("id"))
		if err != nil {
			return err
		}
		switch ok, err := exists(ctx, tx, `SELECT 1 FROM person_services WHERE person_id = ? AND service_id = ?`, pid, svc); {
		case err != nil:
			return err
		case !ok || !sw.acc.has(svc):
			return badRequest("service", sw.T("ErrService"))
		}
		if err := insertThread(ctx, tx, threadID, pid, svc, subject, s.now()); err != nil {
			return err
		}
		if err := s.serviceMessage(ctx, tx, sw, threadID, svc, body); err != nil {
			return err
		}
		return s.staffNotice(ctx, tx, pid, eventMessage)
	}) {
		return
	}
	seeOther(w, r, "/staff/threads/"+threadID, "NoteStarted")
}

// staffHideName is POST /staff/persons/{id}/hide-name (hide=1 or 0): whether the kiosk shows the employee's
// name on this person's visits or the role only.
func (s *Server) staffHideName(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	hide := 0
	switch formText(r, "hide") {
	case "1":
		hide = 1
	case "0":
	default:
		s.staffErr(w, r, sw, badRequest("hide", sw.T("ErrForm")))
		return
	}
	var pid string
	if !s.formTx(w, r, sw, func(tx *sql.Tx) (err error) {
		if pid, _, _, err = s.staffPersonOf(ctx, tx, sw, r.PathValue("id")); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE persons SET hide_staff_name = ? WHERE id = ?`, hide, pid)
		return err
	}) {
		return
	}
	seeOther(w, r, "/staff/persons/"+pid, "NoteSaved")
}

// startOfDay is 00:00 in Oslo of t's day.
func startOfDay(t time.Time) time.Time {
	t = t.In(workdays.Oslo)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, workdays.Oslo)
}

// ReplyAsStaff adds a staff member's answer to a thread as the staff page's reply does (the same write and
// the person's notice, in one transaction), for tools and tests that play the municipality's side.
func (s *Server) ReplyAsStaff(ctx context.Context, threadID, staffName, role, body string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var personID string
	if err := tx.QueryRowContext(ctx, `SELECT person_id FROM threads WHERE id = ?`, threadID).Scan(&personID); err != nil {
		return err
	}
	if _, err := addMessage(ctx, tx, threadID, newMessage{Author: api.AuthorKindService, AuthorName: staffName, StaffRole: role,
		Body: body, SentAt: s.now()}); err != nil {
		return err
	}
	if err := s.staffNotice(ctx, tx, personID, eventMessage); err != nil {
		return err
	}
	return tx.Commit()
}
