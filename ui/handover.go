package ui

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// handover is a fresh process per citizen (WithHandover): once a visit has ended, this process serves no
// one else. The welcome screen stays on the window, under a shield that takes no input, until the next
// process is on the screen; then the kiosk quits and main exits with the handover status.
type handover struct {
	fn     func()      // tells the supervisor and waits for the next kiosk (nil: handover off)
	served bool        // a citizen logged in on this process (UI goroutine)
	done   atomic.Bool // the visit ended and the kiosk is handing over
}

// WithHandover makes the kiosk hand over to a fresh process when a visit ends (logout, idle, expired,
// declined, staff): it logs kiosk_exited "handover", runs fn in the background (main's: tell the supervisor
// and wait until the next kiosk is on the screen), waits briefly for the last background calls (the
// token's revocation) and quits. A nil fn is ignored.
func WithHandover(fn func()) Option { return func(k *Kiosk) { k.ho.fn = fn } }

// HandedOver reports whether the kiosk quit to hand over to a fresh process.
func (k *Kiosk) HandedOver() bool { return k.ho.done.Load() }

// visitEnded hands over after a visit (logout calls it). A login the backend refused keeps its refusal
// screen until the citizen leaves it ("Tilbake til start" logs out again, and that hands over).
func (k *Kiosk) visitEnded(why logoutReason) {
	if k.ho.fn == nil || !k.ho.served || why == logoutRefused || k.ho.done.Swap(true) {
		return
	}
	if !k.ops.exited.Swap(true) {
		k.opLog(store.KioskExited, "handover")
	}
	shield := newInputShield()
	k.win.Canvas().Overlays().Add(shield)
	shield.Resize(k.win.Canvas().Size())
	k.win.Canvas().Unfocus()
	fn := k.ho.fn
	go func() {
		fn()
		for deadline := time.Now().Add(logoutTimeout); k.inflight.Load() > 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		k.do(k.ops.quit)
	}()
}

// inputShield covers the window and swallows taps, so that no one starts a visit on a process that is
// handing over.
type inputShield struct{ widget.BaseWidget }

func newInputShield() *inputShield {
	s := &inputShield{}
	s.ExtendBaseWidget(s)
	return s
}

func (s *inputShield) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(nil))
}

func (*inputShield) Tapped(*fyne.PointEvent)          {}
func (*inputShield) TappedSecondary(*fyne.PointEvent) {}
