-- PostgreSQL twin of ../00005_kiosk_heartbeats.sql: the same schema, BIGINT for integers and millisecond times.
-- +goose Up
-- The latest heartbeat of each kiosk (owner: issuer + client id, as help requests), for the staff page's fleet
-- list and the kiosks-seen gauge. Nothing about a citizen. last_seen is the backend's clock (milliseconds).
CREATE TABLE kiosk_heartbeats (
    owner             TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    location          TEXT NOT NULL DEFAULT '',
    version           TEXT NOT NULL,
    uptime_seconds    BIGINT NOT NULL,
    backend_reachable BIGINT NOT NULL,
    last_error_codes  TEXT NOT NULL DEFAULT '',
    speech            BIGINT NOT NULL,
    touch_keyboard    BIGINT NOT NULL,
    text_size         TEXT NOT NULL,
    last_seen         BIGINT NOT NULL
);
CREATE INDEX kiosk_heartbeats_last_seen ON kiosk_heartbeats (last_seen);

-- +goose Down
DROP TABLE kiosk_heartbeats;
