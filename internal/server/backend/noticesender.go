package backend

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"

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
	// SMS due outside it waits for the start ("00:00-24:00": any time). E-mail goes at any hour.
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

	// manual (tests only): the sender does not run on its own; tests call its pass.
	manual bool
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

// The sender. Each replica runs one (when it has a transport); they share the outbox in the database:
//
//   - claim: a due notice is taken with a lease (claimed_by, claimed_until = now + Lease) in a short
//     transaction, on PostgreSQL with FOR UPDATE SKIP LOCKED, so two replicas never take the same one; on
//     SQLite the database has one writer.
//   - send: e-mail and SMS go out outside any transaction, on the channel in the person's settings now.
//   - mark: what went out is recorded at once (email_sent_at, sms_sent_at), the notice is sent when all of it
//     went; a failure is retried after a back-off; the lease is given up.
//
// A sender killed between send and mark leaves the claim behind: after the lease the notice is sent again
// by whichever replica comes first, with the same Message-ID (<notice id@mail domain>) and the same SMS
// reference (the notice id), so the mail system and the SMS gateway can tell it is the same notice. That
// makes sending at least once, and in practice exactly once: the window is between the server's OK and
// the row's update.

// noticeSender sends the due notices of one Server.
type noticeSender struct {
	s        *Server
	id       string // this sender's claims: claimed_by
	mail     *smtpTarget
	smsFrom  int // SMS hours, minutes after midnight in Location
	smsUntil int
	batch    int

	metrics   *noticeMetrics
	lastPrune atomic.Int64 // unix ms of the last prune

	started bool
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// smtpTarget is the parsed --smtp URL.
type smtpTarget struct {
	host       string
	port       int
	ssl        bool
	user, pass string
	from       *mail.Address
	domain     string // the Message-ID's right-hand side: MailFrom's domain
}

func parseSMTP(c NoticeConfig) (*smtpTarget, error) {
	if c.SMTP == "" {
		return nil, nil
	}
	u, err := url.Parse(c.SMTP)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("backend: --smtp %q: want smtp://[USER@]HOST[:PORT] or smtps://[USER@]HOST[:PORT]", c.SMTP)
	}
	t := &smtpTarget{host: u.Hostname(), pass: c.SMTPPassword}
	switch u.Scheme {
	case "smtp":
		t.port = 587
	case "smtps":
		t.port, t.ssl = 465, true
	default:
		return nil, fmt.Errorf("backend: --smtp %q: the scheme is smtp or smtps", c.SMTP)
	}
	if p := u.Port(); p != "" {
		if t.port, err = strconv.Atoi(p); err != nil || t.port <= 0 || t.port > 65535 {
			return nil, fmt.Errorf("backend: --smtp %q: port", c.SMTP)
		}
	}
	if u.User != nil {
		t.user = u.User.Username()
		if p, ok := u.User.Password(); ok {
			return nil, fmt.Errorf("backend: --smtp: put the password in --smtp-password-file, not in the URL (%d characters seen)", len(p))
		}
	}
	if c.MailFrom == "" {
		return nil, errors.New("backend: --smtp needs --mail-from")
	}
	if t.from, err = mail.ParseAddress(c.MailFrom); err != nil {
		return nil, fmt.Errorf("backend: --mail-from %q: %w", c.MailFrom, err)
	}
	t.domain = t.from.Address[strings.LastIndexByte(t.from.Address, '@')+1:]
	return t, nil
}

// parseHours parses "HH:MM-HH:MM" into minutes after midnight; the end may be 24:00 ("00:00-24:00": any
// time).
func parseHours(s string) (from, until int, err error) {
	minutes := func(v string) (int, bool) {
		v = strings.TrimSpace(v)
		if v == "24:00" {
			return 24 * 60, true
		}
		t, err := time.Parse("15:04", v)
		return t.Hour()*60 + t.Minute(), err == nil
	}
	if a, b, ok := strings.Cut(s, "-"); ok {
		f, okA := minutes(a)
		u, okB := minutes(b)
		if okA && okB && f < u && f < 24*60 {
			return f, u, nil
		}
	}
	return 0, 0, fmt.Errorf("backend: SMS hours %q: want HH:MM-HH:MM, the first before the second", s)
}

func newNoticeSender(s *Server) (*noticeSender, error) {
	c := s.cfg.Notices
	m, err := parseSMTP(c)
	if err != nil {
		return nil, err
	}
	if c.SMSURL != "" {
		u, err := url.Parse(c.SMSURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("backend: --sms-url %q: want an http(s) URL", c.SMSURL)
		}
	}
	from, until, err := parseHours(c.SMSHours)
	if err != nil {
		return nil, err
	}
	return &noticeSender{s: s, id: newID("sender"), mail: m, smsFrom: from, smsUntil: until, batch: 20,
		metrics: newNoticeMetrics(s), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// active reports whether the sender has anything to send with.
func (n *noticeSender) active() bool { return n.mail != nil || n.s.cfg.Notices.SMSURL != "" }

// start runs the sender when it has a transport (and is not manual).
func (n *noticeSender) start() {
	if n.active() && !n.s.cfg.Notices.manual {
		n.started = true
		go n.run()
	}
}

// run sends due notices every Poll until close.
func (n *noticeSender) run() {
	defer close(n.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-n.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		if _, err := n.pass(ctx); err != nil && ctx.Err() == nil {
			n.s.log.Warn("notices: send pass", "err", err)
		}
		t.Reset(n.s.cfg.Notices.Poll)
	}
}

// close stops the loop (a send in flight is cancelled; its notice is retried after the lease).
func (n *noticeSender) close() {
	if !n.started {
		return
	}
	n.once.Do(func() { close(n.stop) })
	<-n.done
}

// NoticeKeep is how long a notice is kept after it was sent, skipped or given up (then deleted by the
// sender, at most once an hour).
const NoticeKeep = 90 * 24 * time.Hour

// prune deletes the notices done more than NoticeKeep ago, at most once an hour.
func (n *noticeSender) prune(ctx context.Context) error {
	now := n.s.now()
	if last := n.lastPrune.Load(); last != 0 && now.Sub(time.UnixMilli(last)) < time.Hour {
		return nil
	}
	n.lastPrune.Store(ms(now))
	_, err := n.s.db.ExecContext(ctx, `DELETE FROM notices WHERE status <> 'queued' AND updated_at < ?`, ms(now.Add(-NoticeKeep)))
	return err
}

// pass sends the notices due now, batch by batch, and returns how many it handled.
func (n *noticeSender) pass(ctx context.Context) (int, error) {
	if err := n.prune(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		ids, err := n.claim(ctx)
		if err != nil {
			return total, err
		}
		for _, id := range ids {
			if err := n.deliver(ctx, id); err != nil {
				return total, err
			}
		}
		total += len(ids)
		if len(ids) < n.batch {
			return total, nil
		}
	}
}

// claim takes up to batch due notices that this sender can send something of.
func (n *noticeSender) claim(ctx context.Context) ([]string, error) {
	now := ms(n.s.now())
	var can []string
	if n.mail != nil {
		can = append(can, `(p.notification_channel IN ('email', 'both') AND n.email_sent_at IS NULL)`)
	}
	if n.s.cfg.Notices.SMSURL != "" {
		can = append(can, `(p.notification_channel IN ('sms', 'both') AND n.sms_sent_at IS NULL)`)
	}
	// A person who has turned notices off meanwhile: the notice is marked skipped.
	can = append(can, `p.notification_channel NOT IN ('email', 'sms', 'both')`)
	tx, err := n.s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT n.id FROM notices n JOIN persons p ON p.id = n.person_id
		WHERE n.status = 'queued' AND n.due_at <= ?1 AND (n.claimed_until IS NULL OR n.claimed_until < ?1)
		AND (`+strings.Join(can, " OR ")+`)
		ORDER BY n.due_at, n.id LIMIT ?2`+n.s.dialect.skipLocked("n"), now, n.batch)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var claimed []string
	for _, id := range ids {
		res, err := tx.ExecContext(ctx, `UPDATE notices SET claimed_by = ?, claimed_until = ? WHERE id = ? AND status = 'queued'
			AND (claimed_until IS NULL OR claimed_until < ?)`, n.id, now+n.s.cfg.Notices.Lease.Milliseconds(), id, now)
		if err != nil {
			return nil, err
		}
		if k, _ := res.RowsAffected(); k == 1 {
			claimed = append(claimed, id)
		}
	}
	return claimed, tx.Commit()
}

// notice is a claimed row of notices.
type notice struct {
	ID, PersonID       string
	CreatedAt          time.Time
	Attempts           int
	EmailSent, SMSSent bool
}

// sendError is a failed delivery: temporary ones are retried; class is what the row keeps (never an
// address or a server's text).
type sendError struct {
	class     string
	temporary bool
	err       error
}

func (e *sendError) Error() string { return e.class + ": " + e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// deliver sends one claimed notice on the person's channel now and records the outcome. Only a database
// error is returned; a failed send is recorded on the notice.
func (n *noticeSender) deliver(ctx context.Context, id string) error {
	s := n.s
	// The lease runs from now: the notices before this one in the batch may have taken a while. A notice
	// whose lease ran out and another sender took is left to it.
	res, err := s.db.ExecContext(ctx, `UPDATE notices SET claimed_until = ? WHERE id = ? AND claimed_by = ? AND status = 'queued'`,
		ms(s.now().Add(s.cfg.Notices.Lease)), id, n.id)
	if err != nil {
		return err
	}
	if k, _ := res.RowsAffected(); k != 1 {
		return nil
	}
	var nt notice
	var created int64
	var emailAt, smsAt sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT id, person_id, created_at, attempts, email_sent_at, sms_sent_at FROM notices WHERE id = ?`, id).
		Scan(&nt.ID, &nt.PersonID, &created, &nt.Attempts, &emailAt, &smsAt); err != nil {
		return err
	}
	nt.CreatedAt, nt.EmailSent, nt.SMSSent = time.UnixMilli(created), emailAt.Valid, smsAt.Valid
	p, err := getNoticePerson(ctx, s.db, nt.PersonID)
	if err != nil {
		return err
	}
	text := textOf(noticeLang(p.Language))
	wantEmail := p.wantsEmail() && strings.TrimSpace(p.Email) != "" && !nt.EmailSent
	wantSMS := p.wantsSMS() && strings.TrimSpace(p.Phone) != "" && !nt.SMSSent
	if !nt.EmailSent && !nt.SMSSent {
		if why := p.reach(); why != "" {
			return n.finish(ctx, nt.ID, `status = 'skipped', skip_reason = ?`, why)
		}
	}
	var failed *sendError
	var hold time.Time
	if wantEmail && n.mail != nil {
		err := n.sendEmail(ctx, nt, p.Email, text)
		if err == nil {
			if _, err := s.db.ExecContext(ctx, `UPDATE notices SET email_sent_at = ? WHERE id = ?`, ms(s.now()), nt.ID); err != nil {
				return err
			}
			wantEmail = false
			s.notices.metrics.sent(channelEmail)
		} else if ctx.Err() != nil {
			return ctx.Err()
		} else {
			failed = asSendError(err, "smtp")
			s.notices.metrics.failed(channelEmail)
			s.log.Warn("notices: e-mail not sent", "notice", nt.ID, "class", failed.class, "temporary", failed.temporary)
		}
	}
	if wantSMS && s.cfg.Notices.SMSURL != "" {
		if at := n.smsAllowedFrom(s.now()); !at.IsZero() {
			hold = at
		} else if err := n.sendSMS(ctx, nt, p.Phone, text); err == nil {
			if _, err := s.db.ExecContext(ctx, `UPDATE notices SET sms_sent_at = ? WHERE id = ?`, ms(s.now()), nt.ID); err != nil {
				return err
			}
			wantSMS = false
			s.notices.metrics.sent(channelSMS)
		} else if ctx.Err() != nil {
			return ctx.Err()
		} else {
			var se *sendError
			if !errors.As(err, &se) {
				se = &sendError{class: "sms_other", temporary: true, err: err}
			}
			if failed == nil || !se.temporary {
				failed = se
			}
			s.notices.metrics.failed(channelSMS)
			s.log.Warn("notices: SMS not sent", "notice", nt.ID, "class", se.class, "temporary", se.temporary)
		}
	}
	now := s.now()
	switch {
	case !wantEmail && !wantSMS:
		return n.finish(ctx, nt.ID, `status = 'sent', sent_at = ?`, ms(now))
	case failed != nil && (!failed.temporary || now.Sub(nt.CreatedAt) >= s.cfg.Notices.GiveUpAfter):
		s.log.Error("notices: given up", "notice", nt.ID, "class", failed.class, "attempts", nt.Attempts+1)
		return n.finish(ctx, nt.ID, `status = 'failed', attempts = attempts + 1, last_error = ?`, failed.class)
	case failed != nil:
		next := now.Add(n.backoff(nt.Attempts + 1))
		if !hold.IsZero() && hold.After(next) {
			next = hold
		}
		return n.finish(ctx, nt.ID, `attempts = attempts + 1, last_error = ?, due_at = ?`, failed.class, ms(next))
	case !hold.IsZero():
		return n.finish(ctx, nt.ID, `due_at = ?`, ms(hold))
	}
	// What is left needs a transport this sender lacks: queued, for a replica (or a restart) that has it.
	return n.finish(ctx, nt.ID, `due_at = due_at`)
}

// finish updates the notice (set, with its arguments) and gives up the claim.
func (n *noticeSender) finish(ctx context.Context, id, set string, args ...any) error {
	args = append(args, ms(n.s.now()), id)
	_, err := n.s.db.ExecContext(ctx, `UPDATE notices SET `+set+`, claimed_by = NULL, claimed_until = NULL, updated_at = ? WHERE id = ?`, args...)
	return err
}

// backoff is the wait after the attempt-th failure: RetryMin doubling, at most RetryMax.
func (n *noticeSender) backoff(attempt int) time.Duration {
	c := n.s.cfg.Notices
	d := c.RetryMin
	for i := 1; i < attempt && d < c.RetryMax; i++ {
		d *= 2
	}
	return min(d, c.RetryMax)
}

// smsAllowedFrom is zero when an SMS may go at t, else the start of the next SMS hours.
func (n *noticeSender) smsAllowedFrom(t time.Time) time.Time {
	l := t.In(n.s.cfg.Notices.Location)
	m := l.Hour()*60 + l.Minute()
	if m >= n.smsFrom && m < n.smsUntil {
		return time.Time{}
	}
	day := l
	if m >= n.smsUntil {
		day = l.AddDate(0, 0, 1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), n.smsFrom/60, n.smsFrom%60, 0, 0, n.s.cfg.Notices.Location)
}

// messageID is the notice's Message-ID (without the angle brackets): the same for every attempt.
func (n *noticeSender) messageID(noticeID string) string { return noticeID + "@" + n.mail.domain }

func (n *noticeSender) sendEmail(ctx context.Context, nt notice, to string, text noticeText) error {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.FromFormat(n.mail.from.Name, n.mail.from.Address); err != nil {
		return &sendError{class: "mail_from", err: err}
	}
	if err := m.To(to); err != nil {
		return &sendError{class: "mail_to", err: err}
	}
	m.Subject(text.EmailSubject)
	m.SetMessageIDWithValue(n.messageID(nt.ID))
	m.SetDateWithValue(n.s.now())
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	m.SetGenHeader(gomail.HeaderContentLang, string(text.Lang))
	m.SetBulk()
	m.SetBodyString(gomail.TypeTextPlain, text.EmailBody)
	c := n.s.cfg.Notices
	opts := []gomail.Option{gomail.WithPort(n.mail.port), gomail.WithTimeout(30 * time.Second)}
	tc := &tls.Config{ServerName: n.mail.host, MinVersion: tls.VersionTLS12}
	if c.TLS != nil {
		tc = c.TLS.Clone()
		if tc.ServerName == "" {
			tc.ServerName = n.mail.host
		}
	}
	opts = append(opts, gomail.WithTLSConfig(tc))
	if n.mail.ssl {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if n.mail.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(n.mail.user), gomail.WithPassword(n.mail.pass))
	}
	cl, err := gomail.NewClient(n.mail.host, opts...)
	if err != nil {
		return &sendError{class: "smtp_config", err: err}
	}
	return cl.DialAndSendWithContext(ctx, m)
}

// asSendError classifies an SMTP error: a 5xx reply is permanent, a 4xx reply, a refused or broken
// connection temporary.
func asSendError(err error, prefix string) *sendError {
	var se *sendError
	if errors.As(err, &se) {
		return se
	}
	var me *gomail.SendError
	if errors.As(err, &me) {
		switch code := me.ErrorCode(); {
		case code >= 500:
			return &sendError{class: prefix + "_5xx", err: err}
		case code >= 400:
			return &sendError{class: prefix + "_4xx", temporary: true, err: err}
		}
		return &sendError{class: prefix + "_other", temporary: true, err: err} // no reply code: the connection
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &sendError{class: prefix + "_network", temporary: true, err: err}
	}
	return &sendError{class: prefix + "_other", temporary: true, err: err}
}

// smsRequest is the gateway's JSON body.
type smsRequest struct {
	Recipient string `json:"recipient"`
	Text      string `json:"text"`
	Reference string `json:"reference"`
}

// sendSMS posts the SMS to the gateway. The reference is the notice id; it also goes as Idempotency-Key.
func (n *noticeSender) sendSMS(ctx context.Context, nt notice, phone string, text noticeText) error {
	c := n.s.cfg.Notices
	body, err := json.Marshal(smsRequest{Recipient: normalisePhone(phone), Text: text.SMS, Reference: nt.ID})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.SMSURL, bytes.NewReader(body))
	if err != nil {
		return &sendError{class: "sms_config", err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", nt.ID)
	if c.SMSToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.SMSToken)
	}
	res, err := c.HTTPClient.Do(req)
	if err != nil {
		return &sendError{class: "sms_network", temporary: true, err: err}
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	switch code := res.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		return &sendError{class: "sms_" + strconv.Itoa(code/100) + "xx", temporary: true, err: fmt.Errorf("gateway answered %d", code)}
	default:
		return &sendError{class: "sms_" + strconv.Itoa(code/100) + "xx", err: fmt.Errorf("gateway answered %d", code)}
	}
}

// normalisePhone writes a Norwegian number as E.164 (+47 and 8 digits); other numbers lose their spaces.
func normalisePhone(p string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '+' {
			return r
		}
		return -1
	}, p)
	switch {
	case strings.HasPrefix(d, "+"):
		return d
	case strings.HasPrefix(d, "00"):
		return "+" + d[2:]
	case len(d) == 8:
		return "+47" + d
	}
	return d
}
