// Package widgets holds the kiosk's own widgets, one a file.
package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// Button is a widget.Button that is never lower than theme.ButtonHeight: large enough to hit with a finger.
type Button struct {
	widget.Button
	hooks   *Hooks
	focused bool
}

// NewButton returns a tall button.
func NewButton(h *Hooks, label string, tapped func()) *Button {
	b := &Button{hooks: h}
	b.Text = label
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// NewPrimaryButton returns a tall button in the primary colour.
func NewPrimaryButton(h *Hooks, label string, tapped func()) *Button {
	b := NewButton(h, label, tapped)
	b.Importance = widget.HighImportance
	return b
}

// NewIconButton returns a tall button with an icon.
func NewIconButton(h *Hooks, label string, icon fyne.Resource, tapped func()) *Button {
	b := NewButton(h, label, tapped)
	b.Icon = icon
	return b
}

// MinSize implements fyne.Widget.
func (b *Button) MinSize() fyne.Size {
	s := b.Button.MinSize()
	if s.Height < kt.ButtonHeight {
		s.Height = kt.ButtonHeight
	}
	if s.Width < 2*kt.ButtonHeight {
		s.Width = 2 * kt.ButtonHeight
	}
	return s
}

// Tapped implements fyne.Tappable, telling the hooks' Activity first.
func (b *Button) Tapped(e *fyne.PointEvent) {
	b.hooks.activity()
	b.Button.Tapped(e)
}

// FocusGained implements fyne.Focusable, telling the hooks.
func (b *Button) FocusGained() {
	b.focused = true
	b.Button.FocusGained()
	b.hooks.focus(b)
}

// FocusLost implements fyne.Focusable.
func (b *Button) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

// CreateRenderer implements fyne.Widget: Fyne's button with the kiosk's focus outline.
func (b *Button) CreateRenderer() fyne.WidgetRenderer {
	return withFocusRing(b.Button.CreateRenderer(), func() bool { return b.focused })
}

// TypedKey implements fyne.Focusable: the kiosk's keys first, then Enter, Return or Space taps the button.
func (b *Button) TypedKey(ev *fyne.KeyEvent) {
	if b.hooks.key(ev) {
		return
	}
	if Activates(ev) && !b.Disabled() {
		b.Tapped(nil)
	}
}

// KeyDown implements desktop.Keyable, telling the hooks.
func (b *Button) KeyDown(ev *fyne.KeyEvent) { b.hooks.keyDown(ev) }

// KeyUp implements desktop.Keyable, telling the hooks.
func (b *Button) KeyUp(ev *fyne.KeyEvent) { b.hooks.keyUp(ev) }
