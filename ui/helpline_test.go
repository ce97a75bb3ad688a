package ui

import (
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
)

func TestHelpLineOpen(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, workdays.Oslo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		now   string
		open  bool
		opens string
	}{
		{"2026-11-25 07:59", false, "2026-11-25 08:00"}, // Wednesday before opening
		{"2026-11-25 08:00", true, ""},
		{"2026-11-25 15:29", true, ""},
		{"2026-11-25 15:30", false, "2026-11-26 08:00"},
		{"2026-11-27 16:00", false, "2026-11-30 08:00"}, // Friday evening → Monday
		{"2026-11-28 10:00", false, "2026-11-30 08:00"}, // Saturday
		{"2026-05-17 10:00", false, "2026-05-18 08:00"}, // 17 May (a Sunday in 2026)
		{"2027-05-17 10:00", false, "2027-05-18 08:00"}, // 17 May on a Monday
		{"2026-04-02 10:00", false, "2026-04-07 08:00"}, // Maundy Thursday → after Easter Monday
		{"2026-12-24 10:00", true, ""},                  // Christmas Eve is not a public holiday
		{"2026-12-25 10:00", false, "2026-12-28 08:00"},
	}
	for _, tt := range tests {
		now := at(tt.now)
		if got := helpLineOpen(now); got != tt.open {
			t.Errorf("helpLineOpen(%s) = %v, want %v", tt.now, got, tt.open)
		}
		if !tt.open {
			if got := helpLineOpens(now); !got.Equal(at(tt.opens)) {
				t.Errorf("helpLineOpens(%s) = %s, want %s", tt.now, got.In(workdays.Oslo).Format("2006-01-02 15:04"), tt.opens)
			}
		}
	}
	// The machine's own zone does not matter: 07:30 UTC in November is 08:30 in Oslo.
	if !helpLineOpen(time.Date(2026, 11, 25, 7, 30, 0, 0, time.UTC)) {
		t.Error("help line judged in the machine's zone, not Europe/Oslo")
	}
}

func TestWelcomeShowsHelpLineState(t *testing.T) {
	tests := []struct {
		lang, now, want string
	}{
		{"nn", "2026-11-25T10:00:00+01:00", "Hjelpetelefonen 23 32 70 00 er open no (kvardagar 08:00–15:30)."},
		{"nb", "2026-11-25T16:00:00+01:00", "Hjelpetelefonen 23 32 70 00 (hverdager 08:00–15:30) er stengt nå. Den åpner i morgen kl. 08:00. Spør en ansatt i skranken så lenge."},
		{"nn", "2026-11-27T16:00:00+01:00", "Hjelpetelefonen 23 32 70 00 (kvardagar 08:00–15:30) er stengd no. Han opnar måndag 30. november kl. 08:00. Spør ein tilsett i skranken så lenge."},
		{"en", "2026-11-25T06:00:00+01:00", "The help line 23 32 70 00 (weekdays 08:00–15:30) is closed now. It opens today at 08:00. Until then, ask a staff member at the desk."},
	}
	for _, tt := range tests {
		now, err := time.Parse(time.RFC3339, tt.now)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, config.Config{Lang: tt.lang})
		h.k.clk = nowClock(func() time.Time { return now })
		h.k.show(newWelcome(h.k))
		if !h.hasText(tt.want) {
			t.Errorf("%s at %s: welcome lacks %q; shows %q", tt.lang, tt.now, tt.want, h.texts(false))
		}
	}
}
