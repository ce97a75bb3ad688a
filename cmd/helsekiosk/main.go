// Command helsekiosk is the Helsekiosk kiosk: a full-screen Fyne app where citizens log in with their
// phone and talk to the municipal health and care service. Without --api (or HELSEKIOSK_API) it starts
// the reference backend in-process with demo data, on loopback.
package main

import (
	"context"
	"fmt"
	"os"

	"fyne.io/fyne/v2/app"

	"github.com/helsekiosk/helsekiosk/internal/backend"
	"github.com/helsekiosk/helsekiosk/internal/config"
	"github.com/helsekiosk/helsekiosk/ui"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load(os.Args[1:], os.Getenv)
	if err != nil {
		return err
	}
	if cfg.API == "" {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		b, err := backend.Start(ctx, backend.Config{Demo: true, KioskName: cfg.KioskName})
		if err != nil {
			return fmt.Errorf("demo backend: %w", err)
		}
		defer b.Close()
		cfg.API, cfg.Demo = b.URL, true
	}
	a := app.NewWithID("no.kommune.helsekiosk")
	k, err := ui.New(a, cfg)
	if err != nil {
		return err
	}
	k.Run()
	return nil
}
