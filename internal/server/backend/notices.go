package backend

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Notices (varsel): when the service writes to a person or changes, cancels or completes their visit, the
// person gets a notice by SMS or e-mail, on the channel of their notification settings. A notice only says
// that something new is waiting and where to read it (noticetext.go); it never holds a health detail, a
// staff member's name, a subject, a time or the message text.
//
// The notices table is an outbox: queueNotice writes the notice in the transaction of the change it reports,
// so a notice exists exactly when the change was committed. The sender (noticesender.go) sends it later.

// NoticeKind is what a notice reports.
type NoticeKind string

// The kinds of notice.
const (
	// NoticeMessage: a new message or thread from the service.
	NoticeMessage NoticeKind = "message"
	// NoticeVisitChanged: the service changed a visit.
	NoticeVisitChanged NoticeKind = "visit_changed"
	// NoticeVisitCancelled: the service cancelled a visit.
	NoticeVisitCancelled NoticeKind = "visit_cancelled"
	// NoticeVisitDone: a visit was marked done; only for persons who chose notices of completed visits.
	NoticeVisitDone NoticeKind = "visit_done"
)

func (k NoticeKind) valid() bool {
	switch k {
	case NoticeMessage, NoticeVisitChanged, NoticeVisitCancelled, NoticeVisitDone:
		return true
	}
	return false
}

// Why a notice was not sent (notices.skip_reason of a skipped notice).
const (
	skipChannelNone = "channel_none" // the person chose no notices
	skipNoAddress   = "no_address"   // no phone or e-mail address for the chosen channel
)

// noticePerson is what a notice needs of a person.
type noticePerson struct {
	ID, Channel, Phone, Email, Language string
	VisitDone                           bool
}

func getNoticePerson(ctx context.Context, q querier, id string) (noticePerson, error) {
	var p noticePerson
	var done int
	err := q.QueryRowContext(ctx, `SELECT id, notification_channel, phone, email, language, notify_visit_done FROM persons WHERE id = ?`, id).
		Scan(&p.ID, &p.Channel, &p.Phone, &p.Email, &p.Language, &done)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errNotFound
	}
	p.VisitDone = done != 0
	return p, err
}

// wantsEmail and wantsSMS: what the person's channel asks for (channel "both": both).
func (p noticePerson) wantsEmail() bool { return p.Channel == "email" || p.Channel == "both" }
func (p noticePerson) wantsSMS() bool   { return p.Channel == "sms" || p.Channel == "both" }

// reach says whether a notice can reach the person: "" when it can (on at least one chosen channel with an
// address), else the skip reason.
func (p noticePerson) reach() string {
	switch {
	case !p.wantsEmail() && !p.wantsSMS():
		return skipChannelNone
	case (p.wantsEmail() && strings.TrimSpace(p.Email) != "") || (p.wantsSMS() && strings.TrimSpace(p.Phone) != ""):
		return ""
	}
	return skipNoAddress
}

// queueNotice records, in tx (the transaction of the change it reports), that the person gets a notice of
// kind. Events that come while the person's notice is still waiting to be sent join it (one notice for
// several events); a new notice waits Notices.MergeDelay for more. A person whose channel is none, or who has
// no address for it, gets a skipped notice (the staff page shows them as not notified); NoticeVisitDone
// only queues for a person who chose notices of completed visits. The channel used is the one in force when
// the notice is sent.
func (s *Server) queueNotice(ctx context.Context, tx *sql.Tx, personID string, kind NoticeKind) error {
	if !kind.valid() {
		return fmt.Errorf("backend: notice kind %q", kind)
	}
	p, err := getNoticePerson(ctx, tx, personID)
	if err != nil {
		return err
	}
	if kind == NoticeVisitDone && !p.VisitDone {
		return nil
	}
	now := ms(s.now())
	if why := p.reach(); why != "" {
		_, err := tx.ExecContext(ctx, `INSERT INTO notices (id, person_id, kinds, status, skip_reason, created_at, updated_at, due_at)
			VALUES (?, ?, ?, 'skipped', ?, ?, ?, ?)`, newID("n"), personID, string(kind), why, now, now, now)
		return err
	}
	// One waiting notice per person, also when two replicas queue at once.
	if err := s.dialect.lockXact(ctx, tx, "notice:"+personID); err != nil {
		return err
	}
	var id, kinds string
	err = tx.QueryRowContext(ctx, `SELECT id, kinds FROM notices WHERE person_id = ?1 AND status = 'queued'
		AND email_sent_at IS NULL AND sms_sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?2)
		ORDER BY created_at DESC LIMIT 1`, personID, now).Scan(&id, &kinds)
	switch {
	case err == nil:
		// The sender may claim it meanwhile (PostgreSQL re-checks the WHERE after the row lock): then a new one.
		res, err := tx.ExecContext(ctx, `UPDATE notices SET kinds = ?, events = events + 1, updated_at = ?
			WHERE id = ? AND status = 'queued' AND email_sent_at IS NULL AND sms_sent_at IS NULL
			AND (claimed_until IS NULL OR claimed_until < ?)`, addKind(kinds, kind), now, id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notices (id, person_id, kinds, created_at, updated_at, due_at)
		VALUES (?, ?, ?, ?, ?, ?)`, newID("n"), personID, string(kind), now, now, now+s.cfg.Notices.MergeDelay.Milliseconds())
	return err
}

// addKind adds kind to a comma-separated set of kinds.
func addKind(kinds string, kind NoticeKind) string {
	set := strings.Split(kinds, ",")
	if slices.Contains(set, string(kind)) {
		return kinds
	}
	return kinds + "," + string(kind)
}

// noticeReach tells the staff page whether the person gets notices: the channel they chose (sms, email,
// both, none) and whether a notice reaches them (false for none and for a channel without an address).
func (s *Server) noticeReach(ctx context.Context, personID string) (channel string, reachable bool, err error) {
	p, err := getNoticePerson(ctx, s.db, personID)
	if err != nil {
		return "", false, err
	}
	return p.Channel, p.reach() == "", nil
}

// NoticeBacklog is the state of the outbox, for the staff page and /metrics.
type NoticeBacklog struct {
	// Queued is the number of notices not yet sent (nor skipped or given up).
	Queued int
	// Oldest is the age of the oldest of them on the server's clock (0 when none).
	Oldest time.Duration
	// Email and SMS say whether the backend can send e-mail (--smtp) and SMS (--sms-url); without them,
	// notices on that channel stay queued.
	Email, SMS bool
}

// noticeBacklog counts the queued notices and the age of the oldest.
func (s *Server) noticeBacklog(ctx context.Context) (NoticeBacklog, error) {
	b := NoticeBacklog{Email: s.cfg.Notices.SMTP != "", SMS: s.cfg.Notices.SMSURL != ""}
	var oldest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM notices WHERE status = 'queued'`).Scan(&b.Queued, &oldest); err != nil {
		return b, err
	}
	if oldest.Valid {
		b.Oldest = max(0, s.now().Sub(time.UnixMilli(oldest.Int64)))
	}
	return b, nil
}
