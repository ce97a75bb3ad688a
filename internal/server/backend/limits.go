package backend

import (
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
)

// Timeouts are the HTTP server's timeouts; HTTPServer applies them. DefaultTimeouts is the one place of the
// values the command and Start use.
type Timeouts struct {
	// ReadHeader bounds reading the request line and headers.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included (a client that sends headers and then trickles
	// or stalls its body is cut off).
	Read time.Duration
	// Write bounds the time from the end of the request headers to the end of the answer.
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next request.
	Idle time.Duration
}

// DefaultTimeouts are the timeouts of the backend's HTTP servers.
var DefaultTimeouts = Timeouts{ReadHeader: 5 * time.Second, Read: 15 * time.Second, Write: 30 * time.Second, Idle: 120 * time.Second}

// MaxHeaderBytes bounds the request line and headers together.
const MaxHeaderBytes = 64 << 10

// DefaultMaxConcurrentPerClient is how many requests one client address may have in flight at once.
const DefaultMaxConcurrentPerClient = 32

// Limits on header and form values (bytes, after percent-decoding).
const (
	maxHeaderValue = 8 << 10 // a JWT bearer token with room to spare
	maxFormValue   = 4 << 10 // device codes, refresh tokens, access tokens to revoke
	maxQueryValue  = 1 << 10
	// MaxIdempotencyKey is the longest Idempotency-Key accepted.
	MaxIdempotencyKey = 255
)

// formFieldMax are the form fields with a tighter limit than maxFormValue.
var formFieldMax = map[string]int{
	"scope":      200,
	"kiosk_name": 100,
	"user_code":  32,
	"client_id":  200,
	"grant_type": 100,
	"action":     20,
	"person_id":  64,
	"resource":   500,
	"csrf":       200,
	"id":         64,
}

// HTTPServer is an http.Server for h on addr with the configured timeouts and header limit.
func (s *Server) HTTPServer(addr string, h http.Handler) *http.Server {
	t := s.cfg.Timeouts
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read,
		WriteTimeout: t.Write, IdleTimeout: t.Idle, MaxHeaderBytes: MaxHeaderBytes}
}

// clientLimiter bounds the requests in flight per client address (the TCP peer; a proxy in front of the
// backend makes all its clients one address, so raise the bound there).
type clientLimiter struct {
	max      int
	mu       sync.Mutex
	inFlight map[string]int
}

func newClientLimiter(max int) *clientLimiter {
	return &clientLimiter{max: max, inFlight: map[string]int{}}
}

// acquire takes a slot for addr; false when addr has max in flight already. release gives it back.
func (l *clientLimiter) acquire(addr string) bool {
	if l.max <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight[addr] >= l.max {
		return false
	}
	l.inFlight[addr]++
	return true
}

func (l *clientLimiter) release(addr string) {
	if l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight[addr]--; l.inFlight[addr] <= 0 {
		delete(l.inFlight, addr)
	}
}

// cleanPath reports whether p is what ServeMux would not redirect: no empty, "." or ".." segments.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// checkHeaders refuses header values that are not UTF-8 or too long, and an Idempotency-Key that is not
// 1 to 255 printable ASCII characters. (Control characters in a header value never get here: net/http
// answers them with its own text/plain 400 before any handler runs.)
func checkHeaders(r *http.Request) *problemError {
	for name, vals := range r.Header {
		for _, v := range vals {
			if !utf8.ValidString(v) {
				return badRequest(name, "The header "+name+" is not valid UTF-8.")
			}
			if len(v) > maxHeaderValue {
				return badRequest(name, "The header "+name+" is longer than "+strconv.Itoa(maxHeaderValue)+" bytes.")
			}
		}
	}
	if vals, ok := r.Header["Idempotency-Key"]; ok {
		if len(vals) != 1 {
			return badRequest("Idempotency-Key", "Send one Idempotency-Key.")
		}
		if !validIdempotencyKey(vals[0]) {
			return badRequest("Idempotency-Key", "The Idempotency-Key must be 1 to 255 printable ASCII characters.")
		}
	}
	return nil
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > MaxIdempotencyKey {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// checkQuery refuses query values (and names) that are not UTF-8 or longer than 1 KiB.
func checkQuery(r *http.Request) *problemError {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("", "The query string is malformed.")
	}
	return checkValues(q, maxQueryValue, nil, "query parameter")
}

// checkForm refuses a form body (application/x-www-form-urlencoded) with a name or value that is not
// UTF-8, contains a control character, or is longer than its limit (formFieldMax, else 4 KiB).
func checkForm(r *http.Request, body []byte) *problemError {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" || len(body) == 0 {
		return nil
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		return badRequest("", "The form is malformed.")
	}
	return checkValues(f, maxFormValue, formFieldMax, "form field")
}

func checkValues(vals url.Values, max int, per map[string]int, what string) *problemError {
	for name, vs := range vals {
		if !utf8.ValidString(name) || len(name) > 100 || hasControl(name) {
			return badRequest("", "A "+what+" name is not valid.")
		}
		limit := max
		if l, ok := per[name]; ok {
			limit = l
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return badRequest(name, "The "+what+" "+name+" is not valid UTF-8.")
			}
			if len(v) > limit {
				return badRequest(name, "The "+what+" "+name+" is longer than "+strconv.Itoa(limit)+" bytes.")
			}
			if hasControl(v) {
				return badRequest(name, "The "+what+" "+name+" contains a control character.")
			}
		}
	}
	return nil
}

// hasControl reports C0/C1 control characters and DEL (not tab).
func hasControl(s string) bool {
	for _, r := range s {
		if (r < 0x20 && r != '\t') || (r >= 0x7f && r < 0xa0) {
			return true
		}
	}
	return false
}

func writeThrottled(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "1")
	writeProblem(w, r, problem(http.StatusTooManyRequests, api.RateLimited, "Too many requests in flight from this address."))
}
