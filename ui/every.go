package ui

import (
	"context"
	"time"
)

// clock is the kiosk's time: what time it is, and tickers. The kiosk runs on the wall clock; tests give
// one they advance by hand (withClock), so that the idle timeout, polling and the other loops fire without
// waiting real seconds.
type clock interface {
	Now() time.Time
	NewTicker(d time.Duration) ticker
}

// ticker is a time.Ticker on a clock.
type ticker interface {
	Chan() <-chan time.Time
	Stop()
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time                   { return time.Now() }
func (wallClock) NewTicker(d time.Duration) ticker { return wallTicker{time.NewTicker(d)} }

type wallTicker struct{ *time.Ticker }

func (t wallTicker) Chan() <-chan time.Time { return t.C }

// withClock runs the kiosk on c (tests).
func withClock(c clock) Option { return func(k *Kiosk) { k.clk = c } }

// now is the time on the kiosk's clock.
func (k *Kiosk) now() time.Time { return k.clk.Now() }

// An owner is what a background call or loop works for. Its context ends the work; alive, asked on the UI
// goroutine, tells whether a result still applies.
type owner struct {
	ctx   context.Context
	alive func() bool
}

// forScreen owns work for screen s of the current visit: its results apply while the kiosk has not logged
// out since and the router still shows s (s nil: any screen of the visit).
func (k *Kiosk) forScreen(s screen) owner {
	gen, ctx := k.gen, k.ctx
	if k.sess != nil {
		ctx = k.sess.ctx
	}
	return owner{ctx: ctx, alive: func() bool { return gen == k.gen && (s == nil || k.cur == s) }}
}

// forKiosk owns work for the kiosk itself (connection checks, the help request), which outlives visits
// and ends at shutdown.
func (k *Kiosk) forKiosk() owner {
	return owner{ctx: k.ops.ctx, alive: func() bool { return true }}
}

// forLogout owns the revocation of a visit's tokens: it is not cancelled by the logout itself nor by a
// shutdown (the tokens must still be revoked); the call bounds itself with a timeout.
func forLogout() owner {
	return owner{ctx: context.Background(), alive: func() bool { return true }}
}

// run is the one way a network call runs: work runs in a goroutine with o's context, off the UI goroutine;
// the function it returns (if any) runs on the UI goroutine in one k.do, unless o has ended meanwhile.
func (k *Kiosk) run(o owner, work func(ctx context.Context) func()) {
	k.inflight.Add(1)
	go func() {
		defer k.inflight.Add(-1) // after the result is handed to k.do: a test that sees 0 sees every result
		apply := work(o.ctx)
		if apply == nil {
			return
		}
		k.do(func() {
			if o.ctx.Err() == nil && o.alive() {
				apply()
				k.scanSoon() // with speech guidance: an error or notice the result shows is spoken
			}
		})
	}()
}

// async runs work for screen s of the current visit (see run and forScreen; s nil: for the visit).
func (k *Kiosk) async(s screen, work func(ctx context.Context) func()) { k.run(k.forScreen(s), work) }

// every is the one background loop: it runs work every d on the kiosk's clock, one run at a time, until o
// ends or stop is called; what work returns is applied as run applies it. The ticker starts before every
// returns, so a test clock advanced right after fires it.
func (k *Kiosk) every(d time.Duration, o owner, work func(ctx context.Context) func()) (stop func()) {
	ctx, cancel := context.WithCancel(o.ctx)
	t := k.clk.NewTicker(d)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.Chan():
			}
			apply := work(ctx)
			if apply == nil || ctx.Err() != nil {
				continue
			}
			k.do(func() {
				if ctx.Err() == nil && o.alive() {
					apply()
					k.scanSoon()
				}
			})
		}
	}()
	return cancel
}

// after applies apply once on the UI goroutine, d from now on the kiosk's clock, unless o ends first.
func (k *Kiosk) after(d time.Duration, o owner, apply func()) {
	ctx, cancel := context.WithCancel(o.ctx)
	k.every(d, owner{ctx: ctx, alive: o.alive}, func(context.Context) func() {
		return func() { cancel(); apply() }
	})
}

// pollDefault is how often home and the inbox look for new messages.
const pollDefault = 30 * time.Second

func (k *Kiosk) pollInterval() time.Duration {
	if k.pollEvery > 0 {
		return k.pollEvery
	}
	return pollDefault
}

// poll runs work every pollInterval while s is shown (see every).
func (k *Kiosk) poll(s screen, work func(ctx context.Context) func()) (stop func()) {
	return k.every(k.pollInterval(), k.forScreen(s), work)
}
