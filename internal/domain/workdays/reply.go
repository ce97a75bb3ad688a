package workdays

import "time"

// ReplyDue is the day by whose end the service promises to answer a message sent at sent: the next working
// day after the day it was sent (both in Europe/Oslo). A message sent on Friday, a Saturday or a Sunday is
// answered by the end of Monday, unless Monday is a public holiday. The result is the start (00:00 Oslo) of
// that day; the promise holds until the day ends.
func ReplyDue(sent time.Time) time.Time {
	t := sent.In(Oslo)
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, Oslo)
	return NextWorkingDay(midnight)
}
