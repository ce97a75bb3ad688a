package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/api"
)

// A Session is one citizen's login: the access token and, when the issuer gave one (offline_access), the
// refresh token, in memory only, and the calls made with them. Logout drops both; every call after that
// fails with ErrLoggedOut.
//
// Refresh rule: the access token is renewed with the refresh token only when a call needs a token, the one
// held has expired (or expires within refreshMargin, by the client's clock), and the citizen was last
// active less than the idle timeout ago (SetActivity). A call made later than that – the kiosk considers
// the citizen gone – does not refresh: the session drops its tokens and the call fails with ErrIdle (a
// 401), so a token the kiosk holds after the citizen left can never be renewed. Without SetActivity the
// session refreshes on every call that needs it.
type Session struct {
	c *Client

	refreshMu sync.Mutex // one refresh at a time; held across the request

	mu           sync.Mutex
	tok          *oauth2.Token // nil after Logout
	expiry       time.Time     // when tok's access token expires by c.now (zero: not known)
	lastActivity func() time.Time
	idleTimeout  time.Duration
	idleOut      bool   // a call came after the idle timeout: the session is over, its tokens kept for Logout
	lang         string // the citizen's language for Accept-Language; "" uses the Client's
}

// SetLanguage sets the citizen's language ("nn", "nb", "en") for this session's calls: the backend's labels
// (service names, staff roles) then come in it. The UI must call it when the session starts (with the
// language on screen) and whenever the citizen changes language in the Aa · Språk panel.
func (s *Session) SetLanguage(lang string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lang = lang
}

func (s *Session) language() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lang
}

// refreshMargin is how long before its expiry an access token is renewed, so that a call does not arrive
// just after it lapsed.
const refreshMargin = 20 * time.Second

// ErrIdle is the error of a call that needed a token refresh after the citizen was idle for the idle
// timeout: the session is over (it matches ErrUnauthorized and ErrLoggedOut).
var ErrIdle = &Error{Status: http.StatusUnauthorized, Code: CodeSessionIdle}

// NewSession wraps a token the device login gave.
func (c *Client) NewSession(tok *oauth2.Token) *Session {
	s := &Session{c: c}
	s.setToken(tok)
	return s
}

// setToken takes tok as the current token; its expiry is counted on the client's clock from expires_in
// (x/oauth2 counts Expiry on the wall clock).
func (s *Session) setToken(tok *oauth2.Token) {
	exp := tok.Expiry
	if tok.ExpiresIn > 0 {
		exp = s.c.now().Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	s.mu.Lock()
	s.tok, s.expiry = tok, exp
	s.mu.Unlock()
}

// SetActivity tells the session when the citizen was last active and after how long without activity the
// kiosk logs them out; a refresh is refused after that (see Session).
func (s *Session) SetActivity(last func() time.Time, idleTimeout time.Duration) {
	s.mu.Lock()
	s.lastActivity, s.idleTimeout = last, idleTimeout
	s.mu.Unlock()
}

// CanRefresh reports whether the session holds a refresh token.
func (s *Session) CanRefresh() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok != nil && s.tok.RefreshToken != ""
}

func (s *Session) valid() (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return "", false, ErrLoggedOut
	}
	if s.idleOut {
		return "", false, ErrIdle
	}
	if s.expiry.IsZero() || s.c.now().Before(s.expiry.Add(-refreshMargin)) {
		return s.tok.AccessToken, true, nil
	}
	return "", false, nil
}

func (s *Session) token(ctx context.Context) (string, error) {
	if t, ok, err := s.valid(); ok || err != nil {
		return t, err
	}
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	if t, ok, err := s.valid(); ok || err != nil { // another call refreshed meanwhile
		return t, err
	}
	s.mu.Lock()
	old, last, idle := s.tok, s.lastActivity, s.idleTimeout
	s.mu.Unlock()
	if old.RefreshToken == "" {
		return "", &Error{Status: http.StatusUnauthorized, Code: string(api.TokenExpired)}
	}
	if last != nil && idle > 0 && s.c.now().Sub(last()) >= idle {
		// The citizen has gone: never renew their login. The tokens stay only for Logout to revoke.
		s.mu.Lock()
		s.idleOut = true
		s.mu.Unlock()
		return "", ErrIdle
	}
	d, err := s.c.Discover(ctx)
	if err != nil {
		return "", err
	}
	cfg := s.c.oauthConfig(d)
	fresh, err := cfg.TokenSource(s.c.refreshContext(ctx), &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		err = grantError(ctx, err)
		var e *Error
		if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 {
			// invalid_grant and the like: the refresh token is spent or revoked; the login is over.
			return "", &Error{Status: http.StatusUnauthorized, Code: string(api.TokenExpired), Detail: e.Code}
		}
		return "", err
	}
	s.mu.Lock()
	over := s.tok != old // logged out during the refresh
	s.mu.Unlock()
	if over {
		go func() { // revoke what the refresh gave, as Logout would have
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = s.c.revokeTokens(ctx, fresh, RevokeStale)
		}()
		return "", ErrLoggedOut
	}
	s.setToken(fresh)
	s.c.log.Debug("token refreshed")
	return fresh.AccessToken, nil
}

// Logout drops the tokens at once, then ends them everywhere the kiosk can, within ctx: it revokes the
// refresh token and the access token at the issuer's revocation endpoint (RFC 7009), when it has one, and
// tells the backend (POST /v1/logout with the access token), which refuses that access token from then on
// whoever issued it – an OP that cannot revoke a JWT access token (400 unsupported_token_type) leaves it
// valid at the OP until its exp, but not at the backend. Each answer is logged (never a token); the error is
// only for logging, the session is over either way. The backend is told while the OP revokes.
func (s *Session) Logout(ctx context.Context) error {
	s.refreshMu.Lock() // a refresh under way finishes first, so its new tokens are the ones revoked
	s.mu.Lock()
	tok := s.tok
	s.tok = nil
	s.mu.Unlock()
	s.refreshMu.Unlock()
	if tok == nil {
		return nil
	}
	// The backend and the OP at once, each within ctx: a slow or unreachable OP must not use up the time the
	// backend's logout needs (the only thing that ends a JWT access token the OP cannot revoke), nor the
	// reverse. The errors come back in a fixed order: the OP's refresh and access token, then the backend.
	var (
		wg         sync.WaitGroup
		backendErr error
	)
	if tok.AccessToken != "" {
		wg.Go(func() { backendErr = s.c.BackendLogout(ctx, tok.AccessToken) })
	}
	var errs []error
	if tok.RefreshToken != "" { // at the OP: the refresh token first, it is the one that lives
		errs = append(errs, s.c.revoke(ctx, tok.RefreshToken, "refresh_token", RevokeLogout))
	}
	if tok.AccessToken != "" {
		errs = append(errs, s.c.revoke(ctx, tok.AccessToken, "access_token", RevokeLogout))
	}
	wg.Wait()
	return errors.Join(append(errs, backendErr)...)
}

// BackendLogout tells the backend that the visit of accessToken is over (POST /v1/logout, the contract's
// Logout): from then on the backend refuses that token (by its jti, until its exp), whichever trusted issuer
// issued it. The answer is logged (backend_logout); a 401 (the token already expired or refused) is an
// answer like any other.
func (c *Client) BackendLogout(ctx context.Context, accessToken string) error {
	err := c.call(c.request(ctx, accessToken), http.MethodPost, c.apiPath("/v1/logout"), nil)
	c.logOutcome("backend_logout", RevokeLogout, "access_token", err)
	return err
}

// UsableFor is how long from now, on the client's clock, the session can still make calls without a
// refresh: until refreshMargin before its access token's expiry (0 when that has passed or there is no
// token; -1 when the expiry is not known). With CanRefresh false the visit ends then: the kiosk warns the
// citizen before.
func (s *Session) UsableFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil {
		return 0
	}
	if s.expiry.IsZero() {
		return -1
	}
	return max(0, s.expiry.Add(-refreshMargin).Sub(s.c.now()))
}

// LoggedIn reports whether the session still holds a token it may use.
func (s *Session) LoggedIn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok != nil && !s.idleOut
}

// do runs one authorised call. key, when not empty, is sent as Idempotency-Key (and makes a write retryable).
//
// When the backend says token_expired although the token was fresh by the kiosk's clock (the kiosk's clock
// runs behind the issuer's, or the issuer shortened the token's life), the session refreshes once – by the
// same rule as always, so never after the idle timeout – and sends the call again: the backend refused it
// before doing anything, and a write carries its Idempotency-Key.
func (s *Session) do(ctx context.Context, method, path, key string, body, out any) error {
	for attempt := 0; ; attempt++ {
		tok, err := s.token(ctx)
		if err != nil {
			return err
		}
		r := s.c.request(ctx, tok)
		if l := s.language(); l != "" {
			r.SetHeader("Accept-Language", l)
		}
		if key != "" {
			r.SetHeader("Idempotency-Key", key)
		}
		if body != nil {
			r.SetHeader("Content-Type", "application/json").SetBody(body)
		}
		err = s.c.call(r, method, s.c.apiPath(path), out)
		if attempt == 0 && CodeOf(err) == string(api.TokenExpired) && s.expire(tok) {
			continue
		}
		return err
	}
}

// expire marks the access token tok as expired, so that the next call refreshes, and reports whether a
// refresh can follow (the session still holds a refresh token). A tok another call has replaced already is
// left alone: the next call uses the new one.
func (s *Session) expire(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil || s.tok.RefreshToken == "" {
		return false
	}
	if s.tok.AccessToken == tok {
		s.expiry = s.c.now().Add(-refreshMargin - time.Second)
	}
	return true
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

// Thread returns one thread with its newest messages (the backend's default page, 50), oldest first so the
// newest is last; OlderCursor, when set, is the before of Messages for the page before.
func (s *Session) Thread(ctx context.Context, personID, threadID string) (*api.Thread, error) {
	var out api.Thread
	return &out, s.do(ctx, http.MethodGet, personPath(personID, "threads", threadID), "", nil, &out)
}

// Messages returns one page of a thread's messages, oldest first (newest last): the newest page when before
// is "", else the page just before that cursor (a Thread's or a page's OlderCursor). limit 0 takes the
// backend's default.
func (s *Session) Messages(ctx context.Context, personID, threadID, before string, limit int) (*api.MessagePage, error) {
	q := url.Values{}
	if before != "" {
		q.Set("before", before)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	p := personPath(personID, "threads", threadID, "messages")
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	var out api.MessagePage
	return &out, s.do(ctx, http.MethodGet, p, "", nil, &out)
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

// SetNotificationChannel saves personID's notice channel (the choice of completed-visit notices as it is).
func (s *Session) SetNotificationChannel(ctx context.Context, personID, key string, ch api.NotificationChannel) (*api.NotificationSettings, error) {
	return s.SetNotificationSettings(ctx, personID, key, api.NotificationSettingsUpdate{Channel: ch})
}

// SetNotificationSettings saves personID's notice channel and, where upd has it, the choice of notices of
// completed visits.
func (s *Session) SetNotificationSettings(ctx context.Context, personID, key string, upd api.NotificationSettingsUpdate) (*api.NotificationSettings, error) {
	var out api.NotificationSettings
	return &out, s.do(ctx, http.MethodPut, personPath(personID, "notification-settings"), key, upd, &out)
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
