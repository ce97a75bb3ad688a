-- PostgreSQL twin of ../00002_identity.sql: the same schema, BIGINT for integers and millisecond times, BYTEA for blobs.
-- +goose Up
-- Refresh tokens of the demo authorization server: opaque, stored as a hash, rotated on use. A family is
-- one login; presenting a used refresh token again revokes the whole family (RFC 9700 section 4.14.2).
CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    family_id   TEXT NOT NULL,
    person_id   TEXT NOT NULL REFERENCES persons(id),
    client_id   TEXT NOT NULL,
    kiosk_name  TEXT NOT NULL DEFAULT '',
    scope       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Access tokens of the backend's own issuer revoked before their exp, by jti. Rows can go once exp passed.
CREATE TABLE revoked_jtis (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);

-- Access tokens are signed JWTs now; the opaque ones are no longer accepted.
DROP TABLE access_tokens;

-- The kiosk (issuer + client_id) that made a help request; only it may read or withdraw it.
ALTER TABLE help_requests ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX help_requests_owner ON help_requests (owner);

-- +goose Down
DROP INDEX help_requests_owner;
ALTER TABLE help_requests DROP COLUMN owner;
DROP TABLE revoked_jtis;
DROP TABLE refresh_tokens;
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES persons(id),
    kiosk_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
