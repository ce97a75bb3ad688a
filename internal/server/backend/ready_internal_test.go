package backend

import (
	"errors"
	"fmt"
	"testing"
)

type fakePgError struct{ code string }

func (e *fakePgError) Error() string    { return "pg: " + e.code }
func (e *fakePgError) SQLState() string { return e.code }

// TestDBUnavailablePostgres: PostgreSQL's SQLSTATEs (as pgx's *pgconn.PgError reports them with SQLState)
// that mean "not now" become 503 unavailable; the rest stay 500.
func TestDBUnavailablePostgres(t *testing.T) {
	tests := []struct {
		state, kind string
		unavailable bool
	}{
		{"53100", "full", true}, // disk_full
		{"53200", "full", true}, // out_of_memory
		{"53300", "full", true}, // too_many_connections
		{"25006", "readonly", true},
		{"57P01", "shutdown", true}, // admin_shutdown
		{"57P02", "shutdown", true}, // crash_shutdown
		{"57P03", "shutdown", true}, // cannot_connect_now
		{"08006", "connection", true},
		{"08001", "connection", true},
		{"23505", "", false}, // unique_violation: a bug here, not the database's state
		{"42P01", "", false},
		{"40001", "", false},
	}
	for _, tc := range tests {
		err := fmt.Errorf("insert: %w", &fakePgError{tc.state})
		kind, ok := dbUnavailable(err)
		if ok != tc.unavailable || kind != tc.kind {
			t.Errorf("%s: (%q, %v), want (%q, %v)", tc.state, kind, ok, tc.kind, tc.unavailable)
		}
	}
	if _, ok := dbUnavailable(errors.New("plain")); ok {
		t.Error("a plain error is unavailable")
	}
}
