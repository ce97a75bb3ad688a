package ui

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// home is the tile menu: Meldingar (with the unread count), Avtalar (with the next one), Innstillingar and
// Hjelp, each only when the person's scopes allow it. Both counts come from one call (the overview), so
// home is two API calls after login (Me, then this); while home is shown it looks for new messages every
// pollInterval.
type home struct {
	k            *Kiosk
	sess         *session
	messages     *widgets.Tile
	appointments *widgets.Tile
	showNotice   func(int)
	stopPoll     func()
}

func newHome(k *Kiosk, sess *session) *home { return &home{k: k, sess: sess} }

func (s *home) buildUI() fyne.CanvasObject {
	k := s.k
	title := heading(k.tr("HomeHeading"))
	grid := container.NewGridWithColumns(2)
	if s.sess.may(api.Messages) {
		s.messages = widgets.NewTile(k.hooks, k.tr("TileMessages"), k.tr("Loading"), theme.MailComposeIcon(), func() { k.show(newInbox(k, s.sess)) })
		grid.Add(s.messages)
	}
	if s.sess.may(api.Appointments) {
		s.appointments = widgets.NewTile(k.hooks, k.tr("TileAppointments"), k.tr("Loading"), theme.HistoryIcon(), func() { k.show(newAppointments(k, s.sess)) })
		grid.Add(s.appointments)
	}
	if s.sess.may(api.Settings) {
		grid.Add(widgets.NewTile(k.hooks, k.tr("TileSettings"), k.tr("TileSettingsDetail"), theme.SettingsIcon(), func() { k.show(newSettings(k, s.sess)) }))
	}
	grid.Add(widgets.NewTile(k.hooks, k.tr("TileFullmakt"), k.tr("TileFullmaktDetail"), theme.AccountIcon(), func() { k.show(newFullmakt(k, s.sess)) }))
	grid.Add(widgets.NewTile(k.hooks, k.tr("TileHelp"), k.trd("TileHelpDetail", map[string]any{"Phone": HelpLine}), theme.HelpIcon(), func() { k.show(newHelp(k)) }))
	if len(grid.Objects) > 4 {
		grid.Layout = layout.NewGridLayoutWithColumns(3) // five or six tiles in two rows: fits a 1280x800 screen
	}
	var switchPerson fyne.CanvasObject
	if len(s.sess.me.Persons) > 1 { // beside the heading: the tiles keep the height of the screen
		switchPerson = container.NewCenter(widgets.NewIconButton(k.hooks, k.tr("SwitchPerson"), theme.AccountIcon(), func() { k.show(newChoosePerson(k, s.sess)) }))
	}
	top := container.NewVBox(container.NewBorder(nil, nil, nil, switchPerson, title))
	var notice fyne.CanvasObject
	notice, s.showNotice = k.newNotice()
	top.Add(notice)
	if s.messages != nil || s.appointments != nil {
		s.load()
		s.stopPoll = k.poll(s, s.check())
	}
	// In a scroll: at «Ekstra stor» on a 1280×800 screen two rows of tiles are taller than the room left.
	return readingBorder(top, nil, k.scrolled(grid))
}

// load fills the tiles from the overview.
func (s *home) load() {
	k := s.k
	sess, pid := s.sess.api, s.sess.personID()
	k.async(s, func(ctx context.Context) func() {
		o, err := sess.Overview(ctx, pid)
		return func() {
			if err != nil {
				if k.handleUnauthorized(err) {
					return
				}
				for _, t := range []*widgets.Tile{s.messages, s.appointments} {
					if t != nil {
						t.SetDetail(k.errText(err))
					}
				}
				return
			}
			s.show(o)
		}
	})
}

// check makes one poll of the overview; a failed poll leaves the tiles as they are.
func (s *home) check() func(ctx context.Context) func() {
	sess, pid := s.sess.api, s.sess.personID()
	return func(ctx context.Context) func() {
		o, err := sess.Overview(ctx, pid)
		if err != nil {
			return nil
		}
		return func() { s.show(o) }
	}
}

func (s *home) show(o *api.Overview) {
	k := s.k
	if s.messages != nil && o.UnreadCount != nil {
		n := *o.UnreadCount
		s.showNotice(s.sess.seeUnread(n))
		if n == 0 {
			s.messages.SetDetail(k.tr("NoUnread"))
		} else {
			s.messages.SetDetail(k.trn("UnreadCount", n))
		}
	}
	if s.appointments != nil {
		s.appointments.SetDetail(k.nextAppointmentText(o.NextAppointment))
	}
}

// nextAppointmentText is "I morgon 08:00–10:00, heimesjukepleie", or that there is none.
func (k *Kiosk) nextAppointmentText(a *api.Appointment) string {
	if a == nil {
		return k.tr("MsgNoNextAppointment")
	}
	return capitalize(k.trd("MsgNextAppointment", map[string]any{
		"Day":     k.dayWords(a.Start, k.now()),
		"From":    k.clock(a.Start),
		"To":      k.clock(a.End),
		"Service": lowerFirst(k.serviceName(a.Service)),
	}))
}

// lowerFirst lower-cases the first letter of a service name inside a sentence ("Heimesjukepleie" ->
// "heimesjukepleie"), unless the name is an abbreviation ("NAV").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return strings.ToLower(string(r)) + s[n:]
}

func (s *home) stop() {
	if s.stopPoll != nil {
		s.stopPoll()
	}
}

func (s *home) kind() string { return kindHome }
