// Package workdays answers which days are working days in Norway (Europe/Oslo): Monday to Friday except
// the Norwegian public holidays (from github.com/rickar/cal/v2/no), and computes deadlines such as
// "by 15:00 on the working day before the visit".
package workdays

import (
	"fmt"
	"time"
	_ "time/tzdata" // so Europe/Oslo loads on machines without zoneinfo

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/no"
)

// Oslo is the Europe/Oslo time zone every function here works in.
var Oslo = mustLoad("Europe/Oslo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("workdays: load %s: %v", name, err))
	}
	return loc
}

// calendar is read-only after init (Cacheable is false), so it is safe for concurrent use.
var calendar = func() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.Name = "Norway"
	c.AddHoliday(no.Holidays...)
	return c
}()

// IsWorkingDay reports whether t's date in Europe/Oslo is a working day: a weekday that is not a Norwegian
// public holiday.
func IsWorkingDay(t time.Time) bool {
	return calendar.IsWorkday(t.In(Oslo))
}

// IsHoliday reports whether t's date in Europe/Oslo is a Norwegian public holiday, and its name.
func IsHoliday(t time.Time) (bool, string) {
	_, obs, h := calendar.IsHoliday(t.In(Oslo))
	if !obs || h == nil {
		return false, ""
	}
	return true, h.Name
}

// addDays moves t by n calendar days keeping its wall-clock time in Oslo (across DST changes).
func addDays(t time.Time, n int) time.Time {
	t = t.In(Oslo)
	y, m, d := t.Date()
	return time.Date(y, m, d+n, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), Oslo)
}

// NextWorkingDay returns the first working day strictly after t's date, at the same Oslo wall-clock time.
func NextWorkingDay(t time.Time) time.Time {
	return AddWorkingDays(t, 1)
}

// AddWorkingDays moves t by n working days (backwards when n < 0), keeping t's Oslo wall-clock time.
// With n == 0 it returns t (in Oslo) even when that is not a working day.
func AddWorkingDays(t time.Time, n int) time.Time {
	t = t.In(Oslo)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	// Each candidate day is computed from t itself: stepping from the previous candidate would carry a time
	// shifted by a DST gap (02:30 on the spring change day is 03:30) into every later day.
	out := t
	for days := step; n > 0; days += step {
		out = addDays(t, days)
		if IsWorkingDay(out) {
			n--
		}
	}
	return out
}

// ParseCutoff parses a local "HH:MM" time of day.
func ParseCutoff(cutoff string) (hour, minute int, err error) {
	c, err := time.Parse("15:04", cutoff)
	if err != nil {
		return 0, 0, fmt.Errorf("workdays: cutoff %q is not HH:MM", cutoff)
	}
	return c.Hour(), c.Minute(), nil
}

// CancellationDeadline is the moment a visit starting at visitStart can be cancelled until: cutoff
// ("15:00", Oslo time) on the day that lies workingDaysBefore working days before the visit's date
// (with 0: the visit's own date).
func CancellationDeadline(visitStart time.Time, workingDaysBefore int, cutoff string) (time.Time, error) {
	h, m, err := ParseCutoff(cutoff)
	if err != nil {
		return time.Time{}, err
	}
	if workingDaysBefore < 0 {
		return time.Time{}, fmt.Errorf("workdays: workingDaysBefore %d < 0", workingDaysBefore)
	}
	day := AddWorkingDays(visitStart, -workingDaysBefore)
	y, mo, d := day.Date()
	return time.Date(y, mo, d, h, m, 0, 0, Oslo), nil
}
