package ui

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// idle logs a citizen out after cfg.IdleTimeout without input, warning cfg.IdleWarning before with a
// countdown and "I'm still here". Input is a tap on a kiosk button or tile, typing, a list choice, and –
// where the display can tell (WithInputIdle) – any keyboard, mouse or touch input at all.
type idle struct {
	k    *Kiosk
	last time.Time
	// active is the last activity (Unix ns) as the session's refresh rule reads it, from any goroutine:
	// last, or later input the display saw.
	active  atomic.Int64
	overlay *widget.PopUp
	text    *widget.Label
}

// touch records activity and takes the warning away.
func (k *Kiosk) touch() {
	k.idle.last = k.now()
	k.idle.active.Store(k.idle.last.UnixNano())
	k.idle.hideWarning()
	k.scanSoon() // with speech guidance: errors and notices the input brings are spoken
}

// lastActive is when the citizen was last active, for the session's refresh rule (any goroutine).
func (i *idle) lastActive() time.Time { return time.Unix(0, i.active.Load()) }

// idleTick is how often the idle watch looks.
const idleTick = time.Second / 4

// startIdle watches for idleness during a session, every idleTick on the kiosk's clock; it stops when the
// session ends (logout).
func (k *Kiosk) startIdle() {
	k.idle.k = k
	k.idle.last = k.now()
	k.idle.active.Store(k.idle.last.UnixNano())
	k.every(idleTick, k.forScreen(nil), func(context.Context) func() { return k.idle.check })
}

func (i *idle) check() {
	k := i.k
	if k.sess == nil {
		return
	}
	since := k.now().Sub(i.last)
	if k.inputIdle != nil {
		if d, ok := k.inputIdle(); ok && d < since {
			since = d // input elsewhere on the screen: scrolling, the mouse, a key in a text field
			i.active.Store(k.now().Add(-d).UnixNano())
		}
	}
	left := k.cfg.IdleTimeout - since
	switch {
	case left <= 0:
		k.logout(logoutIdle)
	case left <= k.cfg.IdleWarning:
		i.showWarning(int(math.Ceil(left.Seconds())))
	default:
		i.hideWarning()
	}
}

func (i *idle) showWarning(seconds int) {
	k := i.k
	if i.overlay == nil {
		i.text = widget.NewLabel("")
		i.text.Alignment = fyne.TextAlignCenter
		i.text.Wrapping = fyne.TextWrapWord
		title := subheading(k.tr("IdleTitle"))
		title.Alignment = fyne.TextAlignCenter
		stay := widgets.NewPrimaryButton(k.hooks, k.tr("IdleStay"), k.touch)
		card := canvas.NewRectangle(kt.Colors().Surface)
		card.CornerRadius = 16
		box := container.NewStack(card, container.NewPadded(container.NewVBox(title, i.text, container.NewCenter(stay))))
		// A modal pop-up shades the whole window, centres the card and takes every tap while it shows.
		k.win.Canvas().Unfocus() // one focus ring on screen: the warning's
		pop := widget.NewModalPopUp(container.NewGridWrap(fyne.NewSize(640, 260), box), k.win.Canvas())
		pop.Show()
		i.overlay = pop
		k.idleWarned(seconds) // a tone, and with speech guidance the warning spoken
	}
	i.text.SetText(k.trn("IdleCountdown", seconds))
}

func (i *idle) hideWarning() {
	if i.overlay == nil {
		return
	}
	i.overlay.Hide()
	i.overlay, i.text = nil, nil
}
