package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSettingsAndLog(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "helsekiosk")
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := Open(dir, WithNow(clock))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Put(ctx, map[string]string{"lang": "nb", "kiosk_name": "Servicetorget"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, map[string]string{"lang": "en"}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		k Kind
		d string
	}{{SessionStarted, ""}, {SessionEnded, "idle"}, {Error, "unavailable"}, {Error, "not_found"}, {Error, "unavailable"}} {
		if err := s.Log(ctx, e.k, e.d); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"Ingrid Haugen", "12345678901", "tekst med mellomrom", "<b>", "x-01017912345"} {
		if err := s.Log(ctx, Error, bad); !errors.Is(err, ErrBadDetail) {
			t.Errorf("Log(%q) = %v, want ErrBadDetail", bad, err)
		}
	}
	if err := s.Log(ctx, Kind("message_text"), ""); err == nil {
		t.Error("an unknown kind was logged")
	}
	s.Close()

	// Reopen: settings and log survive; the file and the directory are the owner's only.
	s, err = Open(dir, WithNow(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Settings(ctx)
	if err != nil || got["lang"] != "en" || got["kiosk_name"] != "Servicetorget" || len(got) != 2 {
		t.Errorf("Settings = %v, %v", got, err)
	}
	if v, ok, _ := s.Get(ctx, "missing"); ok || v != "" {
		t.Error("Get of a missing key")
	}
	if n, _ := s.Count(ctx, SessionStarted, now.Add(-time.Hour)); n != 1 {
		t.Errorf("sessions = %d", n)
	}
	if n, _ := s.Count(ctx, SessionStarted, now.Add(time.Hour)); n != 0 {
		t.Errorf("sessions after now = %d", n)
	}
	ec, err := s.ErrorCounts(ctx, now.Add(-time.Hour), 10)
	if err != nil || len(ec) != 2 {
		t.Fatalf("ErrorCounts = %v, %v", ec, err)
	}
	counts := map[string]int{}
	for _, c := range ec {
		counts[c.Code] = c.Count
	}
	if counts["unavailable"] != 2 || counts["not_found"] != 1 {
		t.Errorf("counts %v", counts)
	}
	if r, _ := s.Recent(ctx, 2); len(r) != 2 || r[0].Kind != Error || r[1].Detail != "not_found" {
		t.Errorf("Recent = %+v", r)
	}
	for _, p := range []string{dir, s.Path()} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want no group/other access", p, fi.Mode().Perm())
		}
	}
}

func TestRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(dir, WithNow(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_ = s.Log(ctx, SessionStarted, "")
	s.Close()
	later := now.Add(Retention + time.Hour)
	s, err = Open(dir, WithNow(func() time.Time { return later }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, _ := s.Recent(ctx, 10); len(r) != 0 {
		t.Errorf("entries older than the retention survive: %+v", r)
	}
}

func TestOpenNoDir(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") works")
	}
}

// TestLogChange: a state is logged once, and again only when it changes.
func TestLogChange(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, d := range []string{"kiosk_events", "kiosk_events", "x11", "x11", "kiosk_events"} {
		if err := s.LogChange(ctx, InputIdle, d); err != nil {
			t.Fatal(err)
		}
		if err := s.Log(ctx, KioskStarted, ""); err != nil { // other kinds between do not count
			t.Fatal(err)
		}
	}
	e, err := s.Recent(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(e) - 1; i >= 0; i-- {
		if e[i].Kind == InputIdle {
			got = append(got, e[i].Detail)
		}
	}
	if len(got) != 3 || got[0] != "kiosk_events" || got[1] != "x11" || got[2] != "kiosk_events" {
		t.Fatalf("input_idle entries: %v", got)
	}
}
