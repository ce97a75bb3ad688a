package ui

import (
	"testing"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// TestHelpLineChanges: the next change of the help line's status is its opening, its closing or midnight,
// whichever comes first; and the status text does not change before it.
func TestHelpLineChanges(t *testing.T) {
	at := func(y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, workdays.Oslo)
	}
	for _, c := range []struct{ now, want time.Time }{
		{at(2026, 12, 1, 7, 0), at(2026, 12, 1, 8, 0)},    // a Tuesday before opening: opens
		{at(2026, 12, 1, 9, 0), at(2026, 12, 1, 15, 30)},  // open: closes
		{at(2026, 12, 1, 16, 0), at(2026, 12, 2, 0, 0)},   // closed for the day: midnight ("tomorrow" → "today")
		{at(2026, 12, 4, 16, 0), at(2026, 12, 5, 0, 0)},   // Friday evening: midnight (the wording may change)
		{at(2026, 12, 25, 10, 0), at(2026, 12, 26, 0, 0)}, // Christmas Day is not a working day
		{at(2026, 12, 1, 15, 30), at(2026, 12, 2, 0, 0)},  // the very minute it closes
	} {
		if got := helpLineChanges(c.now); !got.Equal(c.want) {
			t.Errorf("helpLineChanges(%v) = %v, want %v", c.now, got, c.want)
		}
	}
	// Minute by minute over a week: helpLineOpen and helpLineOpens (what the text is made of) are the same
	// at every minute before the change as at its start.
	for now := at(2026, 12, 21, 0, 0); now.Before(at(2026, 12, 28, 0, 0)); now = now.Add(time.Minute) {
		next := helpLineChanges(now)
		if !next.After(now) {
			t.Fatalf("helpLineChanges(%v) = %v, not after it", now, next)
		}
		before := next.Add(-time.Second)
		if helpLineOpen(before) != helpLineOpen(now) || (!helpLineOpen(now) && !helpLineOpens(before).Equal(helpLineOpens(now))) {
			t.Fatalf("the status changes between %v and the next change %v", now, next)
		}
	}
}
