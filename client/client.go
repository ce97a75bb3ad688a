// Package client talks to a Helsekiosk backend as api/openapi.yaml describes it: discovery, the device login
// (RFC 8628, with golang.org/x/oauth2), and the citizen's messages, appointments, settings and fullmakt.
//
// It never logs a token, a name or message text, and it imports no UI package.
package client

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/helsekiosk/helsekiosk/api"
)

// ClientID is the OAuth client the kiosk logs in as.
const ClientID = "helsekiosk"

// A Client is a connection to one backend (its issuer URL). It is safe for concurrent use. Calls that need a
// citizen go through a Session, which a Login gives.
type Client struct {
	issuer *url.URL
	http   *http.Client
	r      *resty.Client
	log    *slog.Logger

	clientID, secret string
	scopes           []string
	resource         string
	apiFixed         bool             // the API base was given (WithAPI): discovery's api_base_url does not move it
	now              func() time.Time // the clock for token lifetimes and idleness (time.Now; tests set another)

	kiosk kioskCredential // the kiosk's own client-credentials token (kiosk.go)

	lang      atomic.Pointer[string] // Accept-Language of every call (WithLanguage, SetLanguage); nil: none
	skew      atomic.Int64           // the backend's clock minus ours, in ns, from the Date header of its last answer
	skewKnown atomic.Bool

	mu       sync.Mutex
	disc     *api.Discovery
	issParam bool   // discovery: authorization_response_iss_parameter_supported (RFC 9207)
	api      string // base URL of /v1, from discovery (or the issuer)
}

// An Option changes how New builds a Client.
type Option func(*options)

type options struct {
	httpClient *http.Client
	timeout    time.Duration
	retries    int
	minWait    time.Duration
	maxWait    time.Duration
	log        *slog.Logger
	clientID   string
	secret     string
	api        string
	scopes     []string
	resource   string
	now        func() time.Time
	lang       string
}

// DefaultScopes is what the citizen's login asks for unless WithScopes says otherwise: offline_access for a
// refresh token, since access tokens may live only minutes.
var DefaultScopes = []string{"openid", "helsekiosk", "offline_access"}

// WithAPI sets the API base URL (where /v1 lives) apart from the issuer, for an identity provider that is
// not the backend. Without it the API is the issuer's URL, or the api_base_url its discovery names.
func WithAPI(base string) Option { return func(o *options) { o.api = base } }

// WithScopes sets the scopes the citizen's login asks for (default DefaultScopes).
func WithScopes(scopes ...string) Option { return func(o *options) { o.scopes = scopes } }

// WithResource sends resource (RFC 8707) on the device authorization and token requests, so the issuer
// puts the API in the token's audience.
func WithResource(resource string) Option { return func(o *options) { o.resource = resource } }

// WithClock sets the clock the client counts token lifetimes and the citizen's idleness with (default
// time.Now).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLanguage sends lang ("nn", "nb" or "en") as Accept-Language on every API call, so that the backend's
// labels (service names, staff roles) come in that language (the backend's default is nb). Change it with
// SetLanguage, or per citizen with Session.SetLanguage.
func WithLanguage(lang string) Option { return func(o *options) { o.lang = lang } }

// SetLanguage changes the Accept-Language of the calls that follow ("" sends none). The kiosk calls it with
// the kiosk's language at start and after each logout.
func (c *Client) SetLanguage(lang string) { c.lang.Store(&lang) }

func (c *Client) language() string {
	if l := c.lang.Load(); l != nil {
		return *l
	}
	return ""
}

// WithHTTPClient makes the client use hc (its Transport; the timeout is set by WithTimeout).
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.httpClient = hc } }

// WithTimeout bounds each attempt of a request (default 15 s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithRetries sets how often a safe or idempotent request is retried, and the backoff bounds
// (default 2 retries, 300 ms to 5 s; a Retry-After above the maximum is cut to it).
func WithRetries(n int, minWait, maxWait time.Duration) Option {
	return func(o *options) { o.retries, o.minWait, o.maxWait = n, minWait, maxWait }
}

// WithOAuthClient sets the OAuth client ID (default ClientID) and, for identity providers that want one, a
// client secret (sent with HTTP Basic, RFC 6749 2.3.1).
func WithOAuthClient(id, secret string) Option {
	return func(o *options) { o.clientID, o.secret = id, secret }
}

// WithLogger logs each request's method, path, status and duration at debug level (never headers or bodies).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// ErrInsecureURL is returned by New for an http:// URL that is not loopback.
var ErrInsecureURL = errors.New("client: an http:// API URL is only allowed on loopback; use https://")

// New returns a Client for the backend whose issuer URL is issuer. An http:// URL is refused unless its host
// is loopback (127.0.0.0/8, ::1, localhost).
func New(issuer string, opts ...Option) (*Client, error) {
	u, err := CheckURL(issuer)
	if err != nil {
		return nil, err
	}
	o := options{clientID: ClientID, scopes: DefaultScopes, now: time.Now, timeout: 15 * time.Second, retries: 2, minWait: 300 * time.Millisecond, maxWait: 5 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	hc := &http.Client{Transport: http.DefaultTransport}
	if o.httpClient != nil {
		cp := *o.httpClient
		hc = &cp
	}
	hc.Timeout = o.timeout
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.clientID == "" {
		o.clientID = ClientID
	}
	if len(o.scopes) == 0 {
		o.scopes = DefaultScopes
	}
	c := &Client{issuer: u, http: hc, log: o.log, api: strings.TrimSuffix(u.String(), "/"), clientID: o.clientID,
		secret: o.secret, scopes: o.scopes, resource: o.resource, now: o.now}
	if o.api != "" {
		a, err := CheckURL(o.api)
		if err != nil {
			return nil, err
		}
		c.api, c.apiFixed = strings.TrimSuffix(a.String(), "/"), true
	}
	if o.lang != "" {
		c.SetLanguage(o.lang)
	}
	c.r = resty.NewWithClient(hc).
		SetRetryCount(o.retries).
		SetRetryWaitTime(o.minWait).
		SetRetryMaxWaitTime(o.maxWait).
		SetRetryAfter(retryAfter).
		AddRetryCondition(retryPolicy).
		SetResponseBodyLimit(8<<20).
		SetHeader("User-Agent", "helsekiosk/1")
	c.r.SetLogger(quietLogger{}) // resty's own logger could print request details; keep it silent
	c.r.OnAfterResponse(func(_ *resty.Client, resp *resty.Response) error {
		c.noteServerTime(resp.Header().Get("Date"), resp.ReceivedAt())
		c.log.Debug("api", "method", resp.Request.Method, "path", pathOf(resp.Request.URL),
			"status", resp.StatusCode(), "ms", resp.Time().Milliseconds())
		return nil
	})
	return c, nil
}

// noteServerTime records how far the backend's clock (its Date header) is from ours.
func (c *Client) noteServerTime(date string, received time.Time) {
	t, err := http.ParseTime(date)
	if err != nil || received.IsZero() {
		return
	}
	c.skew.Store(int64(t.Sub(received)))
	c.skewKnown.Store(true)
}

// ClockSkew returns how far the backend's clock is ahead of the kiosk's (negative: behind), as seen in the
// Date header of its last answer (whole seconds), and false before any answer. Login and token lifetimes
// are counted from the kiosk's own clock, so a skew does not break them, but a kiosk whose clock is wrong
// shows wrong dates: the UI tells staff.
func (c *Client) ClockSkew() (time.Duration, bool) {
	return time.Duration(c.skew.Load()), c.skewKnown.Load()
}

// CheckURL parses an API/issuer URL and refuses http:// unless the host is loopback.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("client: %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, ErrInsecureURL
		}
	default:
		return nil, fmt.Errorf("client: unsupported URL scheme %q", u.Scheme)
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Issuer returns the issuer URL the client was made for.
func (c *Client) Issuer() string { return c.issuer.String() }

// API returns the API base URL the client calls (the issuer's, discovery's api_base_url, or WithAPI's).
func (c *Client) API() string { return c.apiPath("") }

// ClientID returns the OAuth client ID the kiosk logs in as.
func (c *Client) ClientID() string { return c.clientID }

// retryPolicy is the one retry condition (it replaces resty's default): retry only safe methods and writes
// that carry an Idempotency-Key, and only on a transport failure, 408, 429, 502, 503 or 504.
func retryPolicy(resp *resty.Response, err error) bool {
	if resp == nil || resp.Request == nil {
		return false
	}
	if !retryableMethod(resp.Request) {
		return false
	}
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return transientStatus(resp.StatusCode())
}

func retryableMethod(r *resty.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return r.Header.Get("Idempotency-Key") != ""
}

func transientStatus(s int) bool {
	switch s {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter honours a Retry-After header (seconds or HTTP date); 0 means "use the backoff".
func retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	if resp == nil {
		return 0, nil
	}
	return parseRetryAfter(resp.Header().Get("Retry-After"), time.Now()), nil
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// request is the one request builder: context, Accept, and the bearer token when a session gives one.
func (c *Client) request(ctx context.Context, token string) *resty.Request {
	r := c.r.R().SetContext(ctx).SetHeader("Accept", "application/json, application/problem+json")
	if l := c.language(); l != "" {
		r.SetHeader("Accept-Language", l)
	}
	if token != "" {
		r.SetAuthToken(token)
	}
	return r
}

// call sends a request and decodes a 2xx JSON answer into out (when out is not nil). Every failure comes back
// as an *Error.
func (c *Client) call(r *resty.Request, method, rawURL string, out any) error {
	resp, err := r.Execute(method, rawURL)
	if err != nil {
		if ctxErr := r.Context().Err(); ctxErr != nil {
			return ctxErr
		}
		return &Error{Err: scrub(err)}
	}
	if resp.IsError() || resp.StatusCode() >= 300 {
		return problemOf(resp)
	}
	if out == nil || resp.StatusCode() == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		return &Error{Status: resp.StatusCode(), Code: CodeMalformedResponse, Err: err}
	}
	return nil
}

// problemOf turns a non-2xx answer into an *Error, decoding problem+json (or an OAuth error) when present.
func problemOf(resp *resty.Response) *Error {
	e := &Error{Status: resp.StatusCode(), RetryAfter: parseRetryAfter(resp.Header().Get("Retry-After"), time.Now())}
	body := resp.Body()
	var p struct {
		api.Problem
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		// Person is read here even while api.Problem lacks it (design: problem member "person").
		Person *string `json:"person"`
	}
	if len(body) > 0 && lenientUnmarshal(body, &p) {
		e.Title = p.Title
		if p.Code != nil {
			e.Code = *p.Code
		}
		if p.Detail != nil {
			e.Detail = *p.Detail
		}
		if p.Field != nil {
			e.Field = *p.Field
		}
		if p.Person != nil {
			e.Person = *p.Person
		}
		if e.Code == "" && p.Error != "" {
			e.Code, e.Detail = p.Error, p.ErrorDescription
		}
	}
	if e.Title == "" {
		e.Title = http.StatusText(e.Status)
	}
	return e
}

// lenientUnmarshal decodes body into v and reports whether it was JSON. A member of an unexpected type (say
// "status":"403") is skipped rather than losing the whole problem and its code.
func lenientUnmarshal(body []byte, v any) bool {
	err := json.Unmarshal(body, v)
	var ute *json.UnmarshalTypeError
	return err == nil || errors.As(err, &ute)
}

// scrub keeps a transport error's kind but drops the URL (which holds person IDs) from *url.Error.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return ""
}

// NewIdempotencyKey returns a fresh random key for one intended write (one per draft, reused on retry).
func NewIdempotencyKey() string { return rand.Text() }

// IdempotencyKey is the Idempotency-Key of one intended write. The key is made at the first attempt and
// reused by every retry of the same content, so a retry (after a failure, or an answer lost on the way
// back) is never stored twice; changed content gets a key of its own (the backend would refuse the old key
// with another body). The zero value is ready to use; Done forgets the key after a success.
type IdempotencyKey struct {
	key, content string
}

// For returns the key for sending content: the same as last time when content is the same.
func (i *IdempotencyKey) For(content string) string {
	if i.key == "" || i.content != content {
		i.key, i.content = NewIdempotencyKey(), content
	}
	return i.key
}

// ForJSON is For with req's JSON encoding as the content.
func (i *IdempotencyKey) ForJSON(req any) string {
	b, _ := json.Marshal(req)
	return i.For(string(b))
}

// Key is the key made by the last For ("" when none).
func (i *IdempotencyKey) Key() string { return i.key }

// Done forgets the key after a success.
func (i *IdempotencyKey) Done() { *i = IdempotencyKey{} }

type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
