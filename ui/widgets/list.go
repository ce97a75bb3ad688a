package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// List is a widget.List of the kiosk's: it tells the hooks when it gets the focus and when its focused row
// changes (speech guidance reads the row: RowText), and takes the kiosk's keys. Up and Down move from row
// to row, and past the first or last row on to the previous or next control; Enter, Return or Space opens
// the focused row (OnSelected).
type List struct {
	widget.List
	hooks   *Hooks
	label   string
	cur     int
	focused bool

	// RowText is what a row says when it has the focus: a message's sender, subject and date.
	RowText func(id widget.ListItemID) string
}

// NewList returns a list named label (what speech guidance calls it), as widget.NewList.
func NewList(h *Hooks, label string, length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *List {
	l := &List{hooks: h, label: label}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// SpokenLabel is the list's name for speech guidance.
func (l *List) SpokenLabel() string { return l.label }

// Current is the focused row (the one Enter opens), -1 when the list is empty.
func (l *List) Current() widget.ListItemID {
	n := l.length()
	if n == 0 {
		return -1
	}
	return min(l.cur, n-1)
}

// Len is the number of rows.
func (l *List) Len() int { return l.length() }

func (l *List) length() int {
	if l.Length == nil {
		return 0
	}
	return l.Length()
}

// FocusGained implements fyne.Focusable, telling the hooks.
func (l *List) FocusGained() {
	l.focused = true
	l.List.FocusGained()
	l.hooks.focus(l)
}

// FocusLost implements fyne.Focusable.
func (l *List) FocusLost() {
	l.focused = false
	l.List.FocusLost()
}

// Step moves the focused row n rows on (n < 0: back) and reports whether it could: false at the ends.
func (l *List) Step(n int) bool {
	key := fyne.KeyDown
	if n < 0 {
		key, n = fyne.KeyUp, -n
	}
	moved := false
	for range n {
		c := l.Current()
		if c < 0 || (key == fyne.KeyUp && c == 0) || (key == fyne.KeyDown && c >= l.length()-1) {
			break
		}
		l.List.TypedKey(&fyne.KeyEvent{Name: key}) // moves Fyne's own focused row (and scrolls to it)
		if key == fyne.KeyUp {
			l.cur = c - 1
		} else {
			l.cur = c + 1
		}
		moved = true
	}
	if moved && l.focused {
		l.hooks.focus(l)
	}
	return moved
}

// Open opens the focused row (OnSelected).
func (l *List) Open() {
	if c := l.Current(); c >= 0 {
		l.hooks.activity()
		l.Select(c)
	}
}

// TypedKey implements fyne.Focusable: Up and Down move between rows; at the ends, and for any other key,
// the kiosk's keys; Enter, Return or Space opens the row.
func (l *List) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyUp:
		if l.Step(-1) {
			return
		}
	case fyne.KeyDown:
		if l.Step(1) {
			return
		}
	}
	if l.hooks.key(ev) {
		return
	}
	if Activates(ev) {
		l.Open()
	}
}

// KeyDown implements desktop.Keyable, telling the hooks.
func (l *List) KeyDown(ev *fyne.KeyEvent) { l.hooks.keyDown(ev) }

// KeyUp implements desktop.Keyable, telling the hooks.
func (l *List) KeyUp(ev *fyne.KeyEvent) { l.hooks.keyUp(ev) }

// CreateRenderer implements fyne.Widget: Fyne's list with the kiosk's focus outline around it.
func (l *List) CreateRenderer() fyne.WidgetRenderer {
	return withFocusRing(l.List.CreateRenderer(), func() bool { return l.focused })
}
