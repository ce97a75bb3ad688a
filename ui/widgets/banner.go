package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// NewBanner returns a full-width coloured strip with one centred, bold line of text (DEMO, "on behalf of").
func NewBanner(text string, bg color.Color) fyne.CanvasObject {
	rect := canvas.NewRectangle(bg)
	l := widget.NewLabel(text)
	l.Alignment = fyne.TextAlignCenter
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.Wrapping = fyne.TextWrapWord
	return container.NewStack(rect, l)
}

// NewMarker returns a full-width coloured strip with one centred, bold line of text that does not wrap
// (DEMO): lower than a banner, which pads its label for wrapping.
func NewMarker(text string, bg color.Color) fyne.CanvasObject {
	rect := canvas.NewRectangle(bg)
	t := canvas.NewText(text, theme.Color(theme.ColorNameForeground))
	t.Alignment = fyne.TextAlignCenter
	t.TextStyle = fyne.TextStyle{Bold: true}
	return container.NewStack(rect, container.New(layout.NewCustomPaddedLayout(4, 4, 8, 8), t))
}
