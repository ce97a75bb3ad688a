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
}

// withFocusRing wraps r with an outline shown while focused() holds.
func withFocusRing(r fyne.WidgetRenderer, focused func() bool) fyne.WidgetRenderer {
	ring := canvas.NewRectangle(nil)
	ring.StrokeWidth = focusRingWidth
	ring.CornerRadius = 6
	fr := &focusRing{WidgetRenderer: r, ring: ring, focused: focused}
	fr.update()
	return fr
}

func (f *focusRing) update() {
	f.ring.FillColor = nil
	f.ring.StrokeColor = kt.Colors().Focus
	if f.focused() {
		f.ring.Show()
	} else {
		f.ring.Hide()
	}
}

func (f *focusRing) Layout(s fyne.Size) {
	f.WidgetRenderer.Layout(s)
	f.ring.Move(fyne.NewPos(-focusRingWidth/2, -focusRingWidth/2))
	f.ring.Resize(s.AddWidthHeight(focusRingWidth, focusRingWidth))
}

func (f *focusRing) Objects() []fyne.CanvasObject {
	return append(f.WidgetRenderer.Objects()[:len(f.WidgetRenderer.Objects()):len(f.WidgetRenderer.Objects())], f.ring)
}

func (f *focusRing) Refresh() {
	f.WidgetRenderer.Refresh()
	f.update()
	f.ring.Refresh()
}
