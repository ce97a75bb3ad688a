package launch

import (
	"runtime/debug"
)

// kioskGCPercent is the kiosk process's GOGC unless the environment sets one: the Go heap may grow to 1.5×
// what is live between collections instead of 2× (about 14 MiB live on the welcome screen, most of it the
// parsed fonts). On its own it took 4 MiB off the kiosk's PSS at start; 25 saved only 1 MiB more.
// Measured with scripts/startup.sh: docs/startup.md.
const kioskGCPercent = 50

// tuneGC sets the kiosk's GOGC (kioskGCPercent) unless GOGC is in the environment (getenv).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(kioskGCPercent)
	}
}

// afterFirstPaint runs once the welcome screen is painted (Fyne's OnStarted comes after the window's first
// frame): it starts the demo backend (s.StartDemo) and, once that is set up, collects the start-up's
// garbage and returns the freed memory to the system (debug.FreeOSMemory). Parsing the fonts, the
// contract, the migrations and the demo data leaves more garbage than is live afterwards; without this,
// the heap would hold that room until the runtime's background scavenger gets to it.
func afterFirstPaint(s *Setup) {
	s.StartDemo()
	<-s.DemoReady()
	debug.FreeOSMemory()
}
