// Package theme is the kiosk's look: light, calm blue, large text and large touch targets, with three text
// sizes (normal, large, extra large) and a high-contrast variant.
//
// The app's theme is the one source of truth: Apply hands Fyne the kiosk theme for a variant (the kiosk
// does so from its display state), and Active and Colors read the variant and its palette back from the
// app. The screens draw with Colors().Surface, Colors().ActingFor, ... directly. A canvas object keeps the
// colour it was built with, so a screen picks up a change when it is built again; the router rebuilds the
// current screen after a change. Fyne's own widgets (labels, buttons, entries) follow at once.
//
// Apply belongs to the UI goroutine (a tap handler, or fyne.Do).
package theme

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Sizes the screens use directly.
const (
	// ButtonHeight is the least height of every button and tile (touch, older hands), at every text size.
	ButtonHeight = 64
	// ButtonGap is the least space between two buttons: the theme's padding at normal text size.
	ButtonGap = 8
	// QRSize is the side of the login QR code.
	QRSize = 280
	// QRMinSize is the least side of the login QR code, on a short screen at a large text size (still read
	// by a phone's camera at arm's length).
	QRMinSize = 140
)

// TextSize is the citizen's choice of text size.
type TextSize int

// The text sizes, smallest first.
const (
	SizeNormal     TextSize = iota // body text 20
	SizeLarge                      // 1.25 × normal
	SizeExtraLarge                 // 1.5 × normal
)

// TextSizes lists the sizes in order, for a switch on screen.
var TextSizes = []TextSize{SizeNormal, SizeLarge, SizeExtraLarge}

// Scale is the factor the size applies to text, headings, paddings and icons.
func (s TextSize) Scale() float32 {
	switch s {
	case SizeLarge:
		return 1.25
	case SizeExtraLarge:
		return 1.5
	}
	return 1
}

// String is the size's name in configuration ("normal", "large", "xlarge").
func (s TextSize) String() string {
	switch s {
	case SizeLarge:
		return "large"
	case SizeExtraLarge:
		return "xlarge"
	}
	return "normal"
}

// ParseTextSize reads a name String gives; ok is false for anything else.
func ParseTextSize(name string) (s TextSize, ok bool) {
	for _, s := range TextSizes {
		if s.String() == name {
			return s, true
		}
	}
	return SizeNormal, false
}

// Palette is every colour of one variant. Text colours are named for what they are; each is checked against
// every background it is drawn on by the WCAG contrast test (theme_test.go).
type Palette struct {
	Text        color.NRGBA // body text, on every background below
	Muted       color.NRGBA // secondary text (dates, hints); also placeholder and disabled text
	Background  color.NRGBA // the window
	Surface     color.NRGBA // cards, input fields, overlays
	Tile        color.NRGBA // buttons and home tiles
	TileHover   color.NRGBA // a tile under the mouse
	TileBorder  color.NRGBA // the outline of a tile or card (non-text: ≥ 3:1 against Background)
	Primary     color.NRGBA // main buttons, links, the focused input's border
	OnPrimary   color.NRGBA // text on Primary
	Error       color.NRGBA // error text, and the background of a danger button
	OnError     color.NRGBA // text on Error
	Warning     color.NRGBA // warning text ("change requested"), and the background of a warning button
	OnWarning   color.NRGBA // text on Warning
	Success     color.NRGBA // success text ("sent"), and the background of a success button
	OnSuccess   color.NRGBA // text on Success
	Demo        color.NRGBA // the DEMO banner (Text on it)
	ActingFor   color.NRGBA // the "on behalf of" banner and notices (Text on it)
	Mine        color.NRGBA // the citizen's own messages (Text on it)
	Unread      color.NRGBA // the unread dot (non-text)
	InputBorder color.NRGBA // an input field's border (non-text)
	Separator   color.NRGBA
	Focus       color.NRGBA // the focus outline: opaque, ≥ 3:1 against every background (non-text)
	FocusTint   color.NRGBA // Focus at low alpha: Fyne blends it over a focused button (text stays readable)
	HoverTint   color.NRGBA // blended over a button under the mouse
	Selection   color.NRGBA // selected text's background (blended over Surface)
	DisabledBtn color.NRGBA // a disabled button (Muted text on it)
}

// Light is the default kiosk palette.
var Light = Palette{
	Text:        rgb(0x1a1f2b),
	Muted:       rgb(0x4a5568),
	Background:  rgb(0xf6f8fb),
	Surface:     rgb(0xffffff),
	Tile:        rgb(0xe4ecf7),
	TileHover:   rgb(0xd2e0f3),
	TileBorder:  rgb(0x6b7f99),
	Primary:     rgb(0x1f5fa8),
	OnPrimary:   rgb(0xffffff),
	Error:       rgb(0xb42318),
	OnError:     rgb(0xffffff),
	Warning:     rgb(0x8a4b00),
	OnWarning:   rgb(0xffffff),
	Success:     rgb(0x1e6b34),
	OnSuccess:   rgb(0xffffff),
	Demo:        rgb(0xf59e0b),
	ActingFor:   rgb(0xfdf0c4),
	Mine:        rgb(0xdceafb),
	Unread:      rgb(0x1f5fa8),
	InputBorder: rgb(0x6b7789),
	Separator:   rgb(0xd5dce6),
	Focus:       rgb(0xc2410c), // orange-red: unlike anything else on screen
	FocusTint:   rgba(0xc2410c, 0x33),
	HoverTint:   rgba(0x1f5fa8, 0x1a),
	Selection:   rgba(0x1f5fa8, 0x33),
	DisabledBtn: rgb(0xe6e9ee),
}

// HighContrast is the high-contrast palette: black on white, deep colours, every text pair ≥ 7:1.
var HighContrast = Palette{
	Text:        rgb(0x000000),
	Muted:       rgb(0x2e2e2e),
	Background:  rgb(0xffffff),
	Surface:     rgb(0xffffff),
	Tile:        rgb(0xeef2f7),
	TileHover:   rgb(0xdde5ef),
	TileBorder:  rgb(0x000000),
	Primary:     rgb(0x003a80),
	OnPrimary:   rgb(0xffffff),
	Error:       rgb(0x8a0000),
	OnError:     rgb(0xffffff),
	Warning:     rgb(0x5c3200),
	OnWarning:   rgb(0xffffff),
	Success:     rgb(0x0b4a1f),
	OnSuccess:   rgb(0xffffff),
	Demo:        rgb(0xffd23f),
	ActingFor:   rgb(0xfff4c2),
	Mine:        rgb(0xe3eefc),
	Unread:      rgb(0x003a80),
	InputBorder: rgb(0x000000),
	Separator:   rgb(0x4d4d4d),
	Focus:       rgb(0xa00060), // deep magenta
	FocusTint:   rgba(0xa00060, 0x26),
	HoverTint:   rgba(0x003a80, 0x14),
	Selection:   rgba(0x003a80, 0x2e),
	DisabledBtn: rgb(0xe4e4e4),
}

// Settings is a variant: a text size and whether high contrast is on.
type Settings struct {
	Size         TextSize
	HighContrast bool
}

// Palette is the variant's colours.
func (s Settings) Palette() Palette {
	if s.HighContrast {
		return HighContrast
	}
	return Light
}

// Active is the variant of the theme the app runs with now: the app's theme is the one source of truth
// (the kiosk sets it with Apply from its display state); normal text without high contrast when the app has
// another theme, or no app runs.
func Active() Settings {
	if a := fyne.CurrentApp(); a != nil {
		if k, ok := a.Settings().Theme().(Kiosk); ok {
			return k.s
		}
	}
	return Settings{}
}

// Colors is the palette of the active variant: the colours screens and widgets draw with directly.
func Colors() Palette { return Active().Palette() }

// Apply hands a the kiosk theme for a variant: Fyne redraws its widgets at once; the caller rebuilds the
// current screen so that canvas objects built from Colors follow.
func Apply(a fyne.App, size TextSize, highContrast bool) {
	a.Settings().SetTheme(For(Settings{Size: size, HighContrast: highContrast}))
}

// Kiosk is the kiosk's fyne.Theme for one variant. It is always light, whatever the system asks for.
type Kiosk struct {
	s Settings
	p Palette
}

// New returns the kiosk theme at normal text without high contrast.
func New() fyne.Theme { return For(Settings{}) }

// For returns the kiosk theme for a variant, whatever is active.
func For(s Settings) fyne.Theme { return Kiosk{s: s, p: s.Palette()} }

var _ fyne.Theme = Kiosk{}

// Settings is the theme's variant.
func (k Kiosk) Settings() Settings { return k.s }

// Color implements fyne.Theme.
func (k Kiosk) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	p := k.p
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		return p.Primary
	case theme.ColorNameFocus:
		return p.FocusTint
	case theme.ColorNameBackground:
		return p.Background
	case theme.ColorNameForeground:
		return p.Text
	case theme.ColorNameForegroundOnPrimary:
		return p.OnPrimary
	case theme.ColorNameForegroundOnError:
		return p.OnError
	case theme.ColorNameForegroundOnWarning:
		return p.OnWarning
	case theme.ColorNameForegroundOnSuccess:
		return p.OnSuccess
	case theme.ColorNameButton:
		return p.Tile
	case theme.ColorNameDisabledButton:
		return p.DisabledBtn
	case theme.ColorNameInputBackground, theme.ColorNameMenuBackground, theme.ColorNameOverlayBackground,
		theme.ColorNameHeaderBackground:
		return p.Surface
	case theme.ColorNameInputBorder:
		return p.InputBorder
	case theme.ColorNamePlaceHolder, theme.ColorNameDisabled:
		return p.Muted
	case theme.ColorNameError:
		return p.Error
	case theme.ColorNameWarning:
		return p.Warning
	case theme.ColorNameSuccess:
		return p.Success
	case theme.ColorNameSeparator:
		return p.Separator
	case theme.ColorNameHover:
		return p.HoverTint
	case theme.ColorNamePressed:
		c := p.Primary
		c.A = 0x33
		return c
	case theme.ColorNameSelection:
		return p.Selection
	case theme.ColorNameScrollBar:
		return p.Muted
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font implements fyne.Theme.
func (Kiosk) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

// Icon implements fyne.Theme.
func (Kiosk) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// SizeNameUserCode is the login's user code: large, for a citizen who types it on the phone.
const SizeNameUserCode fyne.ThemeSizeName = "helsekiosk-user-code"

// normalSizes are the sizes at SizeNormal. Text sizes are Fyne's units, which equal points at canvas scale 1.
var normalSizes = map[fyne.ThemeSizeName]float32{
	theme.SizeNameText:           20,
	theme.SizeNameHeadingText:    34,
	theme.SizeNameSubHeadingText: 26,
	theme.SizeNameCaptionText:    18,
	SizeNameUserCode:             52,
	theme.SizeNamePadding:        ButtonGap,
	theme.SizeNameInnerPadding:   12,
	theme.SizeNameLineSpacing:    4,
	theme.SizeNameInlineIcon:     28,
	theme.SizeNameScrollBar:      16,
	theme.SizeNameScrollBarSmall: 6,
}

// Size implements fyne.Theme: text, headings, paddings and icons scale with the text size.
func (k Kiosk) Size(n fyne.ThemeSizeName) float32 {
	if v, ok := normalSizes[n]; ok {
		return v * k.s.Size.Scale()
	}
	switch n {
	case theme.SizeNameInputBorder:
		if k.s.HighContrast {
			return 3
		}
		return 2
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 8
	}
	return theme.DefaultTheme().Size(n)
}

func rgb(v uint32) color.NRGBA { return rgba(v, 0xff) }

func rgba(v uint32, a uint8) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: a}
}
