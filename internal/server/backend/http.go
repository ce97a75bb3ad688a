package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/helsekiosk/helsekiosk/api"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type ctxKey int

const rawBodyKey ctxKey = 1

// rawBody is the request body the middleware read (nil when there was none).
func rawBody(r *http.Request) []byte {
	b, _ := r.Context().Value(rawBodyKey).([]byte)
	return b
}

// decodeJSON decodes the request's JSON body strictly into v.
func decodeJSON(r *http.Request, v any) error {
	body := rawBody(r)
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("", "The request body is empty.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		field := ""
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			field = ute.Field
		} else if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
			field = strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		}
		return badRequest(field, "The request body is not valid: "+err.Error())
	}
	if dec.More() {
		return badRequest("", "Trailing data after the JSON body.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("", "Trailing data after the JSON body.")
	}
	return nil
}

// statusRecorder remembers the status (and the route template) for the access log and the metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	route  string
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

const routeKey ctxKey = 2

// routeOf is the request's route template (the contract's path, or a fixed name), never the raw path: the
// raw path holds ids, and logs and metrics take no ids.
func routeOf(r *http.Request) string {
	if rec, ok := r.Context().Value(routeKey).(*statusRecorder); ok && rec.route != "" {
		return rec.route
	}
	return "other"
}

// fixedRoute names the paths outside the contract for logs and metrics, from a closed set: a label
// value never comes from the request (issue 21: invented paths must not grow the metrics).
func fixedRoute(p string) string {
	switch {
	case p == "/device", p == "/staff", p == "/staff/handle", p == "/staff/logout", p == staffCallbackPath:
		return p
	case strings.HasPrefix(p, demoStaffIdPPath+"/"):
		return demoStaffIdPPath
	}
	return "other"
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wrote {
		s.status, s.wrote = http.StatusOK, true
	}
	return s.ResponseWriter.Write(b)
}

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	api.HandlerWithOptions(handler{s}, api.StdHTTPServerOptions{
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			field := ""
			var ipf *api.InvalidParamFormatError
			var rp *api.RequiredParamError
			var tm *api.TooManyValuesForParamError
			var ump *api.UnmarshalingParamError
			var rh *api.RequiredHeaderError
			switch {
			case errors.As(err, &ipf):
				field = ipf.ParamName
			case errors.As(err, &rp):
				field = rp.ParamName
			case errors.As(err, &tm):
				field = tm.ParamName
			case errors.As(err, &ump):
				field = ump.ParamName
			case errors.As(err, &rh):
				field = rh.ParamName
			}
			s.writeErr(w, r, badRequest(field, err.Error()))
		},
	})
	return s.middleware(mux)
}

func isOAuthPath(p string) bool { return strings.HasPrefix(p, "/oauth/") }

// middleware: recover, log, body limit and UTF-8 check, routing against the contract (404/405),
// content type (415) and request validation (400) before the generated router dispatches.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, route: fixedRoute(r.URL.Path)}
		r = r.WithContext(context.WithValue(r.Context(), routeKey, rec))
		closeIfChunked(rec, r)
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic", "method", methodLabel(r.Method), "route", rec.route, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if !rec.wrote {
					writeProblem(rec, r, problem(http.StatusInternalServerError, api.Internal, "Something went wrong."))
				}
			}
			d := time.Since(start)
			s.metrics.observe(rec.route, r.Method, rec.status, d)
			s.log.Info("request", "method", methodLabel(r.Method), "route", rec.route, "status", rec.status, "duration_ms", float64(d.Microseconds())/1000) // a fixed unit: operators parse it
		}()
		// No redirects: ServeMux would answer a path with an empty, "." or ".." segment
		// (/v1/persons//threads) with a 307 to the cleaned path; the contract knows no such path.
		if !cleanPath(r.URL.Path) {
			writeProblem(rec, r, problem(http.StatusNotFound, api.NotFound, "No such endpoint."))
			return
		}
		addr := clientAddr(r)
		if !s.limiter.acquire(addr) {
			s.metrics.throttled.Inc()
			writeThrottled(rec, r)
			return
		}
		defer s.limiter.release(addr)
		if p := checkHeaders(r); p != nil {
			s.inputError(rec, r, p)
			return
		}
		if p := checkQuery(r); p != nil {
			s.inputError(rec, r, p)
			return
		}
		s.serve(rec, withLang(r), next)
	})
}

// closeIfChunked closes the connection after the answer to a request that came with Transfer-Encoding
// (HTTP/1.1 chunked). RFC 9112 section 6.1: a request with both Transfer-Encoding and Content-Length may be
// served by its Transfer-Encoding alone, but the server MUST close the connection after answering it, since
// a front end that framed it by Content-Length would read the rest as a request of its own (smuggling).
// net/http frames such a request by Transfer-Encoding and deletes the Content-Length before any handler
// sees it, so the two cannot be told apart here: every chunked request gets "Connection: close", which
// net/http honours by closing once the answer is written. The kiosk and common clients send a
// Content-Length for the API's small bodies, so this costs a new connection only for the rare chunked one.
func closeIfChunked(w http.ResponseWriter, r *http.Request) {
	if len(r.TransferEncoding) > 0 {
		w.Header().Set("Connection", "close")
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	// The body: at most 64 KiB, valid UTF-8.
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		r.Body.Close()
		if err != nil {
			writeProblem(w, r, badRequest("", "The request body could not be read."))
			return
		}
		if len(b) > MaxBodyBytes {
			writeProblem(w, r, problem(http.StatusRequestEntityTooLarge, api.BodyTooLarge, "The request body is larger than 64 KiB."))
			return
		}
		body = b
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r = r.WithContext(context.WithValue(r.Context(), rawBodyKey, body))

	if hasNUL(r, body) {
		if strings.HasPrefix(r.URL.Path, "/oauth/") {
			writeOAuthError(w, oauthErr("invalid_request", "The request holds a NUL character."))
		} else {
			writeProblem(w, r, badRequest("", "The request holds a NUL character (U+0000)."))
		}
		return
	}
	if !utf8.Valid(body) {
		s.inputError(w, r, badRequest("", "The request body is not valid UTF-8."))
		return
	}
	if p := checkForm(r, body); p != nil {
		s.inputError(w, r, p)
		return
	}
	if r.URL.Path == "/device" {
		s.devicePage(w, r)
		return
	}

	route, pathParams, err := s.router.FindRoute(r)
	if err == nil {
		if rec, ok := r.Context().Value(routeKey).(*statusRecorder); ok {
			rec.route = route.Path
		}
	}
	if err != nil {
		switch {
		case errors.Is(err, routers.ErrMethodNotAllowed):
			var allow []string
			for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
				probe := r.Clone(r.Context())
				probe.Method = m
				if _, _, err := s.router.FindRoute(probe); err == nil {
					allow = append(allow, m)
				}
			}
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeProblem(w, r, problem(http.StatusMethodNotAllowed, api.MethodNotAllowed, "Method "+r.Method+" is not allowed here."))
		default:
			writeProblem(w, r, problem(http.StatusNotFound, api.NotFound, "No such endpoint."))
		}
		return
	}
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil {
		ct := r.Header.Get("Content-Type")
		if len(bytes.TrimSpace(body)) == 0 {
			if rb.Value.Required {
				s.inputError(w, r, badRequest("", "The request body is missing."))
				return
			}
		} else if mt, _, perr := mime.ParseMediaType(ct); perr != nil || rb.Value.Content.Get(mt) == nil {
			s.inputError(w, r, problem(http.StatusUnsupportedMediaType, api.UnsupportedMediaType, fmt.Sprintf("Content-Type %q is not accepted here.", ct)))
			return
		}
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults: true,
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		s.inputError(w, r, validationProblem(err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	next.ServeHTTP(w, r)
}

// inputError answers bad input: RFC 6749 errors on the OAuth endpoints, problems elsewhere.
func (s *Server) inputError(w http.ResponseWriter, r *http.Request, p *problemError) {
	if isOAuthPath(r.URL.Path) && p.Status == http.StatusBadRequest {
		writeOAuthError(w, &oauthError{Status: http.StatusBadRequest, Code: "invalid_request", Description: p.Detail})
		return
	}
	writeProblem(w, r, p)
}

var unsupportedProp = regexp.MustCompile(`^property "(.+)" is unsupported$`)

// validationProblem turns a kin-openapi validation error into a 400 problem naming the field.
func validationProblem(err error) *problemError {
	field := ""
	var reqErr *openapi3filter.RequestError
	if errors.As(err, &reqErr) && reqErr.Parameter != nil {
		field = reqErr.Parameter.Name
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		path := se.JSONPointer()
		if m := unsupportedProp.FindStringSubmatch(se.Reason); m != nil {
			path = append(path, m[1])
		}
		if len(path) > 0 {
			if field != "" {
				field += "." + strings.Join(path, ".")
			} else {
				field = strings.Join(path, ".")
			}
		}
	}
	detail := err.Error()
	if se != nil {
		detail = se.Reason
		if field != "" {
			detail = field + ": " + se.Reason
		}
	}
	if reqErr != nil && reqErr.Err == nil && reqErr.Reason != "" {
		detail = reqErr.Reason
	}
	return badRequest(field, detail)
}

func (s *Server) now() time.Time { return s.cfg.Now() }
