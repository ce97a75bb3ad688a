package ui

import (
	"context"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// helpState is the kiosk's help request ("Be om hjelp"): at most one open at a time. It carries the kiosk's
// name and the screen's kind only, and it outlives a logout (staff still come).
type helpState struct {
	id      string                // the open request; "" when none
	key     client.IdempotencyKey // of the request being sent or withdrawn
	sending bool
	inVisit bool               // the open (or sending) request was made during a citizen's visit
	gen     uint64             // the visit (Kiosk.gen) it was made in
	failed  string             // the failure's message ID, shown with the button (translated when shown); "" for none
	data    map[string]any     // the failure message's template data
	cancel  context.CancelFunc // stops watching the open request
	slot    *fyne.Container    // the frame's slot for the button (rebuilt with every screen)
	note    *fyne.Container    // the frame's notice, above the screen's content: «Ein tilsett kjem til deg.», a failure
}

// helpNote is the frame's place for what the help request says to the citizen: large, above the content,
// not squeezed beside the button. Empty while there is nothing to say; staff screens have none.
func (k *Kiosk) helpNote() fyne.CanvasObject {
	k.ops.help.note = container.NewVBox()
	k.ops.help.note.Hide()
	if staffScreen(k.cur) {
		return k.ops.help.note
	}
	k.refreshHelp()
	return k.ops.help.note
}

// helpSlot is the frame's "Be om hjelp" button, or the "a staff member is on the way" notice while a request
// is open. Staff screens have none.
func (k *Kiosk) helpSlot() fyne.CanvasObject {
	k.ops.help.slot = container.NewHBox()
	if staffScreen(k.cur) {
		k.ops.help.slot.Hide()
		return k.ops.help.slot
	}
	k.refreshHelp()
	return k.ops.help.slot
}

func (k *Kiosk) refreshHelp() {
	h := &k.ops.help
	if slot := h.slot; slot != nil {
		slot.RemoveAll()
		switch {
		case h.id != "":
			slot.Add(widgets.NewButton(k.hooks, k.tr("CallStaffWithdraw"), k.withdrawHelp))
		case h.sending:
			b := widgets.NewIconButton(k.hooks, k.tr("CallStaffSending"), theme.HelpIcon(), nil)
			b.Disable()
			slot.Add(b)
		default:
			slot.Add(widgets.NewIconButton(k.hooks, k.tr("CallStaffButton"), theme.HelpIcon(), k.callStaff))
		}
	}
	if note := h.note; note != nil && !staffScreen(k.cur) {
		note.RemoveAll()
		switch {
		case h.id != "":
			note.Add(k.helpBanner(k.tr("CallStaffComing"), widget.MediumImportance, kt.Colors().ActingFor))
		case h.failed != "" && !h.sending:
			note.Add(k.helpBanner(k.trd(h.failed, h.data), widget.DangerImportance, kt.Colors().Surface))
		}
		if len(note.Objects) > 0 {
			note.Show()
		} else {
			note.Hide()
		}
	}
	k.relayout()
}

// helpBanner is a help request's notice: a full-width strip with large bold text.
func (k *Kiosk) helpBanner(text string, imp widget.Importance, bg color.Color) fyne.CanvasObject {
	l := k.noticeLabel(widget.NewLabel(text)) // spoken by speech guidance when it appears
	l.SizeName = theme.SizeNameSubHeadingText
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.Importance = imp
	l.Wrapping = fyne.TextWrapWord
	l.Alignment = fyne.TextAlignCenter
	rect := canvas.NewRectangle(bg)
	rect.CornerRadius = 8
	return container.New(layout.NewCustomPaddedLayout(4, 4, 24, 24), container.NewStack(rect, l))
}

// screenName is the kind of the screen shown (welcome, inbox, thread, …): no personal data.
func screenName(s screen) string {
	if s == nil {
		return "unknown"
	}
	return s.kind()
}

// callStaff posts a help request and, once it is open, watches it until staff handle it.
func (k *Kiosk) callStaff() {
	h := &k.ops.help
	if h.id != "" || h.sending {
		return
	}
	h.sending, h.failed, h.data = true, "", nil
	h.inVisit, h.gen = k.sess != nil, k.gen
	k.refreshHelp()
	cl, key := k.ops.client(), h.key.For("create") // one key until a request is open, whatever screen retries
	req := api.NewHelpRequest{KioskName: k.kioskLabel(), Screen: screenName(k.cur)}
	k.run(k.forKiosk(), func(ctx context.Context) func() {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		hr, err := cl.CreateHelpRequest(cctx, key, req)
		return func() {
			h.sending = false
			if h.inVisit && h.gen != k.gen {
				// The visit it was asked in has ended meanwhile: nobody waits for the staff member, and the
				// next citizen must not see it.
				if err == nil {
					h.key.Done()
					k.withdrawQuietly(cl, hr.Id)
				}
				h.key.Done()
				k.refreshHelp()
				return
			}
			if err != nil {
				k.noteError(err)
				h.failed, h.data = id("CallStaffFailed"), nil
				if client.CodeOf(err) == string(api.KioskRequired) { // the backend does not know this kiosk
					h.failed, h.data = id("ErrKioskRequired"), map[string]any{"Phone": HelpLine}
				}
				k.refreshHelp()
				return
			}
			h.key.Done()
			k.opLog(store.HelpRequested, "")
			h.id = hr.Id
			k.refreshHelp()
			k.watchHelp(cl, hr.Id)
		}
	})
}

// watchHelp looks at the request every helpPoll until it is no longer open (a failed look is tried again
// at the next tick).
func (k *Kiosk) watchHelp(cl *client.Client, id string) {
	h := &k.ops.help
	h.cancel = k.every(k.ops.helpPoll, k.forKiosk(), func(ctx context.Context) func() {
		rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
		hr, err := cl.HelpRequest(rctx, id)
		rcancel()
		if err != nil || hr.Status == api.Open {
			return nil
		}
		status := string(hr.Status)
		return func() {
			if h.id == id {
				k.opLog(store.HelpHandled, status)
				k.clearHelp()
			}
		}
	})
}

func (k *Kiosk) clearHelp() {
	h := &k.ops.help
	if h.cancel != nil {
		h.cancel()
	}
	h.key.Done()
	h.id, h.cancel, h.failed, h.data = "", nil, "", nil
	k.refreshHelp()
}

// endVisitHelp drops what the help request says to the citizen whose visit ended (logout, idle timeout): a
// failure's message, and a request she made during her visit, which is withdrawn at the backend (nobody
// waits for the staff member). A request made before anyone logged in stays: staff still come.
func (k *Kiosk) endVisitHelp() {
	h := &k.ops.help
	h.failed, h.data = "", nil
	if h.id != "" && h.inVisit {
		k.withdrawQuietly(k.ops.client(), h.id)
		k.opLog(store.HelpHandled, "withdrawn")
		k.clearHelp()
	}
}

// withdrawQuietly withdraws request id in the background, showing nothing (the visit that asked has ended).
func (k *Kiosk) withdrawQuietly(cl *client.Client, id string) {
	key := client.NewIdempotencyKey()
	k.run(k.forKiosk(), func(ctx context.Context) func() {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if _, err := cl.WithdrawHelpRequest(cctx, id, key); err != nil {
			return func() { k.noteError(err) }
		}
		return nil
	})
}

// withdrawHelp tells the backend the citizen no longer needs help.
func (k *Kiosk) withdrawHelp() {
	h := &k.ops.help
	if h.id == "" || h.sending {
		return
	}
	id, cl := h.id, k.ops.client()
	key := h.key.For("withdraw " + id)
	h.sending = true
	k.run(k.forKiosk(), func(ctx context.Context) func() {
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		_, err := cl.WithdrawHelpRequest(cctx, id, key)
		return func() {
			h.sending = false
			if err != nil {
				k.noteError(err)
				k.refreshHelp()
				return
			}
			if h.id == id {
				k.opLog(store.HelpHandled, "withdrawn")
				k.clearHelp()
			}
		}
	})
}
