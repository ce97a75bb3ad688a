package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// help tells where to get help: a large «Hent ein tilsett» (the help request «Be om hjelp» makes), the
// service centre with its phone and opening hours when staff set them, and Helsenorge's help line (for the
// digital service), with whether it is open now.
type help struct {
	k *Kiosk
}

func newHelp(k *Kiosk) *help { return &help{k: k} }

func (s *help) buildUI() fyne.CanvasObject {
	k := s.k
	fetch := widgets.NewIconButton(k.hooks, k.tr("HelpFetchStaff"), theme.AccountIcon(), k.callStaff)
	fetch.Importance = widget.HighImportance
	if k.ops.help.id != "" || k.ops.help.sending {
		fetch.Disable() // «Ein tilsett kjem til deg.» is said above the screen
	}
	box := container.NewVBox(
		heading(k.tr("HelpHeading")),
		para(k.tr("HelpStaff")),
		container.NewGridWrap(fyne.NewSize(420, 80), fetch),
	)
	if c := k.cfg; c.CentrePhone != "" {
		name := c.CentreName
		if name == "" {
			name = k.tr("HelpCentre")
		}
		box.Add(subheading(name))
		box.Add(heading(c.CentrePhone))
		if c.CentreHours != "" {
			box.Add(para(k.centreStatus()))
		}
	}
	box.Add(subheading(k.tr("HelpLineTitle")))
	status := para(k.helpLineStatus())
	if helpLineOpen(k.now()) {
		box.Add(heading(HelpLine))
	}
	box.Add(status)
	box.Add(para(k.tr("HelpUrgent")))
	return k.scrolled(box)
}

// centreStatus says whether the service centre is open now (its hours on working days), and when closed
// points to the desk and the help request.
func (k *Kiosk) centreStatus() string {
	opens, closes, err := config.ParseHours(k.cfg.CentreHours)
	if err != nil {
		return ""
	}
	t := k.now().In(workdays.Oslo)
	m := t.Hour()*60 + t.Minute()
	hours := map[string]any{"Hours": k.cfg.CentreHours}
	if workdays.IsWorkingDay(t) && m >= opens && m < closes {
		return k.trd("HelpCentreOpen", hours)
	}
	return k.trd("HelpCentreClosed", hours)
}

func (s *help) stop() {}

func (s *help) kind() string { return "help" }
