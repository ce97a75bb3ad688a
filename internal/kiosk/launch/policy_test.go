package launch

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The policy step writes the kiosk's Chromium policy for the configured issuer and eID hosts, and removes
// it again when the login on the kiosk is no longer offered.
func TestWriteBrowserPolicy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policies", "managed", "helsekiosk.json")
	env := func(string) string { return "" }
	args := []string{"--config-dir", dir, "--issuer", "https://idp.kommune.no/realms/helsekiosk",
		"--login", "phone,kiosk", "--browser-allow", "https://idporten.no,https://login.bankid.no"}
	f, rest, ok := policyArgs(append([]string{"--write-browser-policy=" + file}, args...))
	if !ok || f != file || !slices.Equal(rest, args) {
		t.Fatalf("policyArgs: %q %q %v", f, rest, ok)
	}
	if rc := writeBrowserPolicy(f, rest, env, io.Discard); rc != 0 {
		t.Fatalf("exit %d", rc)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	var allow []string
	for _, v := range p["URLAllowlist"].([]any) {
		allow = append(allow, v.(string))
	}
	for _, want := range []string{"https://idp.kommune.no", "https://idporten.no", "https://login.bankid.no", "http://127.0.0.1/helsekiosk/callback"} {
		if !slices.Contains(allow, want) {
			t.Errorf("URLAllowlist %q lacks %q", allow, want)
		}
	}
	if block, _ := p["URLBlocklist"].([]any); !slices.Contains(block, any("*")) {
		t.Errorf("URLBlocklist is %v, want everything else blocked", p["URLBlocklist"])
	}
	if p["DeveloperToolsAvailability"] != float64(2) || p["DownloadRestrictions"] != float64(3) {
		t.Errorf("devtools %v, downloads %v", p["DeveloperToolsAvailability"], p["DownloadRestrictions"])
	}

	// login = phone only: the policy goes.
	args[5] = "phone"
	if rc := writeBrowserPolicy(file, args, env, io.Discard); rc != 0 {
		t.Fatalf("exit %d", rc)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the policy is still there without the login on the kiosk: %v", err)
	}
}
