package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/domain/datefmt"
	"github.com/helsekiosk/helsekiosk/internal/domain/nin"
	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// The parts of the fullmakt screen.
type fullmaktMode int

const (
	fmLists   fullmaktMode = iota // who may act for me, and whom I may act for
	fmGrant                       // the grant form
	fmConfirm                     // confirm a revocation
)

// fullmaktScreen lists "Kven kan handle for meg" and "Kven eg kan handle for", and lets the citizen acting
// for themself give a fullmakt (name, national identity number checked at the field, scopes, optional end
// date) or revoke one (confirmed on our own panel). Acting for someone else, it says that only that person
// may give or revoke their fullmakt.
type fullmaktScreen struct {
	k    *Kiosk
	sess *session
	mode fullmaktMode

	lists   *api.FullmaktLists
	body    *fyne.Container
	actions *fyne.Container // the pinned bar below the scroll: a form's error and buttons
	scroll  *container.Scroll
	status  *widget.Label
	notice  *widget.Label

	// the grant form; kept while the screen lives, so a failure keeps what was typed
	name     *widgets.Entry
	nin      *widgets.Entry
	ninErr   *widget.Label
	nameErr  *widget.Label
	until    *widgets.Entry
	untilErr *widget.Label
	scopes   map[api.Scope]*widgets.Check
	scopeErr *widget.Label
	grantErr *widget.Label
	grantKey client.IdempotencyKey
	busy     bool

	// the revocation being confirmed
	revoke    *api.Fullmakt
	revokeErr *widget.Label
	revokeKey client.IdempotencyKey
}

func newFullmakt(k *Kiosk, sess *session) *fullmaktScreen { return &fullmaktScreen{k: k, sess: sess} }

var fullmaktScopes = []struct {
	s  api.Scope
	id string
}{
	{api.Messages, id("FullmaktScopeMessages")},
	{api.Appointments, id("FullmaktScopeAppointments")},
	{api.Settings, id("FullmaktScopeSettings")},
}

// mayManage reports whether the citizen may give and revoke fullmakt here: only for themself.
func (s *fullmaktScreen) mayManage() bool { return !s.sess.actingForOther() }

func (s *fullmaktScreen) buildUI() fyne.CanvasObject {
	k := s.k
	s.body = container.NewVBox()
	s.status = para("")
	s.status.Hide()
	s.notice = para("")
	s.notice.TextStyle = fyne.TextStyle{Bold: true}
	s.notice.Importance = widget.SuccessImportance
	s.notice.Hide()
	s.name = widgets.NewEntry(k.hooks).SetLabel(k.tr("FullmaktNameLabel"))
	s.name.SetPlaceHolder(k.tr("FullmaktNamePlaceholder"))
	s.name.OnChanged = func(string) { s.say(s.nameErr, ""); s.say(s.grantErr, "") }
	s.nameErr = errorLabel()
	s.nin = widgets.NewEntry(k.hooks).SetLabel(k.tr("FullmaktNinLabel"))
	s.nin.SetPlaceHolder(k.tr("FullmaktNinPlaceholder"))
	s.ninErr = errorLabel()
	s.nin.OnChanged = func(v string) {
		s.say(s.grantErr, "")
		// Check at the field once the number could be whole; before that, only say what is wrong when
		// it cannot become right (a letter).
		n := cleanNIN(v)
		if len(n) >= 11 || !allDigits(n) {
			s.say(s.ninErr, s.ninMessage(n))
		} else {
			s.say(s.ninErr, "")
		}
	}
	s.until = widgets.NewEntry(k.hooks).SetLabel(k.tr("FullmaktUntilLabel"))
	s.until.SetPlaceHolder(k.tr("FullmaktUntilPlaceholder"))
	s.until.OnChanged = func(string) { s.say(s.untilErr, ""); s.say(s.grantErr, "") }
	s.untilErr = errorLabel()
	s.scopes = map[api.Scope]*widgets.Check{}
	for _, sc := range fullmaktScopes {
		s.scopes[sc.s] = widgets.NewCheck(k.hooks, k.tr(sc.id), func(bool) { s.say(s.scopeErr, ""); s.say(s.grantErr, "") })
	}
	s.scopeErr = errorLabel()
	s.grantErr = errorLabel()
	s.revokeErr = errorLabel()
	s.refresh()
	if s.sess.may(api.Settings) {
		s.load()
	}
	var scrolled fyne.CanvasObject
	s.scroll, scrolled = k.vscroll(container.NewVBox(s.notice, s.status, s.body))
	return readingBorder(heading(k.tr("FullmaktHeading")), s.actions, scrolled)
}

func (s *fullmaktScreen) load() {
	k := s.k
	sess, pid := s.sess.api, s.sess.personID()
	s.status.SetText(k.tr("Loading"))
	s.status.Show()
	k.async(s, func(ctx context.Context) func() {
		l, err := sess.Fullmakt(ctx, pid)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
				}
				return
			}
			s.status.SetText("")
			s.status.Hide()
			s.lists = l
			s.refresh()
		}
	})
}

func (s *fullmaktScreen) setMode(m fullmaktMode) {
	s.mode = m
	s.refresh()
}

func (s *fullmaktScreen) refresh() {
	if s.actions == nil {
		s.actions = container.NewVBox()
	}
	s.body.RemoveAll()
	s.actions.RemoveAll()
	switch s.mode {
	case fmLists:
		s.showLists()
	case fmGrant:
		s.grantForm()
	case fmConfirm:
		s.confirmRevoke()
	}
	s.body.Refresh()
	s.actions.Refresh()
	if s.scroll != nil {
		s.scroll.Refresh()
	}
}

func (s *fullmaktScreen) showLists() {
	k := s.k
	if !s.mayManage() {
		s.body.Add(subheading(k.trd("FullmaktOnlySelf", map[string]any{"Name": s.sess.personName()})))
		s.body.Add(para(k.tr("FullmaktSwitchToSelf")))
		if len(s.sess.me.Persons) > 1 {
			s.body.Add(container.NewHBox(widgets.NewIconButton(k.hooks, k.tr("SwitchPerson"), theme.AccountIcon(), func() { k.show(newChoosePerson(k, s.sess)) })))
		}
	} else {
		s.body.Add(para(k.tr("FullmaktIntro")))
		s.body.Add(container.NewHBox(widgets.NewIconButton(k.hooks, k.tr("FullmaktGrantButton"), theme.ContentAddIcon(), func() {
			s.say(s.notice, "")
			s.setMode(fmGrant)
		})))
	}
	if s.lists == nil {
		return
	}
	s.body.Add(subheading(k.tr("FullmaktForMe")))
	if len(s.lists.GrantedByMe) == 0 {
		s.body.Add(para(k.tr("FullmaktNoneForMe")))
	}
	for i := range s.lists.GrantedByMe {
		f := s.lists.GrantedByMe[i]
		var action fyne.CanvasObject
		if s.mayManage() {
			action = widgets.NewButton(k.hooks, k.tr("FullmaktRevoke"), func() {
				s.say(s.notice, "")
				s.say(s.revokeErr, "")
				s.revoke = &f
				s.setMode(fmConfirm)
			})
		}
		s.body.Add(s.fullmaktCard(f.Receiver.Name, f, action))
	}
	s.body.Add(subheading(k.tr("FullmaktIActFor")))
	if len(s.lists.GrantedToMe) == 0 {
		s.body.Add(para(k.tr("FullmaktNoneIActFor")))
	}
	for _, f := range s.lists.GrantedToMe {
		s.body.Add(s.fullmaktCard(f.Giver.Name, f, nil))
	}
}

// fullmaktCard is one fullmakt: the other person's name, the scopes and the end date.
func (s *fullmaktScreen) fullmaktCard(name string, f api.Fullmakt, action fyne.CanvasObject) fyne.CanvasObject {
	k := s.k
	title := widget.NewLabel(name)
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.SizeName = theme.SizeNameSubHeadingText
	until := k.tr("FullmaktNoEnd")
	if f.ValidUntil != nil {
		until = k.trd("FullmaktUntil", map[string]any{"Date": k.fullDate(f.ValidUntil.Time)})
	}
	lines := container.NewVBox(title, para(k.trd("FullmaktScopes", map[string]any{"Scopes": s.scopeList(f.Scopes)})+"  ·  "+until))
	bg := canvas.NewRectangle(kt.Colors().Surface)
	bg.CornerRadius = 12
	var row fyne.CanvasObject = lines
	if action != nil {
		row = container.NewBorder(nil, nil, nil, container.NewCenter(action), lines)
	}
	return container.NewStack(bg, container.NewPadded(row))
}

func (s *fullmaktScreen) scopeList(scopes []api.Scope) string {
	var parts []string
	for _, sc := range fullmaktScopes {
		for _, have := range scopes {
			if have == sc.s {
				parts = append(parts, strings.ToLower(s.k.tr(sc.id)))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// fullDate is "31. desember 2026" (a date, not a moment: read in UTC as the contract's dates are).
func (k *Kiosk) fullDate(d time.Time) string {
	return k.trd("FullmaktDate", map[string]any{"Day": d.Day(), "Month": datefmt.Month(k.lang, d.Month()), "Year": d.Year()})
}

// ---- grant ----

func (s *fullmaktScreen) grantForm() {
	k := s.k
	s.body.Add(subheading(k.tr("FullmaktGrantHeading")))
	s.body.Add(para(k.tr("FullmaktGrantIntro")))
	field := func(label string, e fyne.CanvasObject, errl *widget.Label) fyne.CanvasObject {
		l := widget.NewLabel(label)
		l.TextStyle = fyne.TextStyle{Bold: true}
		return container.NewVBox(l, e, errl)
	}
	checks := container.NewHBox()
	if k.disp.size != kt.SizeNormal {
		checks = container.NewVBox() // one under the other: side by side they are wider than the column
	}
	for _, sc := range fullmaktScopes {
		checks.Add(s.scopes[sc.s])
	}
	// Two columns, so the whole form and its messages fit on a kiosk screen.
	s.body.Add(container.NewGridWithColumns(2,
		field(k.tr("FullmaktNameLabel"), s.name, s.nameErr),
		field(k.tr("FullmaktNinLabel"), s.nin, s.ninErr)))
	s.body.Add(container.NewGridWithColumns(2,
		field(k.tr("FullmaktScopesLabel"), checks, s.scopeErr),
		field(k.tr("FullmaktUntilLabel"), s.until, s.untilErr)))
	send := widgets.NewPrimaryButton(k.hooks, k.tr("FullmaktGrantSend"), s.grant)
	if s.busy {
		send.Disable()
	}
	s.actions.Add(s.grantErr)
	s.actions.Add(container.NewGridWithColumns(2,
		widgets.NewButton(k.hooks, k.tr("ApptGoBack"), func() { s.setMode(fmLists) }),
		send))
}

// cleanNIN drops the spaces and dots people type between the groups of digits.
func cleanNIN(v string) string {
	return strings.NewReplacer(" ", "", ".", "", "\u00a0", "").Replace(strings.TrimSpace(v))
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ninMessage is the translated reason a national identity number is not valid, or "".
func (s *fullmaktScreen) ninMessage(n string) string {
	k := s.k
	err := nin.Validate(n)
	switch {
	case err == nil:
		return ""
	case n == "":
		return k.tr("FullmaktNinEmpty")
	case !allDigits(n) || errors.Is(err, nin.ErrNotDigits):
		return k.tr("FullmaktNinNotDigits")
	case errors.Is(err, nin.ErrLength):
		return k.trd("FullmaktNinLength", map[string]any{"Count": len(n)})
	case errors.Is(err, nin.ErrDate):
		return k.tr("FullmaktNinDate")
	case errors.Is(err, nin.ErrCheckDigit1):
		return k.tr("FullmaktNinCheck1")
	case errors.Is(err, nin.ErrCheckDigit2):
		return k.tr("FullmaktNinCheck2")
	}
	return k.tr("FullmaktNinInvalid")
}

// parseUntil reads "31.12.2026" (also with "/" or "-" between, or 2-digit years); "" is no end date.
func (s *fullmaktScreen) parseUntil(v string) (*openapi_types.Date, string) {
	k := s.k
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, ""
	}
	v = strings.NewReplacer("/", ".", "-", ".", " ", "").Replace(v)
	var t time.Time
	var err error
	for _, layout := range []string{"2.1.2006", "02.01.2006", "2.1.06", "02.01.06"} {
		if t, err = time.Parse(layout, v); err == nil {
			break
		}
	}
	if err != nil {
		return nil, k.tr("FullmaktUntilFormat")
	}
	today := k.today()
	if !t.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		return nil, k.tr("FullmaktEndNotFuture")
	}
	return &openapi_types.Date{Time: t}, ""
}

// grant checks the form at the kiosk (nothing is sent while a field is wrong), then sends it.
func (s *fullmaktScreen) grant() {
	k := s.k
	if s.busy {
		return
	}
	ok := true
	name := strings.TrimSpace(s.name.Text)
	if name == "" {
		s.say(s.nameErr, k.tr("FullmaktNameMissing"))
		ok = false
	}
	n := cleanNIN(s.nin.Text)
	if msg := s.ninMessage(n); msg != "" {
		s.say(s.ninErr, msg)
		ok = false
	}
	var scopes []api.Scope
	for _, sc := range fullmaktScopes {
		if s.scopes[sc.s].Checked {
			scopes = append(scopes, sc.s)
		}
	}
	if len(scopes) == 0 {
		s.say(s.scopeErr, k.tr("FullmaktScopesMissing"))
		ok = false
	}
	until, msg := s.parseUntil(s.until.Text)
	if msg != "" {
		s.say(s.untilErr, msg)
		ok = false
	}
	if !ok {
		s.say(s.grantErr, k.tr("FullmaktFixFields"))
		return
	}
	req := api.NewFullmakt{ReceiverName: name, ReceiverNationalId: n, Scopes: scopes, ValidUntil: until}
	key := s.grantKey.ForJSON(req)
	sess, pid := s.sess.api, s.sess.personID()
	s.busy = true
	s.say(s.grantErr, "")
	s.refresh()
	k.async(s, func(ctx context.Context) func() {
		f, err := sess.GrantFullmakt(ctx, pid, key, req)
		return func() {
			s.busy = false
			if err != nil {
				if k.handleUnauthorized(err) {
					return
				}
				s.grantFailed(err) // what was typed, and the key, stay
				s.refresh()
				return
			}
			s.grantKey.Done()
			s.name.SetText("")
			s.nin.SetText("")
			s.until.SetText("")
			for _, c := range s.scopes {
				c.SetChecked(false)
			}
			s.say(s.ninErr, "")
			s.say(s.nameErr, "")
			s.say(s.grantErr, "")
			s.setMode(fmLists)
			s.say(s.notice, k.trd("FullmaktGranted", map[string]any{"Name": f.Receiver.Name}))
			s.load()
		}
	})
}

// grantFailed shows the backend's refusal at the field it concerns, translated.
func (s *fullmaktScreen) grantFailed(err error) {
	k := s.k
	switch client.CodeOf(err) {
	case string(api.ReceiverNotFound):
		s.say(s.ninErr, k.tr("FullmaktReceiverNotFound"))
	case string(api.ReceiverTooYoung):
		s.say(s.ninErr, k.tr("FullmaktReceiverTooYoung"))
	case string(api.FullmaktToSelf):
		s.say(s.ninErr, k.tr("FullmaktToSelf"))
	case string(api.EndDateNotFuture):
		s.say(s.untilErr, k.tr("FullmaktEndNotFuture"))
	case string(api.GiverTooYoung):
		s.say(s.grantErr, k.tr("FullmaktGiverTooYoung"))
	case string(api.FullmaktExists):
		s.say(s.grantErr, k.tr("FullmaktExists"))
	case string(api.SelfOnly):
		s.say(s.grantErr, k.trd("FullmaktOnlySelf", map[string]any{"Name": s.sess.personName()}))
	default:
		if client.FieldOf(err) == "receiverNationalId" {
			s.say(s.ninErr, k.tr("FullmaktNinInvalid"))
			return
		}
		s.say(s.grantErr, k.tr("FullmaktGrantFailed")+" "+k.errText(err))
	}
}

// ---- revoke ----

func (s *fullmaktScreen) confirmRevoke() {
	k := s.k
	f := s.revoke
	if f == nil {
		s.mode = fmLists
		s.showLists()
		return
	}
	s.body.Add(subheading(k.trd("FullmaktRevokeQuestion", map[string]any{"Name": f.Receiver.Name})))
	s.body.Add(para(k.trd("FullmaktRevokeExplain", map[string]any{"Name": f.Receiver.Name})))
	s.actions.Add(s.revokeErr)
	yes := widgets.NewPrimaryButton(k.hooks, k.tr("FullmaktRevokeYes"), s.doRevoke)
	if s.busy {
		yes.Disable()
	}
	s.actions.Add(container.NewGridWithColumns(2,
		widgets.NewButton(k.hooks, k.tr("FullmaktRevokeNo"), func() { s.revoke = nil; s.setMode(fmLists) }),
		yes))
}

func (s *fullmaktScreen) doRevoke() {
	k := s.k
	f := s.revoke
	if f == nil || s.busy {
		return
	}
	key := s.revokeKey.ForJSON(f.Id)
	sess, pid := s.sess.api, s.sess.personID()
	s.busy = true
	s.say(s.revokeErr, "")
	s.refresh()
	k.async(s, func(ctx context.Context) func() {
		err := sess.RevokeFullmakt(ctx, pid, f.Id, key)
		return func() {
			s.busy = false
			if err != nil {
				if k.handleUnauthorized(err) {
					return
				}
				if client.CodeOf(err) == string(api.SelfOnly) {
					s.say(s.revokeErr, k.trd("FullmaktOnlySelf", map[string]any{"Name": s.sess.personName()}))
				} else {
					s.say(s.revokeErr, k.tr("FullmaktRevokeFailed")+" "+k.errText(err))
				}
				s.refresh()
				return
			}
			s.revokeKey.Done()
			s.revoke = nil
			s.setMode(fmLists)
			s.say(s.notice, k.trd("FullmaktRevoked", map[string]any{"Name": f.Receiver.Name}))
			s.load()
		}
	})
}

func (s *fullmaktScreen) stop() {}

func (s *fullmaktScreen) kind() string { return "fullmaktScreen" }

// say shows (or, with "", hides) a message in l and lays the screen out again: a label that appears must
// push what is below it down, not be drawn over it.
func (s *fullmaktScreen) say(l *widget.Label, text string) {
	sayIn(l, text, s.body, s.scroll)
	if s.actions != nil {
		s.actions.Refresh()
	}
	s.k.relayout()
}
