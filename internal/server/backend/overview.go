package backend

import (
	"database/sql"
	"errors"
	"net/http"

	"github.com/helsekiosk/helsekiosk/api"
)

// GetOverview answers the home screen in one call: the unread count and the next booked appointment that
// has not ended, each only when the caller's scopes for the person cover it.
func (h handler) GetOverview(w http.ResponseWriter, r *http.Request, personID api.PersonId, _ api.GetOverviewParams) {
	s := h.s
	_, a, ok := s.actFor(w, r, personID, "", false)
	if !ok {
		return
	}
	ctx := r.Context()
	var out api.Overview
	if a.has(api.Messages) {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM threads WHERE person_id = ? AND unread = 1`, personID).Scan(&n); err != nil {
			s.writeErr(w, r, err)
			return
		}
		out.UnreadCount = &n
	}
	if a.has(api.Appointments) {
		ap, err := scanAppointment(s.db.QueryRowContext(ctx, `SELECT `+apptCols+` FROM appointments a JOIN services s ON s.id = a.service_id
			WHERE a.person_id = ? AND a.status = 'booked' AND a.end_at > ? ORDER BY a.start_at, a.id LIMIT 1`, personID, ms(s.now())))
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			s.writeErr(w, r, err)
			return
		default:
			out.NextAppointment = &ap
		}
	}
	localize(w, r, &out)
	writeJSON(w, http.StatusOK, out)
}
