package backend_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// state is what a bad request must not change.
type state struct {
	threads  int
	messages int
	channel  api.NotificationChannel
	pending  int
}

func snapshot(t *testing.T, e *backendtest.Env, tok string) state {
	t.Helper()
	var st state
	for _, ts := range allThreads(t, e, tok, backend.DemoIngrid) {
		st.threads++
		st.messages += ts.MessageCount
	}
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/notification-settings", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	st.channel = decode[api.NotificationSettings](t, b).Channel
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/appointments?from=2026-02-01&to=2026-05-01", tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	for _, a := range decode[[]api.Appointment](t, b) {
		if a.PendingRequest != nil {
			st.pending++
		}
	}
	return st
}

func TestBadInput(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests(), backendtest.WithNow(func() time.Time { return testNow }))
	tok := e.Token(t, backend.DemoIngrid)
	before := snapshot(t, e, tok)

	const threads = "/v1/persons/p-ingrid/threads"
	const json = "application/json"
	long := strings.Repeat("a", 101)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		headers     []string
		status      int
		code        string
		field       string // "" = not checked
	}{
		{"unknown JSON field", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"Hei","body":"Hei","extra":1}`, nil, 400, "invalid_request", "extra"},
		{"invalid UTF-8", "POST", threads, json, "{\"serviceId\":\"svc-home-nursing\",\"subject\":\"Hei \xff\xfe\",\"body\":\"Hei\"}", nil, 400, "invalid_request", ""},
		{"subject too long", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"` + long + `","body":"Hei"}`, nil, 400, "invalid_request", "subject"},
		{"subject empty", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"","body":"Hei"}`, nil, 400, "invalid_request", "subject"},
		{"subject only spaces", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"   ","body":"Hei"}`, nil, 400, "invalid_request", "subject"},
		{"body too long", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"Hei","body":"` + strings.Repeat("x", 4001) + `"}`, nil, 400, "invalid_request", "body"},
		{"body missing", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"Hei"}`, nil, 400, "invalid_request", "body"},
		{"body a number", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"Hei","body":5}`, nil, 400, "invalid_request", "body"},
		{"empty request body", "POST", threads, json, ``, nil, 400, "invalid_request", ""},
		{"not JSON", "POST", threads, json, `{"serviceId":`, nil, 400, "invalid_request", ""},
		{"JSON array", "POST", threads, json, `[]`, nil, 400, "invalid_request", ""},
		{"two JSON values", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"Hei","body":"Hei"} {}`, nil, 400, "invalid_request", ""},
		{"wrong content type", "POST", threads, "text/plain", `{"serviceId":"svc-home-nursing","subject":"Hei","body":"Hei"}`, nil, 415, "unsupported_media_type", ""},
		{"form content type", "POST", threads, "application/x-www-form-urlencoded", `serviceId=svc-home-nursing`, nil, 415, "unsupported_media_type", ""},
		{"body over 64 KiB", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"Hei","body":"` + strings.Repeat("x", 70_000) + `"}`, nil, 413, "body_too_large", ""},
		{"service the person does not have", "POST", threads, json, `{"serviceId":"svc-physiotherapy","subject":"Hei","body":"Hei"}`, nil, 400, "invalid_request", "serviceId"},
		{"service id breaks pattern", "POST", threads, json, `{"serviceId":"svc home","subject":"Hei","body":"Hei"}`, nil, 400, "invalid_request", "serviceId"},
		{"idempotency key too long", "POST", threads, json, `{"serviceId":"svc-home-nursing","subject":"Hei","body":"Hei"}`, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, "invalid_request", "Idempotency-Key"},
		{"reply empty", "POST", threads + "/t-ingrid-1/messages", json, `{"body":""}`, nil, 400, "invalid_request", "body"},
		{"reply unknown field", "POST", threads + "/t-ingrid-1/messages", json, `{"body":"x","author":"service"}`, nil, 400, "invalid_request", "author"},
		{"thread id breaks pattern", "GET", threads + "/bad%20id", "", ``, nil, 400, "invalid_request", "threadId"},
		{"bad enum channel", "PUT", "/v1/persons/p-ingrid/notification-settings", json, `{"channel":"pigeon"}`, nil, 400, "invalid_request", "channel"},
		{"settings extra field", "PUT", "/v1/persons/p-ingrid/notification-settings", json, `{"channel":"sms","phone":"123"}`, nil, 400, "invalid_request", "phone"},
		{"bad cursor", "GET", threads + "?cursor=not-a-cursor", "", ``, nil, 400, "invalid_request", "cursor"},
		{"cursor of valid base64 garbage", "GET", threads + "?cursor=eyJ4IjoxfQ", "", ``, nil, 400, "invalid_request", "cursor"},
		{"limit 0", "GET", threads + "?limit=0", "", ``, nil, 400, "invalid_request", "limit"},
		{"limit 101", "GET", threads + "?limit=101", "", ``, nil, 400, "invalid_request", "limit"},
		{"limit not a number", "GET", threads + "?limit=ten", "", ``, nil, 400, "invalid_request", "limit"},
		{"bad date", "GET", "/v1/persons/p-ingrid/appointments?from=2026-13-45&to=2026-04-01", "", ``, nil, 400, "invalid_request", "from"},
		{"date missing", "GET", "/v1/persons/p-ingrid/appointments?from=2026-03-01", "", ``, nil, 400, "invalid_request", "to"},
		{"range over 400 days", "GET", "/v1/persons/p-ingrid/appointments?from=2026-01-01&to=2027-02-06", "", ``, nil, 400, "invalid_request", "to"},
		{"to before from", "GET", "/v1/persons/p-ingrid/appointments?from=2026-03-10&to=2026-03-01", "", ``, nil, 400, "invalid_request", "to"},
		{"cancellation bad reason", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/cancellation", json, `{"reason":"bored"}`, nil, 400, "invalid_request", "reason"},
		{"cancellation other without comment", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/cancellation", json, `{"reason":"other"}`, nil, 400, "invalid_request", "comment"},
		{"cancellation other with blank comment", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/cancellation", json, `{"reason":"other","comment":"  "}`, nil, 400, "invalid_request", "comment"},
		{"cancellation comment too long", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/cancellation", json, `{"reason":"other","comment":"` + strings.Repeat("x", 501) + `"}`, nil, 400, "invalid_request", "comment"},
		{"change with nothing", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/change-request", json, `{}`, nil, 400, "invalid_request", "comment"},
		{"change with empty list", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/change-request", json, `{"proposedTimes":[]}`, nil, 400, "invalid_request", "comment"},
		{"change in the past", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/change-request", json, `{"proposedTimes":[{"start":"2026-03-01T08:00:00+01:00","end":"2026-03-01T10:00:00+01:00"}]}`, nil, 400, "invalid_request", "proposedTimes.0.start"},
		{"change end before start", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/change-request", json, `{"proposedTimes":[{"start":"2026-03-20T10:00:00+01:00","end":"2026-03-20T08:00:00+01:00"}]}`, nil, 400, "invalid_request", "proposedTimes.0.end"},
		{"change four windows", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/change-request", json, `{"proposedTimes":[` + strings.Repeat(`{"start":"2026-03-20T08:00:00+01:00","end":"2026-03-20T10:00:00+01:00"},`, 3) + `{"start":"2026-03-20T08:00:00+01:00","end":"2026-03-20T10:00:00+01:00"}]}`, nil, 400, "invalid_request", "proposedTimes"},
		{"change bad date-time", "POST", "/v1/persons/p-ingrid/appointments/a-ingrid-hn-p5/change-request", json, `{"proposedTimes":[{"start":"tomorrow","end":"2026-03-20T10:00:00+01:00"}]}`, nil, 400, "invalid_request", ""},
		{"fullmakt bad national id pattern", "POST", "/v1/persons/p-ingrid/fullmakt", json, `{"receiverName":"Ola Berg","receiverNationalId":"1234","scopes":["messages"]}`, nil, 400, "invalid_request", "receiverNationalId"},
		{"fullmakt bad check digit", "POST", "/v1/persons/p-ingrid/fullmakt", json, `{"receiverName":"Ola Berg","receiverNationalId":"15076500566","scopes":["messages"]}`, nil, 400, "invalid_request", "receiverNationalId"},
		{"fullmakt no scopes", "POST", "/v1/persons/p-ingrid/fullmakt", json, `{"receiverName":"Ola Berg","receiverNationalId":"` + olaNIN() + `","scopes":[]}`, nil, 400, "invalid_request", "scopes"},
		{"fullmakt duplicate scopes", "POST", "/v1/persons/p-ingrid/fullmakt", json, `{"receiverName":"Ola Berg","receiverNationalId":"` + olaNIN() + `","scopes":["messages","messages"]}`, nil, 400, "invalid_request", "scopes"},
		{"fullmakt bad scope", "POST", "/v1/persons/p-ingrid/fullmakt", json, `{"receiverName":"Ola Berg","receiverNationalId":"` + olaNIN() + `","scopes":["everything"]}`, nil, 400, "invalid_request", ""},
		{"fullmakt bad date", "POST", "/v1/persons/p-ingrid/fullmakt", json, `{"receiverName":"Ola Berg","receiverNationalId":"` + olaNIN() + `","scopes":["messages"],"validUntil":"2027-02-30"}`, nil, 400, "invalid_request", "validUntil"},
		{"consent extra field", "PUT", "/v1/consent", json, `{"termsVersion":"2026-1","given":true}`, nil, 400, "invalid_request", "given"},
		{"help request empty screen", "POST", "/v1/kiosk/help-requests", json, `{"kioskName":"Servicetorget","screen":""}`, nil, 400, "invalid_request", "screen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" || tt.method != "GET" {
				body = []byte(tt.body)
			}
			hdr := append([]string{"Content-Type", tt.contentType}, tt.headers...)
			res, b := e.Do(t, tt.method, tt.path, tok, body, hdr...)
			p := wantProblem(t, res, b, tt.status, tt.code)
			if tt.field != "" && (p.Field == nil || *p.Field != tt.field) {
				t.Errorf("field = %v, want %q: %s", deref(p.Field), tt.field, b)
			}
		})
	}
	if after := snapshot(t, e, tok); after != before {
		t.Errorf("bad input changed state: before %+v, after %+v", before, after)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestBadInputOAuth(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	tests := []struct {
		name, path, contentType, body string
		status                        int
		code                          string
	}{
		{"device auth without client", "/oauth/device_authorization", "application/x-www-form-urlencoded", "scope=openid", 400, "invalid_request"},
		{"device auth kiosk name too long", "/oauth/device_authorization", "application/x-www-form-urlencoded", "client_id=helsekiosk&kiosk_name=" + strings.Repeat("k", 101), 400, "invalid_request"},
		{"device auth invalid UTF-8", "/oauth/device_authorization", "application/x-www-form-urlencoded", "client_id=helsekiosk&kiosk_name=\xff", 400, "invalid_request"},
		{"token as JSON", "/oauth/token", "application/json", `{"grant_type":"x"}`, 415, ""},
		{"revoke without token", "/oauth/revoke", "application/x-www-form-urlencoded", "token_type_hint=access_token", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, b := e.Do(t, http.MethodPost, tt.path, "", []byte(tt.body), "Content-Type", tt.contentType)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.status, b)
			}
			if tt.code != "" {
				if oe := decode[api.OAuthError](t, b); oe.Error != tt.code {
					t.Errorf("error %q, want %q", oe.Error, tt.code)
				}
			}
		})
	}
}
