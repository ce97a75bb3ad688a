package ui

import (
	"context"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// maxReply is the longest message body the contract allows.
const maxReply = 4000

// thread shows one conversation, oldest message first, and a reply box. Message text is shown exactly as
// sent (a wrapping Label, never markdown).
type thread struct {
	k        *Kiosk
	id       string
	t        *api.Thread
	draftKey string // the reply draft's idempotency key, kept until the reply is sent

	title    *widget.Label
	service  *widget.Label
	messages *fyne.Container
	scroll   *container.Scroll
	status   *widget.Label
	reply    *widget.Entry
	send     *widgets.Button
	errText  *widget.Label
	sentNote *widget.Label
}

func newThread(k *Kiosk, threadID string) *thread { return &thread{k: k, id: threadID} }

func (s *thread) buildUI() fyne.CanvasObject {
	k := s.k
	s.title = heading("")
	s.service = widget.NewLabel("")
	s.status = widget.NewLabel(k.tr("Loading"))
	s.messages = container.NewVBox()
	s.scroll = container.NewVScroll(container.NewVBox(s.title, s.service, s.status, s.messages))

	s.reply = widget.NewMultiLineEntry()
	s.reply.Wrapping = fyne.TextWrapWord
	s.reply.SetMinRowsVisible(3)
	s.reply.SetPlaceHolder(k.tr("ReplyPlaceholder"))
	s.reply.OnChanged = func(string) { k.touch() }
	s.send = widgets.NewIconButton(k.tr("Send"), theme.MailSendIcon(), s.sendReply)
	s.send.Importance = widget.HighImportance
	s.send.Disable()
	s.errText = errorLabel()
	s.sentNote = widget.NewLabel("")
	s.sentNote.Hide()
	back := widgets.NewIconButton(k.tr("BackToInbox"), theme.NavigateBackIcon(), func() { k.show(newInbox(k)) })
	replyLabel := widget.NewLabel(k.tr("ReplyLabel"))
	replyLabel.TextStyle = fyne.TextStyle{Bold: true}
	bottom := container.NewVBox(
		widget.NewSeparator(),
		replyLabel,
		s.reply,
		s.errText,
		container.NewHBox(back, layout.NewSpacer(), s.sentNote, s.send),
	)
	s.load()
	return container.NewBorder(nil, bottom, nil, nil, s.scroll)
}

func (s *thread) load() {
	k := s.k
	sess, pid, tid := k.sess, k.person.Person.Id, s.id
	k.async(s, func(ctx context.Context) func() {
		t, err := sess.Thread(ctx, pid, tid)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
				}
				return
			}
			s.t = t
			s.status.Hide()
			s.title.SetText(t.Subject)
			s.service.SetText(k.serviceName(t.Service))
			s.messages.RemoveAll()
			for _, m := range t.Messages {
				s.messages.Add(s.messageCard(m))
			}
			s.send.Enable()
			s.scroll.ScrollToBottom()
			if t.Unread {
				s.markRead()
			}
		}
	})
}

// markRead marks the thread read in the background; only an ended login matters.
func (s *thread) markRead() {
	k := s.k
	sess, pid, tid := k.sess, k.person.Person.Id, s.id
	k.async(s, func(ctx context.Context) func() {
		err := sess.MarkRead(ctx, pid, tid)
		if err == nil || !client.IsUnauthorized(err) {
			return nil
		}
		return func() { k.handleUnauthorized(err) }
	})
}

func (s *thread) messageCard(m api.Message) fyne.CanvasObject {
	k := s.k
	author := k.tr("AuthorService")
	if m.AuthorName != nil && *m.AuthorName != "" {
		author = *m.AuthorName
	}
	if m.StaffRole != nil && *m.StaffRole != "" {
		author += ", " + *m.StaffRole
	}
	mine := m.Author == api.AuthorKindCitizen
	head := widget.NewLabel(author + " · " + k.dateTime(m.SentAt))
	head.TextStyle = fyne.TextStyle{Bold: true}
	head.Wrapping = fyne.TextWrapWord
	body := widget.NewLabel(m.Body)
	body.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(kt.Surface)
	if mine {
		bg.FillColor = kt.Mine
	}
	bg.CornerRadius = 12
	card := container.NewStack(bg, container.NewPadded(container.NewVBox(head, body)))
	if mine {
		return container.New(layout.NewCustomPaddedLayout(4, 4, 120, 0), card)
	}
	return container.New(layout.NewCustomPaddedLayout(4, 4, 0, 120), card)
}

func (s *thread) sendReply() {
	k := s.k
	text := strings.TrimSpace(s.reply.Text)
	if text == "" {
		showError(s.errText, k.tr("ReplyEmpty"))
		return
	}
	if n := utf8.RuneCountInString(text); n > maxReply {
		showError(s.errText, k.trd("ReplyTooLong", map[string]any{"Max": maxReply, "Count": n}))
		return
	}
	if s.t == nil {
		return
	}
	if s.draftKey == "" {
		s.draftKey = client.NewIdempotencyKey()
	}
	sess, pid, tid, key := k.sess, k.person.Person.Id, s.id, s.draftKey
	s.send.Disable()
	s.reply.Disable()
	showError(s.errText, "")
	s.sentNote.SetText(k.tr("Sending"))
	s.sentNote.Show()
	k.async(s, func(ctx context.Context) func() {
		m, err := sess.Reply(ctx, pid, tid, key, text)
		return func() {
			s.send.Enable()
			s.reply.Enable()
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.sentNote.Hide()
					showError(s.errText, k.tr("ReplyFailed")+" "+k.errText(err))
				}
				return // the text stays, and so does the key: trying again cannot send it twice
			}
			s.draftKey = ""
			s.reply.SetText("")
			s.t.Messages = append(s.t.Messages, *m)
			s.messages.Add(s.messageCard(*m))
			s.sentNote.SetText(k.tr("ReplySent"))
			s.scroll.ScrollToBottom()
		}
	})
}

func (s *thread) stop() {}
