-- +goose Up
CREATE TABLE persons (
    id                   TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    birth_date           TEXT NOT NULL,           -- YYYY-MM-DD
    national_id          TEXT NOT NULL UNIQUE,
    phone                TEXT NOT NULL DEFAULT '',
    email                TEXT NOT NULL DEFAULT '',
    description          TEXT NOT NULL DEFAULT '', -- one line for the verification page
    notification_channel TEXT NOT NULL DEFAULT 'sms',
    consent_version      TEXT,                     -- NULL: not given
    consent_given_at     INTEGER,                  -- unix ms
    sort_order           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE guardianships (
    parent_id TEXT NOT NULL REFERENCES persons(id),
    child_id  TEXT NOT NULL REFERENCES persons(id),
    PRIMARY KEY (parent_id, child_id)
);

CREATE TABLE services (
    id   TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE person_services (
    person_id  TEXT NOT NULL REFERENCES persons(id),
    service_id TEXT NOT NULL REFERENCES services(id),
    PRIMARY KEY (person_id, service_id)
);

CREATE TABLE threads (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons(id),
    service_id      TEXT NOT NULL REFERENCES services(id),
    subject         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_message_at INTEGER NOT NULL,
    last_preview    TEXT NOT NULL DEFAULT '',
    last_author     TEXT NOT NULL DEFAULT 'citizen',
    message_count   INTEGER NOT NULL DEFAULT 0,
    unread          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX threads_person_activity ON threads (person_id, last_message_at DESC, id DESC);
CREATE INDEX threads_person_unread ON threads (person_id, unread);
CREATE INDEX threads_person_service ON threads (person_id, service_id, last_message_at DESC);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    thread_id   TEXT NOT NULL REFERENCES threads(id),
    seq         INTEGER NOT NULL,
    author      TEXT NOT NULL CHECK (author IN ('citizen', 'service')),
    author_name TEXT NOT NULL DEFAULT '',
    staff_role  TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    UNIQUE (thread_id, seq)
);

CREATE TABLE appointments (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons(id),
    service_id      TEXT NOT NULL REFERENCES services(id),
    status          TEXT NOT NULL CHECK (status IN ('booked', 'fulfilled', 'cancelled', 'noshow')),
    start_at        INTEGER NOT NULL,
    end_at          INTEGER NOT NULL,
    home_visit      INTEGER NOT NULL DEFAULT 1,
    address         TEXT NOT NULL DEFAULT '',
    staff_role      TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    completed_at    INTEGER,
    pending_request TEXT
);
CREATE INDEX appointments_person_start ON appointments (person_id, start_at);

CREATE TABLE appointment_requests (
    id             TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointments(id),
    kind           TEXT NOT NULL CHECK (kind IN ('cancellation', 'change')),
    status         TEXT NOT NULL DEFAULT 'sent',
    created_at     INTEGER NOT NULL,
    created_by     TEXT NOT NULL REFERENCES persons(id),
    thread_id      TEXT REFERENCES threads(id),
    reason         TEXT NOT NULL DEFAULT '',
    comment        TEXT NOT NULL DEFAULT '',
    proposed_times TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE fullmakter (
    id          TEXT PRIMARY KEY,
    giver_id    TEXT NOT NULL REFERENCES persons(id),
    receiver_id TEXT NOT NULL REFERENCES persons(id),
    scopes      TEXT NOT NULL,      -- comma-separated
    valid_from  TEXT NOT NULL,      -- YYYY-MM-DD
    valid_until TEXT,               -- YYYY-MM-DD, NULL: until revoked
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX fullmakter_giver ON fullmakter (giver_id);
CREATE INDEX fullmakter_receiver ON fullmakter (receiver_id);

CREATE TABLE device_codes (
    device_code_hash TEXT PRIMARY KEY,
    user_code        TEXT NOT NULL UNIQUE,
    client_id        TEXT NOT NULL,
    kiosk_name       TEXT NOT NULL DEFAULT '',
    scope            TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    interval_ms      INTEGER NOT NULL,
    last_poll_at     INTEGER,
    status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'used')),
    person_id        TEXT REFERENCES persons(id)
);

CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES persons(id),
    kiosk_name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE idempotency (
    caller        TEXT NOT NULL,
    endpoint      TEXT NOT NULL,
    key           TEXT NOT NULL,
    body_hash     TEXT NOT NULL,
    status        INTEGER NOT NULL,
    content_type  TEXT NOT NULL DEFAULT '',
    response_body BLOB,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (caller, endpoint, key)
);

CREATE TABLE help_requests (
    id         TEXT PRIMARY KEY,
    kiosk_name TEXT NOT NULL,
    screen     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'handled', 'withdrawn')),
    handled_at INTEGER
);

-- +goose Down
DROP TABLE help_requests;
DROP TABLE idempotency;
DROP TABLE access_tokens;
DROP TABLE device_codes;
DROP TABLE fullmakter;
DROP TABLE appointment_requests;
DROP TABLE appointments;
DROP TABLE messages;
DROP TABLE threads;
DROP TABLE person_services;
DROP TABLE services;
DROP TABLE guardianships;
DROP TABLE persons;
