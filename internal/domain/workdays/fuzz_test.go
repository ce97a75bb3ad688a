package workdays

import (
	"testing"
	"time"
)

// fuzzTime maps any int64 to an instant between 1900 and 2200.
func fuzzTime(sec int64) time.Time {
	lo := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	if sec < 0 {
		sec = -(sec + 1)
	}
	return time.Unix(lo+sec%(hi-lo), 0)
}

// osloDate is t's calendar date in Oslo, as a UTC midnight (so that stepping by days is exact).
func osloDate(t time.Time) time.Time {
	y, m, d := t.In(Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// workingDate reports whether the Oslo date d (a UTC midnight) is a working day, asked at noon Oslo time.
func workingDate(d time.Time) bool {
	return IsWorkingDay(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, Oslo))
}

// FuzzWorkingDays checks the working-day calculator against a day-by-day walk of the calendar:
// AddWorkingDays lands on a working day exactly n working days away and keeps the time of day; ReplyDue is
// the first working day after the day a message was sent; a cancellation deadline lies the given number of
// working days before the visit, at the cutoff.
func FuzzWorkingDays(f *testing.F) {
	for _, s := range []struct {
		t string
		n int8
	}{
		{"2026-04-01T14:00:00+02:00", 1},  // Wednesday before Easter
		{"2026-04-02T09:30:00+02:00", -3}, // Maundy Thursday
		{"2026-05-16T23:59:00+02:00", 2},  // before 17 May
		{"2026-12-23T15:01:00+01:00", 1},  // Christmas
		{"2026-03-28T02:30:00+01:00", 1},  // Saturday before the spring DST change
		{"2026-10-24T02:30:00+02:00", 1},  // Saturday before the autumn DST change
		{"2027-12-31T23:00:00+01:00", 0},
	} {
		tm, err := time.Parse(time.RFC3339, s.t)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tm.Unix()-time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), s.n)
	}
	f.Fuzz(func(t *testing.T, sec int64, n8 int8) {
		in := fuzzTime(sec)
		n := int(n8) % 25
		got := AddWorkingDays(in, n)
		if n == 0 {
			if !got.Equal(in) {
				t.Fatalf("AddWorkingDays(%v, 0) = %v", in, got)
			}
		} else {
			if !IsWorkingDay(got) {
				t.Fatalf("AddWorkingDays(%v, %d) = %v, not a working day", in, n, got)
			}
			// Walk the calendar from in's date to got's date: exactly |n| working days, the last one got's.
			step := 1
			if n < 0 {
				step = -1
			}
			want := n * step
			d, end := osloDate(in), osloDate(got)
			count := 0
			for i := 0; d != end; i++ {
				if i > 40*want+30 {
					t.Fatalf("AddWorkingDays(%v, %d) = %v: too far", in, n, got)
				}
				d = d.AddDate(0, 0, step)
				if workingDate(d) {
					count++
				}
			}
			if count != want {
				t.Fatalf("AddWorkingDays(%v, %d) = %v: %d working days away", in, n, got, count)
			}
			// The time of day stays, unless it does not exist on the result's date (the spring DST gap).
			lin, lgot := in.In(Oslo), got.In(Oslo)
			probe := time.Date(lgot.Year(), lgot.Month(), lgot.Day(), lin.Hour(), lin.Minute(), lin.Second(), 0, Oslo)
			if probe.Hour() == lin.Hour() && (lgot.Hour() != lin.Hour() || lgot.Minute() != lin.Minute()) {
				t.Fatalf("AddWorkingDays(%v, %d) = %v: the time of day changed", lin, n, lgot)
			}
		}

		due := ReplyDue(in)
		if h, m, s := due.In(Oslo).Clock(); h != 0 || m != 0 || s != 0 || !IsWorkingDay(due) {
			t.Fatalf("ReplyDue(%v) = %v", in, due)
		}
		for d := osloDate(in).AddDate(0, 0, 1); d.Before(osloDate(due)); d = d.AddDate(0, 0, 1) {
			if workingDate(d) {
				t.Fatalf("ReplyDue(%v) = %v skips the working day %v", in, due, d)
			}
		}
		if !osloDate(due).After(osloDate(in)) {
			t.Fatalf("ReplyDue(%v) = %v, not after the day it was sent", in, due)
		}

		k := (int(n8)%6 + 6) % 6
		dl, err := CancellationDeadline(in, k, "15:00")
		if err != nil {
			t.Fatal(err)
		}
		if h, m := dl.In(Oslo).Hour(), dl.In(Oslo).Minute(); h != 15 || m != 0 {
			t.Fatalf("CancellationDeadline(%v, %d) = %v, not at 15:00", in, k, dl)
		}
		if osloDate(dl).After(osloDate(in)) || (k > 0 && !IsWorkingDay(dl)) {
			t.Fatalf("CancellationDeadline(%v, %d) = %v", in, k, dl)
		}
	})
}
