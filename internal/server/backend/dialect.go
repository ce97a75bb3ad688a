package backend

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The dialect seam. The backend's SQL is written once, for SQLite (`?` and `?N` placeholders, ON CONFLICT
// upserts, integers for booleans and millisecond times), and runs unchanged on PostgreSQL: the PostgreSQL
// connections are wrapped so every statement's placeholders are rebound to `$N` on the way to pgx. What
// still differs is named here and nowhere else:
//
//   - forUpdate: the row lock of a read-then-write (a device code's poll, a refresh token's rotation);
//     SQLite has one connection, so a transaction there is already alone.
//   - skipLocked: the notices' sender claims rows that no other replica holds (FOR UPDATE SKIP LOCKED).
//   - the migrations (migrations/ for SQLite, migrations/postgres/ for PostgreSQL: BIGINT times, BYTEA
//     bodies) and goose's dialect and lock.
//   - the connection pool: one connection for SQLite, a pool for PostgreSQL.

// dialect is the database the Server runs on.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

func (d dialect) String() string {
	if d == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// isPostgresDSN reports whether dsn selects PostgreSQL (a postgres:// or postgresql:// URL).
func isPostgresDSN(dsn string) bool {
	l := strings.ToLower(dsn)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// forUpdate is appended to a SELECT whose row the transaction then changes, so two replicas cannot both act
// on one device code or refresh token.
func (d dialect) forUpdate() string {
	if d == dialectPostgres {
		return " FOR UPDATE"
	}
	return ""
}

// skipLocked is appended to a SELECT of rows a worker claims (the notices' sender): on PostgreSQL the rows
// are locked and rows another replica holds are passed over (FOR UPDATE OF table SKIP LOCKED); SQLite's
// single writer needs nothing.
func (d dialect) skipLocked(table string) string {
	if d == dialectPostgres {
		return " FOR UPDATE OF " + table + " SKIP LOCKED"
	}
	return ""
}

// lockSeed is lockXact's name for seeding the demo data.
const lockSeed = "helsekiosk:seed"

// lockXact takes a transaction-scoped lock named name (pg_advisory_xact_lock of its hashtext) on
// PostgreSQL, for a check-then-insert that replicas must not both pass (seeding the demo data, a second
// fullmakt between the same two persons). On SQLite the transaction is alone already.
func (d dialect) lockXact(ctx context.Context, tx *sql.Tx, name string) error {
	if d != dialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(?))`, name)
	return err
}

// openPostgres opens a pool of PostgreSQL connections whose statements are rebound from `?` to `$N`.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("backend: database URL: %w", err)
	}
	db := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("backend: open database: %w", err)
	}
	return db, nil
}

// rebind turns SQLite's placeholders into PostgreSQL's: `?N` becomes `$N`, and a bare `?` the next number
// (as SQLite counts them: one more than the largest so far). Quoted strings, quoted identifiers and
// comments are left alone.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	maxN := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			b.WriteString(q[i : j+1])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := maxN + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			maxN = max(maxN, n)
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rebindConnector hands out pgx's database/sql connections wrapped in rebindConn.
type rebindConnector struct{ c driver.Connector }

func (r rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := r.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &rebindConn{c.(*stdlib.Conn)}, nil
}

func (r rebindConnector) Driver() driver.Driver { return r.c.Driver() }

// rebindConn is a pgx connection that rebinds every statement (rebind) before pgx sees it.
type rebindConn struct{ c *stdlib.Conn }

var (
	_ driver.ConnPrepareContext = (*rebindConn)(nil)
	_ driver.ConnBeginTx        = (*rebindConn)(nil)
	_ driver.ExecerContext      = (*rebindConn)(nil)
	_ driver.QueryerContext     = (*rebindConn)(nil)
	_ driver.Pinger             = (*rebindConn)(nil)
	_ driver.NamedValueChecker  = (*rebindConn)(nil)
	_ driver.SessionResetter    = (*rebindConn)(nil)
)

func (r *rebindConn) Prepare(q string) (driver.Stmt, error) { return r.c.Prepare(rebind(q)) }
func (r *rebindConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return r.c.PrepareContext(ctx, rebind(q))
}
func (r *rebindConn) Close() error { return r.c.Close() }

//nolint:staticcheck // driver.Conn requires Begin
func (r *rebindConn) Begin() (driver.Tx, error) { return r.c.Begin() }
func (r *rebindConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return r.c.BeginTx(ctx, o)
}
func (r *rebindConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return r.c.ExecContext(ctx, rebind(q), args)
}
func (r *rebindConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return r.c.QueryContext(ctx, rebind(q), args)
}
func (r *rebindConn) Ping(ctx context.Context) error             { return r.c.Ping(ctx) }
func (r *rebindConn) CheckNamedValue(v *driver.NamedValue) error { return r.c.CheckNamedValue(v) }
func (r *rebindConn) ResetSession(ctx context.Context) error     { return r.c.ResetSession(ctx) }

// hasNUL reports whether the request carries U+0000 anywhere the backend could store or look it up: the
// path, the query, a raw body, a form body (%00) or a JSON string (\u0000). PostgreSQL's text cannot hold
// it, so it is refused on both stores alike.
func hasNUL(r *http.Request, body []byte) bool {
	if strings.ContainsRune(r.URL.Path, 0) || strings.Contains(r.URL.RawQuery, "%00") || strings.ContainsRune(r.URL.RawQuery, 0) ||
		bytes.IndexByte(body, 0) >= 0 {
		return true
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" && bytes.Contains(body, []byte("%00")) {
		return true
	}
	return bytes.Contains(body, []byte(`\u0000`)) && jsonHasNUL(body)
}

// jsonHasNUL reports whether a decoded JSON body has U+0000 in a string (member names included).
func jsonHasNUL(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if s, ok := tok.(string); ok && strings.ContainsRune(s, 0) {
			return true
		}
	}
}

// isUniqueViolation reports whether err is a unique-constraint violation (SQLite or PostgreSQL).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
