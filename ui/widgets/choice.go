package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Choice is a widget.Select of the kiosk's (a drop-down): it tells the hooks when it gets the focus or its
// choice changes, and takes the kiosk's keys. Left and Right (and the keypad's 4 and 6) choose the
// previous or next option without opening the list, so a citizen who cannot see the list can still choose;
// Enter and Space open it.
type Choice struct {
	widget.Select
	hooks   *Hooks
	label   string
	focused bool
}

// NewChoice returns a drop-down of options named label (what speech guidance calls it).
func NewChoice(h *Hooks, label string, options []string, changed func(string)) *Choice {
	c := &Choice{hooks: h, label: label}
	c.Options = options
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

// SpokenLabel is the drop-down's name for speech guidance.
func (c *Choice) SpokenLabel() string { return c.label }

// FocusGained implements fyne.Focusable, telling the hooks.
func (c *Choice) FocusGained() {
	c.focused = true
	c.Select.FocusGained()
	c.hooks.focus(c)
}

// FocusLost implements fyne.Focusable.
func (c *Choice) FocusLost() {
	c.focused = false
	c.Select.FocusLost()
}

// TypedKey implements fyne.Focusable: the kiosk's keys first (Up and Down move to the next control), then
// Left/Right choose, Enter/Space open the list.
func (c *Choice) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyLeft:
		c.Step(-1)
		return
	case fyne.KeyRight:
		c.Step(1)
		return
	case fyne.KeyReturn, fyne.KeyEnter:
		c.Select.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
		return
	}
	if c.hooks.key(ev) {
		return
	}
	c.Select.TypedKey(ev)
}

// KeyDown implements desktop.Keyable, telling the hooks.
func (c *Choice) KeyDown(ev *fyne.KeyEvent) { c.hooks.keyDown(ev) }

// KeyUp implements desktop.Keyable, telling the hooks.
func (c *Choice) KeyUp(ev *fyne.KeyEvent) { c.hooks.keyUp(ev) }

// Step chooses the option n places on (n < 0: back), stopping at the ends (the keypad's 4 and 6).
func (c *Choice) Step(n int) {
	i := c.SelectedIndex() + n
	if c.SelectedIndex() < 0 && n > 0 {
		i = 0
	}
	if i < 0 || i >= len(c.Options) {
		return
	}
	c.hooks.activity()
	c.SetSelectedIndex(i)
	if c.focused {
		c.hooks.focus(c) // its new choice is spoken
	}
}

// CreateRenderer implements fyne.Widget: Fyne's select with the kiosk's focus outline.
func (c *Choice) CreateRenderer() fyne.WidgetRenderer {
	return withFocusRing(c.Select.CreateRenderer(), func() bool { return c.focused })
}
