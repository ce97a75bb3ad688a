package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// Tile is a large tappable square on the home screen: an icon, a title and a line of detail
// (e.g. the unread count).
type Tile struct {
	widget.BaseWidget
	Title    string
	Detail   string
	Icon     fyne.Resource
	OnTapped func()

	hooks   *Hooks
	hovered bool
	focused bool
	bg      *canvas.Rectangle
	title   *widget.Label
	detail  *widget.Label
	icon    *widget.Icon
}

// NewTile returns a tile.
func NewTile(h *Hooks, title, detail string, icon fyne.Resource, tapped func()) *Tile {
	t := &Tile{Title: title, Detail: detail, Icon: icon, OnTapped: tapped, hooks: h}
	t.ExtendBaseWidget(t)
	return t
}

// SetDetail changes the detail line.
func (t *Tile) SetDetail(s string) {
	t.Detail = s
	t.Refresh()
}

// Tapped implements fyne.Tappable, telling the hooks' Activity first.
func (t *Tile) Tapped(*fyne.PointEvent) {
	t.hooks.activity()
	if t.OnTapped != nil {
		t.OnTapped()
	}
}

// Cursor implements desktop.Cursorable.
func (t *Tile) Cursor() desktop.Cursor { return desktop.PointerCursor }

// MouseIn implements desktop.Hoverable.
func (t *Tile) MouseIn(*desktop.MouseEvent) { t.hovered = true; t.Refresh() }

// MouseMoved implements desktop.Hoverable.
func (t *Tile) MouseMoved(*desktop.MouseEvent) {}

// MouseOut implements desktop.Hoverable.
func (t *Tile) MouseOut() { t.hovered = false; t.Refresh() }

// MinSize implements fyne.Widget.
func (t *Tile) MinSize() fyne.Size {
	s := t.BaseWidget.MinSize()
	return s.Max(fyne.NewSize(260, 180))
}

// CreateRenderer implements fyne.Widget.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	t.bg = canvas.NewRectangle(kt.Colors().Tile)
	t.bg.CornerRadius = 16
	t.bg.StrokeColor = kt.Colors().TileBorder
	t.bg.StrokeWidth = 2
	t.title = widget.NewLabel("")
	t.title.Alignment = fyne.TextAlignCenter
	t.title.SizeName = theme.SizeNameSubHeadingText
	t.title.TextStyle = fyne.TextStyle{Bold: true}
	t.title.Wrapping = fyne.TextWrapWord
	t.detail = widget.NewLabel("")
	t.detail.Alignment = fyne.TextAlignCenter
	t.detail.Wrapping = fyne.TextWrapWord
	t.icon = widget.NewIcon(nil)
	iconBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(56, 56), t.icon))
	content := container.NewVBox(layout.NewSpacer(), iconBox, t.title, t.detail, layout.NewSpacer())
	r := &tileRenderer{t: t, objects: []fyne.CanvasObject{t.bg, container.NewPadded(content)}}
	r.Refresh()
	return withFocusRing(r, func() bool { return t.focused })
}

// FocusGained implements fyne.Focusable: a tile is reached with Tab and the arrow keys like a button.
func (t *Tile) FocusGained() { t.focused = true; t.Refresh(); t.hooks.focus(t) }

// FocusLost implements fyne.Focusable.
func (t *Tile) FocusLost() { t.focused = false; t.Refresh() }

// TypedRune implements fyne.Focusable.
func (t *Tile) TypedRune(rune) {}

// TypedKey implements fyne.Focusable: the kiosk's keys first, then Enter, Return or Space taps the tile.
func (t *Tile) TypedKey(ev *fyne.KeyEvent) {
	if t.hooks.key(ev) {
		return
	}
	if Activates(ev) {
		t.Tapped(nil)
	}
}

// KeyDown implements desktop.Keyable, telling the hooks.
func (t *Tile) KeyDown(ev *fyne.KeyEvent) { t.hooks.keyDown(ev) }

// KeyUp implements desktop.Keyable, telling the hooks.
func (t *Tile) KeyUp(ev *fyne.KeyEvent) { t.hooks.keyUp(ev) }

type tileRenderer struct {
	t       *Tile
	objects []fyne.CanvasObject
}

func (r *tileRenderer) Layout(s fyne.Size) {
	for _, o := range r.objects {
		o.Resize(s)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (r *tileRenderer) MinSize() fyne.Size {
	return r.objects[1].MinSize()
}

func (r *tileRenderer) Refresh() {
	t := r.t
	if t.hovered {
		t.bg.FillColor = kt.Colors().TileHover
	} else {
		t.bg.FillColor = kt.Colors().Tile
	}
	t.bg.StrokeColor = kt.Colors().TileBorder
	t.bg.Refresh()
	t.title.SetText(t.Title)
	t.detail.SetText(t.Detail)
	if t.Detail == "" {
		t.detail.Hide()
	} else {
		t.detail.Show()
	}
	t.icon.SetResource(t.Icon)
}

func (r *tileRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *tileRenderer) Destroy()                     {}
