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
	hooks *Hooks
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
