package backend

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
)

// staffTask is a citizen's cancellation or change request waiting for the service.
type staffTask struct {
	ID, Kind, Created, Reason, Comment, ThreadID, PersonID, Person string
	Visit                                                          staffVisitRow
	Proposed                                                       []proposedTime
}

type proposedTime struct {
	Index      int
	Text       string
	start, end time.Time
}

const staffTaskCols = `r.id, r.kind, r.created_at, r.reason, r.comment, r.proposed_times, COALESCE(r.thread_id, ''), ` + staffVisitCols

func (sw *staffWork) scanTask(row interface{ Scan(...any) error }) (staffTask, error) {
	var t staffTask
	var created int64
	var proposed string
	var v staffVisitRow
	var start, end int64
	var home int
	var done sql.NullInt64
	if err := row.Scan(&t.ID, &t.Kind, &created, &t.Reason, &t.Comment, &proposed, &t.ThreadID,
		&v.ID, &v.PersonID, &v.Person, &v.ServiceID, &v.Status, &start, &end, &home, &v.Place, &v.What,
		&v.Staff, &v.CancelledBy, &v.CancelReason, &done, &v.Pending); err != nil {
		return t, err
	}
	v.start, v.end = fromMS(start), fromMS(end)
	v.When = sw.window(v.start, v.end)
	v.HomeVisit, v.Booked = home != 0, v.Status == string(api.Booked)
	v.StatusText = sw.T("Status_" + v.Status)
	t.Visit, t.PersonID, t.Person = v, v.PersonID, v.Person
	t.Created = sw.when(fromMS(created))
	if t.Reason != "" {
		t.Reason = sw.T("Reason_" + t.Reason)
	}
	t.Comment = visible2(t.Comment)
	var tw []api.TimeWindow
	if json.Unmarshal([]byte(proposed), &tw) == nil {
		for i, p := range tw {
			t.Proposed = append(t.Proposed, proposedTime{Index: i, Text: sw.window(p.Start, p.End), start: p.Start, end: p.End})
		}
	}
	return t, nil
}

// staffTasks is GET /staff/tasks: the open cancellation and change requests of the staff member's services,
// oldest first, each with the visit, the reason and the wish, and the forms to accept or decline.
func (s *Server) staffTasks(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	in, args := sw.acc.in()
	rows, err := s.db.QueryContext(ctx, `SELECT `+staffTaskCols+` FROM appointment_requests r JOIN appointments a ON a.id = r.appointment_id
		JOIN persons p ON p.id = a.person_id WHERE r.status = 'sent' AND a.service_id IN (`+in+`) ORDER BY r.created_at, r.id LIMIT 500`, args...)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	defer rows.Close()
	var tasks []staffTask
	for rows.Next() {
		t, err := sw.scanTask(rows)
		if err != nil {
			s.staffErr(w, r, sw, err)
			return
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	s.renderStaff(w, r, sw, http.StatusOK, "tasks", sw.T("TasksTitle"), map[string]any{"Tasks": tasks})
}

// staffTaskOf is an open request on a visit of one of the staff member's services, or errNotFound.
func (s *Server) staffTaskOf(ctx context.Context, tx *sql.Tx, sw *staffWork, id string) (staffTask, error) {
	t, err := sw.scanTask(tx.QueryRowContext(ctx, `SELECT `+staffTaskCols+` FROM appointment_requests r JOIN appointments a ON a.id = r.appointment_id
		JOIN persons p ON p.id = a.person_id WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sw.acc.has(t.Visit.ServiceID)) {
		return t, errNotFound
	}
	return t, err
}

// decide marks the request decided, once: a second decision (another staff member's, a replica's) is 409.
func decide(ctx context.Context, tx *sql.Tx, sw *staffWork, id, status string, now time.Time) error {
	res, err := tx.ExecContext(ctx, `UPDATE appointment_requests SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'sent'`,
		status, ms(now), sw.sess.Name, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return problem(http.StatusConflict, api.NotCancellable, sw.T("ErrAnswered"))
	}
	return nil
}

// citizenWork is sw speaking the person's language, for the texts the backend writes to the citizen in a
// staff member's name (an accepted or declined request): the language the person chose at the kiosk (kept
// with the notices' settings), else the staff member's.
func (s *Server) citizenWork(ctx context.Context, tx *sql.Tx, sw *staffWork, personID string) (*staffWork, error) {
	var stored string
	if err := tx.QueryRowContext(ctx, `SELECT language FROM persons WHERE id = ?`, personID).Scan(&stored); err != nil {
		return nil, err
	}
	switch l := Lang(stored); l {
	case LangNN, LangNB, LangEN:
		if l != sw.lang {
			cw := newStaffWork(sw.sess, l)
			cw.acc = sw.acc
			return cw, nil
		}
	}
	return sw, nil
}

// taskThread is the thread the request was written in (a new one when it has none any more); a new one's
// subject is in cw's language.
func (s *Server) taskThread(ctx context.Context, tx *sql.Tx, sw *staffWork, t staffTask) (string, error) {
	if t.ThreadID != "" {
		return t.ThreadID, nil
	}
	id := newID("t")
	return id, insertThread(ctx, tx, id, t.PersonID, t.Visit.ServiceID, sw.T("VisitSubject"), s.now())
}

// staffAcceptTask is POST /staff/tasks/{id}/accept: a cancellation cancels the visit (cancelled by the
// citizen); a change moves it to the proposed time chosen (slot=N) or to date/from/to (slot=other). The
// citizen gets a message in the request's thread and a notice.
func (s *Server) staffAcceptTask(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	// The optional message is bounded as every staff message is (messageText).
	extra := formText(r, "message")
	if utf8.RuneCountInString(extra) > maxStaffText {
		s.staffErr(w, r, sw, badRequest("message", sw.T("ErrTooLong")))
		return
	}
	if !s.formTx(w, r, sw, func(tx *sql.Tx) error {
		t, err := s.staffTaskOf(ctx, tx, sw, r.PathValue("id"))
		if err != nil {
			return err
		}
		if !t.Visit.Booked {
			return problem(http.StatusConflict, api.NotCancellable, sw.T("ErrNotBooked"))
		}
		if err := decide(ctx, tx, sw, t.ID, "accepted", s.now()); err != nil {
			return err
		}
		cw, err := s.citizenWork(ctx, tx, sw, t.PersonID)
		if err != nil {
			return err
		}
		var text string
		ev := eventVisitCancelled
		if t.Kind == string(api.AppointmentRequestKindCancellation) {
			if err := cancelVisit(ctx, tx, t.Visit.ID, "citizen", ""); err != nil {
				return err
			}
			text = cw.T("AutoCancelled", "When", cw.window(t.Visit.start, t.Visit.end))
		} else {
			var start, end time.Time
			slot := formText(r, "slot")
			if slot == "other" || len(t.Proposed) == 0 {
				if start, end, err = visitWindow(r, sw); err != nil {
					return err
				}
			} else {
				i, err := strconv.Atoi(slot)
				if err != nil || i < 0 || i >= len(t.Proposed) {
					return badRequest("slot", sw.T("ErrForm"))
				}
				start, end = t.Proposed[i].start, t.Proposed[i].end
			}
			if err := moveVisit(ctx, tx, t.Visit.ID, start, end); err != nil {
				return err
			}
			text = cw.T("AutoMoved", "When", cw.window(t.Visit.start, t.Visit.end), "New", cw.window(start, end))
			ev = eventVisitChanged
		}
		if extra != "" {
			text += "\n\n" + extra
		}
		thread, err := s.taskThread(ctx, tx, cw, t)
		if err != nil {
			return err
		}
		if err := s.serviceMessage(ctx, tx, sw, thread, t.Visit.ServiceID, text); err != nil {
			return err
		}
		return s.staffNotice(ctx, tx, t.PersonID, ev)
	}) {
		return
	}
	seeOther(w, r, "/staff/tasks", "NoteAccepted")
}

// staffDeclineTask is POST /staff/tasks/{id}/decline with a message to the citizen: the visit stays as it
// is, and the citizen reads why in the request's thread.
func (s *Server) staffDeclineTask(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	msg, err := messageText(r, sw, "message")
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	if !s.formTx(w, r, sw, func(tx *sql.Tx) error {
		t, err := s.staffTaskOf(ctx, tx, sw, r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := decide(ctx, tx, sw, t.ID, "declined", s.now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE appointments SET pending_request = NULL WHERE id = ?`, t.Visit.ID); err != nil {
			return err
		}
		cw, err := s.citizenWork(ctx, tx, sw, t.PersonID)
		if err != nil {
			return err
		}
		thread, err := s.taskThread(ctx, tx, cw, t)
		if err != nil {
			return err
		}
		if err := s.serviceMessage(ctx, tx, sw, thread, t.Visit.ServiceID, cw.T("AutoDeclined", "When", cw.window(t.Visit.start, t.Visit.end))+"\n\n"+msg); err != nil {
			return err
		}
		return s.staffNotice(ctx, tx, t.PersonID, eventMessage)
	}) {
		return
	}
	seeOther(w, r, "/staff/tasks", "NoteDeclined")
}
