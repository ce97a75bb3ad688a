package ui

import (
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/datefmt"
)

// longDate is e.g. "tysdag 3. mars" (nn), "Tuesday 3 March" (en), in Europe/Oslo (internal/domain/datefmt).
func (k *Kiosk) longDate(t time.Time) string { return datefmt.LongDate(k.lang, t) }

// clock is "14:05" in Europe/Oslo.
func (k *Kiosk) clock(t time.Time) string { return datefmt.Clock(t) }

// daysApart is the number of calendar days from now's date to t's date in Europe/Oslo (negative: t is earlier).
func (k *Kiosk) daysApart(t, now time.Time) int { return datefmt.DaysApart(t, now) }

// dayWords names t's day as seen at now, in Europe/Oslo: "i dag", "i morgon", "i går", else the weekday and
// short date ("tysdag 24. nov."), or the date with the year when it is another year ("24. nov. 2024").
func (k *Kiosk) dayWords(t, now time.Time) string { return datefmt.DayWords(k.lang, t, now) }

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
