package backend

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                              `SELECT 1`,
		`SELECT a FROM t WHERE b = ? AND c = ?`: `SELECT a FROM t WHERE b = $1 AND c = $2`,
		`WHERE giver_id = ?3 AND receiver_id = ?2 OR x = ?1`:  `WHERE giver_id = $3 AND receiver_id = $2 OR x = $1`,
		`SET a = CASE WHEN a > ?1 THEN a ELSE ?1 END, b = ?2`: `SET a = CASE WHEN a > $1 THEN a ELSE $1 END, b = $2`,
		`SELECT ?2, ?`: `SELECT $2, $3`, // SQLite: a bare ? is one more than the largest so far
		`SELECT '?', "col?", ? -- why?` + "\n" + `, ?`: `SELECT '?', "col?", $1 -- why?` + "\n" + `, $2`,
		`SELECT 'it''s ?', ?`:                          `SELECT 'it''s ?', $1`,
		`SELECT ? LIMIT ?`:                             `SELECT $1 LIMIT $2`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsPostgresDSN(t *testing.T) {
	for dsn, want := range map[string]bool{"": false, "helsekiosk.db": false, "file:x.db?mode=ro": false,
		"postgres://u@h/db": true, "postgresql://u@h/db": true, "POSTGRES://u@h/db": true, "postgres.db": false} {
		if isPostgresDSN(dsn) != want {
			t.Errorf("%q: %v", dsn, !want)
		}
	}
}

func TestHasNUL(t *testing.T) {
	for _, tc := range []struct {
		target, ct, body string
		want             bool
	}{
		{"/v1/persons/p-ingrid/threads", "application/json", `{"subject":"hei","body":"der"}`, false},
		{"/v1/persons/p-ingrid/threads", "application/json", `{"subject":"hei","body":"a\u0000b"}`, true},
		{"/v1/persons/p-ingrid/threads", "application/json", `{"subject":"hei","body":"a\\u0000b"}`, false}, // a backslash, then u0000
		{"/v1/persons/p-ingrid/threads", "application/json", `{"body":"100%00 sikker"}`, false},
		{"/v1/persons/p-ingrid/threads", "application/json", "{\"body\":\"a\x00b\"}", true},
		{"/oauth/device_authorization", "application/x-www-form-urlencoded", "client_id=helsekiosk&kiosk_name=a%00b", true},
		{"/oauth/device_authorization", "application/x-www-form-urlencoded", "client_id=helsekiosk&kiosk_name=a%2500b", false},
		{"/v1/persons/p-ingrid/threads?cursor=%00", "", "", true},
		{"/v1/persons/%00/threads", "", "", true},
	} {
		r := httptest.NewRequest("POST", tc.target, strings.NewReader(tc.body))
		r.Header.Set("Content-Type", tc.ct)
		if got := hasNUL(r, []byte(tc.body)); got != tc.want {
			t.Errorf("%s %s: %v, want %v", tc.target, tc.body, got, tc.want)
		}
	}
}
