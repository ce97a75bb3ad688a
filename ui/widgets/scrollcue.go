package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// ScrollCue is a vertical scroll with a sign at its foot while more of its content lies below ("Meir
// nedanfor"): a scroll bar alone is thin and easily missed. Tapping the sign scrolls down most of a page.
type ScrollCue struct {
	widget.BaseWidget
	scroll *container.Scroll
	tab    *cueTab
}

// NewScrollCue puts the cue, saying text, over s. s's OnScrolled is taken.
func NewScrollCue(s *container.Scroll, text string) *ScrollCue {
	c := &ScrollCue{scroll: s}
	c.tab = newCueTab(text, c.pageDown)
	c.tab.Hide()
	s.OnScrolled = func(fyne.Position) { c.update() }
	c.ExtendBaseWidget(c)
	return c
}

// CueFor is the scroll the cue belongs to.
func (c *ScrollCue) CueFor() *container.Scroll { return c.scroll }

// Showing says whether the sign is shown now (there is more below).
func (c *ScrollCue) Showing() bool { return c.tab.Visible() }

// more is how much of the content lies below the scroll's view.
func (c *ScrollCue) more() float32 {
	if c.scroll.Content == nil {
		return 0
	}
	return c.scroll.Content.MinSize().Height - c.scroll.Offset.Y - c.scroll.Size().Height
}

// update shows the sign while more than a few pixels lie below.
func (c *ScrollCue) update() {
	if c.more() > 4 {
		if !c.tab.Visible() {
			c.tab.Show()
		}
	} else if c.tab.Visible() {
		c.tab.Hide()
	}
}

func (c *ScrollCue) pageDown() {
	step := c.scroll.Size().Height * 3 / 4
	c.scroll.ScrollToOffset(fyne.NewPos(c.scroll.Offset.X, c.scroll.Offset.Y+step))
	c.update()
}

// MinSize is the scroll's; asked at every layout of what holds the cue, it brings the sign up to date
// when the content grew or shrank.
func (c *ScrollCue) MinSize() fyne.Size {
	c.update()
	return c.BaseWidget.MinSize()
}

func (c *ScrollCue) CreateRenderer() fyne.WidgetRenderer {
	return &scrollCueRenderer{c: c}
}

type scrollCueRenderer struct{ c *ScrollCue }

func (r *scrollCueRenderer) Layout(size fyne.Size) {
	r.c.scroll.Move(fyne.NewPos(0, 0))
	r.c.scroll.Resize(size)
	r.c.update()
	m := r.c.tab.MinSize()
	w := min(m.Width, size.Width)
	r.c.tab.Resize(fyne.NewSize(w, m.Height))
	// At the right, beside the scroll bar: lines of text are left-aligned, so it hides the least of them.
	x := max(0, size.Width-w-theme.ScrollBarSize()-2*theme.Padding())
	r.c.tab.Move(fyne.NewPos(x, size.Height-m.Height-theme.Padding()))
}

func (r *scrollCueRenderer) MinSize() fyne.Size { return r.c.scroll.MinSize() }
func (r *scrollCueRenderer) Refresh()           { r.c.update(); r.c.scroll.Refresh() }
func (r *scrollCueRenderer) Destroy()           {}
func (r *scrollCueRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.c.scroll, r.c.tab}
}

// cueTab is the sign: a rounded tab with an arrow and the text, in the primary colour.
type cueTab struct {
	widget.BaseWidget
	text   string
	tapped func()
}

func newCueTab(text string, tapped func()) *cueTab {
	t := &cueTab{text: text, tapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

func (t *cueTab) Tapped(*fyne.PointEvent) { t.tapped() }

func (t *cueTab) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(kt.Colors().Primary)
	bg.CornerRadius = 12
	txt := canvas.NewText(t.text, kt.Colors().OnPrimary)
	txt.TextStyle = fyne.TextStyle{Bold: true}
	icon := canvas.NewImageFromResource(theme.NewColoredResource(theme.MoveDownIcon(), theme.ColorNameForegroundOnPrimary))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(theme.IconInlineSize()))
	row := container.NewHBox(icon, container.NewCenter(txt))
	return widget.NewSimpleRenderer(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(4, 4, 16, 16), row)))
}
