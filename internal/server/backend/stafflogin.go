package backend

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// StaffConfig configures the staff login of the staff page (issue 11: "Staff and kiosks are identified
// too"). The staff page is opened only with a staff session, which the backend starts after an OpenID
// Connect authorization code flow (PKCE S256, state, nonce) at the staff issuer, for a person whose
// RoleClaim holds Role. A citizen's bearer token never opens it.
//
// Without an Issuer, a Demo backend serves its own demo staff IdP under /demo-staff-idp with one demo
// staff user; a backend that is neither answers 503 on the staff pages.
type StaffConfig struct {
	// Issuer is the staff IdP's issuer URL (OIDC discovery at Issuer/.well-known/openid-configuration).
	Issuer string
	// ClientID and ClientSecret are the backend's client at the staff IdP (client_secret_basic or
	// client_secret_post, whichever the IdP's discovery offers first); a public client has no secret.
	ClientID     string
	ClientSecret string
	// RoleClaim names the claim that holds the staff member's roles or groups: a string or an array of
	// strings, looked up in the id_token and else at the userinfo endpoint. A dotted path walks into
	// objects, e.g. Keycloak's "realm_access.roles". Default DefaultStaffRoleClaim.
	RoleClaim string
	// Role is the value RoleClaim must hold. Default DefaultStaffRole.
	Role string
	// PublicURL is the staff page's public base URL (default: Config.PublicURL); the redirect URL is
	// PublicURL + "/staff/callback" and the demo staff IdP's issuer PublicURL + "/demo-staff-idp". Never
	// taken from a request's Host.
	PublicURL string
	// SessionTTL is how long a staff session lives (default 8 hours; the session is kept in memory, so a
	// restart logs staff out).
	SessionTTL time.Duration
	// Services maps the staff member's roles (RoleClaim's values) to the services they work in
	// (--staff-services); a Demo backend without any uses DemoStaffServices. Staff with no mapped role
	// may log in and see the help requests, but get 403 on the service pages.
	Services StaffServices
}

// Staff login paths.
const (
	staffCallbackPath = "/staff/callback"
	demoStaffIdPPath  = "/demo-staff-idp"
	// DefaultStaffRoleClaim and DefaultStaffRole are StaffConfig's defaults.
	DefaultStaffRoleClaim = "groups"
	DefaultStaffRole      = "helsekiosk-staff"
	// DemoStaffRole is the role the demo staff user has (the default Role).
	DemoStaffRole = DefaultStaffRole
	// DemoStaffUser is the demo staff IdP's planner (may plan visits of heimesjukepleie and praktisk
	// bistand); DemoNurseUser works in heimesjukepleie, DemoAssistantUser in praktisk bistand.
	DemoStaffUser     = "demo.staff"
	DemoNurseUser     = "demo.nurse"
	DemoAssistantUser = "demo.assistant"
	// staffLoginTTL is how long a started login (state, nonce, PKCE verifier) waits for its callback.
	staffLoginTTL = 10 * time.Minute
	// maxPendingStaffLogins caps the started logins kept, so anonymous requests cannot fill the memory.
	maxPendingStaffLogins = 2000
)

// staffIdPClient talks to the staff IdP (discovery, keys, token, userinfo); it never waits forever.
var staffIdPClient = &http.Client{Timeout: 15 * time.Second}

// staffSession is a logged-in staff member.
type staffSession struct {
	Subject string
	Name    string
	CSRF    string
	Expires time.Time
	Roles   []string // the role claim's values at login
	Lang    Lang     // the staff pages' language (nn or nb; en)
	idHash  string   // the session's key in staff_sessions
}

// pendingLogin is a login sent to the IdP and not yet back.
type pendingLogin struct {
	Nonce    string
	Verifier string
	Browser  string // the value of the login cookie, binding the callback to the browser that started it
	Expires  time.Time
}

// staffAuth is the staff login: the OIDC relying party; its sessions and logins under way are in the
// database (staff_sessions, staff_logins), so any replica serves a staff member.
type staffAuth struct {
	s          *Server
	cfg        StaffConfig
	publicURL  *url.URL
	secure     bool   // cookies are Secure (anything but http on a loopback host)
	cookieName string // the session cookie
	loginName  string // the login (state binding) cookie
	cookiePath string
	disabled   string // why staff login is off ("" when on)

	mu       sync.Mutex // guards the relying party below
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
}

func (s *Server) newStaffAuth() (*staffAuth, http.Handler) {
	cfg := s.cfg.Staff
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = DefaultStaffRoleClaim
	}
	if cfg.Role == "" {
		cfg.Role = DefaultStaffRole
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if len(cfg.Services.Roles) == 0 && s.cfg.Demo && cfg.Issuer == "" {
		cfg.Services = DemoStaffServices()
	}
	a := &staffAuth{s: s, cfg: cfg}
	var demoIdP http.Handler
	switch {
	case cfg.PublicURL == "" && (cfg.Issuer != "" || s.cfg.Demo):
		a.disabled = "the backend's public URL is not configured"
	case cfg.Issuer == "" && !s.cfg.Demo:
		a.disabled = "no staff IdP is configured (--staff-issuer)"
	case cfg.Issuer != "" && cfg.ClientID == "":
		a.disabled = "the staff client id is not configured (--staff-client-id)"
	}
	if a.disabled != "" {
		return a, nil
	}
	u, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		a.disabled = "the backend's public URL is not a http(s) URL"
		return a, nil
	}
	a.publicURL = u
	a.secure = !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))
	if a.secure {
		// __Host- cookies must be Secure, host-only and Path=/.
		a.cookieName, a.loginName, a.cookiePath = "__Host-helsekiosk-staff", "__Host-helsekiosk-staff-login", "/"
	} else {
		a.cookieName, a.loginName, a.cookiePath = "helsekiosk-staff", "helsekiosk-staff-login", "/staff"
	}
	if cfg.Issuer == "" { // demo: the backend's own demo staff IdP
		secret := randomToken()
		idp, err := newDemoStaffIdP(u.String()+demoStaffIdPPath, "helsekiosk-staff-page", secret, u.String()+staffCallbackPath)
		if err != nil {
			a.disabled = "the demo staff IdP could not start"
			s.log.Error("demo staff idp", "err", err)
			return a, nil
		}
		a.cfg.Issuer, a.cfg.ClientID, a.cfg.ClientSecret = u.String()+demoStaffIdPPath, "helsekiosk-staff-page", secret
		a.cfg.RoleClaim, a.cfg.Role = DefaultStaffRoleClaim, DemoStaffRole
		demoIdP = idp
	}
	return a, demoIdP
}

func isLoopbackHost(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// rp returns the relying party, discovering the issuer on first use (the demo IdP is served by this very
// server, so discovery cannot happen before it listens). A failed discovery is tried again next time.
func (a *staffAuth) rp(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, *oidc.Provider, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.provider != nil {
		return a.oauth, a.verifier, a.provider, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, staffIdPClient), a.cfg.Issuer)
	if err != nil {
		return nil, nil, nil, err
	}
	a.provider = p
	a.verifier = p.Verifier(&oidc.Config{ClientID: a.cfg.ClientID, Now: a.s.now})
	a.oauth = &oauth2.Config{
		ClientID:     a.cfg.ClientID,
		ClientSecret: a.cfg.ClientSecret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  a.publicURL.String() + staffCallbackPath,
		Scopes:       []string{oidc.ScopeOpenID, "profile"},
	}
	return a.oauth, a.verifier, a.provider, nil
}

func (a *staffAuth) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: a.cookiePath, MaxAge: maxAge,
		Secure: a.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// session is the staff session the request's cookie names, or nil. Only the cookie counts: an
// Authorization header is never looked at.
func (a *staffAuth) session(r *http.Request) *staffSession {
	c, err := r.Cookie(a.cookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	ctx := r.Context()
	now := a.s.now()
	var sess staffSession
	var expires int64
	var roles, lang string
	sess.idHash = sha256Hex(c.Value)
	err = a.s.db.QueryRowContext(ctx, `SELECT subject, name, csrf, expires_at, roles, lang FROM staff_sessions WHERE id_hash = ?`, sess.idHash).
		Scan(&sess.Subject, &sess.Name, &sess.CSRF, &expires, &roles, &lang)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			a.s.log.Error("staff session", "err", err)
		}
		return nil
	}
	sess.Expires = time.UnixMilli(expires)
	sess.Lang = staffLang(lang)
	if roles != "" {
		sess.Roles = strings.Split(roles, "\n")
	}
	if !now.Before(sess.Expires) {
		_, _ = a.s.db.ExecContext(ctx, `DELETE FROM staff_sessions WHERE id_hash = ?`, sha256Hex(c.Value))
		return nil
	}
	return &sess
}

// require wraps a staff handler: without staff login configured 503, without a session a GET starts the
// login and a POST is 401; a POST must carry the session's CSRF token and come from the same origin.
func (a *staffAuth) require(next func(http.ResponseWriter, *http.Request, *staffSession)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.disabled != "" {
			notConfigured(w, a.disabled)
			return
		}
		sess := a.session(r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !sameOrigin(r) {
				http.Error(w, "Cross-site request refused.", http.StatusForbidden)
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10) // a 4000-character message, percent-encoded
			if err := r.ParseForm(); err != nil {
				http.Error(w, "Bad form.", http.StatusBadRequest)
				return
			}
			if sess == nil {
				// 401: no staff session (a bearer token is never one). The login is a browser redirect, so
				// the challenge names no bearer scheme.
				w.Header().Set("WWW-Authenticate", `Cookie realm="helsekiosk-staff"`)
				http.Error(w, "Not logged in as staff. Open /staff to log in.", http.StatusUnauthorized)
				return
			}
			token := r.PostForm.Get("csrf")
			if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRF)) != 1 {
				http.Error(w, "The form's CSRF token is missing or wrong. Reload the staff page.", http.StatusForbidden)
				return
			}
			next(w, r, sess)
			return
		}
		if sess == nil {
			a.startLogin(w, r)
			return
		}
		next(w, r, sess)
	}
}

func notConfigured(w http.ResponseWriter, why string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprintf(w, "Staff login is not configured: %s.\nThe staff page stays closed until the backend is started with --staff-issuer and --staff-client-id (or with --demo).\n", why)
}

// startLogin sends the browser to the staff IdP with a fresh state, nonce and PKCE verifier.
func (a *staffAuth) startLogin(w http.ResponseWriter, r *http.Request) {
	oc, _, _, err := a.rp(r.Context())
	if err != nil {
		a.s.log.Error("staff idp discovery", "err", err)
		http.Error(w, "The staff login (IdP) cannot be reached just now. Try again shortly.", http.StatusServiceUnavailable)
		return
	}
	state, nonce, verifier, browser := randomToken(), randomToken(), oauth2.GenerateVerifier(), randomToken()
	if c, err := r.Cookie(a.loginName); err == nil && len(c.Value) >= 32 {
		browser = c.Value // several tabs logging in at once share the binding
	}
	now := a.s.now()
	ctx := r.Context()
	var pending int
	_, err = a.s.db.ExecContext(ctx, `DELETE FROM staff_logins WHERE expires_at <= ?`, ms(now))
	if err == nil {
		err = a.s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM staff_logins`).Scan(&pending)
	}
	if err == nil && pending < maxPendingStaffLogins {
		_, err = a.s.db.ExecContext(ctx, `INSERT INTO staff_logins (state_hash, nonce, verifier, browser, expires_at) VALUES (?, ?, ?, ?, ?)`,
			sha256Hex(state), nonce, verifier, browser, ms(now.Add(staffLoginTTL)))
	}
	if err != nil {
		a.s.log.Error("staff login", "err", err)
		http.Error(w, "The staff login is not available just now. Try again shortly.", http.StatusServiceUnavailable)
		return
	}
	if pending >= maxPendingStaffLogins {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "Too many logins under way. Try again in a minute.", http.StatusServiceUnavailable)
		return
	}
	a.setCookie(w, a.loginName, browser, int(staffLoginTTL/time.Second))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// callback finishes the login: the state must be one this browser started, the code is exchanged with the
// PKCE verifier, the id_token verified (signature, iss, aud, exp) and its nonce compared, and the role
// checked.
func (a *staffAuth) callback(w http.ResponseWriter, r *http.Request) {
	if a.disabled != "" {
		notConfigured(w, a.disabled)
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	p := a.takePending(r.Context(), state) // one use, on whichever replica the callback reaches
	c, cerr := r.Cookie(a.loginName)
	if state == "" || p == nil || !a.s.now().Before(p.Expires) || cerr != nil ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(p.Browser)) != 1 {
		staffRefusal(w, http.StatusBadRequest, "Innlogginga kan ikkje fullførast (ukjend eller gammal «state»). Opne personalsida på nytt.",
			"The login cannot be completed (unknown or expired state). Open the staff page again.")
		return
	}
	if e := q.Get("error"); e != "" {
		a.s.log.Info("staff login refused by the idp", "error", e)
		staffRefusal(w, http.StatusForbidden, "Innlogginga vart avbroten hjå identitetstilbydaren.", "The identity provider did not log you in.")
		return
	}
	oc, verifier, provider, err := a.rp(r.Context())
	if err != nil {
		http.Error(w, "The staff login (IdP) cannot be reached just now.", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, staffIdPClient)
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.Verifier))
	if err != nil {
		a.s.log.Info("staff code exchange", "err", err)
		staffRefusal(w, http.StatusForbidden, "Innlogginga kunne ikkje fullførast.", "The login could not be completed (code exchange failed).")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		a.s.log.Info("staff id_token refused", "err", err)
		staffRefusal(w, http.StatusForbidden, "Innlogginga kunne ikkje stadfestast.", "The login could not be verified (id_token refused).")
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		a.s.log.Info("staff id_token nonce mismatch")
		staffRefusal(w, http.StatusForbidden, "Innlogginga kunne ikkje stadfestast.", "The login could not be verified (nonce mismatch).")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		staffRefusal(w, http.StatusForbidden, "Innlogginga kunne ikkje stadfestast.", "The login could not be verified.")
		return
	}
	roles, found := claimValues(claims, a.cfg.RoleClaim)
	name := displayName(claims)
	if !found || name == "" {
		// Some IdPs put the groups or the name at the userinfo endpoint only.
		if ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && ui.Subject == idt.Subject {
			var uc map[string]any
			if ui.Claims(&uc) == nil {
				if !found {
					roles, _ = claimValues(uc, a.cfg.RoleClaim)
				}
				if name == "" {
					name = displayName(uc)
				}
			}
		}
	}
	if name == "" {
		name = idt.Subject
	}
	a.setCookie(w, a.loginName, "", -1)
	if !slices.Contains(roles, a.cfg.Role) {
		a.s.log.Info("staff login without the staff role", "claim", a.cfg.RoleClaim)
		staffRefusal(w, http.StatusForbidden,
			fmt.Sprintf("%s er logga inn, men har ikkje rolla «%s» som opnar personalsida.", name, a.cfg.Role),
			fmt.Sprintf("%s is logged in but lacks the role %q that opens the staff page.", name, a.cfg.Role))
		return
	}
	id := randomToken()
	now := a.s.now()
	_, err = a.s.db.ExecContext(ctx, `DELETE FROM staff_sessions WHERE expires_at <= ?`, ms(now))
	if err == nil {
		_, err = a.s.db.ExecContext(ctx, `INSERT INTO staff_sessions (id_hash, subject, name, csrf, expires_at, roles) VALUES (?, ?, ?, ?, ?, ?)`,
			sha256Hex(id), idt.Subject, name, randomToken(), ms(now.Add(a.cfg.SessionTTL)), strings.Join(cleanRoles(roles), "\n"))
	}
	if err != nil {
		a.s.log.Error("staff session", "err", err)
		http.Error(w, "The staff login is not available just now. Try again shortly.", http.StatusServiceUnavailable)
		return
	}
	a.setCookie(w, a.cookieName, id, int(a.cfg.SessionTTL/time.Second))
	a.s.log.Info("staff logged in")
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
}

// takePending removes and returns the login under way with this state, or nil: DELETE … RETURNING, so two
// replicas cannot both use one state.
func (a *staffAuth) takePending(ctx context.Context, state string) *pendingLogin {
	if state == "" {
		return nil
	}
	var p pendingLogin
	var expires int64
	err := a.s.db.QueryRowContext(ctx, `DELETE FROM staff_logins WHERE state_hash = ? RETURNING nonce, verifier, browser, expires_at`,
		sha256Hex(state)).Scan(&p.Nonce, &p.Verifier, &p.Browser, &expires)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			a.s.log.Error("staff login", "err", err)
		}
		return nil
	}
	p.Expires = time.UnixMilli(expires)
	return &p
}

// logout ends the session (POST /staff/logout, CSRF-checked by require).
func (a *staffAuth) logout(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	if c, err := r.Cookie(a.cookieName); err == nil {
		if _, err := a.s.db.ExecContext(r.Context(), `DELETE FROM staff_sessions WHERE id_hash = ?`, sha256Hex(c.Value)); err != nil {
			a.s.log.Error("staff logout", "err", err)
		}
	}
	a.setCookie(w, a.cookieName, "", -1)
	staffPageHeaders(w)
	_ = staffMsgTmpl.Execute(w, map[string]any{"Title": "Logga ut / Logget ut",
		"NN": "Du er logga ut av personalsida.", "NB": "Du er logget ut av personalsiden.", "Again": true})
}

func displayName(claims map[string]any) string {
	for _, k := range []string{"name", "preferred_username"} {
		if v, _ := claims[k].(string); strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// claimValues finds path (dotted: "realm_access.roles") in claims; a string or an array of strings.
func claimValues(claims map[string]any, path string) ([]string, bool) {
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	switch v := cur.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

var staffMsgTmpl = template.Must(template.New("msg").Parse(`<!doctype html>
<html lang="nn"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Helsekiosk – {{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:50rem;color:#1a1f2b;background:#f6f8fb}.bm{color:#4a5568}</style>
</head><body><h1>{{.Title}}</h1><p id="message">{{.NN}}</p><p class="bm">{{.NB}}</p>
{{if .Again}}<p><a href="/staff">Logg inn på nytt / Logg inn på nytt</a></p>{{end}}
</body></html>
`))

func staffRefusal(w http.ResponseWriter, status int, nn, en string) {
	staffPageHeaders(w)
	w.WriteHeader(status)
	title := "Ingen tilgang / No access"
	if status == http.StatusBadRequest {
		title = "Innlogginga feila / Login failed"
	}
	_ = staffMsgTmpl.Execute(w, map[string]any{"Title": title, "NN": nn, "NB": en, "Again": true})
}

func staffPageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

// cleanRoles drops empty roles and ones with a line break (the session keeps them one a line).
func cleanRoles(roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if r != "" && !strings.ContainsAny(r, "\r\n") {
			out = append(out, r)
		}
	}
	return out
}

// staffLang is the staff pages' language kept in a session: nn (the default), nb or en.
func staffLang(s string) Lang {
	switch Lang(s) {
	case LangNB, LangEN:
		return Lang(s)
	}
	return LangNN
}
