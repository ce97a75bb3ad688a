package locales

import (
	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
)

// NoticeFile returns the embedded notice texts of a language ("nn" -> notices.nn.toml): the SMS and e-mail
// notices (varsel) the reference backend sends.
func NoticeFile(lang string) ([]byte, error) {
	return noticeFiles.ReadFile("notices." + lang + ".toml")
}

// NewNoticeBundle returns a bundle with the notice texts of every language in config.Languages; its default
// language is bokmål.
func NewNoticeBundle() *i18n.Bundle {
	b := i18n.NewBundle(language.MustParse("nb"))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range config.Languages {
		if _, err := b.LoadMessageFileFS(noticeFiles, "notices."+l+".toml"); err != nil {
			panic("locales: " + err.Error()) // embedded files: a broken one is a build mistake
		}
	}
	return b
}
