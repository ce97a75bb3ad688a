package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// harness runs a Kiosk on Fyne's test app. Background results, which the kiosk hands to fyne.Do, are
// queued and applied on the test goroutine by process (the test driver would otherwise run them on the
// background goroutine, racing the test).
type harness struct {
	t    *testing.T
	k    *Kiosk
	mu   sync.Mutex
	q    []func()
	onUI *netOnUI // the fault tests' transport, which catches requests on the UI goroutine
}

func newHarness(t *testing.T, cfg config.Config) *harness {
	t.Helper()
	return newHarnessWith(t, cfg)
}

// newHarnessWith is newHarness with kiosk options.
func newHarnessWith(t *testing.T, cfg config.Config, opts ...Option) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	if cfg.Lang == "" {
		cfg.Lang = "nn"
	}
	if cfg.API == "" {
		cfg.API = "http://127.0.0.1:1" // nothing listens: only screens that make no call
	}
	h := &harness{t: t}
	k, err := New(a, cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	k.do = h.post
	h.k = k
	// Idleness advances only when the test says so. On the wall clock (no withClock) the idle watch would
	// log the citizen out once a test has run for cfg.IdleTimeout of real time, which a loaded machine
	// reaches mid-test: there the display reports input all the time (a citizen at the screen), unless the
	// test gives its own idle source. A test of idleness runs on a testClock and advances it.
	if _, onTestClock := k.clk.(*testClock); !onTestClock && k.inputIdle == nil {
		k.inputIdle = func() (time.Duration, bool) { return 0, true }
	}
	k.win.Resize(fyne.NewSize(1280, 800))
	t.Cleanup(func() {
		k.logout(logoutCitizen)
		k.cancel()
		k.shutdownOps()
	})
	return h
}

func (h *harness) post(f func()) {
	h.mu.Lock()
	h.q = append(h.q, f)
	h.mu.Unlock()
}

// process applies the queued background results.
func (h *harness) process() {
	h.t.Helper()
	defer h.checkFits()
	for {
		h.mu.Lock()
		q := h.q
		h.q = nil
		h.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}

// waitFor processes events until cond holds, failing after a deadline.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // bounds a failure only: a loaded machine with -race is slow
	for {
		h.process()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; the window shows:\n%s", what, strings.Join(h.texts(true), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCalls waits until every call the kiosk has started (Kiosk.run) has handed in its result, and applies
// those results: after it, nothing started so far can still change the screen.
func (h *harness) waitCalls(what string) {
	h.t.Helper()
	h.waitFor(what, func() bool { return h.k.inflight.Load() == 0 })
	h.process()
}

// waitForText waits until a visible widget shows text (exactly).
func (h *harness) waitForText(text string) {
	h.t.Helper()
	h.waitFor("«"+text+"»", func() bool { return h.hasText(text) })
}

// objects walks the window's tree: containers, and widgets through their renderers. With hidden false it
// skips what is not visible.
func (h *harness) objects(hidden bool) []fyne.CanvasObject {
	out := objectsUnder(h.k.win.Content(), hidden)
	for _, o := range h.k.win.Canvas().Overlays().List() {
		out = append(out, objectsUnder(o, hidden)...)
	}
	return out
}

// objectsUnder walks root's tree: containers, and widgets through their renderers. With hidden false it
// skips what is not visible.
func objectsUnder(root fyne.CanvasObject, hidden bool) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || (!hidden && !o.Visible()) {
			return
		}
		out = append(out, o)
		switch o := o.(type) {
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(root)
	return out
}

// textOf is the text an object shows, if any.
func textOf(o fyne.CanvasObject) []string {
	switch o := o.(type) {
	case *widget.Label:
		return []string{o.Text}
	case *widget.Entry:
		return []string{o.Text}
	case *widgets.Entry:
		return []string{o.Text}
	case *widget.Button:
		return []string{o.Text}
	case *widgets.Button:
		return []string{o.Text}
	case *widgets.Tile:
		return []string{o.Title, o.Detail}
	case *widget.Hyperlink:
		return []string{o.Text}
	case *canvas.Text:
		return []string{o.Text}
	case *widget.RichText:
		var s []string
		for _, seg := range o.Segments {
			if ts, ok := seg.(*widget.TextSegment); ok {
				s = append(s, ts.Text)
			}
		}
		return s
	}
	return nil
}

func (h *harness) texts(hidden bool) []string {
	var out []string
	for _, o := range h.objects(hidden) {
		for _, s := range textOf(o) {
			if s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func (h *harness) hasText(text string) bool {
	for _, s := range h.texts(false) {
		if s == text {
			return true
		}
	}
	return false
}

func (h *harness) containsText(part string) bool {
	for _, s := range h.texts(false) {
		if strings.Contains(s, part) {
			return true
		}
	}
	return false
}

// tap taps the visible button or tile labelled text.
func (h *harness) tap(text string) {
	h.t.Helper()
	for _, o := range h.objects(false) {
		switch o := o.(type) {
		case *widgets.Button:
			if o.Text == text && !o.Disabled() {
				test.Tap(o)
				return
			}
		case *widget.Button:
			if o.Text == text && !o.Disabled() {
				test.Tap(o)
				return
			}
		case *widgets.Tile:
			if o.Title == text {
				test.Tap(o)
				return
			}
		}
	}
	h.t.Fatalf("no visible button %q; the window shows:\n%s", text, strings.Join(h.texts(false), "\n"))
}

// tapWhenReady waits for the button, then taps it.
func (h *harness) tapWhenReady(text string) {
	h.t.Helper()
	h.waitFor("button «"+text+"»", func() bool {
		for _, o := range h.objects(false) {
			if b, ok := o.(*widgets.Button); ok && b.Text == text && !b.Disabled() {
				return true
			}
			if tl, ok := o.(*widgets.Tile); ok && tl.Title == text {
				return true
			}
		}
		return false
	})
	h.tap(text)
}

// checkFits fails when the window's content needs more than a 1280x800 kiosk screen: Fyne would grow the
// window past the screen and cut the bottom off.
func (h *harness) checkFits() {
	h.t.Helper()
	c := h.k.win.Content()
	if c == nil {
		return
	}
	if m := c.MinSize(); m.Width > 1280 || m.Height > 800 {
		h.t.Errorf("%T needs %v, more than a 1280x800 screen", h.k.cur, m)
	}
}
