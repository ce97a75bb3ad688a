package workdays

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", s, Oslo)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

func TestIsWorkingDay(t *testing.T) {
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2026-01-01", false, "nyttårsdag"},
		{"2026-01-02", true, "Friday after New Year"},
		{"2026-03-28", false, "Saturday"},
		{"2026-03-29", false, "Sunday (palmesøndag)"},
		{"2026-03-30", true, "Monday in Holy Week"},
		{"2026-04-01", true, "Wednesday in Holy Week"},
		{"2026-04-02", false, "skjærtorsdag 2026"},
		{"2026-04-03", false, "langfredag 2026"},
		{"2026-04-05", false, "1. påskedag 2026 (Sunday)"},
		{"2026-04-06", false, "2. påskedag 2026"},
		{"2026-04-07", true, "Tuesday after Easter 2026"},
		{"2026-05-01", false, "arbeidernes dag (Friday)"},
		{"2026-05-14", false, "Kristi himmelfartsdag 2026"},
		{"2026-05-15", true, "Friday after Ascension 2026"},
		{"2026-05-17", false, "grunnlovsdag 2026 (Sunday)"},
		{"2026-05-25", false, "2. pinsedag 2026"},
		{"2026-05-26", true, "Tuesday after Whit Monday"},
		{"2026-12-24", true, "julaftan is not a public holiday"},
		{"2026-12-25", false, "1. juledag"},
		{"2026-12-28", true, "Monday after Christmas 2026"},
		{"2027-03-25", false, "skjærtorsdag 2027"},
		{"2027-03-26", false, "langfredag 2027"},
		{"2027-03-29", false, "2. påskedag 2027"},
		{"2027-03-30", true, "Tuesday after Easter 2027"},
		{"2027-05-06", false, "Kristi himmelfartsdag 2027"},
		{"2027-05-17", false, "grunnlovsdag 2027 (Monday)"},
		{"2027-05-18", true, "Tuesday 18 May 2027"},
		{"2027-05-14", true, "Friday 14 May 2027"},
		{"2027-05-24", true, "Monday 24 May 2027: 2. pinsedag 2027 fell on 17 May"},
		{"2027-12-27", true, "Monday 27 Dec 2027"},
		{"2027-12-24", true, "Friday 24 Dec 2027"},
		{"2027-12-25", false, "Saturday 25 Dec 2027"},
		{"2026-12-26", false, "2. juledag 2026 (Saturday)"},
		{"2028-01-03", true, "Monday 3 Jan 2028"},
	}
	for _, tt := range tests {
		t.Run(tt.date+" "+tt.why, func(t *testing.T) {
			if got := IsWorkingDay(day(tt.date)); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tt.date, got, tt.want, tt.why)
			}
		})
	}
}

func TestIsWorkingDayUsesOsloDate(t *testing.T) {
	// 23:30 UTC on Friday 3 April 2026 is already Saturday in Oslo; 22:30 UTC Wednesday 1 April is
	// 00:30 on skjærtorsdag in Oslo.
	if IsWorkingDay(time.Date(2026, 4, 1, 22, 30, 0, 0, time.UTC)) {
		t.Error("00:30 Oslo on skjærtorsdag counted as a working day")
	}
	if !IsWorkingDay(time.Date(2026, 4, 6, 22, 30, 0, 0, time.UTC)) {
		t.Error("00:30 Oslo on Tuesday 7 April 2026 not counted as a working day")
	}
}

func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-06", 1, "2026-03-09"},  // Friday → Monday
		{"2026-03-09", -1, "2026-03-06"}, // Monday → Friday
		{"2026-04-01", 1, "2026-04-07"},  // Easter 2026
		{"2026-04-07", -1, "2026-04-01"},
		{"2026-04-07", -2, "2026-03-31"},
		{"2027-03-24", 1, "2027-03-30"}, // Easter 2027
		{"2026-05-13", 1, "2026-05-15"}, // Ascension
		{"2026-05-22", 1, "2026-05-26"}, // Whit Monday
		{"2026-04-30", 1, "2026-05-04"}, // 1 May (Friday)
		{"2027-05-14", 1, "2027-05-18"}, // 17 May 2027 (Monday)
		{"2026-12-24", 1, "2026-12-28"}, // Christmas
		{"2026-12-31", 1, "2027-01-04"}, // New Year 2027 is Friday
		{"2026-03-10", 0, "2026-03-10"},
		{"2026-03-10", 5, "2026-03-17"},
		{"2026-04-06", -1, "2026-04-01"}, // from a holiday backwards
	}
	for _, tt := range tests {
		got := AddWorkingDays(day(tt.from), tt.n)
		if got.Format("2006-01-02") != tt.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format("2006-01-02"), tt.want)
		}
		if got.Hour() != 10 {
			t.Errorf("AddWorkingDays(%s, %d) lost the time of day: %v", tt.from, tt.n, got)
		}
	}
	if got := NextWorkingDay(day("2026-04-01")).Format("2006-01-02"); got != "2026-04-07" {
		t.Errorf("NextWorkingDay(2026-04-01) = %s", got)
	}
}

func TestAddWorkingDaysAcrossDST(t *testing.T) {
	// DST starts in Oslo on 29 March 2026: 08:00 on Friday 27 March + 1 working day is 08:00 Monday.
	from := time.Date(2026, 3, 27, 8, 0, 0, 0, Oslo)
	got := AddWorkingDays(from, 1)
	want := time.Date(2026, 3, 30, 8, 0, 0, 0, Oslo)
	if !got.Equal(want) {
		t.Errorf("got %v want %v", got, want)
	}
}

func TestCancellationDeadline(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, Oslo)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		visit string
		n     int
		want  string
	}{
		{"2026-03-11 08:00", 1, "2026-03-10 15:00"}, // Wednesday → Tuesday
		{"2026-03-09 08:00", 1, "2026-03-06 15:00"}, // Monday → Friday
		{"2026-03-08 08:00", 1, "2026-03-06 15:00"}, // Sunday → Friday
		{"2026-04-07 08:00", 1, "2026-04-01 15:00"}, // after Easter → Wednesday before
		{"2026-05-18 09:00", 1, "2026-05-15 15:00"}, // Monday after 17 May (Sunday) 2026
		{"2027-05-18 09:00", 1, "2027-05-14 15:00"}, // Tuesday after 17 May (Monday) 2027
		{"2026-03-11 08:00", 0, "2026-03-11 15:00"},
		{"2026-03-11 08:00", 2, "2026-03-09 15:00"},
	}
	for _, tt := range tests {
		got, err := CancellationDeadline(at(tt.visit), tt.n, "15:00")
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at(tt.want)) {
			t.Errorf("CancellationDeadline(%s, %d) = %v, want %s", tt.visit, tt.n, got, tt.want)
		}
	}
	for _, bad := range []string{"", "25:00", "15", "3pm"} {
		if _, err := CancellationDeadline(at("2026-03-11 08:00"), 1, bad); err == nil {
			t.Errorf("cutoff %q accepted", bad)
		}
	}
	if _, err := CancellationDeadline(at("2026-03-11 08:00"), -1, "15:00"); err == nil {
		t.Error("negative workingDaysBefore accepted")
	}
}

func TestIsHoliday(t *testing.T) {
	if ok, name := IsHoliday(day("2026-05-17")); !ok || name == "" {
		t.Errorf("17 May: %v %q", ok, name)
	}
	if ok, _ := IsHoliday(day("2026-05-18")); ok {
		t.Error("18 May 2026 reported as holiday")
	}
}
