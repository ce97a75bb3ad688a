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
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/helsekiosk/helsekiosk/client"
)

// Languages the kiosk speaks, in the order the welcome screen offers them: the one list of them (locales
// loads these, the welcome screen, the display panel and the staff panel offer these).
var Languages = []string{"nn", "nb", "en"}

// languageNames name each language in itself, for the language buttons.
var languageNames = map[string]string{"nn": "Nynorsk", "nb": "Bokmål", "en": "English"}

// LanguageName is lang's name in itself ("nn" -> "Nynorsk").
func LanguageName(lang string) string { return languageNames[lang] }

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
	// The service centre the kiosk stands in: its name, phone and opening hours ("08:00-15:30" on working
	// days), and each service's own phone by service code (home_nursing, practical_help, …): the numbers the
	// kiosk tells a citizen to ring (a visit past its cancellation deadline, the help screen).
	CentreName    string
	CentrePhone   string
	CentreHours   string
	ServicePhones map[string]string
	// TextSize is the text size each visit starts at: normal, large or xlarge (a nursing home, an eye clinic).
	// The citizen's own choice in the «Aa» panel wins during her visit and is gone at logout.
	TextSize  string
	ReadAloud bool   // offer read-aloud
	Dir       string // the configuration directory: config.toml and the local store ("" = none)

	// Issuer is where citizens log in (OIDC discovery at Issuer/.well-known/openid-configuration); empty
	// means the API's own discovery (IssuerURL resolves it).
	Issuer string
	// ClientID is the OAuth client the kiosk is, for the citizen's device login and its own
	// client-credentials token (default "helsekiosk").
	ClientID string
	// ClientSecretFile names the file the client secret is read from at start (never the secret itself).
	ClientSecretFile string
	// ClientSecret is the secret read from ClientSecretFile ("" for a public client). It is no setting: no
	// layer can set it, Value never gives it, and it prints as [redacted].
	ClientSecret Secret
	// Scopes are the scopes the citizen's login asks for, space separated.
	Scopes string
	// Resource, when set, is sent as RFC 8707 "resource" on the device authorization and token requests,
	// so the issuer puts the API in the token's audience.
	Resource string

	// SpeechDevice is the ALSA device speech and the guidance tone are played on (aplay -D, e.g. the
	// headset socket's "plughw:CARD=Headset,DEV=0"); "" is the default output.
	SpeechDevice string
	SpeechRate   int // words per minute, 80–450 (default 150)
	SpeechVolume int // percent of espeak-ng's default volume, 10–200 (default 100)
	// GuideKeys are the keys that start speech guidance: Fyne key names (F1 … F12, …) and "KP_Enter:hold"
	// (the keypad's Enter held down); default F1 and KP_Enter:hold.
	GuideKeys []string
	// GuideHintEvery is how often the welcome screen announces how to start speech guidance; 0 = never.
	GuideHintEvery time.Duration

	// SpeechToWAV is no setting but the test-only flag --speech-to-wav DIR: speech is written as numbered
	// WAV files to DIR instead of being played.
	SpeechToWAV string

	// LoginSettings are the ways in: the phone, the kiosk's own browser window (login.go).
	LoginSettings
}

// DefaultScopes is what the citizen's login asks for by default.
const DefaultScopes = "openid helsekiosk offline_access"

// Speech limits (speech_rate, speech_volume), as internal/kiosk/speech clamps them.
const (
	MinSpeechRate, MaxSpeechRate     = 80, 450
	MinSpeechVolume, MaxSpeechVolume = 10, 200
)

// DefaultGuideKeys start speech guidance by default: F1, or the keypad's Enter held down.
var DefaultGuideKeys = []string{"F1", HoldKPEnter}

// HoldKPEnter is the guide_keys entry for the keypad's Enter held down (a keypad is what a blind citizen
// finds on a terminal without a keyboard).
const HoldKPEnter = "KP_Enter:hold"

// guideKeyNames are the key names guide_keys accepts: Fyne's key names (fyne.KeyName) but the comma, which
// separates them; matched without regard to case, stored as Fyne spells them.
var guideKeyNames = func() map[string]string {
	names := []string{"Escape", "Return", "Tab", "BackSpace", "Insert", "Delete", "Right", "Left", "Down", "Up",
		"Prior", "Next", "Home", "End", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
		"KP_Enter", "Space", "'", "-", ".", "/", "\\", "[", "]", ";", "=", "*", "+", "`", HoldKPEnter}
	for c := '0'; c <= '9'; c++ {
		names = append(names, string(c))
	}
	for c := 'A'; c <= 'Z'; c++ {
		names = append(names, string(c))
	}
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// ParseGuideKeys splits a guide_keys value at commas into Fyne key names (or "KP_Enter:hold"), spelled as
// Fyne does, without duplicates; an unknown name is an error.
func ParseGuideKeys(value string) ([]string, error) {
	var keys []string
	for _, f := range strings.Split(value, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, ok := guideKeyNames[strings.ToLower(f)]
		if !ok {
			return nil, fmt.Errorf("%q is not a key name (F1 … F12, another Fyne key name, or %s)", f, HoldKPEnter)
		}
		if !slices.Contains(keys, name) {
			keys = append(keys, name)
		}
	}
	return keys, nil
}

// IssuerURL is the issuer the kiosk logs in at: Issuer, or the API URL when none is set.
func (c Config) IssuerURL() string {
	if c.Issuer != "" {
		return c.Issuer
	}
	return c.API
}

// ScopeList is Scopes split at white space.
func (c Config) ScopeList() []string { return strings.Fields(c.Scopes) }

// A Secret is a credential read from a file. It never prints: fmt, %+v of a Config and slog show
// [redacted].
type Secret string

func (Secret) String() string                 { return "[redacted]" }
func (Secret) GoString() string               { return `"[redacted]"` }
func (Secret) LogValue() slog.Value           { return slog.StringValue("[redacted]") }
func (s Secret) Reveal() string               { return string(s) }
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// ErrSecretSetting is returned for a client_secret in any layer: the secret belongs in a file
// (client_secret_file), never on the command line, in the environment, the staff panel or config.toml.
var ErrSecretSetting = errors.New("client_secret cannot be set directly (it would show in the process list, " +
	"the environment or a settings file); put the secret in a file readable only by the kiosk user and set " +
	"client_secret_file (--client-secret-file FILE) instead")

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
	KeyIssuer        = "issuer"
	KeyClientID      = "client_id"
	KeySecretFile    = "client_secret_file"
	KeyScopes        = "scopes"
	KeyResource      = "resource"
	KeySpeechDevice  = "speech_device"
	KeySpeechRate    = "speech_rate"
	KeySpeechVolume  = "speech_volume"
	KeyGuideKeys     = "guide_keys"
	KeyGuideHint     = "guide_hint_every"
	KeyTextSize      = "text_size"
	KeyCentreName    = "centre_name"
	KeyCentrePhone   = "centre_phone"
	KeyCentreHours   = "centre_hours"
	KeyServicePhones = "service_phones"

	// keySecret is refused in every layer (ErrSecretSetting).
	keySecret = "client_secret"
)

// Keys lists every setting key.
var Keys = []string{KeyAPI, KeyFullscreen, KeyKiosk, KeyLang, KeyKioskName, KeyLocation, KeyIdleTimeout,
	KeyIdleWarning, KeyTouchKeyboard, KeyReadAloud, KeyIssuer, KeyClientID, KeySecretFile, KeyScopes, KeyResource,
	KeySpeechDevice, KeySpeechRate, KeySpeechVolume, KeyGuideKeys, KeyGuideHint, KeyTextSize,
	KeyCentreName, KeyCentrePhone, KeyCentreHours, KeyServicePhones}

// ParseHours reads opening hours "HH:MM-HH:MM" (working days, Europe/Oslo) into minutes after midnight.
func ParseHours(v string) (opens, closes int, err error) {
	from, to, ok := strings.Cut(strings.ReplaceAll(strings.TrimSpace(v), "–", "-"), "-")
	parse := func(s string) (int, bool) {
		t, err := time.Parse("15:04", strings.TrimSpace(s))
		if err != nil {
			return 0, false
		}
		return t.Hour()*60 + t.Minute(), true
	}
	o, ok1 := parse(from)
	c, ok2 := parse(to)
	if !ok || !ok1 || !ok2 || c <= o {
		return 0, 0, fmt.Errorf("opening hours %q are not like 08:00-15:30", v)
	}
	return o, c, nil
}

// ParseServicePhones reads "home_nursing=22 11 22 33,practical_help=22 11 22 44" (service code = phone).
func ParseServicePhones(v string) (map[string]string, error) {
	m := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		code, phone, ok := strings.Cut(part, "=")
		code, phone = strings.TrimSpace(code), strings.TrimSpace(phone)
		if !ok || code == "" || phone == "" {
			return nil, fmt.Errorf("%q is not service_code=phone", part)
		}
		m[code] = phone
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// TextSizes are the text sizes a visit may start at, smallest first (ui/theme's TextSize names).
var TextSizes = []string{"normal", "large", "xlarge"}

// FileName is the configuration file's name in the configuration directory.
const FileName = "config.toml"

// Defaults returns the settings used when no layer says otherwise: the one place of the defaults.
func Defaults() Config {
	return Config{Lang: "nn", KioskName: "Helsekiosk", IdleTimeout: 3 * time.Minute, IdleWarning: 60 * time.Second,
		ClientID: client.ClientID, Scopes: DefaultScopes, SpeechRate: 150, SpeechVolume: 100,
		GuideKeys: slices.Clone(DefaultGuideKeys), GuideHintEvery: 60 * time.Second, TextSize: "normal"}
}

// WithDefaults returns c with what it leaves empty taken from Defaults (for a Config built without Load, as
// tests do): the language, the kiosk name, the idle timeout, an idle warning that fits in the timeout
// (the default warning, or half the timeout when that is shorter), the speech rate and volume, and the
// guide keys. (A zero guide hint interval stays: it means never.)
func WithDefaults(c Config) Config {
	d := Defaults()
	if c.Lang == "" {
		c.Lang = d.Lang
	}
	if c.KioskName == "" {
		c.KioskName = d.KioskName
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.IdleWarning <= 0 || c.IdleWarning >= c.IdleTimeout {
		c.IdleWarning = min(d.IdleWarning, c.IdleTimeout/2)
	}
	if c.SpeechRate == 0 {
		c.SpeechRate = d.SpeechRate
	}
	if c.SpeechVolume == 0 {
		c.SpeechVolume = d.SpeechVolume
	}
	if len(c.GuideKeys) == 0 {
		c.GuideKeys = d.GuideKeys
	}
	if c.TextSize == "" {
		c.TextSize = d.TextSize
	}
	return c
}

// ValidLang reports whether lang is one of Languages.
func ValidLang(lang string) bool { return slices.Contains(Languages, lang) }

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
	if ok, err := setLogin(c, key, value); ok {
		return err
	}
	parseBool := func(dst *bool) error {
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("%s=%q is not a boolean", key, value)
		}
		*dst = b
		return nil
	}
	parseInt := func(dst *int) error {
		n, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("%s=%q is not a whole number", key, value)
		}
		*dst = n
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
	case KeyIssuer:
		c.Issuer = value
	case KeyClientID:
		c.ClientID = value
	case KeySecretFile:
		c.ClientSecretFile = value
	case KeyScopes:
		c.Scopes = strings.Join(strings.Fields(value), " ")
	case KeyResource:
		c.Resource = value
	case KeySpeechDevice:
		c.SpeechDevice = value
	case KeySpeechRate:
		return parseInt(&c.SpeechRate)
	case KeySpeechVolume:
		return parseInt(&c.SpeechVolume)
	case KeyGuideKeys:
		keys, err := ParseGuideKeys(value)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		c.GuideKeys = keys
	case KeyGuideHint:
		return parseDur(&c.GuideHintEvery)
	case KeyCentreName:
		c.CentreName = value
	case KeyCentrePhone:
		c.CentrePhone = value
	case KeyCentreHours:
		if value != "" {
			if _, _, err := ParseHours(value); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		}
		c.CentreHours = value
	case KeyServicePhones:
		m, err := ParseServicePhones(value)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		c.ServicePhones = m
	case KeyTextSize:
		v := strings.ToLower(value)
		if !slices.Contains(TextSizes, v) {
			return fmt.Errorf("%s=%q is not one of %s", key, value, strings.Join(TextSizes, ", "))
		}
		c.TextSize = v
	case keySecret:
		return ErrSecretSetting
	default:
		return fmt.Errorf("unknown setting %q", key)
	}
	return nil
}

// Value is key's value in c, as Set reads it back.
func Value(c Config, key string) string {
	if v, ok := valueLogin(c, key); ok {
		return v
	}
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
	case KeyIssuer:
		return c.Issuer
	case KeyClientID:
		return c.ClientID
	case KeySecretFile:
		return c.ClientSecretFile
	case KeyScopes:
		return c.Scopes
	case KeyResource:
		return c.Resource
	case KeySpeechDevice:
		return c.SpeechDevice
	case KeySpeechRate:
		return strconv.Itoa(c.SpeechRate)
	case KeySpeechVolume:
		return strconv.Itoa(c.SpeechVolume)
	case KeyGuideKeys:
		return strings.Join(c.GuideKeys, ",")
	case KeyGuideHint:
		return c.GuideHintEvery.String()
	case KeyTextSize:
		return c.TextSize
	case KeyCentreName:
		return c.CentreName
	case KeyCentrePhone:
		return c.CentrePhone
	case KeyCentreHours:
		return c.CentreHours
	case KeyServicePhones:
		var parts []string
		for _, code := range slices.Sorted(maps.Keys(c.ServicePhones)) {
			parts = append(parts, code+"="+c.ServicePhones[code])
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// Validate checks c and fills what may fall back (an empty kiosk name).
func Validate(c *Config) error {
	c.Lang = strings.ToLower(strings.TrimSpace(c.Lang))
	if !ValidLang(c.Lang) {
		return fmt.Errorf("config: language %q is not one of %s", c.Lang, strings.Join(Languages, ", "))
	}
	c.KioskName = strings.TrimSpace(c.KioskName)
	if c.KioskName == "" {
		c.KioskName = Defaults().KioskName
	}
	c.Location = strings.TrimSpace(c.Location)
	c.API = strings.TrimSpace(c.API)
	if c.API != "" {
		if _, err := client.CheckURL(c.API); err != nil {
			return fmt.Errorf("config: --api: %w", err)
		}
	}
	c.Issuer = strings.TrimSpace(c.Issuer)
	if c.Issuer != "" {
		if _, err := client.CheckURL(c.Issuer); err != nil {
			return fmt.Errorf("config: --issuer: %w", err)
		}
	}
	c.ClientID = strings.TrimSpace(c.ClientID)
	if c.ClientID == "" {
		c.ClientID = client.ClientID
	}
	if len(c.ScopeList()) == 0 {
		c.Scopes = DefaultScopes
	}
	c.Resource = strings.TrimSpace(c.Resource)
	if c.Resource != "" {
		if u, err := url.Parse(c.Resource); err != nil || !u.IsAbs() || u.Fragment != "" {
			return fmt.Errorf("config: --resource %q must be an absolute URI without a fragment (RFC 8707)", c.Resource)
		}
	}
	if c.IdleTimeout <= 0 {
		return errors.New("config: --idle-timeout must be positive")
	}
	if c.IdleWarning < 0 || c.IdleWarning >= c.IdleTimeout {
		return errors.New("config: --idle-warning must be at least 0 and less than --idle-timeout")
	}
	c.SpeechDevice = strings.TrimSpace(c.SpeechDevice)
	if strings.ContainsFunc(c.SpeechDevice, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return fmt.Errorf("config: --speech-device %q holds a control character", c.SpeechDevice)
	}
	if c.SpeechRate < MinSpeechRate || c.SpeechRate > MaxSpeechRate {
		return fmt.Errorf("config: --speech-rate %d must be %d–%d words per minute", c.SpeechRate, MinSpeechRate, MaxSpeechRate)
	}
	if c.SpeechVolume < MinSpeechVolume || c.SpeechVolume > MaxSpeechVolume {
		return fmt.Errorf("config: --speech-volume %d must be %d–%d %%", c.SpeechVolume, MinSpeechVolume, MaxSpeechVolume)
	}
	keys, err := ParseGuideKeys(strings.Join(c.GuideKeys, ","))
	if err != nil {
		return fmt.Errorf("config: --guide-keys: %w", err)
	}
	if len(keys) == 0 {
		keys = slices.Clone(DefaultGuideKeys) // speech guidance must stay reachable
	}
	c.GuideKeys = keys
	if c.GuideHintEvery < 0 {
		return errors.New("config: --guide-hint-every must be 0 (never) or positive")
	}
	if c.TextSize == "" {
		c.TextSize = Defaults().TextSize
	}
	if !slices.Contains(TextSizes, c.TextSize) {
		return fmt.Errorf("config: --text-size %q is not one of %s", c.TextSize, strings.Join(TextSizes, ", "))
	}
	if c.Kiosk {
		c.Fullscreen = true
	}
	if err := validateLogin(c); err != nil {
		return err
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
	fs.String("centre-name", "", "the service centre's name, shown on the help screen")
	fs.String("centre-phone", "", "the service centre's phone, the number a citizen is told to ring")
	fs.String("centre-hours", "", "the service centre's opening hours on working days, like 08:00-15:30")
	fs.String("service-phones", "", "each service's own phone: home_nursing=22 11 22 33,practical_help=…")
	fs.String("text-size", "", "the text size each visit starts at: normal, large or xlarge (default normal)")
	fs.String("issuer", "", "where citizens log in (OIDC discovery); default: the API URL")
	fs.String("client-id", "", "the kiosk's OAuth client ID (default helsekiosk)")
	fs.String("client-secret-file", "", "file holding the kiosk's OAuth client secret (never the secret itself)")
	fs.String("scopes", "", "scopes the citizen's login asks for (default \""+DefaultScopes+"\")")
	fs.String("resource", "", "RFC 8707 resource (the API) sent on device authorization and token requests")
	fs.String("speech-device", "", "ALSA device for speech and the guidance tone (aplay -D); default: the default output")
	fs.String("speech-rate", "", "speech rate in words per minute, 80–450 (default 150)")
	fs.String("speech-volume", "", "speech volume in percent of espeak-ng's default, 10–200 (default 100)")
	fs.String("guide-keys", "", "keys that start speech guidance, comma separated (default \"F1,KP_Enter:hold\")")
	fs.String("guide-hint-every", "", "how often the welcome screen says how to start speech guidance (e.g. 60s; 0 = never)")
	wavFlag := fs.String("speech-to-wav", "", "for tests only: write speech as WAV files to DIR instead of playing it")
	loginFlags(fs)
	dirFlag := fs.String("config-dir", "", "configuration directory (config.toml, the local store)")
	fileFlag := fs.String("config", "", "configuration file (default: config.toml in the configuration directory)")
	for _, a := range args {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && strings.ReplaceAll(name, "-", "_") == keySecret {
			return Config{}, nil, fmt.Errorf("config: %s: %w", strings.SplitN(a, "=", 2)[0], ErrSecretSetting)
		}
	}
	if strings.TrimSpace(getenv("HELSEKIOSK_CLIENT_SECRET")) != "" {
		return Config{}, nil, fmt.Errorf("config: HELSEKIOSK_CLIENT_SECRET: %w", ErrSecretSetting)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, fmt.Errorf("config: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, nil, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}

	c := Defaults()
	c.SpeechToWAV = strings.TrimSpace(*wavFlag)
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
	if _, ok := staff[keySecret]; ok {
		return Config{}, nil, fmt.Errorf("config: staff setting: %w", ErrSecretSetting)
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
		if f.Name == "config" || f.Name == "config-dir" || f.Name == "speech-to-wav" || ferr != nil {
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
	if c.ClientSecretFile != "" {
		secret, err := ReadSecretFile(c.ClientSecretFile)
		if err != nil {
			return Config{}, nil, err
		}
		c.ClientSecret = secret
	}
	return c, fixed, nil
}

// ReadSecretFile reads a client secret: the file's content without surrounding white space (a trailing
// newline is usual). An empty file is an error; the error never holds the content.
func ReadSecretFile(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config: client_secret_file: %w", err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("config: client_secret_file %s is empty", path)
	}
	if strings.ContainsAny(v, "\r\n") {
		return "", fmt.Errorf("config: client_secret_file %s must hold the secret on one line", path)
	}
	return Secret(v), nil
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
		case string, bool, int64:
		default:
			return fmt.Errorf("config: %s: %s must be a string, a whole number or a boolean", path, key)
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
