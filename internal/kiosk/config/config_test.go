package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	def := Defaults()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr bool
	}{
		{name: "defaults", want: def},
		{name: "env", env: map[string]string{
			"HELSEKIOSK_API": "https://api.example.no", "HELSEKIOSK_LANG": "en",
			"HELSEKIOSK_FULLSCREEN": "true", "HELSEKIOSK_KIOSK_NAME": "Servicetorget",
		}, want: Config{API: "https://api.example.no", Lang: "en", Fullscreen: true, KioskName: "Servicetorget",
			IdleTimeout: def.IdleTimeout, IdleWarning: def.IdleWarning}},
		{name: "flags override env",
			args: []string{"--api", "http://127.0.0.1:8080", "--lang", "nb", "--kiosk-name", "Kiosk 2",
				"--fullscreen=false", "--idle-timeout", "5m", "--idle-warning", "30s"},
			env: map[string]string{"HELSEKIOSK_API": "https://api.example.no", "HELSEKIOSK_LANG": "en",
				"HELSEKIOSK_FULLSCREEN": "1"},
			want: Config{API: "http://127.0.0.1:8080", Lang: "nb", KioskName: "Kiosk 2",
				IdleTimeout: 5 * time.Minute, IdleWarning: 30 * time.Second}},
		{name: "fullscreen flag", args: []string{"--fullscreen"},
			want: Config{Fullscreen: true, Lang: "nn", KioskName: "Helsekiosk", IdleTimeout: def.IdleTimeout, IdleWarning: def.IdleWarning}},
		{name: "http localhost ok", args: []string{"--api", "http://localhost:9000"},
			want: Config{API: "http://localhost:9000", Lang: "nn", KioskName: "Helsekiosk", IdleTimeout: def.IdleTimeout, IdleWarning: def.IdleWarning}},
		{name: "http ipv6 loopback ok", args: []string{"--api", "http://[::1]:9000"},
			want: Config{API: "http://[::1]:9000", Lang: "nn", KioskName: "Helsekiosk", IdleTimeout: def.IdleTimeout, IdleWarning: def.IdleWarning}},
		{name: "http remote refused", args: []string{"--api", "http://api.example.no"}, wantErr: true},
		{name: "http remote from env refused", env: map[string]string{"HELSEKIOSK_API": "http://10.0.0.1"}, wantErr: true},
		{name: "not a url", args: []string{"--api", "api.example.no"}, wantErr: true},
		{name: "bad lang flag", args: []string{"--lang", "de"}, wantErr: true},
		{name: "bad lang env", env: map[string]string{"HELSEKIOSK_LANG": "no"}, wantErr: true},
		{name: "lang case", args: []string{"--lang", "NB"},
			want: Config{Lang: "nb", KioskName: "Helsekiosk", IdleTimeout: def.IdleTimeout, IdleWarning: def.IdleWarning}},
		{name: "bad fullscreen env", env: map[string]string{"HELSEKIOSK_FULLSCREEN": "kanskje"}, wantErr: true},
		{name: "unknown flag", args: []string{"--colour", "red"}, wantErr: true},
		{name: "stray argument", args: []string{"extra"}, wantErr: true},
		{name: "warning not below timeout", args: []string{"--idle-timeout", "1m", "--idle-warning", "1m"}, wantErr: true},
		{name: "zero timeout", args: []string{"--idle-timeout", "0s"}, wantErr: true},
		{name: "empty kiosk name falls back", args: []string{"--kiosk-name", "  "}, want: def},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Load(%q) = %+v, want an error", tt.args, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load(%q): %v", tt.args, err)
			}
			want := withOAuthDefaults(tt.want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load(%q) =\n %+v\nwant\n %+v", tt.args, got, want)
			}
		})
	}
}

func TestLoadNilGetenv(t *testing.T) {
	if _, err := Load(nil, nil); err != nil {
		t.Fatal(err)
	}
}

// TestPrecedence: flags > env > staff panel > file > defaults, key by key, with the file found in the
// configuration directory named by the environment.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/"+FileName, `
api = "https://file.example.no"
lang = "nb"
kiosk_name = "Fil-kiosk"
location = "Fil-stad"
idle_timeout = "10m"
idle_warning = "20s"
touch_keyboard = true
read_aloud = true
`)
	env := map[string]string{
		"HELSEKIOSK_CONFIG_DIR": dir,
		"HELSEKIOSK_API":        "https://env.example.no",
		"HELSEKIOSK_KIOSK_NAME": "Env-kiosk",
	}
	staff := map[string]string{"kiosk_name": "Staff-kiosk", "location": "Staff-stad", "lang": "en", "read_aloud": "false"}
	args := []string{"--lang", "nn", "--kiosk"}
	got, fixed, err := LoadWith(args, func(k string) string { return env[k] }, staff)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		API:           "https://env.example.no", // env over file
		Lang:          "nn",                     // flag over staff over file
		KioskName:     "Env-kiosk",              // env over staff over file
		Location:      "Staff-stad",             // staff over file
		IdleTimeout:   10 * time.Minute,         // file over default
		IdleWarning:   20 * time.Second,         // file over default
		TouchKeyboard: true,                     // file
		ReadAloud:     false,                    // staff over file
		Kiosk:         true,                     // flag
		Fullscreen:    true,                     // kiosk mode is full screen
		Dir:           dir,
	}
	want = withOAuthDefaults(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadWith =\n %+v\nwant\n %+v", got, want)
	}
	for _, k := range []string{KeyAPI, KeyKioskName, KeyLang, KeyKiosk} {
		if !fixed[k] {
			t.Errorf("%s is set by env or flag but not reported fixed", k)
		}
	}
	for _, k := range []string{KeyLocation, KeyIdleTimeout, KeyReadAloud} {
		if fixed[k] {
			t.Errorf("%s reported fixed though only the file or staff set it", k)
		}
	}

	// Without env and flags the file's values stand; the default directory follows XDG_CONFIG_HOME.
	xdg := t.TempDir()
	writeFile(t, xdg+"/helsekiosk/"+FileName, "lang = \"en\"\nkiosk = true\n")
	got, err = Load(nil, func(k string) string { return map[string]string{"XDG_CONFIG_HOME": xdg}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got.Lang != "en" || !got.Kiosk || !got.Fullscreen || got.Dir != xdg+"/helsekiosk" {
		t.Errorf("from the default file: %+v", got)
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown key":  `colour = "red"`,
		"bad duration": `idle_timeout = "soon"`,
		"bad bool":     `kiosk = "kanskje"`,
		"number":       `idle_timeout = 30`,
		"not toml":     `lang = `,
		"insecure url": `api = "http://10.1.2.3"`,
	} {
		t.Run(name, func(t *testing.T) {
			f := dir + "/" + strings.ReplaceAll(name, " ", "-") + ".toml"
			writeFile(t, f, body)
			if c, err := Load([]string{"--config", f}, nil); err == nil {
				t.Errorf("Load with %q = %+v, want an error", body, c)
			}
		})
	}
	if _, err := Load([]string{"--config", dir + "/missing.toml"}, nil); err == nil {
		t.Error("a named config file that is missing is not an error")
	}
	if _, err := Load([]string{"--config-dir", dir + "/empty"}, nil); err != nil {
		t.Errorf("a config dir without config.toml: %v", err)
	}
	if _, _, err := LoadWith(nil, nil, map[string]string{"idle_warning": "1h"}); err == nil {
		t.Error("a staff setting that breaks the rules is not an error")
	}
}

func TestSetValueRoundTrip(t *testing.T) {
	c := Defaults()
	c.API, c.Location, c.Kiosk, c.TouchKeyboard = "https://x.example.no", "Servicetorget", true, true
	var back Config
	for _, k := range Keys {
		if err := Set(&back, k, Value(c, k)); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip: %+v != %+v", back, c)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// withOAuthDefaults fills the OAuth and speech settings' defaults into a want that does not name them.
func withOAuthDefaults(c Config) Config {
	def := Defaults()
	if c.SpeechRate == 0 {
		c.SpeechRate = def.SpeechRate
	}
	if c.SpeechVolume == 0 {
		c.SpeechVolume = def.SpeechVolume
	}
	if c.GuideKeys == nil {
		c.GuideKeys = def.GuideKeys
	}
	if c.TextSize == "" {
		c.TextSize = def.TextSize
	}
	if c.GuideHintEvery == 0 {
		c.GuideHintEvery = def.GuideHintEvery
	}
	if c.ClientID == "" {
		c.ClientID = def.ClientID
	}
	if c.Scopes == "" {
		c.Scopes = def.Scopes
	}
	return c
}

// TestOAuthSettingsLayers: issuer, client_id, client_secret_file, scopes and resource come from every layer
// with the same precedence as the others, and have their defaults.
func TestOAuthSettingsLayers(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"file", "staff", "env", "flag"} {
		writeFile(t, filepath.Join(dir, n+".secret"), "secret-from-"+n+"\n")
	}
	writeFile(t, filepath.Join(dir, FileName), `
api = "https://api.example.no"
issuer = "https://file-idp.example.no"
client_id = "file-kiosk"
client_secret_file = "`+filepath.Join(dir, "file.secret")+`"
scopes = "openid  helsekiosk"
resource = "https://file-api.example.no"
`)
	getenv := func(env map[string]string) func(string) string {
		return func(k string) string {
			if k == "HELSEKIOSK_CONFIG_DIR" {
				return dir
			}
			return env[k]
		}
	}

	// Defaults: the issuer is the API, the client is helsekiosk, the scopes ask for a refresh token.
	c, err := Load([]string{"--api", "https://api.example.no"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "" || c.IssuerURL() != "https://api.example.no" || c.ClientID != "helsekiosk" ||
		c.Scopes != "openid helsekiosk offline_access" || c.Resource != "" || c.ClientSecret != "" || c.ClientSecretFile != "" {
		t.Errorf("defaults: %+v (issuer %q)", c, c.IssuerURL())
	}

	// The file alone.
	c, err = Load(nil, getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.IssuerURL() != "https://file-idp.example.no" || c.ClientID != "file-kiosk" || c.Scopes != "openid helsekiosk" ||
		c.Resource != "https://file-api.example.no" || c.ClientSecret.Reveal() != "secret-from-file" {
		t.Errorf("file: %+v", c)
	}

	staff := map[string]string{KeyIssuer: "https://staff-idp.example.no", KeyClientID: "staff-kiosk",
		KeySecretFile: filepath.Join(dir, "staff.secret"), KeyScopes: "openid", KeyResource: "https://staff-api.example.no"}
	c, _, err = LoadWith(nil, getenv(nil), staff)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://staff-idp.example.no" || c.ClientID != "staff-kiosk" || c.Scopes != "openid" ||
		c.Resource != "https://staff-api.example.no" || c.ClientSecret.Reveal() != "secret-from-staff" {
		t.Errorf("staff over file: %+v", c)
	}

	env := map[string]string{"HELSEKIOSK_ISSUER": "https://env-idp.example.no", "HELSEKIOSK_CLIENT_ID": "env-kiosk",
		"HELSEKIOSK_CLIENT_SECRET_FILE": filepath.Join(dir, "env.secret"), "HELSEKIOSK_SCOPES": "openid env",
		"HELSEKIOSK_RESOURCE": "https://env-api.example.no"}
	c, fixed, err := LoadWith(nil, getenv(env), staff)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://env-idp.example.no" || c.ClientID != "env-kiosk" || c.Scopes != "openid env" ||
		c.Resource != "https://env-api.example.no" || c.ClientSecret.Reveal() != "secret-from-env" {
		t.Errorf("env over staff: %+v", c)
	}
	for _, k := range []string{KeyIssuer, KeyClientID, KeySecretFile, KeyScopes, KeyResource} {
		if !fixed[k] {
			t.Errorf("%s set by the environment is not reported fixed", k)
		}
	}

	args := []string{"--issuer", "https://flag-idp.example.no", "--client-id", "flag-kiosk",
		"--client-secret-file", filepath.Join(dir, "flag.secret"), "--scopes", "openid flag offline_access",
		"--resource", "https://flag-api.example.no"}
	c, _, err = LoadWith(args, getenv(env), staff)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://flag-idp.example.no" || c.ClientID != "flag-kiosk" || c.Scopes != "openid flag offline_access" ||
		c.Resource != "https://flag-api.example.no" || c.ClientSecret.Reveal() != "secret-from-flag" {
		t.Errorf("flags over env: %+v", c)
	}
	if v := Value(c, KeySecretFile); v != filepath.Join(dir, "flag.secret") {
		t.Errorf("Value(client_secret_file) = %q", v)
	}
	for _, k := range Keys {
		if strings.Contains(Value(c, k), "secret-from") {
			t.Errorf("Value(%s) gives the secret away", k)
		}
	}
}

// TestClientSecretRefused: the secret itself is refused in every layer with an error that says what to do,
// and it never prints.
func TestClientSecretRefused(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "with-secret.toml"), `client_secret = "hunter2"`)
	cases := map[string]func() error{
		"flag":  func() error { _, err := Load([]string{"--client-secret", "hunter2"}, nil); return err },
		"flag=": func() error { _, err := Load([]string{"-client-secret=hunter2"}, nil); return err },
		"flag_": func() error { _, err := Load([]string{"--client_secret=hunter2"}, nil); return err },
		"env": func() error {
			_, err := Load(nil, func(k string) string { return map[string]string{"HELSEKIOSK_CLIENT_SECRET": "hunter2"}[k] })
			return err
		},
		"staff": func() error {
			_, _, err := LoadWith(nil, nil, map[string]string{"client_secret": "hunter2"})
			return err
		},
		"file": func() error {
			_, err := Load([]string{"--config", filepath.Join(dir, "with-secret.toml")}, nil)
			return err
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			err := f()
			if !errors.Is(err, ErrSecretSetting) {
				t.Fatalf("err = %v, want ErrSecretSetting", err)
			}
			if !strings.Contains(err.Error(), "client_secret_file") || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q should point to client_secret_file and not repeat the secret", err)
			}
		})
	}

	// A missing or empty secret file is an error at start; the content never shows in errors or prints.
	if _, err := Load([]string{"--client-secret-file", filepath.Join(dir, "nope")}, nil); err == nil {
		t.Error("a missing secret file is not an error")
	}
	writeFile(t, filepath.Join(dir, "empty"), "\n")
	if _, err := Load([]string{"--client-secret-file", filepath.Join(dir, "empty")}, nil); err == nil {
		t.Error("an empty secret file is not an error")
	}
	writeFile(t, filepath.Join(dir, "ok"), "s3cr3t-value\n")
	c, err := Load([]string{"--client-secret-file", filepath.Join(dir, "ok")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientSecret.Reveal() != "s3cr3t-value" {
		t.Errorf("secret = %q", c.ClientSecret.Reveal())
	}
	for _, out := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint(c.ClientSecret)} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("the secret prints: %s", out)
		}
	}
}

// TestSpeechSettings: speech_device, speech_rate, speech_volume, guide_keys and guide_hint_every have their
// defaults, come from every layer (numbers may be TOML integers in the file), and are checked.
func TestSpeechSettings(t *testing.T) {
	for _, k := range []string{KeySpeechDevice, KeySpeechRate, KeySpeechVolume, KeyGuideKeys, KeyGuideHint} {
		if !slices.Contains(Keys, k) {
			t.Errorf("%s is not in Keys", k)
		}
	}
	c, err := Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.SpeechDevice != "" || c.SpeechRate != 150 || c.SpeechVolume != 100 ||
		!slices.Equal(c.GuideKeys, []string{"F1", "KP_Enter:hold"}) || c.GuideHintEvery != time.Minute || c.SpeechToWAV != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if v := Value(c, KeyGuideKeys); v != "F1,KP_Enter:hold" {
		t.Errorf("Value(guide_keys) = %q", v)
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, FileName), `
speech_device = "plughw:CARD=Headset,DEV=0"
speech_rate = 200
speech_volume = "120"
guide_keys = "f2, kp_enter:HOLD, F2"
guide_hint_every = "0s"
`)
	getenv := func(env map[string]string) func(string) string {
		return func(k string) string {
			if k == "HELSEKIOSK_CONFIG_DIR" {
				return dir
			}
			return env[k]
		}
	}
	c, err = Load(nil, getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.SpeechDevice != "plughw:CARD=Headset,DEV=0" || c.SpeechRate != 200 || c.SpeechVolume != 120 ||
		!slices.Equal(c.GuideKeys, []string{"F2", "KP_Enter:hold"}) || c.GuideHintEvery != 0 {
		t.Fatalf("file: %+v", c)
	}
	staff := map[string]string{KeySpeechRate: "180", KeySpeechVolume: "90", KeyGuideHint: "2m"}
	env := map[string]string{"HELSEKIOSK_SPEECH_RATE": "300", "HELSEKIOSK_SPEECH_DEVICE": "hw:1,0"}
	c, fixed, err := LoadWith([]string{"--speech-volume", "50", "--guide-keys", "F12", "--speech-to-wav", "/tmp/wav"},
		getenv(env), staff)
	if err != nil {
		t.Fatal(err)
	}
	if c.SpeechDevice != "hw:1,0" || c.SpeechRate != 300 || c.SpeechVolume != 50 || !slices.Equal(c.GuideKeys, []string{"F12"}) ||
		c.GuideHintEvery != 2*time.Minute || c.SpeechToWAV != "/tmp/wav" {
		t.Fatalf("layers: %+v", c)
	}
	for _, k := range []string{KeySpeechDevice, KeySpeechRate, KeySpeechVolume, KeyGuideKeys} {
		if !fixed[k] {
			t.Errorf("%s not reported fixed", k)
		}
	}
	if fixed[KeyGuideHint] || fixed["speech_to_wav"] {
		t.Errorf("fixed: %v", fixed)
	}
	// --speech-to-wav is a test flag, no setting: no other layer sets it.
	if err := Set(&c, "speech_to_wav", "/tmp/x"); err == nil {
		t.Error("speech_to_wav is a setting")
	}
	if c, err := Load(nil, getenv(map[string]string{"HELSEKIOSK_SPEECH_TO_WAV": "/tmp/x"})); err != nil || c.SpeechToWAV != "" {
		t.Errorf("the environment sets --speech-to-wav: %q, %v", c.SpeechToWAV, err)
	}
	// An empty key list keeps speech guidance reachable with the default keys.
	if c, err := Load([]string{"--guide-keys", " , "}, nil); err != nil || !slices.Equal(c.GuideKeys, DefaultGuideKeys) {
		t.Errorf("empty guide keys: %q, %v", c.GuideKeys, err)
	}

	for name, args := range map[string][]string{
		"rate too slow":     {"--speech-rate", "79"},
		"rate too fast":     {"--speech-rate", "451"},
		"rate not a number": {"--speech-rate", "fast"},
		"volume too low":    {"--speech-volume", "9"},
		"volume too high":   {"--speech-volume", "201"},
		"unknown key":       {"--guide-keys", "F1,F13"},
		"hold on another":   {"--guide-keys", "F1:hold"},
		"other action":      {"--guide-keys", "KP_Enter:press"},
		"negative hint":     {"--guide-hint-every", "-1s"},
		"hint not duration": {"--guide-hint-every", "often"},
		"control character": {"--speech-device", "hw:1\n-D evil"},
	} {
		if c, err := Load(args, nil); err == nil {
			t.Errorf("%s: Load(%q) = %+v, want an error", name, args, c)
		}
	}
	for _, body := range []string{`speech_rate = 1.5`, `speech_volume = 500`, `guide_keys = ["F1"]`} {
		f := filepath.Join(t.TempDir(), "bad.toml")
		writeFile(t, f, body)
		if _, err := Load([]string{"--config", f}, nil); err == nil {
			t.Errorf("file %q: no error", body)
		}
	}
	if _, _, err := LoadWith(nil, nil, map[string]string{KeySpeechVolume: "0"}); err == nil {
		t.Error("a staff volume of 0 is not an error")
	}
}

// TestTextSize: the text size a visit starts at comes from the file, the staff panel, the environment or
// the flag, strongest last; anything but normal, large or xlarge is refused.
func TestTextSize(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/"+FileName, "text_size = \"large\"\n")
	env := map[string]string{"HELSEKIOSK_CONFIG_DIR": dir}
	getenv := func(k string) string { return env[k] }
	for _, c := range []struct {
		args  []string
		env   string
		staff string
		want  string
		fixed bool
	}{
		{want: "large"},
		{staff: "xlarge", want: "xlarge"},
		{staff: "xlarge", env: "normal", want: "normal", fixed: true},
		{args: []string{"--text-size", "XLarge"}, env: "normal", want: "xlarge", fixed: true},
	} {
		env["HELSEKIOSK_TEXT_SIZE"] = c.env
		staff := map[string]string{}
		if c.staff != "" {
			staff[KeyTextSize] = c.staff
		}
		got, fixed, err := LoadWith(c.args, getenv, staff)
		if err != nil {
			t.Fatal(err)
		}
		if got.TextSize != c.want || fixed[KeyTextSize] != c.fixed {
			t.Errorf("%v env %q staff %q: text size %q (fixed %v), want %q (fixed %v)", c.args, c.env, c.staff, got.TextSize, fixed[KeyTextSize], c.want, c.fixed)
		}
	}
	env["HELSEKIOSK_TEXT_SIZE"] = ""
	if _, err := Load([]string{"--text-size", "huge"}, getenv); err == nil {
		t.Error("--text-size huge accepted")
	}
	if d := Defaults().TextSize; d != "normal" {
		t.Errorf("default text size %q", d)
	}
}
