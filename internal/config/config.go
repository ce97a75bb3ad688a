// Package config reads the kiosk's settings from command-line flags and HELSEKIOSK_* environment variables.
// Flags override the environment, which overrides the defaults.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/helsekiosk/helsekiosk/client"
)

// Languages the kiosk speaks, in the order the welcome screen offers them.
var Languages = []string{"nn", "nb", "en"}

// Config is what the kiosk runs with.
type Config struct {
	API         string // issuer/API URL; empty means: start the demo backend in-process
	Demo        bool   // demo mode (test persons, demo approval buttons, a DEMO banner)
	Fullscreen  bool
	Lang        string // nn, nb or en (default nn)
	KioskName   string // shown to the citizen on the phone (default "Helsekiosk")
	IdleTimeout time.Duration
	IdleWarning time.Duration
}

// Defaults returns the settings used when neither a flag nor the environment says otherwise.
func Defaults() Config {
	return Config{Lang: "nn", KioskName: "Helsekiosk", IdleTimeout: 3 * time.Minute, IdleWarning: 60 * time.Second}
}

// ValidLang reports whether lang is one of Languages.
func ValidLang(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Load reads args (without the program name) and the environment through getenv.
func Load(args []string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	c := Defaults()
	if v := strings.TrimSpace(getenv("HELSEKIOSK_API")); v != "" {
		c.API = v
	}
	if v := strings.TrimSpace(getenv("HELSEKIOSK_LANG")); v != "" {
		c.Lang = v
	}
	if v := strings.TrimSpace(getenv("HELSEKIOSK_KIOSK_NAME")); v != "" {
		c.KioskName = v
	}
	if v := strings.TrimSpace(getenv("HELSEKIOSK_FULLSCREEN")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("config: HELSEKIOSK_FULLSCREEN=%q is not a boolean", v)
		}
		c.Fullscreen = b
	}

	fs := flag.NewFlagSet("helsekiosk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.API, "api", c.API, "backend issuer URL (https://, or http:// on loopback); empty starts the demo backend")
	fs.BoolVar(&c.Fullscreen, "fullscreen", c.Fullscreen, "run full screen")
	fs.StringVar(&c.Lang, "lang", c.Lang, "default language: nn, nb or en")
	fs.StringVar(&c.KioskName, "kiosk-name", c.KioskName, "the kiosk's name, shown on the citizen's phone")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "log out after this long without input")
	fs.DurationVar(&c.IdleWarning, "idle-warning", c.IdleWarning, "warn this long before the idle logout")
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}

	c.Lang = strings.ToLower(strings.TrimSpace(c.Lang))
	if !ValidLang(c.Lang) {
		return Config{}, fmt.Errorf("config: language %q is not one of nn, nb, en", c.Lang)
	}
	c.KioskName = strings.TrimSpace(c.KioskName)
	if c.KioskName == "" {
		c.KioskName = "Helsekiosk"
	}
	c.API = strings.TrimSpace(c.API)
	if c.API != "" {
		if _, err := client.CheckURL(c.API); err != nil {
			return Config{}, fmt.Errorf("config: --api: %w", err)
		}
	}
	if c.IdleTimeout <= 0 {
		return Config{}, errors.New("config: --idle-timeout must be positive")
	}
	if c.IdleWarning < 0 || c.IdleWarning >= c.IdleTimeout {
		return Config{}, errors.New("config: --idle-warning must be at least 0 and less than --idle-timeout")
	}
	return c, nil
}
