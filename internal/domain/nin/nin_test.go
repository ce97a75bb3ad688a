package nin

import (
	"errors"
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestValidate(t *testing.T) {
	tests := []struct {
		in    string
		want  error
		birth string
	}{
		{"15076500565", nil, "1965-07-15"},  // an ordinary, well-known valid number
		{"55076500559", nil, "1965-07-15"},  // the same birth date as a D-number
		{"15876500520", nil, "1965-07-15"},  // synthetic (month + 80)
		{"15476500548", nil, "1965-07-15"},  // H-number (month + 40)
		{"01011050081", nil, "2010-01-01"},  // 2000s: individual 500
		{"29022050034", nil, "2020-02-29"},  // leap day
		{"1507650056", ErrLength, ""},       // 10 digits
		{"150765005655", ErrLength, ""},     // 12 digits
		{"", ErrLength, ""},                 // empty
		{"1507650056a", ErrNotDigits, ""},   // a letter
		{"15076 00565", ErrNotDigits, ""},   // a space
		{"32076500565", ErrDate, ""},        // day 32
		{"00076500565", ErrDate, ""},        // day 0
		{"15136500565", ErrDate, ""},        // month 13
		{"31046500565", ErrDate, ""},        // 31 April
		{"29022150000", ErrDate, ""},        // 29 Feb 2021
		{"15074560000", ErrDate, ""},        // individual 600 with year 45
		{"15076500575", ErrCheckDigit1, ""}, // first check digit changed
		{"15076500566", ErrCheckDigit2, ""}, // second check digit changed
		{"15076500300", ErrCheckDigit1, ""}, // a prefix whose first check digit would be 10
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := Validate(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Validate(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if tt.want == nil {
				bd, err := BirthDate(tt.in)
				if err != nil {
					t.Fatal(err)
				}
				if bd.Format("2006-01-02") != tt.birth {
					t.Errorf("BirthDate(%q) = %s, want %s", tt.in, bd.Format("2006-01-02"), tt.birth)
				}
			}
		})
	}
}

func TestCenturies(t *testing.T) {
	tests := []struct {
		birth      string
		individual int
		ok         bool
	}{
		{"1941-05-03", 123, true},
		{"1941-05-03", 912, true},  // 900-999 with year 40-99 is the 1900s
		{"1941-05-03", 600, false}, // 500-899 with year 41 is not in use
		{"1868-01-01", 600, true},  // 500-749 with year 54-99 is the 1800s
		{"1868-01-01", 800, false},
		{"2016-08-20", 512, true},
		{"2016-08-20", 123, false}, // 000-499 is the 1900s
		{"2045-01-01", 512, false},
	}
	for _, tt := range tests {
		var s string
		var ok bool
		// find an individual number near the one asked for that gives a valid check digit
		for i := 0; i < 10 && !ok; i++ {
			s, ok = Synthetic(date(tt.birth), tt.individual+i)
			if !tt.ok {
				break
			}
		}
		if ok != tt.ok {
			t.Errorf("Synthetic(%s, %d): ok = %v, want %v", tt.birth, tt.individual, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		bd, err := BirthDate(s)
		if err != nil {
			t.Errorf("Synthetic(%s, %d) = %s, invalid: %v", tt.birth, tt.individual, s, err)
			continue
		}
		if bd.Format("2006-01-02") != tt.birth {
			t.Errorf("Synthetic(%s) = %s with birth date %s", tt.birth, s, bd.Format("2006-01-02"))
		}
		if s[2] < '8' {
			t.Errorf("Synthetic(%s) = %s: month not +80", tt.birth, s)
		}
	}
}

func TestSyntheticReportsBadCheckDigit(t *testing.T) {
	// Out of every run of individual numbers some give a check digit of 10; Synthetic must report them,
	// never return an invalid number.
	birth := date("1941-05-03")
	bad, good := 0, 0
	for i := 0; i < 500; i++ {
		s, ok := Synthetic(birth, i)
		if !ok {
			bad++
			continue
		}
		good++
		if err := Validate(s); err != nil {
			t.Fatalf("Synthetic(%d) = %s: %v", i, s, err)
		}
	}
	if bad == 0 || good == 0 {
		t.Errorf("good=%d bad=%d: expected both", good, bad)
	}
	if _, ok := Synthetic(birth, 1000); ok {
		t.Error("individual 1000 accepted")
	}
	if _, ok := Synthetic(birth, -1); ok {
		t.Error("individual -1 accepted")
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		birth, on string
		want      int
	}{
		{"2008-03-10", "2026-03-09", 17},
		{"2008-03-10", "2026-03-10", 18},
		{"1941-05-03", "2026-03-10", 84},
		{"2008-02-29", "2026-02-28", 17},
		{"2008-02-29", "2026-03-01", 18},
	}
	for _, tt := range tests {
		if got := AgeOn(date(tt.birth), date(tt.on)); got != tt.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", tt.birth, tt.on, got, tt.want)
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range []string{"15076500565", "55076500559", "15876500520", "", "abc", "01011050081", "99999999999", "1507650056\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Validate(s)
		if err != nil {
			for _, known := range []error{ErrLength, ErrNotDigits, ErrDate, ErrCheckDigit1, ErrCheckDigit2} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("Validate(%q) = unknown error %v", s, err)
		}
		if len(s) != 11 {
			t.Fatalf("Validate accepted %q of length %d", s, len(s))
		}
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				t.Fatalf("Validate accepted non-digit in %q", s)
			}
		}
		bd, err := BirthDate(s)
		if err != nil || bd.IsZero() {
			t.Fatalf("accepted %q but BirthDate = %v, %v", s, bd, err)
		}
	})
}
