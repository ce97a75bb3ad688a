package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// messageScreen shows one message (loading, or a translated error), with "Prøv igjen" when retry is set.
// Fyne's own dialogs are English-only, so the kiosk uses this instead.
type messageScreen struct {
	k     *Kiosk
	text  string
	retry func()
}

func newMessageScreen(k *Kiosk, text string, retry func()) *messageScreen {
	return &messageScreen{k: k, text: text, retry: retry}
}

func (s *messageScreen) buildUI() fyne.CanvasObject {
	msg := subheading(s.text)
	msg.Alignment = fyne.TextAlignCenter
	box := container.NewVBox(layout.NewSpacer(), msg)
	if s.retry != nil {
		box.Add(container.NewCenter(widgets.NewPrimaryButton(s.k.hooks, s.k.tr("TryAgain"), s.retry)))
	}
	if s.k.sess == nil {
		box.Add(container.NewCenter(widgets.NewButton(s.k.hooks, s.k.tr("BackToStart"), func() { s.k.logout(logoutCitizen) })))
	}
	box.Add(layout.NewSpacer())
	return box
}

func (s *messageScreen) stop() {}

func (s *messageScreen) kind() string { return "messageScreen" }
