package launch

import (
	"fmt"

	"github.com/jezek/xgb"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
)

// errNoDisplay is the one line the kiosk prints, instead of GLFW's panic, when it has no graphical display.
const errNoDisplay = "needs a graphical display: %s. Start it in a desktop session, under cage, " +
	"or with a virtual one: xvfb-run -a helsekiosk …"

// checkDisplay reports, as one line for the operator, why the kiosk cannot open a window: no X display
// named in DISPLAY (Fyne's GLFW driver is X11: under Wayland the kiosk runs on Xwayland, as cage gives it),
// or one it cannot connect to. nil means a window can be opened.
func checkDisplay(getenv func(string) string) error {
	d := getenv("DISPLAY")
	if d == "" {
		return fmt.Errorf(errNoDisplay, "DISPLAY is not set")
	}
	browser.QuietXGB()
	c, err := xgb.NewConnDisplay(d)
	if err != nil {
		return fmt.Errorf(errNoDisplay, fmt.Sprintf("cannot open the X display %q (%v)", d, err))
	}
	c.Close()
	return nil
}
