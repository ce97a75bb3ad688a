package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Entry is a widget.Entry that tells its Hooks' TextFocus when it gets the focus (for the touch keyboard).
type Entry struct {
	widget.Entry
	hooks *Hooks
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
}
