package ui

import (
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
		top.Add(widgets.NewBanner(k.tr("DemoBanner"), kt.Colors().Demo))
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
	return container.NewStack(bg, container.New(layout.NewBorderLayout(top, bottom, nil, nil), top, padded, bottom))
}

func (k *Kiosk) topBar() fyne.CanvasObject {
	name := widget.NewLabel("Helsekiosk")
	name.TextStyle = fyne.TextStyle{Bold: true}
	var who fyne.CanvasObject
	if me := k.sess.me; me != nil {
		l := widget.NewLabel(k.trd("LoggedInAs", map[string]any{"Name": me.Citizen.Name}))
		l.Truncation = fyne.TextTruncateEllipsis                           // gives way to the buttons at large text sizes
		who = container.NewVBox(layout.NewSpacer(), l, layout.NewSpacer()) // centred on the buttons' height
	}
	right := container.NewHBox(k.helpSlot(), k.displayButton())
	if k.cur.kind() != kindHome && k.sess.person != nil {
		right.Add(widgets.NewIconButton(k.hooks, k.tr("Home"), theme.HomeIcon(), k.goHome))
	}
	right.Add(widgets.NewIconButton(k.hooks, k.tr("Logout"), theme.LogoutIcon(), func() { k.logout(logoutCitizen) }))
	var left fyne.CanvasObject = container.NewVBox(layout.NewSpacer(), name, layout.NewSpacer())
	if k.guiding() { // in the name's place: the bar is no wider with it
		left = container.NewVBox(layout.NewSpacer(), k.guideMarker(k.tr("GuideOnShort")), layout.NewSpacer())
	}
	return container.New(layout.NewCustomPaddedLayout(4, 4, 24, 24), container.NewBorder(nil, nil, left, right, who))
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
