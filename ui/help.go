package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// help tells where to get help: staff at the service centre, and the help line.
type help struct {
	k *Kiosk
}

func newHelp(k *Kiosk) *help { return &help{k: k} }

func (s *help) buildUI() fyne.CanvasObject {
	k := s.k
	phone := heading(HelpLine)
	return k.scrolled(container.NewVBox(
		heading(k.tr("HelpHeading")),
		para(k.tr("HelpStaff")),
		subheading(k.tr("HelpLineTitle")),
		phone,
		para(k.tr("HelpLineHours")),
		para(k.tr("HelpUrgent")),
	))
}

func (s *help) stop() {}

func (s *help) kind() string { return "help" }
