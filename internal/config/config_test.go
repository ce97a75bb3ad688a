package config

import (
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
