package theme_test

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// The WCAG formula itself, on figures from the WCAG 2.1 understanding documents and well-known pairs.
func TestContrastRatioFormula(t *testing.T) {
	for _, c := range []struct {
		a, b color.Color
		want float64
	}{
		{color.Black, color.White, 21},
		{color.White, color.White, 1},
		{color.NRGBA{0x77, 0x77, 0x77, 0xff}, color.White, 4.48}, // #777 on white: just fails AA
		{color.NRGBA{0x76, 0x76, 0x76, 0xff}, color.White, 4.54}, // #767676 on white: the lightest grey that passes
		{color.NRGBA{0x59, 0x59, 0x59, 0xff}, color.White, 7.00}, // #595959 on white: AAA
		{color.NRGBA{0xff, 0x00, 0x00, 0xff}, color.White, 4.00},
	} {
		if got := kt.ContrastRatio(c.a, c.b); math.Abs(got-c.want) > 0.01 {
			t.Errorf("ContrastRatio(%v, %v) = %.3f, want %.2f", c.a, c.b, got, c.want)
		}
		if got, back := kt.ContrastRatio(c.a, c.b), kt.ContrastRatio(c.b, c.a); got != back {
			t.Errorf("ContrastRatio is not symmetric: %.3f vs %.3f", got, back)
		}
	}
	if got := kt.Over(color.NRGBA{0, 0, 0, 0x80}, color.White); got.R != 0x7f || got.A != 0xff {
		t.Errorf("Over(half black, white) = %v", got)
	}
}

type pair struct {
	what   string
	fg, bg color.Color
	text   bool // text: 4.5:1 (7:1 in high contrast); otherwise a component or outline: 3:1 (WCAG 1.4.11)
}

// pairs is every foreground/background pair the kiosk draws in a variant: the Fyne theme's own colour names as
// Fyne's widgets combine them (including the focus and hover tints blended over buttons), and the palette
// colours the screens use directly.
func pairs(s kt.Settings) []pair {
	th := kt.For(s)
	c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, theme.VariantLight) }
	p := s.Palette()
	fg, bg := c(theme.ColorNameForeground), c(theme.ColorNameBackground)
	input, button, primary := c(theme.ColorNameInputBackground), c(theme.ColorNameButton), c(theme.ColorNamePrimary)
	focus, hover, sel := c(theme.ColorNameFocus), c(theme.ColorNameHover), c(theme.ColorNameSelection)
	return []pair{
		{"text on background", fg, bg, true},
		{"text on surface/input", fg, input, true},
		{"text on overlay", fg, c(theme.ColorNameOverlayBackground), true},
		{"text on button/tile", fg, button, true},
		{"text on hovered tile", p.Text, p.TileHover, true},
		{"text on hovered button", fg, kt.Over(hover, button), true},
		{"text on focused button", fg, kt.Over(focus, button), true},
		{"text on selection", fg, kt.Over(sel, input), true},
		{"text on own message (Mine)", p.Text, p.Mine, true},
		{"banner text on DEMO", p.Text, p.Demo, true},
		{"banner text on acting-for", p.Text, p.ActingFor, true},
		{"on-primary on primary button", c(theme.ColorNameForegroundOnPrimary), primary, true},
		{"on-primary on focused primary", c(theme.ColorNameForegroundOnPrimary), kt.Over(focus, primary), true},
		{"on-primary on hovered primary", c(theme.ColorNameForegroundOnPrimary), kt.Over(hover, primary), true},
		{"on-error on danger button", c(theme.ColorNameForegroundOnError), c(theme.ColorNameError), true},
		{"on-warning on warning button", c(theme.ColorNameForegroundOnWarning), c(theme.ColorNameWarning), true},
		{"on-success on success button", c(theme.ColorNameForegroundOnSuccess), c(theme.ColorNameSuccess), true},
		{"placeholder on input", c(theme.ColorNamePlaceHolder), input, true},
		{"disabled on disabled button", c(theme.ColorNameDisabled), c(theme.ColorNameDisabledButton), true},
		{"disabled/low text on background", c(theme.ColorNameDisabled), bg, true},
		{"disabled/low text on surface", c(theme.ColorNameDisabled), input, true},
		{"muted on background", p.Muted, p.Background, true},
		{"muted on surface", p.Muted, p.Surface, true},
		{"muted on tile", p.Muted, p.Tile, true},
		{"muted on own message", p.Muted, p.Mine, true},
		{"muted on acting-for", p.Muted, p.ActingFor, true},
		{"error text on background", c(theme.ColorNameError), bg, true},
		{"error text on surface", c(theme.ColorNameError), input, true},
		{"error text on acting-for", p.Error, p.ActingFor, true},
		{"warning text on surface", c(theme.ColorNameWarning), input, true},
		{"warning text on background", c(theme.ColorNameWarning), bg, true},
		{"success text on surface", c(theme.ColorNameSuccess), input, true},
		{"success text on background", c(theme.ColorNameSuccess), bg, true},
		{"link/primary text on background", c(theme.ColorNameHyperlink), bg, true},
		{"link/primary text on surface", c(theme.ColorNameHyperlink), input, true},
		{"primary text on tile", primary, button, true},
		{"focus outline vs background", p.Focus, p.Background, false},
		{"focus outline vs surface", p.Focus, p.Surface, false},
		{"focus outline vs tile", p.Focus, p.Tile, false},
		{"focused input border vs input", primary, input, false},
		{"input border vs input", c(theme.ColorNameInputBorder), input, false},
		{"input border vs background", c(theme.ColorNameInputBorder), bg, false},
		{"tile border vs background", p.TileBorder, p.Background, false},
		{"unread dot vs surface", p.Unread, p.Surface, false},
		{"unread dot vs background", p.Unread, p.Background, false},
	}
}

func hex(c color.Color) string {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
}

// Every text/background pair of each variant meets WCAG 2.1: 4.5:1 (AA) normally, 7:1 (AAA) in high contrast;
// outlines and component boundaries 3:1. The table of figures is logged (go test -v -run Contrast).
func TestContrastOfEveryPair(t *testing.T) {
	for _, hc := range []bool{false, true} {
		s := kt.Settings{HighContrast: hc}
		textMin, name := 4.5, "light (normal)"
		if hc {
			textMin, name = 7, "high contrast"
		}
		var tbl strings.Builder
		fmt.Fprintf(&tbl, "\n%s — text ≥ %.1f:1, non-text ≥ 3:1\n", name, textMin)
		fmt.Fprintf(&tbl, "%-34s %-8s %-8s %7s\n", "pair", "fg", "bg", "ratio")
		for _, p := range pairs(s) {
			if _, _, _, a := p.bg.RGBA(); a != 0xffff {
				t.Fatalf("%s: background %v is not opaque; blend it first", p.what, p.bg)
			}
			r := kt.ContrastRatio(p.fg, p.bg)
			min := 3.0
			if p.text {
				min = textMin
			}
			mark := ""
			if r < min {
				mark = "  FAIL"
				t.Errorf("%s (%s): %s on %s is %.2f:1, want ≥ %.1f:1", name, p.what, hex(p.fg), hex(p.bg), r, min)
			}
			fmt.Fprintf(&tbl, "%-34s %-8s %-8s %6.2f:1%s\n", p.what, hex(p.fg), hex(p.bg), r, mark)
		}
		t.Log(tbl.String())
		// The variant's sizes do not change its colours.
		for _, size := range kt.TextSizes {
			a, b := kt.For(kt.Settings{Size: size, HighContrast: hc}), kt.For(s)
			for _, n := range []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNameBackground, theme.ColorNamePrimary} {
				if a.Color(n, theme.VariantLight) != b.Color(n, theme.VariantLight) {
					t.Errorf("%s at %s: %s differs", name, size, n)
				}
			}
		}
	}
}

// Text and paddings scale with the text size; body text is at least 20 at normal size.
func TestSizesScale(t *testing.T) {
	base := kt.For(kt.Settings{})
	if got := base.Size(theme.SizeNameText); got < 20 {
		t.Fatalf("body text at normal size is %v, want ≥ 20", got)
	}
	if got := base.Size(theme.SizeNamePadding); got < kt.ButtonGap {
		t.Fatalf("padding at normal size is %v, want ≥ %d", got, kt.ButtonGap)
	}
	for _, c := range []struct {
		size  kt.TextSize
		scale float32
	}{{kt.SizeNormal, 1}, {kt.SizeLarge, 1.25}, {kt.SizeExtraLarge, 1.5}} {
		th := kt.For(kt.Settings{Size: c.size})
		for _, n := range []fyne.ThemeSizeName{theme.SizeNameText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
			theme.SizeNameCaptionText, theme.SizeNamePadding, theme.SizeNameInnerPadding, theme.SizeNameInlineIcon} {
			if got, want := th.Size(n), base.Size(n)*c.scale; got != want {
				t.Errorf("%s: %s = %v, want %v", c.size, n, got, want)
			}
		}
		if th.Size(theme.SizeNameHeadingText) <= th.Size(theme.SizeNameText) {
			t.Errorf("%s: heading is not larger than body text", c.size)
		}
	}
}

// In a real (test) window at every size and contrast, a row of kiosk buttons is ≥ 64 high with ≥ 8 between them,
// and larger text makes larger buttons.
func TestButtonsLargeAndApart(t *testing.T) {
	a := test.NewTempApp(t)
	var heights []float32
	for _, size := range kt.TextSizes {
		for _, hc := range []bool{false, true} {
			kt.Apply(a, size, hc)
			b1 := widgets.NewButton(nil, "Meldingar", nil)
			b2 := widgets.NewPrimaryButton(nil, "Avtalar", nil)
			box := container.NewVBox(b1, b2)
			w := test.NewTempWindow(t, box)
			w.Resize(box.MinSize().Max(fyne.NewSize(400, 200)))
			if h := b1.Size().Height; h < kt.ButtonHeight {
				t.Errorf("%s hc=%v: button is %v high, want ≥ %d", size, hc, h, kt.ButtonHeight)
			}
			if gap := b2.Position().Y - (b1.Position().Y + b1.Size().Height); gap < kt.ButtonGap {
				t.Errorf("%s hc=%v: %v between buttons, want ≥ %d", size, hc, gap, kt.ButtonGap)
			}
			l := widget.NewLabel("Tysdag")
			test.NewTempWindow(t, l)
			if hc {
				continue
			}
			heights = append(heights, l.MinSize().Height)
			if got := a.Settings().Theme().Size(theme.SizeNameText); got != 20*size.Scale() {
				t.Errorf("%s: the app's theme has text %v", size, got)
			}
		}
	}
	if !(heights[0] < heights[1] && heights[1] < heights[2]) {
		t.Errorf("label heights at normal/large/xlarge = %v, want increasing", heights)
	}
}

// Apply installs the variant in the app, and Active and Colors read it back from there (the one source of
// truth); a new variant replaces it.
func TestApplySwapsPalette(t *testing.T) {
	a := test.NewTempApp(t)
	kt.Apply(a, kt.SizeLarge, true)
	if got := kt.Active(); got.Size != kt.SizeLarge || !got.HighContrast {
		t.Fatalf("Active() = %+v", got)
	}
	c := kt.Colors()
	if c.Surface != kt.HighContrast.Surface || c.Demo != kt.HighContrast.Demo || c.Primary != kt.HighContrast.Primary ||
		c.Muted != kt.HighContrast.Muted || c.ActingFor != kt.HighContrast.ActingFor {
		t.Fatal("high contrast: Colors is not the high-contrast palette")
	}
	if got := a.Settings().Theme().Size(theme.SizeNameText); got != 25 {
		t.Fatalf("the app's theme after Apply(large) has text %v, want 25", got)
	}
	kt.Apply(a, kt.SizeNormal, false)
	if c := kt.Colors(); c.Primary != kt.Light.Primary || c.Background != kt.Light.Background || c.Mine != kt.Light.Mine {
		t.Fatal("back to normal: Colors is not the light palette")
	}
	if got := kt.New().Size(theme.SizeNameText); got != 20 {
		t.Fatalf("New() has text %v, want 20", got)
	}
}

func TestParseTextSize(t *testing.T) {
	for _, s := range kt.TextSizes {
		if got, ok := kt.ParseTextSize(s.String()); !ok || got != s {
			t.Errorf("ParseTextSize(%q) = %v, %v", s.String(), got, ok)
		}
	}
	if _, ok := kt.ParseTextSize("huge"); ok {
		t.Error("ParseTextSize accepted huge")
	}
}
