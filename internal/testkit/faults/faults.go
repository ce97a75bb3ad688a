// Package faults puts a fault-injecting network between a test's client and the real reference backend:
//
//	client → toxiproxy (TCP faults) → HTTP fault layer (HTTP faults) → backend
//
// Toxiproxy (github.com/Shopify/toxiproxy/v2, in-process) produces what happens below HTTP: a backend that
// is down, a refused connection, a connection that never answers, latency. The HTTP layer in front of the
// backend produces what toxiproxy cannot: 500, 503 with Retry-After, 429, a malformed JSON answer, and a
// connection reset after the backend has processed a write. Everything it does not break it forwards to the
// backend unchanged.
package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/helsekiosk/helsekiosk/api"
)

// A Fault is one way the network or the backend fails.
type Fault string

// The fault matrix.
const (
	None           Fault = ""
	BackendDown    Fault = "backend down"       // the proxy accepts, but nothing answers behind it: the connection is closed
	ConnRefused    Fault = "connection refused" // nothing listens at the backend's address
	Timeout        Fault = "timeout"            // the connection stays open and no byte comes back
	Latency        Fault = "5 s latency"        // every answer arrives 5 s late
	ResetAfterSave Fault = "reset after write"  // the backend processes the request, then the connection is reset
	Status500      Fault = "500"                // 500 problem+json, nothing forwarded
	Status503      Fault = "503 Retry-After"    // 503 problem+json with Retry-After: 1, nothing forwarded
	Status429      Fault = "429"                // 429 problem+json with Retry-After: 1, nothing forwarded
	MalformedJSON  Fault = "malformed JSON"     // forwarded; the backend's answer is cut off mid-JSON
)

// TCP reports whether f is produced by toxiproxy (it then hits every request, not just matching ones).
func (f Fault) TCP() bool {
	switch f {
	case BackendDown, ConnRefused, Timeout, Latency:
		return true
	}
	return false
}

// LatencyMS is the delay of the Latency fault.
const LatencyMS = 5000

// A Match selects the requests an HTTP fault breaks (nil: all).
type Match func(*http.Request) bool

// Writes matches POST, PUT and DELETE requests.
func Writes(r *http.Request) bool {
	return r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodDelete
}

// PathContains matches requests whose path contains s.
func PathContains(s string) Match {
	return func(r *http.Request) bool { return strings.Contains(r.URL.Path, s) }
}

// And matches when all of ms match.
func And(ms ...Match) Match {
	return func(r *http.Request) bool {
		for _, m := range ms {
			if m != nil && !m(r) {
				return false
			}
		}
		return true
	}
}

// Net is a running fault network in front of one backend.
type Net struct {
	// URL is where the client should connect (the toxiproxy listener).
	URL string

	t       testing.TB
	backend *url.URL
	httpSrv *httptest.Server
	proxy   *toxiproxy.Proxy
	mu      sync.Mutex
	fault   Fault
	match   Match
	times   int // how many requests to break; 0 = all
	broken  atomic.Int64
	seen    atomic.Int64
	forward atomic.Int64
}

// New starts the fault network in front of backendURL (http://host:port). It is closed by t.Cleanup.
func New(t testing.TB, backendURL string) *Net {
	t.Helper()
	bu, err := url.Parse(backendURL)
	if err != nil {
		t.Fatalf("faults: backend URL: %v", err)
	}
	n := &Net{t: t, backend: bu}
	rp := httputil.NewSingleHostReverseProxy(bu)
	rp.ErrorLog = nil
	n.httpSrv = httptest.NewServer(n.handler(rp))

	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	n.proxy = toxiproxy.NewProxy(srv, "backend", "127.0.0.1:0", n.httpSrv.Listener.Addr().String())
	if err := n.proxy.Start(); err != nil {
		t.Fatalf("faults: start toxiproxy: %v", err)
	}
	n.URL = "http://" + n.proxy.Listen
	t.Cleanup(func() {
		n.proxy.Toxics.ResetToxics(context.Background())
		n.proxy.Stop()
		n.httpSrv.Close()
	})
	return n
}

// Set makes f happen from now on, to requests that match (match applies to HTTP faults only; TCP faults hit
// everything). times > 0 breaks only that many requests, then forwards again. Set(None, nil, 0) heals.
func (n *Net) Set(f Fault, match Match, times int) {
	n.t.Helper()
	n.heal()
	n.mu.Lock()
	n.fault, n.match, n.times = f, match, times
	n.mu.Unlock()
	n.broken.Store(0)
	switch f {
	case BackendDown:
		n.restart(deadAddr(n.t))
	case ConnRefused:
		n.proxy.Stop()
	case Timeout:
		n.toxic(`{"name":"timeout","type":"timeout","stream":"downstream","attributes":{"timeout":0}}`)
	case Latency:
		n.toxic(fmt.Sprintf(`{"name":"latency","type":"latency","stream":"downstream","attributes":{"latency":%d}}`, LatencyMS))
	}
}

// Heal removes every fault.
func (n *Net) Heal() { n.Set(None, nil, 0) }

func (n *Net) heal() {
	n.mu.Lock()
	f := n.fault
	n.fault, n.match, n.times = None, nil, 0
	n.mu.Unlock()
	switch f {
	case BackendDown:
		n.restart(n.httpSrv.Listener.Addr().String())
	case ConnRefused:
		if err := n.proxy.Start(); err != nil {
			n.t.Fatalf("faults: restart toxiproxy: %v", err)
		}
	case Timeout, Latency:
		n.proxy.Toxics.ResetToxics(context.Background())
	}
}

// Broken is how many requests the current HTTP fault has broken since it was set.
func (n *Net) Broken() int { return int(n.broken.Load()) }

// Forwarded is how many requests reached the backend through the HTTP layer in all.
func (n *Net) Forwarded() int { return int(n.forward.Load()) }

func (n *Net) restart(upstream string) {
	n.proxy.Stop()
	n.proxy.Upstream = upstream
	if err := n.proxy.Start(); err != nil {
		n.t.Fatalf("faults: restart toxiproxy: %v", err)
	}
}

func (n *Net) toxic(js string) {
	if _, err := n.proxy.Toxics.AddToxicJson(strings.NewReader(js)); err != nil {
		n.t.Fatalf("faults: add toxic: %v", err)
	}
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faults: %v", err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

// take reports which HTTP fault (if any) applies to r, counting it.
func (n *Net) take(r *http.Request) Fault {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fault == None || n.fault.TCP() || (n.match != nil && !n.match(r)) {
		return None
	}
	if n.times > 0 && int(n.broken.Load()) >= n.times {
		return None
	}
	n.broken.Add(1)
	return n.fault
}

func problem(w http.ResponseWriter, status int, code api.ProblemCode, retryAfter string) {
	w.Header().Set("Content-Type", "application/problem+json")
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"code":%q}`, http.StatusText(status), status, code)
}

func (n *Net) handler(rp *httputil.ReverseProxy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.seen.Add(1)
		switch n.take(r) {
		case Status500:
			problem(w, http.StatusInternalServerError, api.Internal, "")
			return
		case Status503:
			problem(w, http.StatusServiceUnavailable, api.Unavailable, "1")
			return
		case Status429:
			problem(w, http.StatusTooManyRequests, api.RateLimited, "1")
			return
		case ResetAfterSave:
			// Let the backend process the request completely, then reset the connection instead of answering.
			rec := httptest.NewRecorder()
			n.forward.Add(1)
			rp.ServeHTTP(rec, r)
			reset(w)
			return
		case MalformedJSON:
			rec := httptest.NewRecorder()
			n.forward.Add(1)
			rp.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			cut := body[:len(body)/2]
			if len(bytes.TrimSpace(cut)) == 0 {
				cut = []byte(`{"id":`)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Del("Content-Length")
			code := rec.Code
			if code == http.StatusNoContent {
				code = http.StatusOK // a 204 cannot carry the broken body
			}
			w.WriteHeader(code)
			_, _ = w.Write(cut)
			_, _ = io.WriteString(w, `\u00`)
			return
		}
		n.forward.Add(1)
		rp.ServeHTTP(w, r)
	})
}

// reset closes the client's connection with a TCP RST and no answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with RST, not FIN
	}
	_ = conn.Close()
}
