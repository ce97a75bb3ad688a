package backend

import (
	"context"
	"database/sql"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
)

// The bounds on pending device logins (codes of /oauth/device_authorization not yet approved, denied or
// expired): each one holds a row and a user code a guesser may hit (ratelimit.go), so a client address may
// have MaxPendingCodesPerAddr of them and everybody together MaxPendingCodes. A kiosk holds one at a time,
// and a few more while citizens give up and start again within the 10 minutes a code lives; several kiosks
// of one service centre may share an address. Above a bound the endpoint answers 429 rate_limited with
// Retry-After until the first of the pending codes that count expires (RFC 6749 defines no error for a
// busy authorization server; 429 with Retry-After is what RFC 6585 and this API's other limits answer, and
// an OAuth client reads any non-200 there as a failed start). The count is in the database, so replicas on
// one PostgreSQL share it; two requests at once may both pass a bound by one, which the bound on requests in
// flight per address keeps small.
const (
	MaxPendingCodesPerAddr = 50
	MaxPendingCodes        = 1000
)

type deviceBounds struct {
	perAddr, total atomic.Int64
}

// deviceCodeWait is how long the address (limitKey) must wait before it may start another device login; 0
// when it may now.
func (s *Server) deviceCodeWait(ctx context.Context, addr string, now time.Time) (time.Duration, error) {
	for _, b := range []struct {
		max   int64
		query string
		args  []any
	}{
		{s.devices.perAddr.Load(), `SELECT COUNT(*), MIN(expires_at) FROM device_codes WHERE client_addr = ? AND status = 'pending' AND expires_at > ?`, []any{addr, ms(now)}},
		{s.devices.total.Load(), `SELECT COUNT(*), MIN(expires_at) FROM device_codes WHERE status = 'pending' AND expires_at > ?`, []any{ms(now)}},
	} {
		var n int64
		var first sql.NullInt64
		if err := s.db.QueryRowContext(ctx, b.query, b.args...).Scan(&n, &first); err != nil {
			return 0, err
		}
		if n >= b.max {
			return time.Duration(first.Int64-ms(now)) * time.Millisecond, nil
		}
	}
	return 0, nil
}

// deviceCodesBounded answers 429 rate_limited with Retry-After when the request's address, or everybody,
// has as many pending device logins as allowed; it reports whether it answered.
func (s *Server) deviceCodesBounded(w http.ResponseWriter, r *http.Request, now time.Time) bool {
	wait, err := s.deviceCodeWait(r.Context(), limitKey(r), now)
	if err != nil {
		s.writeErr(w, r, err)
		return true
	}
	if wait <= 0 {
		return false
	}
	w.Header().Set("Retry-After", retryAfterSeconds(wait))
	writeProblem(w, r, problem(http.StatusTooManyRequests, api.RateLimited,
		"Too many logins are waiting to be approved; try again when one has expired."))
	return true
}
