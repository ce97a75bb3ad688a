package backend

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/argon2"
)

// KioskClient is a kiosk registered with the backend's own authorization server: it gets its kiosk token
// with the client credentials grant (client_secret_basic).
type KioskClient struct {
	ClientID string `toml:"client_id"`
	// SecretHash is the secret's hash: an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) or the
	// SHA-256 of the secret in hex. The secret itself is never stored.
	SecretHash string `toml:"secret_hash"`
	Name       string `toml:"name"`
	Location   string `toml:"location"`
}

// LoadKioskClients reads a kiosk clients file: [[kiosk]] tables with client_id, secret_hash, name, location.
func LoadKioskClients(path string) ([]KioskClient, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct {
		Kiosk []KioskClient `toml:"kiosk"`
	}
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s", path, und[0])
	}
	seen := map[string]bool{}
	for i, k := range f.Kiosk {
		if k.ClientID == "" || k.SecretHash == "" {
			return nil, fmt.Errorf("%s: kiosk %d: client_id and secret_hash are required", path, i+1)
		}
		if seen[k.ClientID] {
			return nil, fmt.Errorf("%s: client_id %q twice", path, k.ClientID)
		}
		seen[k.ClientID] = true
		if _, err := secretMatches(k.SecretHash, ""); err != nil {
			return nil, fmt.Errorf("%s: kiosk %q: %w", path, k.ClientID, err)
		}
	}
	return f.Kiosk, nil
}

// SHA256SecretHash is a secret_hash for secret (for tests and the in-process demo; prefer argon2id for files).
func SHA256SecretHash(secret string) string {
	return sha256Hex(secret)
}

// secretMatches compares secret with a stored hash in constant time. An unreadable hash is an error.
func secretMatches(stored, secret string) (bool, error) {
	if strings.HasPrefix(stored, "$argon2id$") {
		// $argon2id$v=19$m=65536,t=3,p=4$salt$hash
		parts := strings.Split(stored, "$")
		if len(parts) != 6 {
			return false, fmt.Errorf("secret_hash: not an argon2id PHC string")
		}
		var m, t uint32
		var p uint8
		if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
			return false, fmt.Errorf("secret_hash: argon2id parameters: %w", err)
		}
		salt, err := base64.RawStdEncoding.DecodeString(parts[4])
		if err != nil {
			return false, fmt.Errorf("secret_hash: argon2id salt: %w", err)
		}
		want, err := base64.RawStdEncoding.DecodeString(parts[5])
		if err != nil || len(want) == 0 {
			return false, fmt.Errorf("secret_hash: argon2id hash")
		}
		if secret == "" {
			return false, nil
		}
		got := argon2.IDKey([]byte(secret), salt, t, m, p, uint32(len(want)))
		return subtle.ConstantTimeCompare(got, want) == 1, nil
	}
	want, err := hex.DecodeString(stored)
	if err != nil || len(want) != sha256.Size {
		return false, fmt.Errorf("secret_hash: neither argon2id nor SHA-256 hex")
	}
	if secret == "" {
		return false, nil
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1, nil
}

// kioskClient is the registered kiosk with this id, or nil.
func (s *Server) kioskClient(id string) *KioskClient {
	for i := range s.cfg.KioskClients {
		if s.cfg.KioskClients[i].ClientID == id {
			return &s.cfg.KioskClients[i]
		}
	}
	return nil
}

// authenticateClient checks client_secret_basic (or client_secret_post) against the kiosk clients. ok is false
// when no credentials were sent.
func (s *Server) authenticateClient(r *http.Request) (kc *KioskClient, sent bool) {
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 section 2.3.1: both are form-encoded before Basic encoding.
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(secret); err == nil {
			secret = v
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if secret == "" {
			return nil, false
		}
	}
	kc = s.kioskClient(id)
	if kc == nil {
		// Same work as a real check, so timing does not tell registered ids from others.
		_, _ = secretMatches(SHA256SecretHash("x"), secret)
		return nil, true
	}
	if ok, _ := secretMatches(kc.SecretHash, secret); !ok {
		return nil, true
	}
	return kc, true
}
