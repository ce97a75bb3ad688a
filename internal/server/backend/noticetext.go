package backend

import (
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/helsekiosk/helsekiosk/locales"
)

// noticeText is what a notice says, in one language: the same for every kind of event, so that a notice
// tells nothing of what happened (locales/notices.*.toml).
type noticeText struct {
	Lang                         Lang
	SMS, EmailSubject, EmailBody string
}

var noticeBundle = sync.OnceValue(locales.NewNoticeBundle)

// noticeLang is the language of a person's notices: the stored language when it is one of the backend's,
// else bokmål.
func noticeLang(stored string) Lang {
	switch l := Lang(strings.ToLower(strings.TrimSpace(stored))); l {
	case LangNN, LangNB, LangEN:
		return l
	}
	return LangNB
}

// textOf is the notice text in l.
func textOf(l Lang) noticeText {
	loc := i18n.NewLocalizer(noticeBundle(), string(l))
	tr := func(id string) string {
		return strings.TrimSpace(loc.MustLocalize(&i18n.LocalizeConfig{MessageID: id}))
	}
	return noticeText{Lang: l, SMS: tr("NoticeSMS"), EmailSubject: tr("NoticeEmailSubject"), EmailBody: tr("NoticeEmailBody") + "\n"}
}
