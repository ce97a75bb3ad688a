package backend_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// contractOp is one person-scoped operation as the contract declares it.
type contractOp struct {
	id, method, path string    // path with {personId} and the other parameters left in
	scope            api.Scope // "" when the operation needs no particular scope
	selfOnly         bool
	op               *openapi3.Operation
}

// scopeOfTag maps the contract's tags to the fullmakt scope an operation needs.
var scopeOfTag = map[string]api.Scope{
	"messages":     api.Messages,
	"appointments": api.Appointments,
	"settings":     api.Settings,
	"fullmakt":     api.Settings,
	"me":           "",
}

// bodies holds a valid request body for every person-scoped operation that takes one.
var bodies = map[string]func() any{
	"createThread": func() any {
		return api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "Spørsmål", Body: "Hei!"}
	},
	"replyToThread":       func() any { return api.NewMessage{Body: "Takk!"} },
	"requestCancellation": func() any { return api.CancellationRequest{Reason: api.Ill} },
	"requestChange":       func() any { c := "Helst etter klokka 9"; return api.ChangeRequest{Comment: &c} },
	"putNotificationSettings": func() any {
		return api.NotificationSettingsUpdate{Channel: api.Email}
	},
	"grantFullmakt": func() any {
		return api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: olaNIN(), Scopes: []api.Scope{api.Messages}}
	},
}

// queries holds values for required query parameters, by name.
var queries = map[string]string{"from": "2026-03-01", "to": "2026-04-01"}

// contractOps loads api.Spec with kin-openapi and returns every operation on a path with {personId}. It fails
// the test for an operation it cannot build a request for, so a new endpoint is never skipped silently.
func contractOps(t *testing.T) []contractOp {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ops []contractOp
	for path, item := range doc.Paths.Map() {
		if !strings.Contains(path, "{personId}") {
			continue
		}
		for method, op := range item.Operations() {
			c := contractOp{id: op.OperationID, method: method, path: path, op: op}
			known := false
			for _, tag := range op.Tags {
				if s, ok := scopeOfTag[tag]; ok {
					c.scope, known = s, true
				}
			}
			if !known {
				t.Errorf("%s %s (%s): no tag says which scope it needs (tags %v): add it to scopeOfTag", method, path, op.OperationID, op.Tags)
				continue
			}
			c.selfOnly = strings.Contains(op.Description, "acting for themself") || strings.Contains(op.Summary, "acting for themself")
			if rb := op.RequestBody; rb != nil && rb.Value != nil && rb.Value.Required && bodies[op.OperationID] == nil {
				t.Errorf("%s: takes a request body and has no case in bodies", op.OperationID)
				continue
			}
			for _, p := range op.Parameters {
				if p.Value.In == "query" && p.Value.Required && queries[p.Value.Name] == "" {
					t.Errorf("%s: required query parameter %q has no case in queries", op.OperationID, p.Value.Name)
				}
			}
			ops = append(ops, c)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	if len(ops) < 15 {
		t.Fatalf("only %d person-scoped operations in the contract", len(ops))
	}
	return ops
}

// url fills the path's parameters for person pid and adds the required query parameters.
func (c contractOp) url(t *testing.T, pid string) string {
	t.Helper()
	p := strings.ReplaceAll(c.path, "{personId}", url.PathEscape(pid))
	fill := map[string]string{
		"{threadId}":      orNone(threadOf[pid]),
		"{appointmentId}": orNone(apptOf[pid]),
		"{fullmaktId}":    "f-ingrid-kari",
	}
	for k, v := range fill {
		p = strings.ReplaceAll(p, k, v)
	}
	if strings.Contains(p, "{") {
		t.Fatalf("%s: path %s has a parameter without a case", c.id, p)
	}
	q := url.Values{}
	for _, prm := range c.op.Parameters {
		if prm.Value.In == "query" && prm.Value.Required {
			q.Set(prm.Value.Name, queries[prm.Value.Name])
		}
	}
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

func (c contractOp) body() any {
	if f := bodies[c.id]; f != nil {
		return f()
	}
	return nil
}

func wantOneOf(t *testing.T, res *http.Response, b []byte, statuses ...int) {
	t.Helper()
	for _, s := range statuses {
		if res.StatusCode == s {
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%d with Content-Type %q", res.StatusCode, ct)
			}
			return
		}
	}
	t.Errorf("%s %s: status %d, want one of %v: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, statuses, b)
}

// TestAccessControlFromContract walks every person-scoped operation of the contract: another person's ID
// without fullmakt is 403/404, a fullmakt without the needed scope is 403, and an expired, revoked, forged or
// missing token is 401. Refused writes store nothing.
func TestAccessControlFromContract(t *testing.T) {
	ops := contractOps(t)
	clk := backendtest.NewClock(testNow)
	op := newFakeOP(t) // an independent OP the backend trusts, on the backend's clock
	op.now = clk.Now
	e := backendtest.New(t, backendtest.WithClock(clk), backendtest.WithConfig(func(c *backend.Config) { c.TrustIssuers = []string{op.URL} }))
	ingrid := e.Token(t, backend.DemoIngrid)
	kari := e.Token(t, backend.DemoKari) // fullmakt from Ingrid: messages, appointments
	// Ola gets a fullmakt from Ingrid for settings only.
	res, b := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/fullmakt", ingrid,
		api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: olaNIN(), Scopes: []api.Scope{api.Settings}})
	wantStatus(t, res, b, http.StatusCreated)
	ola := e.Token(t, backend.DemoOla)
	// A token for Ingrid signed with a key of its own, claiming the backend's issuer.
	ingridNIN := nationalID(t, backend.DemoIngrid)
	forged := forgeToken(t, e.URL, e.URL, ingridNIN, backend.ACRHigh, time.Hour)
	// Tokens that verify but are refused: each with its code.
	refusedTokens := []struct {
		name, token string
		status      int
		code        string
	}{
		{"substantial level", op.token(t, e.URL, ingridNIN, backend.ACRSubstantial, nil), 401, "insufficient_user_authentication"},
		{"another audience", op.token(t, "https://other.test", ingridNIN, backend.ACRHigh, nil), 401, "wrong_audience"},
		{"pid of nobody", op.token(t, e.URL, "01010012345", backend.ACRHigh, nil), 401, "unknown_person"},
		{"kiosk token (no pid)", e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret), 401, "pid_missing"},
		{"under age (Emma)", e.Token(t, backend.DemoEmma), 403, "under_age"},
	}
	// holders of a fullmakt for Ingrid that lacks a scope
	lacking := map[api.Scope]string{api.Messages: ola, api.Appointments: ola, api.Settings: kari}

	covered := map[string][]string{}
	for _, op := range ops {
		t.Run(op.id, func(t *testing.T) {
			do := func(tok, pid string) (*http.Response, []byte) {
				t.Helper()
				before := dbState(t, e)
				res, b := e.Do(t, op.method, op.url(t, pid), tok, op.body())
				if res.StatusCode >= 400 {
					if after := dbState(t, e); !sameState(before, after) {
						t.Errorf("refused with %d, but the database changed", res.StatusCode)
					}
				}
				return res, b
			}
			// Another person, no fullmakt.
			for _, pid := range []string{backend.DemoOla, backend.DemoEmma, "p-nobody"} {
				res, b := do(ingrid, pid)
				wantOneOf(t, res, b, http.StatusForbidden, http.StatusNotFound)
			}
			covered[op.id] = append(covered[op.id], "other person")
			// A fullmakt without the scope.
			switch {
			case op.selfOnly:
				for _, tok := range []string{kari, ola} {
					res, b := do(tok, backend.DemoIngrid)
					wantProblem(t, res, b, http.StatusForbidden, "self_only")
				}
				covered[op.id] = append(covered[op.id], "fullmakt (self only)")
			case op.scope != "":
				res, b := do(lacking[op.scope], backend.DemoIngrid)
				wantProblem(t, res, b, http.StatusForbidden, "scope_missing")
				covered[op.id] = append(covered[op.id], "fullmakt without "+string(op.scope))
			default:
				// Needs no particular scope: any fullmakt reaches it.
				res, b := do(ola, backend.DemoIngrid)
				if res.StatusCode/100 != 2 {
					t.Errorf("an operation needing no scope refused a fullmakt holder: %d %s", res.StatusCode, b)
				}
				covered[op.id] = append(covered[op.id], "fullmakt (no scope needed)")
			}
			// No token, a forged one.
			res, b := do("", backend.DemoIngrid)
			wantProblem(t, res, b, http.StatusUnauthorized, "unauthorized")
			for _, tok := range []string{"not-a-token", strings.Repeat("A", 43), forged} {
				res, b := do(tok, backend.DemoIngrid)
				wantProblem(t, res, b, http.StatusUnauthorized, "token_invalid")
			}
			covered[op.id] = append(covered[op.id], "no or forged token")
			for _, rt := range refusedTokens {
				res, b := do(rt.token, backend.DemoIngrid)
				wantProblem(t, res, b, rt.status, rt.code)
				if rt.code == "insufficient_user_authentication" && !strings.Contains(res.Header.Get("WWW-Authenticate"), `acr_values="idporten-loa-high"`) {
					t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
				}
			}
			covered[op.id] = append(covered[op.id], "substantial level, other audience, unknown pid, no pid, under age")
		})
	}

	// Ingrid withdraws her consent: Kari's fullmakt no longer reaches her (consent_required naming Ingrid)
	// wherever the fullmakt would have; Ingrid herself gets consent_required without a person.
	res, b = e.Do(t, http.MethodDelete, "/v1/consent", ingrid, nil)
	wantStatus(t, res, b, http.StatusOK)
	for _, op := range ops {
		res, b := e.Do(t, op.method, op.url(t, backend.DemoIngrid), kari, op.body())
		switch {
		case op.selfOnly:
			wantProblem(t, res, b, http.StatusForbidden, "self_only")
		case op.scope == api.Settings:
			wantProblem(t, res, b, http.StatusForbidden, "scope_missing")
		default:
			p := wantProblem(t, res, b, http.StatusForbidden, "consent_required")
			if p.Person == nil || *p.Person != backend.DemoIngrid {
				t.Errorf("%s: consent_required names %v, want %s", op.id, p.Person, backend.DemoIngrid)
			}
			covered[op.id] = append(covered[op.id], "consent of the person acted for withdrawn")
		}
		res, b = e.Do(t, op.method, op.url(t, backend.DemoIngrid), ingrid, op.body())
		if p := wantProblem(t, res, b, http.StatusForbidden, "consent_required"); p.Person != nil {
			t.Errorf("%s: own consent missing names %s", op.id, *p.Person)
		}
	}
	res, b = e.Do(t, http.MethodPut, "/v1/consent", ingrid, api.ConsentGive{TermsVersion: backend.TermsVersion})
	wantStatus(t, res, b, http.StatusOK)

	// A revoked token.
	revoked := e.Token(t, backend.DemoIngrid)
	res, b = postForm(t, e, "/oauth/revoke", url.Values{"token": {revoked}, "client_id": {backend.ClientID}})
	wantStatus(t, res, b, http.StatusOK)
	for _, op := range ops {
		res, b := e.Do(t, op.method, op.url(t, backend.DemoIngrid), revoked, op.body())
		wantProblem(t, res, b, http.StatusUnauthorized, "token_invalid")
		covered[op.id] = append(covered[op.id], "revoked token")
	}
	// An expired token (the backend's clock passes the token's 5 minutes).
	expiring := e.Token(t, backend.DemoIngrid)
	clk.Advance(6 * time.Minute)
	for _, op := range ops {
		res, b := e.Do(t, op.method, op.url(t, backend.DemoIngrid), expiring, op.body())
		wantProblem(t, res, b, http.StatusUnauthorized, "token_expired")
		covered[op.id] = append(covered[op.id], "expired token")
	}
	for _, op := range ops {
		if len(covered[op.id]) < 5 {
			t.Errorf("%s: only covered by %v", op.id, covered[op.id])
		}
		t.Logf("%-24s %-7s %-12s %s", op.id, op.method, op.scope, strings.Join(covered[op.id], ", "))
	}
}
