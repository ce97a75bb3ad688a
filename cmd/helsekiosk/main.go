// Command helsekiosk is the Helsekiosk kiosk: a full-screen Fyne app where citizens log in with their
// phone and talk to the municipal health and care service. Without --api (or HELSEKIOSK_API) it starts
// the reference backend in-process with demo data, on loopback.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"fyne.io/fyne/v2/app"

	"github.com/helsekiosk/helsekiosk/internal/backend"
	"github.com/helsekiosk/helsekiosk/internal/config"
	"github.com/helsekiosk/helsekiosk/internal/store"
	"github.com/helsekiosk/helsekiosk/internal/xidle"
	"github.com/helsekiosk/helsekiosk/ui"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, st, fixed, err := loadConfig()
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}
	if cfg.API == "" {
		// The demo backend starts in the background: the port is taken now (so the URL is known), and
		// requests wait in the listen queue until it serves, while the welcome screen is painted.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("demo backend: %w", err)
		}
		defer ln.Close()
		go serveDemo(ln, cfg.KioskName)
		cfg.API, cfg.Demo = "http://"+ln.Addr().String(), true
	}
	a := app.NewWithID("no.kommune.helsekiosk")
	k, err := ui.New(a, cfg, ui.WithInputIdle(xidle.Default()), ui.WithStore(st, fixed))
	if err != nil {
		return err
	}
	k.Run()
	return nil
}

// loadConfig reads flags, the environment and the config file, opens the local store in the configuration
// directory, and reads again with what staff saved in the staff panel as a layer. Kiosk mode needs the
// store (the staff PIN lives there); otherwise the kiosk runs without one when it cannot be opened.
func loadConfig() (config.Config, *store.Store, map[string]bool, error) {
	cfg, fixed, err := config.LoadWith(os.Args[1:], os.Getenv, nil)
	if err != nil {
		return cfg, nil, nil, err
	}
	st, err := store.Open(cfg.Dir)
	if err != nil {
		if cfg.Kiosk {
			return cfg, nil, nil, fmt.Errorf("kiosk mode needs the local store: %w", err)
		}
		fmt.Fprintln(os.Stderr, "helsekiosk: running without the local store:", err)
		return cfg, nil, fixed, nil
	}
	saved, err := st.Settings(context.Background())
	if err == nil {
		var c2 config.Config
		if c2, fixed, err = config.LoadWith(os.Args[1:], os.Getenv, saved); err == nil {
			cfg = c2
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk: ignoring the staff panel's saved settings:", err)
	}
	return cfg, st, fixed, nil
}

// serveDemo runs the reference backend with demo data (and its /staff page) on ln.
func serveDemo(ln net.Listener, kioskName string) {
	srv, err := backend.New(backend.Config{Demo: true, KioskName: kioskName})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk: demo backend:", err)
		ln.Close()
		return
	}
	defer srv.Close()
	fmt.Fprintf(os.Stderr, "helsekiosk: demo backend on http://%s (staff page: /staff)\n", ln.Addr())
	hs := &http.Server{Handler: srv.HandlerWithStaff(), ReadHeaderTimeout: 10 * time.Second}
	_ = hs.Serve(ln)
}
