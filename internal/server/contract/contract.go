// Package contract checks HTTP exchanges against the Helsekiosk contract (api/openapi.yaml, embedded as
// api.Spec) with kin-openapi: that a request is an operation of the contract and valid, that its answer is
// one the operation may give, and that an error answer is an RFC 9457 problem whose code is one of the
// contract's ProblemCode enum. The reference backend's tests (backendtest, on the server side) and the
// conformance kit (internal/conformance, on the client side) share it.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/helsekiosk/helsekiosk/api"
)

// Validator checks exchanges against the contract. It is safe for concurrent use.
type Validator struct {
	router routers.Router
}

var (
	once    sync.Once
	shared  *Validator
	loadErr error
)

// Load returns the Validator of api.Spec (loaded and validated once).
func Load() (*Validator, error) {
	once.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
		if err != nil {
			loadErr = fmt.Errorf("contract: load: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			loadErr = fmt.Errorf("contract: invalid: %w", err)
			return
		}
		doc.Servers = nil // match on the path alone, whatever host serves it
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			loadErr = fmt.Errorf("contract: router: %w", err)
			return
		}
		shared = &Validator{router: r}
	})
	return shared, loadErr
}

// Exchange is one request and the answer to it.
type Exchange struct {
	// Request is the request; its Body is not read (ReqBody holds the body).
	Request *http.Request
	ReqBody []byte
	// Path, when not empty, is the request's path relative to the API's base URL (when the API does not
	// live at the root of its host); otherwise Request.URL.Path is used.
	Path   string
	Status int
	Header http.Header
	Body   []byte
}

// Result is what Check found; a nil error is a pass.
type Result struct {
	// Operation is the contract's operationId of the request ("" when none matched).
	Operation string
	// Request: the request is not an operation of the contract, or breaks its parameters or body schema.
	Request error
	// Response: the answer is not one the operation may give (status, Content-Type, body schema).
	Response error
	// Problem: an error answer (4xx, 5xx) that is not application/problem+json (RFC 6749 errors as
	// application/json are allowed under /oauth/), or whose code is not in the ProblemCode enum.
	Problem error
}

// Err joins the result's errors, nil when it all passed.
func (r Result) Err() error {
	var parts []string
	for _, e := range []error{r.Request, r.Response, r.Problem} {
		if e != nil {
			parts = append(parts, e.Error())
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

// Check validates one exchange.
func (v *Validator) Check(ctx context.Context, ex Exchange) Result {
	var res Result
	vr := ex.Request.Clone(ctx)
	body := ex.ReqBody
	vr.Body = io.NopCloser(bytes.NewReader(body))
	vr.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	path := ex.Path
	if path == "" {
		path = ex.Request.URL.Path
	}
	u := *vr.URL
	u.Path, u.RawPath = path, ""
	vr.URL = &u
	route, params, err := v.router.FindRoute(vr)
	var in *openapi3filter.RequestValidationInput
	if err != nil {
		res.Request = fmt.Errorf("not an operation of the contract: %w", err)
	} else {
		res.Operation = route.Operation.OperationID
		in = &openapi3filter.RequestValidationInput{
			Request: vr, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true},
		}
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			res.Request = fmt.Errorf("request breaks the contract: %w", err)
		}
	}
	if in != nil {
		rin := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 ex.Status,
			Header:                 ex.Header,
			Options:                &openapi3filter.Options{IncludeResponseStatus: false},
		}
		rin.SetBodyBytes(ex.Body)
		if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
			res.Response = fmt.Errorf("response %d breaks the contract: %w", ex.Status, err)
		}
	}
	if ex.Status >= 400 {
		res.Problem = CheckProblem(path, ex.Status, ex.Header, ex.Body)
	}
	return res
}

// CheckProblem checks an error answer: application/problem+json (or, under /oauth/, an RFC 6749 error as
// application/json) whose status matches and whose code, when present, is in the ProblemCode enum – also
// where no operation of the contract matched, so its schema was not applied.
func CheckProblem(path string, status int, h http.Header, body []byte) error {
	ct := h.Get("Content-Type")
	if strings.HasPrefix(path, "/oauth/") && strings.HasPrefix(ct, "application/json") {
		return nil
	}
	if !strings.HasPrefix(ct, "application/problem+json") {
		return fmt.Errorf("error %d with Content-Type %q, want application/problem+json", status, ct)
	}
	var p api.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("error %d: the problem is not JSON: %v", status, err)
	}
	if p.Status != 0 && p.Status != status {
		return fmt.Errorf("error %d: the problem says status %d", status, p.Status)
	}
	if p.Code != nil && !api.ProblemCode(*p.Code).Valid() {
		return fmt.Errorf("error %d: problem code %q is not in the contract's ProblemCode enum", status, *p.Code)
	}
	return nil
}
