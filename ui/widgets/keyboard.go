package widgets

import (
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// Keyboard is an on-screen touch keyboard with a Norwegian layout (æ ø å), shift (for one character),
// backspace, space and enter, with keys at least kt.ButtonHeight square. A key types into the window's
// focused object (Canvas.Focused(), e.g. a widget.Entry) by calling its TypedRune or TypedKey.
//
// Focus: on a real display a tap on a key must not take the focus from the entry. Fyne's desktop driver
// keeps the focus when a Focusable lies under the pointer, so the Keyboard is a fyne.Focusable that is
// always disabled (never focused itself, skipped by Tab). A driver that drops the focus anyway (Fyne's test
// driver does, before every tap) is handled by Target: when nothing is focused a key types into the target
// (the entry that last had focus; see SetTarget and Entry) and gives it the focus back.
type Keyboard struct {
	widget.BaseWidget

	// Labels are the translated names shown beside the icons of the special keys; empty: icon only.
	Labels KeyboardLabels

	hooks   *Hooks
	canvas  fyne.Canvas
	target  fyne.Focusable
	shifted bool
	keys    []*Key
}

// KeyboardLabels are the words on the special keys, in the citizen's language.
type KeyboardLabels struct {
	Shift, Backspace, Space, Enter string
}

// KeyKind says what a key does.
type KeyKind int

// The kinds of key.
const (
	KeyChar      KeyKind = iota // types its character
	KeyShift                    // the next character is upper case (or the key's shifted symbol)
	KeyBackspace                // deletes the character before the cursor
	KeySpace                    // types a space
	KeyEnter                    // a new line in a multi-line entry; submits a single-line one
)

// keyboardLayout is the Norwegian layout: rows of keys, with each special key's width in key widths.
var keyboardLayout = [][]keyDef{
	append(chars("1234567890+"), keyDef{kind: KeyBackspace, width: 2}),
	chars("qwertyuiopå"),
	chars("asdfghjkløæ"),
	append([]keyDef{{kind: KeyShift, width: 1.5}}, chars("zxcvbnm,.-")...),
	append(chars("@?"), keyDef{kind: KeySpace, width: 6}, keyDef{kind: KeyEnter, width: 2.5}),
}

// shiftedRunes are the Norwegian keyboard's shifted symbols; letters shift to upper case.
var shiftedRunes = map[rune]rune{
	'1': '!', '2': '"', '3': '#', '4': '¤', '5': '%', '6': '&', '7': '/', '8': '(', '9': ')', '0': '=',
	'+': '?', ',': ';', '.': ':', '-': '_', '?': '!', '@': '@',
}

type keyDef struct {
	kind  KeyKind
	r     rune
	width float32
}

func chars(s string) []keyDef {
	d := []keyDef{}
	for _, r := range s {
		d = append(d, keyDef{kind: KeyChar, r: r, width: 1})
	}
	return d
}

// NewKeyboard returns a keyboard that types into c's focused object. c may be nil: the keyboard then uses
// the canvas it is shown on.
func NewKeyboard(h *Hooks, c fyne.Canvas, labels KeyboardLabels) *Keyboard {
	k := &Keyboard{canvas: c, Labels: labels, hooks: h}
	k.ExtendBaseWidget(k)
	return k
}

// SetTarget names the object that keys type into when the canvas has no focused object (see Keyboard).
// The router sets it when an entry gets the focus; nil forgets it (do so when the screen changes).
func (k *Keyboard) SetTarget(f fyne.Focusable) { k.target = f }

// Target is the object keys type into when nothing is focused.
func (k *Keyboard) Target() fyne.Focusable { return k.target }

// Shifted says whether the next character will be shifted.
func (k *Keyboard) Shifted() bool { return k.shifted }

// Keys lists the keys, row by row.
func (k *Keyboard) Keys() []*Key {
	k.ensureKeys()
	return k.keys
}

// KeyFor returns the character key that types r unshifted, or the first key of a special kind (r ignored
// unless kind is KeyChar); nil if there is none.
func (k *Keyboard) KeyFor(kind KeyKind, r rune) *Key {
	for _, key := range k.Keys() {
		if key.kind == kind && (kind != KeyChar || key.r == r) {
			return key
		}
	}
	return nil
}

// FocusGained implements fyne.Focusable; the keyboard is never focused (Disabled), see Keyboard.
func (k *Keyboard) FocusGained() {}

// FocusLost implements fyne.Focusable.
func (k *Keyboard) FocusLost() {}

// TypedRune implements fyne.Focusable.
func (k *Keyboard) TypedRune(rune) {}

// TypedKey implements fyne.Focusable.
func (k *Keyboard) TypedKey(*fyne.KeyEvent) {}

// Disabled implements fyne.Disableable: always, so that the keyboard itself never takes the focus.
func (k *Keyboard) Disabled() bool { return true }

func (k *Keyboard) currentCanvas() fyne.Canvas {
	if k.canvas != nil {
		return k.canvas
	}
	if app := fyne.CurrentApp(); app != nil {
		return app.Driver().CanvasForObject(k)
	}
	return nil
}

// press is a tap on key.
func (k *Keyboard) press(key *Key) {
	k.hooks.activity()
	if key.kind == KeyShift {
		k.shifted = !k.shifted
		k.refreshKeys()
		return
	}
	c := k.currentCanvas()
	var dst fyne.Focusable
	if c != nil {
		dst = c.Focused()
	}
	if dst == nil {
		dst = k.target
		if dst == nil {
			return
		}
		if c != nil {
			c.Focus(dst)
		}
	} else {
		k.target = dst
	}
	switch key.kind {
	case KeyChar:
		r := key.r
		if k.shifted {
			r = shiftRune(r)
			k.shifted = false
			k.refreshKeys()
		}
		dst.TypedRune(r)
	case KeySpace:
		dst.TypedRune(' ')
	case KeyBackspace:
		dst.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	case KeyEnter:
		dst.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	}
}

func shiftRune(r rune) rune {
	if s, ok := shiftedRunes[r]; ok {
		return s
	}
	return unicode.ToUpper(r)
}

func (k *Keyboard) refreshKeys() {
	for _, key := range k.keys {
		key.Refresh()
	}
}

func (k *Keyboard) ensureKeys() {
	if k.keys != nil {
		return
	}
	for _, row := range keyboardLayout {
		for _, d := range row {
			key := &Key{kb: k, kind: d.kind, r: d.r, width: d.width}
			key.ExtendBaseWidget(key)
			k.keys = append(k.keys, key)
		}
	}
}

// CreateRenderer implements fyne.Widget.
func (k *Keyboard) CreateRenderer() fyne.WidgetRenderer {
	k.ensureKeys()
	bg := canvas.NewRectangle(kt.Colors().Background)
	rows := container.NewVBox()
	span := widestRow()
	i := 0
	for _, row := range keyboardLayout {
		objs := make([]fyne.CanvasObject, 0, len(row))
		weights := make([]float32, 0, len(row))
		for _, d := range row {
			objs = append(objs, k.keys[i])
			weights = append(weights, d.width)
			i++
		}
		rows.Add(container.New(&keyRowLayout{weights: weights, span: span}, objs...))
	}
	return &keyboardRenderer{bg: bg, rows: rows, objects: []fyne.CanvasObject{bg, container.NewPadded(rows)}}
}

type keyboardRenderer struct {
	bg      *canvas.Rectangle
	rows    *fyne.Container
	objects []fyne.CanvasObject
}

func (r *keyboardRenderer) Layout(s fyne.Size) {
	for _, o := range r.objects {
		o.Resize(s)
		o.Move(fyne.NewPos(0, 0))
	}
}
func (r *keyboardRenderer) MinSize() fyne.Size           { return r.objects[1].MinSize() }
func (r *keyboardRenderer) Refresh()                     { r.bg.FillColor = kt.Colors().Background; r.bg.Refresh() }
func (r *keyboardRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *keyboardRenderer) Destroy()                     {}

// rowSpan is a row's width in keys and its number of keys.
type rowSpan struct {
	keys  float32
	count int
}

func (s rowSpan) width(unit float32) float32 { return unit*s.keys + float32(s.count-1)*kt.ButtonGap }

func widestRow() rowSpan {
	var w rowSpan
	for _, row := range keyboardLayout {
		s := rowSpan{count: len(row)}
		for _, d := range row {
			s.keys += d.width
		}
		if s.width(kt.ButtonHeight) > w.width(kt.ButtonHeight) {
			w = s
		}
	}
	return w
}

// keyRowLayout lays one row of keys out side by side, centred, kt.ButtonGap apart, each as wide as its weight
// times the unit key width: the one at which the widest row (span) fills the width, at least kt.ButtonHeight
// and at most 1.6 times that.
type keyRowLayout struct {
	weights []float32
	span    rowSpan
}

func (l *keyRowLayout) row() rowSpan {
	s := rowSpan{count: len(l.weights)}
	for _, w := range l.weights {
		s.keys += w
	}
	return s
}

func (l *keyRowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	u := (size.Width - float32(l.span.count-1)*kt.ButtonGap) / l.span.keys
	u = fyne.Max(kt.ButtonHeight, fyne.Min(u, 1.6*kt.ButtonHeight))
	x := fyne.Max(0, (size.Width-l.row().width(u))/2)
	for i, o := range objs {
		w := u * l.weights[i]
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos(x, 0))
		x += w + kt.ButtonGap
	}
}

func (l *keyRowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(kt.ButtonHeight)
	for _, o := range objs {
		h = fyne.Max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.row().width(kt.ButtonHeight), h)
}

// Key is one key of a Keyboard.
type Key struct {
	widget.BaseWidget
	kb    *Keyboard
	kind  KeyKind
	r     rune
	width float32
}

// Kind is what the key does.
func (key *Key) Kind() KeyKind { return key.kind }

// Label is the text the key shows now (a character key shows its shifted character while shift is on).
func (key *Key) Label() string {
	switch key.kind {
	case KeyChar:
		if key.kb.shifted {
			return string(shiftRune(key.r))
		}
		return string(key.r)
	case KeyShift:
		return key.kb.Labels.Shift
	case KeyBackspace:
		return key.kb.Labels.Backspace
	case KeySpace:
		return key.kb.Labels.Space
	case KeyEnter:
		return key.kb.Labels.Enter
	}
	return ""
}

// Tapped implements fyne.Tappable.
func (key *Key) Tapped(*fyne.PointEvent) { key.kb.press(key) }

// MinSize implements fyne.Widget: never smaller than kt.ButtonHeight square.
func (key *Key) MinSize() fyne.Size {
	return key.BaseWidget.MinSize().Max(fyne.NewSquareSize(kt.ButtonHeight))
}

// CreateRenderer implements fyne.Widget.
func (key *Key) CreateRenderer() fyne.WidgetRenderer {
	r := &keyRenderer{key: key, bg: canvas.NewRectangle(kt.Colors().Tile), text: canvas.NewText("", kt.Colors().Text)}
	r.bg.CornerRadius = 10
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.text.Alignment = fyne.TextAlignCenter
	switch key.kind {
	case KeyShift:
		r.icon = widget.NewIcon(theme.MoveUpIcon())
	case KeyBackspace:
		r.icon = widget.NewIcon(theme.NavigateBackIcon())
	case KeyEnter:
		r.icon = widget.NewIcon(theme.MailReplyIcon())
	}
	r.Refresh()
	return r
}

type keyRenderer struct {
	key  *Key
	bg   *canvas.Rectangle
	text *canvas.Text
	icon *widget.Icon
}

func (r *keyRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	ts := r.text.MinSize()
	if r.icon == nil {
		r.text.Resize(fyne.NewSize(s.Width, ts.Height))
		r.text.Move(fyne.NewPos(0, (s.Height-ts.Height)/2))
		return
	}
	r.text.TextSize = theme.TextSize() // special keys: body size, made smaller below when it does not fit
	ts = r.text.MinSize()
	is := fyne.NewSquareSize(fyne.Min(s.Height*0.5, 40))
	gap := float32(0)
	if r.text.Text != "" {
		gap = 8
	} else {
		ts.Width = 0
	}
	// A long word on a special key at a large text size is made smaller to fit inside the key.
	if room := s.Width - 2*keyPad - is.Width - gap; ts.Width > room && room > 0 {
		r.text.TextSize *= room / ts.Width
		ts = r.text.MinSize()
	}
	x := (s.Width - is.Width - gap - ts.Width) / 2
	r.icon.Resize(is)
	r.icon.Move(fyne.NewPos(x, (s.Height-is.Height)/2))
	r.text.Resize(fyne.NewSize(ts.Width, ts.Height))
	r.text.Move(fyne.NewPos(x+is.Width+gap, (s.Height-ts.Height)/2))
}

// keyPad is the least space between a key's edge and its label.
const keyPad = 8

func (r *keyRenderer) MinSize() fyne.Size {
	s := r.text.MinSize()
	if r.icon != nil {
		s.Width += 48
	}
	return s.AddWidthHeight(16, 16)
}

func (r *keyRenderer) Refresh() {
	key := r.key
	r.text.Text = key.Label()
	r.text.TextSize = theme.TextSize() * 1.2
	if key.kind != KeyChar {
		r.text.TextSize = theme.TextSize()
	}
	r.text.Color = kt.Colors().Text
	r.bg.FillColor = kt.Colors().Tile
	r.bg.StrokeColor = kt.Colors().TileBorder
	r.bg.StrokeWidth = 1
	if key.kind == KeyShift && key.kb.shifted {
		// Shift on: a thick outline and a lighter key, besides the upper-case letters (not colour alone).
		r.bg.FillColor = kt.Colors().Surface
		r.bg.StrokeColor = kt.Colors().Focus
		r.bg.StrokeWidth = 4
	}
	r.bg.Refresh()
	r.text.Refresh()
	if r.icon != nil {
		r.icon.Refresh()
	}
	r.Layout(key.Size())
}

func (r *keyRenderer) Objects() []fyne.CanvasObject {
	if r.icon != nil {
		return []fyne.CanvasObject{r.bg, r.icon, r.text}
	}
	return []fyne.CanvasObject{r.bg, r.text}
}

func (r *keyRenderer) Destroy() {}
