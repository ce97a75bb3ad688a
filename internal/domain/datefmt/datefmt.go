// Package datefmt writes dates and times for the kiosk in nynorsk ("nn"), bokmål ("nb") and English ("en"):
// weekday and month names (from github.com/goodsign/monday's nn_NO, nb_NO and en_GB tables), "i dag / i går /
// i morgon", and the 24-hour clock, always in Europe/Oslo whatever the machine's time zone.
//
// An unknown language is written as bokmål, the kiosk's bundle default.
package datefmt

import (
	"strconv"
	"time"
	_ "time/tzdata" // Europe/Oslo also on a machine without zoneinfo

	"github.com/goodsign/monday"
)

// Oslo is Europe/Oslo, the zone every date and time is shown in.
var Oslo = mustLoad("Europe/Oslo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("datefmt: " + err.Error()) // time/tzdata is embedded: cannot happen
	}
	return loc
}

func locale(lang string) monday.Locale {
	switch lang {
	case "nn":
		return monday.LocaleNnNO
	case "en":
		return monday.LocaleEnGB
	}
	return monday.LocaleNbNO
}

// A fixed reference: 1 January 2023 was a Sunday.
func refDay(d time.Weekday) time.Time { return time.Date(2023, 1, 1+int(d), 12, 0, 0, 0, time.UTC) }
func refMonth(m time.Month) time.Time { return time.Date(2023, m, 1, 12, 0, 0, 0, time.UTC) }
func dated(lang, day, month string) string {
	if lang == "en" {
		return day + " " + month
	}
	return day + ". " + month
}

// Weekday is the weekday's name in lower case for nn and nb ("tysdag", "tirsdag"), capitalised in English
// ("Tuesday").
func Weekday(lang string, d time.Weekday) string {
	return monday.Format(refDay(d), "Monday", locale(lang))
}

// Month is the month's name ("mars", "March").
func Month(lang string, m time.Month) string {
	return monday.Format(refMonth(m), "January", locale(lang))
}

// MonthShort is the month's short name: in nn and nb the first three letters and a full stop, except that names
// of four letters or fewer are written out ("jan.", "mars", "mai", "juni", "juli", "nov."); in English "Jan".
func MonthShort(lang string, m time.Month) string {
	if lang == "en" {
		return monday.Format(refMonth(m), "Jan", monday.LocaleEnGB)
	}
	long := []rune(Month(lang, m))
	if len(long) <= 4 {
		return string(long)
	}
	return string(long[:3]) + "."
}

// Clock is the time of day in Europe/Oslo on the 24-hour clock: "14:05", "08:00".
func Clock(t time.Time) string { return t.In(Oslo).Format("15:04") }

// In is t in Europe/Oslo.
func In(t time.Time) time.Time { return t.In(Oslo) }

// DaysApart is the number of calendar days in Europe/Oslo from now's date to t's date (negative: t is earlier).
func DaysApart(t, now time.Time) int {
	ty, tm, td := In(t).Date()
	ny, nm, nd := In(now).Date()
	return int(time.Date(ty, tm, td, 12, 0, 0, 0, time.UTC).Sub(time.Date(ny, nm, nd, 12, 0, 0, 0, time.UTC)).Hours() / 24)
}

// relative are "today", "yesterday" and "tomorrow" by language, indexed by DaysApart+1.
var relative = map[string][3]string{
	"nn": {"i går", "i dag", "i morgon"},
	"nb": {"i går", "i dag", "i morgen"},
	"en": {"yesterday", "today", "tomorrow"},
}

// RelativeDay is "i går", "i dag" or "i morgon" (nn; "i morgen" in nb; "yesterday", "today", "tomorrow" in
// English) for t seen at now in Europe/Oslo; ok is false when t is another day.
func RelativeDay(lang string, t, now time.Time) (word string, ok bool) {
	d := DaysApart(t, now)
	if d < -1 || d > 1 {
		return "", false
	}
	words, found := relative[lang]
	if !found {
		words = relative["nb"]
	}
	return words[d+1], true
}

// LongDate is the weekday, day and month: "tysdag 3. mars" (nn), "tirsdag 3. mars" (nb), "Tuesday 3 March".
func LongDate(lang string, t time.Time) string {
	t = In(t)
	return Weekday(lang, t.Weekday()) + " " + dated(lang, strconv.Itoa(t.Day()), Month(lang, t.Month()))
}

// DayWords names t's day as seen at now: "i dag", "i går", "i morgon"; else the weekday and short date
// ("tysdag 24. nov."), or the short date and the year when it is another year ("24. nov. 2025").
func DayWords(lang string, t, now time.Time) string {
	if w, ok := RelativeDay(lang, t, now); ok {
		return w
	}
	o := In(t)
	short := dated(lang, strconv.Itoa(o.Day()), MonthShort(lang, o.Month()))
	if o.Year() != In(now).Year() {
		return short + " " + strconv.Itoa(o.Year())
	}
	return Weekday(lang, o.Weekday()) + " " + short
}

// DateTime is DayWords and the clock: "i dag 14:05", "i går 09:12", "i morgon 08:00", "tysdag 24. nov. 14:05".
func DateTime(lang string, t, now time.Time) string { return DayWords(lang, t, now) + " " + Clock(t) }
