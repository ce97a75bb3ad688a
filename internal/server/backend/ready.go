package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/helsekiosk/helsekiosk/api"
)

// ReadyTimeout bounds the readiness probe's write.
const ReadyTimeout = 2 * time.Second

// RetryAfterUnavailable is the Retry-After (seconds) of a 503 unavailable.
const RetryAfterUnavailable = 5

// GetReady answers GET /v1/ready: 200 when the database has room (room: DefaultMinFreeBytes on its file
// system and under SQLite's max_page_count) and a probe write to it commits within ReadyTimeout, else 503
// unavailable with Retry-After. The probe inserts a row with a page-sized pad and deletes the earlier one in
// one transaction, so that a read-only or failing database fails it as a real write would. The probe alone
// cannot tell a full disk: it fits in the free pages its predecessors left, so room checks the space first.
func (h handler) GetReady(w http.ResponseWriter, r *http.Request) {
	if err := h.s.probeWrite(r.Context()); err != nil {
		h.s.log.Warn("not ready", "err", err)
		h.s.metrics.dbError(err)
		writeUnavailable(w, r, "The database cannot be written now.")
		return
	}
	v, demo := Version, h.s.cfg.Demo
	writeJSON(w, http.StatusOK, api.Health{Status: api.Ok, Version: &v, Demo: &demo})
}

// DefaultMinFreeBytes is the room /v1/ready wants left for the database: on its file system, and under
// SQLite's max_page_count. Writes need room beyond the probe's own small one, and a probe that fits in the
// free pages of earlier ones says nothing about a disk that is full.
const DefaultMinFreeBytes = 1 << 20

// errNoRoom is a database without DefaultMinFreeBytes of room left; dbUnavailable calls it "full".
type errNoRoom struct {
	where      string
	free, want int64
}

func (e *errNoRoom) Error() string {
	return fmt.Sprintf("%s: %d bytes free, less than the %d the backend wants", e.where, e.free, e.want)
}

// room checks that an SQLite database can still grow by the server's minimum: below its max_page_count,
// and on its file system (statfs of the database file's directory). PostgreSQL manages its own space: a
// full disk there fails the probe's write (SQLSTATE class 53).
func (s *Server) room(ctx context.Context) error {
	if s.dialect != dialectSQLite {
		return nil
	}
	want := s.minFree.Load()
	var pageSize, pages, maxPages int64
	for _, p := range []struct {
		q string
		v *int64
	}{{"PRAGMA page_size", &pageSize}, {"PRAGMA page_count", &pages}, {"PRAGMA max_page_count", &maxPages}} {
		if err := s.db.QueryRowContext(ctx, p.q).Scan(p.v); err != nil {
			return err
		}
	}
	if free := (maxPages - pages) * pageSize; free < want {
		return &errNoRoom{where: "the database's page limit", free: free, want: want}
	}
	var seq int
	var name, file string
	if err := s.db.QueryRowContext(ctx, `SELECT seq, name, file FROM pragma_database_list WHERE name = 'main'`).Scan(&seq, &name, &file); err != nil {
		return err
	}
	if file == "" { // in memory
		return nil
	}
	if free, ok := freeBytes(filepath.Dir(file)); ok && free < want {
		return &errNoRoom{where: "the database's file system", free: free, want: want}
	}
	return nil
}

func (s *Server) probeWrite(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	if err := s.room(ctx); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	id := s.now().UnixNano()
	if _, err := tx.ExecContext(ctx, `INSERT INTO ready_probe (id, checked_at, pad) VALUES (?, ?, ?)`, id, ms(s.now()), make([]byte, 8192)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM ready_probe WHERE id <> ?`, id); err != nil {
		return err
	}
	return tx.Commit()
}

func writeUnavailable(w http.ResponseWriter, r *http.Request, detail string) {
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfterUnavailable))
	writeProblem(w, r, problem(http.StatusServiceUnavailable, api.Unavailable, detail))
}

// sqlStater is what PostgreSQL drivers' errors offer (pgx's *pgconn.PgError, lib/pq's *pq.Error).
type sqlStater interface{ SQLState() string }

// dbUnavailable reports whether err is the database refusing for a while rather than a bug: SQLite's
// SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN (any extended
// code of them), and PostgreSQL's class 53 (insufficient resources: disk full, out of memory, too many
// connections), 25006 (read_only_sql_transaction: a standby), 57P01/57P02/57P03 (admin or crash shutdown,
// cannot connect now) and class 08 (connection exceptions). It returns a short kind for logs and metrics.
func dbUnavailable(err error) (string, bool) {
	var nr *errNoRoom
	if errors.As(err, &nr) {
		return "full", true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL:
			return "full", true
		case sqlite3.SQLITE_READONLY:
			return "readonly", true
		case sqlite3.SQLITE_IOERR:
			return "ioerr", true
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return "busy", true
		case sqlite3.SQLITE_CANTOPEN:
			return "cantopen", true
		}
		return "", false
	}
	var ps sqlStater
	if errors.As(err, &ps) {
		st := ps.SQLState()
		switch {
		case len(st) == 5 && st[:2] == "53":
			return "full", true
		case st == "25006":
			return "readonly", true
		case st == "57P01" || st == "57P02" || st == "57P03":
			return "shutdown", true
		case len(st) == 5 && st[:2] == "08":
			return "connection", true
		}
	}
	return "", false
}
