package browser_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
)

func TestPolicyFile(t *testing.T) {
	allow, err := browser.AllowFor("https://login.idporten.no/", []string{"https://.bankid.no", " ", "buypass.no"}, "/helsekiosk/callback")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://login.idporten.no", "https://.bankid.no", "buypass.no", "http://127.0.0.1/helsekiosk/callback"}
	if !slices.Equal(allow, want) {
		t.Errorf("allow %q, want %q", allow, want)
	}
	if _, err := browser.AllowFor("not a url", nil, ""); err == nil {
		t.Error("AllowFor accepted no URL")
	}
	file := filepath.Join(t.TempDir(), "managed", "helsekiosk.json")
	if err := browser.WriteSystemPolicy(file, browser.NewPolicy(allow)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("policy file %v %v", st, err)
	}
	b, _ := os.ReadFile(file)
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"DeveloperToolsAvailability": 2.0, "DownloadRestrictions": 3.0, "PrintingEnabled": false,
		"PasswordManagerEnabled": false, "AutofillAddressEnabled": false, "AutofillCreditCardEnabled": false,
		"IncognitoModeAvailability": 2.0, "BrowserSignin": 0.0, "RemoteDebuggingAllowed": false, "SyncDisabled": true} {
		if p[k] != v {
			t.Errorf("%s = %v, want %v", k, p[k], v)
		}
	}
	if bl, _ := p["URLBlocklist"].([]any); len(bl) == 0 || bl[0] != "*" {
		t.Errorf("URLBlocklist %v", p["URLBlocklist"])
	}
	if ex, _ := p["ExtensionInstallBlocklist"].([]any); len(ex) != 1 || ex[0] != "*" {
		t.Errorf("ExtensionInstallBlocklist %v", p["ExtensionInstallBlocklist"])
	}
	// The flags: an app window on the URL, no first run, sync, extensions; the zoom and language.
	f := strings.Join(browser.Flags(browser.Options{URL: "https://op/a", Zoom: 1.5, Lang: "nb"}), " ")
	for _, want := range []string{"--app=https://op/a", "--incognito", "--no-first-run", "--disable-sync", "--disable-extensions",
		"--force-device-scale-factor=1.5", "--lang=nb", "--no-default-browser-check"} {
		if !strings.Contains(f, want) {
			t.Errorf("flags lack %s: %s", want, f)
		}
	}
	if f := strings.Join(browser.Flags(browser.Options{URL: "https://op/a", Kiosk: true}), " "); !strings.HasSuffix(f, "--kiosk https://op/a") {
		t.Errorf("kiosk flags %s", f)
	}
}
