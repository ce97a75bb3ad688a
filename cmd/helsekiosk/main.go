// Command helsekiosk is the Helsekiosk kiosk: a full-screen Fyne app where citizens log in with their
// phone and talk to the municipal health and care service. Without --api (or HELSEKIOSK_API) it starts
// the reference backend in-process with demo data, on loopback. SIGTERM or SIGINT closes it cleanly (the
// operations log gets kiosk_exited).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2/app"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/launch"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/xidle"
	"github.com/helsekiosk/helsekiosk/ui"
)

func main() {
	s, err := launch.Prepare(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		os.Exit(2)
	}
	defer s.Close()
	k, err := ui.New(app.NewWithID("no.kommune.helsekiosk"), s.Config, ui.WithInputIdle(xidle.Default()), ui.WithStore(s.Store, s.Fixed),
		ui.WithSpeaker(s.Speaker))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk:", err)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	k.RunUntil(ctx)
}
