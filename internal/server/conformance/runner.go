// Package conformance is the conformance kit for implementations of the Helsekiosk contract
// (api/openapi.yaml): given test persons, tokens for them and the relations between them (Config), Run
// checks an implementation over HTTP – every answer against the contract (internal/server/contract), problems on
// errors, the access-control matrix, idempotency, paging, and the cancellation and reply rules – and
// returns a Report, a table of checks that pass, fail or were skipped. cmd/helsekiosk-conformance is its
// command line.
package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/contract"
)

// Status is a check's outcome.
type Status string

// The outcomes.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// Check is one line of the report.
type Check struct {
	Name   string
	Status Status
	Detail string
}

// Report is the outcome of a run.
type Report struct {
	Checks []Check
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Find returns the checks whose name contains s.
func (r *Report) Find(s string) []Check {
	var out []Check
	for _, c := range r.Checks {
		if strings.Contains(c.Name, s) {
			out = append(out, c)
		}
	}
	return out
}

// WriteTable prints the report as a table and a summary line.
func (r *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tCHECK\tDETAIL")
	n := map[Status]int{}
	for _, c := range r.Checks {
		n[c.Status]++
		d := strings.ReplaceAll(c.Detail, "\n", "; ")
		if len(d) > 400 {
			d = d[:400] + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Status, c.Name, d)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d checks: %d passed, %d failed, %d skipped\n", len(r.Checks), n[Pass], n[Fail], n[Skip])
}

// Options change how Run talks to the implementation.
type Options struct {
	// HTTPClient sends the requests (default: a client with a 30 s timeout that follows no redirect).
	HTTPClient *http.Client
	// Now is the kit's clock for the rules (default time.Now); give the backend's clock in tests.
	Now func() time.Time
	// Log receives progress lines (device logins waiting for someone); nil: discarded.
	Log io.Writer
	// PageSize is the limit used to walk threads and messages (default 2 and 3).
	ThreadPageSize, MessagePageSize int
}

type runner struct {
	cfg     Config
	opt     Options
	api     *url.URL
	hc      *http.Client
	v       *contract.Validator
	persons map[string]Person
	tokens  map[string]string

	mu         sync.Mutex
	checks     []Check
	exchanges  int
	errorsSeen int
	violations []string // contract violations (schema), by exchange
	problems   []string // errors that are not proper problems
	current    string

	// samples found while checking, by person name
	threads      map[string]string // a thread id of the person
	appointments map[string]string // an appointment id of the person
	wr           written           // what the write checks made
}

// Run checks the implementation cfg describes and returns the report. An error means the run could not
// start (a bad configuration, no token); failures of the implementation are in the report.
func Run(ctx context.Context, cfg Config, opt Options) (*Report, error) {
	if cfg.Issuer == "" {
		cfg.Issuer = cfg.API
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("conformance: configuration: %w", err)
	}
	u, err := url.Parse(strings.TrimRight(cfg.API, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("conformance: api URL %q is not an http(s) URL", cfg.API)
	}
	v, err := contract.Load()
	if err != nil {
		return nil, err
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	hc := *opt.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.ThreadPageSize <= 0 {
		opt.ThreadPageSize = 2
	}
	if opt.MessagePageSize <= 0 {
		opt.MessagePageSize = 3
	}
	r := &runner{cfg: cfg, opt: opt, api: u, hc: &hc, v: v, persons: map[string]Person{}, tokens: map[string]string{},
		threads: map[string]string{}, appointments: map[string]string{}}
	for _, p := range cfg.Persons {
		r.persons[p.Name] = p
	}
	for _, p := range cfg.Persons {
		if !p.hasCredentials() {
			continue
		}
		tok, err := r.login(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("conformance: token for %s: %w", p.Name, err)
		}
		r.tokens[p.Name] = tok
	}
	r.all(ctx)
	return &Report{Checks: r.checks}, nil
}

// abort ends a check early (from c.Fatalf and c.Skipf).
type abort struct{}

// C is the state of one check.
type C struct {
	mu    sync.Mutex
	name  string
	fails []string
	notes []string
	skip  string
}

// Errorf records a failure; the check goes on.
func (c *C) Errorf(format string, args ...any) {
	c.mu.Lock()
	c.fails = append(c.fails, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

// Fatalf records a failure and ends the check.
func (c *C) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	panic(abort{})
}

// Skipf ends the check as skipped.
func (c *C) Skipf(format string, args ...any) {
	c.skip = fmt.Sprintf(format, args...)
	panic(abort{})
}

// Notef adds a detail to a passing check.
func (c *C) Notef(format string, args ...any) {
	c.mu.Lock()
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

// check runs one check and records its line.
func (r *runner) check(name string, f func(c *C)) {
	c := &C{name: name}
	r.mu.Lock()
	r.current = name
	r.mu.Unlock()
	func() {
		defer func() {
			if p := recover(); p != nil {
				if _, ok := p.(abort); !ok {
					c.Errorf("panic: %v", p)
				}
			}
		}()
		f(c)
	}()
	out := Check{Name: name, Status: Pass, Detail: strings.Join(c.notes, "; ")}
	switch {
	case len(c.fails) > 0:
		out.Status, out.Detail = Fail, strings.Join(c.fails, "; ")
	case c.skip != "":
		out.Status, out.Detail = Skip, c.skip
	}
	r.mu.Lock()
	r.checks = append(r.checks, out)
	r.mu.Unlock()
}

// response is one answer.
type response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

func (res *response) String() string {
	return fmt.Sprintf("%s %s → %d", res.Method, res.Path, res.Status)
}

// problem decodes the answer as a problem (zero when it is not one).
func (res *response) problem() api.Problem {
	var p api.Problem
	_ = json.Unmarshal(res.Body, &p)
	return p
}

func (res *response) code() string {
	if p := res.problem(); p.Code != nil {
		return *p.Code
	}
	return ""
}

// do sends a request to the API (path relative to the API base, with its query) and validates the exchange
// against the contract. body is JSON-encoded unless nil; headers come as name, value pairs.
func (r *runner) do(ctx context.Context, c *C, method, path, token string, body any, headers ...string) *response {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			c.Fatalf("encode: %v", err)
		}
	}
	u := *r.api
	pathOnly, query, _ := strings.Cut(path, "?")
	u.Path = r.api.Path + pathOnly
	u.RawQuery = query
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(raw))
	if err != nil {
		c.Fatalf("%s %s: %v", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	hres, err := r.hc.Do(req)
	if err != nil {
		c.Fatalf("%s %s: %v", method, path, err)
	}
	defer hres.Body.Close()
	b, err := io.ReadAll(hres.Body)
	if err != nil {
		c.Fatalf("%s %s: read: %v", method, path, err)
	}
	res := &response{Method: method, Path: path, Status: hres.StatusCode, Header: hres.Header, Body: b}
	vreq := req.Clone(ctx)
	got := r.v.Check(ctx, contract.Exchange{Request: vreq, ReqBody: raw, Path: pathOnly, Status: res.Status, Header: res.Header, Body: b})
	r.mu.Lock()
	r.exchanges++
	if res.Status >= 400 {
		r.errorsSeen++
	}
	where := fmt.Sprintf("%s (in %q)", res, r.current)
	if got.Request != nil {
		r.violations = append(r.violations, where+": the kit's request: "+got.Request.Error())
	}
	if got.Response != nil {
		r.violations = append(r.violations, where+": "+got.Response.Error())
	}
	if got.Problem != nil {
		r.problems = append(r.problems, where+": "+got.Problem.Error())
	}
	if res.Status >= 500 {
		r.problems = append(r.problems, where+": a server error")
	}
	r.mu.Unlock()
	return res
}

// get sends a GET and decodes a 200 into out, failing the check otherwise.
func (r *runner) get(ctx context.Context, c *C, path, token string, out any) {
	res := r.do(ctx, c, http.MethodGet, path, token, nil)
	if res.Status != http.StatusOK {
		c.Fatalf("%s: want 200: %.300s", res, res.Body)
	}
	if err := json.Unmarshal(res.Body, out); err != nil {
		c.Fatalf("%s: %v", res, err)
	}
}

func decodeInto[T any](c *C, res *response) T {
	var v T
	if err := json.Unmarshal(res.Body, &v); err != nil {
		c.Fatalf("%s: decode %T: %v: %.200s", res, v, err, res.Body)
	}
	return v
}

// wantStatus fails the check unless the answer has one of the statuses (and, for errors, the code when
// code is not "").
func wantStatus(c *C, res *response, code string, statuses ...int) bool {
	if !slices.Contains(statuses, res.Status) {
		c.Errorf("%s, want %v %s: %.200s", res, statuses, code, res.Body)
		return false
	}
	if code != "" && res.code() != code {
		c.Errorf("%s with code %q, want %q", res, res.code(), code)
		return false
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

// summary adds the checks that cover every exchange of the run.
func (r *runner) summary() {
	r.mu.Lock()
	n, nerr := r.exchanges, r.errorsSeen
	viol, probs := slices.Clone(r.violations), slices.Clone(r.problems)
	r.mu.Unlock()
	r.check(fmt.Sprintf("contract: every answer matches api/openapi.yaml (%d requests)", n), func(c *C) {
		for _, v := range viol {
			c.Errorf("%s", v)
		}
	})
	r.check(fmt.Sprintf("contract: every error is application/problem+json with a contract code (%d errors)", nerr), func(c *C) {
		for _, p := range probs {
			c.Errorf("%s", p)
		}
	})
}
