package staffpin

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

func TestPINHash(t *testing.T) {
	h, err := Hash("135790")
	if err != nil {
		t.Fatal(err)
	}
	if !Verify(h, "135790") || Verify(h, "135791") || Verify("", "135790") || Verify("$argon2id$x", "1") {
		t.Error("Verify")
	}
	if h2, _ := Hash("135790"); h2 == h {
		t.Error("no salt")
	}
	for pin, ok := range map[string]bool{"123456": true, "12345": false, "1234567890123": false, "12345a": false, "123456789012": true} {
		if Valid(pin) != ok {
			t.Errorf("Valid(%q) != %v", pin, ok)
		}
	}
}

// TestGuardLockout: MaxTries wrong tries lock the PIN for Lockout (the right PIN is not even compared), the
// lock survives a new Guard on the same store, and a success resets the count.
func TestGuardLockout(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	g := New(st, clock)
	if set, err := g.IsSet(ctx); err != nil || set {
		t.Fatalf("IsSet before Set: %v, %v", set, err)
	}
	if err := g.Set(ctx, "12345"); !errors.Is(err, ErrFormat) {
		t.Errorf("Set of a short PIN: %v", err)
	}
	if err := g.Set(ctx, "246810"); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := st.Get(ctx, KeyHash); len(v) < 10 || v[:10] != "$argon2id$" {
		t.Errorf("stored %q, want an argon2id hash", v)
	}
	for i := 0; i < MaxTries-1; i++ {
		if r, err := g.Check(ctx, "000000"); err != nil || r.Locked > 0 || r.Left != MaxTries-1-i {
			t.Fatalf("try %d: %+v, %v", i, r, err)
		}
	}
	if r, _ := g.Check(ctx, "000000"); r.Locked != Lockout {
		t.Fatalf("the last wrong try: %+v, want locked for %v", r, Lockout)
	}
	now = now.Add(time.Minute)
	if r, _ := New(st, clock).Check(ctx, "246810"); r.OK || r.Locked != Lockout-time.Minute {
		t.Errorf("the right PIN while locked, on a new guard: %+v", r)
	}
	now = now.Add(Lockout)
	if r, _ := g.Check(ctx, "246810"); !r.OK {
		t.Errorf("the right PIN after the lock: %+v", r)
	}
	for i := 0; i < MaxTries-1; i++ {
		if r, err := g.Check(ctx, "000000"); err != nil || r.Locked > 0 || r.Left != MaxTries-1-i {
			t.Fatalf("after the reset, try %d: %+v, %v", i, r, err)
		}
	}
	if n, _ := st.Count(ctx, store.StaffLocked, time.Time{}); n != 1 {
		t.Errorf("staff_locked logged %d times, want 1", n)
	}
	if _, err := New(nil, clock).Check(ctx, "246810"); !errors.Is(err, ErrNoStore) {
		t.Errorf("no store: %v", err)
	}
}
