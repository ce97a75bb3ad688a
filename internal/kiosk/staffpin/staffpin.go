// Package staffpin is the kiosk's staff PIN on top of the local store (internal/kiosk/store): 6 to 12 digits, kept
// only as an argon2id hash. MaxTries wrong tries in a row lock it for Lockout; the count and the lock are
// stored, so a restart does not reset them. The PIN screen that asks for it is ui/pinscreen.go.
package staffpin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// The PIN's length, the tries before the lock, and the lock's length.
const (
	MinLen   = 6
	MaxLen   = 12
	MaxTries = 5
	Lockout  = 5 * time.Minute
)

// The store keys (settings) the PIN is kept under.
const (
	KeyHash     = "staff_pin_hash"
	KeyFailures = "staff_pin_failures"
	KeyLocked   = "staff_pin_locked_until" // Unix ms
)

// argon2id parameters (OWASP's minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

var (
	// ErrFormat is a new PIN that is not 6 to 12 digits.
	ErrFormat = errors.New("staffpin: the PIN must be 6 to 12 digits")
	// ErrNoStore is a Guard without a local store.
	ErrNoStore = errors.New("staffpin: no local store")
)

// Guard checks and sets the staff PIN against the local store, with a clock for the lockout. Its methods do
// disk and hashing work: call them off the UI goroutine.
type Guard struct {
	mu  sync.Mutex // one check at a time, so concurrent tries cannot get round the count
	st  *store.Store
	now func() time.Time
}

// New returns the guard of the PIN in st (nil: no store, every call fails with ErrNoStore), on the clock now.
func New(st *store.Store, now func() time.Time) *Guard { return &Guard{st: st, now: now} }

// HasStore reports whether the guard has a store to keep the PIN in.
func (g *Guard) HasStore() bool { return g != nil && g.st != nil }

// Result is what a check found.
type Result struct {
	OK     bool
	Left   int           // tries left before the lock, after a wrong PIN
	Locked time.Duration // > 0: locked for this long; the PIN was not even compared
}

// Valid reports whether pin is a PIN one may choose: MinLen to MaxLen digits.
func Valid(pin string) bool {
	if len(pin) < MinLen || len(pin) > MaxLen {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Hash is pin's argon2id PHC string, with a fresh salt.
func Hash(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pin), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pin matches the PHC string encoded (in constant time).
func Verify(encoded, pin string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pin), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// IsSet reports whether a staff PIN has been chosen.
func (g *Guard) IsSet(ctx context.Context) (bool, error) {
	if g.st == nil {
		return false, ErrNoStore
	}
	_, ok, err := g.st.Get(ctx, KeyHash)
	return ok, err
}

// Set stores a new PIN and clears the failure count and the lock.
func (g *Guard) Set(ctx context.Context, pin string) error {
	if g.st == nil {
		return ErrNoStore
	}
	if !Valid(pin) {
		return ErrFormat
	}
	h, err := Hash(pin)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.st.Put(ctx, map[string]string{KeyHash: h, KeyFailures: "0", KeyLocked: "0"})
}

// Check compares pin with the stored hash, counting wrong tries and locking after MaxTries.
func (g *Guard) Check(ctx context.Context, pin string) (Result, error) {
	if g.st == nil {
		return Result{}, ErrNoStore
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	all, err := g.st.Settings(ctx)
	if err != nil {
		return Result{}, err
	}
	now := g.now()
	if until, _ := strconv.ParseInt(all[KeyLocked], 10, 64); until > now.UnixMilli() {
		return Result{Locked: time.UnixMilli(until).Sub(now)}, nil
	}
	if Verify(all[KeyHash], pin) {
		return Result{OK: true}, g.st.Put(ctx, map[string]string{KeyFailures: "0", KeyLocked: "0"})
	}
	fails, _ := strconv.Atoi(all[KeyFailures])
	fails++
	_ = g.st.Log(ctx, store.StaffPINWrong, "")
	if fails >= MaxTries {
		_ = g.st.Log(ctx, store.StaffLocked, "")
		until := now.Add(Lockout)
		return Result{Locked: Lockout},
			g.st.Put(ctx, map[string]string{KeyFailures: "0", KeyLocked: strconv.FormatInt(until.UnixMilli(), 10)})
	}
	return Result{Left: MaxTries - fails}, g.st.Put(ctx, map[string]string{KeyFailures: strconv.Itoa(fails)})
}
