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
}

// NewButton returns a tall button.
func NewButton(label string, tapped func()) *Button {
	b := &Button{}
	b.Text = label
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// NewPrimaryButton returns a tall button in the primary colour.
func NewPrimaryButton(label string, tapped func()) *Button {
	b := NewButton(label, tapped)
	b.Importance = widget.HighImportance
	return b
}

// NewIconButton returns a tall button with an icon.
func NewIconButton(label string, icon fyne.Resource, tapped func()) *Button {
	b := NewButton(label, tapped)
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

// Tapped implements fyne.Tappable, telling OnActivity first.
func (b *Button) Tapped(e *fyne.PointEvent) {
	activity()
	b.Button.Tapped(e)
}
