package ui

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// apptCommentMax is the longest comment or wish the contract takes.
const apptCommentMax = 500

// maxProposals is how many alternative times a change request may propose.
const maxProposals = 3

// proposalDays is how many days ahead (from tomorrow) the change request's day picker offers.
const proposalDays = 14

// proposalWindows are the time windows a change request may propose (hours, Europe/Oslo).
var proposalWindows = [][2]int{{8, 10}, {10, 12}, {12, 14}, {14, 16}, {16, 18}}

// The parts of the appointment screen.
type apptMode int

const (
	apptView     apptMode = iota // the appointment, with Avlys and Be om å endre
	apptCancel                   // choose a reason
	apptConfirm                  // confirm the cancellation
	apptDeadline                 // too late to cancel here: call
	apptChange                   // propose times or write a wish
)

// appointment shows one appointment, and lets the citizen ask to cancel it (with a reason, confirmed) or ask
// to change it (up to three alternative times, or a wish). Both requests reach the service's message
// thread. A cancellation after the municipality's deadline is refused plainly, with the phone number.
// What was chosen and typed stays when sending fails, and so does the request's idempotency key.
type appointment struct {
	k    *Kiosk
	sess *session
	a    api.Appointment
	past bool // the list to go back to
	rule *api.CancellationRule
	mode apptMode

	body    *fyne.Container
	scroll  *container.Scroll
	actions *fyne.Container // the pinned bar below the scroll: the mode's error and buttons
	notice  *widget.Label   // a confirmation ("Avlysinga er send.")

	// the cancellation
	reason      api.CancellationRequestReason
	comment     *widgets.Entry
	commentHint *widget.Label
	cancelErr   *widget.Label
	cancelKey   client.IdempotencyKey
	sending     bool

	// the change request
	proposals []*proposal
	wish      *widgets.Entry
	changeErr *widget.Label
	changeKey client.IdempotencyKey
}

// proposal is one alternative time: a day and a time window (-1 when not chosen yet).
type proposal struct {
	day, window int
	daySel      *widgets.Choice
	winSel      *widgets.Choice
}

func newAppointment(k *Kiosk, sess *session, a api.Appointment, past bool) *appointment {
	return &appointment{k: k, sess: sess, a: a, past: past}
}

func (s *appointment) buildUI() fyne.CanvasObject {
	k := s.k
	s.body = container.NewVBox()
	s.actions = container.NewVBox()
	s.notice = para("")
	s.notice.TextStyle = fyne.TextStyle{Bold: true}
	s.notice.Importance = widget.SuccessImportance
	s.notice.Hide()
	s.comment = widgets.NewMultiLineEntry(k.hooks).SetLabel(k.tr("ApptCommentOptional"))
	s.comment.Wrapping = fyne.TextWrapWord
	s.comment.SetMinRowsVisible(2)
	s.comment.SetPlaceHolder(k.tr("ApptCommentPlaceholder"))
	s.commentHint = para("")
	s.cancelErr = errorLabel()
	s.wish = widgets.NewMultiLineEntry(k.hooks).SetLabel(k.tr("ApptWishLabel"))
	s.wish.Wrapping = fyne.TextWrapWord
	s.wish.SetMinRowsVisible(1)
	s.wish.SetPlaceHolder(k.tr("ApptWishPlaceholder"))
	s.changeErr = errorLabel()
	if len(s.proposals) == 0 { // built again (language, text size): the proposals are kept
		s.addProposal()
	}
	s.loadRule()
	s.refresh()
	back := widgets.NewIconButton(k.hooks, k.tr("ApptBackToList"), theme.NavigateBackIcon(), func() { k.show(newAppointmentsPast(k, s.sess, s.past)) })
	top := container.NewBorder(nil, nil, nil, back, heading(k.dayLabel(s.a.Start)))
	var scrolled fyne.CanvasObject
	s.scroll, scrolled = k.vscroll(container.NewVBox(s.notice, s.body))
	// The mode's actions (Avlys, Be om å endre, Gå vidare, Send ønsket) and their error stay in sight below
	// the scroll, whatever the text size.
	return readingBorder(top, s.actions, scrolled)
}

func (s *appointment) loadRule() {
	k := s.k
	sess := s.sess.api
	k.async(s, func(ctx context.Context) func() {
		r, err := sess.CancellationRule(ctx)
		if err != nil {
			return nil // the phone number falls back to the help line; the backend still enforces the rule
		}
		return func() {
			s.rule = r
			s.refresh()
		}
	})
}

// phone is whom to call to cancel after the deadline: the service's own phone (service_phones), else the
// service centre's, else what the backend's cancellation rule gives. Never Helsenorge's help line: it
// cannot cancel a municipal visit.
func (s *appointment) phone() string {
	if p := s.k.cfg.ServicePhones[s.a.Service.Code]; p != "" {
		return p
	}
	if p := s.k.cfg.CentrePhone; p != "" {
		return p
	}
	if s.rule != nil && s.rule.Phone != "" && s.rule.Phone != HelpLine {
		return s.rule.Phone
	}
	return ""
}

// callOr is call («… Ring {{.Phone}}.»), or desk («… Spør ein tilsett i skranken.») when there is no number.
func (s *appointment) callOr(call, desk string) string {
	if s.phone() == "" {
		return desk
	}
	return call
}

// deadlinePassed reports whether the kiosk's clock is past the appointment's cancellation deadline.
func (s *appointment) deadlinePassed() bool {
	return s.a.CancellableUntil == nil || !s.k.now().Before(*s.a.CancellableUntil)
}

func (s *appointment) setMode(m apptMode) {
	s.mode = m
	s.refresh()
}

// refresh rebuilds the body for the mode.
func (s *appointment) refresh() {
	s.body.RemoveAll()
	s.actions.RemoveAll()
	if s.mode == apptView {
		s.body.Add(s.card())
	} else {
		s.body.Add(s.summary()) // one line, so the form and its messages fit on the screen
	}
	switch s.mode {
	case apptView:
		s.viewActions()
	case apptCancel:
		s.cancelForm()
	case apptConfirm:
		s.confirmForm()
	case apptDeadline:
		s.deadlineInfo()
	case apptChange:
		s.changeForm()
	}
	s.body.Refresh()
	s.actions.Refresh()
	if s.scroll != nil {
		s.scroll.Refresh()
	}
}

// act puts the mode's error label and its row of buttons in the pinned bar below the scroll.
func (s *appointment) act(errLabel *widget.Label, row fyne.CanvasObject) {
	if errLabel != nil {
		s.actions.Add(errLabel)
	}
	s.actions.Add(row)
}

// card is the appointment: time window, service, place, staff role, status, description.
func (s *appointment) card() fyne.CanvasObject {
	k, a := s.k, s.a
	when := subheading(capitalize(k.longDate(a.Start)) + ", " + k.trd("TimeWindow", map[string]any{"From": k.clock(a.Start), "To": k.clock(a.End)}))
	service := widget.NewLabel(k.serviceName(a.Service))
	service.TextStyle = fyne.TextStyle{Bold: true}
	place := k.tr("HomeVisit")
	if !a.HomeVisit && a.Address != nil && *a.Address != "" {
		place = *a.Address
	}
	lines := container.NewVBox(when, service, para(k.trd("Place", map[string]any{"Place": place})))
	if who := k.whoComes(a); who != "" {
		lines.Add(para(who))
	}
	text, imp, icon := k.apptState(a)
	st := widget.NewLabel(k.trd("AppointmentStatus", map[string]any{"Status": text}))
	st.TextStyle = fyne.TextStyle{Bold: true}
	st.Importance = imp
	if icon != nil {
		lines.Add(container.NewHBox(widget.NewIcon(icon), st))
	} else {
		lines.Add(st)
	}
	if a.CancellationReason != nil && *a.CancellationReason != "" {
		lines.Add(para(k.trd("ApptCancelReason", map[string]any{"Reason": *a.CancellationReason})))
	}
	if a.Description != nil && *a.Description != "" {
		lines.Add(para(*a.Description))
	}
	if a.Status == api.Booked && a.PendingRequest != nil {
		switch *a.PendingRequest {
		case api.AppointmentPendingRequestCancellation:
			lines.Add(para(k.tr("PendingCancellation")))
		case api.AppointmentPendingRequestChange:
			lines.Add(para(k.tr("PendingChange")))
		}
	}
	if b := k.readAloud(func() string { return spokenText(lines) }); b != nil {
		lines.Objects[0] = container.NewBorder(nil, nil, nil, container.NewVBox(b), when)
	}
	bg := canvas.NewRectangle(kt.Colors().Surface)
	bg.CornerRadius = 12
	return container.NewStack(bg, container.NewPadded(lines))
}

// whoComes is "Kven kjem: Marit Lie, sjukepleiar" when the visit is assigned and the name not hidden, else
// "Kven kjem: Sjukepleiar" (the role only); "" when neither is known.
func (k *Kiosk) whoComes(a api.Appointment) string {
	role := ""
	if a.StaffRole != nil {
		role = strings.TrimSpace(*a.StaffRole)
	}
	if a.StaffName != nil && strings.TrimSpace(*a.StaffName) != "" {
		name := strings.TrimSpace(*a.StaffName)
		if role == "" {
			return k.trd("ApptStaffNameOnly", map[string]any{"Name": name})
		}
		return k.trd("ApptStaffNamed", map[string]any{"Name": name, "Role": role})
	}
	if role != "" {
		return k.trd("ApptStaff", map[string]any{"Role": capitalize(role)})
	}
	return ""
}

// summary is the appointment in one line: "Torsdag 26. november, kl. 08:00–10:00 · Heimesjukepleie".
func (s *appointment) summary() fyne.CanvasObject {
	k, a := s.k, s.a
	l := widget.NewLabel(capitalize(k.longDate(a.Start)) + ", " +
		k.trd("TimeWindow", map[string]any{"From": k.clock(a.Start), "To": k.clock(a.End)}) + "  ·  " + k.serviceName(a.Service))
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(kt.Colors().Surface)
	bg.CornerRadius = 12
	return container.NewStack(bg, l)
}

func (s *appointment) viewActions() {
	k, a := s.k, s.a
	if a.Status != api.Booked || a.End.Before(k.now()) {
		return
	}
	if a.PendingRequest != nil && *a.PendingRequest == api.AppointmentPendingRequestCancellation {
		return // asked to cancel already: the service answers in the messages
	}
	cancel := widgets.NewIconButton(k.hooks, k.tr("ApptCancel"), theme.CancelIcon(), func() {
		s.say(s.notice, "")
		if s.deadlinePassed() {
			s.setMode(apptDeadline)
			return
		}
		s.setMode(apptCancel)
	})
	change := widgets.NewIconButton(k.hooks, k.tr("ApptChange"), theme.HistoryIcon(), func() {
		s.say(s.notice, "")
		s.setMode(apptChange)
	})
	s.act(nil, container.NewGridWithColumns(2, cancel, change))
}

var cancelReasons = []struct {
	r  api.CancellationRequestReason
	id string
}{
	{api.Ill, id("ApptReasonIll")},
	{api.Hospital, id("ApptReasonHospital")},
	{api.Visitors, id("ApptReasonVisitors")},
	{api.Other, id("ApptReasonOther")},
}

func (s *appointment) reasonText(r api.CancellationRequestReason) string {
	for _, c := range cancelReasons {
		if c.r == r {
			return s.k.tr(c.id)
		}
	}
	return string(r)
}

func (s *appointment) cancelForm() {
	k := s.k
	s.body.Add(subheading(k.tr("ApptCancelHeading")))
	if s.a.CancellableUntil != nil {
		s.body.Add(para(k.trd("ApptCancelUntil", map[string]any{"Date": k.longDate(*s.a.CancellableUntil), "Time": k.clock(*s.a.CancellableUntil)})))
	}
	grid := container.NewGridWithColumns(2)
	for _, c := range cancelReasons {
		b := widgets.NewButton(k.hooks, k.tr(c.id), func() {
			s.reason = c.r
			s.say(s.cancelErr, "")
			s.refresh()
		})
		b.Alignment = widget.ButtonAlignLeading
		if s.reason == c.r {
			b.Importance = widget.HighImportance
			b.Icon = theme.RadioButtonCheckedIcon()
		} else {
			b.Icon = theme.RadioButtonIcon()
		}
		grid.Add(b)
	}
	s.body.Add(grid)
	if s.reason == api.Other {
		s.commentHint.SetText(k.tr("ApptCommentRequired"))
	} else {
		s.commentHint.SetText(k.tr("ApptCommentOptional"))
	}
	s.body.Add(s.commentHint)
	s.body.Add(s.comment)
	s.act(s.cancelErr, container.NewGridWithColumns(2,
		widgets.NewButton(k.hooks, k.tr("ApptGoBack"), func() { s.say(s.cancelErr, ""); s.setMode(apptView) }),
		widgets.NewPrimaryButton(k.hooks, k.tr("ApptNext"), s.checkCancel)))
}

// checkCancel checks the form at the kiosk, then asks for confirmation.
func (s *appointment) checkCancel() {
	k := s.k
	comment := strings.TrimSpace(s.comment.Text)
	switch {
	case s.reason == "":
		s.say(s.cancelErr, k.tr("ApptChooseReason"))
		return
	case s.reason == api.Other && comment == "":
		s.say(s.cancelErr, k.tr("ApptCommentMissing"))
		return
	case utf8.RuneCountInString(comment) > apptCommentMax:
		s.say(s.cancelErr, k.trd("ApptTooLong", map[string]any{"Count": utf8.RuneCountInString(comment), "Max": apptCommentMax}))
		return
	}
	s.say(s.cancelErr, "")
	s.setMode(apptConfirm)
}

func (s *appointment) confirmForm() {
	k, a := s.k, s.a
	s.body.Add(subheading(k.trd("ApptConfirmQuestion", map[string]any{
		"Date": k.longDate(a.Start),
		"Time": k.trd("TimeWindow", map[string]any{"From": k.clock(a.Start), "To": k.clock(a.End)}),
	})))
	s.body.Add(para(k.trd("ApptConfirmReason", map[string]any{"Reason": s.reasonText(s.reason)})))
	if c := strings.TrimSpace(s.comment.Text); c != "" {
		s.body.Add(para(c))
	}
	s.body.Add(para(k.tr("ApptConfirmThread")))
	send := widgets.NewPrimaryButton(k.hooks, k.tr("ApptConfirmYes"), s.sendCancel)
	if s.sending {
		send.Disable()
	}
	s.act(s.cancelErr, container.NewGridWithColumns(2,
		widgets.NewButton(k.hooks, k.tr("ApptConfirmNo"), func() { s.say(s.cancelErr, ""); s.setMode(apptCancel) }),
		send))
}

func (s *appointment) sendCancel() {
	k := s.k
	if s.sending {
		return
	}
	req := api.CancellationRequest{Reason: s.reason}
	if c := strings.TrimSpace(s.comment.Text); c != "" {
		req.Comment = &c
	}
	key := s.cancelKey.ForJSON(req)
	s.submit(s.cancelErr, func(ctx context.Context, sess *client.Session, pid, aid string) error {
		_, err := sess.RequestCancellation(ctx, pid, aid, key, req)
		return err
	}, func(err error) {
		switch client.CodeOf(err) {
		case string(api.CancellationDeadlinePassed):
			s.setMode(apptDeadline)
			return
		case string(api.NotCancellable):
			s.say(s.cancelErr, k.trd(s.callOr(id("ApptNotCancellable"), id("ApptNotCancellableDesk")), map[string]any{"Phone": s.phone()}))
		default:
			s.say(s.cancelErr, k.tr("ApptCancelFailed")+" "+k.errText(err))
		}
		s.refresh() // the reason, the comment and the key stay: trying again cannot send it twice
	}, func(fresh *api.Appointment) {
		s.cancelKey.Done()
		s.applySent(fresh, api.AppointmentPendingRequestCancellation)
		s.confirm(k.tr("ApptCancelDone"))
	})
}

// submit sends one request about the appointment in the background (send), then reads the appointment
// again and applies the outcome on the UI goroutine: failed on an error (an ended login logs out first),
// done with the appointment as the backend has it now (nil when it could not be read).
func (s *appointment) submit(errLabel *widget.Label, send func(ctx context.Context, sess *client.Session, pid, aid string) error,
	failed func(error), done func(fresh *api.Appointment)) {
	k := s.k
	sess, pid, aid := s.sess.api, s.sess.personID(), s.a.Id
	s.sending = true
	s.say(errLabel, "")
	s.refresh()
	k.async(s, func(ctx context.Context) func() {
		err := send(ctx, sess, pid, aid)
		var fresh *api.Appointment
		if err == nil {
			fresh, _ = sess.Appointment(ctx, pid, aid)
		}
		return func() {
			s.sending = false
			switch {
			case err == nil:
				done(fresh)
			case !k.handleUnauthorized(err):
				failed(err)
			}
		}
	})
}

// applySent shows the appointment as the backend has it after a request (or marks it locally when it
// could not be read again).
func (s *appointment) applySent(fresh *api.Appointment, kind api.AppointmentPendingRequest) {
	if fresh != nil && fresh.Id == s.a.Id {
		s.a = *fresh
	} else {
		s.a.PendingRequest = &kind
	}
	s.setMode(apptView)
}

func (s *appointment) deadlineInfo() {
	k, a := s.k, s.a
	if a.CancellableUntil != nil {
		s.body.Add(subheading(k.trd("ApptDeadlinePassed", map[string]any{"Date": k.longDate(*a.CancellableUntil), "Time": k.clock(*a.CancellableUntil)})))
	} else {
		s.body.Add(subheading(k.tr("ApptDeadlinePassedNoDate")))
	}
	if s.phone() == "" { // no number set for the service or the centre: the desk
		s.body.Add(para(k.tr("ApptAskDesk")))
	} else {
		s.body.Add(para(k.tr("ApptCallInstead")))
		phone := widget.NewLabel(s.phone())
		phone.SizeName = theme.SizeNameHeadingText
		phone.TextStyle = fyne.TextStyle{Bold: true}
		s.body.Add(container.NewHBox(widget.NewIcon(theme.InfoIcon()), phone))
	}
	s.act(nil, container.NewHBox(widgets.NewButton(k.hooks, k.tr("ApptGoBack"), func() { s.setMode(apptView) })))
}

// ---- change request ----

func (s *appointment) addProposal() {
	if len(s.proposals) >= maxProposals {
		return
	}
	p := &proposal{day: -1, window: -1}
	s.proposals = append(s.proposals, p)
}

func (s *appointment) dayOptions() ([]string, []time.Time) {
	k := s.k
	today := k.today()
	var labels []string
	var days []time.Time
	for i := 1; i <= proposalDays; i++ {
		d := today.AddDate(0, 0, i)
		days = append(days, d)
		labels = append(labels, capitalize(k.longDate(d)))
	}
	return labels, days
}

func (s *appointment) windowOptions() []string {
	var out []string
	for _, w := range proposalWindows {
		out = append(out, fmt.Sprintf("%02d:00–%02d:00", w[0], w[1]))
	}
	return out
}

func (s *appointment) changeForm() {
	k := s.k
	s.body.Add(subheading(k.tr("ApptChangeHeading")))
	dayLabels, _ := s.dayOptions()
	winLabels := s.windowOptions()
	for i, p := range s.proposals {
		p.daySel = widgets.NewChoice(k.hooks, k.tr("ApptChooseDay"), dayLabels, nil)
		p.daySel.PlaceHolder = k.tr("ApptChooseDay")
		if p.day >= 0 && p.day < len(dayLabels) {
			p.daySel.SetSelectedIndex(p.day)
		}
		p.daySel.OnChanged = func(string) { p.day = p.daySel.SelectedIndex(); s.say(s.changeErr, "") }
		p.winSel = widgets.NewChoice(k.hooks, k.tr("ApptChooseTime"), winLabels, nil)
		p.winSel.PlaceHolder = k.tr("ApptChooseTime")
		if p.window >= 0 && p.window < len(winLabels) {
			p.winSel.SetSelectedIndex(p.window)
		}
		p.winSel.OnChanged = func(string) { p.window = p.winSel.SelectedIndex(); s.say(s.changeErr, "") }
		remove := widgets.NewIconButton(k.hooks, k.tr("ApptRemoveProposal"), theme.DeleteIcon(), func() {
			s.proposals = append(s.proposals[:i:i], s.proposals[i+1:]...)
			s.refresh()
		})
		label := widget.NewLabel(k.trd("ApptProposal", map[string]any{"N": i + 1}))
		label.TextStyle = fyne.TextStyle{Bold: true}
		s.body.Add(container.NewBorder(nil, nil, container.NewCenter(label), remove, container.NewGridWithColumns(2, p.daySel, p.winSel)))
	}
	if len(s.proposals) < maxProposals {
		s.body.Add(container.NewHBox(widgets.NewIconButton(k.hooks, k.tr("ApptAddProposal"), theme.ContentAddIcon(), func() {
			s.addProposal()
			s.refresh()
		})))
	}
	s.body.Add(para(k.tr("ApptWishLabel")))
	s.body.Add(s.wish)
	send := widgets.NewPrimaryButton(k.hooks, k.tr("ApptSendChange"), s.sendChange)
	if s.sending {
		send.Disable()
	}
	s.act(s.changeErr, container.NewGridWithColumns(2,
		widgets.NewButton(k.hooks, k.tr("ApptGoBack"), func() { s.say(s.changeErr, ""); s.setMode(apptView) }),
		send))
}

// changeRequest builds the request from the form, or returns the translated reason it cannot.
func (s *appointment) changeRequest() (api.ChangeRequest, string) {
	k := s.k
	var req api.ChangeRequest
	_, days := s.dayOptions()
	var times []api.TimeWindow
	for i, p := range s.proposals {
		switch {
		case p.day < 0 && p.window < 0:
			continue // an empty row is ignored
		case p.day < 0 || p.window < 0 || p.day >= len(days) || p.window >= len(proposalWindows):
			return req, k.trd("ApptProposalIncomplete", map[string]any{"N": i + 1})
		}
		d, w := days[p.day], proposalWindows[p.window]
		times = append(times, api.TimeWindow{
			Start: time.Date(d.Year(), d.Month(), d.Day(), w[0], 0, 0, 0, k.oslo),
			End:   time.Date(d.Year(), d.Month(), d.Day(), w[1], 0, 0, 0, k.oslo),
		})
	}
	wish := strings.TrimSpace(s.wish.Text)
	switch {
	case len(times) == 0 && wish == "":
		return req, k.tr("ApptChangeEmpty")
	case utf8.RuneCountInString(wish) > apptCommentMax:
		return req, k.trd("ApptTooLong", map[string]any{"Count": utf8.RuneCountInString(wish), "Max": apptCommentMax})
	}
	if len(times) > 0 {
		req.ProposedTimes = &times
	}
	if wish != "" {
		req.Comment = &wish
	}
	return req, ""
}

func (s *appointment) sendChange() {
	k := s.k
	if s.sending {
		return
	}
	req, msg := s.changeRequest()
	if msg != "" {
		s.say(s.changeErr, msg)
		return
	}
	key := s.changeKey.ForJSON(req)
	s.submit(s.changeErr, func(ctx context.Context, sess *client.Session, pid, aid string) error {
		_, err := sess.RequestChange(ctx, pid, aid, key, req)
		return err
	}, func(err error) {
		if client.CodeOf(err) == string(api.NotCancellable) {
			s.say(s.changeErr, k.trd(s.callOr(id("ApptNotChangeable"), id("ApptNotChangeableDesk")), map[string]any{"Phone": s.phone()}))
		} else {
			s.say(s.changeErr, k.tr("ApptChangeFailed")+" "+k.errText(err))
		}
		s.refresh() // the times, the wish and the key stay
	}, func(fresh *api.Appointment) {
		s.changeKey.Done()
		s.proposals = nil
		s.addProposal()
		s.wish.SetText("")
		s.applySent(fresh, api.AppointmentPendingRequestChange)
		s.confirm(k.tr("ApptChangeDone"))
	})
}

// confirm shows a confirmation at the top of the visit, in view (the form that was sent may have been
// scrolled down), in place of any error.
func (s *appointment) confirm(text string) {
	s.say(s.cancelErr, "")
	s.say(s.changeErr, "")
	s.say(s.notice, text)
	s.scroll.ScrollToTop()
}

func (s *appointment) stop() {}

func (s *appointment) kind() string { return "appointment" }

// say shows (or, with "", hides) a message in l and lays the screen out again: a label that appears must
// push what is below it down, not be drawn over it.
func (s *appointment) say(l *widget.Label, text string) {
	sayIn(l, text, s.body, s.scroll)
	s.actions.Refresh()
	s.k.relayout()
}
