// Package config reads the kiosk's settings. Each setting has one key (api, lang, kiosk_name, ...) that is
// the same in every layer; the layers, weakest first, are: the defaults, the configuration file
// (config.toml in the configuration directory, or --config FILE), what staff saved in the staff panel
// (passed in by the caller, from the local store), HELSEKIOSK_<KEY> environment variables, and
// command-line flags (--key, with - for _). A later layer wins.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

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

	Kiosk         bool   // locked-down mode: full screen, window close refused, the staff PIN guards the way out
	Location      string // where the kiosk stands; shown with its name on the login approval page
	TouchKeyboard bool   // show the on-screen keyboard
	ReadAloud     bool   // offer read-aloud
	Dir           string // the configuration directory: config.toml and the local store ("" = none)
}

// The setting keys: the file's keys, the staff panel's stored keys, HELSEKIOSK_<KEY> and --key (- for _).
const (
	KeyAPI           = "api"
	KeyFullscreen    = "fullscreen"
	KeyKiosk         = "kiosk"
	KeyLang          = "lang"
	KeyKioskName     = "kiosk_name"
	KeyLocation      = "location"
	KeyIdleTimeout   = "idle_timeout"
	KeyIdleWarning   = "idle_warning"
	KeyTouchKeyboard = "touch_keyboard"
	KeyReadAloud     = "read_aloud"
)

// Keys lists every setting key.
var Keys = []string{KeyAPI, KeyFullscreen, KeyKiosk, KeyLang, KeyKioskName, KeyLocation, KeyIdleTimeout,
	KeyIdleWarning, KeyTouchKeyboard, KeyReadAloud}

// FileName is the configuration file's name in the configuration directory.
const FileName = "config.toml"

// Defaults returns the settings used when no layer says otherwise.
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

// DefaultDir is the configuration directory when neither --config-dir nor HELSEKIOSK_CONFIG_DIR names one:
// $XDG_CONFIG_HOME/helsekiosk, else $HOME/.config/helsekiosk (as os.UserConfigDir on Linux), else "".
func DefaultDir(getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "helsekiosk")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "helsekiosk")
	}
	return ""
}

// Set parses value for key into c, as every layer does.
func Set(c *Config, key, value string) error {
	value = strings.TrimSpace(value)
	parseBool := func(dst *bool) error {
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("%s=%q is not a boolean", key, value)
		}
		*dst = b
		return nil
	}
	parseDur := func(dst *time.Duration) error {
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("%s=%q is not a duration (like 3m or 45s)", key, value)
		}
		*dst = d
		return nil
	}
	switch key {
	case KeyAPI:
		c.API = value
	case KeyFullscreen:
		return parseBool(&c.Fullscreen)
	case KeyKiosk:
		return parseBool(&c.Kiosk)
	case KeyLang:
		c.Lang = strings.ToLower(value)
	case KeyKioskName:
		c.KioskName = value
	case KeyLocation:
		c.Location = value
	case KeyIdleTimeout:
		return parseDur(&c.IdleTimeout)
	case KeyIdleWarning:
		return parseDur(&c.IdleWarning)
	case KeyTouchKeyboard:
		return parseBool(&c.TouchKeyboard)
	case KeyReadAloud:
		return parseBool(&c.ReadAloud)
	default:
		return fmt.Errorf("unknown setting %q", key)
	}
	return nil
}

// Value is key's value in c, as Set reads it back.
func Value(c Config, key string) string {
	switch key {
	case KeyAPI:
		return c.API
	case KeyFullscreen:
		return strconv.FormatBool(c.Fullscreen)
	case KeyKiosk:
		return strconv.FormatBool(c.Kiosk)
	case KeyLang:
		return c.Lang
	case KeyKioskName:
		return c.KioskName
	case KeyLocation:
		return c.Location
	case KeyIdleTimeout:
		return c.IdleTimeout.String()
	case KeyIdleWarning:
		return c.IdleWarning.String()
	case KeyTouchKeyboard:
		return strconv.FormatBool(c.TouchKeyboard)
	case KeyReadAloud:
		return strconv.FormatBool(c.ReadAloud)
	}
	return ""
}

// Validate checks c and fills what may fall back (an empty kiosk name).
func Validate(c *Config) error {
	c.Lang = strings.ToLower(strings.TrimSpace(c.Lang))
	if !ValidLang(c.Lang) {
		return fmt.Errorf("config: language %q is not one of nn, nb, en", c.Lang)
	}
	c.KioskName = strings.TrimSpace(c.KioskName)
	if c.KioskName == "" {
		c.KioskName = "Helsekiosk"
	}
	c.Location = strings.TrimSpace(c.Location)
	c.API = strings.TrimSpace(c.API)
	if c.API != "" {
		if _, err := client.CheckURL(c.API); err != nil {
			return fmt.Errorf("config: --api: %w", err)
		}
	}
	if c.IdleTimeout <= 0 {
		return errors.New("config: --idle-timeout must be positive")
	}
	if c.IdleWarning < 0 || c.IdleWarning >= c.IdleTimeout {
		return errors.New("config: --idle-warning must be at least 0 and less than --idle-timeout")
	}
	if c.Kiosk {
		c.Fullscreen = true
	}
	return nil
}

// Load reads args (without the program name), the environment through getenv, and the configuration file.
func Load(args []string, getenv func(string) string) (Config, error) {
	c, _, err := LoadWith(args, getenv, nil)
	return c, err
}

// LoadWith is Load with the staff panel's saved settings (key → value) as the layer between the file and
// the environment. It also returns the keys a flag or an environment variable sets, which the staff panel
// cannot change.
func LoadWith(args []string, getenv func(string) string, staff map[string]string) (Config, map[string]bool, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	fs := flag.NewFlagSet("helsekiosk", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("api", "", "backend issuer URL (https://, or http:// on loopback); empty starts the demo backend")
	fs.Bool("fullscreen", false, "run full screen")
	fs.Bool("kiosk", false, "locked-down kiosk mode: full screen, no way out without the staff PIN")
	fs.String("lang", "", "default language: nn, nb or en")
	fs.String("kiosk-name", "", "the kiosk's name, shown on the citizen's phone")
	fs.String("location", "", "where the kiosk stands, shown with its name on the citizen's phone")
	fs.String("idle-timeout", "", "log out after this long without input (e.g. 3m)")
	fs.String("idle-warning", "", "warn this long before the idle logout (e.g. 60s)")
	fs.Bool("touch-keyboard", false, "show the on-screen keyboard")
	fs.Bool("read-aloud", false, "offer read-aloud")
	dirFlag := fs.String("config-dir", "", "configuration directory (config.toml, the local store)")
	fileFlag := fs.String("config", "", "configuration file (default: config.toml in the configuration directory)")
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, fmt.Errorf("config: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, nil, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}

	c := Defaults()
	c.Dir = firstNonEmpty(*dirFlag, strings.TrimSpace(getenv("HELSEKIOSK_CONFIG_DIR")), DefaultDir(getenv))
	file, must := firstNonEmpty(*fileFlag, strings.TrimSpace(getenv("HELSEKIOSK_CONFIG"))), true
	if file == "" && c.Dir != "" {
		file, must = filepath.Join(c.Dir, FileName), false
	}
	if file != "" {
		if err := loadFile(&c, file, must); err != nil {
			return Config{}, nil, err
		}
	}
	for _, key := range Keys {
		if v, ok := staff[key]; ok {
			if err := Set(&c, key, v); err != nil {
				return Config{}, nil, fmt.Errorf("config: staff setting %w", err)
			}
		}
	}
	fixed := map[string]bool{}
	for _, key := range Keys {
		name := "HELSEKIOSK_" + strings.ToUpper(key)
		if v := strings.TrimSpace(getenv(name)); v != "" {
			if err := Set(&c, key, v); err != nil {
				return Config{}, nil, fmt.Errorf("config: %s: %w", name, err)
			}
			fixed[key] = true
		}
	}
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		if f.Name == "config" || f.Name == "config-dir" || ferr != nil {
			return
		}
		if err := Set(&c, key, f.Value.String()); err != nil {
			ferr = fmt.Errorf("config: --%s: %w", f.Name, err)
		}
		fixed[key] = true
	})
	if ferr != nil {
		return Config{}, nil, ferr
	}
	if err := Validate(&c); err != nil {
		return Config{}, nil, err
	}
	return c, fixed, nil
}

// loadFile applies a TOML file of key = value lines. A missing file is an error only when must.
func loadFile(c *Config, path string, must bool) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !must {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var m map[string]any
	if _, err := toml.Decode(string(b), &m); err != nil {
		return fmt.Errorf("config: %s: %w", path, err)
	}
	for key, v := range m {
		switch v.(type) {
		case string, bool:
		default:
			return fmt.Errorf("config: %s: %s must be a string or a boolean", path, key)
		}
		if err := Set(c, key, fmt.Sprint(v)); err != nil {
			return fmt.Errorf("config: %s: %w", path, err)
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
