package client

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinel errors that an *Error matches with errors.Is. The UI picks its message from these and from Code.
var (
	ErrUnauthorized = errors.New("unauthorized")       // 401: the session has ended; log in again
	ErrForbidden    = errors.New("forbidden")          // 403: not allowed for this person or scope
	ErrNotFound     = errors.New("not found")          // 404
	ErrConflict     = errors.New("conflict")           // 409: e.g. cancellation deadline passed
	ErrInvalid      = errors.New("invalid request")    // 400, 413, 415, 422: fix the input
	ErrRateLimited  = errors.New("rate limited")       // 429
	ErrUnavailable  = errors.New("unavailable")        // no answer, or 5xx: try again later
	ErrBadResponse  = errors.New("malformed response") // the backend answered something the contract does not allow
	ErrLoggedOut    = errors.New("logged out")         // the session's token was dropped
)

// The client's own codes, in Error.Code, for failures the client itself finds (the backend's codes are
// api.ProblemCode constants).
const (
	CodeMalformedResponse = "malformed_response" // an answer the contract does not allow (ErrBadResponse)
	CodeSessionIdle       = "session_idle"       // a refresh needed after the idle timeout (ErrIdle)
)

// An Error is a failed API call: either the backend's RFC 9457 problem (Status, Code, Title, Detail, Field),
// or a transport failure (Status 0, Err set). Its text never holds tokens or personal data.
type Error struct {
	Status int    // HTTP status; 0 when no answer came
	Code   string // the problem's "code", or an OAuth "error"
	Title  string
	Detail string
	Field  string // the request field at fault, when the backend names one
	// Person is the person a consent_required is about when the citizen acts for someone else (the
	// problem's "person" member: that person's ID); "" when it is the citizen's own consent.
	Person string
	// RetryAfter is the backend's Retry-After, when it sent one.
	RetryAfter time.Duration
	Err        error // the underlying transport or decoding error
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0 && e.Err != nil:
		return "helsekiosk api: no answer: " + e.Err.Error()
	case e.Err != nil:
		return fmt.Sprintf("helsekiosk api: %d: %v", e.Status, e.Err)
	case e.Code != "":
		return fmt.Sprintf("helsekiosk api: %d %s", e.Status, e.Code)
	default:
		return fmt.Sprintf("helsekiosk api: %d %s", e.Status, http.StatusText(e.Status))
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether e belongs to the class target names (ErrUnauthorized, ErrUnavailable, ...).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrInvalid:
		switch e.Status {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
			return e.Code != CodeMalformedResponse
		}
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.Status == 0 || e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
	case ErrBadResponse:
		return e.Code == CodeMalformedResponse
	}
	return false
}

// IsUnauthorized reports whether err means the login has ended (401, or the token was dropped).
func IsUnauthorized(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrLoggedOut)
}

// IsForbidden reports whether err is a 403.
func IsForbidden(err error) bool { return errors.Is(err, ErrForbidden) }

// IsNotFound reports whether err is a 404.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err is a 409.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// IsInvalid reports whether the backend refused the input (400, 413, 415, 422).
func IsInvalid(err error) bool { return errors.Is(err, ErrInvalid) }

// IsUnavailable reports whether trying again later may help: no answer, 5xx, 408 or 429.
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// CodeOf returns the problem code of err ("" when it has none), for the UI to translate.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// PersonOf returns the person ID a problem names (consent_required acting for someone), or "".
func PersonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Person
	}
	return ""
}

// FieldOf returns the request field the backend named as at fault ("" when none).
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
