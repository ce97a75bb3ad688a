-- PostgreSQL twin of ../00004_staff_sessions.sql: the same schema, BIGINT for integers and millisecond times, BYTEA for blobs.
-- +goose Up
-- The staff page's sessions and its logins under way (state, nonce, PKCE verifier), in the database so that
-- any replica serves a staff member. Both keyed by the SHA-256 of the cookie value or state.
CREATE TABLE staff_sessions (
    id_hash    TEXT PRIMARY KEY,
    subject    TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    csrf       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE staff_logins (
    state_hash TEXT PRIMARY KEY,
    nonce      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    browser    TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE staff_logins;
DROP TABLE staff_sessions;
