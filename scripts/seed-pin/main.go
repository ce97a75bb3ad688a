// Command seed-pin stores a random staff PIN (that nobody knows) in a kiosk's local store, so that the kiosk
// in kiosk mode starts on the welcome screen instead of asking staff to choose a PIN. For measurements and
// tests only (scripts/idle-cost.sh):
//
//	go run ./scripts/seed-pin CONFIG_DIR
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"

	"golang.org/x/crypto/argon2"

	"github.com/helsekiosk/helsekiosk/internal/store"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seed-pin CONFIG_DIR")
		os.Exit(2)
	}
	st, err := store.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed-pin:", err)
		os.Exit(1)
	}
	defer st.Close()
	salt, pin := make([]byte, 16), make([]byte, 16)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(pin)
	b64 := base64.RawStdEncoding
	// The format ui/pin.go writes (argon2id, 19 MiB, 2 passes, 1 lane).
	hash := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, 19*1024, 2, 1,
		b64.EncodeToString(salt), b64.EncodeToString(argon2.IDKey(pin, salt, 2, 19*1024, 1, 32)))
	if err := st.Put(context.Background(), map[string]string{"staff_pin_hash": hash}); err != nil {
		fmt.Fprintln(os.Stderr, "seed-pin:", err)
		os.Exit(1)
	}
}
