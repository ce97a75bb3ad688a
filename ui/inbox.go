package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// inboxPageSize is how many threads one page asks for.
var inboxPageSize = 20 // a variable for the paging test

// newNotice returns the hidden "Du har fått ei ny melding" strip and a function that shows it for n new.
func (k *Kiosk) newNotice() (fyne.CanvasObject, func(n int)) {
	l := k.noticeLabel(widget.NewLabel(""))
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.Wrapping = fyne.TextWrapWord
	icon := widget.NewIcon(theme.MailComposeIcon())
	bg := canvas.NewRectangle(kt.Colors().ActingFor)
	bg.CornerRadius = 8
	box := container.NewStack(bg, container.NewBorder(nil, nil, icon, nil, l))
	box.Hide()
	return box, func(n int) {
		if n <= 0 {
			return
		}
		l.SetText(k.trn("MsgNewNotice", n))
		box.Show()
	}
}

// inbox lists the person's threads, newest first, loading the next page as the list nears its end, and
// looks for new messages every pollInterval.
type inbox struct {
	k       *Kiosk
	sess    *session
	threads []api.ThreadSummary
	next    string // cursor of the next page; "" when there is none
	more    bool   // whether a next page exists
	loading bool

	list       *widgets.List
	status     *widget.Label
	errText    *widget.Label
	root       *fyne.Container // laid out again when the error text comes or goes
	showNotice func(int)
	stopPoll   func()
}

func newInbox(k *Kiosk, sess *session) *inbox { return &inbox{k: k, sess: sess, more: true} }

func (s *inbox) buildUI() fyne.CanvasObject {
	k := s.k
	s.status = widget.NewLabel(k.tr("Loading"))
	s.errText = errorLabel()
	s.list = widgets.NewList(k.hooks, k.tr("InboxHeading"),
		func() int { return len(s.threads) },
		s.newRow,
		func(i widget.ListItemID, o fyne.CanvasObject) { s.updateRow(i, o) },
	)
	s.list.OnSelected = func(i widget.ListItemID) {
		k.touch()
		s.list.Unselect(i)
		if i >= 0 && i < len(s.threads) {
			k.show(newThread(k, s.sess, s.threads[i].Id))
		}
	}
	s.list.RowText = s.rowText
	var notice fyne.CanvasObject
	notice, s.showNotice = k.newNotice()
	s.loadMore()
	s.stopPoll = k.poll(s, s.check())
	write := widgets.NewIconButton(k.hooks, k.tr("MsgNewMessage"), theme.ContentAddIcon(), func() { k.show(newCompose(k, s.sess)) })
	write.Importance = widget.HighImportance
	head := container.NewBorder(nil, nil, nil, write, heading(k.tr("InboxHeading")))
	top := container.NewVBox(head, notice, s.status, s.errText)
	s.root = readingBorder(top, nil, shrinkable(s.list))
	return s.root
}

// a row: unread dot, service and time; the subject; the preview.
func (s *inbox) newRow() fyne.CanvasObject {
	dot := canvas.NewCircle(kt.Colors().Unread)
	dotBox := container.NewGridWrap(fyne.NewSize(16, 16), dot)
	service := widget.NewLabel("")
	service.Truncation = fyne.TextTruncateEllipsis
	when := widget.NewLabel("")
	subject := widget.NewLabel("")
	subject.TextStyle = fyne.TextStyle{Bold: true}
	subject.Truncation = fyne.TextTruncateEllipsis
	preview := widget.NewLabel("")
	preview.Truncation = fyne.TextTruncateEllipsis
	preview.Importance = widget.LowImportance
	head := container.NewBorder(nil, nil, container.NewCenter(dotBox), when, service)
	return container.New(layout.NewCustomPaddedVBoxLayout(0), head, subject, preview)
}

func (s *inbox) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(s.threads) {
		return
	}
	t := s.threads[i]
	box := o.(*fyne.Container)
	head := box.Objects[0].(*fyne.Container)
	service := head.Objects[0].(*widget.Label)
	dotBox := head.Objects[1].(*fyne.Container)
	when := head.Objects[2].(*widget.Label)
	service.TextStyle = fyne.TextStyle{Bold: t.Unread}
	service.SetText(s.k.serviceName(t.Service))
	when.SetText(s.k.shortTime(t.LastMessageAt))
	if t.Unread {
		dotBox.Show()
	} else {
		dotBox.Hide()
	}
	subject := box.Objects[1].(*widget.Label)
	if t.Unread {
		subject.SetText(s.k.tr("UnreadMarker") + " " + t.Subject)
	} else {
		subject.SetText(t.Subject)
	}
	box.Objects[2].(*widget.Label).SetText(t.LastMessagePreview)
	if i >= len(s.threads)-3 {
		s.loadMore()
	}
}

// loadMore loads the next page, when there is one and none is loading.
func (s *inbox) loadMore() {
	if s.loading || !s.more {
		return
	}
	s.loading = true
	k := s.k
	sess, pid, cursor := s.sess.api, s.sess.personID(), s.next
	k.async(s, func(ctx context.Context) func() {
		page, err := sess.Threads(ctx, pid, cursor, inboxPageSize)
		return func() {
			s.loading = false
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.Hide()
					sayIn(s.errText, k.errText(err), s.root, nil)
				}
				return
			}
			sayIn(s.errText, "", s.root, nil)
			s.threads = append(s.threads, page.Items...)
			s.more = page.NextCursor != nil && *page.NextCursor != ""
			if s.more {
				s.next = *page.NextCursor
			}
			s.showCount(page.UnreadCount)
			s.list.Refresh()
		}
	})
}

func (s *inbox) showCount(unread int) {
	k := s.k
	s.showNotice(s.sess.seeUnread(unread))
	switch {
	case len(s.threads) == 0:
		s.status.SetText(k.tr("InboxEmpty"))
	case unread > 0:
		s.status.SetText(k.trn("UnreadCount", unread))
	default:
		s.status.SetText(k.tr("NoUnread"))
	}
	s.status.Show()
}

// check makes one poll: the first page again. Threads in it move to the top (new activity sorts first);
// the rest of what is loaded stays where it is.
func (s *inbox) check() func(ctx context.Context) func() {
	sess, pid := s.sess.api, s.sess.personID()
	return func(ctx context.Context) func() {
		page, err := sess.Threads(ctx, pid, "", inboxPageSize)
		if err != nil {
			return nil // a failed poll is tried again at the next tick; the list stays as it is
		}
		return func() { s.merge(page) }
	}
}

func (s *inbox) merge(page *api.ThreadPage) {
	if s.loading {
		return // a page is on its way and will carry the count
	}
	fresh := map[string]bool{}
	for _, t := range page.Items {
		fresh[t.Id] = true
	}
	merged := append(make([]api.ThreadSummary, 0, len(s.threads)+len(page.Items)), page.Items...)
	for _, t := range s.threads {
		if !fresh[t.Id] {
			merged = append(merged, t)
		}
	}
	s.threads = merged
	if len(s.threads) <= len(page.Items) { // everything there was fitted on the first page
		s.more = page.NextCursor != nil && *page.NextCursor != ""
		if s.more {
			s.next = *page.NextCursor
		}
	}
	s.showCount(page.UnreadCount)
	s.list.Refresh()
}

func (s *inbox) stop() {
	if s.stopPoll != nil {
		s.stopPoll()
	}
}

func (s *inbox) kind() string { return "inbox" }

// rowText is what speech guidance says of row i: unread or not, the service, the subject, when, and the
// preview.
func (s *inbox) rowText(i widget.ListItemID) string {
	if i < 0 || i >= len(s.threads) {
		return ""
	}
	t := s.threads[i]
	parts := []string{}
	if t.Unread {
		parts = append(parts, s.k.tr("UnreadMarker"))
	}
	parts = append(parts, s.k.serviceName(t.Service), t.Subject, s.k.shortTime(t.LastMessageAt))
	for i, p := range parts {
		parts[i] = strings.TrimRight(p, ".: ")
	}
	return strings.Join(parts, ". ")
}
