-- +goose Up
-- The readiness probe (GET /v1/ready) writes its one row here.
CREATE TABLE ready_probe (
    id         INTEGER PRIMARY KEY,
    checked_at INTEGER NOT NULL,
    pad        BLOB
);
-- Idempotency records are pruned by age (24 hours).
CREATE INDEX idempotency_created ON idempotency (created_at);

-- +goose Down
DROP INDEX idempotency_created;
DROP TABLE ready_probe;
