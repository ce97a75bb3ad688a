package backend

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestStaffClaimValues(t *testing.T) {
	var claims map[string]any
	if err := json.Unmarshal([]byte(`{"groups":["a","helsekiosk-staff",3],"role":"helsekiosk-staff",
		"realm_access":{"roles":["offline_access","helsekiosk-staff"]},"resource_access":{"x":1},"n":7}`), &claims); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path  string
		want  []string
		found bool
	}{
		{"groups", []string{"a", "helsekiosk-staff"}, true},
		{"role", []string{"helsekiosk-staff"}, true},
		{"realm_access.roles", []string{"offline_access", "helsekiosk-staff"}, true},
		{"realm_access.nope", nil, false},
		{"resource_access.x", nil, false},
		{"role.deeper", nil, false},
		{"n", nil, false},
		{"missing", nil, false},
	} {
		got, found := claimValues(claims, tc.path)
		if found != tc.found || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v %v, want %v %v", tc.path, got, found, tc.want, tc.found)
		}
	}
}

func TestStaffLoopbackHosts(t *testing.T) {
	for h, want := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "kiosk.localhost": true,
		"127.8.9.1": true, "10.0.0.1": false, "staff.kommune.example": false, "": false} {
		if isLoopbackHost(h) != want {
			t.Errorf("%q: %v", h, !want)
		}
	}
}
