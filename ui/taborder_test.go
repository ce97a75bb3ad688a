package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// checkTabOrder fails when a control on the window (or the top pop-up) cannot be reached with Tab, or when
// Tab moves the focus up the screen (backwards in reading order) before it wraps round.
func (h *harness) checkTabOrder(screen string) {
	h.t.Helper()
	h.process()
	c := h.k.win.Canvas()
	var controls []fyne.CanvasObject
	roots := []fyne.CanvasObject{h.k.win.Content()}
	if top := c.Overlays().Top(); top != nil {
		roots = []fyne.CanvasObject{top}
	}
	for _, root := range roots {
		for _, o := range objectsUnder(root, false) {
			if _, ok := o.(fyne.Focusable); !ok {
				continue
			}
			if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
				continue
			}
			controls = append(controls, o)
		}
	}
	if len(controls) == 0 {
		h.t.Errorf("%s: no control to reach", screen)
		return
	}
	positions := map[fyne.CanvasObject]fyne.Position{} // where each control is while it has the focus
	c.Unfocus()
	var order []fyne.CanvasObject
	seen := map[fyne.CanvasObject]bool{}
	for range len(controls) + 2 {
		c.FocusNext()
		f, _ := c.Focused().(fyne.CanvasObject)
		if f == nil || seen[f] {
			break
		}
		seen[f] = true
		order = append(order, f)
		positions[f] = fyne.CurrentApp().Driver().AbsolutePositionForObject(f)
		// In sight: a control Tab reaches below the fold is scrolled to (Kiosk.reveal).
		if p, hgt := fyne.CurrentApp().Driver().AbsolutePositionForObject(f), c.Size().Height; p.Y < 0 || p.Y+f.Size().Height > hgt+1 {
			h.t.Errorf("%s: %s has the focus out of sight (y %.0f–%.0f of %.0f)", screen, describeForTest(f), p.Y, p.Y+f.Size().Height, hgt)
		}
	}

	for _, o := range controls {
		if !seen[o] {
			h.t.Errorf("%s: Tab never reaches %s", screen, describeForTest(o))
		}
	}
	for i := 1; i < len(order); i++ {
		a, b := positions[order[i-1]], positions[order[i]]
		if b.Y < a.Y-4 {
			h.t.Errorf("%s: Tab jumps up the screen from %s (y %.0f) to %s (y %.0f)", screen,
				describeForTest(order[i-1]), a.Y, describeForTest(order[i]), b.Y)
		}
	}
	c.Unfocus()
}

func describeForTest(o fyne.CanvasObject) string {
	switch o := o.(type) {
	case *widgets.Button:
		return fmt.Sprintf("button %q", o.Text)
	case *widgets.Tile:
		return fmt.Sprintf("tile %q", o.Title)
	case *widgets.Check:
		return fmt.Sprintf("check %q", o.Text)
	case *widgets.Entry:
		return fmt.Sprintf("entry %q", o.SpokenLabel())
	case *widgets.Choice:
		return fmt.Sprintf("choice %q", o.SpokenLabel())
	case *widgets.RadioOption:
		return fmt.Sprintf("option %q", o.Text())
	case *widgets.List:
		return fmt.Sprintf("list %q", o.SpokenLabel())
	}
	return fmt.Sprintf("%T", o)
}

// TestTabOrderEveryScreen walks every screen of a visit (and the welcome screen, the "Aa" panel and the
// forms' steps) and fails if a control cannot be reached with Tab or the focus order jumps up the screen.
func TestTabOrderEveryScreen(t *testing.T) {
	env := backendtest.New(t)
	h := newHarness(t, config.Config{API: env.URL, Lang: "nn"})
	h.checkTabOrder("welcome")
	h.tap(h.k.tr("DisplayButton"))
	h.checkTabOrder("the Aa panel")
	h.tap(h.k.tr("DisplayClose"))
	// At «Ekstra stor» the panel scrolls: Tab brings each choice into sight.
	h.k.setDisplay(kt.SizeExtraLarge, false)
	h.tap(h.k.tr("DisplayButton"))
	h.checkTabOrder("the Aa panel at extra large text")
	h.tap(h.k.tr("DisplayClose"))
	h.k.setDisplay(kt.SizeNormal, false)

	logIn(t, h, env, "p-ingrid")
	h.waitFor("home", func() bool { return h.k.cur != nil && h.k.cur.kind() == kindHome })
	h.waitCalls("home")
	h.checkTabOrder("home")
	sess := h.k.sess
	screens := []struct {
		name string
		s    func() screen
	}{
		{"inbox", func() screen { return newInbox(h.k, sess) }},
		{"compose", func() screen { return newCompose(h.k, sess) }},
		{"appointments", func() screen { return newAppointments(h.k, sess) }},
		{"fullmakt", func() screen { return newFullmakt(h.k, sess) }},
		{"settings", func() screen { return newSettings(h.k, sess) }},
		{"help", func() screen { return newHelp(h.k) }},
	}
	for _, sc := range screens {
		h.k.show(sc.s())
		h.waitCalls(sc.name)
		h.checkTabOrder(sc.name)
	}
	h.k.show(newInbox(h.k, sess))
	h.waitFor("threads", func() bool { in, ok := h.k.cur.(*inbox); return ok && len(in.threads) > 0 })
	h.k.cur.(*inbox).list.Select(0)
	h.waitFor("the thread", func() bool { s, ok := h.k.cur.(*thread); return ok && s.t != nil })
	h.waitCalls("the thread")
	h.checkTabOrder("thread")

	h.k.show(newAppointments(h.k, sess))
	h.waitFor("appointments", func() bool { s, ok := h.k.cur.(*appointments); return ok && len(s.rows) > 0 })
	h.waitCalls("appointments")
	for i, r := range h.k.cur.(*appointments).rows {
		if r.appt != nil {
			h.k.cur.(*appointments).view.Select(i)
			break
		}
	}
	h.waitFor("an appointment", func() bool { _, ok := h.k.cur.(*appointment); return ok })
	h.waitCalls("the appointment")
	h.checkTabOrder("appointment")
	if h.hasText(h.k.tr("ApptCancel")) {
		h.tap(h.k.tr("ApptCancel"))
		h.checkTabOrder("appointment: cancel")
	}
	if t.Failed() {
		t.Logf("the last screen shows:\n%s", strings.Join(h.texts(false), "\n"))
	}
}
