package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	kt "github.com/helsekiosk/helsekiosk/ui/theme"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// A login that cannot be renewed: where the OP gave no refresh token (it ignored offline_access, or the
// kiosk asks for none), the visit can last only as long as the access token. The kiosk says so before it
// runs out – a warning loginEndWarning before, with «OK» – and when it has run out ends the visit with its
// own notice on the welcome screen (logoutTokenEnded: «Du vart logga ut fordi innlogginga di ikkje varer
// lenger …»), not the plain «Du er logga ut.». Both on the kiosk's clock.

// maxLoginEndWarning is how long before a login runs out the kiosk warns at most; a shorter login is
// warned half-way through.
const maxLoginEndWarning = time.Minute

// loginEndWarning is how long before the end of a login usable for life the warning comes.
func loginEndWarning(life time.Duration) time.Duration { return min(maxLoginEndWarning, life/2) }

// watchLoginEnd schedules, for a session that cannot refresh, the warning and the end of the visit on the
// kiosk's clock: both are dropped when the visit ends first. A session that can refresh, or whose token's
// life is unknown or already over (the first call is refused then), is left alone.
func (k *Kiosk) watchLoginEnd(sess *session) {
	if sess.api.CanRefresh() {
		return
	}
	life := sess.api.UsableFor()
	if life <= 0 {
		return
	}
	o := k.forScreen(nil)
	if warn := life - loginEndWarning(life); warn > 0 {
		k.after(warn, o, func() {
			if k.sess == sess {
				k.showLoginEndWarning()
			}
		})
	}
	k.after(life, o, func() {
		if k.sess == sess {
			k.logout(logoutTokenEnded)
		}
	})
}

// loginEnd is the warning that the login will soon run out (a modal card, as the idle warning).
type loginEnd struct {
	overlay *widget.PopUp
}

// showLoginEndWarning shows the warning (once), with the tone and, with speech guidance, the text spoken.
func (k *Kiosk) showLoginEndWarning() {
	if k.loginEnd.overlay != nil {
		return
	}
	title := subheading(k.tr("LoginEndingTitle"))
	title.Alignment = fyne.TextAlignCenter
	text := widget.NewLabel(k.tr("LoginEndingText"))
	text.Alignment = fyne.TextAlignCenter
	text.Wrapping = fyne.TextWrapWord
	ok := widgets.NewPrimaryButton(k.hooks, k.tr("LoginEndingOK"), k.hideLoginEndWarning)
	card := canvas.NewRectangle(kt.Colors().Surface)
	card.CornerRadius = 16
	box := container.NewStack(card, container.NewPadded(container.NewVBox(title, text, container.NewCenter(ok))))
	k.win.Canvas().Unfocus()
	pop := widget.NewModalPopUp(container.NewGridWrap(fyne.NewSize(640, 300), container.NewVScroll(box)), k.win.Canvas())
	pop.Show()
	k.loginEnd.overlay = pop
	if k.canSpeak() {
		_ = k.disp.speaker.Tone(k.ctx)
	}
	k.speak(k.tr("LoginEndingTitle") + ". " + k.tr("LoginEndingText"))
}

// hideLoginEndWarning takes the warning away («OK», or the visit's end).
func (k *Kiosk) hideLoginEndWarning() {
	if k.loginEnd.overlay == nil {
		return
	}
	k.loginEnd.overlay.Hide()
	k.loginEnd.overlay = nil
}
