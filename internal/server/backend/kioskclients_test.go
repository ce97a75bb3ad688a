package backend_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

func argon2idHash(secret string) string {
	salt := []byte("0123456789abcdef")
	h := argon2.IDKey([]byte(secret), salt, 1, 8*1024, 1, 32)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", 8*1024, 1, 1,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(h))
}

// TestKioskClientsFile: the --kiosk-clients TOML file, with argon2id and SHA-256 secret hashes; only the
// right secret gets a kiosk token.
func TestKioskClientsFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("kiosks.toml", fmt.Sprintf(`
[[kiosk]]
client_id = "kiosk-servicetorget"
secret_hash = %q
name = "Servicetorget"
location = "Rådhuset, 1. etasje"

[[kiosk]]
client_id = "kiosk-biblioteket"
secret_hash = %q
name = "Biblioteket"
`, argon2idHash("s3cret-argon"), backend.SHA256SecretHash("s3cret-sha")))
	kc, err := backend.LoadKioskClients(good)
	if err != nil || len(kc) != 2 || kc[0].Location != "Rådhuset, 1. etasje" {
		t.Fatalf("load: %+v %v", kc, err)
	}
	for _, bad := range []struct{ name, body, want string }{
		{"no hash", "[[kiosk]]\nclient_id = \"a\"\n", "required"},
		{"twice", "[[kiosk]]\nclient_id = \"a\"\nsecret_hash = \"" + backend.SHA256SecretHash("x") + "\"\n[[kiosk]]\nclient_id = \"a\"\nsecret_hash = \"" + backend.SHA256SecretHash("y") + "\"\n", "twice"},
		{"bad hash", "[[kiosk]]\nclient_id = \"a\"\nsecret_hash = \"plaintext\"\n", "secret_hash"},
		{"unknown key", "[[kiosk]]\nclient_id = \"a\"\nsecret = \"x\"\nsecret_hash = \"" + backend.SHA256SecretHash("x") + "\"\n", "unknown key"},
	} {
		if _, err := backend.LoadKioskClients(write(bad.name+".toml", bad.body)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err %v, want %q", bad.name, err, bad.want)
		}
	}

	e := backendtest.New(t, backendtest.WithoutDemo(), backendtest.WithConfig(func(c *backend.Config) { c.KioskClients = kc }))
	tests := []struct {
		id, secret string
		status     int
	}{
		{"kiosk-servicetorget", "s3cret-argon", 200},
		{"kiosk-biblioteket", "s3cret-sha", 200},
		{"kiosk-servicetorget", "s3cret-sha", 401},
		{"kiosk-biblioteket", "", 401},
		{"nobody", "s3cret-sha", 401},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(tt.id, tt.secret)
		res, err := e.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("%s with secret %q: %d, want %d", tt.id, tt.secret, res.StatusCode, tt.status)
		}
	}
}
