package widgets

import "fyne.io/fyne/v2"

// Hooks are one kiosk's callbacks for its widgets, given to every constructor, all called on the UI
// goroutine. A nil *Hooks, or a nil field, calls nothing.
//
//   - Activity: at every tap on a Button, Tile, Check, Radio option or keyboard Key (the idle timer listens).
//   - TextFocus: when an Entry gets the focus (the kiosk shows the touch keyboard and makes it the target).
//   - Focus: when any of the kiosk's widgets gets the focus, or a List's focused row or a control's state
//     changes (speech guidance speaks it).
//   - Key: a key typed on a focused widget of the kiosk's, before the widget's own handling; true when the
//     kiosk handled it (moving the focus, going back, the speech keys), and the widget then ignores it.
//   - KeyDown, KeyUp: a key pressed or released on a focused widget (holding a key: the speech-guidance key).
//   - Typed: a character typed into an Entry (speech guidance echoes letters and words).
type Hooks struct {
	Activity  func()
	TextFocus func(fyne.Focusable)
	Focus     func(fyne.CanvasObject)
	Key       func(*fyne.KeyEvent) bool
	KeyDown   func(*fyne.KeyEvent)
	KeyUp     func(*fyne.KeyEvent)
	Typed     func(e *Entry, r rune)
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

func (h *Hooks) focus(o fyne.CanvasObject) {
	if h != nil && h.Focus != nil {
		h.Focus(o)
	}
}

func (h *Hooks) key(ev *fyne.KeyEvent) bool {
	return h != nil && h.Key != nil && h.Key(ev)
}

func (h *Hooks) keyDown(ev *fyne.KeyEvent) {
	if h != nil && h.KeyDown != nil {
		h.KeyDown(ev)
	}
}

func (h *Hooks) keyUp(ev *fyne.KeyEvent) {
	if h != nil && h.KeyUp != nil {
		h.KeyUp(ev)
	}
}

func (h *Hooks) typed(e *Entry, r rune) {
	if h != nil && h.Typed != nil {
		h.Typed(e, r)
	}
}

// Activates reports whether a key activates the focused control: Enter, Return or Space (the keypad's 5 and
// Enter are the kiosk's, see ui/keys.go).
func Activates(ev *fyne.KeyEvent) bool {
	return ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter || ev.Name == fyne.KeySpace
}
