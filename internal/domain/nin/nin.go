// Package nin validates Norwegian national identity numbers (fødselsnummer, 11 digits: DDMMYY, a
// three-digit individual number and two mod-11 check digits). It accepts D-numbers (day + 40),
// H-numbers (month + 40) and the synthetic test numbers of Skatteetaten's Tenor test data (month + 80),
// and builds synthetic numbers for test and demo data.
package nin

import (
	"errors"
	"fmt"
	"time"
)

// The distinct reasons Validate rejects a number.
var (
	ErrLength      = errors.New("nin: not 11 characters")
	ErrNotDigits   = errors.New("nin: not all digits")
	ErrDate        = errors.New("nin: no valid birth date")
	ErrCheckDigit1 = errors.New("nin: first check digit is wrong")
	ErrCheckDigit2 = errors.New("nin: second check digit is wrong")
)

var (
	weights1 = [9]int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	weights2 = [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
)

// checkDigit returns the mod-11 check digit of digits with weights w, or -1 when the remainder makes
// it 10 (no valid number has such a prefix).
func checkDigit(digits []int, w []int) int {
	sum := 0
	for i, wi := range w {
		sum += digits[i] * wi
	}
	k := 11 - sum%11
	switch k {
	case 11:
		return 0
	case 10:
		return -1
	}
	return k
}

// Kind tells which kind of number it is.
type Kind int

const (
	Ordinary        Kind = iota // an ordinary fødselsnummer
	DNumber                     // day + 40
	HNumber                     // month + 40 (help numbers)
	SyntheticNumber             // month + 80 (Tenor synthetic test numbers)
)

// Parsed is a validated number's parts.
type Parsed struct {
	BirthDate  time.Time // midnight UTC on the birth date
	Individual int       // the three-digit individual number
	Kind       Kind
	DNumber    bool
}

func digitsOf(s string) ([]int, error) {
	if len(s) != 11 {
		return nil, ErrLength
	}
	d := make([]int, 11)
	for i := 0; i < 11; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, ErrNotDigits
		}
		d[i] = int(c - '0')
	}
	return d, nil
}

// century returns the full year from the two-digit year and the individual number, or false when the
// combination is not in use.
func century(yy, individual int) (int, bool) {
	switch {
	case individual <= 499:
		return 1900 + yy, true
	case individual <= 749 && yy >= 54:
		return 1800 + yy, true
	case individual >= 500 && yy <= 39:
		return 2000 + yy, true
	case individual >= 900 && yy >= 40:
		return 1900 + yy, true
	}
	return 0, false
}

// Parse validates s and returns its parts.
func Parse(s string) (Parsed, error) {
	d, err := digitsOf(s)
	if err != nil {
		return Parsed{}, err
	}
	var p Parsed
	day := d[0]*10 + d[1]
	month := d[2]*10 + d[3]
	yy := d[4]*10 + d[5]
	p.Individual = d[6]*100 + d[7]*10 + d[8]
	if day > 40 {
		day -= 40
		p.DNumber = true
		p.Kind = DNumber
	}
	switch {
	case month > 80:
		month -= 80
		p.Kind = SyntheticNumber
	case month > 40:
		month -= 40
		p.Kind = HNumber
	}
	year, ok := century(yy, p.Individual)
	if !ok || month < 1 || month > 12 || day < 1 || day > 31 {
		return Parsed{}, ErrDate
	}
	bd := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if bd.Day() != day || bd.Month() != time.Month(month) {
		return Parsed{}, ErrDate // e.g. 31 April or 29 February in a common year
	}
	p.BirthDate = bd
	if k := checkDigit(d, weights1[:]); k < 0 || k != d[9] {
		return Parsed{}, ErrCheckDigit1
	}
	if k := checkDigit(d, weights2[:]); k < 0 || k != d[10] {
		return Parsed{}, ErrCheckDigit2
	}
	return p, nil
}

// Validate reports whether s is a valid national identity number (or D-, H- or synthetic number), with
// one of the exported errors saying why not.
func Validate(s string) error {
	_, err := Parse(s)
	return err
}

// BirthDate returns the birth date (midnight UTC) of a valid number, using the individual number's
// century rules.
func BirthDate(s string) (time.Time, error) {
	p, err := Parse(s)
	if err != nil {
		return time.Time{}, err
	}
	return p.BirthDate, nil
}

// AgeOn returns the age in whole years on date of someone born on birth (both read as calendar dates).
func AgeOn(birth, date time.Time) int {
	by, bm, bd := birth.Date()
	y, m, d := date.Date()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
	}
	return age
}

// Synthetic builds the synthetic (month + 80) number for someone born on birth with the given
// individual number (0-999). It reports false when the individual number does not fit the birth year's
// century or yields a check digit of 10; try another individual number then.
func Synthetic(birth time.Time, individual int) (string, bool) {
	if individual < 0 || individual > 999 {
		return "", false
	}
	y, m, dd := birth.Date()
	if got, ok := century(y%100, individual); !ok || got != y {
		return "", false
	}
	s := fmt.Sprintf("%02d%02d%02d%03d", dd, int(m)+80, y%100, individual)
	d := make([]int, 11)
	for i := 0; i < 9; i++ {
		d[i] = int(s[i] - '0')
	}
	k1 := checkDigit(d, weights1[:])
	if k1 < 0 {
		return "", false
	}
	d[9] = k1
	k2 := checkDigit(d, weights2[:])
	if k2 < 0 {
		return "", false
	}
	return fmt.Sprintf("%s%d%d", s, k1, k2), true
}

// MustSynthetic returns the first valid synthetic number for birth with an individual number from
// start upwards that fits the century. It panics when there is none (it always finds one for years
// 1854-2039).
func MustSynthetic(birth time.Time, start int) string {
	for i := 0; i < 1000; i++ {
		if s, ok := Synthetic(birth, (start+i)%1000); ok {
			return s
		}
	}
	panic(fmt.Sprintf("nin: no synthetic number for %s", birth.Format("2006-01-02")))
}
