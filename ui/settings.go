package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// settings shows and changes how the person is told about new messages and appointments (SMS, e-mail,
// both or none).
type settings struct {
	k       *Kiosk
	current *api.NotificationSettings
	key     string

	status   *widget.Label
	contacts *widget.Label
	choices  *fyne.Container
	errText  *widget.Label
}

func newSettings(k *Kiosk) *settings { return &settings{k: k} }

var channels = []api.NotificationChannel{api.Sms, api.Email, api.Both, api.None}

func (s *settings) buildUI() fyne.CanvasObject {
	k := s.k
	s.status = para(k.tr("Loading"))
	s.contacts = para("")
	s.contacts.Hide()
	s.errText = errorLabel()
	s.choices = container.NewVBox()
	s.load()
	return container.NewVScroll(container.NewVBox(
		heading(k.tr("SettingsHeading")),
		para(k.tr("SettingsIntro")),
		s.status, s.contacts, s.choices, s.errText,
	))
}

func (s *settings) load() {
	k := s.k
	sess, pid := k.sess, k.person.Person.Id
	k.async(s, func(ctx context.Context) func() {
		ns, err := sess.NotificationSettings(ctx, pid)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					s.status.SetText(k.errText(err))
				}
				return
			}
			s.show(ns)
		}
	})
}

func (s *settings) show(ns *api.NotificationSettings) {
	k := s.k
	s.current = ns
	s.status.SetText(k.trd("SettingsCurrent", map[string]any{"Channel": k.channelText(ns.Channel)}))
	phone, email := "–", "–"
	if ns.Phone != nil && *ns.Phone != "" {
		phone = *ns.Phone
	}
	if ns.Email != nil && *ns.Email != "" {
		email = *ns.Email
	}
	s.contacts.SetText(k.trd("SettingsContacts", map[string]any{"Phone": phone, "Email": email}))
	s.contacts.Show()
	s.choices.RemoveAll()
	for _, ch := range channels {
		b := widgets.NewButton(k.channelText(ch), func() { s.save(ch) })
		b.Alignment = widget.ButtonAlignLeading
		if ch == ns.Channel {
			b.Importance = widget.HighImportance
			b.Icon = theme.ConfirmIcon()
		}
		s.choices.Add(b)
	}
}

func (s *settings) save(ch api.NotificationChannel) {
	k := s.k
	if s.current != nil && s.current.Channel == ch {
		return
	}
	if s.key == "" {
		s.key = client.NewIdempotencyKey()
	}
	sess, pid, key := k.sess, k.person.Person.Id, s.key
	showError(s.errText, "")
	s.status.SetText(k.tr("Saving"))
	k.async(s, func(ctx context.Context) func() {
		ns, err := sess.SetNotificationChannel(ctx, pid, key, ch)
		return func() {
			if err != nil {
				if !k.handleUnauthorized(err) {
					showError(s.errText, k.errText(err))
					if s.current != nil {
						s.show(s.current)
					}
				}
				return
			}
			s.key = ""
			s.show(ns)
			s.status.SetText(k.trd("SettingsSaved", map[string]any{"Channel": k.channelText(ns.Channel)}))
		}
	})
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

func (s *settings) stop() {}
