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
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/argon2"
)

// KioskClient is a registered kiosk. Without Issuer it is a client of the backend's own authorization server
// and gets its kiosk token there with the client credentials grant (client_secret_basic); with Issuer (a
// trusted issuer) it gets its kiosk token from that OpenID Provider, which holds its secret. Only a
// registered kiosk's token is a kiosk token (authenticateKiosk).
type KioskClient struct {
	ClientID string `toml:"client_id"`
	// SecretHash is the secret's hash: an argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) or the
	// SHA-256 of the secret in hex. The secret itself is never stored. Required without Issuer, and empty
	// with it.
	SecretHash string `toml:"secret_hash"`
	Name       string `toml:"name"`
	Location   string `toml:"location"`
	// Issuer is the trusted issuer (one of Config.TrustIssuers) that gives this kiosk its token; "" is the
	// own authorization server.
	Issuer string `toml:"issuer"`
	// Subject is the sub that issuer gives the kiosk's client-credentials token, where it is not the client
	// id (Keycloak: the id of the client's service-account user); "" means the client id.
	Subject string `toml:"subject"`
}

// own reports whether the kiosk gets its token from the backend's own authorization server.
func (k *KioskClient) own() bool { return k.Issuer == "" }

// subject is the sub of the kiosk's token.
func (k *KioskClient) subject() string {
	if k.Subject != "" {
		return k.Subject
	}
	return k.ClientID
}

// checkKioskClients refuses, at start, a kiosk registered for an issuer the backend does not trust.
func checkKioskClients(cfg Config) error {
	for _, k := range cfg.KioskClients {
		if k.Issuer == "" {
			continue
		}
		if !slices.ContainsFunc(cfg.TrustIssuers, func(iss string) bool { return sameIssuer(iss, k.Issuer) }) {
			return fmt.Errorf("backend: kiosk %q: issuer %s is not a trusted issuer (--trust-issuer)", k.ClientID, k.Issuer)
		}
	}
	return nil
}

// ownKioskClients reports whether a kiosk is registered with the own authorization server.
func ownKioskClients(kcs []KioskClient) bool {
	return slices.ContainsFunc(kcs, func(k KioskClient) bool { return k.own() })
}

// LoadKioskClients reads a kiosk clients file: [[kiosk]] tables with client_id, secret_hash, name, location,
// and for a kiosk whose token comes from a trusted issuer issuer (and subject where its sub is not the client
// id) in place of secret_hash.
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
		if k.Issuer != "" {
			if k.ClientID == "" {
				return nil, fmt.Errorf("%s: kiosk %d: client_id is required", path, i+1)
			}
			if k.SecretHash != "" {
				return nil, fmt.Errorf("%s: kiosk %q: secret_hash with issuer: the issuer holds the secret", path, k.ClientID)
			}
			id := strings.TrimRight(k.Issuer, "/") + "#" + k.ClientID
			if seen[id] {
				return nil, fmt.Errorf("%s: client_id %q of %s twice", path, k.ClientID, k.Issuer)
			}
			seen[id] = true
			continue
		}
		if k.ClientID == "" || k.SecretHash == "" {
			return nil, fmt.Errorf("%s: kiosk %d: client_id and secret_hash are required", path, i+1)
		}
		if k.Subject != "" {
			return nil, fmt.Errorf("%s: kiosk %q: subject needs issuer (the own authorization server's kiosk tokens have sub = client_id)", path, k.ClientID)
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

// kioskClient is the kiosk registered with the own authorization server with this id, or nil.
func (s *Server) kioskClient(id string) *KioskClient {
	for i := range s.cfg.KioskClients {
		if k := &s.cfg.KioskClients[i]; k.own() && k.ClientID == id {
			return k
		}
	}
	return nil
}

// registeredKiosk is the kiosk registered for the issuer of p (the own authorization server or a trusted
// issuer) with p's client id, or nil.
func (s *Server) registeredKiosk(p *principal) *KioskClient {
	if p.Own {
		return s.kioskClient(p.ClientID)
	}
	for i := range s.cfg.KioskClients {
		if k := &s.cfg.KioskClients[i]; !k.own() && k.ClientID == p.ClientID && sameIssuer(k.Issuer, p.Issuer) {
			return k
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
