package ui

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// guide is speech guidance: the kiosk speaking for a citizen who cannot see the screen, as EN 301 549 §5.1.3
// asks of closed functionality. A citizen starts it without seeing anything (F1, or the keypad's Enter held
// for two seconds; the welcome screen says so aloud every cfg.GuideHintEvery while nobody is logged in),
// and it ends with the session. While it is on the kiosk speaks each screen as it opens, the control that
// gets the focus (its name, kind and state), a list row as the focus reaches it, every error and notice as
// it appears, the login code group by group, and on request the whole screen; the idle warning is spoken
// after a tone. Everything spoken comes from the same go-i18n messages as the screen, in its language; it
// goes to espeak-ng on stdin and is never logged (internal/kiosk/speech). Touched on the UI goroutine only.
type guide struct {
	on        bool
	last      string                 // the last thing said, for "repeat"
	lastFocus fyne.CanvasObject      // the control last spoken (a second call for it speaks only what changed)
	follows   bool                   // the next thing said follows what was just said (the screen after «Talerettleiinga er på», the first focus after the screen), not over it
	live      map[string]bool        // the errors and notices on screen now, each spoken once as it appears
	notices   map[*widget.Label]bool // labels that are notices (besides error labels): spoken when they appear
	scanDue   bool                   // a scan for new errors and notices is queued
	enterDown bool                   // the keypad's Enter is held
	enterGen  int                    // counts Enter presses: a hold timer of an older press does nothing
	enterHeld bool                   // this press was held long enough to start guidance
	stopHint  func()                 // ends the welcome screen's spoken hint
}

// guideHoldTime is how long the keypad's Enter is held to start speech guidance.
const guideHoldTime = 2 * time.Second

// guiding reports whether speech guidance is on.
func (k *Kiosk) guiding() bool { return k.guide.on && k.canSpeak() }

// startGuide turns speech guidance on (or, when it is on already, says what the keys do).
func (k *Kiosk) startGuide() {
	if !k.canSpeak() {
		return
	}
	if k.guide.on {
		k.speak(k.tr("GuideKeysHelp"))
		return
	}
	k.guide.on = true
	k.guide.live = nil
	k.stopGuideHint()
	k.rerender() // the frame shows that speech is on
	k.speak(k.tr("GuideStarted"))
	k.guide.follows = true
	k.announceScreen(false)
}

// stopGuide turns speech guidance off (logout, idle timeout, the panel's switch).
func (k *Kiosk) stopGuide() {
	if !k.guide.on {
		return
	}
	k.guide = guide{}
	if k.canSpeak() {
		k.disp.speaker.Stop()
	}
}

// speak says text now, stopping what is spoken; queue says it after what is spoken. Both remember it for
// "repeat" and do nothing while guidance is off.
func (k *Kiosk) speak(text string) { k.say(text, false) }
func (k *Kiosk) queue(text string) { k.say(text, true) }

func (k *Kiosk) say(text string, after bool) {
	text = strings.TrimSpace(text)
	if text == "" || !k.guiding() {
		return
	}
	if after {
		k.guide.last = strings.TrimSpace(k.guide.last + "\n" + text)
		_ = k.disp.speaker.Queue(k.ctx, k.lang, text)
		return
	}
	k.guide.last = text
	_ = k.disp.speaker.Say(k.ctx, k.lang, text)
}

// announceScreen says the screen just shown: its title and what one can do there; the next focus is
// spoken after it. With again, it is a request ("read the whole screen"): every text and control on it.
func (k *Kiosk) announceScreen(again bool) {
	if !k.guiding() || k.cur == nil {
		return
	}
	parts := []string{}
	if k.sess != nil && k.sess.actingForOther() {
		parts = append(parts, k.trd("ActingFor", map[string]any{"Name": k.sess.personName()})+".")
	}
	if t := screenTitle(k.win.Content()); t != "" {
		parts = append(parts, t)
	}
	if msg := guideScreenIDs[k.cur.kind()]; msg != "" {
		parts = append(parts, k.tr(msg))
	}
	if k.cur.kind() == "messageScreen" && !again { // «Lastar …», an error: the message is the screen
		for _, line := range strings.Split(spokenText(k.win.Content()), "\n") {
			if line != k.tr("GuideOnShort")+"." && line != k.tr("GuideOnMarker")+"." {
				parts = append(parts, line)
			}
		}
	}
	if again {
		parts = append(parts, spokenText(k.win.Content()))
		for _, f := range k.focusables() {
			parts = append(parts, k.describe(f))
		}
	} else {
		parts = append(parts, k.tr("GuideHowToMove"))
	}
	k.guide.lastFocus = nil
	k.say(strings.Join(parts, "\n"), k.guide.follows)
	k.guide.follows = true
	k.guide.live = k.liveTexts() // what is on screen from the start is read with it, not again as news
}

// guideScreenIDs says, for each kind of screen, what one can do there.
var guideScreenIDs = map[string]string{
	"welcome":        id("GuideScreenWelcome"),
	"login":          id("GuideScreenLogin"),
	"browserLogin":   id("GuideScreenBrowserLogin"),
	"consent":        id("GuideScreenConsent"),
	"choosePerson":   id("GuideScreenChoosePerson"),
	kindHome:         id("GuideScreenHome"),
	"inbox":          id("GuideScreenInbox"),
	"thread":         id("GuideScreenThread"),
	"compose":        id("GuideScreenCompose"),
	"receipt":        id("GuideScreenReceipt"),
	"appointments":   id("GuideScreenAppointments"),
	"appointment":    id("GuideScreenAppointment"),
	"fullmaktScreen": id("GuideScreenFullmakt"),
	"settings":       id("GuideScreenSettings"),
	"help":           id("GuideScreenHelp"),
	"refusal":        id("GuideScreenRefusal"),
	kindPinScreen:    id("GuideScreenPin"),
	kindStaffPanel:   id("GuideScreenStaff"),
}

// screenTitle is the text of the first heading under o.
func screenTitle(o fyne.CanvasObject) string {
	var found string
	walkTree(o, true, func(o fyne.CanvasObject) bool {
		if l, ok := o.(*widget.Label); ok && found == "" && l.SizeName == theme.SizeNameHeadingText && strings.TrimSpace(l.Text) != "" {
			found = l.Text
		}
		return found == ""
	})
	return found
}

// focused is the widgets' Focus hook: a control got the focus, or its state or focused row changed.
func (k *Kiosk) focused(o fyne.CanvasObject) {
	k.reveal(o)
	if !k.guiding() {
		return
	}
	text := k.describe(o)
	if o == k.guide.lastFocus {
		text = k.describeChange(o)
	}
	k.guide.lastFocus = o
	k.say(text, k.guide.follows)
	k.guide.follows = false
}

// describe is what speech guidance says of a control: its kind, name and state ("Avkryssingsboks,
// samtykke, ikkje kryssa av").
func (k *Kiosk) describe(o fyne.CanvasObject) string {
	join := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), ".")); p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, ", ") + "."
	}
	unavailable := func(d bool) string {
		if d {
			return k.tr("GuideUnavailable")
		}
		return ""
	}
	switch o := o.(type) {
	case *widgets.Button:
		state := ""
		if o.Icon != nil { // a choice drawn as a button with a radio or tick mark (reasons to cancel, notices)
			switch o.Icon.Name() {
			case theme.RadioButtonCheckedIcon().Name(), theme.CheckButtonCheckedIcon().Name():
				state = k.tr("GuideSelected")
			case theme.RadioButtonIcon().Name(), theme.CheckButtonIcon().Name():
				state = k.tr("GuideNotSelected")
			}
		}
		return join(k.tr("GuideButton"), o.Text, state, unavailable(o.Disabled()))
	case *widgets.Tile:
		return join(k.tr("GuideButton"), o.Title, o.Detail)
	case *widgets.Check:
		return join(k.tr("GuideCheck"), o.Text, k.checkState(o))
	case *widgets.Entry:
		kind := k.tr("GuideEntry")
		if o.MultiLine {
			kind = k.tr("GuideEntryMultiLine")
		}
		if o.Password {
			return join(k.tr("GuidePassword"), o.SpokenLabel(), k.trn("GuideCharacters", len([]rune(o.Text))))
		}
		return join(kind, o.SpokenLabel(), k.entryState(o))
	case *widgets.Choice:
		return join(k.tr("GuideChoice"), o.SpokenLabel(), k.choiceState(o), k.tr("GuideChoiceHint"))
	case *widgets.RadioOption:
		g := o.Group()
		return join(k.tr("GuideRadio"), g.SpokenLabel(), o.Text(), k.radioState(o),
			k.trd("GuidePosition", map[string]any{"N": o.Index() + 1, "Of": len(g.Options)}))
	case *widgets.List:
		if o.Len() == 0 {
			return join(k.tr("GuideList"), o.SpokenLabel(), k.tr("GuideListEmpty"))
		}
		return join(k.tr("GuideList"), o.SpokenLabel(), k.trn("GuideRows", o.Len())) + " " + k.rowText(o)
	}
	return ""
}

// describeChange is what is said when a control already spoken changes: a check's new state, a choice, the
// list's new row.
func (k *Kiosk) describeChange(o fyne.CanvasObject) string {
	switch o := o.(type) {
	case *widgets.Check:
		return k.checkState(o) + "."
	case *widgets.Choice:
		return k.choiceState(o) + "."
	case *widgets.RadioOption:
		return o.Text() + ", " + k.radioState(o) + "."
	case *widgets.List:
		return k.rowText(o)
	}
	return k.describe(o)
}

func (k *Kiosk) checkState(c *widgets.Check) string {
	if c.Checked {
		return k.tr("GuideChecked")
	}
	return k.tr("GuideUnchecked")
}

func (k *Kiosk) entryState(e *widgets.Entry) string {
	if e.Text == "" {
		return k.tr("GuideEntryEmpty")
	}
	return e.Text
}

func (k *Kiosk) choiceState(c *widgets.Choice) string {
	if c.Selected == "" {
		return k.tr("GuideNothingChosen")
	}
	return k.trd("GuideChosen", map[string]any{"Value": c.Selected})
}

func (k *Kiosk) radioState(o *widgets.RadioOption) string {
	if o.Chosen() {
		return k.tr("GuideSelected")
	}
	return k.tr("GuideNotSelected")
}

// rowText is the list's focused row and where it is ("Heimesjukepleia, Ny tid for besøk, i går 14:05. 2 av
// 12.").
func (k *Kiosk) rowText(l *widgets.List) string {
	c := l.Current()
	if c < 0 {
		return ""
	}
	text := ""
	if l.RowText != nil {
		text = strings.TrimRight(strings.TrimSpace(l.RowText(c)), ".") + ". "
	}
	return text + k.trd("GuidePosition", map[string]any{"N": c + 1, "Of": l.Len()}) + "."
}

// typed is the entries' Typed hook: with guidance on, a letter is said as it is typed, and a word when a
// space or punctuation ends it; a deletion is said as such. A password's characters are never said.
func (k *Kiosk) typed(e *widgets.Entry, r rune) {
	if !k.guiding() {
		return
	}
	switch {
	case e.Password:
		k.speak(k.tr("GuideTypedHidden"))
	case r == '\b':
		k.speak(k.tr("GuideDeleted"))
	case unicode.IsSpace(r) || unicode.IsPunct(r):
		words := strings.FieldsFunc(e.Text[:min(len(e.Text), byteOffset(e.Text, e.CursorRow, e.CursorColumn))],
			func(c rune) bool { return unicode.IsSpace(c) || unicode.IsPunct(c) })
		if len(words) > 0 {
			k.speak(words[len(words)-1])
		} else if unicode.IsSpace(r) {
			k.speak(k.tr("GuideSpace"))
		}
	default:
		k.speak(string(r))
	}
}

// byteOffset is the byte offset in text of the cursor at row, column (in runes).
func byteOffset(text string, row, col int) int {
	off := 0
	for i, line := range strings.SplitAfter(text, "\n") {
		if i == row {
			n := 0
			for j := range line {
				if n == col {
					return off + j
				}
				n++
			}
			return off + len(line)
		}
		off += len(line)
	}
	return len(text)
}

// scanSoon looks for errors and notices that have just appeared, after the event being handled: what a tap,
// a key or a call's result shows is spoken once.
func (k *Kiosk) scanSoon() {
	if !k.guiding() || k.guide.scanDue {
		return
	}
	k.guide.scanDue = true
	k.do(func() {
		k.guide.scanDue = false
		k.scanLive()
	})
}

// scanLive speaks the errors and notices on screen that were not there at the last scan, after what is
// being said.
func (k *Kiosk) scanLive() {
	if !k.guiding() {
		return
	}
	now := k.liveTexts()
	var news []string
	for _, t := range k.liveOrder() {
		if !k.guide.live[t] {
			news = append(news, t)
		}
	}
	k.guide.live = now
	if len(news) > 0 {
		k.queue(strings.Join(news, "\n"))
	}
}

// liveTexts are the errors and notices on screen now.
func (k *Kiosk) liveTexts() map[string]bool {
	m := map[string]bool{}
	for _, t := range k.liveOrder() {
		m[t] = true
	}
	return m
}

// liveOrder lists the headings and subheadings (a title that comes with the screen's data, a thread's
// subject, or with a step of a form, "Kvifor vil du avlyse?"), the errors (labels in the danger colour) and notices (in the success colour, or marked
// with noticeLabel) shown
// now, in screen order, pop-ups first.
func (k *Kiosk) liveOrder() []string {
	var out []string
	live := func(o fyne.CanvasObject) bool {
		if l, ok := o.(*widget.Label); ok {
			if t := strings.TrimSpace(l.Text); t != "" && (l.Importance == widget.DangerImportance ||
				l.Importance == widget.SuccessImportance || l.SizeName == theme.SizeNameHeadingText ||
				l.SizeName == theme.SizeNameSubHeadingText || k.guide.notices[l]) {
				out = append(out, t)
			}
		}
		return true
	}
	for _, o := range k.win.Canvas().Overlays().List() {
		walkTree(o, true, live)
	}
	walkTree(k.win.Content(), true, live)
	return out
}

// noticeLabel marks l as a notice: speech guidance says it when it appears ("Du har fått ei ny melding").
func (k *Kiosk) noticeLabel(l *widget.Label) *widget.Label {
	if k.guide.notices == nil {
		k.guide.notices = map[*widget.Label]bool{}
	}
	k.guide.notices[l] = true
	return l
}

// startGuideHint says on the welcome screen s, every cfg.GuideHintEvery while nobody is logged in and
// guidance is off, how to start speech guidance.
func (k *Kiosk) startGuideHint(s screen) {
	k.stopGuideHint()
	every := k.cfgGuideHintEvery()
	if every <= 0 || !k.canSpeak() {
		return
	}
	k.guide.stopHint = k.every(every, k.forScreen(s), func(context.Context) func() {
		return func() {
			if k.sess == nil && !k.guide.on && k.canSpeak() {
				_ = k.disp.speaker.Say(k.ctx, k.lang, k.tr("GuideHint"))
			}
		}
	})
}

func (k *Kiosk) stopGuideHint() {
	if k.guide.stopHint != nil {
		k.guide.stopHint()
		k.guide.stopHint = nil
	}
}

// guideMarker is the frame's sign that speech is on, seen by whoever stands beside the citizen.
func (k *Kiosk) guideMarker(text string) fyne.CanvasObject {
	icon := widget.NewIcon(theme.VolumeUpIcon())
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return container.NewHBox(icon, l)
}

// idleWarned is the idle warning's sound and speech: a tone through the speech output, whether guidance
// is on or not (a warning in more than one sense), and with guidance the warning's text after it.
func (k *Kiosk) idleWarned(seconds int) {
	if !k.canSpeak() {
		return
	}
	_ = k.disp.speaker.Tone(k.ctx)
	if k.guiding() {
		k.guide.last = ""
		k.queue(k.tr("IdleTitle") + ". " + k.trn("IdleCountdown", seconds) + " " + k.tr("GuideMoreTime"))
	}
}

// cfgGuideKeys and cfgGuideHintEvery are the configuration's guide_keys and guide_hint_every.
func (k *Kiosk) cfgGuideKeys() []string           { return k.cfg.GuideKeys }
func (k *Kiosk) cfgGuideHintEvery() time.Duration { return k.cfg.GuideHintEvery }

// reveal scrolls the scroll containers that hold o so that o is in sight: Tab reaches controls below the
// fold, and whoever stands beside the citizen should see where the focus is.
func (k *Kiosk) reveal(o fyne.CanvasObject) {
	var path []fyne.CanvasObject
	for _, r := range append([]fyne.CanvasObject{k.win.Content()}, k.win.Canvas().Overlays().List()...) {
		if path = pathTo(r, o); path != nil {
			break
		}
	}
	slices.Reverse(path) // innermost first
	d := k.app.Driver()
	for _, n := range path {
		s, ok := n.(*container.Scroll)
		if !ok || s.Direction == container.ScrollHorizontalOnly || s.Direction == container.ScrollNone {
			continue
		}
		top := d.AbsolutePositionForObject(o).Y - d.AbsolutePositionForObject(s).Y
		off := s.Offset
		switch {
		case top < 0:
			off.Y += top
		case top+o.Size().Height > s.Size().Height:
			off.Y += min(top, top+o.Size().Height-s.Size().Height)
		default:
			continue
		}
		s.ScrollToOffset(off)
	}
}
