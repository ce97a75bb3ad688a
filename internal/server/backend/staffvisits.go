package backend

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// staffVisitRow is a visit as the staff pages show it.
type staffVisitRow struct {
	ID, PersonID, Person, ServiceID, When, Date, From, To, Place, What, Staff, Status, StatusText string
	CancelReason, CancelledBy, Done, Pending                                                      string
	HomeVisit, Booked                                                                             bool
	start, end                                                                                    time.Time
}

const staffVisitCols = `a.id, a.person_id, p.name, a.service_id, a.status, a.start_at, a.end_at, a.home_visit, a.address, a.description,
	a.staff_name, COALESCE(a.cancelled_by, ''), a.cancel_reason, a.completed_at, COALESCE(a.pending_request, '')`

func (sw *staffWork) scanVisit(row interface{ Scan(...any) error }) (staffVisitRow, error) {
	var v staffVisitRow
	var start, end int64
	var home int
	var done sql.NullInt64
	if err := row.Scan(&v.ID, &v.PersonID, &v.Person, &v.ServiceID, &v.Status, &start, &end, &home, &v.Place, &v.What,
		&v.Staff, &v.CancelledBy, &v.CancelReason, &done, &v.Pending); err != nil {
		return v, err
	}
	v.start, v.end = fromMS(start), fromMS(end)
	v.When = sw.window(v.start, v.end)
	v.Date, v.From, v.To = v.start.Format(time.DateOnly), v.start.Format("15:04"), v.end.Format("15:04")
	v.HomeVisit = home != 0
	v.Booked = v.Status == string(api.Booked)
	v.StatusText = sw.T("Status_" + v.Status)
	if done.Valid {
		v.Done = fromMS(done.Int64).Format("15:04")
	}
	return v, nil
}

// staffVisitRows lists visits by a condition on a (appointments) and p (persons), by time.
func (s *Server) staffVisitRows(ctx context.Context, sw *staffWork, where string, args ...any) ([]staffVisitRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+staffVisitCols+` FROM appointments a JOIN persons p ON p.id = a.person_id
		WHERE `+where+` ORDER BY a.start_at, a.id LIMIT 2000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []staffVisitRow
	for rows.Next() {
		v, err := sw.scanVisit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// staffVisitOf is a visit of one of the staff member's services, or errNotFound.
func (s *Server) staffVisitOf(ctx context.Context, q querier, sw *staffWork, id string) (staffVisitRow, error) {
	v, err := sw.scanVisit(q.QueryRowContext(ctx, `SELECT `+staffVisitCols+` FROM appointments a JOIN persons p ON p.id = a.person_id WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !sw.acc.has(v.ServiceID)) {
		return v, errNotFound
	}
	return v, err
}

type planDay struct {
	Label, Date string
	Today       bool
	Visits      []staffVisitRow
}

// staffPlan is GET /staff/plan?service=ID&day=YYYY-MM-DD&view=week|day: the service's visits of a week
// (Monday to Sunday) or a day, and, for those who may plan, the form for a new visit.
func (s *Server) staffPlan(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	svcs, err := s.services(ctx, sw)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	q := r.URL.Query()
	sv := pickService(svcs, q.Get("service"))
	today := startOfDay(s.now())
	day := today
	if d := q.Get("day"); d != "" {
		t, err := time.ParseInLocation(time.DateOnly, d, workdays.Oslo)
		if err != nil {
			s.staffFail(w, r, sw, badRequest("day", sw.T("ErrDate")))
			return
		}
		day = t
	}
	view := q.Get("view")
	if view != "day" {
		view = "week"
	}
	from, n := day, 1
	if view == "week" {
		from, n = day.AddDate(0, 0, -((int(day.Weekday())+6)%7)), 7
	}
	to := from.AddDate(0, 0, n)
	visits, err := s.staffVisitRows(ctx, sw, `a.service_id = ? AND a.start_at >= ? AND a.start_at < ?`, sv.ID, ms(from), ms(to))
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	days := make([]planDay, n)
	for i := range days {
		d := from.AddDate(0, 0, i)
		days[i] = planDay{Label: sw.day(d), Date: d.Format(time.DateOnly), Today: d.Equal(today)}
	}
	for _, v := range visits {
		i := int(startOfDay(v.start).Sub(from).Hours()+12) / 24
		if i >= 0 && i < n {
			days[i].Visits = append(days[i].Visits, v)
		}
	}
	step := 7
	if view == "day" {
		step = 1
	}
	data := map[string]any{
		"Services": svcs, "Service": sv, "View": view, "Days": days, "Day": day.Format(time.DateOnly),
		"Prev": day.AddDate(0, 0, -step).Format(time.DateOnly), "Next": day.AddDate(0, 0, step).Format(time.DateOnly),
		"Today": today.Format(time.DateOnly),
	}
	title := sw.T("WeekTitle", "Service", sv.Name, "From", sw.day(from), "To", sw.day(to.AddDate(0, 0, -1)))
	if view == "day" {
		title = sw.T("DayTitle", "Service", sv.Name, "Day", sw.day(from))
	}
	if sv.Plan {
		persons, err := s.servicePersons(ctx, sv.ID)
		if err != nil {
			s.staffErr(w, r, sw, err)
			return
		}
		data["Persons"] = persons
	}
	s.renderStaff(w, r, sw, http.StatusOK, "plan", title, data)
}

type personChoice struct{ ID, Name string }

// servicePersons lists the persons who receive a service, by name.
func (s *Server) servicePersons(ctx context.Context, serviceID string) ([]personChoice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name FROM persons p JOIN person_services ps ON ps.person_id = p.id
		WHERE ps.service_id = ? ORDER BY p.name, p.id`, serviceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []personChoice
	for rows.Next() {
		var p personChoice
		if err := rows.Scan(&p.ID, &p.Name); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// visitWindow reads a form's date, from and to (Oslo): to after from.
func visitWindow(r *http.Request, sw *staffWork) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation(time.DateOnly, formText(r, "date"), workdays.Oslo)
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("date", sw.T("ErrDate"))
	}
	clock := func(field string) (time.Time, error) {
		t, err := time.Parse("15:04", formText(r, field))
		if err != nil {
			return t, badRequest(field, sw.T("ErrTime"))
		}
		return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, workdays.Oslo), nil
	}
	start, err := clock("from")
	if err != nil {
		return start, start, err
	}
	end, err := clock("to")
	if err != nil {
		return start, end, err
	}
	if !end.After(start) {
		return start, end, badRequest("to", sw.T("ErrWindow"))
	}
	return start, end, nil
}

// shortText reads an optional one-line form field of at most max characters.
func shortText(r *http.Request, sw *staffWork, field string, max int) (string, error) {
	v := formText(r, field)
	if utf8.RuneCountInString(v) > max {
		return "", badRequest(field, sw.T("ErrTooLong"))
	}
	return visible(v), nil
}

// staffCreateVisit is POST /staff/visits: a new visit for a person (time window, home visit or place, what
// it is for, optionally the employee), by staff who may plan the service.
func (s *Server) staffCreateVisit(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	svc, pid := formText(r, "service"), formText(r, "person")
	if !sw.acc.canPlan(svc) {
		s.staffErr(w, r, sw, errNotFound)
		return
	}
	start, end, err := visitWindow(r, sw)
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	home := formText(r, "place") != "other"
	address, err := shortText(r, sw, "address", 200)
	if err == nil && !home && blank(address) {
		err = badRequest("address", sw.T("ErrAddress"))
	}
	if home {
		address = ""
	}
	var what, staff string
	if err == nil {
		what, err = shortText(r, sw, "what", 200)
	}
	if err == nil {
		staff, err = shortText(r, sw, "staff", 100)
	}
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	id := newID("a")
	if !s.formTx(w, r, sw, func(tx *sql.Tx) error {
		switch ok, err := exists(ctx, tx, `SELECT 1 FROM person_services WHERE person_id = ? AND service_id = ?`, pid, svc); {
		case err != nil:
			return err
		case !ok:
			return badRequest("person", sw.T("ErrPerson"))
		}
		hv := 0
		if home {
			hv = 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appointments (id, person_id, service_id, status, start_at, end_at, home_visit, address, staff_role, description, staff_name)
			VALUES (?, ?, ?, 'booked', ?, ?, ?, ?, ?, ?, ?)`, id, pid, svc, ms(start), ms(end), hv, address, sw.acc.title[svc], what, staff); err != nil {
			return err
		}
		return s.staffNotice(ctx, tx, pid, eventVisitChanged)
	}) {
		return
	}
	seeOther(w, r, "/staff/plan?service="+svc+"&day="+start.Format(time.DateOnly), "NoteCreated")
}

// staffVisit is GET /staff/visits/{id}: one visit with what may be done to it. Logged (a person's visits).
func (s *Server) staffVisit(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	v, err := s.staffVisitOf(ctx, s.db, sw, r.PathValue("id"))
	if err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	if err := s.logAccess(ctx, sw, "visit", v.PersonID, v.ID); err != nil {
		s.staffErr(w, r, sw, err)
		return
	}
	now := s.now().In(workdays.Oslo)
	s.renderStaff(w, r, sw, http.StatusOK, "visit", sw.T("VisitTitle", "Person", v.Person, "When", v.When), map[string]any{
		"V": v, "Plan": sw.acc.canPlan(v.ServiceID), "Now": now.Format("15:04"),
	})
}

// staffVisitAction is POST /staff/visits/{id}/{action}: assign (the employee), change (the time window),
// cancel (with the reason the citizen sees), done (at a time), notmet. Assigning and moving need the plan
// right; cancelling and marking done or not met any staff of the service. Only a booked visit changes.
func (s *Server) staffVisitAction(w http.ResponseWriter, r *http.Request, sw *staffWork) {
	ctx := r.Context()
	action := r.PathValue("action")
	switch action {
	case "assign", "change", "cancel", "done", "notmet":
	default:
		s.staffErr(w, r, sw, errNotFound) // no such form, whatever the visit
		return
	}
	var v staffVisitRow
	if !s.formTx(w, r, sw, func(tx *sql.Tx) (err error) {
		if v, err = s.staffVisitOf(ctx, tx, sw, r.PathValue("id")); err != nil {
			return err
		}
		if !v.Booked {
			return problem(http.StatusConflict, api.NotCancellable, sw.T("ErrNotBooked"))
		}
		ev := eventVisitChanged
		switch action {
		case "assign":
			if !sw.acc.canPlan(v.ServiceID) {
				return problem(http.StatusForbidden, api.ScopeMissing, sw.T("ErrPlan"))
			}
			name, err := shortText(r, sw, "staff", 100)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE appointments SET staff_name = ? WHERE id = ?`, name, v.ID)
			if err != nil {
				return err
			}
		case "change":
			if !sw.acc.canPlan(v.ServiceID) {
				return problem(http.StatusForbidden, api.ScopeMissing, sw.T("ErrPlan"))
			}
			start, end, err := visitWindow(r, sw)
			if err != nil {
				return err
			}
			if err := moveVisit(ctx, tx, v.ID, start, end); err != nil {
				return err
			}
		case "cancel":
			reason, err := shortText(r, sw, "reason", 300)
			if err != nil {
				return err
			}
			if blank(reason) {
				return badRequest("reason", sw.T("ErrReason"))
			}
			if err := cancelVisit(ctx, tx, v.ID, "service", reason); err != nil {
				return err
			}
			// The citizen's open requests on it are answered by the cancellation.
			if _, err := tx.ExecContext(ctx, `UPDATE appointment_requests SET status = CASE kind WHEN 'cancellation' THEN 'accepted' ELSE 'declined' END,
				decided_at = ?, decided_by = ? WHERE appointment_id = ? AND status = 'sent'`, ms(s.now()), sw.sess.Name, v.ID); err != nil {
				return err
			}
			ev = eventVisitCancelled
		case "done":
			at, err := time.Parse("15:04", formText(r, "at"))
			if err != nil {
				return badRequest("at", sw.T("ErrTime"))
			}
			d := v.start.In(workdays.Oslo)
			done := time.Date(d.Year(), d.Month(), d.Day(), at.Hour(), at.Minute(), 0, 0, workdays.Oslo)
			if done.After(s.now()) {
				return badRequest("at", sw.T("ErrFuture"))
			}
			if _, err := tx.ExecContext(ctx, `UPDATE appointments SET status = 'fulfilled', completed_at = ?, pending_request = NULL WHERE id = ?`, ms(done), v.ID); err != nil {
				return err
			}
			if err := closeRequests(ctx, tx, v.ID, sw.sess.Name, s.now()); err != nil {
				return err
			}
			ev = eventVisitDone
		case "notmet":
			if _, err := tx.ExecContext(ctx, `UPDATE appointments SET status = 'noshow', pending_request = NULL WHERE id = ?`, v.ID); err != nil {
				return err
			}
			if err := closeRequests(ctx, tx, v.ID, sw.sess.Name, s.now()); err != nil {
				return err
			}
		default:
			return errNotFound
		}
		if action == "notmet" {
			return nil
		}
		return s.staffNotice(ctx, tx, v.PersonID, ev)
	}) {
		return
	}
	seeOther(w, r, "/staff/visits/"+v.ID, "NoteSaved")
}

// moveVisit gives a visit a new time window; a pending change request is then answered.
func moveVisit(ctx context.Context, tx *sql.Tx, id string, start, end time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE appointments SET start_at = ?, end_at = ?, pending_request = NULL WHERE id = ?`, ms(start), ms(end), id)
	return err
}

// cancelVisit cancels a visit: by the service (with the reason the citizen sees) or at the citizen's request.
func cancelVisit(ctx context.Context, tx *sql.Tx, id, by, reason string) error {
	_, err := tx.ExecContext(ctx, `UPDATE appointments SET status = 'cancelled', cancelled_by = ?, cancel_reason = ?, pending_request = NULL WHERE id = ?`, by, reason, id)
	return err
}

// closeRequests settles the requests still open on a visit that is done or not met: they are declined
// (there is nothing left to cancel or move).
func closeRequests(ctx context.Context, tx *sql.Tx, visitID, by string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE appointment_requests SET status = 'declined', decided_at = ?, decided_by = ? WHERE appointment_id = ? AND status = 'sent'`,
		ms(now), by, visitID)
	return err
}
