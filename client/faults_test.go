package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/faults"
)

// faultThread is the demo thread every fault case reads and replies to.
const faultThread = "t-ingrid-1"

// storedReplies counts the messages with body in faultThread, straight from the backend's database.
func storedReplies(t *testing.T, env *backendtest.Env, body string) int {
	t.Helper()
	var n int
	if err := env.Server.DB().QueryRow(`SELECT COUNT(*) FROM messages WHERE thread_id = ? AND body = ?`, faultThread, body).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func faultLogin(t *testing.T, env *backendtest.Env, c *client.Client, personID string) *client.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := c.StartLogin(ctx, "Servicetorget")
	if err != nil {
		t.Fatalf("StartLogin: %v", err)
	}
	env.Approve(t, l.UserCode, personID)
	s, err := l.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return s
}

// A clientFault is one row of the fault matrix at the client: what a read and a write return while the fault
// lasts, and how many copies of the write the backend holds by then.
type clientFault struct {
	fault   faults.Fault
	times   int              // 0: the fault lasts until healed
	read    func(error) bool // nil: the read succeeds
	write   func(error) bool // nil: the write succeeds
	stored  int              // copies of the reply stored while the fault lasts
	minTime time.Duration    // the write takes at least this long (retries, latency)
	setup   func(*faultCase) // for faults the backend itself produces (401, 403)
	heal    func(*faultCase) // undo setup
	check   func(*testing.T, error)
}

type faultCase struct {
	t    *testing.T
	env  *backendtest.Env
	c    *client.Client
	sess *client.Session
	clk  *backendtest.Clock
}

func isBadResponse(err error) bool { return errors.Is(err, client.ErrBadResponse) }
func isRateLimited(err error) bool { return errors.Is(err, client.ErrRateLimited) }
func isStatus(s int) func(error) bool {
	return func(err error) bool {
		var e *client.Error
		return errors.As(err, &e) && e.Status == s
	}
}

func clientFaults() []clientFault {
	consent := func(fc *faultCase, give bool) {
		tok := fc.env.Token(fc.t, backend.DemoIngrid)
		method, body := http.MethodDelete, any(nil)
		if give {
			method, body = http.MethodPut, api.ConsentGive{TermsVersion: backend.TermsVersion}
		}
		res, b := fc.env.Do(fc.t, method, "/v1/consent", tok, body)
		if res.StatusCode != http.StatusOK {
			fc.t.Fatalf("consent %s: %d %s", method, res.StatusCode, b)
		}
	}
	return []clientFault{
		{fault: faults.BackendDown, read: client.IsUnavailable, write: client.IsUnavailable},
		{fault: faults.ConnRefused, read: client.IsUnavailable, write: client.IsUnavailable},
		// The request reaches the backend, the answer never comes back: the client gives up; the backend has
		// the message once, however often the client tried.
		{fault: faults.Timeout, read: client.IsUnavailable, write: client.IsUnavailable, stored: 1},
		{fault: faults.Latency, stored: 1, minTime: faults.LatencyMS * time.Millisecond},
		{fault: faults.ResetAfterSave, read: client.IsUnavailable, write: client.IsUnavailable, stored: 1},
		{fault: faults.ResetAfterSave, times: 1, stored: 1}, // one reset: the client's own retry (same key) answers
		{fault: faults.Status500, read: isStatus(500), write: isStatus(500)},
		{fault: faults.Status503, read: client.IsUnavailable, write: client.IsUnavailable, minTime: 2 * time.Second,
			check: func(t *testing.T, err error) {
				var e *client.Error
				if !errors.As(err, &e) || e.RetryAfter != time.Second {
					t.Errorf("Retry-After not reported: %#v", err)
				}
			}},
		{fault: faults.Status429, read: isRateLimited, write: isRateLimited, minTime: 2 * time.Second},
		// The backend stores the reply, the answer is garbage: an unknown outcome, which a retry with the same
		// key resolves without a second copy.
		{fault: faults.MalformedJSON, read: isBadResponse, write: isBadResponse, stored: 1},
		// The login has expired: the access token and, past its 8 hours, the refresh token (so the client's one
		// refresh after token_expired is refused too).
		{fault: "401 expired token", read: client.IsUnauthorized, write: client.IsUnauthorized,
			setup: func(fc *faultCase) { fc.clk.Advance(9 * time.Hour) },
			heal: func(fc *faultCase) {
				fc.sess = faultLogin(fc.t, fc.env, fc.c, backend.DemoIngrid) // the citizen logs in again
			}},
		{fault: "403 consent withdrawn", read: client.IsForbidden, write: client.IsForbidden,
			setup: func(fc *faultCase) { consent(fc, false) },
			heal:  func(fc *faultCase) { consent(fc, true) },
			check: func(t *testing.T, err error) {
				if client.CodeOf(err) != "consent_required" {
					t.Errorf("code %q", client.CodeOf(err))
				}
			}},
	}
}

// TestFaultMatrixClient runs every fault between the client and the real backend: each read and write fails
// with the error class the UI translates (or succeeds, slowly), and a write, retried with its idempotency key
// once the fault is gone, is stored exactly once.
func TestFaultMatrixClient(t *testing.T) {
	for _, cf := range clientFaults() {
		name := string(cf.fault)
		if cf.times > 0 {
			name += " once"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := backendtest.NewClock(time.Now())
			env := backendtest.New(t, backendtest.WithClock(clk))
			n := faults.New(t, env.URL)
			timeout := 1500 * time.Millisecond
			if cf.fault == faults.Latency {
				timeout = 3 * faults.LatencyMS * time.Millisecond
			}
			c, err := client.New(n.URL, client.WithTimeout(timeout), client.WithRetries(2, 10*time.Millisecond, 2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			fc := &faultCase{t: t, env: env, c: c, clk: clk}
			fc.sess = faultLogin(t, env, c, backend.DemoIngrid)
			body := "Svar under feilen «" + name + "»"
			key := client.NewIdempotencyKey()

			if cf.setup != nil {
				cf.setup(fc)
			} else {
				n.Set(cf.fault, nil, cf.times)
			}
			ctx := context.Background()
			_, rerr := fc.sess.Thread(ctx, backend.DemoIngrid, faultThread)
			if cf.times == 0 {
				checkErr(t, "read", cf.read, rerr)
			} else {
				n.Set(cf.fault, nil, cf.times) // the read used up the fault: arm it again for the write
			}
			start := time.Now()
			m, werr := fc.sess.Reply(ctx, backend.DemoIngrid, faultThread, key, body)
			took := time.Since(start)
			checkErr(t, "write", cf.write, werr)
			if cf.check != nil {
				cf.check(t, werr)
			}
			if took < cf.minTime {
				t.Errorf("the write took %v, want at least %v", took, cf.minTime)
			}
			if got := storedReplies(t, env, body); got != cf.stored {
				t.Errorf("while the fault lasted the backend stored %d copies, want %d", got, cf.stored)
			}
			t.Logf("%s: read: %v; write: %v after %v", name, errText(rerr), errText(werr), took.Round(10*time.Millisecond))

			// Heal, and try again as the kiosk does: the same draft with the same key.
			if cf.heal != nil {
				cf.heal(fc)
			}
			n.Heal()
			m2, err := fc.sess.Reply(ctx, backend.DemoIngrid, faultThread, key, body)
			if err != nil {
				t.Fatalf("retry after healing: %v", err)
			}
			if werr == nil && m2.Id != m.Id {
				t.Errorf("the retry created message %s, the first attempt %s", m2.Id, m.Id)
			}
			if got := storedReplies(t, env, body); got != 1 {
				t.Errorf("after the retry the backend holds %d copies, want exactly 1", got)
			}
			if _, err := fc.sess.Thread(ctx, backend.DemoIngrid, faultThread); err != nil {
				t.Errorf("read after healing: %v", err)
			}
		})
	}
}

func checkErr(t *testing.T, what string, want func(error) bool, err error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Errorf("%s failed: %v", what, err)
	case want != nil && err == nil:
		t.Errorf("%s succeeded, want an error", what)
	case want != nil && !want(err):
		t.Errorf("%s: wrong error class: %v", what, err)
	}
	if err != nil {
		var e *client.Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %T is not a *client.Error: %v", what, err, err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
