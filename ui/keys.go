package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// The kiosk is used with the keyboard and with a numeric keypad alone, as well as by touch (EN 301 549 §5.1.6
// and §8.4). Tab and Shift+Tab (Fyne's own), the arrow keys, Enter and Escape move through every control in
// reading order; a numeric keypad works as a navigation pad in the ATM convention, so that a kiosk can be
// fitted with a tactile keypad with a raised dot on 5:
//
//	8 previous control        2 next control         4 / 6 within a group (list rows, options, a choice)
//	5 or Enter activate       0 back                 . repeat what was said
//	+ read the whole screen   1 what the keys do     7 / 9 speak slower / faster    / and * softer / louder
//	Enter held 2 s: speech guidance on (as F1)
//
// On the keyboard: F1 speech guidance on, then what the keys do; F2 repeat; F3 read the whole screen; F4
// more time (any key gives more time while the idle warning shows); F5/F6 slower/faster; F7/F8
// softer/louder. In a text field the keypad types digits and the arrows move the cursor; Escape and the
// function keys still work there.

// keyAction is what a key does.
type keyAction int

const (
	actNone keyAction = iota
	actNext
	actPrev
	actGroupNext
	actGroupPrev
	actActivate
	actKeypadEnter // activates when released, starts guidance when held
	actBack
	actRepeat
	actReadScreen
	actKeysHelp
	actGuide
	actMoreTime
	actSlower
	actFaster
	actSofter
	actLouder
)

// Keypad keys are told from the main keyboard's digits by their scan code (X11 key codes, which are the
// evdev codes plus 8 under Wayland too): GLFW gives both the same key names.
const (
	scanKP7     = 79
	scanKP8     = 80
	scanKP9     = 81
	scanKP4     = 83
	scanKP5     = 84
	scanKP6     = 85
	scanKPAdd   = 86
	scanKP1     = 87
	scanKP2     = 88
	scanKP0     = 90
	scanKPDec   = 91
	scanKPEnter = 104
	scanKPDiv   = 106
	scanKPMul   = 63
)

var keypadActions = map[int]keyAction{
	scanKP8: actPrev, scanKP2: actNext, scanKP4: actGroupPrev, scanKP6: actGroupNext,
	scanKP5: actActivate, scanKPEnter: actKeypadEnter, scanKP0: actBack, scanKPDec: actRepeat,
	scanKPAdd: actReadScreen, scanKP1: actKeysHelp, scanKP7: actSlower, scanKP9: actFaster,
	scanKPDiv: actSofter, scanKPMul: actLouder,
}

var keyActions = map[fyne.KeyName]keyAction{
	fyne.KeyDown: actNext, fyne.KeyRight: actNext, fyne.KeyUp: actPrev, fyne.KeyLeft: actPrev,
	fyne.KeyReturn: actActivate, fyne.KeyEnter: actKeypadEnter, fyne.KeyEscape: actBack,
	fyne.KeyF2: actRepeat, fyne.KeyF3: actReadScreen, fyne.KeyF4: actMoreTime,
	fyne.KeyF5: actSlower, fyne.KeyF6: actFaster, fyne.KeyF7: actSofter, fyne.KeyF8: actLouder,
}

// guideKeysDefault are the keys that start speech guidance when the configuration names none.
var guideKeysDefault = []string{"F1", guideHoldKey}

// guideHoldKey names the keypad's Enter held for guideHoldTime.
const guideHoldKey = "KP_Enter:hold"

func (k *Kiosk) guideKeys() []string {
	if keys := k.cfgGuideKeys(); len(keys) > 0 {
		return keys
	}
	return guideKeysDefault
}

// actionOf is what ev does.
func (k *Kiosk) actionOf(ev *fyne.KeyEvent) keyAction {
	if slices.Contains(k.guideKeys(), string(ev.Name)) {
		return actGuide
	}
	if a, ok := keypadActions[ev.Physical.ScanCode]; ok && isKeypad(ev) {
		return a
	}
	return keyActions[ev.Name]
}

// isKeypad reports whether ev came from the numeric keypad: its scan code is a keypad key's and its name
// is what GLFW names that key (a digit, Enter or the operators).
func isKeypad(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case fyne.Key0, fyne.Key1, fyne.Key2, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9,
		fyne.KeyEnter, fyne.KeyPeriod, fyne.KeyPlus, fyne.KeySlash, fyne.KeyAsterisk:
		return true
	}
	return false
}

// key is the kiosk's key handling: the canvas's when nothing has the focus, and the widgets' Key hook
// before their own. It reports whether the key was the kiosk's. Every key is activity (more time while the
// idle warning shows).
func (k *Kiosk) key(ev *fyne.KeyEvent) bool {
	k.touch()
	a := k.actionOf(ev)
	switch a {
	case actNone:
		return false
	case actNext:
		if l, ok := k.win.Canvas().Focused().(*widgets.List); !ok || !l.Step(1) { // a list's rows first
			k.win.Canvas().FocusNext()
		}
	case actPrev:
		if l, ok := k.win.Canvas().Focused().(*widgets.List); !ok || !l.Step(-1) {
			k.win.Canvas().FocusPrevious()
		}
	case actGroupNext:
		k.moveInGroup(1)
	case actGroupPrev:
		k.moveInGroup(-1)
	case actActivate:
		k.activate()
	case actKeypadEnter:
		if !k.guide.enterDown { // no key-down came (a widget that does not tell): act now
			k.keypadEnter()
		}
	case actBack:
		k.back()
	case actRepeat:
		if k.guide.last != "" {
			k.speak(k.guide.last)
		}
	case actReadScreen:
		k.announceScreen(true)
	case actKeysHelp:
		k.speak(k.tr("GuideKeysHelp"))
	case actGuide:
		k.startGuide()
	case actMoreTime:
		// touch above
	case actSlower, actFaster, actSofter, actLouder:
		k.adjustSpeech(a)
	}
	k.scanSoon()
	return true
}

// keyDown and keyUp see keys pressed and released (the canvas's when nothing has the focus, the widgets'
// KeyDown and KeyUp hooks): the keypad's Enter held for guideHoldTime starts speech guidance, released
// sooner it activates the focused control.
func (k *Kiosk) keyDown(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyEnter || k.guide.enterDown {
		return
	}
	k.guide.enterDown, k.guide.enterHeld = true, false
	k.guide.enterGen++
	gen := k.guide.enterGen
	if !slices.Contains(k.guideKeys(), guideHoldKey) || !k.canSpeak() {
		return
	}
	k.after(guideHoldTime, k.forKiosk(), func() {
		if k.guide.enterDown && k.guide.enterGen == gen {
			k.guide.enterHeld = true
			k.startGuide()
		}
	})
}

func (k *Kiosk) keyUp(ev *fyne.KeyEvent) {
	if ev.Name != fyne.KeyEnter || !k.guide.enterDown {
		return
	}
	k.guide.enterDown = false
	if k.guide.enterHeld {
		return
	}
	k.keypadEnter()
	k.scanSoon()
}

// keypadEnter is a short press of the keypad's Enter: in a text field it moves on to the next control,
// elsewhere it activates the focused one.
func (k *Kiosk) keypadEnter() {
	if _, typing := k.win.Canvas().Focused().(*widgets.Entry); typing {
		k.win.Canvas().FocusNext()
		return
	}
	k.activate()
}

// activate does what a tap on the focused control does; with nothing focused, the focus goes to the
// screen's first control.
func (k *Kiosk) activate() {
	before, screen := k.win.Canvas().Focused(), k.cur
	defer k.refocus(before, screen)
	switch f := before.(type) {
	case nil:
		k.win.Canvas().FocusNext()
	case *widgets.List:
		f.Open()
	case *widgets.Check:
		if !f.Disabled() {
			f.SetChecked(!f.Checked)
		}
	case *widgets.Choice:
		k.speak(k.tr("GuideChoiceHint"))
	case *widgets.Entry:
	case fyne.Disableable:
		if tap, ok := f.(fyne.Tappable); ok && !f.Disabled() {
			tap.Tapped(&fyne.PointEvent{})
		}
	case fyne.Tappable:
		f.Tapped(&fyne.PointEvent{})
	}
}

// refocus puts the focus back where it was after activating a control rebuilt the screen's own widgets
// (a form's next step, a chosen reason drawn anew): on the control with the same text, so that a keyboard
// user goes on from there instead of from the top. A new screen starts from the top as always.
func (k *Kiosk) refocus(before fyne.Focusable, screen screen) {
	b, ok := before.(*widgets.Button)
	if !ok || k.cur != screen || k.cur == nil {
		return
	}
	c := k.win.Canvas()
	fs := k.focusables()
	if f, ok := c.Focused().(fyne.CanvasObject); ok && slices.Contains(fs, f) {
		return // still on screen
	}
	for _, o := range fs {
		if nb, ok := o.(*widgets.Button); ok && nb.Text == b.Text {
			c.Focus(nb)
			return
		}
	}
}

// moveInGroup moves within the focused group: a list's rows, a choice's options, a radio group's options;
// elsewhere it moves to the next or previous control.
func (k *Kiosk) moveInGroup(n int) {
	c := k.win.Canvas()
	switch f := c.Focused().(type) {
	case *widgets.List:
		f.Step(n)
		return
	case *widgets.Choice:
		f.Step(n)
		return
	case *widgets.RadioOption:
		i := f.Index() + n
		for _, o := range k.focusables() {
			if r, ok := o.(*widgets.RadioOption); ok && r.Group() == f.Group() && r.Index() == i {
				c.Focus(r)
				return
			}
		}
		return
	}
	if n > 0 {
		c.FocusNext()
	} else {
		c.FocusPrevious()
	}
}

// back does what the screen's own way back does: it closes the "Aa" panel or the idle warning, else taps
// the screen's back button (the one with the back arrow), else goes home (after login) or to the welcome
// screen (before).
func (k *Kiosk) back() {
	switch {
	case k.disp.panel != nil:
		k.hideDisplayPanel()
		return
	case k.idle.overlay != nil:
		return // the key was activity: the warning is gone
	}
	for _, o := range k.focusables() {
		if b, ok := o.(*widgets.Button); ok && b.Icon != nil && b.Icon.Name() == theme.NavigateBackIcon().Name() && !b.Disabled() {
			b.Tapped(nil)
			return
		}
	}
	switch {
	case k.cur == nil:
	case k.sess != nil && k.sess.person != nil && k.cur.kind() != kindHome:
		k.goHome()
	case k.sess == nil && k.cur.kind() != "welcome":
		k.show(newWelcome(k))
	default:
		k.speak(k.tr("GuideNoBack"))
	}
}

// adjustSpeech makes speech slower, faster, softer or louder, and says so at the new setting.
func (k *Kiosk) adjustSpeech(a keyAction) {
	if !k.canSpeak() {
		return
	}
	sp := k.disp.speaker
	var msg string
	switch a {
	case actSlower:
		sp.SetRate(sp.Rate() - rateStep)
		msg = id("GuideSlower")
	case actFaster:
		sp.SetRate(sp.Rate() + rateStep)
		msg = id("GuideFaster")
	case actSofter:
		sp.SetVolume(sp.Volume() - volumeStep)
		msg = id("GuideSofter")
	case actLouder:
		sp.SetVolume(sp.Volume() + volumeStep)
		msg = id("GuideLouder")
	}
	if k.guiding() {
		k.speak(k.tr(msg))
	} else {
		_ = sp.Say(k.ctx, k.lang, k.tr(msg))
	}
}

// rateStep and volumeStep are one step of the speech's speed (words per minute) and volume (percent).
const (
	rateStep   = 25
	volumeStep = 20
)

// focusables are the window's controls that take the focus, in the order Tab reaches them: the top pop-up's
// when one shows, else the content's.
func (k *Kiosk) focusables() []fyne.CanvasObject {
	root := k.win.Content()
	if top := k.win.Canvas().Overlays().Top(); top != nil {
		root = top
	}
	var out []fyne.CanvasObject
	walkFocusables(root, func(o fyne.CanvasObject) { out = append(out, o) })
	return out
}

// walkFocusables calls f for each visible, enabled focusable under o in tree order (walkTree), which is
// Fyne's focus order.
func walkFocusables(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	walkTree(o, true, func(o fyne.CanvasObject) bool {
		if _, ok := o.(fyne.Focusable); !ok {
			return true
		}
		if d, ok := o.(fyne.Disableable); !ok || !d.Disabled() {
			f(o)
		}
		return false
	})
}
