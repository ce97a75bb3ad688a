package backend

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The verification page's limits on wrong user codes (RFC 8628 section 5.1): per client address a burst of
// 10 and then one every 6 s; over all addresses a burst of 100 and then 5 a second. Only failed attempts
// spend from the limit, but once it is spent every attempt from there is refused, a right code too.
const (
	codeAttemptsPerAddrBurst = 10
	codeAttemptsPerAddrEvery = 6 * time.Second
	codeAttemptsGlobalBurst  = 100
	codeAttemptsGlobalRate   = 5
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

func (l *codeLimiter) addr(a string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.addrs[a]
	if !ok {
		if len(l.addrs) >= maxLimitedAddrs {
			l.addrs = map[string]*rate.Limiter{}
		}
		lim = l.perAddr()
		l.addrs[a] = lim
	}
	return lim
}

// wait is how long the address must wait before its next attempt; 0 when it may try now.
func (l *codeLimiter) wait(r *http.Request) time.Duration {
	now := time.Now()
	var d time.Duration
	for _, lim := range []*rate.Limiter{l.addr(clientAddr(r)), l.global} {
		if tok := lim.TokensAt(now); tok < 1 {
			need := time.Duration((1 - tok) / float64(lim.Limit()) * float64(time.Second))
			d = max(d, need)
		}
	}
	return d
}

// failed spends one attempt of the address and of the global limit.
func (l *codeLimiter) failed(r *http.Request) {
	now := time.Now()
	l.addr(clientAddr(r)).AllowN(now, 1)
	l.global.AllowN(now, 1)
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(d.Seconds()))))
}
