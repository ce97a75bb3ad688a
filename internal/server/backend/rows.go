package backend

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// newID makes a random id with a prefix, matching the contract's Id pattern.
func newID(prefix string) string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + strings.TrimRight(base64.RawURLEncoding.EncodeToString(b[:]), "=")
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sha256Hex is the SHA-256 of v in hex: how device codes, refresh tokens and request bodies (for
// Idempotency-Key) are kept.
func sha256Hex[T string | []byte](v T) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:])
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).In(workdays.Oslo) }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// osloDate is t's date in Oslo as YYYY-MM-DD.
func osloDate(t time.Time) string { return t.In(workdays.Oslo).Format(time.DateOnly) }

func parseDate(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }

func apiDate(s string) *openapi_types.Date {
	t, err := parseDate(s)
	if err != nil {
		return nil
	}
	return &openapi_types.Date{Time: t}
}
