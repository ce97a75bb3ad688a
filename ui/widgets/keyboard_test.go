package widgets

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// keyboardWindow shows entries above a keyboard in a test window at kiosk size.
func keyboardWindow(t *testing.T, h *Hooks, entries ...fyne.CanvasObject) (*Keyboard, fyne.Window) {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(kt.New())
	kb := NewKeyboard(h, nil, KeyboardLabels{})
	// As the router does: an Entry that gets the focus becomes the keyboard's target. Fyne's test driver drops the
	// focus before every tap (the desktop driver does not, see Keyboard), so the keyboard gives it back.
	h.TextFocus = kb.SetTarget
	w := test.NewTempWindow(t, container.NewBorder(container.NewVBox(entries...), kb, nil, nil))
	w.Resize(fyne.NewSize(1280, 800))
	return kb, w
}

// typeOn taps, with Fyne's test driver, the keys that type s ('⇧' shift, '⌫' backspace, '⏎' enter).
func typeOn(t *testing.T, kb *Keyboard, s string) {
	t.Helper()
	for _, r := range s {
		var key *Key
		switch r {
		case '⇧':
			key = kb.KeyFor(KeyShift, 0)
		case '⌫':
			key = kb.KeyFor(KeyBackspace, 0)
		case '⏎':
			key = kb.KeyFor(KeyEnter, 0)
		case ' ':
			key = kb.KeyFor(KeySpace, 0)
		default:
			key = kb.KeyFor(KeyChar, r)
		}
		if key == nil {
			t.Fatalf("no key for %q", r)
		}
		test.Tap(key)
	}
}

// Tapping keys types into the focused multi-line entry: æøå, shift once for one capital, backspace, space, enter.
func TestKeyboardTypesIntoFocusedEntry(t *testing.T) {
	h := &Hooks{}
	e := NewMultiLineEntry(h)
	kb, w := keyboardWindow(t, h, e)
	w.Canvas().Focus(e)

	typeOn(t, kb, "⇧blåbær")
	if e.Text != "Blåbær" {
		t.Fatalf("after ⇧blåbær: %q, want %q (shift applies to one letter)", e.Text, "Blåbær")
	}
	if kb.Shifted() {
		t.Fatal("shift is still on after one letter")
	}
	typeOn(t, kb, " og ⇧øl⌫⌫⌫⏎⇧ærlig talt, 12.")
	if want := "Blåbær og\nÆrlig talt, 12."; e.Text != want {
		t.Fatalf("text = %q, want %q", e.Text, want)
	}
	if w.Canvas().Focused() != e {
		t.Fatalf("focus is on %v, want the entry", w.Canvas().Focused())
	}
}

// Shift shows the shifted characters on the keys, and the Norwegian symbols on the digit row.
func TestKeyboardShiftLabelsAndSymbols(t *testing.T) {
	h := &Hooks{}
	e := NewEntry(h)
	kb, w := keyboardWindow(t, h, e)
	w.Canvas().Focus(e)
	if got := kb.KeyFor(KeyChar, 'å').Label(); got != "å" {
		t.Fatalf("å key shows %q", got)
	}
	typeOn(t, kb, "⇧")
	if got := kb.KeyFor(KeyChar, 'å').Label(); got != "Å" {
		t.Fatalf("with shift the å key shows %q, want Å", got)
	}
	typeOn(t, kb, "7⇧⇧")
	if e.Text != "/" || kb.Shifted() {
		t.Fatalf("⇧7 then shift twice: text %q shifted %v, want \"/\" and off", e.Text, kb.Shifted())
	}
}

// Enter in a single-line entry submits it instead of typing a new line.
func TestKeyboardEnterSubmitsSingleLine(t *testing.T) {
	h := &Hooks{}
	e := NewEntry(h)
	var submitted string
	e.OnSubmitted = func(s string) { submitted = s }
	kb, w := keyboardWindow(t, h, e)
	w.Canvas().Focus(e)
	typeOn(t, kb, "23327000⏎")
	if submitted != "23327000" || e.Text != "23327000" {
		t.Fatalf("submitted %q, text %q", submitted, e.Text)
	}
}

// Keys type into whichever entry has the focus, and follow it when it moves.
func TestKeyboardFollowsFocus(t *testing.T) {
	h := &Hooks{}
	a, b := NewEntry(h), NewEntry(h)
	kb, w := keyboardWindow(t, h, a, b)
	w.Canvas().Focus(a)
	typeOn(t, kb, "kva")
	w.Canvas().Focus(b)
	typeOn(t, kb, "kven")
	if a.Text != "kva" || b.Text != "kven" {
		t.Fatalf("a=%q b=%q", a.Text, b.Text)
	}
	// On the desktop driver the focus stays on the entry while a key is tapped (the keyboard is a Focusable
	// ancestor): the key then types into Canvas.Focused(), a plain widget.Entry, with no target set.
	plain := widget.NewEntry()
	kb2, w2 := keyboardWindow(t, &Hooks{}, plain)
	w2.Canvas().Focus(plain)
	for _, r := range "kvar" {
		kb2.KeyFor(KeyChar, r).Tapped(&fyne.PointEvent{})
	}
	kb2.KeyFor(KeyBackspace, 0).Tapped(&fyne.PointEvent{})
	if plain.Text != "kva" || w2.Canvas().Focused() != plain {
		t.Fatalf("direct taps with the focus kept: %q", plain.Text)
	}
	if kb2.Target() != plain {
		t.Fatal("the focused entry did not become the target")
	}
	// With nothing focused and no target, a key does nothing.
	kb.SetTarget(nil)
	w.Canvas().Unfocus()
	kb.KeyFor(KeyChar, 'x').Tapped(&fyne.PointEvent{})
	if a.Text != "kva" || b.Text != "kven" {
		t.Fatalf("typed with nothing focused: a=%q b=%q", a.Text, b.Text)
	}
}

// Every key is at least kt.ButtonHeight square at every text size, keys are at least kt.ButtonGap apart, and the
// layout has æ ø å. The keyboard never takes the focus itself.
func TestKeyboardLargeKeys(t *testing.T) {
	for _, size := range kt.TextSizes {
		kb, w := keyboardWindow(t, &Hooks{}, widget.NewEntry())
		kt.Apply(fyne.CurrentApp(), size, false)
		w.Resize(fyne.NewSize(1280, 800))
		w.Content().Refresh()
		d := fyne.CurrentApp().Driver()
		var prev *Key
		for _, key := range kb.Keys() {
			s := key.Size()
			if s.Width < kt.ButtonHeight || s.Height < kt.ButtonHeight {
				t.Errorf("%s: key %q is %v, want ≥ %d square", size, key.Label(), s, kt.ButtonHeight)
			}
			p := d.AbsolutePositionForObject(key)
			if prev != nil {
				pp := d.AbsolutePositionForObject(prev)
				var gap float32
				if pp.Y == p.Y {
					gap = p.X - (pp.X + prev.Size().Width)
				} else {
					gap = p.Y - (pp.Y + prev.Size().Height)
				}
				if gap < kt.ButtonGap-0.01 {
					t.Errorf("%s: %v between %q and %q", size, gap, prev.Label(), key.Label())
				}
			}
			prev = key
		}
		if kb.Size().Width > 1280 {
			t.Errorf("%s: keyboard is %v wide", size, kb.Size().Width)
		}
		test.FocusNext(w.Canvas())
		if w.Canvas().Focused() == fyne.Focusable(kb) {
			t.Error("Tab focused the keyboard")
		}
	}
	for _, r := range "æøå" {
		if kb := NewKeyboard(nil, nil, KeyboardLabels{}); kb.KeyFor(KeyChar, r) == nil {
			t.Errorf("no %c key", r)
		}
	}
}

// Entry tells its hooks' TextFocus when it gets the focus, so the router can show the keyboard for it.
func TestEntryTellsTextFocus(t *testing.T) {
	h := &Hooks{}
	e := NewMultiLineEntry(h)
	kb, w := keyboardWindow(t, h, e)
	var got fyne.Focusable
	h.TextFocus = func(f fyne.Focusable) { got = f; kb.SetTarget(f) }
	w.Canvas().Focus(e)
	if got != e {
		t.Fatalf("TextFocus got %v, want the entry", got)
	}
	typeOn(t, kb, "hei⏎på deg")
	if e.Text != "hei\npå deg" {
		t.Fatalf("text %q", e.Text)
	}
}

// A multi-line entry does not keep Tab: the focus can always leave it (no keyboard trap).
func TestMultiLineEntryLetsTabGo(t *testing.T) {
	e := NewMultiLineEntry(nil)
	var tb fyne.Tabbable = e
	if tb.AcceptsTab() {
		t.Error("a multi-line entry keeps Tab: a keyboard user would be trapped in it")
	}
}
