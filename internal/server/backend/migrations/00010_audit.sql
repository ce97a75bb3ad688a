-- +goose Up
-- Secrets the backend keeps in its database, so that every replica on it, and the next start, has the same
-- ones. 'idempotency': the key of the MAC of request bodies in idempotency records (idempotency.go).
CREATE TABLE server_secrets (
    name   TEXT PRIMARY KEY,
    secret BLOB NOT NULL
);
-- idempotency.body_hash changes meaning: it now holds "hmac-sha256:" and the hex HMAC-SHA-256 of the request
-- body under a key derived from the 'idempotency' secret and the Idempotency-Key, not the plain SHA-256 of
-- the body (which confirms a guessed short body). Records made before keep their plain SHA-256 until they
-- are pruned (24 hours); a repeat of such a record's key is still checked against it.
--
-- The client address that started a device login, for the bound on pending codes per address (oauth.go).
ALTER TABLE device_codes ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
CREATE INDEX device_codes_pending ON device_codes (status, expires_at);

-- +goose Down
DROP INDEX device_codes_pending;
ALTER TABLE device_codes DROP COLUMN client_addr;
DROP TABLE server_secrets;
