package backend

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// MaxAppointmentRangeDays is the longest [from, to) a list may ask for.
const MaxAppointmentRangeDays = 400

// The municipality's cancellation rule (GET /v1/rules/cancellation).
const (
	CancelWorkingDaysBefore = 1
	CancelCutoff            = "15:00"
	CancelTimeZone          = "Europe/Oslo"
	CancelPhone             = "23 32 70 00"
)

const apptCols = `a.id, a.status, a.start_at, a.end_at, a.home_visit, a.address, a.staff_role, a.description, a.completed_at,
	a.pending_request, s.id, s.code, s.name, a.staff_name, COALESCE(a.cancelled_by, ''), a.cancel_reason,
	(SELECT hp.hide_staff_name FROM persons hp WHERE hp.id = a.person_id)`

func scanAppointment(row interface{ Scan(...any) error }) (api.Appointment, error) {
	var a api.Appointment
	var status, address, role, desc string
	var start, end int64
	var completed sql.NullInt64
	var pending sql.NullString
	var staffName, cancelledBy, cancelReason string
	var hide int
	if err := row.Scan(&a.Id, &status, &start, &end, &a.HomeVisit, &address, &role, &desc, &completed, &pending,
		&a.Service.Id, &a.Service.Code, &a.Service.Name, &staffName, &cancelledBy, &cancelReason, &hide); err != nil {
		return a, err
	}
	// The employee's name: on a booked or fulfilled visit that is assigned, unless hidden for this person.
	if staffName != "" && hide == 0 && (status == string(api.Booked) || status == string(api.Fulfilled)) {
		a.StaffName = &staffName
	}
	if status == string(api.Cancelled) && cancelledBy != "" {
		by := api.AppointmentCancelledBy(cancelledBy)
		a.CancelledBy = &by
		if by == api.AppointmentCancelledByService && cancelReason != "" {
			a.CancellationReason = &cancelReason
		}
	}
	a.Status = api.AppointmentStatus(status)
	a.Start, a.End = fromMS(start), fromMS(end)
	if address != "" {
		a.Address = &address
	}
	if role != "" {
		a.StaffRole = &role
	}
	if desc != "" {
		a.Description = &desc
	}
	a.CompletedAt = fromNullMS(completed)
	if pending.Valid {
		p := api.AppointmentPendingRequest(pending.String)
		a.PendingRequest = &p
	}
	if a.Status == api.Booked {
		if d, err := cancellationDeadline(a.Start); err == nil {
			a.CancellableUntil = &d
		}
	}
	return a, nil
}

// cancellationDeadline applies the municipality's rule to a visit.
func cancellationDeadline(start time.Time) (time.Time, error) {
	return workdays.CancellationDeadline(start, CancelWorkingDaysBefore, CancelCutoff)
}

func getAppointment(ctx context.Context, q querier, personID, id string) (api.Appointment, error) {
	a, err := scanAppointment(q.QueryRowContext(ctx, `SELECT `+apptCols+` FROM appointments a JOIN services s ON s.id = a.service_id
		WHERE a.id = ? AND a.person_id = ?`, id, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errNotFound
	}
	return a, err
}

func (h handler) ListAppointments(w http.ResponseWriter, r *http.Request, personID api.PersonId, params api.ListAppointmentsParams) {
	s := h.s
	if _, _, ok := s.actFor(w, r, personID, api.Appointments, false); !ok {
		return
	}
	from := time.Date(params.From.Year(), params.From.Month(), params.From.Day(), 0, 0, 0, 0, workdays.Oslo)
	to := time.Date(params.To.Year(), params.To.Month(), params.To.Day(), 0, 0, 0, 0, workdays.Oslo)
	if !to.After(from) {
		s.writeErr(w, r, badRequest("to", "to must be after from."))
		return
	}
	if days := params.To.Sub(params.From.Time).Hours() / 24; days > MaxAppointmentRangeDays {
		s.writeErr(w, r, badRequest("to", fmt.Sprintf("to may be at most %d days after from.", MaxAppointmentRangeDays)))
		return
	}
	rows, err := s.db.QueryContext(r.Context(), `SELECT `+apptCols+` FROM appointments a JOIN services s ON s.id = a.service_id
		WHERE a.person_id = ? AND a.start_at >= ? AND a.start_at < ? ORDER BY a.start_at, a.id`, personID, ms(from), ms(to))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer rows.Close()
	out := []api.Appointment{}
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		s.writeErr(w, r, err)
		return
	}
	localize(w, r, out)
	writeJSON(w, http.StatusOK, out)
}

func (h handler) GetAppointment(w http.ResponseWriter, r *http.Request, personID api.PersonId, appointmentID api.AppointmentId, _ api.GetAppointmentParams) {
	s := h.s
	if _, _, ok := s.actFor(w, r, personID, api.Appointments, false); !ok {
		return
	}
	a, err := getAppointment(r.Context(), s.db, personID, appointmentID)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	localize(w, r, &a)
	writeJSON(w, http.StatusOK, a)
}

var (
	weekdaysNB = [...]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"}
	monthsNB   = [...]string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"}
)

// postRequest stores an appointment request: the request row, the appointment's pendingRequest and a
// message in the person's latest thread with the service (a new thread when there is none). The caller
// runs it inside the write's transaction.
func (s *Server) postRequest(ctx context.Context, tx *sql.Tx, sess *citizenCall, personID string, a api.Appointment,
	kind api.AppointmentRequestKind, reason, comment string, proposed []api.TimeWindow, subject, text string) (api.AppointmentRequest, error) {
	now := s.now()
	var threadID string
	err := tx.QueryRowContext(ctx, `SELECT id FROM threads WHERE person_id = ? AND service_id = ? ORDER BY last_message_at DESC, id DESC LIMIT 1`,
		personID, a.Service.Id).Scan(&threadID)
	if errors.Is(err, sql.ErrNoRows) {
		threadID = newID("t")
		err = insertThread(ctx, tx, threadID, personID, a.Service.Id, subject, now)
	}
	if err != nil {
		return api.AppointmentRequest{}, err
	}
	if _, err := addMessage(ctx, tx, threadID, newMessage{Author: api.AuthorKindCitizen, AuthorName: sess.Citizen.Name, Body: text, SentAt: now}); err != nil {
		return api.AppointmentRequest{}, err
	}
	if proposed == nil {
		proposed = []api.TimeWindow{}
	}
	pj, _ := json.Marshal(proposed)
	id := newID("ar")
	if _, err := tx.ExecContext(ctx, `INSERT INTO appointment_requests (id, appointment_id, kind, status, created_at, created_by, thread_id, reason, comment, proposed_times)
		VALUES (?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?)`, id, a.Id, string(kind), ms(now), sess.Citizen.ID, threadID, reason, comment, string(pj)); err != nil {
		return api.AppointmentRequest{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE appointments SET pending_request = ? WHERE id = ?`, string(kind), a.Id); err != nil {
		return api.AppointmentRequest{}, err
	}
	return api.AppointmentRequest{Id: id, AppointmentId: a.Id, Kind: kind, Status: api.Sent, CreatedAt: fromMS(ms(now)), ThreadId: &threadID}, nil
}

func (h handler) RequestCancellation(w http.ResponseWriter, r *http.Request, personID api.PersonId, appointmentID api.AppointmentId, _ api.RequestCancellationParams) {
	s := h.s
	sess, _, ok := s.actFor(w, r, personID, api.Appointments, false)
	if !ok {
		return
	}
	var in api.CancellationRequest
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if !in.Reason.Valid() {
		s.writeErr(w, r, badRequest("reason", "Unknown reason."))
		return
	}
	comment := optionalText(in.Comment)
	if in.Reason == api.Other && comment == "" {
		s.writeErr(w, r, badRequest("comment", "A comment is required when the reason is other."))
		return
	}
	ctx := r.Context()
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		a, err := bookedAppointment(ctx, tx, personID, appointmentID, "cancelled")
		if err != nil {
			return 0, nil, err
		}
		if a.CancellableUntil == nil || !s.now().Before(*a.CancellableUntil) {
			return 0, nil, problem(http.StatusConflict, api.CancellationDeadlinePassed,
				"The deadline for cancelling has passed; call "+CancelPhone+".")
		}
		t := textsFor(langOf(r)) // in the citizen's language, the kiosk's words
		req, err := s.postRequest(ctx, tx, sess, personID, a, api.AppointmentRequestKindCancellation, string(in.Reason), comment, nil,
			t.cancelSubject, t.cancellationText(a, in.Reason, comment))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, req, nil
	})
}

// optionalText is an optional text field, trimmed ("" when absent).
func optionalText(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// bookedAppointment reads one of personID's appointments for a request about it: only a booked one can
// be cancelled or changed (409 not_cancellable otherwise; what says which, for the message).
func bookedAppointment(ctx context.Context, tx *sql.Tx, personID, appointmentID, what string) (api.Appointment, error) {
	a, err := getAppointment(ctx, tx, personID, appointmentID)
	if err == nil && a.Status != api.Booked {
		err = problem(http.StatusConflict, api.NotCancellable, "Only a booked appointment can be "+what+".")
	}
	return a, err
}

func (h handler) RequestChange(w http.ResponseWriter, r *http.Request, personID api.PersonId, appointmentID api.AppointmentId, _ api.RequestChangeParams) {
	s := h.s
	sess, _, ok := s.actFor(w, r, personID, api.Appointments, false)
	if !ok {
		return
	}
	var in api.ChangeRequest
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	comment := optionalText(in.Comment)
	var proposed []api.TimeWindow
	if in.ProposedTimes != nil {
		proposed = *in.ProposedTimes
	}
	now := s.now()
	if len(proposed) > 3 {
		s.writeErr(w, r, badRequest("proposedTimes", "At most three proposed times."))
		return
	}
	for i, tw := range proposed {
		switch {
		case !tw.Start.After(now):
			s.writeErr(w, r, badRequest(fmt.Sprintf("proposedTimes.%d.start", i), "A proposed time must be in the future."))
			return
		case !tw.End.After(tw.Start):
			s.writeErr(w, r, badRequest(fmt.Sprintf("proposedTimes.%d.end", i), "A proposed time must end after it starts."))
			return
		}
	}
	if len(proposed) == 0 && comment == "" {
		s.writeErr(w, r, badRequest("comment", "Propose a time or write a wish."))
		return
	}
	ctx := r.Context()
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		a, err := bookedAppointment(ctx, tx, personID, appointmentID, "changed")
		if err != nil {
			return 0, nil, err
		}
		t := textsFor(langOf(r))
		req, err := s.postRequest(ctx, tx, sess, personID, a, api.AppointmentRequestKindChange, "", comment, proposed,
			t.changeSubject, t.changeText(a, proposed, comment))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, req, nil
	})
}

// GetCancellationRule answers GET /v1/rules/cancellation.
func (h handler) GetCancellationRule(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.s.authenticate(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, api.CancellationRule{
		WorkingDaysBefore: CancelWorkingDaysBefore,
		CutoffTime:        CancelCutoff,
		TimeZone:          CancelTimeZone,
		Phone:             CancelPhone,
	})
}
