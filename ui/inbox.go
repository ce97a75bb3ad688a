package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
)

// inboxPageSize is how many threads one page asks for.
var inboxPageSize = 20 // a variable for the paging test

// inbox lists the person's threads, newest first, loading the next page as the list nears its end.
type inbox struct {
	k       *Kiosk
	threads []api.ThreadSummary
	next    string // cursor of the next page; "" when there is none
	more    bool   // whether a next page exists
	loading bool

	list    *widget.List
	status  *widget.Label
	errText *widget.Label
}

func newInbox(k *Kiosk) *inbox { return &inbox{k: k, more: true} }

func (s *inbox) buildUI() fyne.CanvasObject {
	k := s.k
	s.status = widget.NewLabel(k.tr("Loading"))
	s.errText = errorLabel()
	s.list = widget.NewList(
		func() int { return len(s.threads) },
		s.newRow,
		func(i widget.ListItemID, o fyne.CanvasObject) { s.updateRow(i, o) },
	)
	s.list.OnSelected = func(i widget.ListItemID) {
		k.touch()
		s.list.Unselect(i)
		if i >= 0 && i < len(s.threads) {
			s.threads[i].Unread = false
			k.show(newThread(k, s.threads[i].Id))
		}
	}
	s.loadMore()
	top := container.NewVBox(heading(k.tr("InboxHeading")), s.status, s.errText)
	return container.NewBorder(top, nil, nil, nil, s.list)
}

// a row: unread dot, service and time; the subject; the preview.
func (s *inbox) newRow() fyne.CanvasObject {
	dot := canvas.NewCircle(kt.Unread)
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
	return container.NewVBox(head, subject, preview)
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
	service.SetText(s.k.serviceName(t.Service))
	when.SetText(s.k.shortTime(t.LastMessageAt))
	if t.Unread {
		dotBox.Show()
		service.TextStyle = fyne.TextStyle{Bold: true}
	} else {
		dotBox.Hide()
		service.TextStyle = fyne.TextStyle{}
	}
	service.Refresh()
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
	sess, pid, cursor := k.sess, k.person.Person.Id, s.next
	k.async(s, func(ctx context.Context) func() {
		page, err := sess.Threads(ctx, pid, cursor, inboxPageSize)
		return func() {
			s.loading = false
			if err != nil {
				if !k.handleUnauthorized(err) {
					showError(s.errText, k.errText(err))
					s.status.Hide()
				}
				return
			}
			showError(s.errText, "")
			s.threads = append(s.threads, page.Items...)
			s.more = page.NextCursor != nil && *page.NextCursor != ""
			if s.more {
				s.next = *page.NextCursor
			}
			switch {
			case len(s.threads) == 0:
				s.status.SetText(k.tr("InboxEmpty"))
			case page.UnreadCount > 0:
				s.status.SetText(k.trn("UnreadCount", page.UnreadCount))
			default:
				s.status.SetText(k.tr("NoUnread"))
			}
			s.status.Show()
			s.list.Refresh()
		}
	})
}

func (s *inbox) stop() {}
