package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/datefmt"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// appointmentDays is how far ahead the appointments screen looks; appointmentPastDays how far back.
const (
	appointmentDays     = 21
	appointmentPastDays = 21
)

// appointments lists the person's appointments under large day headings ("I dag", "I morgon",
// "Torsdag 26. november"): upcoming ones from today for three weeks, or past ones (newest first) for the
// last three weeks. Each row shows the time window, the service, the place, the staff role and the status;
// tapping a row opens the appointment (cancel, ask to change).
type appointments struct {
	k    *Kiosk
	sess *session
	past bool // showing past appointments

	status   *widget.Label
	list     *fyne.Container // holds the loaded list (or nothing while loading)
	upcoming *widgets.Button
	earlier  *widgets.Button

	all  []api.Appointment
	rows []apptRow
	view *widgets.List
}

// apptRow is one row of the list: a day heading, or an appointment.
type apptRow struct {
	day  string
	appt *api.Appointment
}

func newAppointments(k *Kiosk, sess *session) *appointments { return &appointments{k: k, sess: sess} }

// newAppointmentsPast opens the list on the past appointments.
func newAppointmentsPast(k *Kiosk, sess *session, past bool) *appointments {
	return &appointments{k: k, sess: sess, past: past}
}

func (s *appointments) buildUI() fyne.CanvasObject {
	k := s.k
	s.status = para(k.tr("Loading"))
	s.list = container.NewStack()
	s.upcoming = widgets.NewButton(k.hooks, k.tr("ApptUpcoming"), func() { s.setPast(false) })
	s.earlier = widgets.NewButton(k.hooks, k.tr("ApptPast"), func() { s.setPast(true) })
	s.markTabs()
	s.load()
	head := container.NewBorder(nil, nil, nil, container.NewHBox(s.upcoming, s.earlier), heading(k.tr("TileAppointments")))
	top := container.NewVBox(head, s.status)
	return readingBorder(top, nil, shrinkable(s.list))
}

func (s *appointments) markTabs() {
	for _, b := range []*widgets.Button{s.upcoming, s.earlier} {
		b.Importance = widget.MediumImportance
		b.Icon = nil
	}
	on := s.upcoming
	if s.past {
		on = s.earlier
	}
	on.Importance = widget.HighImportance
	on.Icon = theme.ConfirmIcon()
	s.upcoming.Refresh()
	s.earlier.Refresh()
}

func (s *appointments) setPast(past bool) {
	if s.past == past {
		return
	}
	s.past = past
	s.markTabs()
	if s.all != nil {
		s.fill()
	}
}

// today is midnight today in Europe/Oslo, by the kiosk's clock.
func (k *Kiosk) today() time.Time {
	now := k.now().In(k.oslo)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, k.oslo)
}

func (s *appointments) load() {
	k := s.k
	sess, pid := s.sess.api, s.sess.personID()
	today := k.today()
	from := today.AddDate(0, 0, -appointmentPastDays)
	to := today.AddDate(0, 0, appointmentDays+1)
	k.async(s, func(ctx context.Context) func() {
		list, err := sess.Appointments(ctx, pid, from, to)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
				}
				return
			}
			s.all = list
			s.fill()
		}
	})
}

// groupAppointments sorts list into day groups: upcoming (today and later, earliest first) or past (before
// today, latest day first, each day's visits in time order). Each group starts with a day heading row.
func (k *Kiosk) groupAppointments(list []api.Appointment, past bool) []apptRow {
	today := k.today()
	var pick []api.Appointment
	for _, a := range list {
		if a.Start.In(k.oslo).Before(today) == past {
			pick = append(pick, a)
		}
	}
	slices.SortStableFunc(pick, func(a, b api.Appointment) int {
		da, db := dayOf(a.Start, k.oslo), dayOf(b.Start, k.oslo)
		if !da.Equal(db) {
			if past {
				return db.Compare(da)
			}
			return da.Compare(db)
		}
		return a.Start.Compare(b.Start)
	})
	var rows []apptRow
	var last time.Time
	for i := range pick {
		d := dayOf(pick[i].Start, k.oslo)
		if i == 0 || !d.Equal(last) {
			rows = append(rows, apptRow{day: k.dayLabel(pick[i].Start)})
			last = d
		}
		rows = append(rows, apptRow{appt: &pick[i]})
	}
	return rows
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// dayLabel is "I dag", "I morgon", "I går" or "Torsdag 26. november".
func (k *Kiosk) dayLabel(t time.Time) string {
	today := k.today()
	switch d := dayOf(t, k.oslo); {
	case d.Equal(today):
		return k.tr("ApptToday")
	case d.Equal(today.AddDate(0, 0, 1)):
		return k.tr("ApptTomorrow")
	case d.Equal(today.AddDate(0, 0, -1)):
		w, _ := datefmt.RelativeDay(k.lang, t, k.now())
		return capitalize(w)
	}
	return capitalize(k.longDate(t))
}

func (s *appointments) fill() {
	k := s.k
	s.rows = k.groupAppointments(s.all, s.past)
	s.list.RemoveAll()
	s.view = nil
	if len(s.rows) == 0 {
		if s.past {
			s.status.SetText(k.tr("ApptNonePast"))
		} else {
			s.status.SetText(k.tr("AppointmentsNone"))
		}
		return
	}
	if s.past {
		s.status.SetText(k.tr("ApptIntroPast"))
	} else {
		s.status.SetText(k.tr("AppointmentsIntro"))
	}
	items := map[fyne.CanvasObject]*apptItem{}
	s.view = widgets.NewList(k.hooks, k.tr("TileAppointments"),
		func() int { return len(s.rows) },
		func() fyne.CanvasObject {
			it := newApptItem()
			items[it.root] = it
			return it.root
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if it := items[o]; it != nil && i < len(s.rows) {
				it.set(k, s.rows[i])
			}
		},
	)
	s.view.HideSeparators = true
	s.view.RowText = s.rowText
	probe := newApptItem()
	probe.set(k, apptRow{day: "X"})
	dayH := probe.root.MinSize().Height
	probe.set(k, apptRow{appt: &api.Appointment{Start: k.now(), End: k.now()}})
	cardH := probe.root.MinSize().Height
	for i, r := range s.rows {
		if r.appt == nil {
			s.view.SetItemHeight(i, dayH)
		} else {
			s.view.SetItemHeight(i, cardH)
		}
	}
	s.view.OnSelected = func(i widget.ListItemID) {
		s.view.UnselectAll()
		if i < len(s.rows) && s.rows[i].appt != nil {
			k.show(newAppointment(k, s.sess, *s.rows[i].appt, s.past))
		}
	}
	s.list.Add(s.view)
}

// open shows the appointment with id, if listed (for tests and the detail's back link).
func (s *appointments) open(id string) bool {
	for i, r := range s.rows {
		if r.appt != nil && r.appt.Id == id {
			s.view.Select(i)
			return true
		}
	}
	return false
}

// apptItem is one list row's widgets: a day heading, or an appointment card.
type apptItem struct {
	root    *fyne.Container
	day     *widget.Label
	card    *fyne.Container
	when    *widget.Label
	service *widget.Label
	place   *widget.Label
	state   *widget.Label
	icon    *widget.Icon
}

func newApptItem() *apptItem {
	it := &apptItem{}
	it.day = widget.NewLabel("")
	it.day.SizeName = theme.SizeNameHeadingText
	it.day.TextStyle = fyne.TextStyle{Bold: true}
	it.day.Truncation = fyne.TextTruncateEllipsis
	it.when = widget.NewLabel("")
	it.when.SizeName = theme.SizeNameSubHeadingText
	it.when.TextStyle = fyne.TextStyle{Bold: true}
	it.service = widget.NewLabel("")
	it.service.TextStyle = fyne.TextStyle{Bold: true}
	it.service.Truncation = fyne.TextTruncateEllipsis
	it.place = widget.NewLabel("")
	it.place.Truncation = fyne.TextTruncateEllipsis
	it.state = widget.NewLabel("")
	it.state.TextStyle = fyne.TextStyle{Bold: true}
	it.icon = widget.NewIcon(nil)
	bg := canvas.NewRectangle(kt.Colors().Surface)
	bg.CornerRadius = 12
	right := container.NewHBox(it.icon, it.state, widget.NewIcon(theme.NavigateNextIcon()))
	mid := container.NewVBox(it.service, it.place)
	row := container.NewBorder(nil, nil, container.NewCenter(it.when), container.NewCenter(right), mid)
	it.card = container.New(layout.NewCustomPaddedLayout(4, 4, 0, 0), container.NewStack(bg, container.NewPadded(row)))
	it.root = container.NewStack(container.New(layout.NewCustomPaddedLayout(12, 0, 0, 0), it.day), it.card)
	return it
}

func (it *apptItem) set(k *Kiosk, r apptRow) {
	if r.appt == nil {
		it.day.SetText(r.day)
		it.day.Show()
		it.card.Hide()
		it.root.Refresh()
		return
	}
	a := r.appt
	it.day.Hide()
	it.card.Show()
	it.when.SetText(k.trd("TimeWindow", map[string]any{"From": k.clock(a.Start), "To": k.clock(a.End)}))
	it.service.SetText(k.serviceName(a.Service))
	it.place.SetText(k.placeLine(*a))
	text, imp, icon := k.apptState(*a)
	it.state.SetText(text)
	it.state.Importance = imp
	it.state.Refresh()
	it.icon.SetResource(icon)
	if icon == nil {
		it.icon.Hide()
	} else {
		it.icon.Show()
	}
	it.root.Refresh() // the labels' new widths: lay the row out again
}

// placeLine is "Heimebesøk · sjukepleiar" or the address and the staff role.
func (k *Kiosk) placeLine(a api.Appointment) string {
	place := k.tr("HomeVisit")
	if !a.HomeVisit && a.Address != nil && *a.Address != "" {
		place = *a.Address
	}
	switch {
	case a.StaffName != nil && strings.TrimSpace(*a.StaffName) != "":
		who := strings.TrimSpace(*a.StaffName)
		if a.StaffRole != nil && *a.StaffRole != "" {
			who += ", " + *a.StaffRole
		}
		place += "  ·  " + who
	case a.StaffRole != nil && *a.StaffRole != "":
		place += "  ·  " + capitalize(*a.StaffRole)
	}
	return place
}

// apptState is the status as shown on a card: a request waiting for an answer first ("Avlysing sendt"),
// then the status, with the time a completed visit was done ("Utført 09:12"). A cancelled or missed visit
// is said in words, with an icon, not by colour alone.
func (k *Kiosk) apptState(a api.Appointment) (string, widget.Importance, fyne.Resource) {
	if a.Status == api.Booked && a.PendingRequest != nil {
		switch *a.PendingRequest {
		case api.AppointmentPendingRequestCancellation:
			return k.tr("ApptCancellationSent"), widget.WarningImportance, theme.MailSendIcon()
		case api.AppointmentPendingRequestChange:
			return k.tr("ApptChangeSent"), widget.WarningImportance, theme.MailSendIcon()
		}
	}
	switch a.Status {
	case api.Fulfilled:
		if a.CompletedAt != nil {
			return k.trd("ApptDoneAt", map[string]any{"Time": k.clock(*a.CompletedAt)}), widget.SuccessImportance, theme.ConfirmIcon()
		}
		return k.tr("StatusFulfilled"), widget.SuccessImportance, theme.ConfirmIcon()
	case api.Cancelled:
		if a.CancelledBy != nil {
			switch *a.CancelledBy {
			case api.AppointmentCancelledByService:
				return k.tr("ApptCancelledByService"), widget.DangerImportance, theme.CancelIcon()
			case api.AppointmentCancelledByCitizen:
				return k.tr("ApptCancelledAsAsked"), widget.DangerImportance, theme.CancelIcon()
			}
		}
		return k.tr("StatusCancelled"), widget.DangerImportance, theme.CancelIcon()
	case api.Noshow:
		return k.tr("StatusNoshow"), widget.DangerImportance, theme.WarningIcon()
	}
	return k.tr("StatusBooked"), widget.MediumImportance, nil
}

func (s *appointments) stop() {}

func (s *appointments) kind() string { return "appointments" }

// rowText is what speech guidance says of row i: a day's heading, or an appointment with its day, time,
// service, place and status.
func (s *appointments) rowText(i widget.ListItemID) string {
	if i < 0 || i >= len(s.rows) {
		return ""
	}
	r := s.rows[i]
	if r.appt == nil {
		return r.day
	}
	day := ""
	for j := i - 1; j >= 0; j-- {
		if s.rows[j].appt == nil {
			day = s.rows[j].day
			break
		}
	}
	k, a := s.k, r.appt
	state, _, _ := k.apptState(*a)
	return strings.Join([]string{day, k.trd("TimeWindow", map[string]any{"From": k.clock(a.Start), "To": k.clock(a.End)}),
		k.serviceName(a.Service), k.placeLine(*a), state}, ". ")
}
