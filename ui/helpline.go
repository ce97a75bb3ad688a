package ui

import (
	"time"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// The help line (HelpLine) answers on working days, 08:00–15:30 Europe/Oslo time.
const (
	helpOpensHour, helpOpensMinute   = 8, 0
	helpClosesHour, helpClosesMinute = 15, 30
)

// helpLineOpen reports whether the help line answers at now: a working day (not a weekend, not a Norwegian
// public holiday), between 08:00 and 15:30 in Europe/Oslo, whatever the machine's own time zone.
func helpLineOpen(now time.Time) bool {
	t := now.In(workdays.Oslo)
	if !workdays.IsWorkingDay(t) {
		return false
	}
	y, m, d := t.Date()
	opens := time.Date(y, m, d, helpOpensHour, helpOpensMinute, 0, 0, workdays.Oslo)
	closes := time.Date(y, m, d, helpClosesHour, helpClosesMinute, 0, 0, workdays.Oslo)
	return !t.Before(opens) && t.Before(closes)
}

// helpLineOpens returns when the help line next opens after now (when it is closed).
func helpLineOpens(now time.Time) time.Time {
	t := now.In(workdays.Oslo)
	y, m, d := t.Date()
	today := time.Date(y, m, d, helpOpensHour, helpOpensMinute, 0, 0, workdays.Oslo)
	if workdays.IsWorkingDay(t) && t.Before(today) {
		return today
	}
	next := workdays.NextWorkingDay(t)
	y, m, d = next.Date()
	return time.Date(y, m, d, helpOpensHour, helpOpensMinute, 0, 0, workdays.Oslo)
}

// helpLineStatus says, in the language shown, whether the help line is open now, and if not when it opens.
func (k *Kiosk) helpLineStatus() string {
	now := k.now()
	if helpLineOpen(now) {
		return k.trd("HelpLineOpenNow", map[string]any{"Phone": HelpLine})
	}
	opens := helpLineOpens(now)
	data := map[string]any{"Phone": HelpLine, "Date": k.longDate(opens), "Time": k.clock(opens)}
	switch {
	case sameDay(opens.In(k.oslo), now.In(k.oslo)):
		return k.trd("HelpLineClosedToday", data)
	case sameDay(opens.In(k.oslo), now.In(k.oslo).AddDate(0, 0, 1)):
		return k.trd("HelpLineClosedTomorrow", data)
	}
	return k.trd("HelpLineClosedUntil", data)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
