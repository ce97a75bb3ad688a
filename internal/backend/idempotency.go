package backend

import (
	"database/sql"
	"encoding/json"
	"net/http"

	"github.com/helsekiosk/helsekiosk/api"
)

// writeTx runs a write in one transaction together with its Idempotency-Key record. fn returns the
// status and JSON body (nil for none) to answer, or an error (a *problemError for a 4xx) that rolls
// everything back. A repeat of the key with the same body answers the stored response verbatim.
//
// The key's record is inserted first (ON CONFLICT DO NOTHING) and completed with the answer before the
// commit. So on PostgreSQL, where replicas run writes at once, a second request with the same key waits on
// the first one's uncommitted row: if that commits, the second finds it and replays it; if it rolls back,
// the second inserts the record and runs the write itself. Never do both run the write.
func (s *Server) writeTx(w http.ResponseWriter, r *http.Request, caller string, fn func(tx *sql.Tx) (int, any, error)) {
	key := r.Header.Get("Idempotency-Key")
	endpoint := r.Method + " " + r.URL.Path
	hash := sha256Hex(rawBody(r))
	ctx := r.Context()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer tx.Rollback()
	if key != "" {
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency (caller, endpoint, key, body_hash, status, content_type, created_at)
			VALUES (?, ?, ?, ?, 0, '', ?) ON CONFLICT DO NOTHING`, caller, endpoint, key, hash, s.now().UnixMilli())
		var n int64
		if err == nil {
			n, err = res.RowsAffected()
		}
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		if n == 0 { // the key was used before (and, if by a write in flight, that one has committed by now)
			var storedHash, ct string
			var status int
			var stored []byte
			err := tx.QueryRowContext(ctx, `SELECT body_hash, status, content_type, response_body FROM idempotency
				WHERE caller = ? AND endpoint = ? AND key = ?`, caller, endpoint, key).Scan(&storedHash, &status, &ct, &stored)
			if err != nil {
				s.writeErr(w, r, err)
				return
			}
			if storedHash != hash {
				writeProblem(w, r, fieldProblem(http.StatusUnprocessableEntity, api.IdempotencyKeyReused, "Idempotency-Key",
					"This Idempotency-Key was used before with a different request body."))
				return
			}
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(status)
			_, _ = w.Write(stored)
			return
		}
	}
	status, v, err := fn(tx)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var out []byte
	ct := ""
	if v != nil {
		if out, err = json.Marshal(v); err != nil {
			s.writeErr(w, r, err)
			return
		}
		ct = "application/json"
	}
	if key != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE idempotency SET status = ?, content_type = ?, response_body = ?
			WHERE caller = ? AND endpoint = ? AND key = ?`, status, ct, out, caller, endpoint, key); err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if ct != "" {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}
