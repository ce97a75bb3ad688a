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

// TestIdempotencyNamespaces: the same key from two callers is two writes, each replayed only to its own
// caller – two kiosks, and two citizens.
func TestIdempotencyNamespaces(t *testing.T) {
	e := backendtest.New(t)
	k1 := e.KioskToken(t, backendtest.KioskID, backendtest.KioskSecret)
	k2 := e.KioskToken(t, backendtest.OtherKioskID, backendtest.OtherKioskSecret)
	const key = "same-key"
	res, b := e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", k1, api.NewHelpRequest{KioskName: "Kiosk 1", Screen: "welcome"}, "Idempotency-Key", key)
	wantStatus(t, res, b, http.StatusCreated)
	first := decode[api.HelpRequest](t, b)
	res, b = e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", k2, api.NewHelpRequest{KioskName: "Kiosk 1", Screen: "welcome"}, "Idempotency-Key", key)
	wantStatus(t, res, b, http.StatusCreated)
	second := decode[api.HelpRequest](t, b)
	if second.Id == first.Id || res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the second kiosk got the first kiosk's help request replayed (%s)", second.Id)
	}
	res, b = e.Do(t, http.MethodPost, "/v1/kiosk/help-requests", k1, api.NewHelpRequest{KioskName: "Kiosk 1", Screen: "welcome"}, "Idempotency-Key", key)
	if decode[api.HelpRequest](t, b).Id != first.Id || res.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the first kiosk's repeat was not replayed: %s", b)
	}
	// Citizens: Kari's key, writing for Ingrid to the same endpoint, is not Ingrid's.
	ingrid, kari := e.Token(t, backend.DemoIngrid), e.Token(t, backend.DemoKari)
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", ingrid, newThread("Ingrid", "Frå Ingrid"), "Idempotency-Key", key)
	wantStatus(t, res, b, http.StatusCreated)
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", kari, newThread("Kari", "Frå Kari"), "Idempotency-Key", key)
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(b), "Frå Kari") || res.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("Kari's write with Ingrid's key: %d %s", res.StatusCode, b)
	}
}

// TestIdempotencyStoredSealedAndPruned: the stored record holds neither the key nor the message text nor the
// created ids in clear; after 24 hours (the server's clock) it is gone and the key writes anew.
func TestIdempotencyStoredSealedAndPruned(t *testing.T) {
	clk := backendtest.NewClock(time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	e := backendtest.New(t, backendtest.WithClock(clk))
	tok := e.Token(t, backend.DemoIngrid)
	const key, text = "sealed-key-1", "Hemmeleg melding om medisinane mine"
	res, b := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, newThread("Medisin", text), "Idempotency-Key", key)
	wantStatus(t, res, b, http.StatusCreated)
	th := decode[api.Thread](t, b)
	q := `SELECT caller, endpoint, key, body_hash, content_type, CAST(response_body AS BLOB) FROM idempotency`
	if e.Server.Store() == "postgres" {
		q = `SELECT caller, endpoint, key, body_hash, content_type, response_body FROM idempotency`
	}
	rows, err := e.Server.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var caller, endpoint, k, hash, ct string
		var resp []byte
		if err := rows.Scan(&caller, &endpoint, &k, &hash, &ct, &resp); err != nil {
			t.Fatal(err)
		}
		n++
		row := strings.Join([]string{caller, endpoint, k, hash, ct, string(resp)}, "|")
		for _, secret := range []string{text, "Medisin", "Ingrid Haugen", th.Id, th.Messages[0].Id, key} {
			if strings.Contains(row, secret) {
				t.Errorf("the stored record holds %q in clear", secret)
			}
		}
	}
	rows.Close()
	if n != 1 {
		t.Fatalf("%d idempotency rows, want 1", n)
	}
	// Replayed within the day, from the sealed answer.
	res, b2 := e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, newThread("Medisin", text), "Idempotency-Key", key)
	if string(b2) != string(b) || res.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay differs: %s", b2)
	}
	// 24 hours on: the record is pruned on the next write, and the key is free.
	clk.Advance(24*time.Hour + time.Minute)
	tok = e.Token(t, backend.DemoIngrid)
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads/"+th.Id+"/read", tok, nil, "Idempotency-Key", "other")
	wantStatus(t, res, b, http.StatusNoContent)
	var left int
	if err := e.Server.DB().QueryRow(`SELECT COUNT(*) FROM idempotency WHERE created_at < ?`, clk.Now().Add(-24*time.Hour).UnixMilli()).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d records older than 24 hours are kept", left)
	}
	res, b = e.Do(t, http.MethodPost, "/v1/persons/p-ingrid/threads", tok, newThread("Medisin", text), "Idempotency-Key", key)
	wantStatus(t, res, b, http.StatusCreated)
	if decode[api.Thread](t, b).Id == th.Id || res.Header.Get("Idempotent-Replayed") != "" {
		t.Error("a key older than 24 hours was replayed")
	}
}
