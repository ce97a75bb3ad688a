package ui

import (
	"strings"
	"sync"
	"time"
)

// testClock is a clock the test sets and advances by hand: its tickers fire when Advance passes their
// time, so a test of the idle timeout or of a loop waits for nothing real.
type testClock struct {
	mu      sync.Mutex
	t       time.Time
	tickers []*testTicker
}

type testTicker struct {
	c       chan time.Time
	d       time.Duration
	next    time.Time
	stopped bool
	clk     *testClock
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) NewTicker(d time.Duration) ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &testTicker{c: make(chan time.Time, 1), d: d, next: c.t.Add(d), clk: c}
	c.tickers = append(c.tickers, t)
	return t
}

// Advance moves the clock on by d and fires every ticker whose time has come (a ticker that is not read in
// time drops ticks, as a time.Ticker does).
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	live := c.tickers[:0]
	for _, t := range c.tickers {
		if t.stopped {
			continue
		}
		for !t.next.After(c.t) {
			select {
			case t.c <- t.next:
			default:
			}
			t.next = t.next.Add(t.d)
		}
		live = append(live, t)
	}
	c.tickers = live
}

func (t *testTicker) Chan() <-chan time.Time { return t.c }

func (t *testTicker) Stop() {
	t.clk.mu.Lock()
	t.stopped = true
	t.clk.mu.Unlock()
}

// nowClock is the wall clock's tickers with another time of day: for tests that only need "now" to be a
// given date.
type nowClock func() time.Time

func (c nowClock) Now() time.Time                   { return c() }
func (c nowClock) NewTicker(d time.Duration) ticker { return wallClock{}.NewTicker(d) }

// advanceUntil moves the kiosk's test clock on by step at a time, processing events, until cond holds; it
// fails when cond does not hold within limit of clock time (or a real deadline).
func (h *harness) advanceUntil(clk *testClock, step, limit time.Duration, what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // bounds a failure only: a loaded machine with -race is slow
	for moved := time.Duration(0); ; moved += step {
		h.settle()
		if cond() {
			return
		}
		if moved > limit || time.Now().After(deadline) {
			h.t.Fatalf("no %s within %v on the clock; the window shows:\n%s", what, limit, strings.Join(h.texts(true), "\n"))
		}
		clk.Advance(step)
	}
}

// settle processes events until the background loops have had a moment to hand in their results.
func (h *harness) settle() {
	h.t.Helper()
	for range 3 {
		time.Sleep(2 * time.Millisecond)
		h.process()
	}
}

// displayInput is the display's input idleness on a test clock (WithInputIdle(d.idle)): the time since the
// last input, which the test makes with input.
type displayInput struct {
	clk  *testClock
	mu   sync.Mutex
	last time.Time
}

func newDisplayInput(clk *testClock) *displayInput { return &displayInput{clk: clk, last: clk.Now()} }

func (d *displayInput) idle() (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.clk.Now().Sub(d.last), true
}

// input is input the display sees now (a finger scrolling, the mouse, a key in another program).
func (d *displayInput) input() {
	d.mu.Lock()
	d.last = d.clk.Now()
	d.mu.Unlock()
}
