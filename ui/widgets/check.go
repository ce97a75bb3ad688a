package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Check is a widget.Check of the kiosk's: it tells the hooks when it gets the focus or is ticked (speech
// guidance says its state), takes the kiosk's keys, and Enter ticks it as Space does.
type Check struct {
	widget.Check
	hooks   *Hooks
	focused bool
}

// NewCheck returns a check box labelled text.
func NewCheck(h *Hooks, text string, changed func(bool)) *Check {
	c := &Check{hooks: h}
	c.Text = text
	c.OnChanged = func(on bool) {
		h.activity()
		if changed != nil {
			changed(on)
		}
		if c.focused {
			h.focus(c) // its new state is spoken
		}
	}
	c.ExtendBaseWidget(c)
	return c
}

// FocusGained implements fyne.Focusable, telling the hooks.
func (c *Check) FocusGained() {
	c.focused = true
	c.Check.FocusGained()
	c.hooks.focus(c)
}

// FocusLost implements fyne.Focusable.
func (c *Check) FocusLost() {
	c.focused = false
	c.Check.FocusLost()
}

// TypedKey implements fyne.Focusable: the kiosk's keys first; Enter and Return tick it like Space.
func (c *Check) TypedKey(ev *fyne.KeyEvent) {
	if c.hooks.key(ev) {
		return
	}
	if (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && !c.Disabled() {
		c.SetChecked(!c.Checked)
	}
}

// KeyDown implements desktop.Keyable, telling the hooks.
func (c *Check) KeyDown(ev *fyne.KeyEvent) { c.hooks.keyDown(ev) }

// KeyUp implements desktop.Keyable, telling the hooks.
func (c *Check) KeyUp(ev *fyne.KeyEvent) { c.hooks.keyUp(ev) }

// CreateRenderer implements fyne.Widget: Fyne's check with the kiosk's focus outline.
func (c *Check) CreateRenderer() fyne.WidgetRenderer {
	return withFocusRing(c.Check.CreateRenderer(), func() bool { return c.focused })
}
