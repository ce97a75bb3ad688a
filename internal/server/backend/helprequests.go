package backend

import (
	"context"
	"database/sql"
	"errors"
	"net/http"

	"github.com/helsekiosk/helsekiosk/api"
)

func getHelpRequest(ctx context.Context, q querier, id string) (api.HelpRequest, error) {
	var hr api.HelpRequest
	var created int64
	var handled sql.NullInt64
	var status string
	err := q.QueryRowContext(ctx, `SELECT id, kiosk_name, screen, created_at, status, handled_at FROM help_requests WHERE id = ?`, id).
		Scan(&hr.Id, &hr.KioskName, &hr.Screen, &created, &status, &handled)
	if errors.Is(err, sql.ErrNoRows) {
		return hr, errNotFound
	}
	hr.CreatedAt = fromMS(created)
	hr.HandledAt = fromNullMS(handled)
	hr.Status = api.HelpRequestStatus(status)
	return hr, err
}

// A help request belongs to the kiosk (issuer + client_id) that made it: only that kiosk reads or withdraws
// it, any other caller gets 404 (staff see them all on the staff page).

func (h handler) CreateHelpRequest(w http.ResponseWriter, r *http.Request, _ api.CreateHelpRequestParams) {
	s := h.s
	kiosk, ok := s.authenticateKiosk(w, r)
	if !ok {
		return
	}
	var in api.NewHelpRequest
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if blank(in.KioskName) {
		s.writeErr(w, r, badRequest("kioskName", "The kiosk name is empty."))
		return
	}
	if blank(in.Screen) {
		s.writeErr(w, r, badRequest("screen", "The screen is empty."))
		return
	}
	ctx := r.Context()
	s.writeTx(w, r, "kiosk:"+kiosk.owner(), func(tx *sql.Tx) (int, any, error) {
		id := newID("h")
		if _, err := tx.ExecContext(ctx, `INSERT INTO help_requests (id, kiosk_name, screen, created_at, owner) VALUES (?, ?, ?, ?, ?)`,
			id, in.KioskName, in.Screen, ms(s.now()), kiosk.owner()); err != nil {
			return 0, nil, err
		}
		hr, err := getHelpRequest(ctx, tx, id)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, hr, nil
	})
}

// ownHelpRequest is errNotFound unless the help request exists and belongs to owner.
func ownHelpRequest(ctx context.Context, q querier, id, owner string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM help_requests WHERE id = ? AND owner = ?`, id, owner).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errNotFound
	}
	return nil
}

func (h handler) GetHelpRequest(w http.ResponseWriter, r *http.Request, id api.HelpRequestId) {
	kiosk, ok := h.s.authenticateKiosk(w, r)
	if !ok {
		return
	}
	if err := ownHelpRequest(r.Context(), h.s.db, id, kiosk.owner()); err != nil {
		h.s.writeErr(w, r, err)
		return
	}
	hr, err := getHelpRequest(r.Context(), h.s.db, id)
	if err != nil {
		h.s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hr)
}

func (h handler) WithdrawHelpRequest(w http.ResponseWriter, r *http.Request, id api.HelpRequestId, _ api.WithdrawHelpRequestParams) {
	s := h.s
	kiosk, ok := s.authenticateKiosk(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	s.writeTx(w, r, "kiosk:"+kiosk.owner(), func(tx *sql.Tx) (int, any, error) {
		if err := ownHelpRequest(ctx, tx, id, kiosk.owner()); err != nil {
			return 0, nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE help_requests SET status = 'withdrawn' WHERE id = ? AND status = 'open'`, id); err != nil {
			return 0, nil, err
		}
		hr, err := getHelpRequest(ctx, tx, id)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, hr, nil
	})
}

// HelpRequests lists help requests (newest first), for a staff page. status "" lists all.
func (s *Server) HelpRequests(ctx context.Context, status string) ([]api.HelpRequest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM help_requests WHERE ? = '' OR status = ? ORDER BY created_at DESC, id DESC`, status, status)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]api.HelpRequest, 0, len(ids))
	for _, id := range ids {
		hr, err := getHelpRequest(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, hr)
	}
	return out, nil
}

// HandleHelpRequest marks an open help request handled (staff came to the kiosk).
func (s *Server) HandleHelpRequest(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE help_requests SET status = 'handled', handled_at = ? WHERE id = ? AND status = 'open'`, ms(s.now()), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := getHelpRequest(ctx, s.db, id); err != nil {
			return err
		}
	}
	return nil
}
