package browser

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// SystemPolicyDir is where Debian's Chromium reads its mandatory ("managed") enterprise policies: every
// *.json file there, read at start-up, root-owned so the kiosk user cannot change them. They apply to every
// Chromium on the machine (a kiosk machine runs no other).
const SystemPolicyDir = "/etc/chromium/policies/managed"

// SystemPolicyFile is the file the kiosk's policy lives in (WriteSystemPolicy).
const SystemPolicyFile = SystemPolicyDir + "/helsekiosk.json"

// Policy is the Chromium enterprise policy of the login window (the names are Chromium's policy names;
// https://chromeenterprise.google/policies/). Build it with NewPolicy.
type Policy map[string]any

// NewPolicy is the login window's lock: every URL blocked except allow (the OP's and the eID providers'
// origins, the loopback redirect), no developer tools, downloads, printing, password manager, autofill,
// extensions, sign-in, sync, pop-ups, file dialogs or history; incognito forced. Each entry of allow is a
// Chromium URL filter (https://support.google.com/chrome/a/answer/9942583): "https://login.idporten.no"
// allows that origin on its default port; "bankid.no" allows the host and all its subdomains on every
// scheme, ".bankid.no" only the host itself; "http://127.0.0.1:8080" one port; and
// "http://127.0.0.1/helsekiosk/callback" the loopback redirect path on every port.
func NewPolicy(allow []string) Policy {
	return Policy{
		"URLBlocklist": []string{"*", "chrome://*", "chrome-untrusted://*", "devtools://*", "file://*",
			"view-source:*", "chrome-extension://*", "javascript://*", "ftp://*", "data:*", "blob:*"},
		"URLAllowlist":                 append([]string{}, allow...),
		"DeveloperToolsAvailability":   2, // not allowed, anywhere
		"DownloadRestrictions":         3, // block all downloads
		"PrintingEnabled":              false,
		"PasswordManagerEnabled":       false,
		"PasswordLeakDetectionEnabled": false,
		"AutofillAddressEnabled":       false,
		"AutofillCreditCardEnabled":    false,
		"PaymentMethodQueryEnabled":    false,
		"IncognitoModeAvailability":    2, // forced: every window is incognito
		"BrowserSignin":                0,
		"SyncDisabled":                 true,
		"ExtensionInstallBlocklist":    []string{"*"},
		"BrowserAddPersonEnabled":      false,
		"BrowserGuestModeEnabled":      false,
		"DefaultPopupsSetting":         2, // window.open without a user gesture is refused
		"DefaultNotificationsSetting":  2,
		"DefaultGeolocationSetting":    2,
		"AudioCaptureAllowed":          false,
		"VideoCaptureAllowed":          false,
		"ScreenCaptureAllowed":         false,
		"AllowFileSelectionDialogs":    false,
		"SavingBrowserHistoryDisabled": true,
		"TranslateEnabled":             false,
		"SearchSuggestEnabled":         false,
		"SpellCheckServiceEnabled":     false,
		"MetricsReportingEnabled":      false,
		"DefaultBrowserSettingEnabled": false,
		"BackgroundModeEnabled":        false,
		"TaskManagerEndProcessEnabled": false,
		"BookmarkBarEnabled":           false,
		"EditBookmarksEnabled":         false,
		"ForceEphemeralProfiles":       true,
		"AllowDinosaurEasterEgg":       false,
		"RemoteDebuggingAllowed":       false,
		"PromptForDownloadLocation":    false,
		"ImportSavedPasswords":         false,
		"ImportAutofillFormData":       false,
	}
}

// AllowRemoteDebugging lets the DevTools protocol attach over --remote-debugging-port (tests only: chromedp
// drives the login page with it). With DeveloperToolsAvailability 2 Chromium refuses every DevTools
// session on a page ("Not allowed", also over the protocol), so this sets it to 1 (allowed); the test of the
// kiosk's own policy checks that refusal. URLBlocklist still blocks devtools:// pages.
func (p Policy) AllowRemoteDebugging() Policy {
	p["RemoteDebuggingAllowed"] = true
	p["DeveloperToolsAvailability"] = 1
	return p
}

// JSON is the policy file's contents.
func (p Policy) JSON() ([]byte, error) { return json.MarshalIndent(p, "", "  ") }

// AllowFor is the URL allowlist for an issuer, the eID providers' hosts behind it, and the loopback
// redirect path (every port): origins as Chromium URL filters, each scheme://host[:port] (a path only for
// the loopback). A host without scheme in eid allows that host and its subdomains on every scheme; give
// "https://host" to allow only https.
func AllowFor(issuer string, eid []string, callbackPath string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("browser: issuer %q is no URL", issuer)
	}
	allow := []string{u.Scheme + "://" + u.Host}
	for _, h := range eid {
		if h = strings.TrimSpace(h); h != "" {
			allow = append(allow, h)
		}
	}
	if callbackPath != "" {
		allow = append(allow, "http://127.0.0.1"+callbackPath)
	}
	return allow, nil
}

// WriteSystemPolicy writes p to file (SystemPolicyFile when ""), mode 0644, atomically: the root-run step
// of the installation (`helsekiosk --write-browser-policy`, run by the package's postinst or by staff as
// root), since Chromium reads policies only from the root-owned SystemPolicyDir.
func WriteSystemPolicy(file string, p Policy) error {
	if file == "" {
		file = SystemPolicyFile
	}
	b, err := p.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".helsekiosk-policy-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), file)
}
