// Package syslocale gives Fyne a locale it can parse before Fyne reads it.
//
// Fyne takes its language from the locale variables as glibc does (LC_ALL, LC_MESSAGES, LANG, then
// LANGUAGE, through github.com/jeandeaual/go-locale), once, in the init of fyne.io/fyne/v2/lang, and logs
// «Fyne error: Error parsing user locale C» for C.UTF-8 – what scripts and Makefiles often set – or any
// other name that is not a language tag. The kiosk speaks its own language whatever the system's is, so
// when the locale Fyne would read does not have the form of a language tag, this package sets LANGUAGE
// (which Fyne then reads instead) to the kiosk's language.
//
// It does so in its init, which Go runs before Fyne's: this package imports only os and strings, as
// go-locale does, and its import path sorts before go-locale's, so by the order the Go specification
// gives package initialization (since Go 1.21) it is initialized before go-locale and therefore before
// fyne.io/fyne/v2/lang, which imports go-locale. cmd/helsekiosk imports it for that init alone.
package syslocale

import (
	"os"
	"strings"
)

// set is the language init put in LANGUAGE, "" when it left the locale alone.
var set string

func init() { set = Fix(os.Getenv, os.Setenv) }

// Fix sets LANGUAGE (with setenv) to the kiosk's language – HELSEKIOSK_LANG when it is nn, nb or en, else
// nn – when a locale go-locale would hand Fyne does not have the form of a language tag, and returns what
// it set ("" when nothing). Exactly C or POSIX is left alone: go-locale gives Fyne no locale then, which it
// takes as English without an error.
func Fix(getenv func(string) string, setenv func(string, string) error) string {
	if parseable(getenv) {
		return ""
	}
	lang := getenv("HELSEKIOSK_LANG")
	if lang != "nn" && lang != "nb" && lang != "en" {
		lang = "nn"
	}
	if setenv("LANGUAGE", lang) != nil {
		return ""
	}
	return lang
}

// Use puts the kiosk's configured language (--lang, the config file, …) in LANGUAGE where init had to set
// it, for what Fyne reads later (date formats, font language). It reports whether it did.
func Use(lang string) bool {
	if set == "" || lang == "" {
		return false
	}
	if os.Setenv("LANGUAGE", lang) != nil {
		return false
	}
	set = lang
	return true
}

// parseable reports whether every locale go-locale would read from the environment is a language with an
// optional region: go-locale's rules (the first set of LC_ALL, LC_MESSAGES and LANG; none, C or POSIX
// gives no locale; otherwise LANGUAGE's colon-separated list wins when set), and its split (the encoding
// after «.» dropped, «-» as «_», language «_» territory).
func parseable(getenv func(string) string) bool {
	loc := ""
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc = getenv(name); loc != "" {
			break
		}
	}
	if loc == "" || loc == "C" || loc == "POSIX" {
		return true
	}
	if l := getenv("LANGUAGE"); l != "" {
		loc = l
	}
	for _, l := range strings.Split(loc, ":") {
		l, _, _ = strings.Cut(l, ".")
		lang, region, _ := strings.Cut(strings.ReplaceAll(l, "-", "_"), "_")
		if !letters(lang, 2, 3) || region != "" && !letters(region, 2, 2) && !digits(region, 3) {
			return false
		}
	}
	return true
}

func letters(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
