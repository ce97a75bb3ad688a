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

// shortTime is the time for today, "i går" for yesterday, else the date ("3. mars").
func (k *Kiosk) shortTime(t time.Time) string {
	now := time.Now().In(k.oslo)
	t = t.In(k.oslo)
	y, m, d := t.Date()
	ny, nm, nd := now.Date()
	switch {
	case y == ny && m == nm && d == nd:
		return k.clock(t)
	case y == ny && m == nm && d == nd-1:
		return k.tr("Yesterday")
	case y == ny:
		return k.trd("DateShort", map[string]any{"Day": d, "Month": k.tr(monthIDs[m-1])})
	}
	return fmt.Sprintf("%02d.%02d.%d", d, int(m), y)
}

// dateTime is the date and time of a message.
func (k *Kiosk) dateTime(t time.Time) string {
	return k.shortTime(t) + " " + k.clock(t)
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
