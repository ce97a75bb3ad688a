package backend

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
)

// DefaultIdempotencyTTL is how long an Idempotency-Key record is kept: a kiosk retries a write within
// seconds or minutes, never a day later.
const DefaultIdempotencyTTL = 24 * time.Hour

// Idempotency records (table idempotency) are scoped per caller: a citizen's person id, or "kiosk:" and the
// kiosk's issuer and client id, so one client's key never replays another's answer. What a record holds:
//
//   - key: not the Idempotency-Key but SHA-256 of caller, endpoint and key (hex), so the table alone does
//     not give the key;
//   - body_hash: "hmac-sha256:" and the hex HMAC-SHA-256 of the request body, to refuse the same key with
//     another body (422). Its key is derived with HKDF-SHA256 from the server's idempotency secret (a random
//     32 bytes in table server_secrets, made by the first start on the database, so every replica on one
//     PostgreSQL and every restart has the same), the Idempotency-Key (salt) and the caller and endpoint
//     (info). A plain SHA-256 would let whoever reads the table confirm a guessed short body
//     ({"channel":"sms"}, a fullmakt grant); with the MAC they need the secret and the client's key too.
//     A record made before migration 00010 holds the plain SHA-256 until it is pruned, and is checked
//     against that;
//   - response_body: the answer sealed with AES-256-GCM under a key derived with HKDF-SHA256 from the
//     Idempotency-Key (the secret) and the caller and endpoint (the info); the nonce is prepended. Only a
//     client presenting the same key again can open it: the stored row holds no message text, name or id
//     in clear, and a database dump without the kiosks' keys cannot be read back.
//
// Records are pruned after Config.IdempotencyTTL (24 hours by the server's clock), on write, at most once
// a minute.

func idemRecordKey(caller, endpoint, key string) string {
	return sha256Hex([]byte(caller + "\x00" + endpoint + "\x00" + key))
}

// bodyMACPrefix marks a body_hash that is a MAC (bodyMAC), not a plain SHA-256 of a record made before.
const bodyMACPrefix = "hmac-sha256:"

// bodyMAC is what body_hash holds for a request body: the HMAC-SHA-256 of body under a key derived from the
// server's secret, the Idempotency-Key and the caller and endpoint.
func bodyMAC(secret []byte, caller, endpoint, key string, body []byte) (string, error) {
	k, err := hkdf.Key(sha256.New, secret, []byte(key), "helsekiosk idempotency body v2\x00"+caller+"\x00"+endpoint, 32)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write(body)
	return bodyMACPrefix + hex.EncodeToString(m.Sum(nil)), nil
}

// sameBody reports whether a stored body_hash is that of this request: its MAC, or for a record made
// before the MAC (migration 00010) the plain SHA-256.
func sameBody(stored, mac string, body []byte) bool {
	if strings.HasPrefix(stored, bodyMACPrefix) {
		return hmac.Equal([]byte(stored), []byte(mac))
	}
	return hmac.Equal([]byte(stored), []byte(sha256Hex(body)))
}

// idempotencySecretName names the secret of bodyMAC in server_secrets.
const idempotencySecretName = "idempotency"

// loadSecret returns the server's secret name from server_secrets, making it (32 random bytes) when the
// database has none yet. Replicas starting together agree: the first insert wins (ON CONFLICT DO NOTHING)
// and each reads back the one stored. On a database that cannot be written and has none, the secret is
// made for this process only: it can store no idempotency record anyway.
func (s *Server) loadSecret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	_, insErr := s.db.ExecContext(ctx, `INSERT INTO server_secrets (name, secret) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, fresh)
	if insErr != nil {
		if _, unavailable := dbUnavailable(insErr); !unavailable {
			return nil, fmt.Errorf("backend: server secret %s: %w", name, insErr)
		}
	}
	var secret []byte
	err := s.db.QueryRowContext(ctx, `SELECT secret FROM server_secrets WHERE name = ?`, name).Scan(&secret)
	switch {
	case errors.Is(err, sql.ErrNoRows) && insErr != nil:
		s.log.Warn("the database cannot be written: a server secret for this process only", "name", name, "err", insErr)
		return fresh, nil
	case err != nil:
		return nil, fmt.Errorf("backend: server secret %s: %w", name, err)
	case len(secret) < 32:
		return nil, fmt.Errorf("backend: server secret %s: %d bytes, want 32", name, len(secret))
	}
	return secret, nil
}

func idemAEAD(caller, endpoint, key string) (cipher.AEAD, error) {
	k, err := hkdf.Key(sha256.New, []byte(key), []byte("helsekiosk idempotency v1"), caller+"\x00"+endpoint, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func sealResponse(caller, endpoint, key string, plain []byte) ([]byte, error) {
	aead, err := idemAEAD(caller, endpoint, key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, []byte(caller)), nil
}

func openResponse(caller, endpoint, key string, sealed []byte) ([]byte, error) {
	aead, err := idemAEAD(caller, endpoint, key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("idempotency: sealed response too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(caller))
}

// pruneIdempotency deletes records older than the TTL, at most once a minute.
func (s *Server) pruneIdempotency(tx *sql.Tx, r *http.Request) error {
	now := s.now().UnixMilli()
	last := s.lastPrune.Load()
	if now-last < time.Minute.Milliseconds() && now >= last || !s.lastPrune.CompareAndSwap(last, now) {
		return nil
	}
	_, err := tx.ExecContext(r.Context(), `DELETE FROM idempotency WHERE created_at < ?`, now-s.cfg.IdempotencyTTL.Milliseconds())
	return err
}

// writeTx runs a write in one transaction together with its Idempotency-Key record. fn returns the
// status and JSON body (nil for none) to answer, or an error (a *problemError for a 4xx) that rolls
// everything back. A repeat of the key by the same caller with the same body answers the stored response
// verbatim (within the TTL).
//
// The key's record is inserted first (ON CONFLICT DO NOTHING) and completed with the answer before the
// commit. So on PostgreSQL, where replicas run writes at once, a second request with the same key waits on
// the first one's uncommitted row: if that commits, the second finds it and replays it; if it rolls back,
// the second inserts the record and runs the write itself. Never do both run the write.
func (s *Server) writeTx(w http.ResponseWriter, r *http.Request, caller string, fn func(tx *sql.Tx) (int, any, error)) {
	key := r.Header.Get("Idempotency-Key")
	endpoint := r.Method + " " + r.URL.Path
	recKey := idemRecordKey(caller, endpoint, key)
	body := rawBody(r)
	hash, err := bodyMAC(s.idemSecret, caller, endpoint, key, body)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	ctx := r.Context()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	defer tx.Rollback()
	if err := s.pruneIdempotency(tx, r); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if key != "" {
		now := s.now().UnixMilli()
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency (caller, endpoint, key, body_hash, status, content_type, created_at)
			VALUES (?, ?, ?, ?, 0, '', ?) ON CONFLICT DO NOTHING`, caller, endpoint, recKey, hash, now)
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
			var created int64
			err := tx.QueryRowContext(ctx, `SELECT body_hash, status, content_type, response_body, created_at FROM idempotency
				WHERE caller = ? AND endpoint = ? AND key = ?`, caller, endpoint, recKey).Scan(&storedHash, &status, &ct, &stored, &created)
			if err != nil {
				s.writeErr(w, r, err)
				return
			}
			if created >= s.now().Add(-s.cfg.IdempotencyTTL).UnixMilli() {
				if !sameBody(storedHash, hash, body) {
					writeProblem(w, r, fieldProblem(http.StatusUnprocessableEntity, api.IdempotencyKeyReused, "Idempotency-Key",
						"This Idempotency-Key was used before with a different request body."))
					return
				}
				var out []byte
				if len(stored) > 0 {
					if out, err = openResponse(caller, endpoint, key, stored); err != nil {
						s.writeErr(w, r, err)
						return
					}
				}
				if ct != "" {
					w.Header().Set("Content-Type", ct)
					w.Header().Set("Cache-Control", "no-store")
				}
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(status)
				_, _ = w.Write(out)
				return
			}
			// Expired but not yet pruned: the record becomes this write's. Only if it is still the expired one
			// (created_at unchanged), so that of two writes at once on an expired key one runs.
			res, err := tx.ExecContext(ctx, `UPDATE idempotency SET body_hash = ?, status = 0, content_type = '', response_body = NULL, created_at = ?
				WHERE caller = ? AND endpoint = ? AND key = ? AND created_at = ?`, hash, now, caller, endpoint, recKey, created)
			if err == nil {
				n, err = res.RowsAffected()
			}
			if err == nil && n == 0 {
				err = errors.New("idempotency: the expired record was taken by a concurrent write")
			}
			if err != nil {
				s.writeErr(w, r, err)
				return
			}
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
		var sealed []byte
		if len(out) > 0 {
			if sealed, err = sealResponse(caller, endpoint, key, out); err != nil {
				s.writeErr(w, r, err)
				return
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE idempotency SET status = ?, content_type = ?, response_body = ?
			WHERE caller = ? AND endpoint = ? AND key = ?`, status, ct, sealed, caller, endpoint, recKey); err != nil {
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
