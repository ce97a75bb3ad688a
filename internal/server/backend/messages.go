package backend

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
)

const previewRunes = 120

func preview(body string) string {
	s := strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(s) <= previewRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:previewRunes-1])) + "…"
}

func listServices(ctx context.Context, q querier, personID string) ([]api.Service, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.code, s.name FROM person_services ps JOIN services s ON s.id = ps.service_id
		WHERE ps.person_id = ? ORDER BY s.name, s.id`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []api.Service{}
	for rows.Next() {
		var sv api.Service
		if err := rows.Scan(&sv.Id, &sv.Code, &sv.Name); err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, rows.Err()
}

func (h handler) ListServices(w http.ResponseWriter, r *http.Request, personID api.PersonId, _ api.ListServicesParams) {
	s := h.s
	if _, _, ok := s.actFor(w, r, personID, api.Messages, false); !ok {
		return
	}
	out, err := listServices(r.Context(), s.db, personID)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	localize(w, r, out)
	writeJSON(w, http.StatusOK, out)
}

type threadCursor struct {
	T  int64  `json:"t"`
	ID string `json:"id"`
}

func encodeCursor(c threadCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (threadCursor, error) {
	var c threadCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, badRequest("cursor", "The cursor is not valid.")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.ID == "" || c.T <= 0 {
		return c, badRequest("cursor", "The cursor is not valid.")
	}
	return c, nil
}

const threadCols = `t.id, t.subject, t.last_message_at, t.last_preview, t.last_author, t.message_count, t.unread, s.id, s.code, s.name, ` + waitingSinceSQL

func scanThreadSummary(row interface{ Scan(...any) error }) (api.ThreadSummary, int64, error) {
	var ts api.ThreadSummary
	var last int64
	var author string
	var waiting sql.NullInt64
	err := row.Scan(&ts.Id, &ts.Subject, &last, &ts.LastMessagePreview, &author, &ts.MessageCount, &ts.Unread,
		&ts.Service.Id, &ts.Service.Code, &ts.Service.Name, &waiting)
	ts.LastMessageAt = fromMS(last)
	ts.ReplyDue = replyDue(waiting)
	a := api.AuthorKind(author)
	ts.LastAuthor = &a
	return ts, last, err
}

func (h handler) ListThreads(w http.ResponseWriter, r *http.Request, personID api.PersonId, params api.ListThreadsParams) {
	s := h.s
	if _, _, ok := s.actFor(w, r, personID, api.Messages, false); !ok {
		return
	}
	limit := 25
	if params.Limit != nil {
		limit = *params.Limit
	}
	if limit < 1 || limit > 100 {
		s.writeErr(w, r, badRequest("limit", "limit must be 1-100."))
		return
	}
	ctx := r.Context()
	query := `SELECT ` + threadCols + ` FROM threads t JOIN services s ON s.id = t.service_id WHERE t.person_id = ?`
	args := []any{personID}
	if params.Cursor != nil && *params.Cursor != "" {
		c, err := decodeCursor(*params.Cursor)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		query += ` AND (t.last_message_at < ? OR (t.last_message_at = ? AND t.id < ?))`
		args = append(args, c.T, c.T, c.ID)
	}
	query += ` ORDER BY t.last_message_at DESC, t.id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	page := api.ThreadPage{Items: []api.ThreadSummary{}}
	var lastT []int64
	for rows.Next() {
		ts, t, err := scanThreadSummary(rows)
		if err != nil {
			rows.Close()
			s.writeErr(w, r, err)
			return
		}
		page.Items = append(page.Items, ts)
		lastT = append(lastT, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		c := encodeCursor(threadCursor{T: lastT[limit-1], ID: page.Items[limit-1].Id})
		page.NextCursor = &c
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM threads WHERE person_id = ? AND unread = 1`, personID).Scan(&page.UnreadCount); err != nil {
		s.writeErr(w, r, err)
		return
	}
	localize(w, r, &page)
	writeJSON(w, http.StatusOK, page)
}

// Messages are paged by seq, newest last: a page is the limit messages before a cursor (the seq of the
// oldest message of the page after it), or the newest ones without a cursor.
const (
	defaultMessageLimit = 50
	maxMessageLimit     = 100
)

type messageCursor struct {
	Seq int64 `json:"s"`
}

func encodeMessageCursor(seq int64) string {
	b, _ := json.Marshal(messageCursor{Seq: seq})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeMessageCursor(s string) (int64, error) {
	var c messageCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, badRequest("before", "The cursor is not valid.")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.Seq <= 0 {
		return 0, badRequest("before", "The cursor is not valid.")
	}
	return c.Seq, nil
}

// messageLimit reads a limit parameter (nil: the default).
func messageLimit(limit *int) (int, error) {
	if limit == nil {
		return defaultMessageLimit, nil
	}
	if *limit < 1 || *limit > maxMessageLimit {
		return 0, badRequest("limit", "limit must be 1-100.")
	}
	return *limit, nil
}

// messagePage returns up to limit messages of the thread before seq before (0: the newest), oldest first,
// and the cursor of the page before it (nil when there is none).
func messagePage(ctx context.Context, q querier, threadID string, before int64, limit int) ([]api.Message, *string, error) {
	query := `SELECT seq, id, author, author_name, staff_role, body, sent_at FROM messages WHERE thread_id = ?`
	args := []any{threadID}
	if before > 0 {
		query += ` AND seq < ?`
		args = append(args, before)
	}
	query += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var msgs []api.Message
	var seqs []int64
	for rows.Next() {
		var seq int64
		m, err := scanMessage(seqScanner{rows, &seq})
		if err != nil {
			return nil, nil, err
		}
		msgs = append(msgs, m)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var older *string
	if len(msgs) > limit {
		msgs, seqs = msgs[:limit], seqs[:limit]
		c := encodeMessageCursor(seqs[limit-1])
		older = &c
	}
	slices.Reverse(msgs)
	if msgs == nil {
		msgs = []api.Message{}
	}
	return msgs, older, nil
}

// seqScanner scans a leading seq column, then the columns scanMessage reads.
type seqScanner struct {
	rows *sql.Rows
	seq  *int64
}

func (s seqScanner) Scan(dest ...any) error { return s.rows.Scan(append([]any{s.seq}, dest...)...) }

// loadThread returns the thread with its newest limit messages.
func loadThread(ctx context.Context, q querier, personID, threadID string, limit int) (api.Thread, error) {
	var t api.Thread
	var waiting sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT t.id, t.subject, t.unread, s.id, s.code, s.name, `+waitingSinceSQL+` FROM threads t JOIN services s ON s.id = t.service_id
		WHERE t.id = ? AND t.person_id = ?`, threadID, personID).Scan(&t.Id, &t.Subject, &t.Unread, &t.Service.Id, &t.Service.Code, &t.Service.Name, &waiting)
	if errors.Is(err, sql.ErrNoRows) {
		return t, errNotFound
	}
	if err != nil {
		return t, err
	}
	t.ReplyDue = replyDue(waiting)
	t.Messages, t.OlderCursor, err = messagePage(ctx, q, threadID, 0, limit)
	return t, err
}

func scanMessage(row interface{ Scan(...any) error }) (api.Message, error) {
	var m api.Message
	var author, name, role string
	var sent int64
	if err := row.Scan(&m.Id, &author, &name, &role, &m.Body, &sent); err != nil {
		return m, err
	}
	m.Author = api.AuthorKind(author)
	if name != "" {
		m.AuthorName = &name
	}
	if role != "" {
		m.StaffRole = &role
	}
	m.SentAt = fromMS(sent)
	return m, nil
}

func (h handler) GetThread(w http.ResponseWriter, r *http.Request, personID api.PersonId, threadID api.ThreadId, params api.GetThreadParams) {
	s := h.s
	if _, _, ok := s.actFor(w, r, personID, api.Messages, false); !ok {
		return
	}
	limit, err := messageLimit(params.Limit)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	t, err := loadThread(r.Context(), s.db, personID, threadID, limit)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	localize(w, r, &t)
	writeJSON(w, http.StatusOK, t)
}

func (h handler) ListMessages(w http.ResponseWriter, r *http.Request, personID api.PersonId, threadID api.ThreadId, params api.ListMessagesParams) {
	s := h.s
	if _, _, ok := s.actFor(w, r, personID, api.Messages, false); !ok {
		return
	}
	limit, err := messageLimit(params.Limit)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	var before int64
	if params.Before != nil && *params.Before != "" {
		if before, err = decodeMessageCursor(*params.Before); err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	ctx := r.Context()
	var one int
	switch err := s.db.QueryRowContext(ctx, `SELECT 1 FROM threads WHERE id = ? AND person_id = ?`, threadID, personID).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		s.writeErr(w, r, errNotFound)
		return
	case err != nil:
		s.writeErr(w, r, err)
		return
	}
	items, older, err := messagePage(ctx, s.db, threadID, before, limit)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	page := api.MessagePage{Items: items, OlderCursor: older}
	localize(w, r, &page)
	writeJSON(w, http.StatusOK, page)
}

// newMessage is a message to add to a thread.
type newMessage struct {
	Author     api.AuthorKind
	AuthorName string
	StaffRole  string
	Body       string
	SentAt     time.Time
}

// insertThread creates an empty thread.
func insertThread(ctx context.Context, q querier, id, personID, serviceID, subject string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO threads (id, person_id, service_id, subject, created_at, last_message_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, personID, serviceID, subject, ms(at), ms(at))
	return err
}

// addMessage appends a message to a thread and updates the thread's summary columns. A service message
// makes the thread unread; the citizen's own message makes it read.
func addMessage(ctx context.Context, q querier, threadID string, m newMessage) (api.Message, error) {
	id := newID("m")
	unread := 0
	if m.Author == api.AuthorKindService {
		unread = 1
	}
	// The thread's row first: on PostgreSQL its row lock makes two replicas' replies to one thread take
	// their turns, so the second sees the first's seq.
	if _, err := q.ExecContext(ctx, `UPDATE threads SET last_message_at = CASE WHEN last_message_at > ?1 THEN last_message_at ELSE ?1 END,
		last_preview = ?2, last_author = ?3, message_count = message_count + 1, unread = ?4 WHERE id = ?5`,
		ms(m.SentAt), preview(m.Body), string(m.Author), unread, threadID); err != nil {
		return api.Message{}, err
	}
	var seq int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE thread_id = ?`, threadID).Scan(&seq); err != nil {
		return api.Message{}, err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO messages (id, thread_id, seq, author, author_name, staff_role, body, sent_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, threadID, seq, string(m.Author), m.AuthorName, m.StaffRole, m.Body, ms(m.SentAt)); err != nil {
		return api.Message{}, err
	}
	out := api.Message{Id: id, Author: m.Author, Body: m.Body, SentAt: fromMS(ms(m.SentAt))}
	if m.AuthorName != "" {
		out.AuthorName = &m.AuthorName
	}
	if m.StaffRole != "" {
		out.StaffRole = &m.StaffRole
	}
	return out, nil
}

// blank reports whether s would show nothing: only white space and invisible format characters (zero-width
// spaces and joiners, bidi marks, the byte-order mark), so a subject of "\u200b\u200b" is refused as empty.
func blank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

func (h handler) CreateThread(w http.ResponseWriter, r *http.Request, personID api.PersonId, _ api.CreateThreadParams) {
	s := h.s
	sess, _, ok := s.actFor(w, r, personID, api.Messages, false)
	if !ok {
		return
	}
	var in api.NewThread
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	switch {
	case blank(in.Subject):
		s.writeErr(w, r, badRequest("subject", "The subject is empty."))
		return
	case blank(in.Body):
		s.writeErr(w, r, badRequest("body", "The message is empty."))
		return
	}
	ctx := r.Context()
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		switch ok, err := exists(ctx, tx, `SELECT 1 FROM person_services WHERE person_id = ? AND service_id = ?`, personID, in.ServiceId); {
		case err != nil:
			return 0, nil, err
		case !ok:
			return 0, nil, badRequest("serviceId", "This person cannot write to that service.")
		}
		now := s.now()
		id := newID("t")
		if err := insertThread(ctx, tx, id, personID, in.ServiceId, in.Subject, now); err != nil {
			return 0, nil, err
		}
		if _, err := addMessage(ctx, tx, id, newMessage{Author: api.AuthorKindCitizen, AuthorName: sess.Citizen.Name, Body: in.Body, SentAt: now}); err != nil {
			return 0, nil, err
		}
		t, err := loadThread(ctx, tx, personID, id, defaultMessageLimit)
		if err != nil {
			return 0, nil, err
		}
		localize(w, r, &t)
		return http.StatusCreated, t, nil
	})
}

// exists reports whether query (a SELECT 1 ...) finds a row.
func exists(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (h handler) ReplyToThread(w http.ResponseWriter, r *http.Request, personID api.PersonId, threadID api.ThreadId, _ api.ReplyToThreadParams) {
	s := h.s
	sess, _, ok := s.actFor(w, r, personID, api.Messages, false)
	if !ok {
		return
	}
	var in api.NewMessage
	if err := decodeJSON(r, &in); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if blank(in.Body) {
		s.writeErr(w, r, badRequest("body", "The message is empty."))
		return
	}
	ctx := r.Context()
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		switch ok, err := exists(ctx, tx, `SELECT 1 FROM threads WHERE id = ? AND person_id = ?`, threadID, personID); {
		case err != nil:
			return 0, nil, err
		case !ok:
			return 0, nil, errNotFound
		}
		m, err := addMessage(ctx, tx, threadID, newMessage{Author: api.AuthorKindCitizen, AuthorName: sess.Citizen.Name, Body: in.Body, SentAt: s.now()})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, m, nil
	})
}

func (h handler) MarkThreadRead(w http.ResponseWriter, r *http.Request, personID api.PersonId, threadID api.ThreadId, _ api.MarkThreadReadParams) {
	s := h.s
	sess, _, ok := s.actFor(w, r, personID, api.Messages, false)
	if !ok {
		return
	}
	s.writeTx(w, r, sess.Citizen.ID, func(tx *sql.Tx) (int, any, error) {
		res, err := tx.ExecContext(r.Context(), `UPDATE threads SET unread = 0 WHERE id = ? AND person_id = ?`, threadID, personID)
		if err != nil {
			return 0, nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, nil, errNotFound
		}
		return http.StatusNoContent, nil, nil
	})
}

// replyDue is the contract's replyDue of a thread whose citizen message waiting (unix ms) the service has
// not answered: the next working day after it; nil when nothing waits.
func replyDue(waiting sql.NullInt64) *api.ReplyDue {
	if !waiting.Valid {
		return nil
	}
	_, day := replyDeadline(fromMS(waiting.Int64))
	return &api.ReplyDue{Time: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)}
}
