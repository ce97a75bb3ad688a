// Command helsekiosk is the Helsekiosk kiosk: a full-screen Fyne app where citizens log in with their
// phone and talk to the municipal health and care service. Without --api (or HELSEKIOSK_API) it starts
// the reference backend in-process with demo data, on loopback. SIGTERM or SIGINT closes it cleanly (the
// operations log gets kiosk_exited).
//
// A fresh process per citizen: with --fresh-process (on by default under --kiosk and --supervise) the
// kiosk exits with status 75 once a visit has ended, after handing over to the next process.
// `helsekiosk --supervise ARGS…` is the supervisor that starts `helsekiosk ARGS…` again each time
// (internal/kiosk/supervise): cage runs it, so the next welcome screen is up before the old window goes, a
// crash is logged and restarted, and a crash loop ends in the out-of-order screen.
//
// Fyne's own files (preferences, caches), the Mesa shader cache and temporary files go to a directory of
// the process's own (the supervisor's, or made here), removed when the process ends.
package main

import (
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/launch"
	_ "github.com/helsekiosk/helsekiosk/internal/kiosk/syslocale" // before Fyne reads the locale: see its doc
)

// main runs launch.Main, the whole program, on Fyne's GLFW app.
func main() {
	os.Exit(launch.Main(os.Args[1:], func() fyne.App { return app.NewWithID("no.kommune.helsekiosk") }))
}
