package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// frame puts the parts every screen shares around body: the DEMO banner in demo mode, and after login the
// "on behalf of" banner and a top bar with Home and Logg ut.
func (k *Kiosk) frame(body fyne.CanvasObject) fyne.CanvasObject {
	top := container.NewVBox()
	if k.cfg.Demo {
		top.Add(widgets.NewMarker(k.tr("DemoBanner"), kt.Colors().Demo))
	}
	if k.sess == nil {
		top.Add(k.statusBanner()) // "the service is unavailable" while the backend does not answer
	}
	if k.sess != nil {
		if k.sess.actingForOther() {
			top.Add(widgets.NewBanner(k.trd("ActingFor", map[string]any{"Name": k.sess.personName()}), kt.Colors().ActingFor))
		}
		top.Add(k.topBar())
		top.Add(widget.NewSeparator())
	}
	top.Add(k.helpNote())      // «Ein tilsett kjem til deg.», large, above the content
	bottom := k.keyboardSlot() // hidden until a text field has the focus: takes no room (nor padding) till then
	if k.sess == nil {
		// Before login the "Aa" choice and "Be om hjelp" share a bar at the bottom (after login: the top bar).
		bottom = container.NewVBox(container.New(layout.NewCustomPaddedLayout(0, 12, 24, 24),
			container.NewHBox(k.displayButton(), layout.NewSpacer(), k.guideSlot(), layout.NewSpacer(), k.helpSlot())), bottom)
	}
	bg := canvas.NewRectangle(kt.Colors().Background)
	// The objects in reading order (top, body, bottom): Fyne's focus order is the tree's order, and
	// container.NewBorder would put the body first.
	padded := container.New(layout.NewCustomPaddedLayout(16, 16, 32, 32), body)
	k.disp.bodyPad = padded
	return container.NewStack(bg, container.New(layout.NewBorderLayout(top, bottom, nil, nil), top, padded, bottom))
}

func (k *Kiosk) topBar() fyne.CanvasObject {
	const padX = 24
	var left fyne.CanvasObject
	if k.guiding() { // in the name's place: the bar is no wider with it
		left = k.guideMarker(k.tr("GuideOnShort"))
	} else {
		name := widget.NewLabel("Helsekiosk")
		name.TextStyle = fyne.TextStyle{Bold: true}
		left = name
	}
	bl := &topBarLayout{width: func() float32 { return k.win.Canvas().Size().Width - 2*padX }}
	var who fyne.CanvasObject = container.NewHBox()
	if me := k.sess.me; me != nil {
		// Never cut: «Innlogga: Ingrid Haugen», or where the row is short of room the name alone after a
		// person icon, and the bar moves the other buttons to a row below before it cuts anything.
		bl.long = widget.NewLabel(k.trd("LoggedInAs", map[string]any{"Name": me.Citizen.Name}))
		name := widget.NewLabel(me.Citizen.Name)
		bl.short = container.NewHBox(widget.NewIcon(theme.AccountIcon()), name)
		bl.short.Hide()
		who = container.NewStack(bl.long, bl.short)
	}
	objs := []fyne.CanvasObject{left, who, k.helpSlot(), k.displayButton()}
	if k.cur.kind() != kindHome && k.sess.person != nil {
		objs = append(objs, widgets.NewIconButton(k.hooks, k.tr("Home"), theme.HomeIcon(), k.goHome))
	}
	objs = append(objs, widgets.NewIconButton(k.hooks, k.tr("Logout"), theme.LogoutIcon(), func() { k.logout(logoutCitizen) }))
	bar := container.New(bl, objs...)
	return container.New(layout.NewCustomPaddedLayout(4, 4, padX, padX), bar)
}

// topBarLayout lays the top bar out: objects are the brand (or the guidance marker), whom the citizen is
// logged in as, the buttons, and «Logg ut» last. In one row when it fits the window's width (width); when it
// does not, «Logg ut» keeps the first row with the name, and the brand and the other buttons flow onto the
// rows below, right-aligned. No control is pushed off the screen and the name is never cut, at any text size.
type topBarLayout struct {
	width       func() float32
	long, short fyne.CanvasObject // the name with «Innlogga:», and without; nil before Me is read
}

// useShort shows the name without «Innlogga:» (short) or with it, and says whether it changed.
func (l *topBarLayout) useShort(short bool) {
	if l.long == nil || l.short.Visible() == short {
		return
	}
	if short {
		l.long.Hide()
		l.short.Show()
	} else {
		l.short.Hide()
		l.long.Show()
	}
}

// rows places the objects at width w: the objects of each row. The brand is left out when there is no
// room for it (Layout hides it then).
func (l *topBarLayout) rows(objs []fyne.CanvasObject, w float32) (rows [][]fyne.CanvasObject) {
	gap := theme.Padding()
	if len(objs) < 3 {
		return [][]fyne.CanvasObject{objs}
	}
	brand, who, logout := objs[0], objs[1], objs[len(objs)-1]
	var buttons []fyne.CanvasObject
	for _, o := range objs[2 : len(objs)-1] {
		if o.Visible() {
			buttons = append(buttons, o)
		}
	}
	width := func(objs []fyne.CanvasObject) float32 {
		total := -gap
		for _, o := range objs {
			total += o.MinSize().Width + gap
		}
		return total
	}
	one := append(append([]fyne.CanvasObject{who}, buttons...), logout)
	l.useShort(false)
	if width(one)+gap+brand.MinSize().Width <= w {
		return [][]fyne.CanvasObject{append([]fyne.CanvasObject{brand}, one...)}
	}
	if width(one) <= w {
		return [][]fyne.CanvasObject{one}
	}
	if l.long != nil {
		l.useShort(true)
		if width(one) <= w {
			return [][]fyne.CanvasObject{one}
		}
		l.useShort(false)
	}
	rows = append(rows, []fyne.CanvasObject{who, logout})
	var row []fyne.CanvasObject
	used := float32(0)
	for _, o := range buttons {
		ow := o.MinSize().Width
		if len(row) > 0 && used+gap+ow > w {
			rows = append(rows, row)
			row, used = nil, 0
		}
		if len(row) > 0 {
			used += gap
		}
		row = append(row, o)
		used += ow
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

func rowHeight(row []fyne.CanvasObject) float32 {
	h := float32(0)
	for _, o := range row {
		h = max(h, o.MinSize().Height)
	}
	return h
}

func (l *topBarLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	gap := theme.Padding()
	minW := float32(0)
	for _, o := range objs[min(1, len(objs)):] { // the brand can go
		if o.Visible() {
			minW = max(minW, o.MinSize().Width)
		}
	}
	if len(objs) >= 2 && objs[1].Visible() {
		minW = max(minW, objs[1].MinSize().Width+gap+objs[len(objs)-1].MinSize().Width)
	}
	h := float32(0)
	rows := l.rows(objs, max(l.width(), minW))
	for i, r := range rows {
		if i > 0 {
			h += gap
		}
		h += rowHeight(r)
	}
	return fyne.NewSize(minW, h)
}

func (l *topBarLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	gap := theme.Padding()
	rows := l.rows(objs, size.Width)
	if len(objs) > 0 { // the brand, where it has room
		if shown := slices.Contains(rows[0], objs[0]); shown != objs[0].Visible() {
			if shown {
				objs[0].Show()
			} else {
				objs[0].Hide()
			}
		}
	}
	y := float32(0)
	for i, r := range rows {
		rh := rowHeight(r)
		place := func(o fyne.CanvasObject, x, w float32) {
			oh := o.MinSize().Height
			o.Resize(fyne.NewSize(w, oh))
			o.Move(fyne.NewPos(x, y+(rh-oh)/2))
		}
		// From the right: the buttons at their least width; in the first row the name takes what is left.
		x := size.Width
		last := 0 // the objects at the left: the brand (when it has room) and the name, in the first row
		if i == 0 && len(objs) > 1 {
			if at := slices.Index(r, objs[1]); at >= 0 {
				last = at + 1
			}
		}
		for j := len(r) - 1; j >= last; j-- {
			w := r[j].MinSize().Width
			x -= w
			place(r[j], x, w)
			x -= gap
		}
		lx := float32(0)
		for j := 0; j < last; j++ {
			w := r[j].MinSize().Width
			if j == last-1 {
				w = max(w, x-lx)
			}
			place(r[j], lx, w)
			lx += w + gap
		}
		y += rh + gap
	}
}

// vscroll is a vertical scroll of content, with the cue that says while more lies below («Meir nedanfor»):
// every screen's scroll has one (the layout rule, TestLayout). The second value is what the screen lays out.
func (k *Kiosk) vscroll(content fyne.CanvasObject) (*container.Scroll, fyne.CanvasObject) {
	s := container.NewVScroll(content)
	return s, widgets.NewScrollCue(s, k.tr("ScrollMore"))
}

// scrolled is vscroll for a screen that needs only what it lays out.
func (k *Kiosk) scrolled(content fyne.CanvasObject) fyne.CanvasObject {
	_, o := k.vscroll(content)
	return o
}

// shrinkable holds a list that may be shown lower than one row (it scrolls): on a short screen at a large
// text size the list gives way instead of pushing the screen past the window's foot.
func shrinkable(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(shrinkLayout{}, o)
}

type shrinkLayout struct{}

func (shrinkLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w := float32(0)
	for _, o := range objs {
		w = max(w, o.MinSize().Width)
	}
	return fyne.NewSize(w, 2*theme.Padding()+theme.TextSize()*2)
}

func (shrinkLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// heading returns a large bold title label.
func heading(text string) *widget.Label { return title(text, theme.SizeNameHeadingText) }

// subheading returns a medium bold label.
func subheading(text string) *widget.Label { return title(text, theme.SizeNameSubHeadingText) }

// title is a bold wrapping label in the text size named size.
func title(text string, size fyne.ThemeSizeName) *widget.Label {
	l := para(text)
	l.SizeName = size
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

// para returns a wrapping label: text shown exactly as given.
func para(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// errorLabel returns a hidden wrapping label in the error colour, for a translated error message.
func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.Hide()
	return l
}

// sayIn shows (or, with "", hides) text in l and lays out again the containers that hold it, so a label that
// appears pushes what is below it down instead of being drawn over it.
func sayIn(l *widget.Label, text string, body *fyne.Container, scroll *container.Scroll) {
	if l.Text == text && l.Visible() == (text != "") {
		return
	}
	showError(l, text)
	if body != nil {
		body.Refresh()
	}
	if scroll != nil {
		scroll.Refresh()
	}
}

func showError(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// readingBorder is container.NewBorder(top, bottom, nil, nil, center) with its objects in reading order
// (top, center, bottom), so that Tab goes down the screen: NewBorder puts the center first.
func readingBorder(top, bottom, center fyne.CanvasObject) *fyne.Container {
	var objs []fyne.CanvasObject
	for _, o := range []fyne.CanvasObject{top, center, bottom} {
		if o != nil {
			objs = append(objs, o)
		}
	}
	return container.New(layout.NewBorderLayout(top, bottom, nil, nil), objs...)
}

// guideSlot is the frame's sign that speech guidance is on (for whoever stands beside the citizen), in the
// bar the screen already has: no row of its own, so no screen grows taller with it. Empty when it is off.
func (k *Kiosk) guideSlot() fyne.CanvasObject {
	if !k.guiding() {
		return container.NewHBox()
	}
	return container.NewVBox(layout.NewSpacer(), k.guideMarker(k.tr("GuideOnMarker")), layout.NewSpacer())
}
