package widgets

import "fyne.io/fyne/v2"

// Hooks are one kiosk's callbacks for its widgets, given to every constructor: Activity at every tap on a
// Button, Tile or keyboard Key (the kiosk's idle timer listens to it), TextFocus when an Entry gets the focus
// (the kiosk shows the touch keyboard and makes the entry its target). Both are called on the UI goroutine.
// A nil *Hooks, or a nil field, calls nothing.
type Hooks struct {
	Activity  func()
	TextFocus func(fyne.Focusable)
}

func (h *Hooks) activity() {
	if h != nil && h.Activity != nil {
		h.Activity()
	}
}

func (h *Hooks) textFocus(f fyne.Focusable) {
	if h != nil && h.TextFocus != nil {
		h.TextFocus(f)
	}
}
