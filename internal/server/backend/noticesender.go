package backend

import (
	"crypto/tls"
	"net/http"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// NoticeConfig configures the notices (varsel) and their sender. Without SMTP and SMSURL notices stay
// queued (the staff page and /metrics say so).
type NoticeConfig struct {
	// SMTP is the mail server: smtp://[USER@]HOST[:PORT] (STARTTLS where the server offers it; port 587 by
	// default) or smtps://[USER@]HOST[:PORT] (TLS from the start; port 465). "" sends no e-mail.
	SMTP string
	// SMTPPassword is USER's password (from --smtp-password-file).
	SMTPPassword string
	// MailFrom is the notices' From address.
	MailFrom string
	// SMSURL is the SMS gateway: a JSON POST {recipient, text, reference} with SMSToken as bearer token.
	// "" sends no SMS.
	SMSURL   string
	SMSToken string
	// SMSHours is when SMS may be sent, "08:00-21:00" by default, in Location (default Europe/Oslo); an
	// SMS due outside it waits for the start. E-mail goes at any hour.
	SMSHours string
	Location *time.Location
	// MergeDelay is how long a new notice waits for more events of the same person (default 2 minutes).
	MergeDelay time.Duration
	// Lease is how long a sender holds a notice it is sending; a sender that dies leaves it to the next after
	// the lease (default 2 minutes).
	Lease time.Duration
	// RetryMin and RetryMax bound the back-off between failed attempts (default 30 s doubling up to 1 hour);
	// GiveUpAfter is when a notice that still fails is marked failed (default 48 hours after it was queued).
	RetryMin, RetryMax, GiveUpAfter time.Duration
	// Poll is how often (real time) the sender looks for due notices (default 5 s).
	Poll time.Duration
	// TLS is the TLS configuration towards the SMTP server (tests: a private CA); nil: the system's roots.
	TLS *tls.Config
	// HTTPClient calls the SMS gateway (default: 30 s timeout).
	HTTPClient *http.Client
}

// DefaultSMSHours is when SMS notices may be sent unless configured.
const DefaultSMSHours = "08:00-21:00"

func (c *NoticeConfig) defaults() {
	if c.SMSHours == "" {
		c.SMSHours = DefaultSMSHours
	}
	if c.Location == nil {
		c.Location = workdays.Oslo
	}
	if c.MergeDelay <= 0 {
		c.MergeDelay = 2 * time.Minute
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 30 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Hour
	}
	if c.GiveUpAfter <= 0 {
		c.GiveUpAfter = 48 * time.Hour
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
}
