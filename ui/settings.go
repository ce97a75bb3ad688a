package ui

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// settings shows and changes how the person is told about new messages and changed and completed visits
// (SMS, e-mail, both or none). The registered phone number and e-mail address are shown partly masked:
// someone may stand behind the citizen. A choice is saved with Lagre, and the screen confirms it.
type settings struct {
	k       *Kiosk
	sess    *session
	current *api.NotificationSettings
	chosen  api.NotificationChannel
	done    bool // notices of completed visits too (the person's choice; the backend's completedVisits)
	key     client.IdempotencyKey
	saving  bool

	status   *widget.Label
	contacts *widget.Label
	choices  *fyne.Container
	doneBtn  *widgets.Button // «Varsel også når eit besøk er utført», ticked or not
	page     *fyne.Container
	scroll   *container.Scroll
	save     *widgets.Button
	errText  *widget.Label
}

func newSettings(k *Kiosk, sess *session) *settings { return &settings{k: k, sess: sess} }

var channels = []api.NotificationChannel{api.Sms, api.Email, api.Both, api.None}

func (s *settings) buildUI() fyne.CanvasObject {
	k := s.k
	s.status = para(k.tr("Loading"))
	s.status.TextStyle = fyne.TextStyle{Bold: true}
	s.contacts = para("")
	s.contacts.Hide()
	s.errText = errorLabel()
	s.choices = container.NewGridWithColumns(2)
	s.doneBtn = widgets.NewButton(k.hooks, k.tr("SettingsCompletedVisits"), func() {
		s.done = !s.done
		s.say(s.errText, "")
		s.show()
	})
	s.doneBtn.Alignment = widget.ButtonAlignLeading
	s.doneBtn.Hide()
	s.save = widgets.NewPrimaryButton(k.hooks, k.tr("SettingsSave"), s.doSave)
	s.save.Hide()
	s.load()
	s.page = container.NewVBox(
		heading(k.tr("SettingsHeading")),
		para(k.tr("SettingsIntro")),
		s.contacts, s.choices, s.doneBtn,
	)
	var scrolled fyne.CanvasObject
	s.scroll, scrolled = k.vscroll(s.page)
	// «Lagre», what it answered and an error stay in view below the choices.
	return readingBorder(nil, container.NewVBox(s.errText, container.NewBorder(nil, nil, s.save, nil, s.status)), scrolled)
}

func (s *settings) load() {
	k := s.k
	sess, pid := s.sess.api, s.sess.personID()
	k.async(s, func(ctx context.Context) func() {
		ns, err := sess.NotificationSettings(ctx, pid)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
				}
				return
			}
			s.current = ns
			s.chosen, s.done = ns.Channel, completedVisits(ns)
			s.status.SetText(k.trd("SettingsCurrent", map[string]any{"Channel": k.channelText(ns.Channel)}))
			s.show()
		}
	})
}

// show draws the choices, each with the sentence saying what it gives, the chosen one marked.
func (s *settings) show() {
	k := s.k
	ns := s.current
	phone, email := "–", "–"
	if ns.Phone != nil && *ns.Phone != "" {
		phone = maskPhone(*ns.Phone)
	}
	if ns.Email != nil && *ns.Email != "" {
		email = maskEmail(*ns.Email)
	}
	s.contacts.SetText(k.trd("SettingsContacts", map[string]any{"Phone": phone, "Email": email}))
	s.contacts.Show()
	s.choices.RemoveAll()
	for _, ch := range channels {
		b := widgets.NewButton(k.hooks, k.channelText(ch), func() {
			s.chosen = ch
			s.say(s.errText, "")
			s.show()
		})
		b.Alignment = widget.ButtonAlignLeading
		if ch == s.chosen {
			b.Importance = widget.HighImportance
			b.Icon = theme.RadioButtonCheckedIcon()
		} else {
			b.Icon = theme.RadioButtonIcon()
		}
		s.choices.Add(container.NewVBox(b, para(k.channelExplain(ch, phone, email))))
	}
	// Completed visits: a choice of its own, offered where some channel is chosen.
	if s.done {
		s.doneBtn.Icon = theme.CheckButtonCheckedIcon()
	} else {
		s.doneBtn.Icon = theme.CheckButtonIcon()
	}
	if s.chosen == api.None {
		s.doneBtn.Hide()
	} else {
		s.doneBtn.Show()
		s.doneBtn.Refresh()
	}
	s.save.Show()
	if s.saving || !s.changed() {
		s.save.Disable()
	} else {
		s.save.Enable()
	}
	if s.page != nil {
		s.page.Refresh()
		s.scroll.Refresh()
	}
}

func (s *settings) doSave() {
	k := s.k
	if s.current == nil || s.saving || !s.changed() {
		return
	}
	ch, done := s.chosen, s.done
	upd := api.NotificationSettingsUpdate{Channel: ch, CompletedVisits: &done}
	key := s.key.ForJSON(upd)
	sess, pid := s.sess.api, s.sess.personID()
	s.saving = true
	s.say(s.errText, "")
	s.status.Importance = widget.MediumImportance
	s.status.SetText(k.tr("Saving"))
	s.show()
	k.async(s, func(ctx context.Context) func() {
		ns, err := sess.SetNotificationSettings(ctx, pid, key, upd)
		return func() {
			s.saving = false
			if err != nil {
				if !k.handleUnauthorized(err) {
					// The choice stays chosen (and the key kept): Lagre again cannot save it twice.
					s.say(s.errText, k.tr("SettingsSaveFailed")+" "+k.errText(err))
					s.status.SetText(k.trd("SettingsCurrent", map[string]any{"Channel": k.channelText(s.current.Channel)}))
					s.show()
				}
				return
			}
			s.key.Done()
			s.current = ns
			s.chosen, s.done = ns.Channel, completedVisits(ns)
			s.show()
			s.status.Importance = widget.SuccessImportance
			s.status.SetText(k.trd("SettingsSaved", map[string]any{"Channel": k.channelText(ns.Channel)}))
		}
	})
}

// changed reports whether what is chosen differs from what is saved (the channel, or completed visits
// where a channel is chosen).
func (s *settings) changed() bool {
	ns := s.current
	return s.chosen != ns.Channel || s.chosen != api.None && s.done != completedVisits(ns)
}

// completedVisits is the person's choice of notices of completed visits (off where the backend says nothing).
func completedVisits(ns *api.NotificationSettings) bool {
	return ns.CompletedVisits != nil && *ns.CompletedVisits
}

func (k *Kiosk) channelText(ch api.NotificationChannel) string {
	switch ch {
	case api.Sms:
		return k.tr("ChannelSms")
	case api.Email:
		return k.tr("ChannelEmail")
	case api.Both:
		return k.tr("ChannelBoth")
	case api.None:
		return k.tr("ChannelNone")
	}
	return string(ch)
}

// channelExplain is one sentence on what a channel gives.
func (k *Kiosk) channelExplain(ch api.NotificationChannel, phone, email string) string {
	data := map[string]any{"Phone": phone, "Email": email}
	switch ch {
	case api.Sms:
		return k.trd("SettingsExplainSms", data)
	case api.Email:
		return k.trd("SettingsExplainEmail", data)
	case api.Both:
		return k.trd("SettingsExplainBoth", data)
	}
	return k.tr("SettingsExplainNone")
}

// maskPhone hides all but the last three digits, keeping the spacing: "900 00 234" -> "*** ** 234".
func maskPhone(p string) string {
	digits := 0
	for _, r := range p {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	var b strings.Builder
	seen := 0
	for _, r := range p {
		if unicode.IsDigit(r) {
			seen++
			if seen <= digits-3 {
				b.WriteRune('*')
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maskEmail keeps the first letter and the domain: "ingrid.haugen@example.no" -> "i****@example.no".
func maskEmail(e string) string {
	at := strings.LastIndex(e, "@")
	if at <= 0 {
		return "****"
	}
	r, _ := utf8.DecodeRuneInString(e)
	return string(r) + "****" + e[at:]
}

func (s *settings) stop() {}

func (s *settings) kind() string { return "settings" }

// say shows (or, with "", hides) a message in l and lays the screen out again: a label that appears must
// push what is below it down, not be drawn over it.
func (s *settings) say(l *widget.Label, text string) {
	if l.Text == text && l.Visible() == (text != "") {
		return
	}
	showError(l, text)
	if s.page != nil {
		s.page.Refresh()
	}
	if s.scroll != nil {
		s.scroll.Refresh()
	}
}
