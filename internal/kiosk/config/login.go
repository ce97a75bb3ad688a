package config

import (
	"flag"
	"fmt"
	"slices"
	"strings"
)

// The ways a citizen logs in (issue 16), key login: "phone" (the device flow: a QR code, BankID on the
// citizen's own phone), "kiosk" (the code flow with PKCE in the kiosk's locked browser window), or both,
// comma separated, in the order the login screen offers them.
const (
	KeyLogin        = "login"
	KeyBrowserAllow = "browser_allow"
	KeyLoginPrompt  = "login_prompt"

	LoginPhone = "phone"
	LoginKiosk = "kiosk"
)

// DefaultLogin is the login screen's ways in when no layer says otherwise.
const DefaultLogin = LoginPhone

// LoginSettings are the settings of the ways in.
type LoginSettings struct {
	// Login lists the ways in, comma separated (LoginPhone, LoginKiosk); see LoginMethods.
	Login string
	// BrowserAllow are the hosts besides the issuer the login window may show (the eID providers behind
	// the OP, e.g. "https://.bankid.no"), white-space or comma separated Chromium URL filters. Only the
	// root-run policy step (internal/kiosk/browser.WriteSystemPolicy) reads it.
	BrowserAllow string
	// LoginPrompt is the prompt of the login on the kiosk (the code flow), space separated OpenID Connect
	// prompt values. Empty: "login", and "login consent" where the scopes ask for offline_access (OpenID
	// Connect Core 11: an OP ignores offline_access without consent, and the visit gets no refresh token).
	// A municipality whose OP wants otherwise sets it, e.g. "login" for an OP that gives refresh tokens
	// without being asked for consent.
	LoginPrompt string
}

// promptValues are the prompt values of OpenID Connect Core 3.1.2.1 that the kiosk may send ("none" is
// not one: the kiosk never has an OP session to use).
var promptValues = []string{"login", "consent", "select_account"}

func init() { Keys = append(Keys, KeyLogin, KeyBrowserAllow, KeyLoginPrompt) }

// LoginMethods is Login as a list ([DefaultLogin] when Login is empty).
func (l LoginSettings) LoginMethods() []string {
	if strings.TrimSpace(l.Login) == "" {
		return []string{DefaultLogin}
	}
	var out []string
	for _, m := range strings.FieldsFunc(l.Login, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// Offers reports whether method is one of the ways in.
func (l LoginSettings) Offers(method string) bool { return slices.Contains(l.LoginMethods(), method) }

// BrowserAllowList is BrowserAllow as a list.
func (l LoginSettings) BrowserAllowList() []string {
	return strings.FieldsFunc(l.BrowserAllow, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

// setLogin is Set for the login keys; ok is false for any other key.
func setLogin(c *Config, key, value string) (ok bool, err error) {
	switch key {
	case KeyLogin:
		c.LoginSettings.Login = strings.ToLower(value)
	case KeyBrowserAllow:
		c.LoginSettings.BrowserAllow = value
	case KeyLoginPrompt:
		c.LoginSettings.LoginPrompt = strings.Join(strings.Fields(strings.ToLower(value)), " ")
	default:
		return false, nil
	}
	return true, nil
}

// valueLogin is Value for the login keys.
func valueLogin(c Config, key string) (string, bool) {
	switch key {
	case KeyLogin:
		return c.LoginSettings.Login, true
	case KeyBrowserAllow:
		return c.LoginSettings.BrowserAllow, true
	case KeyLoginPrompt:
		return c.LoginSettings.LoginPrompt, true
	}
	return "", false
}

// validateLogin checks the ways in (each known) and normalises a Login that is set, and the login prompt
// (each value known).
func validateLogin(c *Config) error {
	for _, p := range strings.Fields(c.LoginSettings.LoginPrompt) {
		if !slices.Contains(promptValues, p) {
			return fmt.Errorf("config: --login-prompt %q: each value must be one of %s", p, strings.Join(promptValues, ", "))
		}
	}
	if strings.TrimSpace(c.LoginSettings.Login) == "" {
		c.LoginSettings.Login = ""
		return nil
	}
	ms := c.LoginSettings.LoginMethods()
	for _, m := range ms {
		if m != LoginPhone && m != LoginKiosk {
			return fmt.Errorf("config: --login %q: each way in must be %s or %s", m, LoginPhone, LoginKiosk)
		}
	}
	c.LoginSettings.Login = strings.Join(ms, ",")
	return nil
}

// loginFlags registers --login and --browser-allow.
func loginFlags(fs *flag.FlagSet) {
	fs.String("login", "", "ways to log in: phone, kiosk or phone,kiosk (default phone)")
	fs.String("browser-allow", "", "hosts besides the issuer the login window may show (the eID providers)")
	fs.String("login-prompt", "", "prompt of the login on the kiosk (default \"login\", \"login consent\" with offline_access)")
}
