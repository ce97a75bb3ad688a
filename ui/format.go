package ui

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
)

var weekdayIDs = [7]string{
	id("WeekdaySunday"), id("WeekdayMonday"), id("WeekdayTuesday"), id("WeekdayWednesday"),
	id("WeekdayThursday"), id("WeekdayFriday"), id("WeekdaySaturday"),
}

var monthIDs = [12]string{
	id("MonthJanuary"), id("MonthFebruary"), id("MonthMarch"), id("MonthApril"), id("MonthMay"), id("MonthJune"),
	id("MonthJuly"), id("MonthAugust"), id("MonthSeptember"), id("MonthOctober"), id("MonthNovember"), id("MonthDecember"),
}

// longDate is e.g. "tysdag 3. mars" (nn), "Tuesday 3 March" (en), in Europe/Oslo.
func (k *Kiosk) longDate(t time.Time) string {
	t = t.In(k.oslo)
	return k.trd("DateLong", map[string]any{
		"Weekday": k.tr(weekdayIDs[t.Weekday()]),
		"Day":     t.Day(),
		"Month":   k.tr(monthIDs[t.Month()-1]),
	})
}

// clock is "14:05" in Europe/Oslo.
func (k *Kiosk) clock(t time.Time) string { return t.In(k.oslo).Format("15:04") }

var monthShortIDs = [12]string{
	id("MsgMonthShortJanuary"), id("MsgMonthShortFebruary"), id("MsgMonthShortMarch"), id("MsgMonthShortApril"),
	id("MsgMonthShortMay"), id("MsgMonthShortJune"), id("MsgMonthShortJuly"), id("MsgMonthShortAugust"),
	id("MsgMonthShortSeptember"), id("MsgMonthShortOctober"), id("MsgMonthShortNovember"), id("MsgMonthShortDecember"),
}

// daysApart is the number of calendar days from now's date to t's date in Europe/Oslo (negative: t is earlier).
func (k *Kiosk) daysApart(t, now time.Time) int {
	ty, tm, td := t.In(k.oslo).Date()
	ny, nm, nd := now.In(k.oslo).Date()
	return int(time.Date(ty, tm, td, 12, 0, 0, 0, time.UTC).Sub(time.Date(ny, nm, nd, 12, 0, 0, 0, time.UTC)).Hours() / 24)
}

// dayWords names t's day as seen at now, in Europe/Oslo: "i dag", "i morgon", "i går", else the weekday and
// short date ("tysdag 24. nov."), or the date with the year when it is another year ("24. nov. 2024").
func (k *Kiosk) dayWords(t, now time.Time) string {
	switch k.daysApart(t, now) {
	case 0:
		return k.tr("MsgToday")
	case 1:
		return k.tr("MsgTomorrow")
	case -1:
		return k.tr("Yesterday")
	}
	t = t.In(k.oslo)
	month := k.tr(monthShortIDs[t.Month()-1])
	if t.Year() != now.In(k.oslo).Year() {
		return k.trd("DateShort", map[string]any{"Day": t.Day(), "Month": month}) + " " + fmt.Sprint(t.Year())
	}
	return k.trd("DateLong", map[string]any{"Weekday": k.tr(weekdayIDs[t.Weekday()]), "Day": t.Day(), "Month": month})
}

// shortTime is a time in words for a list: "i dag 14:05", "i går", "tysdag 24. nov.".
func (k *Kiosk) shortTime(t time.Time) string { return k.shortTimeAt(t, k.now()) }

func (k *Kiosk) shortTimeAt(t, now time.Time) string {
	if k.daysApart(t, now) == 0 {
		return k.trd("MsgTodayAt", map[string]any{"Time": k.clock(t)})
	}
	return k.dayWords(t, now)
}

// dateTime is the day in words and the time of a message: "i dag 14:05", "i går 09:12", "tysdag 24. nov. 14:05".
func (k *Kiosk) dateTime(t time.Time) string { return k.dateTimeAt(t, k.now()) }

func (k *Kiosk) dateTimeAt(t, now time.Time) string {
	switch k.daysApart(t, now) {
	case 0:
		return k.trd("MsgTodayAt", map[string]any{"Time": k.clock(t)})
	case -1:
		return k.trd("MsgYesterdayAt", map[string]any{"Time": k.clock(t)})
	}
	return k.dayWords(t, now) + " " + k.clock(t)
}

// serviceName is the municipality's own name for a service; a known code with no name is translated.
func (k *Kiosk) serviceName(s api.Service) string {
	if s.Name != "" {
		return s.Name
	}
	switch s.Code {
	case "home_nursing":
		return k.tr("ServiceHomeNursing")
	case "practical_help":
		return k.tr("ServicePracticalHelp")
	case "physiotherapy":
		return k.tr("ServicePhysiotherapy")
	}
	return k.tr("ServiceOther")
}

// capitalize upper-cases the first letter (a date that starts a line: "tysdag 3. mars" -> "Tysdag 3. mars").
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
