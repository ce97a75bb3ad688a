package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// focusRingWidth is the focus outline's width: thick enough to be seen from a step away (WCAG 2.4.13 asks
// for at least 2 px and 3:1 against what is next to it; the theme's Focus colour passes 3:1 on every
// background).
const focusRingWidth = 4

// A focusRing draws the theme's opaque focus colour around a widget while it has the focus, over the
// widget's own renderer, whatever Fyne's widget draws for focus itself (a faint tint).
type focusRing struct {
	fyne.WidgetRenderer
	ring    *canvas.Rectangle
	focused func() bool
	size    fyne.Size // as laid out: the ring is drawn only round a widget with room
}

// withFocusRing wraps r with an outline shown while focused() holds.
func withFocusRing(r fyne.WidgetRenderer, focused func() bool) fyne.WidgetRenderer {
	ring := canvas.NewRectangle(nil)
	ring.StrokeWidth = focusRingWidth
	ring.CornerRadius = 8
	fr := &focusRing{WidgetRenderer: r, ring: ring, focused: focused}
	fr.update()
	return fr
}

func (f *focusRing) update() {
	f.ring.FillColor = nil
	f.ring.StrokeColor = kt.Colors().Focus
	if f.focused() && f.size.Width > 2*focusRingWidth && f.size.Height > 2*focusRingWidth {
		f.ring.Show()
	} else {
		f.ring.Hide()
	}
}

func (f *focusRing) Layout(s fyne.Size) {
	f.WidgetRenderer.Layout(s)
	f.size = s
	f.update()
	// Inside the widget's bounds: a neighbour drawn after it (the next tile in a grid) cannot cover it.
	f.ring.Move(fyne.NewPos(0, 0))
	f.ring.Resize(s)
	// A corner wider than half the side makes Fyne's painters draw a negative length: round less on a
	// small widget.
	f.ring.CornerRadius = max(0, min(8, min(s.Width, s.Height)/2-focusRingWidth))
}

func (f *focusRing) Objects() []fyne.CanvasObject {
	return append(f.WidgetRenderer.Objects()[:len(f.WidgetRenderer.Objects()):len(f.WidgetRenderer.Objects())], f.ring)
}

func (f *focusRing) Refresh() {
	f.WidgetRenderer.Refresh()
	f.update()
	f.ring.Refresh()
}
