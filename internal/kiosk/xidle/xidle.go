// Package xidle tells how long the X server has seen no input – keyboard, mouse or touch, on any window –
// from the MIT-SCREEN-SAVER extension (libXss). The kiosk counts that as the citizen's activity, so a
// finger scrolling a message or a mouse moving over the screen keeps the session alive, not only taps on
// the kiosk's own buttons.
package xidle

import (
	"errors"
	"time"
)

// ErrUnavailable is returned by Open where there is no X display or no screen-saver extension (and on
// builds without cgo).
var ErrUnavailable = errors.New("xidle: no X display with the screen-saver extension")

// Func returns how long there has been no input, or false when it cannot tell.
type Func func() (time.Duration, bool)

// Default opens the display named by $DISPLAY and returns its idle function, or nil when there is none.
func Default() Func {
	s, err := Open()
	if err != nil {
		return nil
	}
	return func() (time.Duration, bool) {
		d, err := s.Idle()
		return d, err == nil
	}
}
