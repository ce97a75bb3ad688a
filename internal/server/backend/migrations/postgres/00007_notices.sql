-- PostgreSQL twin of ../00007_notices.sql.
-- +goose Up
-- Notices by SMS and e-mail (varsel): an outbox. A notice is written in the same transaction as the change it
-- reports (queueNotice) and sent by the sender loop (notices.go). Events for one person within a few minutes
-- share one notice (events, kinds). The channel is the person's at send time; email_sent_at and sms_sent_at
-- say what went out, sent_at that all did. claimed_by/claimed_until is the sending replica's lease: a sender
-- that dies while holding it leaves the notice to the next one after claimed_until. Times: unix ms.
CREATE TABLE notices (
    id            TEXT PRIMARY KEY,
    person_id     TEXT NOT NULL REFERENCES persons(id),
    kinds         TEXT NOT NULL,             -- the events' kinds, comma-separated, each once
    events        BIGINT NOT NULL DEFAULT 1,
    status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'skipped', 'failed')),
    skip_reason   TEXT NOT NULL DEFAULT '',  -- skipped: channel_none, no_address
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,          -- not before (merge window, back-off, SMS quiet hours)
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',  -- a short class (smtp_4xx, sms_5xx, …), never an address or text
    claimed_by    TEXT,
    claimed_until BIGINT,
    email_sent_at BIGINT,
    sms_sent_at   BIGINT,
    sent_at       BIGINT
);
CREATE INDEX notices_due ON notices (status, due_at);
CREATE INDEX notices_person ON notices (person_id, status, created_at);

-- The person's choices that notices need besides notification_channel: notices of completed visits (off
-- unless chosen) and the language of the notice ('' : bokmål), kept from the kiosk's language when the
-- citizen sets the notification channel.
ALTER TABLE persons ADD COLUMN notify_visit_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE persons DROP COLUMN language;
ALTER TABLE persons DROP COLUMN notify_visit_done;
DROP TABLE notices;
