package backend_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// hostile is a value someone might type, paste or forge. lit is its JSON string literal, raw so that
// invalid UTF-8 and unpaired surrogates reach the backend as sent.
type hostile struct {
	name string
	lit  string
}

func jsonLit(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// decoded is what a JSON decoder makes of lit (the "verbatim" a stored value is compared with).
func (h hostile) decoded() (string, bool) {
	var s string
	if !utf8.ValidString(h.lit) || json.Unmarshal([]byte(h.lit), &s) != nil {
		return "", false
	}
	return s, true
}

func hostileValues(maxLen int) []hostile {
	word := "Heimesjukepleieteneste" // 22 letters
	long := strings.Repeat(word, maxLen/len(word)+1)
	v := []hostile{
		{"plain nynorsk", jsonLit("Kan de kome før klokka 10? Eg har ikkje fått dosetten.")},
		{"NUL", jsonLit("før\x00etter")},
		{"control characters", jsonLit("bjølle\x07 esc\x1b[31mraud\x1b[0m del\x7f bs\x08")},
		{"CR LF and tab", jsonLit("linje 1\r\nlinje 2\n\tinnrykk\r")},
		{"bidi overrides", jsonLit("Betal til \u202ekonto 1234\u202c og \u2067isolert\u2069 \u200fRLM")},
		{"zero-width characters", jsonLit("n\u200bu\u200cl\u200dl\ufeff")},
		{"only zero-width", jsonLit("\u200b\u200b")},
		{"only Unicode spaces", jsonLit("\u00a0\u2003\u3000")},
		{"very long word at the limit", jsonLit(long[:maxLen])},
		{"one over the limit", jsonLit(long[:maxLen+1])},
		{"markup and script", jsonLit(`<script>alert("x")</script><img src=x onerror=alert(1)><b>feit</b>`)},
		{"markdown", jsonLit("**feit** _kursiv_ [lenkje](javascript:alert(1)) `kode` # overskrift")},
		{"SQL metacharacters", jsonLit(`'); DROP TABLE messages; -- " OR "1"="1 \\ %_`)},
		{"format and template strings", jsonLit("%s %d %n %x {{.Name}} ${jndi:ldap://x/a} $(rm -rf /)")},
		{"emoji and combining marks", jsonLit("👩‍⚕️ e\u0301 Å ﷽ 𝔘𝔫𝔦")},
		{"invalid UTF-8", "\"hei \xff\xfe\xc0\xaf\""},
		{"unpaired surrogate escape", `"hei \ud800 der"`},
		{"escaped NUL and controls", `"a\u0000b\u001fc"`},
	}
	return v
}

// dbState counts the rows of every table, and the appointments with a pending request: a refused write
// must leave it exactly as it was.
func dbState(t testing.TB, e *backendtest.Env) map[string]int {
	t.Helper()
	db := e.Server.DB()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'goose_%'`
	if e.Server.Store() == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'goose_%'`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	st := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM "` + tb + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		st[tb] = n
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM appointments WHERE pending_request IS NOT NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	st["appointments pending"] = n
	return st
}

func sameState(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// bookable finds one of the person's booked appointments that can still be cancelled and has no request.
func bookable(t testing.TB, e *backendtest.Env, tok, pid string) string {
	t.Helper()
	from := testNow.Format(time.DateOnly)
	to := testNow.AddDate(0, 0, 60).Format(time.DateOnly)
	res, b := e.Do(t, http.MethodGet, "/v1/persons/"+pid+"/appointments?from="+from+"&to="+to, tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	for _, a := range decode[[]api.Appointment](t, b) {
		if a.Status == api.Booked && a.PendingRequest == nil && a.CancellableUntil != nil && testNow.Before(*a.CancellableUntil) {
			return a.Id
		}
	}
	t.Fatalf("no bookable appointment left for %s", pid)
	return ""
}

// A textTarget is one text field of one write endpoint: how to send a value, and how to read it back.
type textTarget struct {
	name   string
	maxLen int
	// send sends lit in the field and returns the answer.
	send func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte)
	// stored reads back what the backend keeps after a 2xx answer.
	stored func(t *testing.T, e *backendtest.Env, tok string, body []byte) string
	// trims reports that the backend trims surrounding white space before storing (a normalisation, not
	// a change of the text).
	trims bool
}

func rawJSON(format, lit string) []byte { return []byte(fmt.Sprintf(format, lit)) }

func threadBody(t *testing.T, e *backendtest.Env, tok, threadID string) api.Thread {
	t.Helper()
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads/"+threadID, tok, nil)
	wantStatus(t, res, b, http.StatusOK)
	return decode[api.Thread](t, b)
}

func requestComment(t *testing.T, e *backendtest.Env, body []byte) string {
	t.Helper()
	ar := decode[api.AppointmentRequest](t, body)
	var c string
	if err := e.Server.DB().QueryRow(`SELECT comment FROM appointment_requests WHERE id = ?`, ar.Id).Scan(&c); err != nil {
		t.Fatal(err)
	}
	if ar.ThreadId == nil {
		t.Fatal("the request names no thread")
	}
	return c
}

func textTargets() []textTarget {
	const threads = "/v1/persons/p-ingrid/threads"
	key := func() []string { return []string{"Idempotency-Key", fmt.Sprintf("k-%d", time.Now().UnixNano())} }
	return []textTarget{
		{name: "createThread.subject", maxLen: 100,
			send: func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte) {
				return e.Do(t, "POST", threads, tok, rawJSON(`{"serviceId":"svc-home-nursing","subject":%s,"body":"Hei"}`, lit), key()...)
			},
			stored: func(t *testing.T, e *backendtest.Env, tok string, b []byte) string {
				return threadBody(t, e, tok, decode[api.Thread](t, b).Id).Subject
			}},
		{name: "createThread.body", maxLen: 4000,
			send: func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte) {
				return e.Do(t, "POST", threads, tok, rawJSON(`{"serviceId":"svc-home-nursing","subject":"Hei","body":%s}`, lit), key()...)
			},
			stored: func(t *testing.T, e *backendtest.Env, tok string, b []byte) string {
				return threadBody(t, e, tok, decode[api.Thread](t, b).Id).Messages[0].Body
			}},
		{name: "replyToThread.body", maxLen: 4000,
			send: func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte) {
				return e.Do(t, "POST", threads+"/t-ingrid-1/messages", tok, rawJSON(`{"body":%s}`, lit), key()...)
			},
			stored: func(t *testing.T, e *backendtest.Env, tok string, b []byte) string {
				id := decode[api.Message](t, b).Id
				for _, m := range threadBody(t, e, tok, "t-ingrid-1").Messages {
					if m.Id == id {
						return m.Body
					}
				}
				t.Fatalf("message %s not in the thread", id)
				return ""
			}},
		{name: "requestCancellation.comment", maxLen: 500, trims: true,
			send: func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte) {
				id := bookable(t, e, tok, backend.DemoIngrid)
				return e.Do(t, "POST", "/v1/persons/p-ingrid/appointments/"+id+"/cancellation", tok, rawJSON(`{"reason":"other","comment":%s}`, lit), key()...)
			},
			stored: func(t *testing.T, e *backendtest.Env, _ string, b []byte) string { return requestComment(t, e, b) }},
		{name: "requestChange.comment", maxLen: 500, trims: true,
			send: func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte) {
				id := bookable(t, e, tok, backend.DemoIngrid)
				return e.Do(t, "POST", "/v1/persons/p-ingrid/appointments/"+id+"/change-request", tok, rawJSON(`{"comment":%s}`, lit), key()...)
			},
			stored: func(t *testing.T, e *backendtest.Env, _ string, b []byte) string { return requestComment(t, e, b) }},
		{name: "grantFullmakt.receiverName", maxLen: 100,
			send: func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte) {
				return e.Do(t, "POST", "/v1/persons/p-ingrid/fullmakt", tok,
					rawJSON(`{"receiverName":%s,"receiverNationalId":"`+olaNIN()+`","scopes":["messages"]}`, lit), key()...)
			},
			stored: func(t *testing.T, _ *backendtest.Env, _ string, b []byte) string {
				return decode[api.Fullmakt](t, b).Receiver.Name
			}},
		{name: "giveConsent.termsVersion", maxLen: 20,
			send: func(t *testing.T, e *backendtest.Env, tok, lit string) (*http.Response, []byte) {
				return e.Do(t, "PUT", "/v1/consent", tok, rawJSON(`{"termsVersion":%s}`, lit), key()...)
			},
			stored: func(t *testing.T, _ *backendtest.Env, _ string, b []byte) string {
				return decode[api.Consent](t, b).TermsVersion
			}},
		{name: "createHelpRequest.kioskName", maxLen: 100,
			send: func(t *testing.T, e *backendtest.Env, _, lit string) (*http.Response, []byte) {
				return e.Do(t, "POST", "/v1/kiosk/help-requests", "", rawJSON(`{"kioskName":%s,"screen":"home"}`, lit), key()...)
			},
			stored: func(t *testing.T, e *backendtest.Env, _ string, b []byte) string {
				res, body := e.Do(t, "GET", "/v1/kiosk/help-requests/"+decode[api.HelpRequest](t, b).Id, "", nil)
				wantStatus(t, res, body, 200)
				return decode[api.HelpRequest](t, body).KioskName
			}},
		{name: "createHelpRequest.screen", maxLen: 50,
			send: func(t *testing.T, e *backendtest.Env, _, lit string) (*http.Response, []byte) {
				return e.Do(t, "POST", "/v1/kiosk/help-requests", "", rawJSON(`{"kioskName":"Servicetorget","screen":%s}`, lit), key()...)
			},
			stored: func(t *testing.T, e *backendtest.Env, _ string, b []byte) string {
				res, body := e.Do(t, "GET", "/v1/kiosk/help-requests/"+decode[api.HelpRequest](t, b).Id, "", nil)
				wantStatus(t, res, body, 200)
				return decode[api.HelpRequest](t, body).Screen
			}},
	}
}

// checkRefused checks a 4xx answer: problem+json, and nothing stored.
func checkRefused(t *testing.T, res *http.Response, b []byte, before, after map[string]int) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%d with Content-Type %q: %s", res.StatusCode, ct, b)
	}
	var p api.Problem
	if err := json.Unmarshal(b, &p); err != nil || p.Status != res.StatusCode || p.Code == nil {
		t.Errorf("not a problem with a code: %s", b)
	}
	if !sameState(before, after) {
		t.Errorf("refused with %d, but the database changed: %v → %v", res.StatusCode, before, after)
	}
}

// TestHostileText sends every hostile value in every text field of every write endpoint: the backend
// answers 4xx problem+json and stores nothing, or stores the text verbatim and gives it back identical.
// Never a 5xx.
func TestHostileText(t *testing.T) {
	counts := map[string]int{}
	for _, tg := range textTargets() {
		t.Run(tg.name, func(t *testing.T) {
			e := backendtest.New(t, backendtest.AllowInvalidRequests(), backendtest.WithNow(func() time.Time { return testNow }))
			tok := e.Token(t, backend.DemoIngrid)
			for _, hv := range hostileValues(tg.maxLen) {
				t.Run(hv.name, func(t *testing.T) {
					before := dbState(t, e)
					res, b := tg.send(t, e, tok, hv.lit)
					after := dbState(t, e)
					t.Logf("%s | %s | %d", tg.name, hv.name, res.StatusCode)
					switch {
					case res.StatusCode >= 500:
						t.Fatalf("server error %d: %s", res.StatusCode, b)
					case res.StatusCode >= 400:
						checkRefused(t, res, b, before, after)
						counts["refused"]++
					case res.StatusCode >= 200 && res.StatusCode < 300:
						want, ok := hv.decoded()
						if !ok {
							t.Fatalf("accepted a body that is not valid JSON/UTF-8 (%d): %s", res.StatusCode, b)
						}
						if tg.trims {
							want = strings.TrimSpace(want)
						}
						if got := tg.stored(t, e, tok, b); got != want {
							t.Errorf("stored %q, sent %q", got, want)
						}
						if sameState(before, after) && tg.name != "giveConsent.termsVersion" {
							t.Errorf("answered %d but stored nothing", res.StatusCode)
						}
						counts["stored verbatim"]++
					default:
						t.Fatalf("status %d: %s", res.StatusCode, b)
					}
					if hv.name == "invalid UTF-8" && res.StatusCode != http.StatusBadRequest {
						t.Errorf("invalid UTF-8: %d, want 400", res.StatusCode)
					}
					if hv.name == "one over the limit" && res.StatusCode != http.StatusBadRequest {
						t.Errorf("over the limit: %d, want 400", res.StatusCode)
					}
				})
			}
			// An oversize body: 413, nothing stored.
			before := dbState(t, e)
			res, b := tg.send(t, e, tok, jsonLit(strings.Repeat("x", backend.MaxBodyBytes)))
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("oversize body: %d, want 413: %.200s", res.StatusCode, b)
			}
			checkRefused(t, res, b, before, dbState(t, e))
		})
	}
	t.Logf("hostile text: %v", counts)
}

// TestHostileNumbersAndDates: numbers out of range, dates in the past or beyond any calendar, wrong
// types, deep nesting and huge arrays, on the endpoints that take them. 4xx problem+json and nothing stored,
// or a 2xx for what is valid. Never a 5xx.
func TestHostileNumbersAndDates(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests(), backendtest.WithNow(func() time.Time { return testNow }))
	tok := e.Token(t, backend.DemoIngrid)
	appt := bookable(t, e, tok, backend.DemoIngrid)
	const threads = "/v1/persons/p-ingrid/threads"
	change := "/v1/persons/p-ingrid/appointments/" + appt + "/change-request"
	fullmakt := "/v1/persons/p-ingrid/fullmakt"
	window := func(start, end string) string {
		return `{"proposedTimes":[{"start":"` + start + `","end":"` + end + `"}]}`
	}
	grant := func(until string) string {
		return `{"receiverName":"Ola Berg","receiverNationalId":"` + olaNIN() + `","scopes":["messages"],"validUntil":"` + until + `"}`
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	many := `{"proposedTimes":[` + strings.Repeat(`{"start":"2026-03-20T08:00:00+01:00","end":"2026-03-20T10:00:00+01:00"},`, 400) +
		`{"start":"2026-03-20T08:00:00+01:00","end":"2026-03-20T10:00:00+01:00"}]}`
	tests := []struct {
		name, method, path, body string
		ok                       bool // a 2xx is right; otherwise a 4xx is
	}{
		{"limit -1", "GET", threads + "?limit=-1", "", false},
		{"limit 2^64", "GET", threads + "?limit=18446744073709551616", "", false},
		{"limit 1e2", "GET", threads + "?limit=1e2", "", false},
		{"limit 1.5", "GET", threads + "?limit=1.5", "", false},
		{"limit NaN", "GET", threads + "?limit=NaN", "", false},
		{"limit twice", "GET", threads + "?limit=1&limit=200", "", false},
		{"cursor 10 KiB", "GET", threads + "?cursor=" + strings.Repeat("A", 10240), "", false},
		{"appointments in 1900", "GET", "/v1/persons/p-ingrid/appointments?from=1900-01-01&to=1900-02-01", "", true},
		{"appointments in year 0", "GET", "/v1/persons/p-ingrid/appointments?from=0000-01-01&to=0000-02-01", "", true},
		{"appointments in year 10000", "GET", "/v1/persons/p-ingrid/appointments?from=9999-12-01&to=10000-01-01", "", false},
		{"appointments with a time", "GET", "/v1/persons/p-ingrid/appointments?from=2026-03-01T00:00:00Z&to=2026-04-01", "", false},
		{"proposed time in the past", "POST", change, window("2020-01-01T08:00:00+01:00", "2020-01-01T10:00:00+01:00"), false},
		{"proposed time in year 1", "POST", change, window("0001-01-01T08:00:00Z", "0001-01-01T10:00:00Z"), false},
		{"proposed time with offset +99:00", "POST", change, window("2026-03-20T08:00:00+99:00", "2026-03-20T10:00:00+99:00"), false},
		{"proposed time of 25 o'clock", "POST", change, window("2026-03-20T25:00:00+01:00", "2026-03-20T26:00:00+01:00"), false},
		{"proposed time as a number", "POST", change, `{"proposedTimes":[{"start":1773990000,"end":1773997200}]}`, false},
		{"401 proposed times", "POST", change, many, false},
		{"fullmakt ending in the past", "POST", fullmakt, grant("2020-01-01"), false},
		{"fullmakt ending today", "POST", fullmakt, grant(testNow.Format(time.DateOnly)), false},
		{"fullmakt ending in year 0", "POST", fullmakt, grant("0000-01-01"), false},
		{"fullmakt ending on 30 February", "POST", fullmakt, grant("2027-02-30"), false},
		{"fullmakt ending in year 9999", "POST", fullmakt, grant("9999-12-31"), true},
		{"national id as a number", "POST", fullmakt, `{"receiverName":"Ola Berg","receiverNationalId":11828534092,"scopes":["messages"]}`, false},
		{"national id with 12 digits", "POST", fullmakt, `{"receiverName":"Ola Berg","receiverNationalId":"118285340920","scopes":["messages"]}`, false},
		{"subject 1e309", "POST", threads, `{"serviceId":"svc-home-nursing","subject":1e309,"body":"Hei"}`, false},
		{"body nested 20000 deep", "POST", threads, `{"serviceId":"svc-home-nursing","subject":"Hei","body":` + deep + `}`, false},
		{"body null", "POST", threads, `{"serviceId":"svc-home-nursing","subject":"Hei","body":null}`, false},
		{"duplicate members", "POST", threads + "/t-ingrid-1/messages", `{"body":"første","body":"andre"}`, true},
		{"channel as a number", "PUT", "/v1/persons/p-ingrid/notification-settings", `{"channel":1}`, false},
		{"help request screen as an object", "POST", "/v1/kiosk/help-requests", `{"kioskName":"K","screen":{"a":1}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = []byte(tt.body)
			}
			before := dbState(t, e)
			res, b := e.Do(t, tt.method, tt.path, tok, body, "Idempotency-Key", fmt.Sprintf("n-%d", time.Now().UnixNano()))
			after := dbState(t, e)
			switch {
			case res.StatusCode >= 500:
				t.Fatalf("server error %d: %s", res.StatusCode, b)
			case tt.ok && res.StatusCode/100 != 2:
				t.Errorf("status %d, want 2xx: %.300s", res.StatusCode, b)
			case !tt.ok && res.StatusCode/100 != 4:
				t.Errorf("status %d, want 4xx: %.300s", res.StatusCode, b)
			case !tt.ok:
				checkRefused(t, res, b, before, after)
			}
		})
	}
}

// TestHostileKioskNameOnVerificationPage: the kiosk name a device login carries is shown on the phone's
// verification page; markup in it must arrive as text, not as HTML.
func TestHostileKioskNameOnVerificationPage(t *testing.T) {
	e := backendtest.New(t, backendtest.AllowInvalidRequests())
	for _, hv := range hostileValues(100) {
		name, ok := hv.decoded()
		if !ok {
			continue
		}
		t.Run(hv.name, func(t *testing.T) {
			form := url.Values{"client_id": {backend.ClientID}, "kiosk_name": {name}}
			res, b := postForm(t, e, "/oauth/device_authorization", form)
			if res.StatusCode >= 500 {
				t.Fatalf("server error %d: %s", res.StatusCode, b)
			}
			if res.StatusCode != http.StatusOK {
				return // refused: an OAuth error, checked by the contract validator
			}
			da := decode[api.DeviceAuthorization](t, b)
			res, page := e.Do(t, http.MethodGet, "/device?user_code="+url.QueryEscape(da.UserCode), "", nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("verification page: %d", res.StatusCode)
			}
			for _, bad := range []string{"<script>alert", "<img", "<b>feit"} {
				if bytes.Contains(page, []byte(bad)) {
					t.Errorf("the verification page carries the kiosk name's markup %q unescaped", bad)
				}
			}
		})
	}
}

// FuzzMessageText sends any text as a new message: the backend refuses it with a 4xx and stores nothing, or
// stores it and gives back exactly what a JSON decoder makes of what was sent. Never a 5xx.
func FuzzMessageText(f *testing.F) {
	e := backendtest.New(f, backendtest.AllowInvalidRequests(), backendtest.WithNow(func() time.Time { return testNow }))
	tok := e.Token(f, backend.DemoIngrid)
	h := e.Server.Handler()
	for _, hv := range hostileValues(4000) {
		if s, ok := hv.decoded(); ok && len(s) < 200 {
			f.Add(s)
		}
	}
	f.Add("")
	f.Add(" \t\n")
	f.Add("\xff")
	do := func(method, path string, body []byte) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, bytes.NewReader(body))
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	count := func() int {
		var n int
		if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&n); err != nil {
			f.Fatal(err)
		}
		return n
	}
	f.Fuzz(func(t *testing.T, text string) {
		// Each text starts a thread of its own, so that reading it back does not slow down as the fuzzer
		// stores more.
		body, _ := json.Marshal(api.NewThread{ServiceId: backend.ServiceHomeNursing, Subject: "Fuzz", Body: text}) // invalid UTF-8 becomes U+FFFD, as any JSON encoder does
		var want api.NewThread
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatal(err)
		}
		before := count()
		w := do("POST", "/v1/persons/p-ingrid/threads", body)
		switch {
		case w.Code >= 500:
			t.Fatalf("server error %d for %q: %s", w.Code, text, w.Body.Bytes())
		case w.Code >= 400:
			if count() != before {
				t.Fatalf("refused with %d but stored", w.Code)
			}
		default:
			var created api.Thread
			if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
				t.Fatal(err)
			}
			if len(created.Messages) != 1 || created.Messages[0].Body != want.Body {
				t.Fatalf("answered %+v, sent %q", created.Messages, want.Body)
			}
			var got string
			if err := e.Server.DB().QueryRow(`SELECT body FROM messages WHERE id = ?`, created.Messages[0].Id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want.Body {
				t.Fatalf("stored %q, sent %q", got, want.Body)
			}
			r := do("GET", "/v1/persons/p-ingrid/threads/"+created.Id, nil)
			var th api.Thread
			if err := json.Unmarshal(r.Body.Bytes(), &th); err != nil {
				t.Fatal(err)
			}
			if len(th.Messages) != 1 || th.Messages[0].Body != want.Body {
				t.Fatalf("read back %+v, sent %q", th.Messages, want.Body)
			}
		}
	})
}
