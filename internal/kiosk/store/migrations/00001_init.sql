-- The kiosk's local store: its settings and an operations log. Nothing here may name a citizen.

-- +goose Up
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL -- Unix ms
) STRICT;

CREATE TABLE ops_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL, -- Unix ms
    kind   TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '' -- a reason or an error code from a fixed vocabulary, never free text
) STRICT;

CREATE INDEX ops_log_kind_at ON ops_log (kind, at);

-- +goose Down
DROP TABLE ops_log;
DROP TABLE settings;
