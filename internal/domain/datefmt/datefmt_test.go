package datefmt

import (
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	want := map[string][7]string{
		"nn": {"søndag", "måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag"},
		"nb": {"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
		"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	}
	for lang, days := range want {
		for d, name := range days {
			if got := Weekday(lang, time.Weekday(d)); got != name {
				t.Errorf("Weekday(%s, %v) = %q, want %q", lang, time.Weekday(d), got, name)
			}
		}
	}
	months := map[string][12]string{
		"nn": {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
		"nb": {"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
		"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	}
	short := map[string][12]string{
		"nn": {"jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des."},
		"nb": {"jan.", "feb.", "mars", "apr.", "mai", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "des."},
		"en": {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	}
	for lang := range months {
		for i := range 12 {
			m := time.Month(i + 1)
			if got := Month(lang, m); got != months[lang][i] {
				t.Errorf("Month(%s, %v) = %q, want %q", lang, m, got, months[lang][i])
			}
			if got := MonthShort(lang, m); got != short[lang][i] {
				t.Errorf("MonthShort(%s, %v) = %q, want %q", lang, m, got, short[lang][i])
			}
		}
	}
	if got := Weekday("xx", time.Tuesday); got != "tirsdag" {
		t.Errorf("unknown language: %q, want bokmål", got)
	}
}

// withLocal runs the tests as on a machine in zone loc.
func withLocal(t *testing.T, loc *time.Location) {
	t.Helper()
	old := time.Local
	time.Local = loc
	t.Cleanup(func() { time.Local = old })
}

// Dates and times are Europe/Oslo's whatever the machine's zone: around midnight and both summer-time changes
// of 2026 (29 March, 25 October), with the 24-hour clock.
func TestOsloWhateverTheMachineZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := utc("2026-03-29T08:00:00Z") // Sunday 29 March 2026, 10:00 in Oslo (summer time since 02:00)
	cases := []struct {
		t              time.Time
		nn, nb, en     string
		daysApartOslo  int
		clockOsloWants string
	}{
		// 23:30 UTC on the 28th is 00:30 on the 29th in Oslo (CET), but 19:30 on the 28th in New York.
		{utc("2026-03-28T23:30:00Z"), "i dag 00:30", "i dag 00:30", "today 00:30", 0, "00:30"},
		{utc("2026-03-28T22:59:00Z"), "i går 23:59", "i går 23:59", "yesterday 23:59", -1, "23:59"},
		// 06:00 UTC on the 30th is 08:00 in Oslo (CEST).
		{utc("2026-03-30T06:00:00Z"), "i morgon 08:00", "i morgen 08:00", "tomorrow 08:00", 1, "08:00"},
		{utc("2026-03-29T13:04:00Z"), "i dag 15:04", "i dag 15:04", "today 15:04", 0, "15:04"},
		{utc("2026-03-24T13:05:00Z"), "tysdag 24. mars 14:05", "tirsdag 24. mars 14:05", "Tuesday 24 Mar 14:05", -5, "14:05"},
		{utc("2026-11-24T13:05:00Z"), "tysdag 24. nov. 14:05", "tirsdag 24. nov. 14:05", "Tuesday 24 Nov 14:05", 240, "14:05"},
		{utc("2025-11-24T08:00:00Z"), "24. nov. 2025 09:00", "24. nov. 2025 09:00", "24 Nov 2025 09:00", -125, "09:00"},
		// New Year in Oslo while it is still the old year in UTC and New York.
		{utc("2026-12-31T23:15:00Z"), "1. jan. 2027 00:15", "1. jan. 2027 00:15", "1 Jan 2027 00:15", 278, "00:15"},
		// Autumn: 02:30 comes twice in Oslo on 25 October.
		{utc("2026-10-25T00:30:00Z"), "søndag 25. okt. 02:30", "søndag 25. okt. 02:30", "Sunday 25 Oct 02:30", 210, "02:30"},
		{utc("2026-10-25T01:30:00Z"), "søndag 25. okt. 02:30", "søndag 25. okt. 02:30", "Sunday 25 Oct 02:30", 210, "02:30"},
	}
	for _, zone := range []*time.Location{time.UTC, ny, Oslo} {
		withLocal(t, zone)
		for _, c := range cases {
			for _, in := range []time.Time{c.t, c.t.In(zone), c.t.Local()} {
				n := now.In(zone)
				for lang, want := range map[string]string{"nn": c.nn, "nb": c.nb, "en": c.en} {
					if got := DateTime(lang, in, n); got != want {
						t.Errorf("zone %s: DateTime(%s, %s) = %q, want %q", zone, lang, in, got, want)
					}
				}
				if got := DaysApart(in, n); got != c.daysApartOslo {
					t.Errorf("zone %s: DaysApart(%s) = %d, want %d", zone, in, got, c.daysApartOslo)
				}
				if got := Clock(in); got != c.clockOsloWants {
					t.Errorf("zone %s: Clock(%s) = %q, want %q", zone, in, got, c.clockOsloWants)
				}
			}
		}
	}
}

// On a machine in New York (time.Local), LongDate and RelativeDay still name Oslo's day.
func TestLongDate(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	withLocal(t, ny)
	// 23:30 UTC on Monday 2 March 2026 is Tuesday 3 March 00:30 in Oslo, Monday 18:30 in New York.
	tm := time.Date(2026, 3, 2, 18, 30, 0, 0, ny)
	for lang, want := range map[string]string{"nn": "tysdag 3. mars", "nb": "tirsdag 3. mars", "en": "Tuesday 3 March"} {
		if got := LongDate(lang, tm); got != want {
			t.Errorf("LongDate(%s) = %q, want %q", lang, got, want)
		}
	}
	for lang, want := range map[string][3]string{
		"nn": {"i går", "i dag", "i morgon"}, "nb": {"i går", "i dag", "i morgen"}, "en": {"yesterday", "today", "tomorrow"},
	} {
		for d := -1; d <= 1; d++ {
			if got, ok := RelativeDay(lang, tm.AddDate(0, 0, d), tm); !ok || got != want[d+1] {
				t.Errorf("RelativeDay(%s, %+d) = %q, %v", lang, d, got, ok)
			}
		}
		if _, ok := RelativeDay(lang, tm.AddDate(0, 0, 2), tm); ok {
			t.Errorf("RelativeDay(%s, +2) claims a word", lang)
		}
	}
}
