package backend

import (
	"context"
	"database/sql"
	"fmt"
)

// staffEvent is what a staff action tells the person about.
type staffEvent int

const (
	eventMessage        staffEvent = iota // a reply, a new thread, an answered request
	eventVisitChanged                     // a visit created, moved or assigned
	eventVisitCancelled                   // a visit cancelled
	eventVisitDone                        // a visit marked done
)

var eventKinds = map[staffEvent]NoticeKind{
	eventMessage: NoticeMessage, eventVisitChanged: NoticeVisitChanged,
	eventVisitCancelled: NoticeVisitCancelled, eventVisitDone: NoticeVisitDone,
}

// staffNotice queues the person's notice (SMS or e-mail, notices.go) of a staff action in the action's
// own transaction: the notice is sent exactly when the change is committed, and never without it.
func (s *Server) staffNotice(ctx context.Context, tx *sql.Tx, personID string, ev staffEvent) error {
	kind, ok := eventKinds[ev]
	if !ok {
		return fmt.Errorf("staff notice: unknown event %d", ev)
	}
	return s.queueNotice(ctx, tx, personID, kind)
}
