package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"

	"github.com/helsekiosk/helsekiosk/client"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// refusalMessage is the message ID for a backend code that refuses the login itself, "" for any other code:
// the level was below BankID's (RFC 9470 insufficient_user_authentication), the token had no identity
// number, the person is not known to the service, or is under its age limit.
func refusalMessage(code string) string {
	switch code {
	case string(api.InsufficientUserAuthentication):
		return id("RefusedLevel")
	case string(api.PidMissing):
		return id("RefusedPidMissing")
	case string(api.UnknownPerson):
		return id("RefusedUnknownPerson")
	case string(api.UnderAge):
		return id("RefusedUnderAge")
	}
	return ""
}

// tokenRefused reports whether err is the backend (or the session, for a token it knows has expired and
// cannot renew) refusing the access token itself rather than the person: not a JWT or an issuer it does not
// trust (token_invalid), a token for another audience (wrong_audience), an expired one (token_expired). On
// the first call of a session this means the login cannot be used at this kiosk (RefusedToken); later in
// a visit it is an ended login ("you are logged out").
func tokenRefused(err error) bool {
	if !client.IsUnauthorized(err) {
		return false
	}
	switch client.CodeOf(err) {
	case string(api.TokenInvalid), string(api.WrongAudience), string(api.TokenExpired):
		return true
	}
	return false
}

// refuse ends a login the backend refused: the tokens are dropped and revoked and everything of the session
// goes, as at logout, and the refusal screen says why and what to do, in the language the citizen chose.
// Nothing personal was fetched (the refusal comes on the first call, Me).
func (k *Kiosk) refuse(err error, msgID string) {
	k.noteError(err) // its code goes to the operations log
	lang := k.lang
	k.logout(logoutRefused)
	if lang != k.lang {
		k.setLang(lang)
	}
	k.show(newRefusal(k, msgID))
}

// refusal says why a login was refused and what to do, with "Logg inn på nytt" and "Tilbake til start".
type refusal struct {
	k     *Kiosk
	msgID string
}

func newRefusal(k *Kiosk, msgID string) *refusal { return &refusal{k: k, msgID: msgID} }

func (s *refusal) buildUI() fyne.CanvasObject {
	k := s.k
	msg := para(k.trd(s.msgID, map[string]any{"Phone": HelpLine}))
	again := widgets.NewPrimaryButton(k.hooks, k.tr("LoginAgain"), func() { k.show(newLogin(k)) })
	back := widgets.NewButton(k.hooks, k.tr("BackToStart"), func() { k.logout(logoutCitizen) })
	// As the consent screen: heading, the text in a scroll (a wrapping label in a VBox would overlap what
	// follows at large text sizes), the buttons at the bottom.
	return container.NewBorder(heading(k.tr("RefusedHeading")), container.NewHBox(again, back, layout.NewSpacer()), nil, nil,
		k.scrolled(msg))
}

func (s *refusal) stop() {}

func (s *refusal) kind() string { return "refusal" }
