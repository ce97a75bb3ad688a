package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/testkit/nodeop"
	"github.com/helsekiosk/helsekiosk/internal/testkit/testop"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// TestLoginWithoutRefreshTokenEnds: a login that gets no refresh token (the kiosk asks for no
// offline_access here; an OP may also ignore it) lasts only as long as its access token. On the kiosk's
// test clock: nothing is said until the warning's time, then the warning card (its own text, «OK» takes
// it away), and when the token runs out the visit ends with its own notice on the welcome screen – not
// «Du er logga ut.». In nn and nb.
func TestLoginWithoutRefreshTokenEnds(t *testing.T) {
	ps := testop.DemoPersonas(t)
	op := testop.Start(t, ps.Users(), testop.WithAudience(idpUIAudience)) // five-minute tokens
	be := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{op.Issuer}
		c.Audience = idpUIAudience
	}))
	for _, lang := range []string{"nn", "nb"} {
		t.Run(lang, func(t *testing.T) {
			clk := &testClock{t: time.Now()}
			wire := &idpWire{next: http.DefaultTransport}
			cfg := config.Config{Lang: lang, Issuer: op.Issuer, API: be.URL, ClientID: testop.DefaultClientID,
				ClientSecret: config.Secret(testop.DefaultClientSecret), Scopes: "openid helsekiosk",
				IdleTimeout: 10 * time.Minute, IdleWarning: time.Minute}
			h := newHarnessWith(t, cfg, WithHTTPClient(&http.Client{Transport: wire}), withClock(clk),
				WithInputIdle(func() (time.Duration, bool) { return 100 * time.Millisecond, true }))
			idpLogIn(t, h, wire, ps.Ingrid)
			h.waitFor("Ingrid's home screen", func() bool { _, ok := h.k.cur.(*home); return ok && h.containsText("Ingrid Haugen") })
			sess := h.k.sess
			if sess.api.CanRefresh() {
				t.Fatal("a refresh token without offline_access")
			}
			life := sess.api.UsableFor()
			warn := life - loginEndWarning(life)
			if life < 4*time.Minute || loginEndWarning(life) != time.Minute {
				t.Fatalf("usable for %v, warned %v before", life, loginEndWarning(life))
			}
			// Up to a second before the warning's time: no warning.
			h.waitCalls("the home screen's calls")
			clk.Advance(warn - time.Second)
			h.waitCalls("the calls the clock started")
			if h.k.loginEnd.overlay != nil {
				t.Fatal("the warning came early")
			}
			clk.Advance(2 * time.Second)
			h.waitFor("the warning", func() bool { return h.k.loginEnd.overlay != nil })
			title, text := h.k.tr("LoginEndingTitle"), h.k.tr("LoginEndingText")
			if !h.hasText(title) || !h.hasText(text) {
				t.Errorf("the warning lacks its text: %q", h.texts(false))
			}
			t.Logf("%s warning: %s – %s", lang, title, text)
			tapIn(t, objectsUnder(h.k.loginEnd.overlay, false), h.k.tr("LoginEndingOK"))
			if h.k.loginEnd.overlay != nil || h.k.sess != sess {
				t.Fatal("«OK» did not take the warning away, or ended the visit")
			}
			clk.Advance(loginEndWarning(life))
			h.waitFor("the welcome screen", func() bool { _, ok := h.k.cur.(*welcome); return ok })
			ended := h.k.tr("NoticeLoginEnded")
			if !h.hasText(ended) || h.hasText(h.k.tr("NoticeLoggedOut")) {
				t.Errorf("the welcome screen after the login ran out: %q", h.texts(false))
			}
			t.Logf("%s notice: %s", lang, ended)
			waitRevoked(t, h, op, wire.lastToken(t).ID, false)
		})
	}
}

// tapIn taps the button labelled text among objs.
func tapIn(t *testing.T, objs []fyne.CanvasObject, text string) {
	t.Helper()
	for _, o := range objs {
		if b, ok := o.(*widgets.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no button %q", text)
}

// nodeUIResource is the API at the node OP (its resource indicator), the backend's --audience.
const nodeUIResource = "https://api.helsekiosk.test"

// nodeUILifetime is the node OP's access-token lifetime for these tests: a broker's are 60 s; 5 s here,
// so that a visit outlasts three of them in some fifteen seconds (the OP's clock is real). The kiosk renews
// a token 20 s before its exp, so every call of the visit renews it.
const nodeUILifetime = 5 * time.Second

var (
	nodeUIConfidential = nodeop.Client{ID: "helsekiosk", Secret: "helsekiosk-secret-at-nodeop"}
	nodeUINative       = nodeop.Client{ID: "helsekiosk-native", RedirectURIs: []string{"http://127.0.0.1" + client.DefaultCallbackPath}}
)

// nodeUIWorld is oidc-provider (internal/testkit/nodeop) as the municipality's broker, and the reference
// backend trusting it.
type nodeUIWorld struct {
	op            *nodeop.OP
	backend       *backendtest.Env
	ingrid, minid nodeop.User
}

func newNodeUIWorld(t *testing.T) *nodeUIWorld {
	t.Helper()
	ps := testop.DemoPersonas(t)
	u := func(p testop.User) nodeop.User { return nodeop.User{Username: p.Username, PID: p.PID, ACR: p.ACR} }
	w := &nodeUIWorld{ingrid: u(ps.Ingrid), minid: u(ps.MinID)}
	w.op = nodeop.Start(t, nodeop.Config{Users: []nodeop.User{w.ingrid, w.minid}, Resource: nodeUIResource,
		Clients: []nodeop.Client{nodeUIConfidential, nodeUINative}, AccessTokenLifetime: nodeUILifetime})
	w.backend = backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) {
		c.TrustIssuers = []string{w.op.Issuer}
		c.Audience = nodeUIResource
		c.KioskClients = []backend.KioskClient{{ClientID: nodeUIConfidential.ID, Issuer: w.op.Issuer, Name: "Servicetorget"}}
	}))
	return w
}

// kiosk is the kiosk UI for the node OP as oc, with the API's resource; a finger keeps moving on the
// screen (the display's input-idle watch reports input a moment ago) and the idle timeout is shorter than
// the visit, which must go on because the citizen is active.
func (w *nodeUIWorld) kiosk(t *testing.T, oc nodeop.Client, lang string, opts ...Option) (*harness, *nodeWire) {
	t.Helper()
	wire := &nodeWire{next: http.DefaultTransport}
	cfg := config.Config{Lang: lang, Issuer: w.op.Issuer, API: w.backend.URL, ClientID: oc.ID,
		ClientSecret: config.Secret(oc.Secret), Scopes: config.DefaultScopes, Resource: nodeUIResource,
		IdleTimeout: 4 * time.Second, IdleWarning: 2 * time.Second}
	if len(oc.RedirectURIs) > 0 {
		cfg.Login = config.LoginPhone + "," + config.LoginKiosk
	}
	h := newHarnessWith(t, cfg, append([]Option{WithHTTPClient(&http.Client{Transport: wire}),
		WithInputIdle(func() (time.Duration, bool) { return 100 * time.Millisecond, true })}, opts...)...)
	return h, wire
}

// phoneLogIn taps «Logg inn» and approves the code on the phone as u at the OP's pages (the QR code's
// verification_uri_complete: the code confirmed, the login, the consent).
func (w *nodeUIWorld) phoneLogIn(t *testing.T, h *harness, u nodeop.User) {
	t.Helper()
	h.tap(h.k.tr("Login"))
	h.waitFor("the code from the OP", func() bool { s, ok := h.k.cur.(*login); return ok && s.current != nil && s.code.Visible() })
	uri := h.k.cur.(*login).current.VerificationURIComplete
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	v, err := nodeop.NewBrowser().Approve(ctx, uri, u)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(v.Steps, ",") != "code,confirm,login,consent,done" {
		t.Errorf("the phone's pages: %v", v.Steps)
	}
}

// loggedOut checks that every token of the visit has ended: the refresh token inactive at the OP, the
// last access token 401 at the backend (the OP does not revoke it: it is a JWT).
func (w *nodeUIWorld) loggedOut(t *testing.T, h *harness, wire *nodeWire, oc nodeop.Client) {
	t.Helper()
	access, refresh := wire.last()
	h.waitFor("the refresh token revoked at the OP", func() bool {
		ok, err := w.op.Introspect(t.Context(), oc, refresh, "refresh_token")
		return err == nil && !ok
	})
	h.waitFor("the last access token refused by the backend", func() bool {
		_, err := h.k.client.NewSession(&oauth2.Token{AccessToken: access, TokenType: "Bearer"}).Me(t.Context())
		return client.IsUnauthorized(err)
	})
	if ok, err := w.op.Introspect(t.Context(), oc, access, "access_token"); err == nil && ok {
		t.Log("the OP still calls the JWT access token active (it cannot revoke it); the backend refuses it")
	}
}

// TestNodeOPKioskVisit: the kiosk UI through oidc-provider. Ingrid logs in with her phone (device flow)
// and here on the kiosk (the code flow in the kiosk's Chromium, prompt=login consent: the OP's login and
// consent pages clicked); each visit outlasts three access-token lifetimes (5 s) while she is active and
// goes on with refreshed tokens; «Logg ut» revokes the refresh token at the OP and makes the last access
// token 401 at the backend. MinID is refused both ways, and what the OP gave is revoked.
func TestNodeOPKioskVisit(t *testing.T) {
	w := newNodeUIWorld(t)

	// activeVisit: Ingrid, active all along (the display sees input), opens her inbox and goes home again
	// each time the last access token has passed its exp, three times: each time the inbox loads with a
	// refreshed token, and the visit outlasts three of the OP's access-token lifetimes.
	activeVisit := func(t *testing.T, h *harness, wire *nodeWire, oc nodeop.Client) {
		t.Helper()
		h.waitFor("Ingrid's home screen", func() bool { _, ok := h.k.cur.(*home); return ok && h.containsText("Ingrid Haugen") })
		first := idpClaims(t, wire.firstAccess()).IssuedAt.Time()
		refreshes := w.op.Count(nodeop.Is("grant.success", "grant_type", "refresh_token", "client", oc.ID))
		var exp time.Time
		for range 3 {
			access, _ := wire.last()
			exp = idpClaims(t, access).Expiry.Time()
			h.waitFor("the last access token's exp", func() bool { return time.Now().After(exp) })
			if h.k.sess == nil {
				t.Fatal("the visit ended while Ingrid was active")
			}
			n := wire.count()
			h.tap(h.k.tr("TileMessages"))
			h.waitForText("Besøk fredag")
			if wire.count() <= n || wire.apiSince(exp) == 0 {
				t.Fatalf("the inbox after the token's exp: %d tokens before, %d after, %d calls since the exp", n, wire.count(), wire.apiSince(exp))
			}
			h.tap(h.k.tr("Home"))
			h.waitFor("home", func() bool { _, ok := h.k.cur.(*home); return ok && h.containsText("Ingrid Haugen") })
		}
		// By the OP's own claims: the last token waited out expired three lifetimes or more after the first
		// was issued, and the inbox loaded after that.
		if d := exp.Sub(first); d < 3*nodeUILifetime {
			t.Errorf("the visit lasted %v by the tokens' iat and exp, less than three token lifetimes", d)
		}
		n := w.op.Count(nodeop.Is("grant.success", "grant_type", "refresh_token", "client", oc.ID)) - refreshes
		if n < 3 {
			t.Errorf("%d refresh grants at the OP during a visit of three token lifetimes", n)
		}
		if bad := wire.apiErrors(); len(bad) > 0 {
			t.Errorf("API calls refused during the visit: %v", bad)
		}
		t.Logf("the visit lasted %v (%d access tokens of %v), %d refresh grants", time.Since(first).Round(time.Second), wire.count(), nodeUILifetime, n)
	}

	t.Run("phone", func(t *testing.T) {
		h, wire := w.kiosk(t, nodeUIConfidential, "nn")
		w.phoneLogIn(t, h, w.ingrid)
		activeVisit(t, h, wire, nodeUIConfidential)
		h.tap(h.k.tr("Logout"))
		h.waitFor("the welcome screen", func() bool { _, ok := h.k.cur.(*welcome); return ok })
		w.loggedOut(t, h, wire, nodeUIConfidential)
	})

	t.Run("phone MinID", func(t *testing.T) {
		h, wire := w.kiosk(t, nodeUIConfidential, "nb")
		w.phoneLogIn(t, h, w.minid)
		h.waitFor("the refusal screen", func() bool { _, ok := h.k.cur.(*refusal); return ok })
		if msg := h.k.trd("RefusedLevel", map[string]any{"Phone": HelpLine}); !h.hasText(msg) {
			t.Errorf("the refusal screen: %q", h.texts(false))
		}
		w.loggedOut(t, h, wire, nodeUIConfidential)
		h.tap(h.k.tr("BackToStart"))
	})

	t.Run("kiosk", func(t *testing.T) {
		b := newNodeBrowserRig(t, w)
		h, wire := w.kiosk(t, nodeUINative, "nn", b.option(t))
		pctx := b.open(t, h)
		if err := chromedp.Run(pctx, chromedp.Click("#user-ingrid", chromedp.ByQuery), chromedp.WaitVisible("#allow", chromedp.ByQuery),
			chromedp.Click("#allow", chromedp.ByQuery)); err != nil {
			t.Fatalf("the OP's pages: %v", err)
		}
		activeVisit(t, h, wire, nodeUINative)
		if _, err := w.op.WaitFor(t.Context(), nodeop.Is("interaction.consent", "client", nodeUINative.ID, "offline_access", "true", "requested_prompt", "login consent")); err != nil {
			t.Error("no consent to offline_access at the OP")
		}
		h.tap(h.k.tr("Logout"))
		h.waitFor("the welcome screen", func() bool { _, ok := h.k.cur.(*welcome); return ok })
		w.loggedOut(t, h, wire, nodeUINative)
	})

	t.Run("kiosk MinID", func(t *testing.T) {
		b := newNodeBrowserRig(t, w)
		h, wire := w.kiosk(t, nodeUINative, "nb", b.option(t))
		pctx := b.open(t, h)
		if err := chromedp.Run(pctx, chromedp.Click("#user-ingrid-minid", chromedp.ByQuery), chromedp.WaitVisible("#allow", chromedp.ByQuery),
			chromedp.Click("#allow", chromedp.ByQuery)); err != nil {
			t.Fatalf("the OP's pages: %v", err)
		}
		h.waitFor("the login screen with the level's message", func() bool {
			_, ok := h.k.cur.(*login)
			return ok && h.hasText(h.k.tr("KioskLoginLevel"))
		})
		if h.k.sess != nil || wire.apiCount() != 0 {
			t.Errorf("MinID's login went on: session %v, %d API calls", h.k.sess != nil, wire.apiCount())
		}
		_, refresh := wire.last()
		if refresh == "" {
			t.Fatal("the OP gave MinID's login no refresh token to revoke")
		}
		if ok, err := w.op.Introspect(t.Context(), nodeUINative, refresh, "refresh_token"); err != nil || ok {
			t.Errorf("MinID's refresh token after the refusal: active %v, %v", ok, err)
		}
	})
}

// nodeBrowserRig runs the kiosk's login browser as the login tests do (Debian's Chromium headless with a
// DevTools port for the test, the kiosk's own policy in a private mount namespace), for the node OP.
type nodeBrowserRig struct {
	exe   string
	allow []string
}

func newNodeBrowserRig(t *testing.T, w *nodeUIWorld) *nodeBrowserRig {
	t.Helper()
	exe, err := browser.FindChromium()
	if err != nil || os.Geteuid() != 0 || exec.Command("unshare", "--mount", "--propagation", "private", "--", "true").Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the login on the kiosk needs chromium and root with private mount namespaces (scripts/deps.sh --test): %v", err)
		}
		t.Skip("needs chromium and root with private mount namespaces")
	}
	for _, env := range []string{"TMPDIR", "HOME"} { // short paths: Chromium's singleton socket
		dir, err := os.MkdirTemp("/tmp", "hknode-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		t.Setenv(env, dir)
	}
	allow, err := browser.AllowFor(w.op.Issuer, nil, client.DefaultCallbackPath)
	if err != nil {
		t.Fatal(err)
	}
	return &nodeBrowserRig{exe: exe, allow: allow}
}

func (r *nodeBrowserRig) option(t *testing.T) Option {
	return withBrowserOptions(func(o *browser.Options) {
		o.Exe, o.Headless, o.RemoteDebugging = r.exe, true, true
		o.PrivatePolicy = browser.NewPolicy(r.allow).AllowRemoteDebugging()
		o.StartTimeout = 2 * time.Minute
	})
}

// open taps «Logg inn», then «Logg inn her på kiosken», and attaches to the login page once it shows the
// OP's login page.
func (r *nodeBrowserRig) open(t *testing.T, h *harness) context.Context {
	t.Helper()
	h.tap(h.k.tr("Login"))
	h.tapWhenReady(h.k.tr("KioskLoginButton"))
	var s *browserLogin
	h.waitFor("the login browser", func() bool {
		bl, ok := h.k.cur.(*browserLogin)
		s = bl
		return ok && bl.b != nil && bl.b.DevToolsURL != ""
	})
	actx, acancel := chromedp.NewRemoteAllocator(t.Context(), s.b.DevToolsURL, chromedp.NoModifyURL)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	var page target.ID
	h.waitFor("the login window's page", func() bool {
		infos, err := chromedp.Targets(bctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range infos {
			if i.Type == "page" {
				page = i.TargetID
			}
		}
		return page != ""
	})
	pctx, pcancel := chromedp.NewContext(bctx, chromedp.WithTargetID(page))
	t.Cleanup(pcancel)
	if err := chromedp.Run(pctx, chromedp.WaitVisible("#user-ingrid", chromedp.ByQuery)); err != nil {
		t.Fatalf("the OP's login page: %v", err)
	}
	return pctx
}

// nodeWire notes, on the kiosk's way out, the token endpoint's answers and the API's answers.
type nodeWire struct {
	next http.RoundTripper

	mu      sync.Mutex
	access  []string
	refresh []string
	calls   []nodeCall
}

type nodeCall struct {
	path   string
	status int
	at     time.Time
}

func (r *nodeWire) RoundTrip(req *http.Request) (*http.Response, error) {
	at := time.Now()
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	switch {
	case strings.HasPrefix(req.URL.Path, "/v1/") && req.URL.Path != "/v1/kiosk/heartbeat":
		r.mu.Lock()
		r.calls = append(r.calls, nodeCall{req.URL.Path, resp.StatusCode, at})
		r.mu.Unlock()
	case req.URL.Path == "/token" && resp.StatusCode == http.StatusOK:
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var t struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal(body, &t) == nil && t.AccessToken != "" {
			r.mu.Lock()
			r.access, r.refresh = append(r.access, t.AccessToken), append(r.refresh, t.RefreshToken)
			r.mu.Unlock()
		}
	}
	return resp, nil
}

// firstAccess is the first access token that came.
func (r *nodeWire) firstAccess() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.access) == 0 {
		return ""
	}
	return r.access[0]
}

func (r *nodeWire) last() (access, refresh string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.access); n > 0 {
		return r.access[n-1], r.refresh[n-1]
	}
	return "", ""
}

func (r *nodeWire) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.access)
}

// apiSince counts the successful API calls made after t.
func (r *nodeWire) apiSince(t time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if c.at.After(t) && c.status < 400 {
			n++
		}
	}
	return n
}

// apiErrors are the refused API calls (other than the logout).
func (r *nodeWire) apiErrors() []nodeCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []nodeCall
	for _, c := range r.calls {
		if c.status >= 400 && c.path != "/v1/logout" {
			out = append(out, c)
		}
	}
	return out
}

func (r *nodeWire) apiCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}
