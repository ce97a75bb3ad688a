package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Entry is a widget.Entry that tells its Hooks' TextFocus when it gets the focus (for the touch keyboard).
type Entry struct {
	widget.Entry
	hooks *Hooks
	label string
}

// NewEntry returns a single-line entry.
func NewEntry(h *Hooks) *Entry {
	e := &Entry{hooks: h}
	e.ExtendBaseWidget(e)
	return e
}

// NewMultiLineEntry returns a multi-line entry that wraps words.
func NewMultiLineEntry(h *Hooks) *Entry {
	e := NewEntry(h)
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

// NewPasswordEntry returns a single-line entry that hides what is typed.
func NewPasswordEntry(h *Hooks) *Entry {
	e := NewEntry(h)
	e.Password = true
	return e
}

// FocusGained implements fyne.Focusable, telling the hooks.
func (e *Entry) FocusGained() {
	e.Entry.FocusGained()
	e.hooks.textFocus(e)
	e.hooks.focus(e)
}

// SetLabel sets the entry's name as speech guidance says it ("Emne"): the text of the label shown above it.
func (e *Entry) SetLabel(l string) *Entry { e.label = l; return e }

// SpokenLabel is the entry's name for speech guidance: its label, or else its placeholder.
func (e *Entry) SpokenLabel() string {
	if e.label != "" {
		return e.label
	}
	return e.PlaceHolder
}

// TypedRune implements fyne.Focusable, telling the hooks (typed echo) after the entry has the character.
func (e *Entry) TypedRune(r rune) {
	e.Entry.TypedRune(r)
	e.hooks.typed(e, r)
}

// TypedKey implements fyne.Focusable: Escape and the function keys are the kiosk's (back, speech), the rest
// the entry's own (arrows move the cursor, Enter a new line in a multi-line entry).
func (e *Entry) TypedKey(ev *fyne.KeyEvent) {
	// The keypad's Enter (KeyEnter; the main keyboard's is KeyReturn) moves on to the next control, so
	// that a citizen with the keypad alone is never caught in a text field, where the keypad types digits.
	if (ev.Name == fyne.KeyEscape || ev.Name == fyne.KeyEnter || isFunctionKey(ev.Name)) && e.hooks.key(ev) {
		return
	}
	e.Entry.TypedKey(ev)
	if ev.Name == fyne.KeyBackspace || ev.Name == fyne.KeyDelete {
		e.hooks.typed(e, '\b')
	}
}

// KeyDown implements desktop.Keyable, telling the hooks and the entry.
func (e *Entry) KeyDown(ev *fyne.KeyEvent) {
	e.hooks.keyDown(ev)
	e.Entry.KeyDown(ev)
}

// KeyUp implements desktop.Keyable, telling the hooks and the entry.
func (e *Entry) KeyUp(ev *fyne.KeyEvent) {
	e.hooks.keyUp(ev)
	e.Entry.KeyUp(ev)
}

func isFunctionKey(n fyne.KeyName) bool {
	switch n {
	case fyne.KeyF1, fyne.KeyF2, fyne.KeyF3, fyne.KeyF4, fyne.KeyF5, fyne.KeyF6,
		fyne.KeyF7, fyne.KeyF8, fyne.KeyF9, fyne.KeyF10, fyne.KeyF11, fyne.KeyF12:
		return true
	}
	return false
}

// AcceptsTab implements fyne.Tabbable: never, so that Tab always moves on, also out of a multi-line entry
// (Fyne's multi-line entry types a tab character, which would trap a keyboard user in the field).
func (e *Entry) AcceptsTab() bool { return false }
