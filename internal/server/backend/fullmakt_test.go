package backend_test

import (
	"net/http"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func ninOf(id string) string {
	for _, p := range backend.DemoPersons() {
		if p.ID == id {
			return p.NationalID
		}
	}
	panic(id)
}

func date(s string) *openapi_types.Date {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &openapi_types.Date{Time: t}
}

func TestGrantFullmaktRules(t *testing.T) {
	ms := []api.Scope{api.Messages}
	tests := []struct {
		name    string
		citizen string
		in      api.NewFullmakt
		status  int
		code    string
	}{
		{"to self", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "Ingrid Haugen", ReceiverNationalId: ninOf(backend.DemoIngrid), Scopes: ms}, 422, "fullmakt_to_self"},
		{"receiver too young", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "Emma Berg", ReceiverNationalId: ninOf(backend.DemoEmma), Scopes: ms}, 422, "receiver_too_young"},
		{"end date in the past", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: ms, ValidUntil: date("2026-03-01")}, 422, "end_date_not_future"},
		{"end date today", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: ms, ValidUntil: date("2026-03-10")}, 422, "end_date_not_future"},
		{"name mismatch", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "Ola Nordmann", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: ms}, 422, "receiver_not_found"},
		{"unknown national id", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: "15076500565", Scopes: ms}, 422, "receiver_not_found"},
		{"duplicate", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "Kari Haugen", ReceiverNationalId: ninOf(backend.DemoKari), Scopes: ms}, 409, "fullmakt_exists"},
		{"name differs only in case and spaces", backend.DemoIngrid, api.NewFullmakt{ReceiverName: "  ola BERG ", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: ms, ValidUntil: date("2026-12-31")}, 201, ""},
		{"Kari for Ingrid", backend.DemoKari, api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: ms}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := backendtest.New(t, backendtest.WithNow(func() time.Time { return testNow }))
			tok := e.Token(t, tt.citizen)
			res, b := e.Do(t, http.MethodPost, "/v1/persons/"+tt.citizen+"/fullmakt", tok, tt.in)
			if tt.status != 201 {
				wantProblem(t, res, b, tt.status, tt.code)
				return
			}
			wantStatus(t, res, b, http.StatusCreated)
			f := decode[api.Fullmakt](t, b)
			if f.Giver.Id != tt.citizen || f.Receiver.Id != backend.DemoOla || f.ValidFrom.Format("2006-01-02") != "2026-03-10" {
				t.Errorf("fullmakt %+v", f)
			}
		})
	}
}

func TestGiverTooYoung(t *testing.T) {
	// Below the age limit Emma cannot log in at all (TestUnderAge); lower it so she reaches the fullmakt rule.
	e := backendtest.New(t, backendtest.WithConfig(func(c *backend.Config) { c.AgeLimit = 5 }))
	// Emma (10) has no consent in the demo data; give it so she reaches the rule.
	tok := e.Token(t, backend.DemoEmma)
	res, b := e.Do(t, http.MethodPut, "/v1/consent", tok, api.ConsentGive{TermsVersion: backend.TermsVersion})
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-emma/fullmakt", tok, api.NewFullmakt{ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla), Scopes: []api.Scope{api.Messages}})
	wantProblem(t, res, b, http.StatusUnprocessableEntity, "giver_too_young")
}

func TestFullmaktLifecycle(t *testing.T) {
	clock := backendtest.NewClock(testNow)
	e := backendtest.New(t, backendtest.WithClock(clock))
	ingrid := e.Token(t, backend.DemoIngrid)
	ola := e.Token(t, backend.DemoOla)
	kari := e.Token(t, backend.DemoKari)

	// Ola does not reach Ingrid yet.
	res, b := e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", ola, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")

	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/fullmakt", ingrid, api.NewFullmakt{
		ReceiverName: "Ola Berg", ReceiverNationalId: ninOf(backend.DemoOla),
		Scopes: []api.Scope{api.Settings, api.Appointments}, ValidUntil: date("2026-04-30"),
	})
	wantStatus(t, res, b, http.StatusCreated)
	f := decode[api.Fullmakt](t, b)
	if len(f.Scopes) != 2 || f.Scopes[0] != api.Appointments || f.Scopes[1] != api.Settings {
		t.Errorf("scopes %v", f.Scopes)
	}

	// Both directions are listed.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/fullmakt", ingrid, nil)
	wantStatus(t, res, b, http.StatusOK)
	lists := decode[api.FullmaktLists](t, b)
	if len(lists.GrantedByMe) != 2 || len(lists.GrantedToMe) != 0 {
		t.Errorf("Ingrid's lists %+v", lists)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-kari/fullmakt", kari, nil)
	lists = decode[api.FullmaktLists](t, b)
	if len(lists.GrantedToMe) != 1 || lists.GrantedToMe[0].Giver.Id != backend.DemoIngrid {
		t.Errorf("Kari's lists %+v", lists)
	}

	// Ola now reaches Ingrid with exactly those scopes.
	res, b = e.Do(t, http.MethodGet, "/v1/me", ola, nil)
	me := decode[api.Me](t, b)
	if len(me.Persons) != 3 || me.Persons[1].Person.Id != backend.DemoIngrid || me.Persons[1].Relation != api.PersonAccessRelationFullmakt ||
		me.Persons[1].ValidUntil == nil || me.Persons[2].Person.Id != backend.DemoEmma {
		t.Errorf("Ola's persons %+v", me.Persons)
	}
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/notification-settings", ola, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", ola, nil)
	wantProblem(t, res, b, http.StatusForbidden, "scope_missing")

	// Only Ingrid herself revokes; Ola cannot (self_only), Kari cannot even see settings.
	res, b = e.Do(t, http.MethodDelete, "/v1/persons/p-ingrid/fullmakt/"+f.Id, ola, nil)
	wantProblem(t, res, b, http.StatusForbidden, "self_only")
	res, b = e.Do(t, http.MethodDelete, "/v1/persons/p-ola/fullmakt/"+f.Id, ola, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found") // Ola is not the giver

	// After its end date it stops giving access.
	clock.Set(time.Date(2026, 5, 1, 0, 5, 0, 0, testNow.Location()))
	ola2 := e.Token(t, backend.DemoOla)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/notification-settings", ola2, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	clock.Set(testNow)

	// Revoking stops access at once, also for tokens issued before.
	res, b = e.Do(t, http.MethodDelete, "/v1/persons/p-ingrid/fullmakt/"+f.Id, ingrid, nil)
	wantStatus(t, res, b, http.StatusNoContent)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/notification-settings", ola, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	res, b = e.Do(t, http.MethodDelete, "/v1/persons/p-ingrid/fullmakt/"+f.Id, ingrid, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")

	// Revoking Kari's fullmakt ends her access to Ingrid's messages.
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", kari, nil)
	wantStatus(t, res, b, http.StatusOK)
	res, b = e.Do(t, http.MethodDelete, "/v1/persons/p-ingrid/fullmakt/f-ingrid-kari", ingrid, nil)
	wantStatus(t, res, b, http.StatusNoContent)
	res, b = e.Do(t, http.MethodGet, "/v1/persons/p-ingrid/threads", kari, nil)
	wantProblem(t, res, b, http.StatusNotFound, "not_found")
	// And it can be granted again afterwards.
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/fullmakt", ingrid, api.NewFullmakt{
		ReceiverName: "Kari Haugen", ReceiverNationalId: ninOf(backend.DemoKari), Scopes: []api.Scope{api.Messages}})
	wantStatus(t, res, b, http.StatusCreated)
}
