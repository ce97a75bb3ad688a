package nodeop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// A Browser is the citizen's browser at the OP: a plain net/http client with a cookie jar that goes
// through the OP's own pages – the device flow's code confirmation (oidc-provider's form_post and confirm
// forms), the login page (a persona's button) and the consent page (Allow) – knowing nothing but what the
// pages hold. It is safe to use from another goroutine than the test's.
type Browser struct {
	hc *http.Client
	// Rewrite, when set, may change each redirect's target before the browser follows it (tests of a
	// client's checks of the OP's redirect: a forged iss).
	Rewrite func(*url.URL)
}

// NewBrowser returns a browser with an empty cookie jar.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{}
	b.hc = &http.Client{Jar: jar, Timeout: 15 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return fmt.Errorf("nodeop browser: too many redirects")
		}
		if b.Rewrite != nil {
			b.Rewrite(req.URL)
		}
		return nil
	}}
	return b
}

// A Visit is what the browser saw: the pages it went through ("code", "confirm", "login", "consent",
// "done", "redirect") and the last page's text.
type Visit struct {
	Steps []string
	Last  string
	URL   *url.URL
}

// Approve opens uri (verification_uri_complete from the kiosk's QR code, or an authorization URL), and
// goes on as u would: confirms the code, logs in as u, and allows the consent when asked. It ends at the
// device flow's "allowed" page or where the OP redirects back to the client (the kiosk's loopback page).
func (b *Browser) Approve(ctx context.Context, uri string, u User) (Visit, error) {
	return b.walk(ctx, uri, u, true)
}

// Deny is Approve pressing Deny on the login page.
func (b *Browser) Deny(ctx context.Context, uri string, u User) (Visit, error) {
	return b.walk(ctx, uri, u, false)
}

func (b *Browser) walk(ctx context.Context, uri string, u User, allow bool) (Visit, error) {
	var v Visit
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return v, err
	}
	for range 12 {
		pg, err := b.do(req)
		if err != nil {
			return v, err
		}
		v.Last, v.URL = pg.text, pg.url
		f := pg.form()
		switch {
		case strings.Contains(pg.text, "Device authorization allowed."):
			v.Steps = append(v.Steps, "done")
			return v, nil
		case f == nil:
			v.Steps = append(v.Steps, "redirect") // the client's page after the redirect
			return v, nil
		case strings.Contains(pg.text, "document.forms[0].submit()"):
			v.Steps = append(v.Steps, "code") // a form_post page a browser's script submits
			req, err = b.submit(ctx, pg, f, nil)
		case f.byID("user-"+u.Username) != nil:
			v.Steps = append(v.Steps, "login")
			btn := f.byID("user-" + u.Username)
			if !allow {
				btn = f.byID("deny")
			}
			req, err = b.submit(ctx, pg, f, btn)
		case f.byID("allow") != nil:
			v.Steps = append(v.Steps, "consent")
			req, err = b.submit(ctx, pg, f, f.byID("allow"))
		case attr(f.n, "id") == "op.deviceConfirmForm":
			v.Steps = append(v.Steps, "confirm")
			req, err = b.submit(ctx, pg, f, nil)
		default:
			return v, fmt.Errorf("nodeop browser: %s: a page it does not know:\n%s", pg.url, pg.text)
		}
		if err != nil {
			return v, err
		}
	}
	return v, fmt.Errorf("nodeop browser: too many pages, last %s", v.URL)
}

type webPage struct {
	url  *url.URL
	text string
	doc  *html.Node
}

type webForm struct{ n *html.Node }

func (b *Browser) do(req *http.Request) (*webPage, error) {
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("nodeop browser: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("nodeop browser: %s %s: %s\n%s", req.Method, resp.Request.URL.Path, resp.Status, body)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return &webPage{url: resp.Request.URL, text: string(body), doc: doc}, nil
}

// form returns the page's first form.
func (pg *webPage) form() *webForm {
	fs := elements(pg.doc, "form")
	if len(fs) == 0 {
		return nil
	}
	return &webForm{fs[0]}
}

func (f *webForm) byID(id string) *html.Node {
	for d := range f.n.Descendants() {
		if d.Type == html.ElementNode && attr(d, "id") == id {
			return d
		}
	}
	return nil
}

// submit builds the request of the form as a browser sends it: its inputs as given, and the pressed
// button's name=value.
func (b *Browser) submit(ctx context.Context, pg *webPage, f *webForm, pressed *html.Node) (*http.Request, error) {
	data := url.Values{}
	for _, in := range elements(f.n, "input") {
		if name := attr(in, "name"); name != "" {
			data.Set(name, attr(in, "value"))
		}
	}
	if pressed != nil && attr(pressed, "name") != "" {
		data.Set(attr(pressed, "name"), attr(pressed, "value"))
	}
	action, err := pg.url.Parse(attr(f.n, "action"))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(data.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.Data == tag {
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
