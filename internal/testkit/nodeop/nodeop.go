// Package nodeop is test support: a second, independent OpenID Provider for interop tests, besides
// internal/testkit/testop (zitadel's op). It is panva's oidc-provider – a certified, standards-strict
// implementation on Node.js – configured as a municipality's broker in front of ID-porten: the device flow,
// the authorization code flow with PKCE (S256 required), JWT access tokens (RFC 9068, typ at+jwt) for the
// API as a resource indicator (RFC 8707) carrying pid and acr, refresh tokens (offline_access only with
// prompt=consent in the code flow, OpenID Connect Core 11), revocation (RFC 7009; a JWT access token it
// will not revoke: 400 unsupported_token_type), introspection, client credentials, iss on the
// authorization response (RFC 9207), and its own login and consent pages.
//
// The package's js directory holds the OP (op.mjs) and package.json with package-lock.json pinning
// oidc-provider's version. On first use, Start installs them with `npm ci` into a cache directory
// (os.UserCacheDir()/helsekiosk/nodeop-<hash of the lock file>, under a file lock, so parallel test
// binaries install once) – never into the source tree – and runs `node` on op.mjs there, on a free port
// on 127.0.0.1. The OP prints one JSON line per event (logins, consent, grants, refresh, revocation,
// errors; never a token), which Events and WaitFor read and the test's log shows.
//
// Without node or npm the tests that need it skip, except under CI=true, where they fail
// (scripts/deps.sh --test installs nodejs and npm).
package nodeop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

//go:embed js/package.json js/package-lock.json js/op.mjs
var jsFiles embed.FS

// ACR values of ID-porten.
const (
	ACRHigh        = "idporten-loa-high"
	ACRSubstantial = "idporten-loa-substantial"
)

// A User is a persona of the OP's login page: sub = Username, pid (when not empty) and the login's acr.
type User struct {
	Username string `json:"username"`
	PID      string `json:"pid,omitempty"`
	ACR      string `json:"acr"`
}

// A Client is an OAuth client registered at the OP (oidc-provider's client metadata, RFC 7591 names).
// A confidential client has a Secret (client_secret_basic); a public one (Secret empty) is a native app
// whose loopback redirect URIs match any port (RFC 8252 7.3).
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
	GrantTypes   []string // default: device_code, refresh_token, and with RedirectURIs authorization_code; client_credentials for a confidential client
}

// GrantDevice is the device flow's grant type (RFC 8628).
const GrantDevice = "urn:ietf:params:oauth:grant-type:device_code"

func (c Client) metadata() map[string]any {
	m := map[string]any{"client_id": c.ID}
	grants := c.GrantTypes
	if grants == nil {
		grants = []string{GrantDevice, "refresh_token"}
		if c.Secret != "" {
			grants = append(grants, "client_credentials")
		}
		if len(c.RedirectURIs) > 0 {
			grants = append(grants, "authorization_code")
		}
	}
	m["grant_types"] = grants
	if len(c.RedirectURIs) > 0 {
		m["redirect_uris"] = c.RedirectURIs
		m["response_types"] = []string{"code"}
	} else {
		m["redirect_uris"] = []string{}
		m["response_types"] = []string{}
	}
	if c.Secret != "" {
		m["client_secret"] = c.Secret
		m["token_endpoint_auth_method"] = "client_secret_basic"
	} else {
		m["token_endpoint_auth_method"] = "none"
		m["application_type"] = "native"
	}
	return m
}

// Config is the OP's set-up.
type Config struct {
	Users   []User
	Clients []Client
	// Resource is the API's resource indicator (an absolute URI), the access tokens' aud: the backend's
	// --audience and the kiosk's --resource. It is also the default resource.
	Resource string
	// ResourceScope are the API's scopes (default "helsekiosk kiosk").
	ResourceScope string
	// AccessTokenLifetime is how long access tokens live (default 60 s; whole seconds).
	AccessTokenLifetime time.Duration
}

// An Event is one line the OP printed: its event name and fields (never a token).
type Event struct {
	Name   string
	Fields map[string]any
	Line   string
	At     time.Time
}

// Str is the field key as a string ("" when absent).
func (e Event) Str(key string) string {
	switch v := e.Fields[key].(type) {
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case float64:
		return fmt.Sprint(v)
	}
	return ""
}

// OP is a running oidc-provider.
type OP struct {
	Issuer string
	cfg    Config

	mu     sync.Mutex
	events []Event
	more   chan struct{} // closed and replaced at each event
	stderr bytes.Buffer
}

// Start installs oidc-provider (once per machine and lock file) and runs the OP for the test, stopped by
// t.Cleanup. Each line the OP prints is logged to t.
func Start(t testing.TB, cfg Config) *OP {
	t.Helper()
	dir := install(t)
	if cfg.AccessTokenLifetime == 0 {
		cfg.AccessTokenLifetime = time.Minute
	}
	var clients []map[string]any
	for _, c := range cfg.Clients {
		clients = append(clients, c.metadata())
	}
	conf, err := json.Marshal(map[string]any{
		"users": cfg.Users, "clients": clients, "resource": cfg.Resource, "resource_scope": cfg.ResourceScope,
		"access_ttl": int(cfg.AccessTokenLifetime / time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "op.mjs"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODEOP_CONFIG="+string(conf), "NODE_ENV=test")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	o := &OP{cfg: cfg, more: make(chan struct{})}
	cmd.Stderr = &lockedWriter{mu: &o.mu, w: &o.stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("nodeop: %v", err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) // its own process group: node and nothing else
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	issuer := make(chan string, 1)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil {
				continue
			}
			name, _ := m["event"].(string)
			delete(m, "event")
			if name == "listening" {
				s, _ := m["issuer"].(string)
				issuer <- s
				continue
			}
			o.mu.Lock()
			o.events = append(o.events, Event{Name: name, Fields: m, Line: line, At: time.Now()})
			close(o.more)
			o.more = make(chan struct{})
			o.mu.Unlock()
		}
		_ = cmd.Wait()
	}()
	select {
	case o.Issuer = <-issuer:
	case <-exited:
		t.Fatalf("nodeop: the OP exited at start:\n%s", o.Stderr())
	case <-time.After(2 * time.Minute):
		t.Fatalf("nodeop: the OP did not start:\n%s", o.Stderr())
	}
	t.Logf("nodeop: oidc-provider at %s (access tokens %d s)", o.Issuer, int(cfg.AccessTokenLifetime/time.Second))
	t.Cleanup(func() {
		for _, e := range o.Events() {
			t.Logf("nodeop: %s", e.Line)
		}
	})
	return o
}

// Stderr is what node wrote to its standard error (warnings).
func (o *OP) Stderr() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stderr.String()
}

// Events returns the OP's events so far, oldest first.
func (o *OP) Events() []Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Event(nil), o.events...)
}

// Count is how many events match.
func (o *OP) Count(match func(Event) bool) int {
	n := 0
	for _, e := range o.Events() {
		if match(e) {
			n++
		}
	}
	return n
}

// WaitFor waits until an event matches (ctx ends the wait) and returns it.
func (o *OP) WaitFor(ctx context.Context, match func(Event) bool) (Event, error) {
	for {
		o.mu.Lock()
		for _, e := range o.events {
			if match(e) {
				o.mu.Unlock()
				return e, nil
			}
		}
		more := o.more
		o.mu.Unlock()
		select {
		case <-more:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// Is matches events named name whose fields have the given values (as Str gives them).
func Is(name string, kv ...string) func(Event) bool {
	return func(e Event) bool {
		if e.Name != name {
			return false
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if e.Str(kv[i]) != kv[i+1] {
				return false
			}
		}
		return true
	}
}

// Introspect asks the OP's introspection endpoint (RFC 7662) whether token is active, as client c.
func (o *OP) Introspect(ctx context.Context, c Client, token, hint string) (bool, error) {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	if c.Secret == "" {
		form.Set("client_id", c.ID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Issuer+"/token/introspection", strings.NewReader(form.Encode()))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.Secret != "" {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var r struct {
		Active bool `json:"active"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil {
		return false, fmt.Errorf("nodeop: introspection: %s %s", resp.Status, b)
	}
	return r.Active, nil
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// install makes the cache directory with op.mjs and oidc-provider (npm ci, once) and returns it.
func install(t testing.TB) string {
	t.Helper()
	_, errNode := exec.LookPath("node")
	npm, errNPM := exec.LookPath("npm")
	if errNode != nil || errNPM != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("nodeop needs node and npm (scripts/deps.sh --test): %v %v", errNode, errNPM)
		}
		t.Skip("nodeop needs node and npm")
	}
	lock, _ := jsFiles.ReadFile("js/package-lock.json")
	pkg, _ := jsFiles.ReadFile("js/package.json")
	sum := sha256.Sum256(append(append([]byte{}, pkg...), lock...))
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "helsekiosk", "nodeop-"+hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// One installer at a time across test binaries (client and ui run in parallel).
	lf, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
	for _, name := range []string{"package.json", "package-lock.json", "op.mjs"} {
		b, _ := jsFiles.ReadFile("js/" + name)
		if old, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Equal(old, b) {
			continue
		}
		tmp := filepath.Join(dir, name+".tmp")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	done := filepath.Join(dir, "node_modules", ".helsekiosk-installed")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "true" && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Skipf("nodeop: npm ci timed out: %s", out)
		}
		t.Fatalf("nodeop: npm ci in %s: %v\n%s", dir, err, out)
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
