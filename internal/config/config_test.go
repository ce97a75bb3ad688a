package config

import (
	"os"
	"path/filepath"
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
			if got != tt.want {
				t.Errorf("Load(%q) =\n %+v\nwant\n %+v", tt.args, got, tt.want)
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
	if got != want {
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
	if back != c {
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
