package config_test

import (
	"slices"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
)

func TestLoginSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := config.Load([]string{"--config-dir", t.TempDir()}, nil)
	if err != nil || !slices.Equal(c.LoginMethods(), []string{"phone"}) || c.Offers(config.LoginKiosk) {
		t.Fatalf("default: %v %v", c.LoginMethods(), err)
	}
	c, err = config.Load([]string{"--config-dir", t.TempDir(), "--login", "Kiosk, phone", "--browser-allow", "https://.bankid.no buypass.no"}, nil)
	if err != nil || !slices.Equal(c.LoginMethods(), []string{"kiosk", "phone"}) || c.Login != "kiosk,phone" ||
		!slices.Equal(c.BrowserAllowList(), []string{"https://.bankid.no", "buypass.no"}) {
		t.Fatalf("flags: %+v %v", c.LoginSettings, err)
	}
	if config.Value(c, config.KeyLogin) != "kiosk,phone" || config.Value(c, config.KeyBrowserAllow) != "https://.bankid.no buypass.no" {
		t.Errorf("Value: %q %q", config.Value(c, config.KeyLogin), config.Value(c, config.KeyBrowserAllow))
	}
	c, err = config.Load([]string{"--config-dir", t.TempDir()}, env(map[string]string{"HELSEKIOSK_LOGIN": "kiosk"}))
	if err != nil || !slices.Equal(c.LoginMethods(), []string{"kiosk"}) {
		t.Errorf("env: %v %v", c.LoginMethods(), err)
	}
	if _, err := config.Load([]string{"--config-dir", t.TempDir(), "--login", "phone,sms"}, nil); err == nil {
		t.Error("an unknown way in was accepted")
	}
	if !slices.Contains(config.Keys, config.KeyLogin) || !slices.Contains(config.Keys, config.KeyBrowserAllow) {
		t.Error("Keys lacks the login keys")
	}
}

// TestLoginPrompt: --login-prompt (login_prompt, HELSEKIOSK_LOGIN_PROMPT) takes the OpenID Connect prompt
// values the kiosk may send, normalised; anything else is refused at start.
func TestLoginPrompt(t *testing.T) {
	c, err := config.Load([]string{"--config-dir", t.TempDir()}, nil)
	if err != nil || c.LoginPrompt != "" {
		t.Fatalf("default: %q %v", c.LoginPrompt, err)
	}
	c, err = config.Load([]string{"--config-dir", t.TempDir(), "--login-prompt", " Login  consent "}, nil)
	if err != nil || c.LoginPrompt != "login consent" || config.Value(c, config.KeyLoginPrompt) != "login consent" {
		t.Fatalf("flag: %q %v", c.LoginPrompt, err)
	}
	c, err = config.Load([]string{"--config-dir", t.TempDir()}, func(k string) string {
		return map[string]string{"HELSEKIOSK_LOGIN_PROMPT": "login"}[k]
	})
	if err != nil || c.LoginPrompt != "login" {
		t.Errorf("env: %q %v", c.LoginPrompt, err)
	}
	for _, bad := range []string{"none", "login none", "consnet"} {
		if _, err := config.Load([]string{"--config-dir", t.TempDir(), "--login-prompt", bad}, nil); err == nil {
			t.Errorf("--login-prompt %q accepted", bad)
		}
	}
}
