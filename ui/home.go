package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// home is the tile menu: Meldingar (with the unread count), Avtalar, Innstillingar and Hjelp, each only
// when the person's scopes allow it.
type home struct {
	k        *Kiosk
	messages *widgets.Tile
	tiles    []*widgets.Tile
}

func newHome(k *Kiosk) *home { return &home{k: k} }

func (s *home) buildUI() fyne.CanvasObject {
	k := s.k
	title := heading(k.tr("HomeHeading"))
	grid := container.NewGridWithColumns(3) // up to six tiles in two rows: fits a 1280x800 screen
	if k.may(api.Messages) {
		s.messages = widgets.NewTile(k.tr("TileMessages"), k.tr("Loading"), theme.MailComposeIcon(), func() { k.show(newInbox(k)) })
		grid.Add(s.messages)
		s.loadUnread()
	}
	if k.may(api.Appointments) {
		grid.Add(widgets.NewTile(k.tr("TileAppointments"), k.tr("TileAppointmentsDetail"), theme.HistoryIcon(), func() { k.show(newAppointments(k)) }))
	}
	if k.may(api.Settings) {
		grid.Add(widgets.NewTile(k.tr("TileSettings"), k.tr("TileSettingsDetail"), theme.SettingsIcon(), func() { k.show(newSettings(k)) }))
	}
	grid.Add(widgets.NewTile(k.tr("TileFullmakt"), k.tr("TileFullmaktDetail"), theme.AccountIcon(), func() { k.show(newFullmakt(k)) }))
	grid.Add(widgets.NewTile(k.tr("TileHelp"), k.trd("TileHelpDetail", map[string]any{"Phone": HelpLine}), theme.HelpIcon(), func() { k.show(newHelp(k)) }))
	top := container.NewVBox(title)
	if len(k.me.Persons) > 1 {
		top.Add(container.NewHBox(widgets.NewIconButton(k.tr("SwitchPerson"), theme.AccountIcon(), func() { k.show(newChoosePerson(k)) })))
	}
	return container.NewBorder(top, nil, nil, nil, grid)
}

// loadUnread fills the Meldingar tile with the unread count from the first page of threads.
func (s *home) loadUnread() {
	k := s.k
	sess, pid := k.sess, k.person.Person.Id
	k.async(s, func(ctx context.Context) func() {
		page, err := sess.Threads(ctx, pid, "", 1)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.messages.SetDetail(k.errText(err))
				}
				return
			}
			if page.UnreadCount == 0 {
				s.messages.SetDetail(k.tr("NoUnread"))
			} else {
				s.messages.SetDetail(k.trn("UnreadCount", page.UnreadCount))
			}
		}
	})
}

func (s *home) stop() {}
