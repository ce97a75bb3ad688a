package ui

import (
	"context"
	"slices"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
)

// session is one citizen's visit from login to logout: the API session, Me, the person acted for, the
// message drafts with their idempotency keys and the unread count seen, and the context that logout
// cancels. The kiosk holds at most one (Kiosk.sess, nil between visits); the screens of a visit get it at
// construction (newInbox(k, sess)) and change it only through its methods. Logout drops it whole: nothing
// of a citizen outlives the visit. Touched on the UI goroutine only.
type session struct {
	api    *client.Session
	me     *api.Me           // nil until Me has been read
	person *api.PersonAccess // whom the citizen acts for now; nil until chosen
	msgs   messagesState

	ctx    context.Context // cancelled at logout
	cancel context.CancelFunc
}

// newSession starts the visit of a fresh login, with a context under parent.
func newSession(parent context.Context, sess *client.Session) *session {
	ctx, cancel := context.WithCancel(parent)
	return &session{api: sess, ctx: ctx, cancel: cancel}
}

// end cancels the session's context (its calls and loops) and forgets Me, the person acted for and the
// drafts, even for a stale reference; logout drops the session after (and revokes api).
func (s *session) end() {
	s.cancel()
	s.me, s.person, s.msgs = nil, nil, messagesState{}
}

// personID is the id of the person acted for, which every person-scoped call names.
func (s *session) personID() string { return s.person.Person.Id }

// personName is the name of the person acted for.
func (s *session) personName() string { return s.person.Person.Name }

// actFor makes p the person the citizen acts for.
func (s *session) actFor(p api.PersonAccess) { s.person = &p }

// actingForOther reports whether the citizen acts for someone else than themself now.
func (s *session) actingForOther() bool {
	return s.person != nil && s.person.Relation != api.PersonAccessRelationSelf
}

// may reports whether the person acted for allows scope.
func (s *session) may(scope api.Scope) bool {
	return s.person != nil && slices.Contains(s.person.Scopes, scope)
}

// choosesPerson reports whether the citizen may act for more than one person (self included).
func (s *session) choosesPerson() bool { return s.me != nil && len(s.me.Persons) > 1 }

// nameOf is the name of a person the citizen may act for, from Me ("" when not among them).
func (s *session) nameOf(id string) string {
	if s.me == nil {
		return ""
	}
	for _, p := range s.me.Persons {
		if p.Person.Id == id {
			return p.Person.Name
		}
	}
	return ""
}

// ownConsent reports whether a consent_required naming person p (maybe "") is about the citizen's own
// consent: no person named, or the citizen themself.
func (s *session) ownConsent(p string) bool {
	return p == "" || (s.me != nil && p == s.me.Citizen.Id)
}

// setMe records Me as just read.
func (s *session) setMe(me *api.Me) { s.me = me }

// setConsent records the consent just given.
func (s *session) setConsent(c api.Consent) { s.me.Consent = c }

// messagesState is the session's message work that outlives a screen: the new-message draft, the reply
// drafts by thread, each with its idempotency key, and the unread count last seen.
type messagesState struct {
	compose *composeDraft
	replies map[string]*draft
	unread  int
	known   bool // whether unread has been read from the backend in this session
}

// draft is text being written, and the Idempotency-Key of its sending (see client.IdempotencyKey: a retry
// of the same content reuses it, changed text gets a key of its own).
type draft struct {
	text string
	key  client.IdempotencyKey
}

// keyFor returns the key for sending content.
func (d *draft) keyFor(content string) string { return d.key.For(content) }

// setText records what the citizen has typed.
func (d *draft) setText(v string) { d.text = v }

// composeDraft is a new message being written.
type composeDraft struct {
	draft
	serviceID string
	subject   string
}

func (d *composeDraft) content() string { return d.serviceID + "\x00" + d.subject + "\x00" + d.text }

// setService records the service chosen (its id).
func (d *composeDraft) setService(id string) { d.serviceID = id }

// setSubject records the subject typed.
func (d *composeDraft) setSubject(v string) { d.subject = v }

// composeDraft returns the new-message draft, making it when there is none.
func (s *session) composeDraft() *composeDraft {
	if s.msgs.compose == nil {
		s.msgs.compose = &composeDraft{}
	}
	return s.msgs.compose
}

// composeSent drops the new-message draft d once it has been sent (unless another has replaced it).
func (s *session) composeSent(d *composeDraft) {
	if s.msgs.compose == d {
		s.msgs.compose = nil
	}
}

// replyDraft returns the reply draft for threadID, making it when create is true.
func (s *session) replyDraft(threadID string, create bool) *draft {
	if d := s.msgs.replies[threadID]; d != nil || !create {
		return d
	}
	if s.msgs.replies == nil {
		s.msgs.replies = map[string]*draft{}
	}
	d := &draft{}
	s.msgs.replies[threadID] = d
	return d
}

// setReply records the reply typed in threadID's thread, making its draft when there is none.
func (s *session) setReply(threadID, text string) { s.replyDraft(threadID, true).setText(text) }

// unsent reports whether a message the citizen sent was not confirmed sent: a reply or a new message whose
// sending began (its key is set) and neither answered nor given up. Said on the welcome screen after the
// visit, without the text.
func (s *session) unsent() bool {
	if d := s.msgs.compose; d != nil && d.key.Key() != "" {
		return true
	}
	for _, d := range s.msgs.replies {
		if d.key.Key() != "" {
			return true
		}
	}
	return false
}

// replySent drops the reply draft of threadID once it has been sent.
func (s *session) replySent(threadID string) { delete(s.msgs.replies, threadID) }

// seeUnread records the unread count n just read from the backend and returns how many more there are
// than last seen (0 the first time, or when there are fewer).
func (s *session) seeUnread(n int) int {
	more := 0
	if s.msgs.known && n > s.msgs.unread {
		more = n - s.msgs.unread
	}
	s.msgs.unread, s.msgs.known = n, true
	return more
}

// readOne records that the citizen read a thread that was unread.
func (s *session) readOne() {
	if s.msgs.known && s.msgs.unread > 0 {
		s.msgs.unread--
	}
}
