-- +goose Up
-- The latest heartbeat of each kiosk (owner: issuer + client id, as help requests), for the staff page's fleet
-- list and the kiosks-seen gauge. Nothing about a citizen. last_seen is the backend's clock (milliseconds).
CREATE TABLE kiosk_heartbeats (
    owner             TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    location          TEXT NOT NULL DEFAULT '',
    version           TEXT NOT NULL,
    uptime_seconds    INTEGER NOT NULL,
    backend_reachable INTEGER NOT NULL,
    last_error_codes  TEXT NOT NULL DEFAULT '',
    speech            INTEGER NOT NULL,
    touch_keyboard    INTEGER NOT NULL,
    text_size         TEXT NOT NULL,
    last_seen         INTEGER NOT NULL
);
CREATE INDEX kiosk_heartbeats_last_seen ON kiosk_heartbeats (last_seen);

-- +goose Down
DROP TABLE kiosk_heartbeats;
