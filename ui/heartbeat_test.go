package ui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// TestHeartbeatReportsKioskState: the kiosk reports its state at start and every minute on its clock, with
// its own token, and the backend stores the kiosk's settings (not a citizen's choices) and nothing about a
// citizen, also after a visit.
func TestHeartbeatReportsKioskState(t *testing.T) {
	env := backendtest.New(t)
	clk := &testClock{t: time.Now()}
	h := newHarnessWith(t, config.Config{API: env.URL, Lang: "nn", KioskName: "Kiosk A", Location: "Servicetorget",
		ReadAloud: true, TouchKeyboard: true, IdleTimeout: time.Hour, IdleWarning: time.Minute,
		ClientID: backendtest.KioskID, ClientSecret: config.Secret(backendtest.KioskSecret)},
		withOpsTiming(time.Hour, time.Hour, 30*time.Millisecond), withClock(clk))
	h.k.startOps()
	ctx := context.Background()
	latest := func() (backend.KioskStatus, bool) {
		list, err := env.Server.Kiosks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 1 {
			t.Fatalf("%d kiosks stored, want 1: %+v", len(list), list)
		}
		if len(list) == 0 {
			return backend.KioskStatus{}, false
		}
		return list[0], true
	}
	var first backend.KioskStatus
	h.waitFor("the heartbeat at start", func() bool { var ok bool; first, ok = latest(); return ok })
	if first.Name != "Kiosk A" || first.Location != "Servicetorget" || first.Version != Version || first.UptimeSeconds != 0 ||
		!first.BackendReachable || len(first.LastErrorCodes) != 0 || !first.Speech || !first.TouchKeyboard || first.TextSize != api.Normal {
		t.Errorf("the first heartbeat: %+v", first)
	}
	if !strings.HasSuffix(first.Owner, backendtest.KioskID) {
		t.Errorf("owner %q, want the kiosk's client", first.Owner)
	}

	// A citizen's visit: she chooses large text and high contrast; a call fails.
	logIn(t, h, env, "p-ingrid")
	h.waitForText("Meldingar")
	h.k.setDisplay(kt.SizeLarge, true)
	h.k.noteError(&client.Error{Status: 404, Code: "not_found"})

	h.advanceUntil(clk, 10*time.Second, 2*time.Minute, "the heartbeat a minute on", func() bool {
		k, _ := latest()
		return k.UptimeSeconds >= 60
	})
	k, _ := latest()
	if k.UptimeSeconds != 60 || k.TextSize != api.Normal || strings.Join(k.LastErrorCodes, ",") != "not_found" || !k.BackendReachable {
		t.Errorf("the heartbeat after a minute: %+v", k)
	}

	// Nothing about her in what the backend stored.
	rows, err := env.Server.DB().QueryContext(ctx, `SELECT * FROM kiosk_heartbeats`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var stored []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			switch v := v.(type) {
			case string:
				stored = append(stored, v)
			case []byte:
				stored = append(stored, string(v))
			}
		}
	}
	all := strings.Join(stored, " ")
	for _, bad := range []string{"Ingrid", "Haugen", "p-ingrid"} {
		if strings.Contains(all, bad) {
			t.Errorf("the stored heartbeat holds %q: %s", bad, all)
		}
	}
	if regexp.MustCompile(`\d{11}`).MatchString(all) {
		t.Errorf("the stored heartbeat holds an identity number: %s", all)
	}
}
