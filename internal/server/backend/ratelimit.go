package backend

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The verification page's limits on wrong user codes (RFC 8628 section 5.1), on the server's clock:
//
//   - per client address (an IPv6 address by its /64, which one subscriber usually holds whole): a burst of
//     10 wrong codes, then one every 6 s. It is checked before the code is looked up, so a guessing address
//     is refused (429) even a right code;
//   - over all addresses: a burst of 100 wrong codes, then 5 a second. While it is spent (somebody guesses
//     from many addresses), an address that has made fewer than codeAttemptsFresh wrong codes of its own is
//     still looked up; the others are refused. So the overall limit bounds a guesser with many addresses to
//     codeAttemptsFresh guesses an address, and never locks out the citizen who types the code from a phone
//     that has not guessed: one attacker cannot deny every real login (issue 21).
//
// Only wrong codes spend from the limits; a right one never does.
//
// Guesses cannot be counted against a pending code: a guess names a code that does not exist. What keeps a
// pending code safe is that the guesses over its life are few beside the code space: 20^8 ≈ 2.6·10^10 codes,
// at most MaxPendingCodes pending at once (oauth.go), each for 10 minutes; 100 + 5/s overall is at most
// 3,100 guesses in a code's life plus codeAttemptsFresh per fresh address (or /64), so even 1000 pending
// codes and 10,000 addresses give a guesser a chance of about 1 in 800,000 of hitting any code.
const (
	codeAttemptsPerAddrBurst = 10
	codeAttemptsPerAddrEvery = 6 * time.Second
	codeAttemptsGlobalBurst  = 100
	codeAttemptsGlobalRate   = 5
	codeAttemptsFresh        = 3
	maxLimitedAddrs          = 10000
)

type codeLimiter struct {
	mu      sync.Mutex
	global  *rate.Limiter
	addrs   map[string]*rate.Limiter
	perAddr func() *rate.Limiter
}

func newCodeLimiter() *codeLimiter {
	return &codeLimiter{global: rate.NewLimiter(codeAttemptsGlobalRate, codeAttemptsGlobalBurst), addrs: map[string]*rate.Limiter{},
		perAddr: func() *rate.Limiter {
			return rate.NewLimiter(rate.Every(codeAttemptsPerAddrEvery), codeAttemptsPerAddrBurst)
		}}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limitKey is the client address a limit counts by: an IPv4 address, or an IPv6 address's /64.
func limitKey(r *http.Request) string {
	a := clientAddr(r)
	ip, err := netip.ParseAddr(a)
	if err != nil {
		return a
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, err := ip.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return ip.String()
}

func (l *codeLimiter) addr(a string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.addrs[a]
	if !ok {
		if len(l.addrs) >= maxLimitedAddrs {
			// Forget the addresses whose budget is whole again; only if that frees nothing, all of them.
			for k, v := range l.addrs {
				if v.TokensAt(now) >= float64(v.Burst()) {
					delete(l.addrs, k)
				}
			}
			if len(l.addrs) >= maxLimitedAddrs {
				l.addrs = map[string]*rate.Limiter{}
			}
		}
		lim = l.perAddr()
		l.addrs[a] = lim
	}
	return lim
}

// need is how long lim takes to give one attempt when it holds tok.
func need(lim *rate.Limiter, tok float64) time.Duration {
	return time.Duration((1 - tok) / float64(lim.Limit()) * float64(time.Second))
}

// wait is how long the request's address must wait before its next attempt; 0 when it may try now.
func (l *codeLimiter) wait(r *http.Request, now time.Time) time.Duration {
	a := l.addr(limitKey(r), now)
	tok := a.TokensAt(now)
	if tok < 1 {
		return need(a, tok)
	}
	if g := l.global.TokensAt(now); g < 1 && float64(a.Burst())-tok >= codeAttemptsFresh {
		return need(l.global, g)
	}
	return 0
}

// failed spends one attempt of the address and of the overall limit.
func (l *codeLimiter) failed(r *http.Request, now time.Time) {
	l.addr(limitKey(r), now).AllowN(now, 1)
	l.global.AllowN(now, 1)
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}
