package conformance_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	"github.com/helsekiosk/helsekiosk/internal/server/conformance"
)

// A Wednesday at 16:00 in Oslo: the demo's Thursday-morning visit is past its deadline (Wednesday 15:00).
var wednesday = time.Date(2026, time.December, 2, 16, 0, 0, 0, workdays.Oslo)

// demoConfig describes the demo persons: Ingrid and Ola by pre-issued tokens, Kari by the demo device flow.
func demoConfig(t *testing.T, e *backendtest.Env, apiURL string) conformance.Config {
	return conformance.Config{
		API:    apiURL,
		Issuer: e.URL,
		Writer: "ingrid",
		Persons: []conformance.Person{
			{Name: "ingrid", ID: backend.DemoIngrid, Token: e.MintToken(t, backend.DemoIngrid)},
			{Name: "kari", ID: backend.DemoKari, Device: &conformance.DeviceLogin{ClientID: backend.ClientID, DemoApprove: true}},
			{Name: "ola", ID: backend.DemoOla, Token: e.MintToken(t, backend.DemoOla)},
			{Name: "emma", ID: backend.DemoEmma},
		},
		Relations: []conformance.Relation{
			{Actor: "ingrid", Person: "ingrid", Kind: conformance.Own},
			{Actor: "kari", Person: "kari", Kind: conformance.Own},
			{Actor: "kari", Person: "ingrid", Kind: conformance.Fullmakt, Scopes: []string{"messages", "appointments"}},
			{Actor: "ola", Person: "ola", Kind: conformance.Own},
			{Actor: "ola", Person: "emma", Kind: conformance.Child},
			{Actor: "ola", Person: "ingrid", Kind: conformance.Stranger},
			{Actor: "ingrid", Person: "kari", Kind: conformance.Stranger},
			{Actor: "kari", Person: "emma", Kind: conformance.Stranger},
		},
	}
}

func run(t *testing.T, e *backendtest.Env, clk *backendtest.Clock, apiURL string) *conformance.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := conformance.Run(ctx, demoConfig(t, e, apiURL), conformance.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	rep.WriteTable(&buf)
	t.Logf("\n%s", buf.String())
	return rep
}

// The reference backend passes every check, none skipped, on SQLite and on PostgreSQL (pgtest; skipped
// without it, except under CI=true).
func TestReferenceBackendConforms(t *testing.T) {
	backendtest.ForEachStore(t, func(t *testing.T, store backendtest.Option) { referenceBackendConforms(t, store) })
}

func referenceBackendConforms(t *testing.T, store backendtest.Option) {
	clk := backendtest.NewClock(wednesday)
	e := backendtest.New(t, backendtest.WithClock(clk), store)
	rep := run(t, e, clk, e.URL)
	for _, c := range rep.Checks {
		if c.Status != conformance.Pass {
			t.Errorf("%s %s: %s", c.Status, c.Name, c.Detail)
		}
	}
	if len(rep.Checks) < 20 {
		t.Errorf("only %d checks", len(rep.Checks))
	}
}

// leaky is a broken implementation: it checks that the token is valid but, for one thread, not that it
// reaches the person in the path – a stranger's GET of another person's thread answers 200.
func leaky(t *testing.T, e *backendtest.Env) *httptest.Server {
	u, _ := url.Parse(e.URL)
	proxy := httputil.NewSingleHostReverseProxy(u)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if r.Method == http.MethodGet && len(parts) == 5 && parts[0] == "v1" && parts[1] == "persons" && parts[3] == "threads" {
			rec := httptest.NewRecorder()
			proxy.ServeHTTP(rec, r.Clone(r.Context()))
			if rec.Code == http.StatusNotFound { // not the caller's: "whoever has a token may read it"
				if tok, err := e.Server.MintTestToken(r.Context(), parts[2]); err == nil {
					r.Header.Set("Authorization", "Bearer "+tok)
					proxy.ServeHTTP(w, r)
					return
				}
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		proxy.ServeHTTP(w, r)
	})
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// The broken double fails, with the stranger's access check named, while the rest still passes.
func TestLeakyBackendFails(t *testing.T) {
	clk := backendtest.NewClock(wednesday)
	e := backendtest.New(t, backendtest.WithClock(clk))
	rep := run(t, e, clk, leaky(t, e).URL)
	if !rep.Failed() {
		t.Fatal("the leaky backend passed")
	}
	var failed []string
	for _, c := range rep.Checks {
		if c.Status == conformance.Fail {
			failed = append(failed, c.Name)
		}
	}
	found := false
	for _, c := range rep.Find("ola stranger → ingrid: messages") {
		found = c.Status == conformance.Fail && strings.Contains(c.Detail, "/threads/") && strings.Contains(c.Detail, "→ 200")
	}
	if !found {
		t.Errorf("the check of ola as a stranger to ingrid did not fail on the thread; failed: %q", failed)
	}
	for _, c := range rep.Checks {
		if c.Status == conformance.Fail && !strings.Contains(c.Name, "stranger") {
			t.Errorf("%s failed too: %s", c.Name, c.Detail)
		}
	}
}

func TestConfigRefusesMistakes(t *testing.T) {
	cases := map[string]conformance.Config{
		"no api": {},
		"unknown person": {API: "http://x", Persons: []conformance.Person{{Name: "a", ID: "p-a", Token: "t"}},
			Relations: []conformance.Relation{{Actor: "a", Person: "b", Kind: conformance.Stranger}}},
		"actor without credentials": {API: "http://x", Persons: []conformance.Person{{Name: "a", ID: "p-a"}, {Name: "b", ID: "p-b"}},
			Relations: []conformance.Relation{{Actor: "a", Person: "b", Kind: conformance.Stranger}}},
		"fullmakt without scopes": {API: "http://x", Persons: []conformance.Person{{Name: "a", ID: "p-a", Token: "t"}, {Name: "b", ID: "p-b"}},
			Relations: []conformance.Relation{{Actor: "a", Person: "b", Kind: conformance.Fullmakt}}},
		"unknown scope": {API: "http://x", Persons: []conformance.Person{{Name: "a", ID: "p-a", Token: "t"}, {Name: "b", ID: "p-b"}},
			Relations: []conformance.Relation{{Actor: "a", Person: "b", Kind: conformance.Fullmakt, Scopes: []string{"everything"}}}},
	}
	for name, c := range cases {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, err := conformance.LoadConfig("testdata/example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("testdata/example.toml: %v", err)
	}
}

// A double whose thread pages lose unreadCount and whose refusals are plain text fails the contract checks.
func TestOffContractBackendFails(t *testing.T) {
	clk := backendtest.NewClock(wednesday)
	e := backendtest.New(t, backendtest.WithClock(clk))
	u, _ := url.Parse(e.URL)
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(res *http.Response) error {
		switch {
		case res.StatusCode == http.StatusOK && strings.HasSuffix(res.Request.URL.Path, "/threads"):
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			b = bytes.Replace(b, []byte(`"unreadCount":`), []byte(`"unread_count":`), 1)
			res.Body = io.NopCloser(bytes.NewReader(b))
			res.ContentLength = int64(len(b))
			res.Header.Set("Content-Length", strconv.Itoa(len(b)))
		case res.StatusCode == http.StatusUnauthorized:
			res.Body.Close()
			res.Body = io.NopCloser(strings.NewReader("no"))
			res.ContentLength = 2
			res.Header.Set("Content-Length", "2")
			res.Header.Set("Content-Type", "text/plain")
		}
		return nil
	}
	s := httptest.NewServer(proxy)
	t.Cleanup(s.Close)
	rep := run(t, e, clk, s.URL)
	for _, name := range []string{"contract: every answer matches", "contract: every error is application/problem+json"} {
		cs := rep.Find(name)
		if len(cs) != 1 || cs[0].Status != conformance.Fail {
			t.Errorf("%q did not fail: %+v", name, cs)
		}
	}
	if cs := rep.Find("contract: every answer matches"); len(cs) == 1 && !strings.Contains(cs[0].Detail, "unreadCount") {
		t.Errorf("the missing unreadCount is not reported: %s", cs[0].Detail)
	}
}

// A backend that answers 204 to POST /v1/logout but keeps serving the token fails the logout check, and only
// that one.
func TestLogoutIgnoredFails(t *testing.T) {
	clk := backendtest.NewClock(wednesday)
	e := backendtest.New(t, backendtest.WithClock(clk))
	u, _ := url.Parse(e.URL)
	proxy := httputil.NewSingleHostReverseProxy(u)
	deaf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/logout" {
			w.WriteHeader(http.StatusNoContent) // "logged out", and nothing recorded
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(deaf.Close)
	rep := run(t, e, clk, deaf.URL)
	var failed []string
	for _, c := range rep.Checks {
		if c.Status == conformance.Fail {
			failed = append(failed, c.Name)
		}
	}
	if len(failed) != 1 || !strings.HasPrefix(failed[0], "logout:") {
		t.Fatalf("failed checks %q, want only the logout check", failed)
	}
}
