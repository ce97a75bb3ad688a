package backend

import (
	"context"
	"database/sql"
)

// staffEvent is what a staff action tells the person about (a notice by SMS or e-mail: issue 22's outbox).
type staffEvent int

const (
	eventMessage        staffEvent = iota // a reply or a new thread
	eventVisitChanged                     // a visit moved or assigned
	eventVisitCancelled                   // a visit cancelled
	eventVisitDone                        // a visit marked done
)

// staffNotice queues the person's notice of a staff action, in the action's own transaction (so the notice
// is sent exactly when the change is committed). The notices outbox (branch h-notices: queueNotice) is not
// merged into this branch yet: until it is, no notice is queued.
func (s *Server) staffNotice(ctx context.Context, tx *sql.Tx, personID string, ev staffEvent) error {
	_, _, _, _ = ctx, tx, personID, ev
	return nil
}
