package backend

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the backend's Prometheus metrics, on a registry of its own (one per Server, so tests with
// many servers do not collide). MetricsHandler serves them; the command serves that handler only on
// --metrics-addr (loopback by default), never on the API's listener.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	logins    *prometheus.CounterVec
	dbErrors  *prometheus.CounterVec
	throttled prometheus.Counter
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helsekiosk_http_requests_total",
			Help: "HTTP requests by route template (the contract's path, e.g. /v1/persons/{personId}/threads), method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "helsekiosk_http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helsekiosk_logins_total",
			Help: "Citizen logins at the own authorization server (device code grant) by outcome: ok, denied, expired, invalid.",
		}, []string{"outcome"}),
		dbErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helsekiosk_db_errors_total",
			Help: "Database errors answered by kind (full, readonly, ioerr, busy, cantopen, shutdown, connection, other).",
		}, []string{"kind"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "helsekiosk_http_throttled_total",
			Help: "Requests refused with 429 because their client address had too many requests in flight.",
		}),
	}
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "helsekiosk_help_requests_open",
		Help: "Help requests not yet handled or withdrawn (counted at scrape).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM help_requests WHERE status = 'open'`).Scan(&n); err != nil {
			return -1
		}
		return float64(n)
	})
	seen := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "helsekiosk_kiosks_seen",
		Help: "Kiosks whose heartbeat came in the last 5 minutes (counted at scrape).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := s.kiosksSeen(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	m.reg.MustRegister(m.requests, m.latency, m.logins, m.dbErrors, m.throttled, open, seen,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts a request. Every label value comes from a closed set, never from the request as sent (an
// invented method or path would otherwise make a series of its own, unbounded, on an unauthenticated
// endpoint): route is a route template of the contract or a fixed name (routeOf, fixedRoute), the method
// is one of the methods HTTP defines (else "other"), the status one the server wrote (100–599, else "other").
func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, statusLabel(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// methodLabel is method for the metrics and the access log: one of the methods of RFC 9110 the API,
// its pages and clients use, else "other".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// statusLabel is a status code for the metrics; 0 (a handler that wrote nothing) is net/http's 200.
func statusLabel(status int) string {
	switch {
	case status == 0:
		return "200"
	case status < 100 || status > 599:
		return "other"
	}
	return strconv.Itoa(status)
}

func (m *metrics) login(outcome string) {
	if m != nil {
		m.logins.WithLabelValues(outcome).Inc()
	}
}

func (m *metrics) dbError(err error) {
	if m == nil {
		return
	}
	kind, ok := dbUnavailable(err)
	if !ok {
		kind = "other"
	}
	m.dbErrors.WithLabelValues(kind).Inc()
}

// MetricsHandler serves the Prometheus metrics (text exposition format). It has no authentication: serve it
// on a listener of its own that only the monitoring system reaches (the command's --metrics-addr, loopback
// by default).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}
