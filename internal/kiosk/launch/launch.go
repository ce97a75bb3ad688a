// Package launch prepares what the kiosk program starts with: its configuration in layers (flags >
// environment > the staff panel's saved settings > config file > defaults), the local store those saved
// settings live in, the speaker (speech_device, speech_rate, speech_volume; --speech-to-wav for tests), and
// – when no API is configured – the reference backend with demo data, in-process on loopback.
package launch

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/speech"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

// A Setup is a prepared start: the configuration, the local store (nil when it could not be opened outside
// kiosk mode), which settings flags or the environment fixed, the speaker the UI speaks with
// (ui.WithSpeaker), and what Close must stop.
type Setup struct {
	Config  config.Config
	Store   *store.Store
	Fixed   map[string]bool
	Speaker *speech.Speaker // never nil; not Available without espeak-ng

	closers   []func() error
	demo      func() // serves the demo backend until Close; nil with an API
	demoOnce  sync.Once
	demoReady chan struct{}
}

// Prepare reads the configuration from args and getenv, opens the local store in the configuration
// directory and reads again with what staff saved as a layer. Without an API it takes a loopback port for
// the demo backend, so the URL is known at once; the backend itself starts with StartDemo (the kiosk
// program: once the welcome screen is painted, so that the two do not share the CPU), and requests wait in
// the listen queue until it serves. Notes for the operator go to logw.
func Prepare(args []string, getenv func(string) string, logw io.Writer) (*Setup, error) {
	cfg, fixed, err := config.LoadWith(args, getenv, nil)
	if err != nil {
		return nil, err
	}
	s := &Setup{Config: cfg, Fixed: fixed, demoReady: make(chan struct{})}
	st, err := store.Open(cfg.Dir)
	switch {
	case err != nil && cfg.Kiosk:
		return nil, fmt.Errorf("kiosk mode needs the local store: %w", err)
	case err != nil:
		fmt.Fprintln(logw, "helsekiosk: running without the local store:", err)
	default:
		s.Store = st
		s.closers = append(s.closers, st.Close)
		saved, err := st.Settings(context.Background())
		if err == nil {
			var layered config.Config
			if layered, fixed, err = config.LoadWith(args, getenv, saved); err == nil {
				s.Config, s.Fixed = layered, fixed
			}
		}
		if err != nil {
			fmt.Fprintln(logw, "helsekiosk: ignoring the staff panel's saved settings:", err)
		}
	}
	sp, err := newSpeaker(s.Config)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Speaker = sp
	s.closers = append(s.closers, func() error { sp.Stop(); return nil })
	if s.Config.API == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("demo backend: %w", err)
		}
		hs := &http.Server{ReadHeaderTimeout: 10 * time.Second}
		s.closers = append(s.closers, ln.Close, hs.Close) // hs.Close also ends kept-alive connections
		bcfg := backend.Config{Demo: true, KioskName: s.Config.KioskName, PublicURL: "http://" + ln.Addr().String()}
		// The kiosk is an OAuth client of the demo backend with a secret made now, in memory only: the same
		// secret goes to both sides.
		secret := newDemoSecret()
		if registerDemoKiosk(&bcfg, s.Config.ClientID, secret, s.Config.KioskName, s.Config.Location) {
			s.Config.ClientSecret = config.Secret(secret)
		}
		s.demo = func() { serveDemo(hs, ln, bcfg, logw, s.demoReady) }
		s.Config.API, s.Config.Demo = "http://"+ln.Addr().String(), true
	}
	return s, nil
}

// StartDemo starts the in-process demo backend in the background, once; without one (an API was
// configured) it does nothing. DemoReady tells when it has started.
func (s *Setup) StartDemo() {
	s.demoOnce.Do(func() {
		if s.demo == nil {
			close(s.demoReady)
			return
		}
		go s.demo()
	})
}

// DemoReady is closed once StartDemo has set up the demo backend (its data seeded, serving or failed), or
// at once by StartDemo when there is none.
func (s *Setup) DemoReady() <-chan struct{} { return s.demoReady }

// newSpeaker is the speaker for cfg: its rate, volume and ALSA device, or – with the test-only
// --speech-to-wav DIR – writing every utterance and tone to numbered WAV files in DIR (made if missing)
// instead of playing them.
func newSpeaker(cfg config.Config) (*speech.Speaker, error) {
	opts := []speech.Option{speech.Speed(cfg.SpeechRate), speech.Device(cfg.SpeechDevice)}
	if cfg.SpeechToWAV != "" {
		if err := os.MkdirAll(cfg.SpeechToWAV, 0o700); err != nil {
			return nil, fmt.Errorf("--speech-to-wav: %w", err)
		}
		opts = append(opts, speech.ToWAVDir(cfg.SpeechToWAV))
	}
	sp := speech.New(opts...)
	sp.SetVolume(cfg.SpeechVolume)
	return sp, nil
}

// Close stops speech and the demo backend and closes the store.
func (s *Setup) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		_ = s.closers[i]()
	}
	s.closers = nil
}

// serveDemo runs the reference backend with demo data (and its /staff page) with hs on ln until hs is
// closed; ready is closed once the backend is set up (or has failed).
func serveDemo(hs *http.Server, ln net.Listener, cfg backend.Config, logw io.Writer, ready chan<- struct{}) {
	srv, err := backend.New(cfg)
	if err != nil {
		fmt.Fprintln(logw, "helsekiosk: demo backend:", err)
		ln.Close()
		close(ready)
		return
	}
	defer srv.Close()
	fmt.Fprintf(logw, "helsekiosk: demo backend on http://%s (staff pages: http://%s/staff/inbox; the demo staff login is one click as %s (planner), %s (heimesjukepleie) or %s (praktisk bistand))\n",
		ln.Addr(), ln.Addr(), backend.DemoStaffUser, backend.DemoNurseUser, backend.DemoAssistantUser)
	hs.Handler = srv.HandlerWithStaff()
	close(ready)
	_ = hs.Serve(ln)
}

// newDemoSecret is a fresh random client secret for the demo kiosk (26 base32 characters, 130 bits).
func newDemoSecret() string { return rand.Text() }

// registerDemoKiosk registers the kiosk (clientID, with secret, name and location) as a kiosk client of the
// in-process demo backend in cfg, and reports whether it did; only then does the kiosk use the secret (for
// its device login and its client-credentials kiosk token). The backend keeps only the secret's hash.
func registerDemoKiosk(cfg *backend.Config, clientID, secret, name, location string) bool {
	cfg.KioskClients = append(cfg.KioskClients, backend.KioskClient{ClientID: clientID,
		SecretHash: backend.SHA256SecretHash(secret), Name: name, Location: location})
	return true
}
