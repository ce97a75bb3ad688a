package backend

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/helsekiosk/helsekiosk/api"
)

// problemError is an RFC 9457 problem a handler answers with; its code is one of the contract's ProblemCode
// enum (TestProblemCodesInContract checks that no handler passes anything else).
type problemError struct {
	Status int
	Code   api.ProblemCode
	Title  string
	Detail string
	Field  string
	// Person is the person acted for whose consent is missing (consent_required).
	Person string
}

func (p *problemError) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Detail) }

func problem(status int, code api.ProblemCode, detail string) *problemError {
	return &problemError{Status: status, Code: code, Title: http.StatusText(status), Detail: detail}
}

func fieldProblem(status int, code api.ProblemCode, field, detail string) *problemError {
	p := problem(status, code, detail)
	p.Field = field
	return p
}

func badRequest(field, detail string) *problemError {
	return fieldProblem(http.StatusBadRequest, api.InvalidRequest, field, detail)
}

var errNotFound = problem(http.StatusNotFound, api.NotFound, "Not found.")

func problemBody(p *problemError, r *http.Request) []byte {
	typ := "about:blank"
	if p.Code != "" {
		typ = "urn:helsekiosk:problem:" + string(p.Code)
	}
	title := p.Title
	if title == "" {
		title = http.StatusText(p.Status)
	}
	out := api.Problem{Type: &typ, Title: title, Status: p.Status}
	if p.Detail != "" {
		out.Detail = &p.Detail
	}
	if p.Code != "" {
		code := string(p.Code)
		out.Code = &code
	}
	if p.Field != "" {
		out.Field = &p.Field
	}
	if p.Person != "" {
		out.Person = &p.Person
	}
	if r != nil {
		inst := r.URL.Path
		out.Instance = &inst
	}
	b, _ := json.Marshal(out)
	return b
}

func writeProblem(w http.ResponseWriter, r *http.Request, p *problemError) {
	if p.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		if p.Code == api.Unauthorized || p.Code == api.KioskRequired {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helsekiosk"`)
		} else {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helsekiosk", error="invalid_token"`)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(problemBody(p, r))
}

// writeErr answers err: a *problemError as itself, anything else as a logged 500.
func (s *Server) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var p *problemError
	if errors.As(err, &p) {
		writeProblem(w, r, p)
		return
	}
	var oe *oauthError
	if errors.As(err, &oe) {
		writeOAuthError(w, oe)
		return
	}
	if r.Context().Err() != nil {
		// The caller went away mid-request (a kiosk left the screen or logged out): not a server fault, and
		// nobody reads this answer.
		writeProblem(w, r, problem(http.StatusRequestTimeout, api.RequestCancelled, "The request was cancelled."))
		return
	}
	s.metrics.dbError(err)
	if kind, ok := dbUnavailable(err); ok {
		// A full disk, a read-only or failing database, a busy lock: not a bug, and it passes; tell the
		// caller (and the load balancer) to come back.
		s.log.Warn("database unavailable", "method", r.Method, "route", routeOf(r), "kind", kind, "err", err)
		writeUnavailable(w, r, "The service cannot store this now; try again shortly.")
		return
	}
	s.log.Error("internal error", "method", r.Method, "route", routeOf(r), "err", err)
	writeProblem(w, r, problem(http.StatusInternalServerError, api.Internal, "Something went wrong."))
}
