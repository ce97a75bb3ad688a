-- PostgreSQL twin of ../00003_operations.sql: the same schema, BIGINT for integers and millisecond times, BYTEA for blobs.
-- +goose Up
-- The readiness probe (GET /v1/ready) writes its one row here.
CREATE TABLE ready_probe (
    id         BIGINT PRIMARY KEY,
    checked_at BIGINT NOT NULL,
    pad        BYTEA
);
-- Idempotency records are pruned by age (24 hours).
CREATE INDEX idempotency_created ON idempotency (created_at);

-- +goose Down
DROP INDEX idempotency_created;
DROP TABLE ready_probe;
