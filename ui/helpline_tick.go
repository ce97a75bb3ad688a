package ui

import (
	"context"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// helpLineRecheck bounds the wait for the next change of the help line's status, so that a wall clock set
// or stepped meanwhile (NTP at boot) is caught within it.
const helpLineRecheck = time.Hour

// helpLineChanges is when helpLineStatus's text next changes after now: the help line opens or closes, or
// it is midnight in Oslo ("opens tomorrow" becomes "opens today").
func helpLineChanges(now time.Time) time.Time {
	t := now.In(workdays.Oslo)
	y, m, d := t.Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, workdays.Oslo)
	change := helpLineOpens(now)
	if helpLineOpen(now) {
		change = time.Date(y, m, d, helpClosesHour, helpClosesMinute, 0, 0, workdays.Oslo)
	}
	if change.Before(next) {
		next = change
	}
	return next
}

// onHelpLineChange applies apply on the UI goroutine just after each change of the help line's status
// (helpLineChanges), on the kiosk's clock, while o lives and until stop is called: the welcome screen wakes
// for it a few times a day instead of every 30 seconds.
func (k *Kiosk) onHelpLineChange(o owner, apply func()) (stop func()) {
	ctx, cancel := context.WithCancel(o.ctx)
	mine := owner{ctx: ctx, alive: o.alive}
	var arm func()
	arm = func() {
		now := k.now()
		d := min(helpLineChanges(now).Sub(now)+time.Second, helpLineRecheck)
		k.after(d, mine, func() { apply(); arm() })
	}
	arm()
	return cancel
}
