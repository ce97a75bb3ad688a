-- +goose Up
-- The staff side (issue 22): what a staff session may see (its roles, its page language), the staff's
-- decisions on threads, visits and requests, and the access log of staff opening a thread or a person's
-- visits. The access log is append-only: triggers refuse every UPDATE and DELETE.
ALTER TABLE staff_sessions ADD COLUMN roles TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_sessions ADD COLUMN lang TEXT NOT NULL DEFAULT 'nn';

-- A thread the service marked as needing no answer at closed_at: it waits again when the citizen writes after it.
ALTER TABLE threads ADD COLUMN closed_at INTEGER;

-- The assigned employee (name shown to the citizen unless the person's hide_staff_name), who cancelled a
-- visit ('service' or 'citizen') and the service's reason, shown to the citizen.
ALTER TABLE appointments ADD COLUMN staff_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN cancelled_by TEXT;
ALTER TABLE appointments ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX appointments_service_start ON appointments (service_id, start_at);
ALTER TABLE persons ADD COLUMN hide_staff_name INTEGER NOT NULL DEFAULT 0;

ALTER TABLE appointment_requests ADD COLUMN decided_at INTEGER;
ALTER TABLE appointment_requests ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
CREATE INDEX appointment_requests_status ON appointment_requests (status, created_at);
CREATE INDEX threads_service_activity ON threads (service_id, last_message_at DESC);

CREATE TABLE staff_access_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    staff_subject TEXT NOT NULL,
    staff_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    object_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_access_log_person ON staff_access_log (person_id, at);

-- +goose StatementBegin
CREATE TRIGGER staff_access_log_no_update BEFORE UPDATE ON staff_access_log
BEGIN SELECT RAISE(ABORT, 'staff_access_log is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER staff_access_log_no_delete BEFORE DELETE ON staff_access_log
BEGIN SELECT RAISE(ABORT, 'staff_access_log is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER staff_access_log_no_delete;
DROP TRIGGER staff_access_log_no_update;
DROP TABLE staff_access_log;
DROP INDEX threads_service_activity;
DROP INDEX appointment_requests_status;
ALTER TABLE appointment_requests DROP COLUMN decided_by;
ALTER TABLE appointment_requests DROP COLUMN decided_at;
ALTER TABLE persons DROP COLUMN hide_staff_name;
DROP INDEX appointments_service_start;
ALTER TABLE appointments DROP COLUMN cancel_reason;
ALTER TABLE appointments DROP COLUMN cancelled_by;
ALTER TABLE appointments DROP COLUMN staff_name;
ALTER TABLE threads DROP COLUMN closed_at;
ALTER TABLE staff_sessions DROP COLUMN lang;
ALTER TABLE staff_sessions DROP COLUMN roles;
