package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// consent asks a citizen who has not consented yet to accept the terms (or log out).
type consent struct {
	k       *Kiosk
	sess    *session
	key     client.IdempotencyKey // one key for this consent (the terms shown), kept until it succeeds
	accept  *widgets.Button
	decline *widgets.Button
	errText *widget.Label
}

func newConsent(k *Kiosk, sess *session) *consent {
	return &consent{k: k, sess: sess}
}

func (s *consent) buildUI() fyne.CanvasObject {
	k := s.k
	s.errText = errorLabel()
	s.accept = widgets.NewPrimaryButton(k.hooks, k.tr("ConsentAccept"), s.give)
	s.decline = widgets.NewButton(k.hooks, k.tr("ConsentDecline"), func() { k.logout(logoutDeclined) })
	terms := container.NewVBox(
		heading(k.tr("ConsentHeading")),
		para(k.tr("ConsentIntro")),
		para("• "+k.tr("ConsentPoint1")),
		para("• "+k.tr("ConsentPoint2")),
		para("• "+k.tr("ConsentPoint3")),
		para("• "+k.tr("ConsentPoint4")),
		s.errText,
	)
	buttons := container.NewHBox(s.accept, s.decline, layout.NewSpacer())
	return readingBorder(nil, buttons, k.scrolled(terms))
}

func (s *consent) give() {
	k := s.k
	version := s.sess.me.Consent.TermsVersion
	sess, key := s.sess.api, s.key.For(version)
	s.accept.Disable()
	showError(s.errText, "")
	k.async(s, func(ctx context.Context) func() {
		c, err := sess.GiveConsent(ctx, key, version)
		return func() {
			s.accept.Enable()
			if err != nil {
				if !k.handleUnauthorized(err) {
					showError(s.errText, k.errText(err))
				}
				return
			}
			s.sess.setConsent(*c)
			k.afterMe()
		}
	})
}

func (s *consent) stop() {}

func (s *consent) kind() string { return "consent" }
