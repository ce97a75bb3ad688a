package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/internal/domain/workdays"
)

// all runs every check, in order.
func (r *runner) all(ctx context.Context) {
	r.checkBasics(ctx)
	for _, p := range r.cfg.Persons {
		if r.tokens[p.Name] != "" {
			r.checkMe(ctx, p)
		}
	}
	r.findSamples(ctx)
	for _, rel := range r.cfg.Relations {
		r.checkRelation(ctx, rel)
	}
	w := r.writer()
	r.checkIdempotency(ctx, w)
	r.checkThreadPaging(ctx, w)
	r.checkMessagePaging(ctx, w)
	r.checkRules(ctx, w)
	r.checkLogout(ctx)
	r.summary()
}

// checkLogout logs out the first person's token (POST /v1/logout) and checks that the backend refuses it
// from then on. It runs last: the token is dead afterwards (a static token in the config too).
func (r *runner) checkLogout(ctx context.Context) {
	var p Person
	var tok string
	for _, q := range r.cfg.Persons {
		if tok = r.tokens[q.Name]; tok != "" {
			p = q
			break
		}
	}
	r.check(fmt.Sprintf("logout: after POST /v1/logout %s's token → 401 token_invalid", p.Name), func(c *C) {
		if tok == "" {
			c.Skipf("no person's token")
		}
		wantStatus(c, r.do(ctx, c, http.MethodGet, "/v1/me", tok, nil), "", http.StatusOK)
		if !wantStatus(c, r.do(ctx, c, http.MethodPost, "/v1/logout", tok, nil), "", http.StatusNoContent) {
			return
		}
		wantStatus(c, r.do(ctx, c, http.MethodGet, "/v1/me", tok, nil), string(api.TokenInvalid), http.StatusUnauthorized)
		wantStatus(c, r.do(ctx, c, http.MethodGet, personPath(p.ID, "overview"), tok, nil), string(api.TokenInvalid), http.StatusUnauthorized)
		// A repeat (the kiosk retrying after a lost answer) is no error.
		wantStatus(c, r.do(ctx, c, http.MethodPost, "/v1/logout", tok, nil), "", http.StatusNoContent)
	})
}

func (r *runner) checkBasics(ctx context.Context) {
	r.check("basics: GET /v1/health answers 200 ok", func(c *C) {
		var h api.Health
		r.get(ctx, c, "/v1/health", "", &h)
		if h.Status != api.Ok {
			c.Errorf("status %q", h.Status)
		}
	})
	r.check("auth: no token → 401 unauthorized", func(c *C) {
		wantStatus(c, r.do(ctx, c, http.MethodGet, "/v1/me", "", nil), string(api.Unauthorized), http.StatusUnauthorized)
	})
	r.check("auth: a forged token → 401 token_invalid", func(c *C) {
		forged := "eyJhbGciOiJub25lIn0.eyJwaWQiOiIwMTAxMDExMjM0NSJ9."
		wantStatus(c, r.do(ctx, c, http.MethodGet, "/v1/me", forged, nil), string(api.TokenInvalid), http.StatusUnauthorized)
	})
}

func (r *runner) checkMe(ctx context.Context, p Person) {
	r.check(fmt.Sprintf("me: %s's token is %s, consented", p.Name, p.ID), func(c *C) {
		var me api.Me
		r.get(ctx, c, "/v1/me", r.tokens[p.Name], &me)
		if me.Citizen.Id != p.ID {
			c.Errorf("citizen.id %q, want %q", me.Citizen.Id, p.ID)
		}
		if !me.Consent.Given {
			c.Errorf("%s has not consented: give consent for the test person first", p.Name)
		}
		if len(me.Persons) == 0 || me.Persons[0].Relation != api.PersonAccessRelationSelf || me.Persons[0].Person.Id != p.ID {
			c.Errorf("persons[0] is not the citizen themself (relation self)")
		}
	})
}

// reaches reports whether the relation lets the actor use scope for the person.
func reaches(rel Relation, scope api.Scope) bool {
	switch rel.Kind {
	case Own, Child:
		return true
	case Fullmakt:
		return slices.Contains(rel.Scopes, string(scope))
	}
	return false
}

// reader finds a relation whose actor may use scope for person.
func (r *runner) reader(person string, scope api.Scope) (Relation, bool) {
	for _, rel := range r.cfg.Relations {
		if rel.Person == person && reaches(rel, scope) {
			return rel, true
		}
	}
	return Relation{}, false
}

// findSamples finds a thread and an appointment of each person someone reaches, for the resource-level
// access checks.
func (r *runner) findSamples(ctx context.Context) {
	from, to := r.today().AddDate(0, 0, -30), r.today().AddDate(0, 0, 30)
	r.check("setup: a thread and an appointment of each person, for the access checks", func(c *C) {
		var missing []string
		for _, p := range r.cfg.Persons {
			if rel, ok := r.reader(p.Name, api.Messages); ok {
				var page api.ThreadPage
				r.get(ctx, c, personPath(p.ID, "threads")+"?limit=1", r.tokens[rel.Actor], &page)
				if len(page.Items) > 0 {
					r.threads[p.Name] = page.Items[0].Id
				} else {
					missing = append(missing, p.Name+": no thread")
				}
			}
			if rel, ok := r.reader(p.Name, api.Appointments); ok {
				var list []api.Appointment
				r.get(ctx, c, personPath(p.ID, "appointments")+"?"+dateRange(from, to), r.tokens[rel.Actor], &list)
				if len(list) > 0 {
					r.appointments[p.Name] = list[0].Id
				} else {
					missing = append(missing, p.Name+": no appointment ±30 days")
				}
			}
		}
		if len(missing) > 0 {
			c.Notef("fewer resource checks: %s", strings.Join(missing, ", "))
		}
	})
}

func dateRange(from, to time.Time) string {
	return url.Values{"from": {from.Format(time.DateOnly)}, "to": {to.Format(time.DateOnly)}}.Encode()
}

func (r *runner) today() time.Time {
	y, m, d := r.opt.Now().In(workdays.Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, workdays.Oslo)
}

// checkRelation checks one line of the access-control matrix: what /v1/me says, and each scope's endpoints
// with the person's own resources.
func (r *runner) checkRelation(ctx context.Context, rel Relation) {
	actor, person := r.persons[rel.Actor], r.persons[rel.Person]
	tok := r.tokens[rel.Actor]
	r.check("access: "+rel.String()+": /v1/me", func(c *C) {
		var me api.Me
		r.get(ctx, c, "/v1/me", tok, &me)
		var got *api.PersonAccess
		for i := range me.Persons {
			if me.Persons[i].Person.Id == person.ID {
				got = &me.Persons[i]
			}
		}
		want := map[string]api.PersonAccessRelation{Own: api.PersonAccessRelationSelf, Fullmakt: api.PersonAccessRelationFullmakt, Child: api.PersonAccessRelationChild}[rel.Kind]
		switch {
		case rel.Kind == Stranger && got != nil:
			c.Errorf("%s is listed (relation %s) for %s, a stranger", person.ID, got.Relation, actor.ID)
		case rel.Kind == Stranger:
		case got == nil:
			c.Errorf("%s is not listed for %s", person.ID, actor.ID)
		case got.Relation != want:
			c.Errorf("relation %s, want %s", got.Relation, want)
		case rel.Kind == Fullmakt:
			var scopes []string
			for _, s := range got.Scopes {
				scopes = append(scopes, string(s))
			}
			if !sameSet(scopes, rel.Scopes) {
				c.Errorf("scopes %v, want %v", scopes, rel.Scopes)
			}
		}
	})
	r.check("access: "+rel.String()+": messages, appointments, settings and their resources", func(c *C) {
		type probe struct {
			scope  api.Scope
			method string
			path   string
			body   any
		}
		from, to := r.today(), r.today().AddDate(0, 0, 14)
		probes := []probe{
			{api.Messages, http.MethodGet, personPath(person.ID, "threads") + "?limit=1", nil},
			{api.Messages, http.MethodGet, personPath(person.ID, "services"), nil},
			{api.Appointments, http.MethodGet, personPath(person.ID, "appointments") + "?" + dateRange(from, to), nil},
			{api.Settings, http.MethodGet, personPath(person.ID, "notification-settings"), nil},
		}
		if id := r.threads[rel.Person]; id != "" {
			probes = append(probes,
				probe{api.Messages, http.MethodGet, personPath(person.ID, "threads", id), nil},
				probe{api.Messages, http.MethodGet, personPath(person.ID, "threads", id, "messages") + "?limit=1", nil})
		}
		if id := r.appointments[rel.Person]; id != "" {
			probes = append(probes, probe{api.Appointments, http.MethodGet, personPath(person.ID, "appointments", id), nil})
		}
		for _, pr := range probes {
			res := r.do(ctx, c, pr.method, pr.path, tok, pr.body)
			switch {
			case rel.Kind == Stranger:
				if !wantStatus(c, res, "", http.StatusNotFound, http.StatusForbidden) {
					continue
				}
				if code := res.code(); code != string(api.NotFound) && res.Status == http.StatusNotFound {
					c.Errorf("%s with code %q, want not_found", res, code)
				}
			case reaches(rel, pr.scope):
				wantStatus(c, res, "", http.StatusOK)
			default:
				wantStatus(c, res, string(api.ScopeMissing), http.StatusForbidden)
			}
		}
		// One's own path with another person's thread: never there.
		if rel.Kind == Own {
			for name, id := range r.threads {
				if name != rel.Actor {
					res := r.do(ctx, c, http.MethodGet, personPath(actor.ID, "threads", id), tok, nil)
					wantStatus(c, res, string(api.NotFound), http.StatusNotFound)
					break
				}
			}
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// writer is the person the write checks use.
func (r *runner) writer() string {
	if r.cfg.Writer != "" {
		return r.cfg.Writer
	}
	for _, rel := range r.cfg.Relations {
		if rel.Kind == Own {
			return rel.Actor
		}
	}
	return ""
}

// written is what the write checks made, for the checks after them.
type written struct {
	threadID string
	replies  []api.Message
}

func (r *runner) written() *written { return &r.wr }

func (r *runner) checkIdempotency(ctx context.Context, name string) {
	p, tok := r.persons[name], r.tokens[name]
	wr := r.written()
	skip := func(c *C) {
		if name == "" {
			c.Skipf("no person with relation own to write with")
		}
	}
	stamp := strconv.FormatInt(r.opt.Now().UnixNano(), 36)
	r.check("idempotency: the same key twice → the same thread, created once", func(c *C) {
		skip(c)
		var svcs []api.Service
		r.get(ctx, c, personPath(p.ID, "services"), tok, &svcs)
		if len(svcs) == 0 {
			c.Skipf("%s has no service to write to", name)
		}
		key := "conformance-thread-" + stamp
		body := api.NewThread{ServiceId: svcs[0].Id, Subject: "Konformanstest " + stamp, Body: "Første melding frå konformanstesten."}
		first := r.do(ctx, c, http.MethodPost, personPath(p.ID, "threads"), tok, body, "Idempotency-Key", key)
		if !wantStatus(c, first, "", http.StatusCreated) {
			c.Fatalf("cannot go on")
		}
		t1 := decodeInto[api.Thread](c, first)
		wr.threadID = t1.Id
		second := r.do(ctx, c, http.MethodPost, personPath(p.ID, "threads"), tok, body, "Idempotency-Key", key)
		if wantStatus(c, second, "", http.StatusCreated) {
			if t2 := decodeInto[api.Thread](c, second); t2.Id != t1.Id {
				c.Errorf("the repeat created thread %s, the first %s", t2.Id, t1.Id)
			}
		}
		n := 0
		for _, ts := range r.walkThreads(ctx, c, p.ID, tok, 100) {
			if ts.Subject == body.Subject {
				n++
			}
		}
		if n != 1 {
			c.Errorf("%d threads with the subject, want 1", n)
		}
		// The same key with another body is refused.
		other := body
		other.Body = "Ein annan tekst med same nøkkel."
		res := r.do(ctx, c, http.MethodPost, personPath(p.ID, "threads"), tok, other, "Idempotency-Key", key)
		if wantStatus(c, res, string(api.IdempotencyKeyReused), http.StatusUnprocessableEntity) {
			c.Notef("same key, other body: 422 idempotency_key_reused")
		}
	})
	r.check("idempotency: 8 concurrent replies with one key → one message", func(c *C) {
		skip(c)
		if wr.threadID == "" {
			c.Skipf("no thread was created")
		}
		key := "conformance-reply-" + stamp
		text := "Svar frå konformanstesten " + stamp
		var wg sync.WaitGroup
		out := make([]*response, 8)
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = recover() }() // a failed request ends only its goroutine
				out[i] = r.do(ctx, c, http.MethodPost, personPath(p.ID, "threads", wr.threadID, "messages"), tok, api.NewMessage{Body: text}, "Idempotency-Key", key)
			}()
		}
		wg.Wait()
		ids := map[string]bool{}
		for _, res := range out {
			if res == nil {
				c.Errorf("a request failed")
				continue
			}
			if res.Status == http.StatusCreated {
				m := decodeInto[api.Message](c, res)
				ids[m.Id] = true
				if len(wr.replies) == 0 {
					wr.replies = append(wr.replies, m)
				}
			} else if res.Status != http.StatusConflict { // a 409 "in progress" is allowed to a concurrent repeat
				c.Errorf("%s: %.200s", res, res.Body)
			}
		}
		if len(ids) != 1 {
			c.Errorf("%d different message ids, want 1", len(ids))
		}
		n := 0
		for _, m := range r.walkMessages(ctx, c, p.ID, wr.threadID, tok, 100) {
			if m.Body == text {
				n++
			}
		}
		if n != 1 {
			c.Errorf("the thread holds the reply %d times, want once", n)
		}
	})
}

// walkThreads pages through a person's threads with limit, failing the check on a repeat.
func (r *runner) walkThreads(ctx context.Context, c *C, personID, tok string, limit int) []api.ThreadSummary {
	var out []api.ThreadSummary
	seen := map[string]bool{}
	cursor := ""
	for i := 0; ; i++ {
		if i > 10000 {
			c.Fatalf("more than 10000 pages of threads")
		}
		path := personPath(personID, "threads") + "?limit=" + strconv.Itoa(limit)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page api.ThreadPage
		r.get(ctx, c, path, tok, &page)
		if len(page.Items) > limit {
			c.Errorf("%s: %d items, more than the limit", path, len(page.Items))
		}
		for _, ts := range page.Items {
			if seen[ts.Id] {
				c.Errorf("thread %s on two pages", ts.Id)
			}
			seen[ts.Id] = true
			out = append(out, ts)
		}
		if page.NextCursor == nil {
			return out
		}
		if len(page.Items) == 0 {
			c.Fatalf("an empty page with a nextCursor")
		}
		cursor = *page.NextCursor
	}
}

// walkMessages pages through a thread's messages from the newest page back, and returns them oldest first.
func (r *runner) walkMessages(ctx context.Context, c *C, personID, threadID, tok string, limit int) []api.Message {
	var pages [][]api.Message
	seen := map[string]bool{}
	before := ""
	for i := 0; ; i++ {
		if i > 10000 {
			c.Fatalf("more than 10000 pages of messages")
		}
		path := personPath(personID, "threads", threadID, "messages") + "?limit=" + strconv.Itoa(limit)
		if before != "" {
			path += "&before=" + url.QueryEscape(before)
		}
		var page api.MessagePage
		r.get(ctx, c, path, tok, &page)
		if len(page.Items) > limit {
			c.Errorf("%s: %d items, more than the limit", path, len(page.Items))
		}
		for _, m := range page.Items {
			if seen[m.Id] {
				c.Errorf("message %s on two pages", m.Id)
			}
			seen[m.Id] = true
		}
		pages = append(pages, page.Items)
		if page.OlderCursor == nil {
			break
		}
		if len(page.Items) == 0 {
			c.Fatalf("an empty page with an olderCursor")
		}
		before = *page.OlderCursor
	}
	var out []api.Message
	for i := len(pages) - 1; i >= 0; i-- {
		out = append(out, pages[i]...)
	}
	return out
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func (r *runner) checkThreadPaging(ctx context.Context, name string) {
	p, tok := r.persons[name], r.tokens[name]
	n := r.opt.ThreadPageSize
	r.check(fmt.Sprintf("paging: threads walk by nextCursor without gaps or repeats (limit %d), newest first", n), func(c *C) {
		if name == "" {
			c.Skipf("no person with relation own")
		}
		small := r.walkThreads(ctx, c, p.ID, tok, n)
		big := r.walkThreads(ctx, c, p.ID, tok, 100)
		if !slices.Equal(ids(small, func(t api.ThreadSummary) string { return t.Id }), ids(big, func(t api.ThreadSummary) string { return t.Id })) {
			c.Errorf("the walk with limit %d (%d threads) differs from the one with limit 100 (%d)", n, len(small), len(big))
		}
		for i := 1; i < len(big); i++ {
			if big[i].LastMessageAt.After(big[i-1].LastMessageAt) {
				c.Errorf("thread %s (%v) after %s (%v): not newest first", big[i].Id, big[i].LastMessageAt, big[i-1].Id, big[i-1].LastMessageAt)
				break
			}
		}
		if len(big) <= n {
			c.Notef("only %d threads: one page", len(big))
		} else {
			c.Notef("%d threads", len(big))
		}
		res := r.do(ctx, c, http.MethodGet, personPath(p.ID, "threads")+"?cursor=not-a-cursor", tok, nil)
		wantStatus(c, res, string(api.InvalidRequest), http.StatusBadRequest)
	})
}

func (r *runner) checkMessagePaging(ctx context.Context, name string) {
	p, tok := r.persons[name], r.tokens[name]
	wr := r.written()
	n := r.opt.MessagePageSize
	r.check(fmt.Sprintf("paging: messages walk by olderCursor without gaps or repeats (limit %d), newest last", n), func(c *C) {
		if name == "" || wr.threadID == "" {
			c.Skipf("no thread was created")
		}
		path := personPath(p.ID, "threads", wr.threadID, "messages")
		for i := 0; i < 2*n+1; i++ { // so the walk needs three pages
			res := r.do(ctx, c, http.MethodPost, path, tok, api.NewMessage{Body: fmt.Sprintf("Side-melding %d", i+1)},
				"Idempotency-Key", fmt.Sprintf("conformance-page-%s-%d", wr.threadID, i))
			wantStatus(c, res, "", http.StatusCreated)
		}
		small := r.walkMessages(ctx, c, p.ID, wr.threadID, tok, n)
		big := r.walkMessages(ctx, c, p.ID, wr.threadID, tok, 100)
		if !slices.Equal(ids(small, func(m api.Message) string { return m.Id }), ids(big, func(m api.Message) string { return m.Id })) {
			c.Errorf("the walk with limit %d (%d messages) differs from the one with limit 100 (%d)", n, len(small), len(big))
		}
		for i := 1; i < len(big); i++ {
			if big[i].SentAt.Before(big[i-1].SentAt) {
				c.Errorf("message %s is older than the one before it: not newest last", big[i].Id)
				break
			}
		}
		var th api.Thread
		r.get(ctx, c, personPath(p.ID, "threads", wr.threadID)+"?limit="+strconv.Itoa(n), tok, &th)
		if len(big) >= n && !slices.Equal(ids(th.Messages, func(m api.Message) string { return m.Id }), ids(big[len(big)-n:], func(m api.Message) string { return m.Id })) {
			c.Errorf("GET thread?limit=%d does not give the newest %d messages, oldest first", n, n)
		}
		if len(big) > n && th.OlderCursor == nil {
			c.Errorf("GET thread?limit=%d has no olderCursor though the thread has %d messages", n, len(big))
		}
		for _, ts := range r.walkThreads(ctx, c, p.ID, tok, 100) {
			if ts.Id == wr.threadID && ts.MessageCount != len(big) {
				c.Errorf("messageCount %d, the walk found %d", ts.MessageCount, len(big))
			}
		}
		c.Notef("%d messages in %d pages", len(big), (len(big)+n-1)/n)
		res := r.do(ctx, c, http.MethodGet, path+"?before=not-a-cursor", tok, nil)
		wantStatus(c, res, string(api.InvalidRequest), http.StatusBadRequest)
	})
}

func (r *runner) checkRules(ctx context.Context, name string) {
	p, tok := r.persons[name], r.tokens[name]
	var rule api.CancellationRule
	r.check("rules: GET /v1/rules/cancellation", func(c *C) {
		if name == "" {
			c.Skipf("no person with relation own")
		}
		r.get(ctx, c, "/v1/rules/cancellation", tok, &rule)
		c.Notef("%d working days before, by %s %s", rule.WorkingDaysBefore, rule.CutoffTime, rule.TimeZone)
	})
	var booked []api.Appointment
	r.check("rules: every booked appointment's cancellableUntil follows the rule (working days, holidays)", func(c *C) {
		if rule.CutoffTime == "" {
			c.Skipf("no rule")
		}
		if rule.TimeZone != "Europe/Oslo" {
			c.Skipf("the kit computes deadlines in Europe/Oslo only, the rule says %s", rule.TimeZone)
		}
		for _, rel := range r.cfg.Relations {
			if rel.Kind == Stranger || !reaches(rel, api.Appointments) {
				continue
			}
			var list []api.Appointment
			r.get(ctx, c, personPath(r.persons[rel.Person].ID, "appointments")+"?"+dateRange(r.today().AddDate(0, 0, -1), r.today().AddDate(0, 0, 30)), r.tokens[rel.Actor], &list)
			for _, a := range list {
				if a.Status != api.Booked {
					continue
				}
				if rel.Actor == name && rel.Kind == Own {
					booked = append(booked, a)
				}
				want, err := workdays.CancellationDeadline(a.Start, rule.WorkingDaysBefore, rule.CutoffTime)
				if err != nil {
					c.Fatalf("the rule: %v", err)
				}
				if a.CancellableUntil == nil {
					c.Errorf("appointment %s: no cancellableUntil", a.Id)
				} else if !a.CancellableUntil.Equal(want) {
					c.Errorf("appointment %s at %s: cancellableUntil %s, the rule gives %s", a.Id, a.Start.Format(time.RFC3339), a.CancellableUntil.Format(time.RFC3339), want.Format(time.RFC3339))
				}
			}
		}
		if len(booked) == 0 {
			c.Notef("no booked appointment of %s in the next 30 days", name)
		}
	})
	r.check("rules: cancelling past the deadline → 409 cancellation_deadline_passed", func(c *C) {
		now := r.opt.Now()
		for _, a := range booked {
			if a.CancellableUntil != nil && !now.Before(*a.CancellableUntil) && a.Start.After(now) {
				res := r.do(ctx, c, http.MethodPost, personPath(p.ID, "appointments", a.Id, "cancellation"), tok,
					api.CancellationRequest{Reason: api.Ill}, "Idempotency-Key", "conformance-late-"+a.Id)
				wantStatus(c, res, string(api.CancellationDeadlinePassed), http.StatusConflict)
				c.Notef("appointment %s at %s, deadline %s", a.Id, a.Start.Format(time.RFC3339), a.CancellableUntil.Format(time.RFC3339))
				return
			}
		}
		c.Skipf("%s has no booked appointment past its cancellation deadline that has not started; add one to the test data", name)
	})
	wr := r.written()
	r.check("rules: a reply's sentAt is the backend's now, from which the reply date follows", func(c *C) {
		if len(wr.replies) == 0 {
			c.Skipf("no reply was sent")
		}
		m := wr.replies[0]
		now := r.opt.Now()
		if d := now.Sub(m.SentAt); d < -2*time.Minute || d > 5*time.Minute {
			c.Errorf("sentAt %s is %v from the kit's clock %s", m.SentAt.Format(time.RFC3339), d.Round(time.Second), now.Format(time.RFC3339))
		}
		due := workdays.ReplyDue(m.SentAt)
		if !due.After(m.SentAt) || !workdays.IsWorkingDay(due) {
			c.Errorf("the reply date %s is not a working day after %s", due.Format(time.DateOnly), m.SentAt.Format(time.RFC3339))
		}
		c.Notef("sent %s: the kiosk promises an answer by the end of %s", m.SentAt.Format(time.RFC3339), due.Format("Monday 2006-01-02"))
	})
	r.check("fields: a thread waiting for the service has replyDue, the next working day after the oldest unanswered message", func(c *C) {
		if wr.threadID == "" {
			c.Skipf("no thread was written")
		}
		var t api.Thread
		r.get(ctx, c, personPath(p.ID, "threads", wr.threadID), tok, &t)
		var oldest *api.Message
		for i := len(t.Messages) - 1; i >= 0 && t.Messages[i].Author == api.AuthorKindCitizen; i-- {
			oldest = &t.Messages[i]
		}
		if oldest == nil {
			c.Skipf("the service has answered the kit's thread")
		}
		want := workdays.ReplyDue(oldest.SentAt).Format(time.DateOnly)
		switch {
		case t.ReplyDue == nil:
			c.Errorf("thread %s waits for the service (last message the citizen's) but has no replyDue", t.Id)
		case t.ReplyDue.String() != want:
			c.Errorf("thread %s: replyDue %s, want %s (the next working day after %s)", t.Id, t.ReplyDue, want, oldest.SentAt.Format(time.RFC3339))
		default:
			c.Notef("thread %s: replyDue %s", t.Id, t.ReplyDue)
		}
		for _, ts := range r.walkThreads(ctx, c, p.ID, tok, 100) {
			if ts.Id == t.Id && (ts.ReplyDue == nil || ts.ReplyDue.String() != want) {
				c.Errorf("the thread list's %s: replyDue %v, want %s", ts.Id, ts.ReplyDue, want)
			}
		}
	})
	r.check("fields: staffName only on booked or fulfilled visits, cancelledBy only on cancelled ones, cancellationReason only when the service cancelled", func(c *C) {
		if name == "" {
			c.Skipf("no person with relation own")
		}
		var list []api.Appointment
		r.get(ctx, c, personPath(p.ID, "appointments")+"?"+dateRange(r.today().AddDate(0, 0, -60), r.today().AddDate(0, 0, 60)), tok, &list)
		named, cancelled := 0, 0
		for _, a := range list {
			if a.StaffName != nil {
				named++
				if a.Status != api.Booked && a.Status != api.Fulfilled {
					c.Errorf("appointment %s (%s) names the employee", a.Id, a.Status)
				}
				if *a.StaffName == "" {
					c.Errorf("appointment %s: an empty staffName (absent when not assigned)", a.Id)
				}
			}
			if a.CancelledBy != nil {
				cancelled++
				if a.Status != api.Cancelled {
					c.Errorf("appointment %s (%s) has cancelledBy", a.Id, a.Status)
				}
				if !a.CancelledBy.Valid() {
					c.Errorf("appointment %s: cancelledBy %q", a.Id, *a.CancelledBy)
				}
			}
			if a.CancellationReason != nil && (a.CancelledBy == nil || *a.CancelledBy != api.AppointmentCancelledByService) {
				c.Errorf("appointment %s: a cancellationReason without cancelledBy service", a.Id)
			}
		}
		c.Notef("%d visits, %d with the employee's name, %d saying who cancelled", len(list), named, cancelled)
	})
}
