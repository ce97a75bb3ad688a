package testop

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

// A Phone is the citizen's browser: a plain net/http client with a cookie jar that fills in the OP's own
// HTML forms, knowing nothing of the OP but its pages. It is safe to use from another goroutine than the
// test's (its methods return errors instead of failing the test).
type Phone struct {
	hc *http.Client
}

// NewPhone returns a phone with an empty cookie jar.
func NewPhone() *Phone {
	jar, _ := cookiejar.New(nil)
	return &Phone{hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// Approve opens uri (the kiosk's verification_uri, or verification_uri_complete from the QR code), types
// userCode if the OP asks for a code, logs in as u and presses Allow.
func (p *Phone) Approve(ctx context.Context, uri, userCode string, u User) error {
	return p.answer(ctx, uri, userCode, u, "Allow", "Device authorization allowed.")
}

// Deny is Approve pressing Deny.
func (p *Phone) Deny(ctx context.Context, uri, userCode string, u User) error {
	return p.answer(ctx, uri, userCode, u, "Deny", "Device authorization denied.")
}

func (p *Phone) answer(ctx context.Context, uri, userCode string, u User, button, want string) error {
	page, err := p.get(ctx, uri)
	if err != nil {
		return err
	}
	if f := page.form(); f != nil && f.hasInput("user_code", "text") {
		if userCode == "" {
			return fmt.Errorf("phone: %s asks for the code and none was given", page.url)
		}
		if page, err = p.submit(ctx, page, f, map[string]string{"user_code": userCode}, nil); err != nil {
			return err
		}
	}
	f := page.form()
	if f == nil || !f.hasInput("username", "") || !f.hasInput("password", "") {
		return fmt.Errorf("phone: %s: no login form:\n%s", page.url, page.text)
	}
	if page, err = p.submit(ctx, page, f, map[string]string{"username": u.Username, "password": u.Password}, nil); err != nil {
		return err
	}
	f = page.form()
	if f == nil {
		return fmt.Errorf("phone: %s: no confirm form:\n%s", page.url, page.text)
	}
	b := f.button(button)
	if b == nil {
		return fmt.Errorf("phone: %s: no button %q:\n%s", page.url, button, page.text)
	}
	if page, err = p.submit(ctx, page, f, nil, b); err != nil {
		return err
	}
	if !strings.Contains(page.text, want) {
		return fmt.Errorf("phone: %s: want %q:\n%s", page.url, want, page.text)
	}
	return nil
}

type webPage struct {
	url  *url.URL
	text string
	doc  *html.Node
}

type webForm struct{ n *html.Node }

func (p *Phone) get(ctx context.Context, rawURL string) (*webPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	return p.do(req)
}

func (p *Phone) do(req *http.Request) (*webPage, error) {
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("phone: %s %s: %w", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("phone: %s %s: %w", req.Method, req.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("phone: %s %s: %s\n%s", req.Method, req.URL, resp.Status, body)
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("phone: %s: %w", resp.Request.URL, err)
	}
	return &webPage{url: resp.Request.URL, text: string(body), doc: doc}, nil
}

// form returns the page's form when it has exactly one.
func (pg *webPage) form() *webForm {
	fs := elements(pg.doc, "form")
	if len(fs) != 1 {
		return nil
	}
	return &webForm{fs[0]}
}

// hasInput reports whether the form has an input named name (of type typ, when not empty).
func (f *webForm) hasInput(name, typ string) bool {
	for _, in := range elements(f.n, "input") {
		if attr(in, "name") == name && (typ == "" || strings.EqualFold(attr(in, "type"), typ)) {
			return true
		}
	}
	return false
}

// button returns the submit button labelled label.
func (f *webForm) button(label string) *html.Node {
	for _, b := range elements(f.n, "button") {
		if strings.TrimSpace(textOf(b)) == label {
			return b
		}
	}
	return nil
}

// submit sends the form as a browser would: its inputs with their values (hidden ones as the OP gave
// them), values for the named inputs (each must exist), and the pressed button's name=value.
func (p *Phone) submit(ctx context.Context, pg *webPage, f *webForm, values map[string]string, pressed *html.Node) (*webPage, error) {
	data := url.Values{}
	seen := map[string]bool{}
	for _, in := range elements(f.n, "input") {
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
			return nil, fmt.Errorf("phone: %s: the form has no input %q", pg.url, name)
		}
	}
	if pressed != nil && attr(pressed, "name") != "" {
		data.Set(attr(pressed, "name"), attr(pressed, "value"))
	}
	action, err := pg.url.Parse(attr(f.n, "action"))
	if err != nil {
		return nil, err
	}
	var req *http.Request
	if strings.EqualFold(attr(f.n, "method"), http.MethodPost) {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(data.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		action.RawQuery = data.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, action.String(), nil)
	}
	if err != nil {
		return nil, err
	}
	return p.do(req)
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

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}
