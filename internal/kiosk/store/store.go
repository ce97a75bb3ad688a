// Package store is the kiosk's local store: an SQLite database (modernc.org/sqlite, no cgo) in the kiosk's
// configuration directory, migrated with goose. It holds the kiosk's settings (what staff saved in the
// staff panel, the staff PIN's hash) and an operations log: sessions started and ended and why, error
// codes, help requests. It never holds a citizen's identity, messages or tokens: Log accepts only a kind
// from this package and a detail that looks like a code (lower-case, no spaces, no long digit runs).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// FileName is the database's file name in the configuration directory.
const FileName = "kiosk.db"

// Retention is how long operations log entries are kept.
const Retention = 90 * 24 * time.Hour

// Kind is what an operations log entry records.
type Kind string

// The kinds of operations log entries.
const (
	KioskStarted   Kind = "kiosk_started"
	KioskExited    Kind = "kiosk_exited"
	SessionStarted Kind = "session_started"
	SessionEnded   Kind = "session_ended" // detail: why (logout, idle, expired, declined, staff, refused)
	Error          Kind = "error"         // detail: the error code
	HelpRequested  Kind = "help_requested"
	HelpHandled    Kind = "help_handled" // detail: handled or withdrawn
	StaffOpened    Kind = "staff_opened"
	StaffPINWrong  Kind = "staff_pin_wrong"
	StaffLocked    Kind = "staff_locked"
	SettingsSaved  Kind = "settings_saved"
	InputIdle      Kind = "input_idle" // detail: what tells idleness (x11: the X server's; kiosk_events: the kiosk's own input events)
)

var kinds = map[Kind]bool{KioskStarted: true, KioskExited: true, SessionStarted: true, SessionEnded: true, Error: true,
	HelpRequested: true, HelpHandled: true, StaffOpened: true, StaffPINWrong: true, StaffLocked: true, SettingsSaved: true, InputIdle: true}

// detailRE is what a detail may look like: a code, never free text.
var (
	detailRE = regexp.MustCompile(`^[a-z0-9_.:-]{0,64}$`)
	digitsRE = regexp.MustCompile(`[0-9]{6,}`)
)

// ErrBadDetail is returned by Log for a detail that is not a code.
var ErrBadDetail = errors.New("store: an operations log detail must be a short lower-case code")

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the open local store. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
}

// Option changes how Open sets up the store.
type Option func(*Store)

// WithNow sets the store's clock (tests).
func WithNow(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// Open opens (creating and migrating) the store in dir, which is created with mode 0700 if missing; the
// database file is readable by its owner only. Entries older than Retention are dropped.
func Open(dir string, opts ...Option) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: no configuration directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	f.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	if _, err := db.Exec(`DELETE FROM ops_log WHERE at < ?`, s.now().Add(-Retention).UnixMilli()); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: prune: %w", err)
	}
	return s, nil
}

func (s *Store) migrate() error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db, sub)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Settings returns every stored setting.
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// Get returns one setting, and whether it is set.
func (s *Store) Get(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: %w", err)
	}
	return v, true, nil
}

// Put stores the settings in one transaction.
func (s *Store) Put(ctx context.Context, kv map[string]string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	now := s.now().UnixMilli()
	for k, v := range kv {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, now); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// Log records an operations event. detail must be a code (see ErrBadDetail).
func (s *Store) Log(ctx context.Context, kind Kind, detail string) error {
	if !kinds[kind] {
		return fmt.Errorf("store: unknown log kind %q", kind)
	}
	if !detailRE.MatchString(detail) || digitsRE.MatchString(detail) {
		return ErrBadDetail
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO ops_log (at, kind, detail) VALUES (?, ?, ?)`,
		s.now().UnixMilli(), string(kind), detail); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// LogChange logs kind with detail unless the newest entry of kind already has that detail: a state said
// once, and again when it changes.
func (s *Store) LogChange(ctx context.Context, kind Kind, detail string) error {
	var last string
	err := s.db.QueryRowContext(ctx, `SELECT detail FROM ops_log WHERE kind = ? ORDER BY id DESC LIMIT 1`, string(kind)).Scan(&last)
	switch {
	case err == nil && last == detail:
		return nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: %w", err)
	}
	return s.Log(ctx, kind, detail)
}

// Count is how many entries of kind were logged at or after since.
func (s *Store) Count(ctx context.Context, kind Kind, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM ops_log WHERE kind = ? AND at >= ?`, string(kind), since.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return n, nil
}

// CodeCount is how often one error code was logged, and when last.
type CodeCount struct {
	Code  string
	Count int
	Last  time.Time
}

// ErrorCounts groups the errors logged at or after since by code, most recent first, at most limit.
func (s *Store) ErrorCounts(ctx context.Context, since time.Time, limit int) ([]CodeCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT detail, count(*), max(at) FROM ops_log WHERE kind = ? AND at >= ?
		GROUP BY detail ORDER BY max(at) DESC, detail LIMIT ?`, string(Error), since.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []CodeCount
	for rows.Next() {
		var c CodeCount
		var last int64
		if err := rows.Scan(&c.Code, &c.Count, &last); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		c.Last = time.UnixMilli(last)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Entry is one operations log entry.
type Entry struct {
	At     time.Time
	Kind   Kind
	Detail string
}

// Recent returns the newest entries, newest first, at most limit.
func (s *Store) Recent(ctx context.Context, limit int) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, kind, detail FROM ops_log ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&at, &e.Kind, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
