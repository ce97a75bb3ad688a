package ui

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/speech"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// display is how the kiosk is read and touched, on every screen: the text size and high contrast (chosen in
// the "Aa" panel, with the language), the touch keyboard and read-aloud. The citizen's choices last until
// logout or the idle timeout, when the next citizen gets the kiosk's defaults again.
type display struct {
	size   kt.TextSize
	hc     bool
	panel  *widget.PopUp     // the "Aa" panel while it is open
	opener fyne.CanvasObject // what had the focus when the panel opened

	kb     *widgets.Keyboard // the touch keyboard (cfg.TouchKeyboard), made at the first focus, remade on a language change
	kbSlot *fyne.Container   // the frame's keyboard slot (rebuilt with every screen)
	// bodyPad is the frame's padding around the screen's content: less of it while the keyboard is up.
	bodyPad *fyne.Container

	speaker talker          // read-aloud and speech guidance; nil or not Available: no speech
	reading *widgets.Button // the read-aloud button whose text is spoken now
}

// A talker speaks: internal/kiosk/speech's Speaker (espeak-ng), or a test's recorder. Say stops what is
// spoken and speaks text; Queue speaks it after what is spoken and queued; Tone sounds a short tone through
// the same output, stopping what is spoken (text queued after it follows it); Stop silences it and drops the
// queue. None of them blocks. Rate is in words per minute, volume in percent of espeak-ng's default.
type talker interface {
	Available() bool
	Say(ctx context.Context, lang, text string) error
	Queue(ctx context.Context, lang, text string) error
	Tone(ctx context.Context) error
	Stop()
	Done() <-chan struct{}
	SetRate(wpm int)
	Rate() int
	SetVolume(pct int)
	Volume() int
}

var _ talker = (*speech.Speaker)(nil)

// WithSpeaker makes the kiosk speak with sp (tests inject one; nil: no speech).
func WithSpeaker(sp talker) Option {
	return func(k *Kiosk) { k.disp.speaker = sp; k.speakerSet = true }
}

// initDisplay applies the theme and wires the touch keyboard; called once by New.
func (k *Kiosk) initDisplay() {
	if !k.speakerSet {
		k.disp.speaker = speech.New()
	}
	k.disp.size = k.startSize()
	k.applyTheme()
}

// startSize is the text size each visit starts at (cfg.TextSize: staff set it for a nursing home or an eye
// clinic); the citizen's choice in the «Aa» panel wins until her visit ends.
func (k *Kiosk) startSize() kt.TextSize {
	s, _ := kt.ParseTextSize(k.cfg.TextSize)
	return s
}

func (k *Kiosk) applyTheme() { kt.Apply(k.app, k.disp.size, k.disp.hc) }

// resetDisplay gives the next citizen the kiosk's own text size (startSize) without high contrast, and stops
// what the last one started.
func (k *Kiosk) resetDisplay() {
	k.hideDisplayPanel()
	k.stopGuide()
	k.stopSpeech()
	if k.canSpeak() && k.cfg.SpeechRate > 0 && k.cfg.SpeechVolume > 0 {
		// The next citizen hears the kiosk's own speed and volume, not the last one's (EN 301 549 §5.1.3.13).
		k.disp.speaker.SetRate(k.cfg.SpeechRate)
		k.disp.speaker.SetVolume(k.cfg.SpeechVolume)
	}
	k.hideKeyboard()
	k.disp.kb = nil
	if k.disp.size != k.startSize() || k.disp.hc {
		k.disp.size, k.disp.hc = k.startSize(), false
		k.applyTheme()
	}
}

// leaveScreen is what every screen change does: the keyboard goes away and speech stops.
func (k *Kiosk) leaveScreen() {
	k.hideKeyboard()
	k.stopSpeech()
}

// A rerenderer builds its widgets again in place (after a language, text-size or contrast change) when
// stop followed by buildUI would lose something; other screens are stopped and built again.
type rerenderer interface {
	rerender() fyne.CanvasObject
}

// rerender builds the current screen again from its state: labels follow a new language, canvas objects a
// new palette. What the citizen typed, ticked or chose in the screen's widgets is put back (drafts also live
// on the Kiosk or the screen's own struct).
func (k *Kiosk) rerender() {
	s := k.cur
	if s == nil {
		return
	}
	saved := saveInputs(k.win.Content())
	k.leaveScreen()
	k.guide.notices = nil
	var body fyne.CanvasObject
	if r, ok := s.(rerenderer); ok {
		body = r.rerender()
	} else {
		s.stop()
		body = s.buildUI()
	}
	k.win.SetContent(k.frame(body))
	restoreInputs(k.win.Content(), saved)
	if !k.cfg.Fullscreen {
		k.win.Resize(windowSize)
	}
}

// switchLang shows the kiosk in lang from now on, rebuilding the current screen in place.
func (k *Kiosk) switchLang(lang string) {
	if lang == k.lang {
		return
	}
	k.setLang(lang)
	k.disp.kb = nil // its key words are in the old language
	k.rerender()
}

// setDisplay applies a text size and contrast, rebuilding the current screen in place.
func (k *Kiosk) setDisplay(size kt.TextSize, hc bool) {
	if size == k.disp.size && hc == k.disp.hc {
		return
	}
	k.disp.size, k.disp.hc = size, hc
	k.applyTheme()
	k.disp.kb = nil // its keys were sized for the old text
	k.rerender()
}

// displayButton is the frame's "Aa" button: language, text size and contrast.
func (k *Kiosk) displayButton() fyne.CanvasObject {
	return widgets.NewButton(k.hooks, k.tr("DisplayButton"), k.showDisplayPanel)
}

var sizeIDs = map[kt.TextSize]string{
	kt.SizeNormal:     id("DisplaySizeNormal"),
	kt.SizeLarge:      id("DisplaySizeLarge"),
	kt.SizeExtraLarge: id("DisplaySizeExtraLarge"),
}

// showDisplayPanel opens the "Aa" panel: a choice takes effect at once, on the screen behind it, and the
// panel stays open (in the new language and size) until "Lukk".
func (k *Kiosk) showDisplayPanel() {
	k.hideDisplayPanel()
	chosen := func(b *widgets.Button, on bool) *widgets.Button {
		if on { // shown by an icon and a word as well as by colour
			b.Importance = widget.HighImportance
			b.Icon = theme.ConfirmIcon()
		}
		return b
	}
	again := func(f func()) func() {
		return func() {
			f()
			k.showDisplayPanel()
		}
	}
	langs := container.NewGridWithColumns(len(config.Languages))
	for _, l := range config.Languages {
		langs.Add(chosen(widgets.NewButton(k.hooks, config.LanguageName(l), again(func() { k.switchLang(l) })), l == k.lang))
	}
	sizes := container.NewGridWithColumns(len(kt.TextSizes))
	for _, sz := range kt.TextSizes {
		sizes.Add(chosen(widgets.NewButton(k.hooks, k.tr(sizeIDs[sz]), again(func() { k.setDisplay(sz, k.disp.hc) })), sz == k.disp.size))
	}
	hcText := k.tr("DisplayHighContrastOff")
	if k.disp.hc {
		hcText = k.tr("DisplayHighContrastOn")
	}
	hc := chosen(widgets.NewButton(k.hooks, hcText, again(func() { k.setDisplay(k.disp.size, !k.disp.hc) })), k.disp.hc)
	closeBtn := widgets.NewPrimaryButton(k.hooks, k.tr("DisplayClose"), k.hideDisplayPanel)
	title := subheading(k.tr("DisplayTitle"))
	box := container.NewVBox(title,
		fieldLabel(k.tr("ChooseLanguage")), langs,
		fieldLabel(k.tr("DisplayTextSize")), sizes,
		fieldLabel(k.tr("DisplayContrast")), container.NewHBox(hc))
	if k.canSpeak() {
		// Speech guidance, and its speed and volume: the keys do the same (ui/keys.go).
		guideText := k.tr("GuideTurnOn")
		if k.guiding() {
			guideText = k.tr("GuideTurnOff")
		}
		toggle := chosen(widgets.NewIconButton(k.hooks, guideText, theme.VolumeUpIcon(), func() {
			if k.guiding() {
				k.stopGuide()
				k.rerender()
				k.showDisplayPanel()
				return
			}
			k.hideDisplayPanel()
			k.startGuide() // the screen behind is announced
		}), k.guiding())
		step := func(msg string, a keyAction) fyne.CanvasObject {
			return widgets.NewButton(k.hooks, k.tr(msg), func() { k.adjustSpeech(a) })
		}
		box.Add(fieldLabel(k.tr("DisplaySpeech")))
		box.Add(container.NewHBox(toggle))
		box.Add(container.NewGridWithColumns(4, step(id("GuideSlower"), actSlower), step(id("GuideFaster"), actFaster),
			step(id("GuideSofter"), actSofter), step(id("GuideLouder"), actLouder)))
	}
	closeRow := container.NewVBox(widget.NewSeparator(), container.NewHBox(layout.NewSpacer(), closeBtn))
	card := canvas.NewRectangle(kt.Colors().Surface)
	card.CornerRadius = 16
	card.StrokeColor = kt.Colors().TileBorder
	card.StrokeWidth = 2
	// The choices scroll when the text is large (the speech row makes the panel taller than a 1280×800
	// screen at «Ekstra stor»); «Lukk» stays in sight below them.
	pad := layout.NewCustomPaddedLayout(16, 16, 24, 24)
	full := container.NewStack(card, container.New(pad, container.NewVBox(box, closeRow))).MinSize().Height
	h := min(full, k.win.Canvas().Size().Height-16)
	if h <= 0 {
		h = full
	}
	content := container.NewStack(card, container.New(pad, readingBorder(nil, closeRow, k.scrolled(box))))
	w := float32(760) * k.disp.size.Scale()
	if w > windowSize.Width-80 {
		w = windowSize.Width - 80
	}
	k.disp.opener, _ = k.win.Canvas().Focused().(fyne.CanvasObject)
	k.win.Canvas().Unfocus() // one focus ring on screen: the panel's
	pop := widget.NewModalPopUp(container.NewGridWrap(fyne.NewSize(w, h), content), k.win.Canvas())
	k.disp.panel = pop
	pop.Show()
}

func (k *Kiosk) hideDisplayPanel() {
	if k.disp.panel == nil {
		return
	}
	k.disp.panel.Hide()
	k.disp.panel = nil
	// A keyboard user goes on from the control that opened the panel (when the screen still has it).
	if f, ok := k.disp.opener.(fyne.Focusable); ok && slices.Contains(k.focusables(), k.disp.opener) {
		k.win.Canvas().Focus(f)
	}
	k.disp.opener = nil
}

// keyboardSlot is the frame's place for the touch keyboard, at the bottom: empty until a text field gets the
// focus.
func (k *Kiosk) keyboardSlot() fyne.CanvasObject {
	k.disp.kbSlot = container.NewVBox()
	k.disp.kbSlot.Hide()
	return k.disp.kbSlot
}

// textFocused shows the touch keyboard, typing into f, when the kiosk has one (cfg.TouchKeyboard).
func (k *Kiosk) textFocused(f fyne.Focusable) {
	if !k.cfg.TouchKeyboard || k.disp.kbSlot == nil {
		return
	}
	if k.disp.kb == nil {
		k.disp.kb = widgets.NewKeyboard(k.hooks, k.win.Canvas(), widgets.KeyboardLabels{
			Shift: k.tr("KeyboardShift"), Backspace: k.tr("KeyboardBackspace"),
			Space: k.tr("KeyboardSpace"), Enter: k.tr("KeyboardEnter"),
		})
	}
	k.disp.kb.SetTarget(f)
	if k.disp.kbSlot.Visible() {
		return
	}
	hide := widgets.NewIconButton(k.hooks, k.tr("KeyboardHide"), theme.MenuDropDownIcon(), k.hideKeyboard)
	bg := canvas.NewRectangle(kt.Colors().Background) // set off from the screen by a border line
	bg.StrokeColor = kt.Colors().TileBorder
	bg.StrokeWidth = 1
	k.disp.kbSlot.Objects = []fyne.CanvasObject{
		container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(2, 2, 8, 8), // "hide" beside it: no extra row
			container.NewBorder(nil, nil, nil, container.NewVBox(hide), container.NewCenter(k.disp.kb)))),
	}
	k.disp.kbSlot.Show()
	k.keyboardChanged(true)
	k.relayout()
}

// A keyboardFitter is a screen that makes room when the touch keyboard comes up (a shorter text box, a line
// less above it) and gives it back when it goes: with the keyboard up the screen still fits 1280×720.
type keyboardFitter interface {
	keyboardUp(up bool)
}

// keyboardChanged tells the screen and the frame that the keyboard came up or went away.
func (k *Kiosk) keyboardChanged(up bool) {
	if p := k.disp.bodyPad; p != nil {
		if up {
			p.Layout = layout.NewCustomPaddedLayout(0, 0, 32, 32)
		} else {
			p.Layout = layout.NewCustomPaddedLayout(16, 16, 32, 32)
		}
	}
	if f, ok := k.cur.(keyboardFitter); ok {
		f.keyboardUp(up)
	}
}

// keyboardShown says whether the touch keyboard is on screen.
func (k *Kiosk) keyboardShown() bool { return k.disp.kbSlot != nil && k.disp.kbSlot.Visible() }

func (k *Kiosk) hideKeyboard() {
	if k.disp.kb != nil {
		k.disp.kb.SetTarget(nil)
	}
	if k.disp.kbSlot == nil || !k.disp.kbSlot.Visible() {
		return
	}
	k.disp.kbSlot.RemoveAll()
	k.disp.kbSlot.Hide()
	k.keyboardChanged(false)
	k.relayout()
}

// canReadAloud says whether read-aloud buttons are shown: staff turned it on and espeak-ng is installed.
func (k *Kiosk) canReadAloud() bool { return k.cfg.ReadAloud && k.canSpeak() }

// canSpeak says whether the kiosk has a working speaker.
func (k *Kiosk) canSpeak() bool { return k.disp.speaker != nil && k.disp.speaker.Available() }

// readAloud returns a "Les opp" button that speaks text() in the kiosk's language, and while it speaks is
// "Stopp opplesing"; nil when the kiosk cannot read aloud. Speech runs in espeak-ng, never on the UI goroutine.
func (k *Kiosk) readAloud(text func() string) *widgets.Button {
	if !k.canReadAloud() {
		return nil
	}
	var b *widgets.Button
	b = widgets.NewIconButton(k.hooks, k.tr("ReadAloud"), theme.VolumeUpIcon(), func() {
		if k.disp.reading == b {
			k.stopSpeech()
			return
		}
		k.stopSpeech()
		sp := k.disp.speaker
		if err := sp.Say(k.ctx, k.lang, text()); err != nil {
			return
		}
		k.disp.reading = b
		b.SetText(k.tr("ReadAloudStop"))
		b.SetIcon(theme.MediaStopIcon())
		done := sp.Done()
		k.async(nil, func(context.Context) func() {
			<-done
			return func() {
				if k.disp.reading == b {
					k.disp.reading = nil
					b.SetText(k.tr("ReadAloud"))
					b.SetIcon(theme.VolumeUpIcon())
				}
			}
		})
	})
	return b
}

// stopSpeech stops read-aloud (screen change, logout, idle timeout).
func (k *Kiosk) stopSpeech() {
	if b := k.disp.reading; b != nil {
		k.disp.reading = nil
		b.SetText(k.tr("ReadAloud"))
		b.SetIcon(theme.VolumeUpIcon())
	}
	if k.canSpeak() {
		k.disp.speaker.Stop()
	}
}

// inputValue is what one input widget holds: an entry's text, a check's tick, a choice.
type inputValue struct {
	kind  string
	text  string
	on    bool
	index int // a select's or radio group's choice, by position: the same value whatever language shows it
}

// saveInputs reads the input widgets of a window's content, in tree order.
func saveInputs(root fyne.CanvasObject) []inputValue {
	var out []inputValue
	walkInputs(root, func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widgets.Entry:
			out = append(out, inputValue{kind: "entry", text: o.Text})
		case *widget.Entry:
			out = append(out, inputValue{kind: "entry", text: o.Text})
		case *widgets.Check:
			out = append(out, inputValue{kind: "check", on: o.Checked})
		case *widgets.Choice:
			out = append(out, inputValue{kind: "select", index: o.SelectedIndex()})
		case *widgets.Radio:
			out = append(out, inputValue{kind: "radio", index: slices.Index(o.Options, o.Selected)})
		}
	})
	return out
}

// restoreInputs puts saved values back into the rebuilt content's input widgets (a choice by its position
// among the options, never by its text, which a language switch changes), when the screen built the
// same inputs in the same order (it does, from the same state); values already there are left alone.
func restoreInputs(root fyne.CanvasObject, saved []inputValue) {
	if len(saved) == 0 || len(saveInputs(root)) != len(saved) {
		return
	}
	i := 0
	walkInputs(root, func(o fyne.CanvasObject) {
		v := saved[i]
		i++
		switch o := o.(type) {
		case *widgets.Entry:
			if v.kind == "entry" && o.Text != v.text {
				o.SetText(v.text)
			}
		case *widget.Entry:
			if v.kind == "entry" && o.Text != v.text {
				o.SetText(v.text)
			}
		case *widgets.Check:
			if v.kind == "check" && o.Checked != v.on {
				o.SetChecked(v.on)
			}
		case *widgets.Choice:
			if v.kind == "select" && v.index >= 0 && v.index < len(o.Options) && o.SelectedIndex() != v.index {
				o.SetSelectedIndex(v.index)
			}
		case *widgets.Radio:
			if v.kind == "radio" && v.index >= 0 && v.index < len(o.Options) && o.Selected != o.Options[v.index] {
				o.SetSelected(o.Options[v.index])
			}
		}
	})
}

// walkInputs calls f for every input widget under o, in tree order (walkTree; hidden ones too: a hidden
// input keeps its value).
func walkInputs(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	walkTree(o, false, func(o fyne.CanvasObject) bool {
		switch o.(type) {
		case *widgets.Entry, *widget.Entry, *widgets.Check, *widgets.Choice, *widgets.Radio:
			f(o)
			return false
		}
		return true
	})
}

// spokenText is the text of the visible labels under o, in reading order, one sentence each: what "Les
// opp" reads, and speech guidance's "read the whole screen" (scrolled content included).
func spokenText(o fyne.CanvasObject) string {
	var parts []string
	walkTree(o, true, func(o fyne.CanvasObject) bool {
		if l, ok := o.(*widget.Label); ok {
			if t := strings.TrimSpace(l.Text); t != "" {
				parts = append(parts, strings.TrimRight(t, ".… ")+".")
			}
		}
		return true
	})
	return strings.Join(parts, "\n")
}
