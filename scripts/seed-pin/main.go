// Command seed-pin stores a random staff PIN (that nobody knows) in a kiosk's local store, so that the kiosk
// in kiosk mode starts on the welcome screen instead of asking staff to choose a PIN. For measurements and
// tests only (scripts/idle-cost.sh):
//
//	go run ./scripts/seed-pin CONFIG_DIR
package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/staffpin"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
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
	// A random PIN of the longest length staffpin allows, which nobody knows, hashed as the kiosk hashes it.
	var pin strings.Builder
	for range staffpin.MaxLen {
		pin.WriteByte('0' + byte(rand.IntN(10)))
	}
	hash, err := staffpin.Hash(pin.String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "seed-pin:", err)
		os.Exit(1)
	}
	if err := st.Put(context.Background(), map[string]string{"staff_pin_hash": hash}); err != nil {
		fmt.Fprintln(os.Stderr, "seed-pin:", err)
		os.Exit(1)
	}
}
