-- PostgreSQL twin of ../00006_revoked_tokens.sql: the same schema, BIGINT for millisecond times.
-- +goose Up
-- Access tokens logged out before their exp (POST /v1/logout, /oauth/revoke), by issuer and jti: the
-- backend's own tokens and those of every trusted issuer, shared by the replicas on one database. A row can go
-- once its exp (expires_at, unix ms) has passed. Rows of revoked_jtis (own tokens only, before 00006) keep
-- issuer '': their jti (random, 256 bits) matches no other issuer's.
CREATE TABLE revoked_tokens (
    issuer     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);
INSERT INTO revoked_tokens (issuer, jti, expires_at, revoked_at) SELECT '', jti, expires_at, revoked_at FROM revoked_jtis;
DROP TABLE revoked_jtis;

-- +goose Down
CREATE TABLE revoked_jtis (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT NOT NULL
);
INSERT INTO revoked_jtis (jti, expires_at, revoked_at) SELECT jti, MAX(expires_at), MAX(revoked_at) FROM revoked_tokens GROUP BY jti;
DROP TABLE revoked_tokens;
