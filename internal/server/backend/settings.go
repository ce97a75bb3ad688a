package backend

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/nin"
)

// notificationSettings is the person's notification settings, with the choice of notices of completed
// visits (persons.notify_visit_done).
func notificationSettings(ctx context.Context, q querier, p person) (api.NotificationSettings, error) {
	out := settingsOf(p)
	var done int
	if err := q.QueryRowContext(ctx, `SELECT notify_visit_done FROM persons WHERE id = ?`, p.ID).Scan(&done); err != nil {
		return out, err
	}
	v := done != 0
	out.CompletedVisits = &v
	return out, nil
}

func settingsOf(p person) api.NotificationSettings {
	out := api.NotificationSettings{Channel: api.NotificationChannel(p.Channel)}
	if p.Phone != "" {
		out.Phone = &p.Phone
	}
	if p.Email != "" {
		out.Email = &p.Email
	}
	return out
}

func (h handler) GetNotificationSettings(w http.ResponseWriter, r *http.Request, personID api.PersonId) {
	s := h.s
	_, a, ok := s.actFor(w, r, personID, api.Settings, false)
	if !ok {
		return
	}
	out, err := notificationSettings(r.Context(), s.db, a.Person)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h handler) PutNotificationSettings(w http.ResponseWriter, r *http.Request, personID api.PersonId, _ api.PutNotificationSettingsParams) {
	s := h.s
	sess, _, ok := s.actFor(w, r, personID, api.Settings, false)
	if !ok {
		return
	}
	var in api.NotificationSettingsUpdate
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if !in.Channel.Valid() {
		s.writeErr(w, r, badRequest("channel", "Unknown channel."))
		return
	}
	ctx := r.Context()
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET notification_channel = ? WHERE id = ?`, string(in.Channel), personID); err != nil {
			return 0, nil, err
		}
		// The notices' language: the one the citizen chose the channel in (the kiosk's Accept-Language).
		if r.Header.Get("Accept-Language") != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE persons SET language = ? WHERE id = ?`, string(langOf(r)), personID); err != nil {
				return 0, nil, err
			}
		}
		if in.CompletedVisits != nil {
			done := 0
			if *in.CompletedVisits {
				done = 1
			}
			if _, err := tx.ExecContext(ctx, `UPDATE persons SET notify_visit_done = ? WHERE id = ?`, done, personID); err != nil {
				return 0, nil, err
			}
		}
		p, err := getPerson(ctx, tx, personID)
		if err != nil {
			return 0, nil, err
		}
		out, err := notificationSettings(ctx, tx, p)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, out, nil
	})
}

// ---- fullmakt ----

func listFullmakter(ctx context.Context, q querier, column, personID, today string) ([]api.Fullmakt, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, giver_id, receiver_id, scopes, valid_from, COALESCE(valid_until, '') FROM fullmakter
		WHERE `+column+` = ?2 AND `+activeFullmaktWhere+` ORDER BY created_at, id`, today, personID)
	if err != nil {
		return nil, err
	}
	type row struct{ id, giver, receiver, scopes, from, until string }
	var rs []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.giver, &x.receiver, &x.scopes, &x.from, &x.until); err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []api.Fullmakt{}
	for _, x := range rs {
		f, err := fullmaktAPI(ctx, q, x.id, x.giver, x.receiver, x.scopes, x.from, x.until)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func fullmaktAPI(ctx context.Context, q querier, id, giverID, receiverID, scopes, from, until string) (api.Fullmakt, error) {
	g, err := getPerson(ctx, q, giverID)
	if err != nil {
		return api.Fullmakt{}, err
	}
	rc, err := getPerson(ctx, q, receiverID)
	if err != nil {
		return api.Fullmakt{}, err
	}
	f := api.Fullmakt{Id: id, Giver: g.api(), Receiver: rc.api(), Scopes: parseScopes(scopes)}
	if d := apiDate(from); d != nil {
		f.ValidFrom = *d
	}
	if until != "" {
		f.ValidUntil = apiDate(until)
	}
	return f, nil
}

func (h handler) ListFullmakt(w http.ResponseWriter, r *http.Request, personID api.PersonId) {
	s := h.s
	if _, _, ok := s.actFor(w, r, personID, api.Settings, false); !ok {
		return
	}
	today := osloDate(s.now())
	by, err := listFullmakter(r.Context(), s.db, "giver_id", personID, today)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	to, err := listFullmakter(r.Context(), s.db, "receiver_id", personID, today)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, api.FullmaktLists{GrantedByMe: by, GrantedToMe: to})
}

// Minimum ages for a fullmakt.
const (
	MinGiverAge    = 16
	MinReceiverAge = 18
)

func (h handler) GrantFullmakt(w http.ResponseWriter, r *http.Request, personID api.PersonId, _ api.GrantFullmaktParams) {
	s := h.s
	sess, a, ok := s.actFor(w, r, personID, api.Settings, true)
	if !ok {
		return
	}
	var in api.NewFullmakt
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if err := nin.Validate(in.ReceiverNationalId); err != nil {
		s.writeErr(w, r, badRequest("receiverNationalId", "Not a valid national identity number."))
		return
	}
	if len(in.Scopes) == 0 {
		s.writeErr(w, r, badRequest("scopes", "Choose at least one scope."))
		return
	}
	for _, sc := range in.Scopes {
		if !sc.Valid() {
			s.writeErr(w, r, badRequest("scopes", "Unknown scope."))
			return
		}
	}
	now := s.now()
	today := osloDate(now)
	giver := a.Person
	ctx := r.Context()
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		if giver.ageOn(now) < MinGiverAge {
			return 0, nil, problem(http.StatusUnprocessableEntity, api.GiverTooYoung, "You must be at least 16 to give a fullmakt.")
		}
		rc, err := scanPerson(tx.QueryRowContext(ctx, `SELECT `+personCols+` FROM persons WHERE national_id = ?`, in.ReceiverNationalId))
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.EqualFold(strings.TrimSpace(rc.Name), strings.TrimSpace(in.ReceiverName))) {
			return 0, nil, fieldProblem(http.StatusUnprocessableEntity, api.ReceiverNotFound, "receiverNationalId",
				"No person with that national identity number and name.")
		}
		if err != nil {
			return 0, nil, err
		}
		if rc.ID == giver.ID {
			return 0, nil, fieldProblem(http.StatusUnprocessableEntity, api.FullmaktToSelf, "receiverNationalId", "You cannot give a fullmakt to yourself.")
		}
		if rc.ageOn(now) < MinReceiverAge {
			return 0, nil, fieldProblem(http.StatusUnprocessableEntity, api.ReceiverTooYoung, "receiverNationalId", "The receiver must be at least 18.")
		}
		until := ""
		if in.ValidUntil != nil {
			until = in.ValidUntil.Format(time.DateOnly)
			if until <= today {
				return 0, nil, fieldProblem(http.StatusUnprocessableEntity, api.EndDateNotFuture, "validUntil", "The end date must be in the future.")
			}
		}
		// One active fullmakt per giver and receiver, also when two replicas grant it at once.
		if err := s.dialect.lockXact(ctx, tx, "fullmakt:"+giver.ID+":"+rc.ID); err != nil {
			return 0, nil, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM fullmakter WHERE giver_id = ?3 AND receiver_id = ?2 AND `+activeFullmaktWhere,
			today, rc.ID, giver.ID).Scan(&n); err != nil {
			return 0, nil, err
		}
		if n > 0 {
			return 0, nil, problem(http.StatusConflict, api.FullmaktExists, "This person already has a fullmakt from you.")
		}
		id := newID("f")
		var untilArg any
		if until != "" {
			untilArg = until
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fullmakter (id, giver_id, receiver_id, scopes, valid_from, valid_until, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, giver.ID, rc.ID, joinScopes(parseScopes(joinScopes(in.Scopes))), today, untilArg, ms(now)); err != nil {
			return 0, nil, err
		}
		f, err := fullmaktAPI(ctx, tx, id, giver.ID, rc.ID, joinScopes(in.Scopes), today, until)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, f, nil
	})
}

func (h handler) RevokeFullmakt(w http.ResponseWriter, r *http.Request, personID api.PersonId, fullmaktID api.Id, _ api.RevokeFullmaktParams) {
	s := h.s
	sess, _, ok := s.actFor(w, r, personID, api.Settings, true)
	if !ok {
		return
	}
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		res, err := tx.ExecContext(r.Context(), `UPDATE fullmakter SET revoked_at = ? WHERE id = ? AND giver_id = ? AND revoked_at IS NULL`,
			ms(s.now()), fullmaktID, personID)
		if err != nil {
			return 0, nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, nil, errNotFound
		}
		return http.StatusNoContent, nil, nil
	})
}
