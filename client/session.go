package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
)

// A Session is one citizen's login: the access token (in memory only) and the calls made with it.
// Logout drops the token; every call after that fails with ErrLoggedOut.
type Session struct {
	c *Client

	mu sync.Mutex
	ts oauth2.TokenSource // nil after Logout
}

// NewSession wraps a token the device login gave.
func (c *Client) NewSession(tok *oauth2.Token) *Session {
	return &Session{c: c, ts: oauth2.ReuseTokenSource(tok, expiredSource{})}
}

// expiredSource is asked for a token only when the one we hold has expired: the citizen must log in again.
type expiredSource struct{}

func (expiredSource) Token() (*oauth2.Token, error) {
	return nil, &Error{Status: http.StatusUnauthorized, Code: "token_expired"}
}

func (s *Session) token() (string, error) {
	s.mu.Lock()
	ts := s.ts
	s.mu.Unlock()
	if ts == nil {
		return "", ErrLoggedOut
	}
	t, err := ts.Token()
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// Logout drops the token at once, then revokes it at the backend within ctx (best effort: the error is
// only for logging, the session is over either way).
func (s *Session) Logout(ctx context.Context) error {
	s.mu.Lock()
	ts := s.ts
	s.ts = nil
	s.mu.Unlock()
	if ts == nil {
		return nil
	}
	t, err := ts.Token()
	if err != nil {
		return nil // expired already: nothing to revoke
	}
	return s.c.revoke(ctx, t.AccessToken)
}

// LoggedIn reports whether the session still holds a token.
func (s *Session) LoggedIn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ts != nil
}

// do runs one authorised call. key, when not empty, is sent as Idempotency-Key (and makes a write retryable).
func (s *Session) do(ctx context.Context, method, path, key string, body, out any) error {
	tok, err := s.token()
	if err != nil {
		return err
	}
	r := s.c.request(ctx, tok)
	if key != "" {
		r.SetHeader("Idempotency-Key", key)
	}
	if body != nil {
		r.SetHeader("Content-Type", "application/json").SetBody(body)
	}
	return s.c.call(r, method, s.c.apiPath(path), out)
}

func personPath(personID string, parts ...string) string {
	p := "/v1/persons/" + url.PathEscape(personID)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// Me returns the citizen, the persons they may act for, and their consent.
func (s *Session) Me(ctx context.Context) (*api.Me, error) {
	var out api.Me
	return &out, s.do(ctx, http.MethodGet, "/v1/me", "", nil, &out)
}

// Consent returns the citizen's consent to the service.
func (s *Session) Consent(ctx context.Context) (*api.Consent, error) {
	var out api.Consent
	return &out, s.do(ctx, http.MethodGet, "/v1/consent", "", nil, &out)
}

// GiveConsent records consent to the terms version the citizen was shown.
func (s *Session) GiveConsent(ctx context.Context, key, termsVersion string) (*api.Consent, error) {
	var out api.Consent
	return &out, s.do(ctx, http.MethodPut, "/v1/consent", key, api.ConsentGive{TermsVersion: termsVersion}, &out)
}

// WithdrawConsent withdraws consent.
func (s *Session) WithdrawConsent(ctx context.Context, key string) (*api.Consent, error) {
	var out api.Consent
	return &out, s.do(ctx, http.MethodDelete, "/v1/consent", key, nil, &out)
}

// Overview returns what the home screen shows for personID in one call: the unread count and the next
// booked appointment (each absent when the citizen's scopes for personID do not cover it).
func (s *Session) Overview(ctx context.Context, personID string) (*api.Overview, error) {
	var out api.Overview
	return &out, s.do(ctx, http.MethodGet, personPath(personID, "overview"), "", nil, &out)
}

// Services lists the services personID can write to.
func (s *Session) Services(ctx context.Context, personID string) ([]api.Service, error) {
	var out []api.Service
	return out, s.do(ctx, http.MethodGet, personPath(personID, "services"), "", nil, &out)
}

// Threads returns one page of personID's threads, newest first; cursor is "" for the first page.
func (s *Session) Threads(ctx context.Context, personID, cursor string, limit int) (*api.ThreadPage, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	p := personPath(personID, "threads")
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	var out api.ThreadPage
	return &out, s.do(ctx, http.MethodGet, p, "", nil, &out)
}

// Thread returns one thread with its messages, oldest first.
func (s *Session) Thread(ctx context.Context, personID, threadID string) (*api.Thread, error) {
	var out api.Thread
	return &out, s.do(ctx, http.MethodGet, personPath(personID, "threads", threadID), "", nil, &out)
}

// CreateThread starts a thread. key is the draft's idempotency key: reuse it when retrying the same draft.
func (s *Session) CreateThread(ctx context.Context, personID, key string, t api.NewThread) (*api.Thread, error) {
	var out api.Thread
	return &out, s.do(ctx, http.MethodPost, personPath(personID, "threads"), key, t, &out)
}

// Reply adds a message to a thread. key is the draft's idempotency key.
func (s *Session) Reply(ctx context.Context, personID, threadID, key, body string) (*api.Message, error) {
	var out api.Message
	return &out, s.do(ctx, http.MethodPost, personPath(personID, "threads", threadID, "messages"), key,
		api.NewMessage{Body: body}, &out)
}

// MarkRead marks a thread read (safe to repeat, so it carries its own key).
func (s *Session) MarkRead(ctx context.Context, personID, threadID string) error {
	return s.do(ctx, http.MethodPost, personPath(personID, "threads", threadID, "read"), NewIdempotencyKey(), nil, nil)
}

// Appointments lists personID's appointments starting in [from, to) (dates, Europe/Oslo).
func (s *Session) Appointments(ctx context.Context, personID string, from, to time.Time) ([]api.Appointment, error) {
	q := url.Values{"from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}}
	var out []api.Appointment
	return out, s.do(ctx, http.MethodGet, personPath(personID, "appointments")+"?"+q.Encode(), "", nil, &out)
}

// Appointment returns one appointment.
func (s *Session) Appointment(ctx context.Context, personID, id string) (*api.Appointment, error) {
	var out api.Appointment
	return &out, s.do(ctx, http.MethodGet, personPath(personID, "appointments", id), "", nil, &out)
}

// RequestCancellation asks the service to cancel an appointment.
func (s *Session) RequestCancellation(ctx context.Context, personID, id, key string, req api.CancellationRequest) (*api.AppointmentRequest, error) {
	var out api.AppointmentRequest
	return &out, s.do(ctx, http.MethodPost, personPath(personID, "appointments", id, "cancellation"), key, req, &out)
}

// RequestChange asks the service to move an appointment.
func (s *Session) RequestChange(ctx context.Context, personID, id, key string, req api.ChangeRequest) (*api.AppointmentRequest, error) {
	var out api.AppointmentRequest
	return &out, s.do(ctx, http.MethodPost, personPath(personID, "appointments", id, "change-request"), key, req, &out)
}

// CancellationRule returns the municipality's cancellation deadline rule.
func (s *Session) CancellationRule(ctx context.Context) (*api.CancellationRule, error) {
	var out api.CancellationRule
	return &out, s.do(ctx, http.MethodGet, "/v1/rules/cancellation", "", nil, &out)
}

// NotificationSettings returns personID's notice channel and registered phone and e-mail.
func (s *Session) NotificationSettings(ctx context.Context, personID string) (*api.NotificationSettings, error) {
	var out api.NotificationSettings
	return &out, s.do(ctx, http.MethodGet, personPath(personID, "notification-settings"), "", nil, &out)
}

// SetNotificationChannel saves personID's notice channel.
func (s *Session) SetNotificationChannel(ctx context.Context, personID, key string, ch api.NotificationChannel) (*api.NotificationSettings, error) {
	var out api.NotificationSettings
	return &out, s.do(ctx, http.MethodPut, personPath(personID, "notification-settings"), key,
		api.NotificationSettingsUpdate{Channel: ch}, &out)
}

// Fullmakt lists who may act for personID and whom personID may act for.
func (s *Session) Fullmakt(ctx context.Context, personID string) (*api.FullmaktLists, error) {
	var out api.FullmaktLists
	return &out, s.do(ctx, http.MethodGet, personPath(personID, "fullmakt"), "", nil, &out)
}

// GrantFullmakt lets someone act for personID (the citizen acting for themself only).
func (s *Session) GrantFullmakt(ctx context.Context, personID, key string, f api.NewFullmakt) (*api.Fullmakt, error) {
	var out api.Fullmakt
	return &out, s.do(ctx, http.MethodPost, personPath(personID, "fullmakt"), key, f, &out)
}

// RevokeFullmakt revokes a fullmakt personID gave.
func (s *Session) RevokeFullmakt(ctx context.Context, personID, fullmaktID, key string) error {
	return s.do(ctx, http.MethodDelete, personPath(personID, "fullmakt", fullmaktID), key, nil, nil)
}
