// Package theme is the kiosk's look: light, calm blue, large text and large touch targets.
package theme

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Sizes the screens use directly.
const (
	// ButtonHeight is the least height of every button and tile (touch, older hands).
	ButtonHeight = 64
	// QRSize is the side of the login QR code.
	QRSize = 280
)

// Colours the screens use directly.
var (
	Primary    = color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff} // calm blue
	Background = color.NRGBA{R: 0xf6, G: 0xf8, B: 0xfb, A: 0xff}
	Surface    = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	Text       = color.NRGBA{R: 0x1a, G: 0x1f, B: 0x2b, A: 0xff}
	Muted      = color.NRGBA{R: 0x4a, G: 0x55, B: 0x68, A: 0xff}
	Tile       = color.NRGBA{R: 0xe4, G: 0xec, B: 0xf7, A: 0xff}
	Demo       = color.NRGBA{R: 0xf5, G: 0x9e, B: 0x0b, A: 0xff} // orange DEMO banner
	ActingFor  = color.NRGBA{R: 0xfd, G: 0xf0, B: 0xc4, A: 0xff} // pale yellow "on behalf of" banner
	Mine       = color.NRGBA{R: 0xdc, G: 0xea, B: 0xfb, A: 0xff} // the citizen's own messages
	Error      = color.NRGBA{R: 0xb4, G: 0x23, B: 0x18, A: 0xff}
	Unread     = color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
)

// Kiosk is the kiosk's fyne.Theme. It is always light, whatever the system asks for.
type Kiosk struct{}

// New returns the kiosk theme.
func New() fyne.Theme { return Kiosk{} }

var _ fyne.Theme = Kiosk{}

// Color implements fyne.Theme.
func (Kiosk) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameFocus:
		if n == theme.ColorNameFocus {
			return color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0x66}
		}
		return Primary
	case theme.ColorNameBackground:
		return Background
	case theme.ColorNameForeground:
		return Text
	case theme.ColorNameForegroundOnPrimary:
		return color.White
	case theme.ColorNameButton:
		return Tile
	case theme.ColorNameInputBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground:
		return Surface
	case theme.ColorNameInputBorder:
		return color.NRGBA{R: 0x8a, G: 0x96, B: 0xa8, A: 0xff}
	case theme.ColorNamePlaceHolder, theme.ColorNameDisabled:
		return Muted
	case theme.ColorNameError:
		return Error
	case theme.ColorNameSeparator:
		return color.NRGBA{R: 0xd5, G: 0xdc, B: 0xe6, A: 0xff}
	case theme.ColorNameHover:
		return color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0x1a}
	case theme.ColorNamePressed:
		return color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0x33}
	case theme.ColorNameSelection:
		return color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0x33}
	case theme.ColorNameWarning:
		return Demo
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font implements fyne.Theme.
func (Kiosk) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon implements fyne.Theme.
func (Kiosk) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme.
func (Kiosk) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 20
	case theme.SizeNameHeadingText:
		return 34
	case theme.SizeNameSubHeadingText:
		return 26
	case theme.SizeNameCaptionText:
		return 16
	case theme.SizeNamePadding:
		return 8
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNameInlineIcon:
		return 28
	case theme.SizeNameScrollBar:
		return 16
	case theme.SizeNameScrollBarSmall:
		return 6
	case theme.SizeNameInputBorder:
		return 2
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 8
	}
	return theme.DefaultTheme().Size(n)
}
