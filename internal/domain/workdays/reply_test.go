package workdays

import (
	"testing"
	"time"
)

func TestReplyDue(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, Oslo)
		if err != nil {
			panic(err)
		}
		return v
	}
	tests := []struct {
		sent string
		want string
		why  string
	}{
		{"2026-11-24 14:05", "2026-11-25", "Tuesday: Wednesday"},
		{"2026-11-27 09:00", "2026-11-30", "Friday: Monday 30 November"},
		{"2026-11-28 12:00", "2026-11-30", "Saturday: Monday"},
		{"2026-11-29 23:59", "2026-11-30", "late Sunday: Monday"},
		{"2026-11-30 00:00", "2026-12-01", "just after midnight Monday: Tuesday"},
		// Easter 2026: skjærtorsdag 2 April, langfredag 3 April, 2. påskedag 6 April.
		{"2026-04-01 10:00", "2026-04-07", "Wednesday before Easter: Tuesday after 2. påskedag"},
		{"2026-03-31 10:00", "2026-04-01", "Tuesday in Holy Week: Wednesday"},
		{"2026-04-02 10:00", "2026-04-07", "on skjærtorsdag"},
		{"2026-04-06 22:00", "2026-04-07", "on 2. påskedag"},
		// Ascension 2026: Thursday 14 May.
		{"2026-05-13 15:30", "2026-05-15", "Wednesday before Kristi himmelfartsdag: Friday"},
		{"2026-05-14 08:00", "2026-05-15", "on Kristi himmelfartsdag: Friday"},
		// Whit Monday 2026: 25 May.
		{"2026-05-22 16:00", "2026-05-26", "Friday before 2. pinsedag: Tuesday"},
		// 17 May: 2028 is a Wednesday; in 2027 it is a Monday and 2. pinsedag too.
		{"2028-05-16 12:00", "2028-05-18", "Tuesday before grunnlovsdag: Thursday"},
		{"2027-05-14 12:00", "2027-05-18", "Friday before 17 May (Monday, also 2. pinsedag): Tuesday"},
		// 1 May 2026 is a Friday.
		{"2026-04-30 12:00", "2026-05-04", "Thursday before arbeidernes dag: Monday"},
		// Christmas: julaftan is a working day; 25 and 26 December are not.
		{"2026-12-23 12:00", "2026-12-24", "23 December: julaftan"},
		{"2026-12-24 12:00", "2026-12-28", "julaftan 2026 (Thursday): Monday 28"},
		{"2025-12-24 12:00", "2025-12-29", "julaftan 2025 (Wednesday): 25 Thu, 26 Fri, weekend: Monday 29"},
		// New Year.
		{"2026-12-31 12:00", "2027-01-04", "nyttårsaftan 2026 (Thursday): 1 January Friday: Monday 4"},
		{"2027-12-31 12:00", "2028-01-03", "nyttårsaftan 2027 (Friday): Monday 3 January"},
		{"2028-12-29 12:00", "2029-01-02", "Friday 29 Dec 2028: Monday 1 January is nyttårsdag: Tuesday"},
	}
	for _, tt := range tests {
		t.Run(tt.sent+" "+tt.why, func(t *testing.T) {
			got := ReplyDue(at(tt.sent))
			if d := got.Format("2006-01-02"); d != tt.want {
				t.Errorf("ReplyDue(%s) = %s, want %s (%s)", tt.sent, d, tt.want, tt.why)
			}
			if got.Location() != Oslo || got.Hour() != 0 || got.Minute() != 0 {
				t.Errorf("ReplyDue(%s) = %v, want the start of the day in Oslo", tt.sent, got)
			}
		})
	}
}

func TestReplyDueUsesOsloDate(t *testing.T) {
	// 23:30 UTC on Friday 27 November 2026 is already Saturday in Oslo; 22:30 UTC on Thursday is still
	// Thursday there. Summer time: 22:30 UTC on Friday 12 June 2026 is Saturday 00:30 in Oslo.
	tests := []struct {
		sent time.Time
		want string
	}{
		{time.Date(2026, 11, 27, 23, 30, 0, 0, time.UTC), "2026-11-30"},
		{time.Date(2026, 11, 26, 22, 30, 0, 0, time.UTC), "2026-11-27"},
		{time.Date(2026, 6, 12, 22, 30, 0, 0, time.UTC), "2026-06-15"},
		{time.Date(2026, 6, 11, 21, 30, 0, 0, time.UTC), "2026-06-12"},
	}
	for _, tt := range tests {
		if got := ReplyDue(tt.sent).Format("2006-01-02"); got != tt.want {
			t.Errorf("ReplyDue(%v) = %s, want %s", tt.sent, got, tt.want)
		}
	}
}
