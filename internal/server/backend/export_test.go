package backend

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// SetCodeAttemptLimit sets the per-address user-code limit (burst, then one per every), for tests that make
// more wrong attempts than a person would.
func (s *Server) SetCodeAttemptLimit(burst int, every time.Duration) {
	s.codes.mu.Lock()
	defer s.codes.mu.Unlock()
	s.codes.perAddr = func() *rate.Limiter { return rate.NewLimiter(rate.Every(every), burst) }
	s.codes.addrs = map[string]*rate.Limiter{}
}

// WrapHandler makes Start serve wrap(the handler), for tests that need a handler of their own in the chain.
func WrapHandler(cfg *Config, wrap func(http.Handler) http.Handler) { cfg.wrap = wrap }

// SetDeviceCodeBounds sets the bounds on pending device logins (per address, in all); restore sets them back.
func (s *Server) SetDeviceCodeBounds(perAddr, total int) (restore func()) {
	pa, tot := s.devices.perAddr.Swap(int64(perAddr)), s.devices.total.Swap(int64(total))
	return func() { s.devices.perAddr.Store(pa); s.devices.total.Store(tot) }
}

// SetMinFreeBytes sets the room /v1/ready wants for the database; restore sets it back.
func (s *Server) SetMinFreeBytes(n int64) (restore func()) {
	old := s.minFree.Swap(n)
	return func() { s.minFree.Store(old) }
}
