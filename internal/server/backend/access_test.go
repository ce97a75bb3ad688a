package backend_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/nin"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// testNow is a Tuesday afternoon, a working day, after the 15:00 cutoff.
var testNow = time.Date(2026, 3, 10, 16, 0, 0, 0, workdays.Oslo)

// endpoint is one person-scoped operation; path gets the personId.
type endpoint struct {
	name     string
	method   string
	path     func(pid string) string
	body     func(pid string) any
	scope    api.Scope
	selfOnly bool
}

// demo ids of one thread / booked appointment per person (by the fixed testNow).
var (
	threadOf = map[string]string{backend.DemoIngrid: "t-ingrid-1", backend.DemoEmma: "t-emma-1", backend.DemoOla: "t-none", backend.DemoKari: "t-kari-1", backend.DemoPer: "t-per-1"}
	apptOf   = map[string]string{backend.DemoIngrid: "a-ingrid-hn-p5", backend.DemoEmma: "a-emma-fy-p7", backend.DemoOla: "a-none", backend.DemoKari: "a-kari-fy-2", backend.DemoPer: "a-per-hn-p5"}
)

func orNone(id string) string {
	if id == "" {
		return "x-none"
	}
	return id
}

func olaNIN() string {
	for _, p := range backend.DemoPersons() {
		if p.ID == backend.DemoOla {
			return p.NationalID
		}
	}
	panic("no Ola")
}

func personEndpoints() []endpoint {
	return []endpoint{
		{"getOverview", "GET", func(p string) string { return "/v1/persons/" + p + "/overview" }, nil, "", false},
		{"listServices", "GET", func(p string) string { return "/v1/persons/" + p + "/services" }, nil, api.Messages, false},
		{"listThreads", "GET", func(p string) string { return "/v1/persons/" + p + "/threads" }, nil, api.Messages, false},
		{"createThread", "POST", func(p string) string { return "/v1/persons/" + p + "/threads" }, func(p string) any {
			svc := map[string]string{backend.DemoIngrid: backend.ServiceHomeNursing, backend.DemoEmma: backend.ServicePhysiotherapy}[p]
			if svc == "" {
				svc = backend.ServiceHomeNursing
			}
			return api.NewThread{ServiceId: svc, Subject: "Spørsmål", Body: "Hei!"}
		}, api.Messages, false},
		{"getThread", "GET", func(p string) string { return "/v1/persons/" + p + "/threads/" + orNone(threadOf[p]) }, nil, api.Messages, false},
		{"replyToThread", "POST", func(p string) string { return "/v1/persons/" + p + "/threads/" + orNone(threadOf[p]) + "/messages" },
			func(string) any { return api.NewMessage{Body: "Takk!"} }, api.Messages, false},
		{"markThreadRead", "POST", func(p string) string { return "/v1/persons/" + p + "/threads/" + orNone(threadOf[p]) + "/read" }, nil, api.Messages, false},
		{"listAppointments", "GET", func(p string) string { return "/v1/persons/" + p + "/appointments?from=2026-03-01&to=2026-04-01" }, nil, api.Appointments, false},
		{"getAppointment", "GET", func(p string) string { return "/v1/persons/" + p + "/appointments/" + orNone(apptOf[p]) }, nil, api.Appointments, false},
		{"requestCancellation", "POST", func(p string) string {
			return "/v1/persons/" + p + "/appointments/" + orNone(apptOf[p]) + "/cancellation"
		},
			func(string) any { return api.CancellationRequest{Reason: api.Ill} }, api.Appointments, false},
		{"requestChange", "POST", func(p string) string {
			return "/v1/persons/" + p + "/appointments/" + orNone(apptOf[p]) + "/change-request"
		},
			func(string) any { c := "Helst etter klokka 9"; return api.ChangeRequest{Comment: &c} }, api.Appointments, false},
		{"getNotificationSettings", "GET", func(p string) string { return "/v1/persons/" + p + "/notification-settings" }, nil, api.Settings, false},
		{"putNotificationSettings", "PUT", func(p string) string { return "/v1/persons/" + p + "/notification-settings" },
			func(string) any { return api.NotificationSettingsUpdate{Channel: api.Email} }, api.Settings, false},
		{"listFullmakt", "GET", func(p string) string { return "/v1/persons/" + p + "/fullmakt" }, nil, api.Settings, false},
		{"grantFullmakt", "POST", func(p string) string { return "/v1/persons/" + p + "/fullmakt" },
			func(string) any {
				return api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: olaNIN(), Scopes: []api.Scope{api.Messages}}
			}, api.Settings, true},
		{"revokeFullmakt", "DELETE", func(p string) string { return "/v1/persons/" + p + "/fullmakt/f-ingrid-kari" }, nil, api.Settings, true},
	}
}

func TestEveryPersonEndpointIsListed(t *testing.T) {
	// If the contract gains a person-scoped operation, this table must too.
	n := 0
	for _, line := range strings.Split(string(apiSpec()), "\n") {
		if strings.HasPrefix(line, "  /v1/persons/") {
			n++
		}
	}
	paths := map[string]bool{}
	for _, ep := range personEndpoints() {
		paths[ep.method+" "+ep.name] = true
	}
	if n != 13 || len(paths) != 16 {
		t.Errorf("contract has %d person-scoped paths (want 13) and the table %d operations (want 16)", n, len(paths))
	}
}

func TestAccessControl(t *testing.T) {
	type who struct {
		citizen, person string
	}
	// want: 0 = allowed (2xx); otherwise the status and code.
	type want struct {
		status int
		code   string
	}
	ok := want{}
	cases := []struct {
		name   string
		who    who
		expect func(ep endpoint) want
	}{
		{"Ingrid for Ola", who{backend.DemoIngrid, backend.DemoOla}, func(endpoint) want { return want{404, "not_found"} }},
		{"Ingrid for Emma", who{backend.DemoIngrid, backend.DemoEmma}, func(endpoint) want { return want{404, "not_found"} }},
		{"Ingrid for an unknown person", who{backend.DemoIngrid, "p-nobody"}, func(endpoint) want { return want{404, "not_found"} }},
		{"Kari for Ola", who{backend.DemoKari, backend.DemoOla}, func(endpoint) want { return want{404, "not_found"} }},
		{"Emma's father for Ingrid", who{backend.DemoOla, backend.DemoIngrid}, func(endpoint) want { return want{404, "not_found"} }},
		{"Per (no consent) for himself", who{backend.DemoPer, backend.DemoPer}, func(endpoint) want { return want{403, "consent_required"} }},
		{"Per (no consent) for Ingrid", who{backend.DemoPer, backend.DemoIngrid}, func(endpoint) want { return want{403, "consent_required"} }},
		{"Kari for Ingrid (fullmakt: messages, appointments)", who{backend.DemoKari, backend.DemoIngrid}, func(ep endpoint) want {
			switch {
			case ep.selfOnly:
				return want{403, "self_only"}
			case ep.scope == api.Settings:
				return want{403, "scope_missing"}
			}
			return ok
		}},
		{"Ola for Emma (child)", who{backend.DemoOla, backend.DemoEmma}, func(ep endpoint) want {
			if ep.selfOnly {
				return want{403, "self_only"}
			}
			return ok
		}},
		{"Ingrid for herself", who{backend.DemoIngrid, backend.DemoIngrid}, func(endpoint) want { return ok }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := backendtest.New(t, backendtest.WithNow(func() time.Time { return testNow }))
			tok := e.Token(t, tc.who.citizen)
			for _, ep := range personEndpoints() {
				t.Run(ep.name, func(t *testing.T) {
					var body any
					if ep.body != nil {
						body = ep.body(tc.who.person)
					}
					res, b := e.Do(t, ep.method, ep.path(tc.who.person), tok, body)
					w := tc.expect(ep)
					if w.status == 0 {
						if res.StatusCode/100 != 2 {
							t.Fatalf("status %d, want 2xx: %s", res.StatusCode, b)
						}
						return
					}
					wantProblem(t, res, b, w.status, w.code)
				})
			}
			// Without a token every endpoint is 401.
			for _, ep := range personEndpoints() {
				var body any
				if ep.body != nil {
					body = ep.body(tc.who.person)
				}
				res, b := e.Do(t, ep.method, ep.path(tc.who.person), "", body)
				wantProblem(t, res, b, http.StatusUnauthorized, "unauthorized")
			}
		})
	}
}

func TestMePersons(t *testing.T) {
	e := backendtest.New(t)
	tests := []struct {
		citizen string
		want    []string // id:relation:scopes
	}{
		{backend.DemoIngrid, []string{"p-ingrid:self:messages,appointments,settings"}},
		{backend.DemoKari, []string{"p-kari:self:messages,appointments,settings", "p-ingrid:fullmakt:messages,appointments"}},
		{backend.DemoOla, []string{"p-ola:self:messages,appointments,settings", "p-emma:child:messages,appointments,settings"}},
		{backend.DemoPer, []string{"p-per:self:messages,appointments,settings"}},
	}
	for _, tt := range tests {
		t.Run(tt.citizen, func(t *testing.T) {
			tok := e.Token(t, tt.citizen)
			res, b := e.Do(t, http.MethodGet, "/v1/me", tok, nil)
			wantStatus(t, res, b, http.StatusOK)
			me := decode[api.Me](t, b)
			var got []string
			for _, p := range me.Persons {
				var sc []string
				for _, s := range p.Scopes {
					sc = append(sc, string(s))
				}
				got = append(got, p.Person.Id+":"+string(p.Relation)+":"+strings.Join(sc, ","))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("persons = %v, want %v", got, tt.want)
			}
			if me.Citizen.BirthDate == nil {
				t.Error("no birth date")
			}
			if me.Consent.Given != (tt.citizen != backend.DemoPer) {
				t.Errorf("consent %+v", me.Consent)
			}
		})
	}
}

func TestChildTurning18LosesAccess(t *testing.T) {
	// Emma turns 18 on 2034-08-20.
	for _, tc := range []struct {
		now   time.Time
		reach bool
	}{
		{time.Date(2034, 8, 19, 12, 0, 0, 0, workdays.Oslo), true},
		{time.Date(2034, 8, 20, 0, 30, 0, 0, workdays.Oslo), false},
	} {
		e := backendtest.New(t, backendtest.WithNow(func() time.Time { return tc.now }))
		tok := e.Token(t, backend.DemoOla)
		res, b := e.Do(t, http.MethodGet, "/v1/persons/"+backend.DemoEmma+"/threads", tok, nil)
		if tc.reach {
			wantStatus(t, res, b, http.StatusOK)
		} else {
			wantProblem(t, res, b, http.StatusNotFound, "not_found")
		}
	}
}

func TestDemoPersons(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range backend.DemoPersons() {
		if err := nin.Validate(p.NationalID); err != nil {
			t.Errorf("%s: national id %s: %v", p.ID, p.NationalID, err)
		}
		bd, _ := nin.BirthDate(p.NationalID)
		if !bd.Equal(p.BirthDate) {
			t.Errorf("%s: national id birth date %v, want %v", p.ID, bd, p.BirthDate)
		}
		if p.NationalID[2] < '8' {
			t.Errorf("%s: %s is not a synthetic (month + 80) number", p.ID, p.NationalID)
		}
		if seen[p.NationalID] {
			t.Errorf("duplicate national id %s", p.NationalID)
		}
		seen[p.NationalID] = true
		if p.Name == "" || p.Description == "" {
			t.Errorf("%s: empty name or description", p.ID)
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d demo persons", len(seen))
	}
}
