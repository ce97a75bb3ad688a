package backend

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The notices' channels as metric labels (a closed set).
const (
	channelEmail = "email"
	channelSMS   = "sms"
)

// noticeMetrics are the notices' metrics on the Server's registry:
//
//   - helsekiosk_notices_sent_total{channel}: notices sent by this process, by channel (email, sms)
//   - helsekiosk_notices_failed_total{channel}: failed attempts (each is retried or, when permanent, given up)
//   - helsekiosk_notices_queued{channel}: notices waiting, by the person's channel now (sms, email, both,
//     none), counted at scrape
//   - helsekiosk_notices_oldest_queued_age_seconds: the oldest waiting notice's age (0: none)
//   - helsekiosk_notices_transport{channel}: 1 when the backend can send on the channel (--smtp, --sms-url),
//     0 when notices on it stay queued
type noticeMetrics struct {
	sentC, failedC *prometheus.CounterVec
}

func newNoticeMetrics(s *Server) *noticeMetrics {
	m := &noticeMetrics{
		sentC: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helsekiosk_notices_sent_total",
			Help: "Notices (varsel) sent by this process, by channel (email, sms).",
		}, []string{"channel"}),
		failedC: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helsekiosk_notices_failed_total",
			Help: "Failed attempts to send a notice, by channel (email, sms); temporary failures are retried.",
		}, []string{"channel"}),
	}
	for _, c := range []string{channelEmail, channelSMS} {
		m.sentC.WithLabelValues(c)
		m.failedC.WithLabelValues(c)
	}
	if s.metrics != nil {
		s.metrics.reg.MustRegister(m.sentC, m.failedC, noticeCollector{s})
	}
	return m
}

func (m *noticeMetrics) sent(channel string)   { m.sentC.WithLabelValues(channel).Inc() }
func (m *noticeMetrics) failed(channel string) { m.failedC.WithLabelValues(channel).Inc() }

var (
	queuedDesc = prometheus.NewDesc("helsekiosk_notices_queued",
		"Notices waiting to be sent, by the person's notification channel (sms, email, both, none; counted at scrape).", []string{"channel"}, nil)
	oldestDesc = prometheus.NewDesc("helsekiosk_notices_oldest_queued_age_seconds",
		"Age of the oldest notice waiting to be sent, on the backend's clock (0: none).", nil, nil)
	transportDesc = prometheus.NewDesc("helsekiosk_notices_transport",
		"1 when the backend can send notices on the channel (email: --smtp, sms: --sms-url); 0: they stay queued.", []string{"channel"}, nil)
)

// noticeCollector reads the outbox at scrape.
type noticeCollector struct{ s *Server }

func (c noticeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queuedDesc
	ch <- oldestDesc
	ch <- transportDesc
}

func (c noticeCollector) Collect(ch chan<- prometheus.Metric) {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	cfg := c.s.cfg.Notices
	ch <- prometheus.MustNewConstMetric(transportDesc, prometheus.GaugeValue, b(cfg.SMTP != ""), channelEmail)
	ch <- prometheus.MustNewConstMetric(transportDesc, prometheus.GaugeValue, b(cfg.SMSURL != ""), channelSMS)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts := map[string]float64{"sms": 0, "email": 0, "both": 0, "none": 0}
	rows, err := c.s.db.QueryContext(ctx, `SELECT p.notification_channel, COUNT(*) FROM notices n JOIN persons p ON p.id = n.person_id
		WHERE n.status = 'queued' GROUP BY p.notification_channel`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queuedDesc, err)
		return
	}
	for rows.Next() {
		var channel string
		var n float64
		if err := rows.Scan(&channel, &n); err != nil {
			rows.Close()
			ch <- prometheus.NewInvalidMetric(queuedDesc, err)
			return
		}
		if _, ok := counts[channel]; !ok {
			channel = "none"
		}
		counts[channel] += n
	}
	rows.Close()
	for channel, n := range counts {
		ch <- prometheus.MustNewConstMetric(queuedDesc, prometheus.GaugeValue, n, channel)
	}
	bl, err := c.s.noticeBacklog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(oldestDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, bl.Oldest.Seconds())
}
