package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// receipt confirms a new message: when and to whom it went, the day the service promises to answer by
// (the end of the next working day, Europe/Oslo, Norwegian public holidays counted), and that messages are
// not for emergencies.
type receipt struct {
	k    *Kiosk
	sess *session
	t    *api.Thread
}

func newReceipt(k *Kiosk, sess *session, t *api.Thread) *receipt {
	return &receipt{k: k, sess: sess, t: t}
}

// sentAt is when the thread's last message was sent (now, if the backend gave none).
func (s *receipt) sentAt() time.Time {
	if n := len(s.t.Messages); n > 0 {
		return s.t.Messages[n-1].SentAt
	}
	return s.k.now()
}

// replyByText is "Du får svar innan utgangen av neste arbeidsdag: måndag 30. november."
func (k *Kiosk) replyByText(sent time.Time) string {
	return k.trd("MsgReceiptReplyBy", map[string]any{"Date": k.longDate(workdays.ReplyDue(sent))})
}

// emergencyLine is the reminder that messages are not for emergencies (113, legevakt 116 117).
func (k *Kiosk) emergencyLine() *widget.Label {
	l := para(k.tr("MsgReceiptEmergency"))
	l.Importance = widget.DangerImportance
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

func (s *receipt) buildUI() fyne.CanvasObject {
	k := s.k
	sent := s.sentAt()
	icon := widget.NewIcon(theme.ConfirmIcon())
	title := heading(k.tr("MsgReceiptHeading"))
	head := container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(48, 48), icon), nil, title)
	when := para(k.trd("MsgReceiptSent", map[string]any{"Time": k.dateTime(sent), "Service": k.serviceName(s.t.Service)}))
	subject := para(s.t.Subject)
	subject.TextStyle = fyne.TextStyle{Bold: true}
	subject.Truncation = fyne.TextTruncateEllipsis
	subject.Wrapping = fyne.TextWrapOff
	replyBy := subheading(k.replyByText(sent))
	open := widgets.NewIconButton(k.hooks, k.tr("MsgOpenThread"), theme.MailReplyIcon(), func() { k.show(newThread(k, s.sess, s.t.Id)) })
	open.Importance = widget.HighImportance
	inbox := widgets.NewIconButton(k.hooks, k.tr("BackToInbox"), theme.ListIcon(), func() { k.show(newInbox(k, s.sess)) })
	card := messageBox(container.NewVBox(when, subject, replyBy, k.emergencyLine()))
	return container.NewVBox(head, card, layout.NewSpacer(), container.NewHBox(inbox, layout.NewSpacer(), open))
}

func (s *receipt) stop() {}

func (s *receipt) kind() string { return "receipt" }
