package ui

import (
	"context"
	"slices"
	"strings"
	"time"
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

// maxReply is the longest message body the contract allows (NewMessage.body and NewThread.body maxLength).
const maxReply = 4000

// thread shows one conversation, oldest message first, and a reply box. It loads the newest page of
// messages; "Vis eldre meldingar" above them fetches the page before, as long as there is one. Message text is shown exactly as
// sent: a wrapping Label (never markdown or rich text), which also breaks words too long for a line. The
// reply draft and its idempotency key live on the Kiosk, so they survive going elsewhere in the session.
type thread struct {
	k       *Kiosk
	sess    *session
	id      string
	t       *api.Thread
	sending bool

	title     *widget.Label
	service   *widget.Label
	messages  *fyne.Container
	older     *widgets.Button // shows the page of messages before those shown
	olderAt   string          // its cursor ("" when the first message is shown)
	scroll    *container.Scroll
	replyHead *fyne.Container // «Skriv svar» above the box (hidden while the touch keyboard is up)
	sendSide  *fyne.Container // beside the box: «Send» while the touch keyboard is up
	backSide  *fyne.Container // and «Alle meldingar» on its other side
	back      *widgets.Button
	buttons   *fyne.Container // «Alle meldingar», the count, «Send» (hidden while the touch keyboard is up)
	status    *widget.Label
	reply     *widgets.Entry
	counter   *widget.Label
	send      *widgets.Button
	errText   *widget.Label
	retry     *widgets.Button // "Prøv igjen", beside a failure
	sentNote  *widget.Label
	replyBy   *widget.Label
	urgent    *widget.Label
	stopPoll  func()
}

func newThread(k *Kiosk, sess *session, threadID string) *thread {
	return &thread{k: k, sess: sess, id: threadID}
}

// draftKey is the reply draft's idempotency key ("" when no attempt has been made).
func (s *thread) draftKey() string {
	if d := s.sess.replyDraft(s.id, false); d != nil {
		return d.key.Key()
	}
	return ""
}

func (s *thread) buildUI() fyne.CanvasObject {
	k := s.k
	s.title = heading("")
	s.service = widget.NewLabel("")
	s.service.Importance = widget.LowImportance
	s.status = widget.NewLabel(k.tr("Loading"))
	s.status.Wrapping = fyne.TextWrapWord
	s.messages = container.NewVBox()
	s.older = widgets.NewIconButton(k.hooks, k.tr("MsgShowOlder"), theme.MoveUpIcon(), s.loadOlder)
	s.older.Hide()
	s.replyBy = para("")
	s.replyBy.TextStyle = fyne.TextStyle{Bold: true}
	s.replyBy.Hide()
	s.urgent = k.emergencyLine()
	s.urgent.Hide()
	// The receipt of a reply (when to expect an answer, not for emergencies) comes under the sent message.
	// The subject and the service stay on top; the messages scroll below them, with the cue.
	var scrolled fyne.CanvasObject
	s.scroll, scrolled = k.vscroll(container.NewVBox(s.service, s.status, s.older, s.messages, s.replyBy, s.urgent))

	s.reply = widgets.NewMultiLineEntry(k.hooks).SetLabel(k.tr("ReplyLabel"))
	s.reply.Wrapping = fyne.TextWrapWord
	s.reply.SetMinRowsVisible(s.replyRows())
	s.reply.SetPlaceHolder(k.tr("ReplyPlaceholder"))
	s.counter = widget.NewLabel("")
	if d := s.sess.replyDraft(s.id, false); d != nil {
		s.reply.SetText(d.text)
	}
	k.setCounter(s.counter, utf8.RuneCountInString(s.reply.Text), maxReply)
	s.reply.OnChanged = func(v string) {
		k.touch()
		s.sess.setReply(s.id, v)
		k.setCounter(s.counter, utf8.RuneCountInString(v), maxReply)
		if strings.TrimSpace(v) != "" && s.errText.Visible() && !s.sending {
			showError(s.errText, "") // «Skriv noko før du sender.» is answered by typing
			s.retry.Hide()
		}
		if v != "" && s.sentNote.Visible() && !s.sending {
			s.sentNote.Hide() // a new reply: «Meldinga er send.» was about the last one
		}
	}
	s.send = widgets.NewIconButton(k.hooks, k.tr("Send"), theme.MailSendIcon(), s.sendReply)
	s.send.Importance = widget.HighImportance
	s.send.Disable()
	s.errText = errorLabel()
	s.retry = widgets.NewIconButton(k.hooks, k.tr("TryAgain"), theme.ViewRefreshIcon(), s.sendReply)
	s.retry.Hide()
	s.sentNote = k.noticeLabel(widget.NewLabel(""))    // "Sending…", "Meldinga er send.": spoken when it changes
	s.sentNote.SizeName = theme.SizeNameSubHeadingText // large, above the reply box: not a corner's small print
	s.sentNote.TextStyle = fyne.TextStyle{Bold: true}
	s.sentNote.Importance = widget.SuccessImportance
	s.sentNote.Wrapping = fyne.TextWrapWord
	s.sentNote.Hide()
	s.back = widgets.NewIconButton(k.hooks, k.tr("BackToInbox"), theme.NavigateBackIcon(), func() { k.show(newInbox(k, s.sess)) })
	replyLabel := fieldLabel(k.tr("ReplyLabel"))
	s.replyHead = container.NewBorder(nil, nil, replyLabel, nil)
	s.sendSide = container.NewVBox() // «Send» beside the box while the touch keyboard is up
	s.backSide = container.NewVBox() // «Alle meldingar» on the other side
	s.buttons = container.NewHBox(s.back, layout.NewSpacer(), container.NewCenter(s.counter), s.send)
	bottom := container.NewVBox(
		widget.NewSeparator(),
		s.sentNote,
		s.replyHead,
		container.NewBorder(nil, nil, s.backSide, s.sendSide, s.reply),
		container.NewBorder(nil, nil, nil, container.NewVBox(s.retry), s.errText),
		s.buttons,
	)
	s.load()
	return readingBorder(s.title, bottom, scrolled)
}

func (s *thread) load() {
	k := s.k
	sess, pid, tid := s.sess.api, s.sess.personID(), s.id
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
			s.setOlder(t.OlderCursor)
			s.showReplyDue(t.ReplyDue)
			s.send.Enable()
			s.scrollToEnd()
			if t.Unread {
				s.markRead()
			}
			if s.stopPoll == nil {
				s.stopPoll = k.poll(s, s.check())
			}
		}
	})
}

// showReplyDue says by when the service promises to answer while the thread waits for it.
func (s *thread) showReplyDue(due *api.ReplyDue) {
	if due == nil || s.sending {
		return
	}
	s.replyBy.SetText(s.k.trd("ThreadReplyDue", map[string]any{"Date": s.k.longDate(due.Time)}))
	s.replyBy.Show()
}

// check makes one poll on the kiosk's clock: the newest page again. Messages that arrived since (the
// service's answer while the citizen is here) are added below, said aloud, and the thread marked read.
func (s *thread) check() func(ctx context.Context) func() {
	sess, pid, tid := s.sess.api, s.sess.personID(), s.id
	return func(ctx context.Context) func() {
		t, err := sess.Thread(ctx, pid, tid)
		if err != nil {
			return nil // tried again at the next tick
		}
		return func() { s.merge(t) }
	}
}

func (s *thread) merge(t *api.Thread) {
	if s.t == nil || s.sending {
		return
	}
	known := map[string]bool{}
	for _, m := range s.t.Messages {
		known[m.Id] = true
	}
	added := false
	for _, m := range t.Messages {
		if known[m.Id] {
			continue
		}
		s.t.Messages = append(s.t.Messages, m)
		s.messages.Add(s.messageCard(m))
		added = true
		if m.Author == api.AuthorKindService {
			s.replyBy.Hide()
			s.urgent.Hide()
			s.sentNote.SetText(s.k.tr("ThreadNewAnswer"))
			s.sentNote.Show()
		}
	}
	if !added {
		return
	}
	s.showReplyDue(t.ReplyDue)
	s.scrollToEnd()
	if t.Unread {
		s.markRead()
	}
}

// setOlder shows "Vis eldre meldingar" while there are older messages.
func (s *thread) setOlder(cursor *string) {
	s.olderAt = ""
	if cursor != nil {
		s.olderAt = *cursor
	}
	if s.olderAt == "" {
		s.older.Hide()
		return
	}
	s.older.Enable()
	s.older.Show()
}

// loadOlder puts the page of messages before those shown above them.
func (s *thread) loadOlder() {
	k := s.k
	if s.olderAt == "" || s.t == nil {
		return
	}
	k.touch()
	sess, pid, tid, before := s.sess.api, s.sess.personID(), s.id, s.olderAt
	s.older.Disable()
	k.async(s, func(ctx context.Context) func() {
		p, err := sess.Messages(ctx, pid, tid, before, 0)
		return func() {
			if err != nil {
				s.older.Enable()
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
					s.status.Show()
				}
				return
			}
			s.status.Hide()
			cards := make([]fyne.CanvasObject, 0, len(p.Items)+len(s.messages.Objects))
			for _, m := range p.Items {
				cards = append(cards, s.messageCard(m))
			}
			s.t.Messages = append(append([]api.Message{}, p.Items...), s.t.Messages...)
			s.messages.Objects = append(cards, s.messages.Objects...)
			s.messages.Refresh()
			s.setOlder(p.OlderCursor)
		}
	})
}

// markRead marks the thread read in the background; only an ended login matters.
func (s *thread) markRead() {
	k := s.k
	sess, pid, tid := s.sess.api, s.sess.personID(), s.id
	k.async(nil, func(ctx context.Context) func() {
		err := sess.MarkRead(ctx, pid, tid)
		switch {
		case err == nil:
			return s.sess.readOne
		case client.IsUnauthorized(err):
			return func() { k.handleUnauthorized(err) }
		}
		return nil
	})
}

// author is who wrote m: the citizen (or the one acting for them) by name; the service as the staff
// member's name and role and the service ("Marit Lie, sjukepleiar – Heimesjukepleie").
func (s *thread) author(m api.Message) string {
	k := s.k
	name := ""
	if m.AuthorName != nil {
		name = strings.TrimSpace(*m.AuthorName)
	}
	if m.Author == api.AuthorKindCitizen {
		if name == "" {
			return k.tr("MsgAuthorCitizen")
		}
		return name
	}
	if m.StaffRole != nil && *m.StaffRole != "" {
		if name != "" {
			name += ", "
		}
		name += *m.StaffRole
	}
	service := k.tr("AuthorService")
	if s.t != nil {
		service = k.serviceName(s.t.Service)
	}
	if name == "" {
		return service
	}
	return name + " – " + service
}

// messageBox is a rounded white card around content.
func messageBox(content fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(kt.Colors().Surface)
	bg.CornerRadius = 12
	return container.NewStack(bg, container.NewPadded(content))
}

func (s *thread) messageCard(m api.Message) fyne.CanvasObject {
	k := s.k
	mine := m.Author == api.AuthorKindCitizen
	head := widget.NewLabel(s.author(m) + " · " + k.dateTime(m.SentAt))
	head.TextStyle = fyne.TextStyle{Bold: true}
	head.Wrapping = fyne.TextWrapWord
	body := para(m.Body) // exactly as sent: a Label is never parsed as markup
	bg := canvas.NewRectangle(kt.Colors().Surface)
	if mine {
		bg.FillColor = kt.Colors().Mine
	}
	bg.CornerRadius = 12
	var top fyne.CanvasObject = head
	if b := k.readAloud(func() string { return spokenText(container.NewVBox(head, body)) }); b != nil {
		top = container.NewBorder(nil, nil, nil, container.NewVBox(b), head)
	}
	card := container.NewStack(bg, container.NewPadded(container.NewVBox(top, body)))
	if mine {
		return container.New(layout.NewCustomPaddedLayout(4, 4, 120, 0), card)
	}
	return container.New(layout.NewCustomPaddedLayout(4, 4, 0, 120), card)
}

func (s *thread) sendReply() {
	k := s.k
	k.touch()
	if s.sending || s.t == nil {
		return
	}
	text := strings.TrimSpace(s.reply.Text)
	if text == "" {
		s.sentNote.Hide()
		showError(s.errText, k.tr("ReplyEmpty"))
		return
	}
	if n := utf8.RuneCountInString(text); n > maxReply {
		showError(s.errText, k.trd("ReplyTooLong", map[string]any{"Max": maxReply, "Count": n}))
		return
	}
	d := s.sess.replyDraft(s.id, true)
	d.setText(s.reply.Text)
	key := d.keyFor(text)
	sess, pid, tid := s.sess.api, s.sess.personID(), s.id
	s.sending = true
	s.send.Disable()
	s.reply.Disable() // what is sent is what the box shows
	showError(s.errText, "")
	s.retry.Hide()
	s.replyBy.Hide()
	s.urgent.Hide()
	s.sentNote.SetText(k.tr("Sending"))
	s.sentNote.Show()
	k.async(s, func(ctx context.Context) func() {
		m, err := sess.Reply(ctx, pid, tid, key, text)
		return func() {
			s.sending = false
			s.send.Enable()
			s.reply.Enable()
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.sentNote.Hide()
					showError(s.errText, k.tr("ReplyFailed")+" "+k.errText(err))
					s.retry.Show()
				}
				return // the text stays, and so does the key: trying again cannot send it twice
			}
			s.reply.SetText("")
			s.sess.replySent(tid) // after SetText, whose OnChanged would keep an empty draft
			s.t.Messages = append(s.t.Messages, *m)
			s.messages.Add(s.messageCard(*m))
			s.sentNote.SetText(k.tr("ReplySent"))
			s.replyBy.SetText(k.replyByText(m.SentAt))
			s.replyBy.Show()
			s.urgent.Show()
			s.scrollToEnd()
		}
	})
}

// scrollToEnd shows the newest message. Wrapping labels know their height only once laid out at their
// width, so the content is laid out first, and the scroll repeated just after the next frame.
func (s *thread) scrollToEnd() {
	s.scroll.Content.Resize(fyne.NewSize(s.scroll.Size().Width, s.scroll.Content.MinSize().Height))
	s.scroll.Content.Resize(fyne.NewSize(s.scroll.Size().Width, s.scroll.Content.MinSize().Height))
	s.scroll.ScrollToBottom()
	s.k.after(100*time.Millisecond, s.k.forScreen(s), s.scroll.ScrollToBottom)
}

func (s *thread) stop() {
	if s.stopPoll != nil {
		s.stopPoll()
	}
}

// keyboardUp implements keyboardFitter: with the touch keyboard up, the reply box is two lines and its
// heading goes, so that the box, «Send» and the keyboard fit a 1280×720 screen.
func (s *thread) keyboardUp(up bool) {
	if up {
		// «Send» beside the box, the box two lines, no heading or «Alle meldingar» row: with the keyboard
		// below them they fit a 1280×720 screen at every text size. «Skjul tastaturet» brings them back.
		s.reply.SetMinRowsVisible(2)
		s.replyHead.Hide()
		s.title.Hide()
		s.buttons.Hide()
		s.buttons.Remove(s.send)
		s.buttons.Remove(s.back)
		s.sendSide.Objects = []fyne.CanvasObject{s.send}
		s.backSide.Objects = []fyne.CanvasObject{s.back}
	} else {
		s.reply.SetMinRowsVisible(s.replyRows())
		s.replyHead.Show()
		s.title.Show()
		s.sendSide.Objects, s.backSide.Objects = nil, nil
		if !slices.Contains(s.buttons.Objects, fyne.CanvasObject(s.send)) {
			s.buttons.Objects = []fyne.CanvasObject{s.back, layout.NewSpacer(), container.NewCenter(s.counter), s.send}
		}
		s.buttons.Show()
	}
	s.sendSide.Refresh()
	s.backSide.Refresh()
	s.buttons.Refresh()
}

// replyRows is how many lines the reply box shows: three, two at «Ekstra stor» (the messages keep the room).
func (s *thread) replyRows() int {
	if s.k.disp.size == kt.SizeExtraLarge {
		return 2
	}
	return 3
}

func (s *thread) kind() string { return "thread" }
