package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/staffpin"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// pinMode is what the PIN screen asks for.
type pinMode int

const (
	pinEnter     pinMode = iota // the staff PIN, to open the staff panel
	pinChoose                   // a new PIN (first start, or a change)
	pinRepeat                   // the new PIN once more
	pinFirstOnly                // a new PIN at first start: no way back to the welcome screen without it
)

// pinScreen asks for the staff PIN on a large number pad (a keyboard works too). After the right PIN, or a
// new one chosen twice, it calls next.
type pinScreen struct {
	k     *Kiosk
	mode  pinMode
	first string // the new PIN as typed the first time
	next  func()
	busy  bool

	entry *widgets.Entry
	info  *widget.Label
	err   *widget.Label
}

func newPINScreen(k *Kiosk, mode pinMode, next func()) *pinScreen {
	return &pinScreen{k: k, mode: mode, next: next}
}

// showPIN shows the PIN screen and puts the keyboard focus in its field.
func (k *Kiosk) showPIN(s *pinScreen) {
	k.show(s)
	k.win.Canvas().Focus(s.entry)
}

func (s *pinScreen) buildUI() fyne.CanvasObject {
	k := s.k
	s.entry = widgets.NewPasswordEntry(k.hooks).SetLabel(k.tr("StaffPinTitle"))
	s.entry.Validator = nil
	s.entry.OnSubmitted = func(string) { s.submit() }
	s.err = errorLabel()
	title := heading(k.tr("StaffPinTitle"))
	title.Alignment = fyne.TextAlignCenter
	s.info = para("")
	s.info.Alignment = fyne.TextAlignCenter
	switch s.mode {
	case pinEnter:
		s.info.SetText(k.tr("StaffPinEnter"))
	case pinChoose, pinFirstOnly:
		s.info.SetText(k.trd("StaffPinChoose", map[string]any{"Min": staffpin.MinLen}))
	case pinRepeat:
		s.info.SetText(k.tr("StaffPinRepeat"))
	}
	pad := container.NewGridWithColumns(3)
	for _, d := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		pad.Add(widgets.NewButton(k.hooks, d, func() { s.digit(d) }))
	}
	pad.Add(widgets.NewButton(k.hooks, k.tr("StaffPinClear"), func() { s.entry.SetText("") }))
	pad.Add(widgets.NewButton(k.hooks, "0", func() { s.digit("0") }))
	pad.Add(widgets.NewPrimaryButton(k.hooks, k.tr("StaffPinOK"), s.submit))
	box := container.NewVBox(title, s.info, s.entry, s.err)
	if !k.ops.firstStart {
		box.Add(widgets.NewButton(k.hooks, k.tr("Cancel"), func() { k.logout(logoutStaff) }))
	}
	// The field and its texts beside the number pad: the pad's four rows fit a 1280×720 screen at every
	// text size.
	both := container.NewGridWithColumns(2, box, pad)
	return container.NewVBox(layout.NewSpacer(), container.NewCenter(container.NewGridWrap(fyne.NewSize(860, both.MinSize().Height), both)), layout.NewSpacer())
}

func (s *pinScreen) digit(d string) {
	if len(s.entry.Text) < staffpin.MaxLen {
		s.entry.SetText(s.entry.Text + d)
	}
}

func (s *pinScreen) submit() {
	k := s.k
	if s.busy {
		return
	}
	pin := strings.TrimSpace(s.entry.Text)
	s.entry.SetText("")
	switch s.mode {
	case pinChoose, pinFirstOnly:
		if !staffpin.Valid(pin) {
			showError(s.err, k.trd("StaffPinFormat", map[string]any{"Min": staffpin.MinLen, "Max": staffpin.MaxLen}))
			return
		}
		r := newPINScreen(k, pinRepeat, s.next)
		r.first = pin
		k.showPIN(r)
	case pinRepeat:
		if pin != s.first {
			back := pinChoose
			if k.ops.firstStart {
				back = pinFirstOnly
			}
			n := newPINScreen(k, back, s.next)
			k.showPIN(n)
			showError(n.err, k.tr("StaffPinMismatch"))
			return
		}
		s.busy = true
		k.async(s, func(ctx context.Context) func() {
			err := k.ops.pin.Set(ctx, pin)
			return func() {
				s.busy = false
				if err != nil {
					showError(s.err, k.tr("StaffPinSaveFailed"))
					return
				}
				k.ops.firstStart = false
				s.next()
			}
		})
	case pinEnter:
		if pin == "" {
			return
		}
		s.busy = true
		k.async(s, func(ctx context.Context) func() {
			res, err := k.ops.pin.Check(ctx, pin)
			return func() {
				s.busy = false
				switch {
				case err != nil:
					showError(s.err, k.tr("StaffPinSaveFailed"))
				case res.OK:
					s.next()
				case res.Locked > 0:
					showError(s.err, k.trn("StaffPinLocked", int((res.Locked+time.Minute-1)/time.Minute)))
				default:
					showError(s.err, k.trn("StaffPinWrong", res.Left))
				}
			}
		})
	}
}

func (s *pinScreen) stop() {}

func (s *pinScreen) kind() string { return kindPinScreen }

// staffEntry is the discreet way in for staff (a long press on the logo, or Ctrl+Alt+S): only when no citizen
// is logged in, and only with a local store to keep the PIN in. The first time it asks to choose the PIN.
func (k *Kiosk) staffEntry() {
	if k.sess != nil || !k.ops.pin.HasStore() {
		return
	}
	if staffScreen(k.cur) {
		return
	}
	open := func() { k.show(newStaffPanel(k)) }
	k.async(nil, func(ctx context.Context) func() {
		set, err := k.ops.pin.IsSet(ctx)
		return func() {
			if k.sess != nil || err != nil {
				return
			}
			if set {
				k.showPIN(newPINScreen(k, pinEnter, func() { k.opLog(store.StaffOpened, ""); open() }))
			} else {
				k.showPIN(newPINScreen(k, pinChoose, func() { k.opLog(store.StaffOpened, ""); open() }))
			}
		}
	})
}

// staffLogo wraps the welcome screen's logo in the long press that opens the staff entry.
func (k *Kiosk) staffLogo(logo fyne.CanvasObject) fyne.CanvasObject {
	return widgets.NewLongPress(logo, func() func(func()) { return k.do }, k.staffEntry)
}
