package backend

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
)

// A kiosk's heartbeat (PUT /v1/kiosk/heartbeat) replaces its previous one: one row per kiosk (issuer +
// client id, as help requests) in kiosk_heartbeats, stamped with the backend's clock. It carries the kiosk's
// state only, never anything about a citizen.

// KioskUpWithin is how recently a kiosk must have been seen to count as running on the staff page.
const KioskUpWithin = 2 * time.Minute

// KioskSeenWithin is the window of the helsekiosk_kiosks_seen gauge.
const KioskSeenWithin = 5 * time.Minute

func (h handler) PutKioskHeartbeat(w http.ResponseWriter, r *http.Request) {
	s := h.s
	kiosk, ok := s.authenticateKiosk(w, r)
	if !ok {
		return
	}
	var in api.KioskHeartbeat
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if blank(in.Name) {
		s.writeErr(w, r, badRequest("name", "The kiosk name is empty."))
		return
	}
	if blank(in.Version) {
		s.writeErr(w, r, badRequest("version", "The version is empty."))
		return
	}
	_, err := s.db.ExecContext(r.Context(), `INSERT INTO kiosk_heartbeats (owner, name, location, version, uptime_seconds,
		backend_reachable, last_error_codes, speech, touch_keyboard, text_size, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (owner) DO UPDATE SET name = excluded.name, location = excluded.location, version = excluded.version,
		uptime_seconds = excluded.uptime_seconds, backend_reachable = excluded.backend_reachable,
		last_error_codes = excluded.last_error_codes, speech = excluded.speech, touch_keyboard = excluded.touch_keyboard,
		text_size = excluded.text_size, last_seen = excluded.last_seen`,
		kiosk.owner(), in.Name, in.Location, in.Version, in.UptimeSeconds, boolInt(in.BackendReachable),
		strings.Join(in.LastErrorCodes, " "), boolInt(in.Speech), boolInt(in.TouchKeyboard), string(in.TextSize), ms(s.now()))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// KioskStatus is one kiosk's latest heartbeat, as the staff page lists it.
type KioskStatus struct {
	Owner    string
	LastSeen time.Time
	api.KioskHeartbeat
}

// Kiosks lists the latest heartbeat of every kiosk that sent one, by name.
func (s *Server) Kiosks(ctx context.Context) ([]KioskStatus, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT owner, name, location, version, uptime_seconds, backend_reachable,
		last_error_codes, speech, touch_keyboard, text_size, last_seen FROM kiosk_heartbeats ORDER BY name, owner`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []KioskStatus
	for rows.Next() {
		var k KioskStatus
		var reachable, speech, keyboard int
		var codes, size string
		var seen int64
		if err := rows.Scan(&k.Owner, &k.Name, &k.Location, &k.Version, &k.UptimeSeconds, &reachable, &codes,
			&speech, &keyboard, &size, &seen); err != nil {
			return nil, err
		}
		k.BackendReachable, k.Speech, k.TouchKeyboard = reachable != 0, speech != 0, keyboard != 0
		k.LastErrorCodes = strings.Fields(codes)
		if k.LastErrorCodes == nil {
			k.LastErrorCodes = []string{}
		}
		k.TextSize = api.KioskHeartbeatTextSize(size)
		k.LastSeen = fromMS(seen)
		out = append(out, k)
	}
	return out, rows.Err()
}

// kiosksSeen counts the kiosks seen within KioskSeenWithin.
func (s *Server) kiosksSeen(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM kiosk_heartbeats WHERE last_seen >= ?`,
		ms(s.now().Add(-KioskSeenWithin))).Scan(&n)
	return n, err
}
