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

// Radio is a group of options of which one is chosen, each option a large control of its own that the
// focus reaches with Tab or the arrow keys (Fyne's RadioGroup draws small circles and keeps its options'
// focus to itself). Choosing tells the hooks, so speech guidance says the new state.
type Radio struct {
	widget.BaseWidget
	Options    []string
	Selected   string
	Horizontal bool
	OnChanged  func(string)

	hooks *Hooks
	label string
	box   *fyne.Container
	items []*RadioOption
}

// NewRadio returns a group of options named label (what speech guidance calls it).
func NewRadio(h *Hooks, label string, options []string, changed func(string)) *Radio {
	r := &Radio{Options: options, OnChanged: changed, hooks: h, label: label}
	r.ExtendBaseWidget(r)
	return r
}

// SpokenLabel is the group's name for speech guidance.
func (r *Radio) SpokenLabel() string { return r.label }

// Items are the group's options, in order.
func (r *Radio) Items() []*RadioOption { return r.items }

// SetSelected chooses option v ("" chooses none), calling OnChanged when it changes.
func (r *Radio) SetSelected(v string) {
	if v == r.Selected {
		return
	}
	r.Selected = v
	if r.OnChanged != nil {
		r.OnChanged(v)
	}
	r.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (r *Radio) CreateRenderer() fyne.WidgetRenderer {
	r.box = container.NewVBox()
	r.update()
	return widget.NewSimpleRenderer(r.box)
}

// Refresh implements fyne.Widget: the options follow Options and Selected.
func (r *Radio) Refresh() {
	if r.box != nil {
		r.update()
	}
	r.BaseWidget.Refresh()
}

func (r *Radio) update() {
	if len(r.items) != len(r.Options) {
		r.items = r.items[:0]
		for i := range r.Options {
			r.items = append(r.items, newRadioOption(r, i))
		}
		objs := make([]fyne.CanvasObject, len(r.items))
		for i, it := range r.items {
			objs[i] = it
		}
		if r.Horizontal {
			r.box.Layout = layout.NewGridLayoutWithColumns(max(1, min(3, len(objs))))
		} else {
			r.box.Layout = layout.NewVBoxLayout()
		}
		r.box.Objects = objs
	}
	for _, it := range r.items {
		it.Refresh()
	}
	r.box.Refresh()
}

// RadioOption is one option of a Radio.
type RadioOption struct {
	widget.BaseWidget
	group   *Radio
	index   int
	focused bool
	icon    *widget.Icon
	text    *widget.Label
	bg      *canvas.Rectangle
}

func newRadioOption(g *Radio, i int) *RadioOption {
	o := &RadioOption{group: g, index: i}
	o.ExtendBaseWidget(o)
	return o
}

// Group is the Radio the option belongs to; Index its place among the options (from 0).
func (o *RadioOption) Group() *Radio { return o.group }

// Index is the option's place among the group's options, from 0.
func (o *RadioOption) Index() int { return o.index }

// Text is the option's text.
func (o *RadioOption) Text() string {
	if o.index < len(o.group.Options) {
		return o.group.Options[o.index]
	}
	return ""
}

// Chosen says whether the option is the group's choice.
func (o *RadioOption) Chosen() bool { return o.Text() != "" && o.group.Selected == o.Text() }

// Tapped implements fyne.Tappable: the option becomes the choice.
func (o *RadioOption) Tapped(*fyne.PointEvent) {
	o.group.hooks.activity()
	o.group.SetSelected(o.Text())
	if o.focused {
		o.group.hooks.focus(o)
	}
}

// FocusGained implements fyne.Focusable, telling the hooks.
func (o *RadioOption) FocusGained() { o.focused = true; o.Refresh(); o.group.hooks.focus(o) }

// FocusLost implements fyne.Focusable.
func (o *RadioOption) FocusLost() { o.focused = false; o.Refresh() }

// TypedRune implements fyne.Focusable.
func (o *RadioOption) TypedRune(rune) {}

// TypedKey implements fyne.Focusable: the kiosk's keys first; Enter, Return or Space chooses the option.
func (o *RadioOption) TypedKey(ev *fyne.KeyEvent) {
	if o.group.hooks.key(ev) {
		return
	}
	if Activates(ev) {
		o.Tapped(nil)
	}
}

// KeyDown implements desktop.Keyable, telling the hooks.
func (o *RadioOption) KeyDown(ev *fyne.KeyEvent) { o.group.hooks.keyDown(ev) }

// KeyUp implements desktop.Keyable, telling the hooks.
func (o *RadioOption) KeyUp(ev *fyne.KeyEvent) { o.group.hooks.keyUp(ev) }

// MinSize implements fyne.Widget: as tall as a button, a finger's target.
func (o *RadioOption) MinSize() fyne.Size {
	s := o.BaseWidget.MinSize()
	return s.Max(fyne.NewSize(2*kt.ButtonHeight, kt.ButtonHeight))
}

// CreateRenderer implements fyne.Widget.
func (o *RadioOption) CreateRenderer() fyne.WidgetRenderer {
	o.bg = canvas.NewRectangle(kt.Colors().Surface)
	o.bg.CornerRadius = 8
	o.bg.StrokeWidth = 2
	o.icon = widget.NewIcon(nil)
	o.text = widget.NewLabel("")
	o.text.Wrapping = fyne.TextWrapWord
	row := container.NewBorder(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(32, 32), o.icon)), nil, o.text)
	o.update()
	return withFocusRing(widget.NewSimpleRenderer(container.NewStack(o.bg, container.NewPadded(row))), func() bool { return o.focused })
}

// Refresh implements fyne.Widget.
func (o *RadioOption) Refresh() {
	if o.bg != nil {
		o.update()
	}
	o.BaseWidget.Refresh()
}

func (o *RadioOption) update() {
	o.text.SetText(o.Text())
	o.bg.StrokeColor = kt.Colors().InputBorder
	o.bg.FillColor = kt.Colors().Surface
	if o.Chosen() {
		o.icon.SetResource(theme.RadioButtonCheckedIcon())
		o.text.TextStyle = fyne.TextStyle{Bold: true}
		o.bg.StrokeColor = kt.Colors().Primary
	} else {
		o.icon.SetResource(theme.RadioButtonIcon())
		o.text.TextStyle = fyne.TextStyle{}
	}
	o.bg.Refresh()
	o.text.Refresh()
}
