-- PostgreSQL twin of ../00008_staff_work.sql: the same schema, BIGINT for integers and millisecond times.
-- +goose Up
ALTER TABLE staff_sessions ADD COLUMN roles TEXT NOT NULL DEFAULT '';
ALTER TABLE staff_sessions ADD COLUMN lang TEXT NOT NULL DEFAULT 'nn';
ALTER TABLE threads ADD COLUMN closed_at BIGINT;
ALTER TABLE appointments ADD COLUMN staff_name TEXT NOT NULL DEFAULT '';
ALTER TABLE appointments ADD COLUMN cancelled_by TEXT;
ALTER TABLE appointments ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX appointments_service_start ON appointments (service_id, start_at);
ALTER TABLE persons ADD COLUMN hide_staff_name BIGINT NOT NULL DEFAULT 0;
ALTER TABLE appointment_requests ADD COLUMN decided_at BIGINT;
ALTER TABLE appointment_requests ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
CREATE INDEX appointment_requests_status ON appointment_requests (status, created_at);
CREATE INDEX threads_service_activity ON threads (service_id, last_message_at DESC);

CREATE TABLE staff_access_log (
    id            BIGSERIAL PRIMARY KEY,
    at            BIGINT NOT NULL,
    staff_subject TEXT NOT NULL,
    staff_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    object_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staff_access_log_person ON staff_access_log (person_id, at);

-- +goose StatementBegin
CREATE FUNCTION staff_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'staff_access_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER staff_access_log_no_change BEFORE UPDATE OR DELETE ON staff_access_log
    FOR EACH ROW EXECUTE FUNCTION staff_access_log_append_only();
CREATE TRIGGER staff_access_log_no_truncate BEFORE TRUNCATE ON staff_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION staff_access_log_append_only();

-- +goose Down
DROP TABLE staff_access_log;
DROP FUNCTION staff_access_log_append_only();
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
