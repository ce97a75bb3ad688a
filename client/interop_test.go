package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"golang.org/x/net/html"

	"github.com/helsekiosk/helsekiosk/client"
)

// TestInteropZitadelExampleOP runs the device login (RFC 8628) against a standard OpenID Provider: the example OP
// of github.com/zitadel/oidc/v3, in process, with a confidential device client "helsekiosk". The kiosk side is
// the product code (StartLogin, Wait); the citizen's phone is a plain net/http client with a cookie jar that
// fills in the OP's own HTML forms.
//
// The example OP hard-codes a 5 s poll interval (op.Config is built inside exampleop, and no op.Option
// changes it), so the two subtests run in parallel to keep the test at about one interval.
func TestInteropZitadelExampleOP(t *testing.T) {
	const (
		secret   = "kiosk-secret-for-interop"
		username = "kari.nordmann"
		password = "correct horse battery staple"
	)
	users := interopUsers{username: {
		ID:       username, // the example OP uses the username as the token subject; keep ID == username
		Username: username,
		Password: password,
		// FirstName etc. feed the userinfo claims.
		FirstName:     "Kari",
		LastName:      "Nordmann",
		Email:         "kari@example.test",
		EmailVerified: true,
	}}
	st := storage.NewStorageWithClients(users, map[string]*storage.Client{
		client.ClientID: storage.DeviceClient(client.ClientID, secret),
	})

	// The issuer must be the server's own URL, so the listener comes first.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	srv := httptest.NewUnstartedServer(nil)
	srv.Listener.Close()
	srv.Listener = ln
	// nil logger: SetupServer would otherwise replace the process-wide slog default. exampleop adds
	// op.WithAllowInsecure itself, so the http:// issuer is accepted.
	srv.Config.Handler = exampleop.SetupServer(issuer, st, nil, false)
	srv.Start()
	t.Cleanup(srv.Close)

	newKiosk := func(t *testing.T) (*client.Client, *tokenRecorder) {
		t.Helper()
		rec := &tokenRecorder{next: http.DefaultTransport}
		c, err := client.New(issuer,
			client.WithOAuthClient(client.ClientID, secret),
			client.WithHTTPClient(&http.Client{Transport: rec}))
		if err != nil {
			t.Fatal(err)
		}
		return c, rec
	}

	t.Run("approve", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		c, rec := newKiosk(t)

		l, err := c.StartLogin(ctx, "Servicetorget")
		if err != nil {
			t.Fatalf("StartLogin: %v", err)
		}
		checkLogin(t, issuer, l)

		// The citizen types the code shown on the kiosk at the verification URI.
		phone := newPhone(t)
		page := phone.get(ctx, l.VerificationURI)
		page = phone.submit(ctx, page, map[string]string{"user_code": l.UserCode})
		page = phone.submit(ctx, page, map[string]string{"username": username, "password": password})
		if !strings.Contains(page.text, client.ClientID) {
			t.Errorf("confirm page does not name the client %q:\n%s", client.ClientID, page.text)
		}
		page = phone.follow(ctx, page, "Allow")
		if !strings.Contains(page.text, "Device authorization allowed") {
			t.Fatalf("approval not accepted:\n%s", page.text)
		}

		s, err := l.Wait(ctx)
		if err != nil {
			t.Fatalf("Wait after approval: %v", err)
		}
		if s == nil || !s.LoggedIn() {
			t.Fatalf("Wait gave no logged-in session: %v", s)
		}

		// The token the kiosk got is one the OP honours, and it is the citizen's.
		tok := rec.accessToken()
		if tok == "" {
			t.Fatal("no access token seen from the token endpoint")
		}
		var info struct {
			Sub   string `json:"sub"`
			Email string `json:"email"`
		}
		if code := getJSON(ctx, t, issuer+"/userinfo", tok, &info); code != http.StatusOK {
			t.Fatalf("userinfo with the kiosk's token: %d", code)
		}
		if info.Sub != username {
			t.Errorf("userinfo sub = %q, want %q", info.Sub, username)
		}

		// Logout revokes the token at the OP (RFC 7009), authenticating as the confidential client.
		err = s.Logout(ctx)
		if s.LoggedIn() {
			t.Error("still logged in after Logout")
		}
		var e *client.Error
		switch {
		case err == nil:
			if code := getJSON(ctx, t, issuer+"/userinfo", tok, nil); code == http.StatusOK {
				t.Error("the OP still honours the token after Logout")
			}
		case errors.As(err, &e) && e.Detail == "token was not issued for this client":
			// Quirk of the example storage: CreateAccessToken stores device-grant tokens with no client
			// (ApplicationID ""), so its RevokeToken refuses them to every client. The kiosk did get past
			// client authentication (without credentials the OP says "invalid authorization").
			t.Logf("Logout: the example OP cannot revoke device-grant tokens: %v (%s)", err, e.Detail)
		default:
			detail := ""
			if e != nil {
				detail = e.Detail
			}
			t.Errorf("Logout: %v (%q)", err, detail)
		}
	})

	t.Run("deny", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		c, _ := newKiosk(t)

		l, err := c.StartLogin(ctx, "Servicetorget")
		if err != nil {
			t.Fatalf("StartLogin: %v", err)
		}
		checkLogin(t, issuer, l)

		// The citizen scans the QR code (the complete URI, code included) and declines.
		phone := newPhone(t)
		page := phone.get(ctx, l.VerificationURIComplete)
		page = phone.submit(ctx, page, map[string]string{"username": username, "password": password})
		page = phone.follow(ctx, page, "Deny")
		if !strings.Contains(page.text, "Device authorization denied") {
			t.Fatalf("denial not accepted:\n%s", page.text)
		}

		s, err := l.Wait(ctx)
		if !errors.Is(err, client.ErrLoginDenied) {
			t.Fatalf("Wait after denial = %v, %v; want ErrLoginDenied", s, err)
		}
	})
}

func checkLogin(t *testing.T, issuer string, l *client.Login) {
	t.Helper()
	if !regexp.MustCompile(`^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$`).MatchString(l.UserCode) {
		t.Errorf("user code %q is not the OP's base-20 XXXX-XXXX", l.UserCode)
	}
	if want := issuer + "/device"; l.VerificationURI != want {
		t.Errorf("VerificationURI = %q, want %q", l.VerificationURI, want)
	}
	if want := issuer + "/device?user_code=" + l.UserCode; l.VerificationURIComplete != want {
		t.Errorf("VerificationURIComplete = %q, want %q", l.VerificationURIComplete, want)
	}
	if l.Interval != 5*time.Second {
		t.Errorf("Interval = %v, want the OP's 5s", l.Interval)
	}
	if d := time.Until(l.Expiry); d < 4*time.Minute || d > 5*time.Minute {
		t.Errorf("Expiry in %v, want about the OP's 5m", d)
	}
}

// interopUsers is the example OP's user store, keyed by username; each user's ID is its username.
type interopUsers map[string]*storage.User

func (u interopUsers) GetUserByID(id string) *storage.User             { return u[id] }
func (u interopUsers) GetUserByUsername(username string) *storage.User { return u[username] }
func (u interopUsers) ExampleClientID() string                         { return storage.ServiceUserID }

// tokenRecorder notes the access token of a successful token response on its way to the kiosk, so the test
// can check it at the OP (a Session does not hand its token out).
type tokenRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	tok  string
}

func (r *tokenRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || req.URL.Path != "/oauth/token" {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(body, &t) == nil && t.AccessToken != "" {
		r.mu.Lock()
		r.tok = t.AccessToken
		r.mu.Unlock()
	}
	return resp, nil
}

func (r *tokenRecorder) accessToken() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tok
}

// getJSON GETs rawURL with a bearer token and, on 200, decodes the answer into out (when not nil).
func getJSON(ctx context.Context, t *testing.T, rawURL, bearer string, out any) (status int) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v\n%s", rawURL, err, body)
		}
	}
	return resp.StatusCode
}

// phone is the citizen's browser: a cookie jar, and forms filled in as the OP's HTML defines them.
type phone struct {
	t  *testing.T
	hc *http.Client
}

type webPage struct {
	url  *url.URL
	text string
	doc  *html.Node
}

func newPhone(t *testing.T) *phone {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &phone{t: t, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (p *phone) get(ctx context.Context, rawURL string) *webPage {
	p.t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	return p.do(req)
}

func (p *phone) do(req *http.Request) *webPage {
	p.t.Helper()
	resp, err := p.hc.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%s %s: %s\n%s", req.Method, req.URL, resp.Status, body)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		p.t.Fatalf("%s: %v", resp.Request.URL, err)
	}
	return &webPage{url: resp.Request.URL, text: string(body), doc: doc}
}

// submit fills in the page's one form: its hidden inputs as given by the OP, the other named inputs from
// values (each must exist), and sends it with the form's method to its action.
func (p *phone) submit(ctx context.Context, page *webPage, values map[string]string) *webPage {
	p.t.Helper()
	form := findAll(page.doc, func(n *html.Node) bool { return n.Data == "form" })
	if len(form) != 1 {
		p.t.Fatalf("%s: want one form, found %d:\n%s", page.url, len(form), page.text)
	}
	data := url.Values{}
	seen := map[string]bool{}
	for _, in := range findAll(form[0], func(n *html.Node) bool { return n.Data == "input" }) {
		name := attr(in, "name")
		if name == "" {
			continue
		}
		seen[name] = true
		if v, ok := values[name]; ok {
			data.Set(name, v)
		} else {
			data.Set(name, attr(in, "value"))
		}
	}
	for name := range values {
		if !seen[name] {
			p.t.Fatalf("%s: the form has no input %q:\n%s", page.url, name, page.text)
		}
	}
	action, err := page.url.Parse(attr(form[0], "action")) // an empty action posts back to the page itself
	if err != nil {
		p.t.Fatal(err)
	}
	method := strings.ToUpper(attr(form[0], "method"))
	if method == "" {
		method = http.MethodGet
	}
	var req *http.Request
	if method == http.MethodGet {
		action.RawQuery = data.Encode()
		req, err = http.NewRequestWithContext(ctx, method, action.String(), nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, method, action.String(), strings.NewReader(data.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		p.t.Fatal(err)
	}
	return p.do(req)
}

var locationHref = regexp.MustCompile(`location\.href\s*=\s*'([^']*)'`)

// follow presses the button labelled label, which the OP wires as onclick="location.href='…'".
func (p *phone) follow(ctx context.Context, page *webPage, label string) *webPage {
	p.t.Helper()
	for _, b := range findAll(page.doc, func(n *html.Node) bool { return n.Data == "button" }) {
		if strings.TrimSpace(textOf(b)) != label {
			continue
		}
		m := locationHref.FindStringSubmatch(attr(b, "onclick"))
		if m == nil {
			p.t.Fatalf("%s: button %q has no location.href: %q", page.url, label, attr(b, "onclick"))
		}
		target, err := page.url.Parse(m[1])
		if err != nil {
			p.t.Fatal(err)
		}
		return p.get(ctx, target.String())
	}
	p.t.Fatalf("%s: no button %q:\n%s", page.url, label, page.text)
	return nil
}

func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
