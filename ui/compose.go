package ui

import (
	"context"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// maxSubject is the longest subject the contract allows (NewThread.subject maxLength; a test checks it
// against api/openapi.yaml, as it does maxReply).
const maxSubject = 100

// counterText is "123 av 4000 teikn".
func (k *Kiosk) counterText(n, limit int) string {
	return k.trd("MsgCounter", map[string]any{"Count": n, "Max": limit})
}

// setCounter shows n of limit on l, in the error colour when n is over limit.
func (k *Kiosk) setCounter(l *widget.Label, n, limit int) {
	l.Importance = widget.LowImportance
	if n > limit {
		l.Importance = widget.DangerImportance
	}
	l.SetText(k.counterText(n, limit))
}

// compose writes a new message: choose the service, a subject and the text (the draft lives in the session,
// so it survives going elsewhere in the session), read it back, send. A failed send keeps the draft on
// screen with the reason and "Prøv igjen".
type compose struct {
	k        *Kiosk
	sess     *session
	d        *composeDraft
	services []api.Service

	body *fyne.Container // the edit or the review view

	// edit view
	status        *widget.Label
	service       *widgets.Radio
	subject       *widgets.Entry
	subjectCount  *widget.Label
	text          *widgets.Entry
	textCount     *widget.Label
	editErr       *widget.Label
	readBack      *widgets.Button
	serviceByName map[string]string

	// review view
	send      *widgets.Button
	edit      *widgets.Button
	sendErr   *widget.Label
	retry     *widgets.Button // "Prøv igjen", beside a failure
	sendState *widget.Label
	sending   bool
}

func newCompose(k *Kiosk, sess *session) *compose {
	return &compose{k: k, sess: sess, d: sess.composeDraft()}
}

func (s *compose) buildUI() fyne.CanvasObject {
	s.body = container.NewStack(s.editView())
	s.loadServices()
	return s.body
}

func (s *compose) editView() fyne.CanvasObject {
	k := s.k
	s.status = widget.NewLabel(k.tr("Loading"))
	s.service = widgets.NewRadio(k.hooks, k.tr("MsgComposeService"), nil, func(name string) {
		k.touch()
		s.d.setService(s.serviceByName[name])
		showError(s.editErr, "")
	})
	s.service.Horizontal = true
	s.service.Hide()

	s.subject = widgets.NewEntry(k.hooks).SetLabel(k.tr("MsgComposeSubject"))
	s.subject.SetPlaceHolder(k.tr("MsgComposeSubjectPlaceholder"))
	s.subject.SetText(s.d.subject)
	s.subjectCount = widget.NewLabel("")
	s.subject.OnChanged = func(v string) {
		k.touch()
		s.d.setSubject(v)
		k.setCounter(s.subjectCount, utf8.RuneCountInString(v), maxSubject)
		showError(s.editErr, "") // she is acting on it
	}
	k.setCounter(s.subjectCount, utf8.RuneCountInString(s.d.subject), maxSubject)

	s.text = widgets.NewMultiLineEntry(k.hooks).SetLabel(k.tr("MsgComposeBody"))
	s.text.Wrapping = fyne.TextWrapWord
	s.text.SetMinRowsVisible(4)
	s.text.SetPlaceHolder(k.tr("ReplyPlaceholder"))
	s.text.SetText(s.d.text)
	s.textCount = widget.NewLabel("")
	s.text.OnChanged = func(v string) {
		k.touch()
		s.d.setText(v)
		k.setCounter(s.textCount, utf8.RuneCountInString(v), maxReply)
		showError(s.editErr, "")
	}
	k.setCounter(s.textCount, utf8.RuneCountInString(s.d.text), maxReply)

	s.editErr = errorLabel()
	s.readBack = widgets.NewPrimaryButton(k.hooks, k.tr("MsgReadBack"), s.review)
	s.readBack.Icon = theme.VisibilityIcon()
	s.readBack.Disable()
	back := widgets.NewIconButton(k.hooks, k.tr("BackToInbox"), theme.NavigateBackIcon(), func() { k.show(newInbox(k, s.sess)) })

	form := container.NewVBox(
		fieldLabel(k.tr("MsgComposeService")), s.status, s.service,
		container.NewBorder(nil, nil, fieldLabel(k.tr("MsgComposeSubject")), s.subjectCount), s.subject,
		container.NewBorder(nil, nil, fieldLabel(k.tr("MsgComposeBody")), s.textCount), s.text,
	)
	bottom := container.NewVBox(s.editErr, container.NewHBox(back, layout.NewSpacer(), s.readBack))
	return container.NewBorder(heading(k.tr("MsgComposeHeading")), bottom, nil, nil, k.scrolled(form))
}

func fieldLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

func (s *compose) loadServices() {
	k := s.k
	sess, pid := s.sess.api, s.sess.personID()
	k.async(s, func(ctx context.Context) func() {
		list, err := sess.Services(ctx, pid)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
				}
				return
			}
			s.setServices(list)
		}
	})
}

func (s *compose) setServices(list []api.Service) {
	k := s.k
	s.services = list
	if len(list) == 0 {
		s.status.SetText(k.tr("MsgNoServices"))
		return
	}
	s.status.Hide()
	s.serviceByName = map[string]string{}
	var names []string
	selected := ""
	for _, sv := range list {
		name := k.serviceName(sv)
		if _, dup := s.serviceByName[name]; dup {
			name += " (" + sv.Id + ")"
		}
		s.serviceByName[name] = sv.Id
		names = append(names, name)
		if sv.Id == s.d.serviceID {
			selected = name
		}
	}
	if selected == "" && len(list) == 1 {
		selected = names[0]
	}
	s.service.Options = names
	s.service.Show()
	s.service.SetSelected(selected) // runs OnChanged: the draft gets the service
	s.service.Refresh()
	s.k.relayout() // the options take room now: lay the form out again
	s.readBack.Enable()
}

func (s *compose) serviceOf(id string) (api.Service, bool) {
	for _, sv := range s.services {
		if sv.Id == id {
			return sv, true
		}
	}
	return api.Service{}, false
}

// check returns the translated reason the draft cannot be sent yet, or "".
func (s *compose) check() string {
	k := s.k
	if _, ok := s.serviceOf(s.d.serviceID); !ok {
		return k.tr("MsgComposeNoService")
	}
	subject := strings.TrimSpace(s.d.subject)
	text := strings.TrimSpace(s.d.text)
	switch n := utf8.RuneCountInString(subject); {
	case n == 0:
		return k.tr("MsgSubjectEmpty")
	case n > maxSubject:
		return k.trd("MsgSubjectTooLong", map[string]any{"Count": n, "Max": maxSubject})
	}
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return k.tr("ReplyEmpty")
	case n > maxReply:
		return k.trd("ReplyTooLong", map[string]any{"Count": n, "Max": maxReply})
	}
	return ""
}

// review shows the draft as it will be sent, with Endre and Send.
func (s *compose) review() {
	k := s.k
	k.touch()
	if why := s.check(); why != "" {
		showError(s.editErr, why)
		return
	}
	showError(s.editErr, "")
	sv, _ := s.serviceOf(s.d.serviceID)
	to := fieldLabel(k.tr("MsgReviewTo"))
	subjectLabel := fieldLabel(k.tr("MsgComposeSubject"))
	bodyLabel := fieldLabel(k.tr("MsgComposeBody"))
	subject := para(strings.TrimSpace(s.d.subject))
	subject.TextStyle = fyne.TextStyle{Bold: true}
	text := para(strings.TrimSpace(s.d.text))
	card := messageBox(container.NewVBox(
		container.New(layout.NewFormLayout(), to, para(k.serviceName(sv)), subjectLabel, subject),
		widget.NewSeparator(), bodyLabel, text))

	s.sendErr = errorLabel()
	s.sendState = widget.NewLabel("")
	s.sendState.Hide()
	s.edit = widgets.NewIconButton(k.hooks, k.tr("MsgEdit"), theme.DocumentCreateIcon(), func() {
		k.touch()
		if s.sending {
			return
		}
		s.body.Objects = []fyne.CanvasObject{s.editView()}
		s.body.Refresh()
		s.setServices(s.services)
	})
	s.send = widgets.NewPrimaryButton(k.hooks, k.tr("Send"), s.sendNow)
	s.send.Icon = theme.MailSendIcon()
	s.retry = widgets.NewIconButton(k.hooks, k.tr("TryAgain"), theme.ViewRefreshIcon(), s.sendNow)
	s.retry.Hide()
	bottom := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewVBox(s.retry), s.sendErr),
		container.NewHBox(s.edit, layout.NewSpacer(), s.sendState, s.send))
	s.body.Objects = []fyne.CanvasObject{
		container.NewBorder(heading(k.tr("MsgReviewHeading")), bottom, nil, nil, k.scrolled(card)),
	}
	s.body.Refresh()
}

// sendNow sends the draft with its idempotency key; a failure keeps it, with the reason and "Prøv igjen".
func (s *compose) sendNow() {
	k := s.k
	k.touch()
	if s.sending {
		return
	}
	if why := s.check(); why != "" {
		showError(s.sendErr, why)
		return
	}
	d := s.d
	nt := api.NewThread{ServiceId: d.serviceID, Subject: strings.TrimSpace(d.subject), Body: strings.TrimSpace(d.text)}
	key := d.keyFor(d.content())
	sess, pid := s.sess.api, s.sess.personID()
	s.sending = true
	s.send.Disable()
	s.edit.Disable()
	showError(s.sendErr, "")
	s.retry.Hide()
	s.sendState.SetText(k.tr("Sending"))
	s.sendState.Show()
	k.async(s, func(ctx context.Context) func() {
		t, err := sess.CreateThread(ctx, pid, key, nt)
		return func() {
			s.sending = false
			s.send.Enable()
			s.edit.Enable()
			s.sendState.Hide()
			if err != nil {
				if !k.handleUnauthorized(err) {
					showError(s.sendErr, k.tr("ReplyFailed")+" "+k.errText(err))
					s.retry.Show()
				}
				return // the draft and its key stay: trying again cannot send it twice
			}
			s.sess.composeSent(d)
			k.show(newReceipt(k, s.sess, t))
		}
	})
}

func (s *compose) stop() {}

func (s *compose) kind() string { return "compose" }
