package ui

import (
	"context"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"fyne.io/fyne/v2/container"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/store"
)

// logoutReason is why a visit ended (or, before login, why the router went back to the welcome screen): it
// names the welcome screen's notice and the operations log's code, so no translated text travels as the
// reason.
type logoutReason int

const (
	logoutCitizen    logoutReason = iota // "Logg ut", "Tilbake til start", "Avbryt": no notice
	logoutIdle                           // the idle timeout
	logoutExpired                        // the backend ended the login (a 401 mid-visit)
	logoutDeclined                       // the citizen declined the consent
	logoutStaff                          // staff left the staff panel or the PIN screen
	logoutRefused                        // the backend refused the login itself (the refusal screen follows)
	logoutTokenEnded                     // a login without a refresh token ran out (ui/loginend.go)
)

// message is the welcome screen's notice after the logout ("" for none).
func (r logoutReason) message() string {
	switch r {
	case logoutIdle:
		return id("NoticeIdle")
	case logoutExpired:
		return id("NoticeLoggedOut")
	case logoutTokenEnded:
		return id("NoticeLoginEnded")
	}
	return ""
}

// code is what the operations log records for the session's end (store.SessionEnded).
func (r logoutReason) code() string {
	switch r {
	case logoutIdle:
		return "idle"
	case logoutExpired:
		return "expired"
	case logoutDeclined:
		return "declined"
	case logoutStaff:
		return "staff"
	case logoutRefused:
		return "refused"
	case logoutTokenEnded:
		return "token_ended"
	}
	return "logout"
}

// logout ends the session for why: the token is dropped at once and revoked in the background, all session
// state is dropped, and the welcome screen is rebuilt from nothing in the kiosk's default language, with
// why's notice when it has one.
func (k *Kiosk) logout(why logoutReason) {
	sess := k.sess
	if k.cur != nil {
		k.cur.stop()
		k.cur = nil
	}
	if sess != nil {
		sess.end()
	}
	k.cancel()
	k.gen++
	k.ctx, k.cancel = context.WithCancel(context.Background())
	k.sess = nil // Me, the person acted for and the drafts (which name and quote the citizen) go with it
	k.idle.hideWarning()
	k.hideLoginEndWarning()
	if sess != nil {
		k.opLog(store.SessionEnded, why.code())
		k.revoke(sess.api)
	}
	guided, lang := k.guiding(), k.lang
	k.setLang(k.cfg.Lang)
	k.resetDisplay() // normal text, no high contrast, no keyboard, no speech for the next citizen
	if guided && sess != nil {
		// Speech guidance ends with the session; the citizen who used it hears that it has.
		msg := why.message()
		if msg == "" {
			msg = id("GuideLoggedOut")
		}
		loc := i18n.NewLocalizer(k.bundle, lang)
		said, _ := loc.Localize(&i18n.LocalizeConfig{MessageID: msg})
		ended, _ := loc.Localize(&i18n.LocalizeConfig{MessageID: id("GuideEnded")})
		_ = k.disp.speaker.Say(context.Background(), lang, said+" "+ended)
	}
	k.notice = why
	k.unsentNotice = sess != nil && sess.unsent()  // «Meldinga di vart ikkje send.», without its text
	k.endVisitHelp()                               // the help request's failure, and a request of this visit
	k.win.SetContent(container.NewWithoutLayout()) // drop the old tree (the GL driver refuses nil)
	k.app.Clipboard().SetContent("")
	k.show(newWelcome(k))
	k.visitEnded(why) // a fresh process for the next citizen (ui/handover.go)
}

// revoke logs sess out in the background (run, owned by forLogout), with a short timeout; it never blocks
// the UI. sess.Logout revokes the refresh and the access token at the OP and tells the backend
// (POST /v1/logout), each answer in the log.
func (k *Kiosk) revoke(sess *client.Session) {
	k.run(forLogout(), func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, logoutTimeout)
		defer cancel()
		_ = sess.Logout(ctx)
		return nil
	})
}
